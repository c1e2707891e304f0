build-merge/tests/unit/test_natgw.o: tests/unit/test_natgw.c \
 dataplane/natgw.h dataplane/pipeline.h dataplane/ct.h dataplane/frag.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/explain.h \
 include/vpclab/tables.h include/vpclab/addr.h tests/unit/fixture.h \
 dataplane/ct.h dataplane/parse.h dataplane/pipeline.h dataplane/pkt.h \
 dataplane/tables.h
dataplane/natgw.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/explain.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/pkt.h:
dataplane/tables.h:
