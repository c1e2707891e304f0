build-merge/tests/unit/test_parallel.o: tests/unit/test_parallel.c \
 control/host/parallel.h
control/host/parallel.h:
