build-merge/control/cli/cli_obs.o: control/cli/cli_obs.c \
 control/cli/cli.h include/vpclab/ctl.h
control/cli/cli.h:
include/vpclab/ctl.h:
