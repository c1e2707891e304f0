build-merge/dataplane/reply.o: dataplane/reply.c dataplane/bytes.h \
 dataplane/csum.h dataplane/parse.h dataplane/pkt.h include/vpclab/drop.h \
 dataplane/reply.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/parse.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/reply.h:
