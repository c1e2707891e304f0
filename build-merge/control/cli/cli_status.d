build-merge/control/cli/cli_status.o: control/cli/cli_status.c \
 control/cli/cli.h control/cli/ctl_client.h control/cli/status_print.h \
 control/host/state_labs.h include/vpclab/ctl.h
control/cli/cli.h:
control/cli/ctl_client.h:
control/cli/status_print.h:
control/host/state_labs.h:
include/vpclab/ctl.h:
