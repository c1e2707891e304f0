build-merge/dataplane/igw.o: dataplane/igw.c dataplane/bytes.h \
 dataplane/csum.h dataplane/icmp.h dataplane/pkt.h include/vpclab/drop.h \
 dataplane/igw.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 include/vpclab/explain.h include/vpclab/tables.h include/vpclab/addr.h \
 dataplane/reply.h dataplane/rewrite.h dataplane/tables.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/icmp.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/igw.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/reply.h:
dataplane/rewrite.h:
dataplane/tables.h:
