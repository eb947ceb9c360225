build/lib/util/fs.o: lib/util/fs.c lib/util/fs.h lib/util/error.h \
 lib/util/cleanup.h
lib/util/fs.h:
lib/util/error.h:
lib/util/cleanup.h:
