build-merge/control/host/link_stats.o: control/host/link_stats.c \
 control/host/link_stats.h
control/host/link_stats.h:
