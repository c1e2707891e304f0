build-merge/control/router/ctl_server.o: control/router/ctl_server.c \
 dataplane/capture.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/explain.h \
 include/vpclab/tables.h include/vpclab/addr.h dataplane/flowlog.h \
 dataplane/tables.h control/router/eip.h control/tools/trace.h \
 control/router/router.h dataplane/loop.h control/router/status.h \
 control/host/link_stats.h dataplane/pipeline.h dataplane/natgw.h \
 include/vpclab/ctl.h
dataplane/capture.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/flowlog.h:
dataplane/tables.h:
control/router/eip.h:
control/tools/trace.h:
control/router/router.h:
dataplane/loop.h:
control/router/status.h:
control/host/link_stats.h:
dataplane/pipeline.h:
dataplane/natgw.h:
include/vpclab/ctl.h:
