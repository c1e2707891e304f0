build-merge/dataplane/rewrite.o: dataplane/rewrite.c dataplane/bytes.h \
 dataplane/csum.h dataplane/rewrite.h dataplane/pkt.h \
 include/vpclab/drop.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/rewrite.h:
dataplane/pkt.h:
include/vpclab/drop.h:
