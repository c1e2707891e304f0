build-merge/tests/unit/test_lifecycle.o: tests/unit/test_lifecycle.c \
 control/host/state.h include/vpclab/ctl.h
control/host/state.h:
include/vpclab/ctl.h:
