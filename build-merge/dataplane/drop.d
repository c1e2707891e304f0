build-merge/dataplane/drop.o: dataplane/drop.c include/vpclab/drop.h
include/vpclab/drop.h:
