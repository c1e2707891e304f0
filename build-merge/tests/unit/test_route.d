build-merge/tests/unit/test_route.o: tests/unit/test_route.c \
 dataplane/route.h include/vpclab/tables.h include/vpclab/addr.h \
 dataplane/tables.h tests/unit/fixture.h dataplane/ct.h dataplane/frag.h \
 dataplane/pkt.h include/vpclab/drop.h dataplane/parse.h \
 dataplane/pipeline.h dataplane/ct.h include/vpclab/explain.h \
 dataplane/pkt.h
dataplane/route.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/tables.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/ct.h:
include/vpclab/explain.h:
dataplane/pkt.h:
