build-merge/control/host/state_down.o: control/host/state_down.c \
 control/host/state.h control/host/state_down.h include/vpclab/ctl.h
control/host/state.h:
control/host/state_down.h:
include/vpclab/ctl.h:
