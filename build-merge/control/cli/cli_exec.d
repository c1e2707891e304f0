build-merge/control/cli/cli_exec.o: control/cli/cli_exec.c \
 control/cli/cli.h
control/cli/cli.h:
