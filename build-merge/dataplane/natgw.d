build-merge/dataplane/natgw.o: dataplane/natgw.c dataplane/bytes.h \
 dataplane/csum.h dataplane/icmp.h dataplane/pkt.h include/vpclab/drop.h \
 dataplane/nat_table.h dataplane/natgw.h dataplane/pipeline.h \
 dataplane/ct.h dataplane/frag.h include/vpclab/explain.h \
 include/vpclab/tables.h include/vpclab/addr.h dataplane/reply.h \
 dataplane/rewrite.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/icmp.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/nat_table.h:
dataplane/natgw.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/reply.h:
dataplane/rewrite.h:
