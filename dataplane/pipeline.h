/* The dispatcher: the only place that knows the order of the stages (ARCHITECTURE.md "One
 * dispatcher"), and the only place that sends, drops or counts. Stages and edges (igw.c,
 * natgw.c) return a step saying what happens next; pipeline_run loops over steps with a hop
 * budget and records the explanation, one hop per step. trace/replay run the very same
 * pipeline_run with an explain recorder. */
#ifndef VPCLAB_PIPELINE_H
#define VPCLAB_PIPELINE_H

#include <stdint.h>

#include "ct.h"
#include "frag.h"
#include "pkt.h"
#include "vpclab/explain.h"
#include "vpclab/tables.h"

struct dp_port_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, drops;
};

/* Sends p out of port (rewritten frame in p->frame/p->len, the vnet header right before
 * p->frame). 0 or -errno. */
typedef int (*dp_send_fn)(void *ctx, uint16_t port, const struct pkt *p);

#define DP_FRAG_SLOTS 512
#define DP_FRAG_HEAD 16          /* room for a vnet header before a fragment built in scratch */
#define DP_HOP_LIMIT 64          /* steps per packet: more is a loop (NAT gateways routing to
				  * each other), dropped as hop_limit */

struct dp_state {
	const struct vl_tables *t;
	struct ct_pool *ct;              /* the lab's connections: a table per port (ct_port) */
	struct dp_port_stats *stats;     /* one per port */
	uint64_t drops[DROP__COUNT];
	uint64_t forwarded, arp_replies;
	dp_send_fn send;                 /* NULL: decide only (trace) */
	void *send_ctx;
	struct nat_state *nat;           /* NAT gateways' translations (natgw.c) */
	struct lb_state *lb;             /* network load balancers' flows and health (lb.c) */
	struct dns_bucket *dns;          /* per port: packets to the resolver (dns.c) */
	uint16_t n_dns;                  /* its length (ports it has room for) */
	struct capture_state *capture;   /* running captures (capture.c), NULL when none */
	struct flowlog *flowlog;         /* flow logs (flowlog.c), NULL when off */
	void (*flowlog_emit)(void *ctx, uint16_t port, const char *line);
	void *flowlog_ctx;
	int64_t wall_offset_ns;          /* CLOCK_REALTIME - CLOCK_MONOTONIC, for flow log times */
	struct frag_slot frags[DP_FRAG_SLOTS]; /* forwarded first fragments (frag.h) */
	uint8_t frag_buf[DP_FRAG_HEAD + ETH_HLEN_ + VL_IGW_MTU]; /* one fragment being sent */
};

/* What a stage found and what comes next. Only pipeline.c acts on it. */
enum step_kind {
	STEP_DROP,       /* drop, reason */
	STEP_FORWARD,    /* done: send out of port */
	STEP_REPLY,      /* done: send back out of p->in_port (ARP answer) */
	STEP_ROUTE,      /* route from subnet toward p->dst with its route table */
	STEP_LOCAL,      /* the local route of subnet's VPC: whoever owns p->dst there */
	STEP_CROSS,      /* from subnet (VL_NONE: outside the VPC) to edge `port`: NACLs, arrival */
	STEP_DELIVER,    /* the receiving interface port: source/dest check, SG ingress, MACs */
	STEP_INTERNET,   /* on the internet side toward p->dst: a host, or in through the IGW */
	STEP_ARRIVE,     /* at edge `port` past the NACLs (pipeline.c internal) */
	STEP_NACL_IN,    /* NACL in of the edge's subnet (pipeline.c internal) */
	STEP_SG_IN,      /* SG ingress of port (pipeline.c internal) */
	STEP_HANDOVER,   /* rewrite the MACs for port (pipeline.c internal) */
	STEP_SG_OUT,     /* SG egress of port (p->in_port, or the load balancer node it leaves) */
	STEP_LB_BACK,    /* p->in_port's packet past its SG egress: a load balancer's reply? */
	STEP_LB,         /* at node `port` past its SG ingress: to listener flow - 1 (lb.c) */
	STEP_LB_REPLY,   /* at node `port` past its SG ingress: reply of LB flow flow - 1 */
	STEP_DNS,        /* p->in_port's packet past its source check: the resolver's? (dns.c) */
};

/* What is on the far side of a CROSS (and so which edge continues). */
enum step_edge {
	EDGE_PORT,           /* an interface: port = its index */
	EDGE_IGW,            /* the internet gateway (NACL out only): port unused */
	EDGE_NATGW_OUT,      /* a NAT gateway, outbound leg: port = NAT gateway index */
	EDGE_NATGW_PRIVATE,  /* a NAT gateway's own private IP */
	EDGE_NATGW_RETURN,   /* a NAT gateway, a reply from the internet (from the IGW) */
	EDGE_NATGW_ERROR,    /* a NAT gateway, an ICMP error the router built about its traffic */
	EDGE_LB_REPLY,       /* a target's reply back to the load balancer node `port` (flow) */
};

struct step {
	uint8_t kind;            /* enum step_kind */
	uint8_t edge;            /* CROSS, ARRIVE, NACL_IN: enum step_edge */
	uint8_t reason;          /* DROP: enum drop_reason */
	uint16_t subnet;         /* ROUTE, LOCAL, CROSS: the subnet p is in, VL_NONE outside */
	uint16_t port;           /* FORWARD, DELIVER, CROSS: interface or NAT gateway index */
	int16_t replaced;        /* p was replaced by the router's answer: the original's drop
				  * reason (counted as dropped), -1 none */
	uint16_t mtu;            /* p must leave cut into fragments of at most mtu bytes, 0 none */
	uint32_t untracked_flow; /* SG: the entry (index + 1) of untracked_port's table that p
				  * started as untracked, 0 none (a NAT gateway or a load balancer
				  * on its path makes it tracked: the dispatcher clears it) */
	uint16_t untracked_port;
	uint32_t flow;           /* load balancer steps: listener or flow index + 1, 0 none */
	struct explain_hop hop;  /* what this step found; stage EX_NONE: no hop */
};

/* Step constructors for the stages: */
static inline struct step step_next(uint8_t kind, uint16_t subnet, uint16_t port)
{
	return (struct step){.kind = kind, .subnet = subnet, .port = port, .replaced = -1,
			     .hop = {.stage = EX_NONE}};
}
static inline struct step step_cross(uint16_t from, enum step_edge edge, uint16_t index)
{
	struct step st = step_next(STEP_CROSS, from, index);
	st.edge = (uint8_t)edge;
	return st;
}
static inline struct step step_drop(int reason)
{
	struct step st = step_next(STEP_DROP, VL_NONE, VL_NONE);
	st.reason = (uint8_t)reason;
	return st;
}
/* Sets st's hop: stage, verdict (STAGE_PASS or a drop reason), object, rule, flags. */
static inline void step_hop(struct step *st, enum explain_stage stage, int verdict, uint16_t obj,
			    int32_t rule, uint8_t flags)
{
	st->hop = (struct explain_hop){.stage = (uint8_t)stage, .verdict = (int16_t)verdict,
				       .obj = obj, .rule = rule, .flags = flags};
}
/* A drop found at stage: the step and its hop. */
static inline struct step step_drop_at(enum explain_stage stage, int reason, uint16_t obj)
{
	struct step st = step_drop(reason);
	step_hop(&st, stage, reason, obj, -1, 0);
	return st;
}
/* Adds p's header (after a rewrite) to st's hop. */
void step_header(struct step *st, const struct pkt *p);

/* Creates the connection pool (at most ct_limit entries for the lab, 0: CT_LIMIT_DEFAULT) and
 * counters for t. NULL + errno. */
struct dp_state *dp_state_create(const struct vl_tables *t, uint32_t ct_limit);
void dp_state_destroy(struct dp_state *s);
/* The same tables with a private view of the connection state (ct_pool_clone: flows are
 * copied as they are looked up) and a copy of the NAT state, and no I/O: what a live trace runs
 * on, so that it sees the lab's flows without changing them. s must outlive the clone and not
 * change while it is used. NULL + errno. */
struct dp_state *dp_state_clone(const struct dp_state *s);

/* Decides p's fate (p already parsed) and rewrites it for delivery. Mutates only connection
 * state. ex may be NULL; when given, every step that found something appends a hop. A verdict
 * with mtu set means: send p cut into fragments (frag_cut); pipeline_process does. */
struct verdict pipeline_run(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex);

/* Parse + run + count + send: what the data plane does with one frame read from a tap.
 * cap is the room at frame (>= len) for an ICMP error or RST built in place. */
struct verdict pipeline_process(struct dp_state *s, uint8_t *frame, uint32_t len, uint32_t cap,
				void *vnet, uint16_t in_port, uint64_t now);

struct verdict verdict_drop(int reason);

/* Wall-clock seconds (flow log times) of monotonic time now. */
static inline uint32_t dp_wall_s(const struct dp_state *s, uint64_t now)
{
	return (uint32_t)(((int64_t)now + s->wall_offset_ns) / (int64_t)NS_PER_S);
}

/* Read access for control/ (status, metrics): counters without reaching into the struct. */
uint64_t dp_drop_count(const struct dp_state *s, enum drop_reason r);
uint64_t dp_forwarded(const struct dp_state *s);
uint64_t dp_arp_replies(const struct dp_state *s);
/* Port port's counters, or NULL when port is out of range. */
const struct dp_port_stats *dp_port_stats_get(const struct dp_state *s, uint16_t port);
/* The tables s runs on. */
const struct vl_tables *dp_tables(const struct dp_state *s);
/* The NAT gateways' state (natgw.h: nat_foreach, nat_counter_get). */
const struct nat_state *dp_nat(const struct dp_state *s);
/* The load balancers' state (lb.h: lb_counter_get, lb_foreach, lb_target_state). */
const struct lb_state *dp_lb(const struct dp_state *s);

#endif
