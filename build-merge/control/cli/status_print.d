build-merge/control/cli/status_print.o: control/cli/status_print.c \
 control/cli/status_print.h
control/cli/status_print.h:
