/* The VPC resolver on the packet path (include/vpclab/tables_dns.h "The resolver on the packet
 * path"): queries to base+2 and 169.254.169.253 go to the resolver port, before security groups
 * and ACLs, statelessly rewritten to the VPC's resolver address; its answers come back the same
 * way. Per-interface token buckets (1024 packets a second, AWS's hard limit) live here. */
#ifndef VPCLAB_DP_DNS_H
#define VPCLAB_DP_DNS_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline.h"

/* One interface's token bucket toward the resolver. All zeros is a full bucket (calloc). */
struct dns_bucket {
	uint64_t at;             /* when `spent` was last brought up to date (monotonic ns) */
	uint32_t spent;          /* tokens used and not yet refilled, at most VL_RESOLVER_PPS */
};

static inline bool dns_in_net(uint32_t a)
{
	return (a & 0xffffff00u) == VL_RESOLVER_NET;
}

/* Whether p, sent by a VPC interface, may be the resolver's: to port 53 or to one of the
 * resolver's addresses. One cheap test for every packet; dns_out decides. */
static inline bool dns_maybe(const struct pkt *p)
{
	return p->dport == 53 || dns_in_net(p->dst);
}

/* From a VPC interface (p passed its source check), dns_maybe: a query to the resolver
 * (rewritten, to the resolver port), a packet to its VPC's resolver address (to the resolver
 * port unchanged), a drop, or else `next` with no hop (not the resolver's). */
struct step dns_out(struct dp_state *s, struct pkt *p, uint64_t now, struct step next);

/* From the resolver port: from a VL_RESOLVER_NET address, to the VPC interface owning the
 * destination (an answer from port 53 gets base+2 or .253 back as its source); from its
 * internet address, what an internet host's packet gets (igw.c). */
struct step dns_in(struct dp_state *s, struct pkt *p);

/* Whether a drop reason is the resolver's (flow logs leave these out, as AWS does). */
static inline bool dns_drop(int reason)
{
	return reason >= DROP_DNS_DISABLED && reason <= DROP_DNS_FRAGMENT;
}

/* The buckets: one per port of s->t (fresh, or copies of src's); room for nt's ports; a
 * removed port's bucket back to full; freed. 0 or -ENOMEM. */
int dns_state_init(struct dp_state *s, const struct dp_state *src);
int dns_state_reserve(struct dp_state *s, const struct vl_tables *nt);
void dns_state_forget(struct dp_state *s, uint16_t port);
void dns_state_fini(struct dp_state *s);

/* Takes one token of b at now; false when the bucket is empty (exported for tests). */
bool dns_bucket_take(struct dns_bucket *b, uint64_t now);

#endif
