build-merge/dataplane/pipeline.o: dataplane/pipeline.c dataplane/acl.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/arp.h dataplane/capture.h \
 dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 include/vpclab/explain.h dataplane/flowlog.h dataplane/igw.h \
 dataplane/natgw.h dataplane/parse.h dataplane/rewrite.h \
 dataplane/route.h dataplane/sg.h dataplane/tables.h
dataplane/acl.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/arp.h:
dataplane/capture.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
include/vpclab/explain.h:
dataplane/flowlog.h:
dataplane/igw.h:
dataplane/natgw.h:
dataplane/parse.h:
dataplane/rewrite.h:
dataplane/route.h:
dataplane/sg.h:
dataplane/tables.h:
