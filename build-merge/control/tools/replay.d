build-merge/control/tools/replay.o: control/tools/replay.c \
 dataplane/capture.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/explain.h \
 include/vpclab/tables.h include/vpclab/addr.h dataplane/frag.h \
 dataplane/parse.h dataplane/tap.h control/tools/replay.h
dataplane/capture.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/frag.h:
dataplane/parse.h:
dataplane/tap.h:
control/tools/replay.h:
