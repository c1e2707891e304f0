build-merge/tests/unit/test_ct.o: tests/unit/test_ct.c dataplane/ct.h \
 dataplane/frag.h dataplane/pkt.h include/vpclab/drop.h \
 tests/unit/fixture.h dataplane/parse.h dataplane/pipeline.h \
 dataplane/ct.h include/vpclab/explain.h include/vpclab/tables.h \
 include/vpclab/addr.h dataplane/pkt.h dataplane/tables.h
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
tests/unit/fixture.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/ct.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
dataplane/pkt.h:
dataplane/tables.h:
