build-merge/dataplane/route.o: dataplane/route.c dataplane/route.h \
 include/vpclab/tables.h include/vpclab/addr.h
dataplane/route.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
