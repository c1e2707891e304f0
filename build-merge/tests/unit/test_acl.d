build-merge/tests/unit/test_acl.o: tests/unit/test_acl.c dataplane/acl.h \
 dataplane/pkt.h include/vpclab/drop.h include/vpclab/tables.h \
 include/vpclab/addr.h tests/unit/fixture.h dataplane/ct.h \
 dataplane/frag.h dataplane/parse.h dataplane/pipeline.h dataplane/ct.h \
 include/vpclab/explain.h dataplane/pkt.h dataplane/tables.h
dataplane/acl.h:
dataplane/pkt.h:
include/vpclab/drop.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
tests/unit/fixture.h:
dataplane/ct.h:
dataplane/frag.h:
dataplane/parse.h:
dataplane/pipeline.h:
dataplane/ct.h:
include/vpclab/explain.h:
dataplane/pkt.h:
dataplane/tables.h:
