/* The running router's state, shared by daemon.c (lifecycle) and ctl_server.c (requests). */
#ifndef VPCLAB_ROUTER_H
#define VPCLAB_ROUTER_H

#include <jansson.h>
#include <stdio.h>

#include "dataplane/loop.h"
#include "control/router/status.h"
#include "dataplane/natgw.h"
#include "vpclab/tables.h"

#include "vpclab/ctl.h"

#define CTL_CLIENTS 4            /* control clients waiting for the rest of their request */
#define CTL_DUMPS 4              /* answers streamed in slices at once (ctl_dump.h) */

struct ctl_client {
	int fd;                  /* -1 = free */
	size_t len;
	char buf[VL_CTL_MAX_LINE];
};

enum ctl_dump_kind { CTL_DUMP_FLOWS, CTL_DUMP_STATUS };

/* One answer being streamed: where its walk stands and the text its reader has yet to take. */
struct ctl_dump {
	int fd;                  /* -1 = free */
	enum ctl_dump_kind kind;
	int phase;
	uint16_t port;           /* the interface the walk is at */
	uint32_t cursor;         /* in that interface's connection table (ct_foreach_slice) */
	bool first_port, first, failed;
	char *buf;
	size_t len, off, cap;    /* text in buf, sent of it, room */
};

/* What an instance's flow log files hold (written by this router only: the state directory is
 * new at each up). */
struct flowlog_file {
	uint64_t bytes, lines;           /* NAME.log */
	uint64_t old_bytes, old_lines;   /* NAME.log.1 */
};

struct router {
	struct vl_tables *t;     /* the published snapshot (also s->t) */
	struct dp_state *s;
	struct dp_loop *loop;
	int *taps;
	int ctl_fd;
	struct ctl_client clients[CTL_CLIENTS];
	unsigned next_evict;
	struct ctl_dump dumps[CTL_DUMPS];
	unsigned next_dump;
	int *tap_nl;             /* per port: a netlink socket inside its namespace (tap counters) */
	FILE **flowlog_files;    /* per port, /run/vpclab/LAB/flowlogs/NAME.log */
	struct flowlog_file *flowlog_sizes; /* per port: what its NAME.log and NAME.log.1 hold */
	uint64_t flowlog_max;    /* a file is rotated to NAME.log.1 past this */
	struct status_flowlogs flowlog_stats;
	uint32_t flowlog_interval_s;
	struct nat_limits nat_limits;    /* the lab's NAT limits (environment), for gateways an
					  * apply adds to a lab that had none */
	struct apply *apply;     /* the apply in progress (apply.c), NULL when none */
	int apply_wait_fd;       /* a user's apply waiting for a group's change to end, or -1 */
	char *apply_wait_spec;
	struct asg *asg;         /* auto scaling groups' controller (asg.h), NULL when the lab
				  * never had a group */
	struct lb_health *lbh;   /* target health and its checkers (lb_health.h), NULL when the
				  * lab never had a target group */
	struct alb *alb;         /* application load balancers' proxies and counters (alb.h),
				  * NULL when the lab never had one */
	struct resolver *resolver; /* the DNS resolver (resolver.h), NULL in a lab without VPC */
	char err[256];
};

/* What follows request name and a space at the start of req, or NULL when req is not that
 * request (include/vpclab/ctl.h names them all). */
const char *ctl_arg(const char *req, const char *name);

/* Answers one control request line (include/vpclab/ctl.h). New reference. */
json_t *ctl_handle(struct router *r, char *req);
/* The `nat` answer (w: the request's words, n of them). New reference. */
json_t *ctl_handle_nat(struct router *r, char **w, int n);
/* Port i's tap counters into *out: true, or false when they cannot be had. */
bool ctl_tap_drops(struct router *r, uint16_t i, struct link_drops *out);

/* The `lb` answer (ctl_lb.c; name NULL: every load balancer). New reference. */
json_t *ctl_handle_lb(struct router *r, const char *name);

/* The `dns` answer (ctl_dns.c; spec: the request's JSON). New reference. */
json_t *ctl_handle_dns(struct router *r, const char *spec);

/* Starts a capture that streams pcapng to fd (which it then owns): 0. Otherwise writes the
 * error answer to fd and returns -errno; the caller closes fd. */
int ctl_capture(struct router *r, int fd, const char *json_spec);

#endif
