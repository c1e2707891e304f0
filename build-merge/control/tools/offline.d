build-merge/control/tools/offline.o: control/tools/offline.c \
 control/tools/offline.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/tables.h
control/tools/offline.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/tables.h:
