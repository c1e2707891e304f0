build-merge/control/cli/cli_opts.o: control/cli/cli_opts.c \
 control/cli/cli.h
control/cli/cli.h:
