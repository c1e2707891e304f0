build-merge/control/lab/model.o: control/lab/model.c control/lab/model.h \
 control/lab/diag.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
