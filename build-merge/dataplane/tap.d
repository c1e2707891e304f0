build-merge/dataplane/tap.o: dataplane/tap.c dataplane/tap.h
dataplane/tap.h:
