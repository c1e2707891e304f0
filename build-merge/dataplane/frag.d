build-merge/dataplane/frag.o: dataplane/frag.c dataplane/bytes.h \
 dataplane/csum.h dataplane/frag.h dataplane/pkt.h include/vpclab/drop.h \
 dataplane/parse.h include/vpclab/tables.h include/vpclab/addr.h
dataplane/bytes.h:
dataplane/csum.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/parse.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
