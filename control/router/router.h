/* The running router's state, shared by daemon.c (lifecycle) and ctl_server.c (requests). */
#ifndef VPCLAB_ROUTER_H
#define VPCLAB_ROUTER_H

#include <jansson.h>
#include <stdio.h>

#include "dataplane/loop.h"
#include "dataplane/natgw.h"
#include "vpclab/tables.h"

#include "vpclab/ctl.h"

#define CTL_CLIENTS 4            /* control clients waiting for the rest of their request */

struct ctl_client {
	int fd;                  /* -1 = free */
	size_t len;
	char buf[VL_CTL_MAX_LINE];
};

struct router {
	struct vl_tables *t;     /* the published snapshot (also s->t) */
	struct dp_state *s;
	struct dp_loop *loop;
	int *taps;
	int ctl_fd;
	struct ctl_client clients[CTL_CLIENTS];
	unsigned next_evict;
	FILE **flowlog_files;    /* per port, /run/vpclab/LAB/flowlogs/NAME.log */
	uint32_t flowlog_interval_s;
	char err[256];
};

/* What follows request name and a space at the start of req, or NULL when req is not that
 * request (include/vpclab/ctl.h names them all). */
const char *ctl_arg(const char *req, const char *name);

/* Answers one control request line (include/vpclab/ctl.h). New reference. */
json_t *ctl_handle(struct router *r, char *req);

/* Starts a capture that streams pcapng to fd (which it then owns): 0. Otherwise writes the
 * error answer to fd and returns -errno; the caller closes fd. */
int ctl_capture(struct router *r, int fd, const char *json_spec);

#endif
