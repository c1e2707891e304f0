build-merge/control/cli/cli.o: control/cli/cli.c control/cli/cli.h
control/cli/cli.h:
