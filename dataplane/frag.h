/* IPv4 fragments. Later fragments carry no ports, so no stage can judge them: they follow what
 * their first fragment (same source, destination, protocol and IP id) got. One small
 * direct-mapped cache type remembers that, used by the dispatcher (the interface and the
 * rewrite the first fragment left with) and by connection tracking (the flow it joined).
 * And the internet gateway's fragmentation: one packet cut into fragments of at most an MTU. */
#ifndef VPCLAB_FRAG_H
#define VPCLAB_FRAG_H

#include <stdint.h>

#include "pkt.h"

#define FRAG_TIMEOUT_S 30u       /* DESIGN: as Linux's ipfrag_time */

struct frag_slot {
	uint32_t src, dst;       /* the first fragment's addresses as it arrived */
	uint16_t ip_id, scope;   /* scope: the interface it arrived on, or the table's owner */
	uint8_t proto, used;
	int32_t flow;            /* connection tracking: the flow it joined, -1 none */
	uint16_t out_port;       /* dispatcher: the interface it left by */
	uint32_t new_src, new_dst; /* dispatcher: its addresses as it left (NAT, IGW) */
	uint16_t mtu;            /* dispatcher: cut into fragments of at most mtu bytes, 0 none */
	uint64_t seen;
};

/* The slot of first fragment p (arrived in scope) among slots[n], claimed for it: kept when it
 * is already p's (so two users can fill their halves), else reset (flow -1, out_port VL_NONE). */
struct frag_slot *frag_note(struct frag_slot *slots, uint32_t n, const struct pkt *p,
			    uint16_t scope, uint64_t now);
/* The slot of later fragment p's first fragment if it was noted in scope less than
 * FRAG_TIMEOUT_S ago, else NULL. */
const struct frag_slot *frag_find(const struct frag_slot *slots, uint32_t n, const struct pkt *p,
				  uint16_t scope, uint64_t now);

/* Cuts p (a plain IPv4 packet, no GSO, over mtu bytes, DF clear) into fragments of at most mtu
 * bytes each (RFC 791: 8-byte aligned offsets, MF on all but the last, the options that must be
 * copied), builds each in scratch (room for ETH_HLEN_ + mtu bytes, and head bytes before it that
 * are zeroed for a vnet header) and calls fn for each in order; p's L4 checksum is completed first
 * when the vnet header left it partial. Stops at fn's first error. Returns the number of
 * fragments, or a negative errno (-EINVAL: p cannot be fragmented). Allocates nothing. */
int frag_cut(struct pkt *p, uint16_t mtu, uint8_t *scratch, uint32_t head,
	     int (*fn)(void *ctx, const struct pkt *frag), void *ctx);

/* How many fragments frag_cut makes of an IP packet of ip_len bytes with an ihl-byte header. */
uint32_t frag_count(uint32_t ip_len, uint32_t ihl, uint16_t mtu);

#endif
