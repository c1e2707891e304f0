/* Publishing an applied lab (publish.h). Everything that can fail happens in dp_state_reserve,
 * while the old tables still run; dp_state_publish only frees and clears, so no packet ever
 * meets half a change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"
#include "dns.h"
#include "flowlog.h"
#include "lb.h"
#include "nat_table.h"
#include "publish.h"
#include "tables.h"

bool dp_port_removed(const struct vl_tables *old, const struct vl_tables *nt, uint16_t i)
{
	return i < old->n_ports && vl_port_used(&old->ports[i]) &&
	       !(i < nt->n_ports && vl_port_used(&nt->ports[i]));
}

bool dp_port_added(const struct vl_tables *old, const struct vl_tables *nt, uint16_t i)
{
	return i < nt->n_ports && vl_port_used(&nt->ports[i]) &&
	       !(i < old->n_ports && vl_port_used(&old->ports[i]));
}

static bool natgw_removed(const struct vl_tables *old, const struct vl_tables *nt, uint16_t i)
{
	return i < old->n_natgws && vl_natgw_used(&old->natgws[i]) &&
	       !(i < nt->n_natgws && vl_natgw_used(&nt->natgws[i]));
}

int dp_state_reserve(struct dp_state *s, const struct vl_tables *nt, const struct nat_limits *nat)
{
	uint16_t have = s->t->n_ports; /* the stats array's length: a lab's port count never shrinks */
	if (nt->n_ports > have) {
		struct dp_port_stats *st = calloc(nt->n_ports, sizeof(*st));
		if (!st)
			return -ENOMEM;
		memcpy(st, s->stats, have * sizeof(*st));
		if (ct_pool_grow(s->ct, nt->n_ports) < 0 ||
		    (s->flowlog && flowlog_grow(s->flowlog, nt->n_ports) < 0)) {
			free(st);
			return -ENOMEM;
		}
		free(s->stats);
		s->stats = st;
	}
	if (nt->n_natgws && !s->nat) {
		s->nat = nat_table_create(nt->n_natgws);
		if (!s->nat || (nat && nat_configure(s, nat) < 0))
			return -ENOMEM; /* an empty NAT state is harmless to the running tables */
	}
	if (s->nat && nat_table_grow(s->nat, nt->n_natgws) < 0)
		return -ENOMEM;
	if (dns_state_reserve(s, nt) < 0)
		return -ENOMEM;
	return lb_state_reserve(s, nt);
}

struct nat_gone {
	const struct vl_tables *old, *nt;
	const uint8_t *port_gone;    /* per old port */
};

/* A removed gateway's translations, and those of a removed instance (its address may be
 * given to a new one, which must not inherit them). */
static bool nat_gone(const struct nat_map *m, void *arg)
{
	const struct nat_gone *g = arg;
	if (natgw_removed(g->old, g->nt, m->natgw))
		return true;
	if (m->natgw >= g->old->n_natgws)
		return false;
	const struct vl_addr_slot *a = addr_lookup(g->old, g->old->natgws[m->natgw].vpc, m->int_ip);
	return a && a->owner == VL_OWN_PORT && g->port_gone[a->index];
}

void dp_state_publish(struct dp_state *s, const struct vl_tables *nt, struct dp_retired *out)
{
	const struct vl_tables *old = s->t;
	*out = (struct dp_retired){0};
	uint8_t *gone = calloc(old->n_ports ? old->n_ports : 1, 1);
	bool any_gone = false;
	for (uint16_t i = 0; i < old->n_ports; i++) {
		if (!dp_port_removed(old, nt, i))
			continue;
		struct ct_table *ct = ct_port(s->ct, i);
		out->flows += ct_flush_if(ct, NULL, NULL);
		ct_flush(ct);
		s->stats[i] = (struct dp_port_stats){0};
		flowlog_forget(s->flowlog, i);
		dns_state_forget(s, i);
		if (gone)
			gone[i] = 1;
		any_gone = true;
	}
	bool gw_gone = false;
	for (uint16_t i = 0; i < old->n_natgws; i++)
		if (natgw_removed(old, nt, i)) {
			gw_gone = true;
			nat_table_reset_counters(s->nat, i);
		}
	/* Fragments whose first one left by a removed interface have nowhere to go. */
	for (uint32_t i = 0; any_gone && i < DP_FRAG_SLOTS; i++)
		if (s->frags[i].used && s->frags[i].out_port < old->n_ports &&
		    dp_port_removed(old, nt, s->frags[i].out_port))
			s->frags[i].used = 0;
	if (s->nat && (gw_gone || any_gone) && gone) {
		struct nat_gone g = {old, nt, gone};
		out->translations = nat_table_flush_if(s->nat, nat_gone, &g);
	}
	if (any_gone)
		out->lb_flows = lb_flush_ports(s, gone, old->n_ports);
	lb_remap(s, old, nt);
	free(gone);
	s->t = nt; /* the one pointer store that publishes the snapshot */
}
