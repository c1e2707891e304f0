build-merge/control/host/state.o: control/host/state.c \
 control/host/parallel.h control/host/progress.h control/host/provision.h \
 control/host/state.h include/vpclab/ctl.h
control/host/parallel.h:
control/host/progress.h:
control/host/provision.h:
control/host/state.h:
include/vpclab/ctl.h:
