build-merge/control/lab/diag.o: control/lab/diag.c control/lab/diag.h \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
