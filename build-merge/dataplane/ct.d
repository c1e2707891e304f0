build-merge/dataplane/ct.o: dataplane/ct.c dataplane/ct.h \
 dataplane/frag.h dataplane/pkt.h include/vpclab/drop.h
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
