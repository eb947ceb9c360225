build/lib/util/error.o: lib/util/error.c lib/util/error.h
lib/util/error.h:
