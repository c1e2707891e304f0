build-merge/dataplane/acl.o: dataplane/acl.c dataplane/acl.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/match.h
dataplane/acl.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/match.h:
