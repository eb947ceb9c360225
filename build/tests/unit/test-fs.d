build/tests/unit/test-fs.o: tests/unit/test-fs.c tests/unit/unit.h \
 lib/util/cleanup.h lib/util/fs.h lib/util/error.h
tests/unit/unit.h:
lib/util/cleanup.h:
lib/util/fs.h:
lib/util/error.h:
