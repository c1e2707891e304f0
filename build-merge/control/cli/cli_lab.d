build-merge/control/cli/cli_lab.o: control/cli/cli_lab.c \
 control/cli/cli.h control/cli/ctl_client.h control/host/state.h \
 control/host/state_down.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h control/router/daemon.h include/vpclab/ctl.h
control/cli/cli.h:
control/cli/ctl_client.h:
control/host/state.h:
control/host/state_down.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/router/daemon.h:
include/vpclab/ctl.h:
