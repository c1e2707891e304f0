/* NAT gateways: the edge (source NAT with port allocation per destination) and its state,
 * translations and AWS's CloudWatch counters per NAT gateway. The state is part of the
 * connection state (mutable on the packet path), kept apart from the immutable tables. The
 * dispatcher (pipeline.c) hands a packet here past the NACLs; each function returns the next
 * step (usually: route from the NAT's subnet), never continuing the path itself. */
#ifndef VPCLAB_NATGW_H
#define VPCLAB_NATGW_H

#include <stdint.h>

#include "pipeline.h"

#define NAT_IDLE_S 350u          /* AWS: idle timeout, then RST for a late packet */
#define NAT_PORT_LO 1024u        /* AWS: source ports 1024-65535 */
#define NAT_PORT_HI 65535u
#define NAT_DEST_MAX 55000u      /* AWS: simultaneous connections per unique destination */
/* DESIGN: translations of the whole lab, all gateways together. They are allocated with the
 * first translation in chunks of NAT_CHUNK that never move, so a lab at rest (or without a NAT
 * gateway) holds none; about 80 bytes each when full. VPCLAB_NAT_LIMIT overrides the limit for
 * the router. A new flow past it is dropped nat_full. */
#define NAT_LIMIT_DEFAULT 262144u
#define NAT_LIMIT_MAX (1u << 24)
#define NAT_CHUNK 1024u

/* Counters named after AWS's metrics (reference 5.4). */
#define NAT_COUNTERS(X)                                                                   \
	X(ActiveConnectionCount) X(ConnectionAttemptCount) X(ConnectionEstablishedCount)  \
	X(PacketsDropCount) X(ErrorPortAllocation) X(IdleTimeoutCount)                    \
	X(BytesInFromSource) X(BytesOutToDestination) X(BytesInFromDestination)           \
	X(BytesOutToSource) X(PacketsInFromSource) X(PacketsOutToDestination)             \
	X(PacketsInFromDestination) X(PacketsOutToSource)

enum nat_counter {
#define NAT_COUNTER_ENUM(n) NATC_##n,
	NAT_COUNTERS(NAT_COUNTER_ENUM)
#undef NAT_COUNTER_ENUM
	NATC__COUNT
};

const char *nat_counter_name(enum nat_counter c);

enum nat_map_state { NAT_M_FREE, NAT_M_OPENING, NAT_M_ESTABLISHED, NAT_M_CLOSING, NAT_M_OTHER };

struct nat_map {
	uint32_t int_ip, ext_ip;         /* the instance, the far end */
	uint16_t int_port, ext_port;     /* ICMP echo: int_port = identifier, ext_port = 0 */
	uint16_t nat_port;               /* the allocated source port (or identifier) */
	uint16_t natgw;
	uint8_t proto, state;            /* enum nat_map_state */
	uint64_t created, last_seen;
	uint32_t next_fwd, next_rev;     /* chains: index + 1 */
	uint32_t dst_prev, dst_next;     /* the destination's translations: index + 1 */
};

/* The translations and counters of a lab's NAT gateways (nat_table.c); NULL without any. */
struct nat_state;

/* What the router may set before the first translation: the lab's limit and the port range
 * (tests narrow it to reach exhaustion with a few hundred flows). */
struct nat_limits {
	uint32_t limit;                  /* translations, 1..NAT_LIMIT_MAX */
	uint16_t port_lo, port_hi;       /* NAT_PORT_LO <= lo <= hi <= NAT_PORT_HI */
};

struct nat_stats {
	uint32_t used, limit;            /* translations */
	uint32_t allocated;              /* translation slots in allocated chunks */
	uint32_t dests, dense;           /* destinations with a port in use; with a port bitmap */
	uint64_t refused;                /* new flows past the limit (nat_full) */
	uint64_t work;                   /* candidate ports and bitmap words examined, ever */
	uint16_t port_lo, port_hi;
};

/* The edge, past the NACLs of the crossing (pipeline.c): */
/* A packet routed to NAT gateway natgw (the outbound leg): translated, then routed from its
 * subnet; or a named drop, Time Exceeded (TTL), RST (a late TCP segment). */
struct step natgw_out(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now);
/* A packet addressed to the NAT gateway's private IP from inside the VPC: dropped. */
struct step natgw_private(struct dp_state *s, struct pkt *p, uint16_t natgw);
/* A packet from the internet to the NAT gateway's elastic IP, already mapped to its private
 * IP by the IGW: translated back to the instance, or nat_no_mapping. */
struct step natgw_return(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now);
/* An ICMP error built by the router about a packet the NAT gateway had translated: translated
 * back and routed to the instance behind it. */
struct step natgw_error_back(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now);

/* s->nat for s->t: NULL when the lab has no NAT gateway, else counters only. 0 or -ENOMEM. */
int nat_state_init(struct dp_state *s);
/* dst (whose nat is unset) gets a deep copy of src's translations, costing what they hold.
 * 0 or -ENOMEM. */
int nat_state_copy(struct dp_state *dst, const struct dp_state *src);
void nat_state_fini(struct dp_state *s);
/* Expires idle translations, looking at a bounded number of them from where the last sweep
 * stopped (called once a second by the loop; the whole table over time). */
void nat_sweep(struct dp_state *s, uint64_t now);
/* The router's knobs: ports "LO-HI" and limit a count; NULL or "" keeps the default. 0 or
 * -EINVAL (then l is unchanged). */
int nat_limits_parse(struct nat_limits *l, const char *ports, const char *limit);
/* Applies l before the first translation: 0, -EINVAL (out of range), -EBUSY (too late). A lab
 * without NAT gateways ignores it. */
int nat_configure(struct dp_state *s, const struct nat_limits *l);

/* Read access for control/ (status, `vpclab nat`): */
/* Counter c of NAT gateway gw (0 when gw is out of range). */
uint64_t nat_counter_get(const struct nat_state *n, uint16_t gw, enum nat_counter c);
/* The table's size and use (zeros for NULL). */
void nat_stats(const struct nat_state *n, struct nat_stats *st);
/* Calls fn(ctx, m) for every live translation, in table order; stops when fn returns non-zero
 * and returns that value, else 0. */
int nat_foreach(const struct nat_state *n, int (*fn)(void *ctx, const struct nat_map *m), void *ctx);

#endif
