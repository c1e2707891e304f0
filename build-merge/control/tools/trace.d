build-merge/control/tools/trace.o: control/tools/trace.c \
 control/tools/craft.h control/tools/trace.h include/vpclab/explain.h \
 include/vpclab/drop.h include/vpclab/tables.h include/vpclab/addr.h \
 dataplane/parse.h dataplane/pkt.h dataplane/pipeline.h dataplane/ct.h \
 dataplane/frag.h
control/tools/craft.h:
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/parse.h:
dataplane/pkt.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
