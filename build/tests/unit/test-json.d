build/tests/unit/test-json.o: tests/unit/test-json.c tests/unit/unit.h \
 lib/util/cleanup.h lib/util/json.h lib/util/error.h
tests/unit/unit.h:
lib/util/cleanup.h:
lib/util/json.h:
lib/util/error.h:
