build-merge/control/cli/cli_capture.o: control/cli/cli_capture.c \
 control/cli/cli.h control/cli/ctl_client.h include/vpclab/ctl.h
control/cli/cli.h:
control/cli/ctl_client.h:
include/vpclab/ctl.h:
