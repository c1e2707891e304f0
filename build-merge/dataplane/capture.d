build-merge/dataplane/capture.o: dataplane/capture.c dataplane/bytes.h \
 dataplane/capture.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/explain.h \
 include/vpclab/tables.h include/vpclab/addr.h dataplane/rewrite.h \
 dataplane/parse.h dataplane/tap.h
dataplane/bytes.h:
dataplane/capture.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/rewrite.h:
dataplane/parse.h:
dataplane/tap.h:
