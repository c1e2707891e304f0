build-merge/tests/unit/test_compile.o: tests/unit/test_compile.c \
 tests/unit/labtest.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h control/lab/model.h control/lab/diag.h
tests/unit/labtest.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/lab/model.h:
control/lab/diag.h:
