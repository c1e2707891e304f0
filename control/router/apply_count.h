/* What an apply ends, counted on the live tables before it is published (for the plan) and
 * done when it is (apply.c): the flows of removed interfaces, the translations of removed NAT
 * gateways, the flows that went out by a public address that changes, and the untracked flows
 * (AWS does not track them: rules admit each packet) that the new rules no longer admit.
 * Tracked flows are never ended by a rule change (reference 4.4). */
#ifndef VPCLAB_ROUTER_APPLY_COUNT_H
#define VPCLAB_ROUTER_APPLY_COUNT_H

#include <stdint.h>

#include "control/lab/diff.h"
#include "dataplane/pipeline.h"

struct apply_count {
	uint32_t *ends;          /* per change of the plan: the flows it ends (a NAT gateway's line:
				  * its translations) */
	size_t n;
};

/* Fills c for plan (old -> nt, nt aligned and prepared) from s's live state. 0 or -ENOMEM. */
int apply_count_plan(struct apply_count *c, const struct dp_state *s, const struct vl_tables *old,
		     const struct vl_tables *nt, const struct lab_plan *plan);
void apply_count_free(struct apply_count *c);

/* Before publishing: ends the flows of kept interfaces whose public address (or internet
 * gateway) changes that went out through the internet gateway. Their number. */
uint32_t apply_end_public(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt);
/* After publishing nt: ends the untracked flows of interfaces whose rules changed that nt no
 * longer admits (a tracked one may turn untracked or back). Their number. */
uint32_t apply_cut_untracked(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt);

#endif
