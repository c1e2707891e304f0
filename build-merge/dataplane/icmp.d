build-merge/dataplane/icmp.o: dataplane/icmp.c dataplane/bytes.h \
 dataplane/csum.h dataplane/icmp.h dataplane/pkt.h include/vpclab/drop.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/icmp.h:
dataplane/pkt.h:
include/vpclab/drop.h:
