build-merge/tests/unit/test_frag.o: tests/unit/test_frag.c \
 control/tools/trace.h include/vpclab/explain.h include/vpclab/drop.h \
 include/vpclab/tables.h include/vpclab/addr.h tests/unit/fixture.h \
 dataplane/ct.h dataplane/frag.h dataplane/pkt.h dataplane/parse.h \
 dataplane/pipeline.h dataplane/ct.h dataplane/pkt.h dataplane/tables.h
control/tools/trace.h:
include/vpclab/explain.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/pkt.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/ct.h:
dataplane/pkt.h:
dataplane/tables.h:
