build-merge/control/cli/cli_trace.o: control/cli/cli_trace.c \
 control/cli/cli.h control/lab/lab.h include/vpclab/tables.h \
 include/vpclab/addr.h control/tools/offline.h control/tools/replay.h \
 control/tools/trace.h include/vpclab/explain.h include/vpclab/drop.h \
 include/vpclab/ctl.h
control/cli/cli.h:
control/lab/lab.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/tools/offline.h:
control/tools/replay.h:
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
include/vpclab/ctl.h:
