build-merge/control/cli/cli_test.o: control/cli/cli_test.c \
 control/cli/cli.h control/labtest/labtest.h control/lab/model.h \
 control/lab/diag.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h
control/cli/cli.h:
control/labtest/labtest.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
