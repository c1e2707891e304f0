build-merge/dataplane/nat_table.o: dataplane/nat_table.c \
 dataplane/nat_table.h dataplane/natgw.h dataplane/pipeline.h \
 dataplane/ct.h dataplane/frag.h dataplane/pkt.h include/vpclab/drop.h \
 include/vpclab/explain.h include/vpclab/tables.h include/vpclab/addr.h
dataplane/nat_table.h:
dataplane/natgw.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
