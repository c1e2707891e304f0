build-merge/control/host/parallel.o: control/host/parallel.c \
 control/host/parallel.h
control/host/parallel.h:
