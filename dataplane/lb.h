/* Network load balancers (reference aws-elb §1): the stage that picks a target for a new flow
 * arriving at a node (a port of kind VL_PORT_LB_NODE) and rewrites it toward the target, and
 * the one that carries the target's replies back through the node. Their state (flows, target
 * health, AWS's CloudWatch counters per load balancer) lives in the data plane state beside
 * NAT's. Like natgw.c, each function returns the next step for the dispatcher (pipeline.c). */
#ifndef VPCLAB_LB_H
#define VPCLAB_LB_H

#include <stdint.h>

#include "pipeline.h"

#define LB_IDLE_TCP_S 350u       /* AWS: TCP idle timeout unless the listener says otherwise */
#define LB_IDLE_UDP_S 120u       /* AWS: UDP flows */
#define LB_CLOSING_S 60u         /* DESIGN: a closed TCP flow lingers for late FIN/ACKs */
#define LB_LINGER_S 60u          /* DESIGN: an idle-expired TCP flow is kept this long so that a
				  * late segment from either side gets a RST (then: from the client
				  * still, as for any unknown segment) */
/* Source ports when the client's IP is not preserved. DESIGN: below Linux's ephemeral range
 * (32768-60999), which the node's namespace uses for its own health check connections, so that
 * the two never meet on one (node, target) pair. AWS allows about 55,000 per target. */
#define LB_PORT_LO 1024u
#define LB_PORT_HI 32767u
#define LB_PROBES 16u            /* ports tried per new flow: hashed, independent */
/* DESIGN: flows of the whole lab, all load balancers together, allocated in chunks of
 * LB_CHUNK as they come (none while no flow ever passed); about 80 bytes each. */
#define LB_LIMIT_DEFAULT 262144u
#define LB_LIMIT_MAX (1u << 24)
#define LB_CHUNK 1024u

/* Counters named after AWS's CloudWatch metrics for network load balancers. HealthyHostCount
 * and UnHealthyHostCount are the caller's to count (lb_target_state). */
#define LB_COUNTERS(X)                                                                     \
	X(ActiveFlowCount) X(ActiveFlowCount_TCP) X(ActiveFlowCount_UDP) X(NewFlowCount)    \
	X(NewFlowCount_TCP) X(NewFlowCount_UDP) X(ProcessedBytes) X(ProcessedPackets)       \
	X(TCP_Client_Reset_Count) X(TCP_Target_Reset_Count) X(TCP_ELB_Reset_Count)         \
	X(PortAllocationErrorCount)

enum lb_counter {
#define LB_COUNTER_ENUM(n) LBC_##n,
	LB_COUNTERS(LB_COUNTER_ENUM)
#undef LB_COUNTER_ENUM
	LBC__COUNT
};

const char *lb_counter_name(enum lb_counter c);

/* A target's health, as AWS names it. A new target is `initial` until its first check passes:
 * like `unhealthy` it gets new flows only when no target is healthy (fail open). A draining
 * target keeps its flows; an unhealthy one's flows are reset at their next packet while the
 * node has a healthy target to offer instead (AWS: unhealthy target connection termination,
 * on by default; a group failing open keeps them). */
enum lb_target_state { LB_T_INITIAL, LB_T_HEALTHY, LB_T_UNHEALTHY, LB_T_DRAINING, LB_T_UNUSED };

const char *lb_target_state_name(enum lb_target_state st);

enum lb_flow_state {
	LB_F_FREE,
	LB_F_OPENING,            /* TCP: the client's SYN passed */
	LB_F_ESTABLISHED,        /* TCP: the target answered */
	LB_F_UDP,
	LB_F_CLOSING,            /* TCP: both FINs, or a RST, passed */
	LB_F_EXPIRED,            /* idle past its timeout, noticed by the sweep, or ended by the load
				  * balancer (its target unhealthy): lingering, late segments get RSTs */
};

struct lb_flow {
	uint32_t client_ip;      /* the source as the node received it */
	uint16_t client_port, lport;
	uint16_t node;           /* the node port it arrived at */
	uint16_t lb, tg;
	uint8_t proto, state;    /* enum lb_flow_state */
	uint8_t snat;            /* the target sees the node, not the client */
	uint8_t fin_seen;        /* TCP: bit 0 the client's FIN, bit 1 the target's */
	uint32_t node_ip;
	uint32_t target;         /* tables.targets index when the flow began */
	uint16_t target_port;    /* the target's interface (ports index) */
	uint16_t tport;
	uint32_t target_ip;
	uint32_t peer_ip;        /* the source the target sees: the client's, or the node's */
	uint16_t peer_port;
	uint32_t idle_s;         /* the listener's idle timeout (TCP) or AWS's 120 s (UDP) */
	uint64_t created, last_seen;
	uint32_t next_fwd, next_rev;   /* hash chains / free list (lb_table.c): index + 1 */
};

/* The flows, health and counters of a lab's load balancers; NULL in a lab without any. */
struct lb_state;
/* The flow table (lb_table.h). */
struct lb_table;

/* The stages, called by the dispatcher only: */
/* A packet delivered to node port `node` past the NACLs: its listener, or a reply to a
 * connection the node itself opened (health checks: handed to the node's namespace), or
 * lb_no_listener. Continues with the node's SG ingress. */
struct step lb_deliver(struct dp_state *s, struct pkt *p, uint16_t node, uint64_t now);
/* Past the node's SG ingress, to listener (tables.listeners index): the flow found or made,
 * the packet rewritten toward its target; then the node's SG egress and its subnet's routes.
 * Drops: lb_no_target, lb_loopback, lb_port_alloc, lb_full; a TCP segment of no flow is
 * answered with a RST (lb_no_flow). */
struct step lb_forward(struct dp_state *s, struct pkt *p, uint16_t node, uint32_t listener, uint64_t now);
/* A packet interface p->in_port sent from subnet, past its SG egress: a target's reply to a
 * flow goes back through the flow's node (a crossing to it), whatever the route table says;
 * anything else goes on to the route lookup. */
struct step lb_back(struct dp_state *s, struct pkt *p, uint16_t subnet, uint64_t now);
/* The reply of flow (index) past the node's SG ingress: the source becomes the node's address
 * and listener port (and the destination the client when the target saw the node); then the
 * node's SG egress and its subnet's routes. */
struct step lb_reply(struct dp_state *s, struct pkt *p, uint16_t node, uint32_t flow, uint64_t now);
/* Whether lb_back has anything to look for (a flow exists): else the dispatcher skips it. */
bool lb_active(const struct dp_state *s);

/* s->lb for s->t: NULL when the lab has no load balancer. 0 or -ENOMEM. */
int lb_state_init(struct dp_state *s);
/* dst (whose lb is unset) gets a deep copy of src's. 0 or -ENOMEM. */
int lb_state_copy(struct dp_state *dst, const struct dp_state *src);
void lb_state_fini(struct dp_state *s);
/* For apply, after s->t changed: room for its load balancers and targets (new ones zero and
 * `initial`), a state made when the lab had none. Targets keep their state by tables.targets
 * index: the caller sets those that moved (lb_target_set_state). 0 or -ENOMEM. */
int lb_state_grow(struct dp_state *s);
/* Expires idle flows, looking at a bounded number from where the last sweep stopped (called
 * once a second by the loop). */
void lb_sweep(struct dp_state *s, uint64_t now);
/* The lab's flow limit, before the first flow: 0, -EINVAL, -EBUSY. */
int lb_configure(struct dp_state *s, uint32_t limit);

/* Health, set by the router from its checks; tg a target group, idx a target of it (0 ..
 * target_count - 1). 0, or -EINVAL when out of range or the lab has no load balancer. */
int lb_target_set_state(struct dp_state *s, uint16_t tg, uint32_t idx, enum lb_target_state st);
/* Its state; LB_T_UNUSED when out of range. */
enum lb_target_state lb_target_state(const struct dp_state *s, uint16_t tg, uint32_t idx);

/* Read access for control/ (`vpclab lb`, status): */
/* Counter c of load balancer lb (0 when out of range or no state). */
uint64_t lb_counter_get(const struct lb_state *l, uint16_t lb, enum lb_counter c);
/* Flows in use and the limit. */
void lb_flow_stats(const struct lb_state *l, uint32_t *used, uint32_t *limit);
/* Calls fn(ctx, f) for every flow not free, in table order; stops at a non-zero return. */
int lb_foreach(const struct lb_state *l, int (*fn)(void *ctx, const struct lb_flow *f), void *ctx);

/* For apply (publish.c): room for nt's load balancers and targets before it is published
 * (0 or -ENOMEM, nothing lost); then the flows through a node or to a target whose interface
 * went away (gone: per old port, 1 = removed) are freed: how many. */
int lb_state_reserve(struct dp_state *s, const struct vl_tables *nt);
uint32_t lb_flush_ports(struct dp_state *s, const uint8_t *gone, uint16_t n_ports);
/* After an apply published nt over old: flows, counters follow their load balancer, target group
 * and target by name and (instance port, port), since only interfaces keep their indices
 * (align.h); a flow whose target was deregistered goes on without one (as draining). */
void lb_remap(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt);

#endif
