build-merge/tests/unit/test_sg.o: tests/unit/test_sg.c dataplane/sg.h \
 dataplane/ct.h dataplane/frag.h dataplane/pkt.h include/vpclab/drop.h \
 include/vpclab/tables.h include/vpclab/addr.h tests/unit/fixture.h \
 dataplane/ct.h dataplane/parse.h dataplane/pipeline.h \
 include/vpclab/explain.h dataplane/pkt.h dataplane/tables.h
dataplane/sg.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/parse.h:
dataplane/pipeline.h:
include/vpclab/explain.h:
dataplane/pkt.h:
dataplane/tables.h:
