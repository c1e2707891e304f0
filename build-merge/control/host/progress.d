build-merge/control/host/progress.o: control/host/progress.c \
 control/host/progress.h
control/host/progress.h:
