build-merge/dataplane/csum.o: dataplane/csum.c dataplane/bytes.h \
 dataplane/csum.h dataplane/pkt.h include/vpclab/drop.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/pkt.h:
include/vpclab/drop.h:
