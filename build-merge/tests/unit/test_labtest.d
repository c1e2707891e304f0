build-merge/tests/unit/test_labtest.o: tests/unit/test_labtest.c \
 control/labtest/labtest.h control/lab/model.h control/lab/diag.h \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h \
 control/tools/trace.h include/vpclab/explain.h include/vpclab/drop.h \
 dataplane/tables.h tests/unit/labtest.h
control/labtest/labtest.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
dataplane/tables.h:
tests/unit/labtest.h:
