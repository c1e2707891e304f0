build-merge/control/lab/check.o: control/lab/check.c control/lab/check.h \
 control/lab/model.h control/lab/diag.h control/lab/lab.h \
 include/vpclab/tables.h include/vpclab/addr.h
control/lab/check.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
