build-merge/control/cli/cli_eip.o: control/cli/cli_eip.c \
 control/cli/cli.h include/vpclab/ctl.h
control/cli/cli.h:
include/vpclab/ctl.h:
