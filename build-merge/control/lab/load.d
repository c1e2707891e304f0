build-merge/control/lab/load.o: control/lab/load.c control/lab/load.h \
 control/lab/model.h control/lab/diag.h control/lab/lab.h \
 include/vpclab/tables.h include/vpclab/addr.h
control/lab/load.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
