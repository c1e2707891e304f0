build-merge/control/router/status.o: control/router/status.c \
 dataplane/flowlog.h dataplane/pkt.h include/vpclab/drop.h \
 include/vpclab/tables.h include/vpclab/addr.h control/router/status.h \
 control/host/link_stats.h dataplane/pipeline.h dataplane/ct.h \
 dataplane/frag.h include/vpclab/explain.h
dataplane/flowlog.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/router/status.h:
control/host/link_stats.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
include/vpclab/explain.h:
