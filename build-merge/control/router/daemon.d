build-merge/control/router/daemon.o: control/router/daemon.c \
 control/router/daemon.h include/vpclab/tables.h include/vpclab/addr.h \
 dataplane/flowlog.h dataplane/pkt.h include/vpclab/drop.h \
 dataplane/loop.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 include/vpclab/explain.h dataplane/natgw.h dataplane/tables.h \
 dataplane/tap.h control/host/link_stats.h control/host/parallel.h \
 control/host/progress.h control/host/provision.h \
 control/router/ctl_dump.h control/router/router.h \
 control/router/status.h dataplane/pipeline.h include/vpclab/ctl.h \
 control/host/state.h control/host/state_labs.h
control/router/daemon.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/flowlog.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/loop.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
include/vpclab/explain.h:
dataplane/natgw.h:
dataplane/tables.h:
dataplane/tap.h:
control/host/link_stats.h:
control/host/parallel.h:
control/host/progress.h:
control/host/provision.h:
control/router/ctl_dump.h:
control/router/router.h:
control/router/status.h:
dataplane/pipeline.h:
include/vpclab/ctl.h:
control/host/state.h:
control/host/state_labs.h:
