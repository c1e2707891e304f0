build-merge/tests/unit/test_csum.o: tests/unit/test_csum.c \
 dataplane/csum.h dataplane/rewrite.h dataplane/pkt.h \
 include/vpclab/drop.h tests/unit/fixture.h dataplane/ct.h \
 dataplane/frag.h dataplane/parse.h dataplane/pipeline.h dataplane/ct.h \
 include/vpclab/explain.h include/vpclab/tables.h include/vpclab/addr.h \
 dataplane/pkt.h dataplane/tables.h
dataplane/csum.h:
dataplane/rewrite.h:
dataplane/pkt.h:
include/vpclab/drop.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/ct.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/pkt.h:
dataplane/tables.h:
