build-merge/control/lab/load_checks.o: control/lab/load_checks.c \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h \
 control/lab/load.h control/lab/model.h control/lab/diag.h
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/lab/load.h:
control/lab/model.h:
control/lab/diag.h:
