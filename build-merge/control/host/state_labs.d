build-merge/control/host/state_labs.o: control/host/state_labs.c \
 control/host/state.h control/host/state_labs.h include/vpclab/ctl.h
control/host/state.h:
control/host/state_labs.h:
include/vpclab/ctl.h:
