build-merge/dataplane/flowlog.o: dataplane/flowlog.c dataplane/flowlog.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h
dataplane/flowlog.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
