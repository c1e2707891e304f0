build-merge/control/labtest/probe.o: control/labtest/probe.c \
 control/labtest/probe.h
control/labtest/probe.h:
