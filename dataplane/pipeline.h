/* The order of the stages, in AWS order (ARCHITECTURE.md "The packet path"), and the only place
 * that sends, drops or counts. pipeline_run decides; pipeline_process decides, counts and sends.
 * trace/replay run the very same pipeline_run with an explain recorder. */
#ifndef VPCLAB_PIPELINE_H
#define VPCLAB_PIPELINE_H

#include <stdint.h>

#include "acl.h"
#include "ct.h"
#include "pkt.h"
#include "vpclab/tables.h"

enum explain_stage {
	EX_PARSE,
	EX_ARP,
	EX_SRCDST_OUT,   /* source/destination check of the sending interface */
	EX_SG_OUT,
	EX_ROUTE,
	EX_NACL_OUT,
	EX_NACL_IN,
	EX_SG_IN,
	EX_SRCDST_IN,    /* source/destination check of the receiving interface */
	EX_IGW,
	EX_NAT,
	EX_DELIVER,
	EX_FRAGMENT,     /* a later fragment following its first fragment's verdict */
};

struct explain_hop {
	uint8_t stage;           /* enum explain_stage */
	uint8_t flags;           /* EXF_* */
	int16_t verdict;         /* STAGE_PASS or enum drop_reason */
	uint16_t obj;            /* port, subnet, route table, acl ... index the stage looked at */
	int32_t rule;            /* route / acl rule / sg rule index, -1 for none (implicit) */
	uint8_t has_hdr;         /* IGW/NAT: the header after the rewrite follows */
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
};

#define EXF_NEW_FLOW 1       /* SG: this packet started tracking */
#define EXF_TRACKED 2        /* SG: an existing flow admitted it */
#define EXF_SAME_SUBNET 4    /* ROUTE: same subnet, switched without the route table */

#define EXPLAIN_MAX 24
struct explain {
	uint8_t n;
	struct explain_hop hop[EXPLAIN_MAX];
};

struct dp_port_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

/* Sends p out of port (rewritten frame in p->frame/p->len). 0 or -errno. */
typedef int (*dp_send_fn)(void *ctx, uint16_t port, const struct pkt *p);

/* Later fragments carry no ports, so no stage can judge them: they follow the fate of their
 * first fragment (same source, destination, protocol and IP id), which went through every
 * stage. A small direct-mapped table remembers where each forwarded first fragment went. */
#define DP_FRAG_SLOTS 512
#define DP_FRAG_S 30u            /* DESIGN: as Linux's ipfrag_time */
struct dp_frag {
	uint32_t src, dst;       /* as the first fragment arrived */
	uint32_t new_src, new_dst; /* as it left (NAT/IGW rewrites) */
	uint16_t ip_id, out_port;
	uint16_t in_port;        /* only fragments from the same interface may follow */
	uint8_t proto, used;
	uint64_t seen;
};

struct dp_state {
	const struct vl_tables *t;
	struct ct_pool *ct;              /* the lab's connections: a table per port (ct_port) */
	struct dp_port_stats *stats;     /* one per port */
	uint64_t drops[DROP__COUNT];
	uint64_t forwarded, arp_replies;
	dp_send_fn send;                 /* NULL: decide only (trace) */
	void *send_ctx;
	struct nat_state *nat;           /* NAT gateways' translations (nat.c) */
	struct capture_state *capture;   /* running captures (capture.c), NULL when none */
	struct flowlog *flowlog;         /* flow logs (flowlog.c), NULL when off */
	void (*flowlog_emit)(void *ctx, uint16_t port, const char *line);
	void *flowlog_ctx;
	int64_t wall_offset_ns;          /* CLOCK_REALTIME - CLOCK_MONOTONIC, for flow log times */
	uint16_t target;                 /* the interface the current packet is headed for */
	struct dp_frag frags[DP_FRAG_SLOTS];
	int16_t replaced;                /* drop reason of a packet a stage replaced with the router's
					  * own answer (ICMP error, RST), counted as dropped; -1 none */
};

enum verdict_action { VERDICT_FORWARD, VERDICT_REPLY, VERDICT_DROP };

struct verdict {
	uint8_t action;          /* enum verdict_action */
	uint8_t reason;          /* enum drop_reason when action == VERDICT_DROP */
	uint16_t out_port;       /* FORWARD: where to; REPLY: p->in_port */
};

/* Creates the connection pool (at most ct_limit entries for the lab, 0: CT_LIMIT_DEFAULT) and
 * counters for t. NULL + errno. */
struct dp_state *dp_state_create(const struct vl_tables *t, uint32_t ct_limit);
void dp_state_destroy(struct dp_state *s);
/* The same tables with copies of the connection and NAT state, and no I/O: what a live trace
 * runs on, so that it sees the lab's flows without changing them. NULL + errno. */
struct dp_state *dp_state_clone(const struct dp_state *s);

/* Decides p's fate (p already parsed) and rewrites it for delivery. Mutates only connection
 * state. ex may be NULL; when given, every stage appends a hop. */
struct verdict pipeline_run(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex);

/* Parse + run + count + send: what the data plane does with one frame read from a tap.
 * cap is the room at frame (>= len) for an ICMP error or RST built in place. */
struct verdict pipeline_process(struct dp_state *s, uint8_t *frame, uint32_t len, uint32_t cap,
				void *vnet, uint16_t in_port, uint64_t now);

const char *explain_stage_name(enum explain_stage st);

/* Wall-clock seconds (flow log times) of monotonic time now. */
static inline uint32_t dp_wall_s(const struct dp_state *s, uint64_t now)
{
	return (uint32_t)(((int64_t)now + s->wall_offset_ns) / (int64_t)NS_PER_S);
}

/* For nat.c, which continues the path after a gateway: */
/* Routes p, now in subnet from (VL_NONE: never), toward p->dst with from's route table. */
struct verdict pipeline_route(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
			      struct explain *ex);
/* Crosses from subnet from (VL_NONE: from outside the VPC, NACL in only) to interface port. */
struct verdict pipeline_cross(struct dp_state *s, struct pkt *p, uint16_t from, uint16_t port,
			      uint64_t now, struct explain *ex);
/* The receiving interface: source/destination check, SG ingress, MAC rewrite. */
struct verdict pipeline_deliver(struct dp_state *s, struct pkt *p, uint16_t port, uint64_t now,
				struct explain *ex);
/* NACL of subnet in direction dir: STAGE_PASS or DROP_NACL_IN/OUT, recorded in ex. */
int pipeline_nacl(struct dp_state *s, uint16_t subnet, enum acl_dir dir, const struct pkt *p,
		  struct explain *ex);
/* Records one hop when ex is not NULL. */
void explain_add(struct explain *ex, enum explain_stage st, int verdict, uint16_t obj, int32_t rule,
		 uint8_t flags);
struct verdict verdict_drop(int reason);
/* Records p's header (after a rewrite) in the last hop. */
void explain_header(struct explain *ex, const struct pkt *p);

#endif
