build-merge/dataplane/sg.o: dataplane/sg.c dataplane/match.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/sg.h dataplane/ct.h dataplane/frag.h \
 dataplane/tables.h
dataplane/match.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/sg.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/tables.h:
