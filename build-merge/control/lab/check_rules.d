build-merge/control/lab/check_rules.o: control/lab/check_rules.c \
 control/lab/check.h control/lab/model.h control/lab/diag.h \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h
control/lab/check.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
