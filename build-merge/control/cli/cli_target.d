build-merge/control/cli/cli_target.o: control/cli/cli_target.c \
 control/cli/cli.h control/cli/ctl_client.h control/host/state.h \
 control/host/state_labs.h
control/cli/cli.h:
control/cli/ctl_client.h:
control/host/state.h:
control/host/state_labs.h:
