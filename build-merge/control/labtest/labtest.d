build-merge/control/labtest/labtest.o: control/labtest/labtest.c \
 control/labtest/labtest.h control/lab/model.h control/lab/diag.h \
 control/lab/lab.h include/vpclab/tables.h include/vpclab/addr.h \
 control/labtest/probe.h control/tools/trace.h include/vpclab/explain.h \
 include/vpclab/drop.h
control/labtest/labtest.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/labtest/probe.h:
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
