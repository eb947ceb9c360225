build/lib/util/json.o: lib/util/json.c lib/util/json.h lib/util/error.h \
 lib/util/cleanup.h lib/util/fs.h
lib/util/json.h:
lib/util/error.h:
lib/util/cleanup.h:
lib/util/fs.h:
