build/tests/unit/runner.o: tests/unit/runner.c tests/unit/unit.h
tests/unit/unit.h:
