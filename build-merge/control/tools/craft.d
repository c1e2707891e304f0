build-merge/control/tools/craft.o: control/tools/craft.c \
 dataplane/bytes.h control/tools/craft.h dataplane/csum.h \
 dataplane/parse.h dataplane/pkt.h include/vpclab/drop.h
dataplane/bytes.h:
control/tools/craft.h:
dataplane/csum.h:
dataplane/parse.h:
dataplane/pkt.h:
include/vpclab/drop.h:
