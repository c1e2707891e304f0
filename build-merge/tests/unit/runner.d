build-merge/tests/unit/runner.o: tests/unit/runner.c \
 build-merge/tests/unit/suites.inc
build-merge/tests/unit/suites.inc:
