build-merge/control/host/provision.o: control/host/provision.c \
 control/host/provision.h
control/host/provision.h:
