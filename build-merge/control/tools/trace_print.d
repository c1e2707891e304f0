build-merge/control/tools/trace_print.o: control/tools/trace_print.c \
 control/tools/trace.h include/vpclab/explain.h include/vpclab/drop.h \
 include/vpclab/tables.h include/vpclab/addr.h
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
