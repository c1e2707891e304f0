build-merge/dataplane/arp.o: dataplane/arp.c dataplane/arp.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/bytes.h
dataplane/arp.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/bytes.h:
