/* NAT gateway state: translations and AWS's CloudWatch counters, per NAT gateway. Part of the
 * connection state (mutable on the packet path), kept apart from the immutable tables. */
#ifndef VPCLAB_NATGW_H
#define VPCLAB_NATGW_H

#include <stdint.h>

#define NAT_IDLE_S 350u          /* AWS: idle timeout, then RST for a late packet */
#define NAT_PORT_LO 1024u        /* AWS: source ports 1024-65535 */
#define NAT_PORT_HI 65535u
#define NAT_CAPACITY 131072u     /* translations over all NAT gateways of a lab */

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
};

struct nat_state {
	uint32_t capacity, used, mask;
	uint32_t *fwd, *rev;             /* buckets: index + 1 */
	struct nat_map *maps;
	uint32_t free_head;
	uint32_t sweep_pos;
	uint16_t port_lo, port_hi;       /* tests narrow the range to exercise exhaustion */
	uint16_t n_natgws;
	uint64_t (*counters)[NATC__COUNT]; /* per NAT gateway */
};

#endif
