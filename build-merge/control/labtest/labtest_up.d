build-merge/control/labtest/labtest_up.o: control/labtest/labtest_up.c \
 control/router/daemon.h include/vpclab/tables.h include/vpclab/addr.h \
 control/labtest/labtest.h control/lab/model.h control/lab/diag.h \
 control/lab/lab.h control/host/state.h control/host/state_down.h \
 control/tools/offline.h include/vpclab/ctl.h
control/router/daemon.h:
include/vpclab/tables.h:
include/vpclab/addr.h:
control/labtest/labtest.h:
control/lab/model.h:
control/lab/diag.h:
control/lab/lab.h:
control/host/state.h:
control/host/state_down.h:
control/tools/offline.h:
include/vpclab/ctl.h:
