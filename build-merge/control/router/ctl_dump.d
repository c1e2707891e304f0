build-merge/control/router/ctl_dump.o: control/router/ctl_dump.c \
 control/router/ctl_dump.h control/router/router.h dataplane/loop.h \
 dataplane/pipeline.h dataplane/ct.h dataplane/frag.h dataplane/pkt.h \
 include/vpclab/drop.h include/vpclab/explain.h include/vpclab/tables.h \
 include/vpclab/addr.h control/router/status.h control/host/link_stats.h \
 dataplane/pipeline.h dataplane/natgw.h include/vpclab/ctl.h
control/router/ctl_dump.h:
control/router/router.h:
dataplane/loop.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/router/status.h:
control/host/link_stats.h:
dataplane/pipeline.h:
dataplane/natgw.h:
include/vpclab/ctl.h:
