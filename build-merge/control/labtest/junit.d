build-merge/control/labtest/junit.o: control/labtest/junit.c \
 control/labtest/labtest.h control/lab/model.h control/lab/diag.h \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h
control/labtest/labtest.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
