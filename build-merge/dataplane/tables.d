build-merge/dataplane/tables.o: dataplane/tables.c dataplane/route.h \
 include/vpclab/tables.h include/vpclab/addr.h dataplane/tables.h
dataplane/route.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/tables.h:
