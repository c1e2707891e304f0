build-merge/control/router/eip.o: control/router/eip.c \
 control/router/eip.h include/vpclab/tables.h include/vpclab/addr.h
control/router/eip.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
