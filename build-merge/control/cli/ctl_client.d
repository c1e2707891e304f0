build-merge/control/cli/ctl_client.o: control/cli/ctl_client.c \
 control/cli/ctl_client.h control/host/state.h include/vpclab/ctl.h
control/cli/ctl_client.h:
control/host/state.h:
include/vpclab/ctl.h:
