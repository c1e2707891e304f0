build-merge/control/lab/compile.o: control/lab/compile.c \
 control/lab/model.h control/lab/diag.h control/lab/lab.h \
 include/vpclab/tables.h include/vpclab/addr.h
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
