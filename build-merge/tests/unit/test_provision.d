build-merge/tests/unit/test_provision.o: tests/unit/test_provision.c \
 control/host/provision.h
control/host/provision.h:
