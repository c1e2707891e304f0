build-merge/dataplane/loop.o: dataplane/loop.c dataplane/loop.h \
 dataplane/pipeline.h dataplane/ct.h dataplane/frag.h dataplane/pkt.h \
 include/vpclab/drop.h include/vpclab/explain.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/flowlog.h dataplane/natgw.h \
 dataplane/tap.h
dataplane/loop.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/flowlog.h:
dataplane/natgw.h:
dataplane/tap.h:
