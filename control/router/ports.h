/* The namespaces and taps of a lab's interfaces: made by `up` for all of them and by `apply`
 * for the ones it adds, from a small pool of threads, each namespace recorded in the state
 * directory before it is made (so `down` can undo a crash at any point). */
#ifndef VPCLAB_ROUTER_PORTS_H
#define VPCLAB_ROUTER_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

struct ports_job {
	const struct vl_tables *t;
	const uint16_t *which;   /* the port indices of t to make */
	size_t n;
	int *taps, *tap_nl;      /* per port index of t: the tap, and a netlink socket inside the
				  * namespace for its counters (-1 when none), set for those made */
	int ready_fd;            /* `up` in the background: "progress DONE TOTAL" lines go here */
	bool show;               /* draw the progress line on this terminal */
	bool (*stop)(void);      /* when it says yes, no more are made (-EINTR) */
	char *err;               /* the first failure, in words */
	size_t errcap;
};

/* Makes each namespace LAB-NAME with its tap configured (address, route, MTU, MAC). A name
 * already taken is refused (-EEXIST) before anything is made. 0 or the first failure's -errno;
 * then the caller removes what the state directory lists (some may have been made). */
int ports_provision(struct ports_job *job);

#endif
