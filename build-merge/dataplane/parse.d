build-merge/dataplane/parse.o: dataplane/parse.c dataplane/bytes.h \
 dataplane/parse.h dataplane/pkt.h include/vpclab/drop.h
dataplane/bytes.h:
dataplane/parse.h:
dataplane/pkt.h:
include/vpclab/drop.h:
