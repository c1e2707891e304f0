/* Counting and ending flows for apply (apply_count.h). Each walk visits only the interfaces a
 * change touches: their own connection tables, never the whole pool. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/router/apply_count.h"
#include "dataplane/ct.h"
#include "dataplane/nat_table.h"
#include "dataplane/publish.h"
#include "dataplane/route.h"
#include "dataplane/sg.h"
#include "dataplane/tables.h"

static bool rule_same(const struct vl_tables *ot, const struct vl_sg_rule *a,
		      const struct vl_tables *nt, const struct vl_sg_rule *b)
{
	if (memcmp(&a->m, &b->m, sizeof(a->m)) != 0 || a->cidr.addr != b->cidr.addr ||
	    a->cidr.len != b->cidr.len || (a->peer_sg == VL_NONE) != (b->peer_sg == VL_NONE))
		return false;
	return a->peer_sg == VL_NONE || strcmp(ot->sgs[a->peer_sg].name, nt->sgs[b->peer_sg].name) == 0;
}

static bool rules_same(const struct vl_tables *ot, uint32_t of, uint32_t on,
		       const struct vl_tables *nt, uint32_t nf, uint32_t nn)
{
	if (on != nn)
		return false;
	for (uint32_t k = 0; k < on; k++)
		if (!rule_same(ot, &ot->sg_rules[of + k], nt, &nt->sg_rules[nf + k]))
			return false;
	return true;
}

/* Whether interface i (kept) is under the same rules in both tables: its groups, by name and
 * order, with the same rules. */
static bool port_rules_same(const struct vl_tables *ot, const struct vl_tables *nt, uint16_t i)
{
	const struct vl_port *o = &ot->ports[i], *n = &nt->ports[i];
	if (o->sg_count != n->sg_count)
		return false;
	for (uint16_t g = 0; g < o->sg_count; g++) {
		const struct vl_sg *a = &ot->sgs[o->sgs[g]], *b = &nt->sgs[n->sgs[g]];
		if (strcmp(a->name, b->name) != 0 ||
		    !rules_same(ot, a->in_first, a->in_count, nt, b->in_first, b->in_count) ||
		    !rules_same(ot, a->out_first, a->out_count, nt, b->out_first, b->out_count))
			return false;
	}
	return true;
}

static bool port_kept(const struct vl_tables *ot, const struct vl_tables *nt, uint16_t i)
{
	return i < ot->n_ports && i < nt->n_ports && vl_port_used(&ot->ports[i]) &&
	       vl_port_used(&nt->ports[i]);
}

/* Whether kept interface i's way out by a public address changes. */
static bool public_changes(const struct vl_tables *ot, const struct vl_tables *nt, uint16_t i)
{
	const struct vl_port *o = &ot->ports[i], *n = &nt->ports[i];
	if (o->kind != VL_PORT_INSTANCE || !o->public_ip)
		return false;
	return o->public_ip != n->public_ip || (ot->vpcs[o->vpc].has_igw && !nt->vpcs[n->vpc].has_igw);
}

struct via_igw {
	const struct vl_tables *t;
	const struct vl_port *p;
	bool count_only;
	uint32_t n;
};

/* A flow of interface p whose far end its subnet's routes send to the internet gateway. */
static bool flow_via_igw(struct ct_entry *e, void *arg)
{
	struct via_igw *v = arg;
	uint32_t peer = e->key.ip[0] == v->p->ip ? e->key.ip[1] : e->key.ip[0];
	int32_t r = route_lookup(v->t, v->t->subnets[v->p->subnet].route_table, peer);
	bool hit = r >= 0 && v->t->routes[r].kind == VL_T_IGW;
	v->n += hit;
	return hit && !v->count_only;
}

static uint32_t public_flows(struct dp_state *s, const struct vl_tables *ot, uint16_t i, bool count_only)
{
	struct via_igw v = {ot, &ot->ports[i], count_only, 0};
	ct_flush_if(ct_port(s->ct, i), flow_via_igw, &v);
	return v.n;
}

struct untracked {
	const struct vl_tables *nt;
	uint16_t port;
	bool count_only;
	uint32_t n;
};

static bool flow_cut(struct ct_entry *e, void *arg)
{
	struct untracked *u = arg;
	if (!e->untracked)
		return false;
	struct ct_entry copy = *e;
	bool cut = !sg_recheck(u->nt, u->port, u->count_only ? &copy : e);
	u->n += cut;
	return cut && !u->count_only;
}

static uint32_t untracked_flows(struct dp_state *s, const struct vl_tables *nt, uint16_t i, bool count_only)
{
	struct untracked u = {nt, i, count_only, 0};
	ct_flush_if(ct_port(s->ct, i), flow_cut, &u);
	return u.n;
}

uint32_t apply_end_public(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt)
{
	uint32_t n = 0;
	for (uint16_t i = 0; i < old->n_ports; i++)
		if (port_kept(old, nt, i) && public_changes(old, nt, i))
			n += public_flows(s, old, i, false);
	return n;
}

uint32_t apply_cut_untracked(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt)
{
	uint32_t n = 0;
	for (uint16_t i = 0; i < old->n_ports; i++)
		if (port_kept(old, nt, i) && !port_rules_same(old, nt, i))
			n += untracked_flows(s, nt, i, false);
	return n;
}

static int32_t port_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name[0] && i < t->n_ports; i++)
		if (strcmp(t->ports[i].name, name) == 0)
			return i;
	return -1;
}

static bool port_has_group(const struct vl_tables *t, uint16_t i, const char *group)
{
	const struct vl_port *p = &t->ports[i];
	for (uint16_t g = 0; g < p->sg_count; g++)
		if (strcmp(t->sgs[p->sgs[g]].name, group) == 0)
			return true;
	return false;
}

struct gw_count {
	uint16_t gw;
	uint32_t n;
};

static int count_gw(void *ctx, const struct nat_map *m)
{
	struct gw_count *c = ctx;
	c->n += m->natgw == c->gw;
	return 0;
}

/* The counts per interface of the running tables, then per change of the plan. */
struct per_port {
	uint32_t *removed, *cut, *pub;
	uint8_t *claimed;        /* the port's cut flows are already on a line: each counts once */
};

static uint32_t line_count(struct per_port *pp, const struct dp_state *s,
			   const struct vl_tables *old, const struct vl_tables *nt,
			   const struct lab_change *c)
{
	uint32_t n = 0;
	int32_t p = port_named(old, c->name);
	bool is_port = !strcmp(c->kind, "instance") || !strcmp(c->kind, "host");
	if (is_port && p >= 0 && c->op == LAB_REMOVE)
		return pp->removed[p];
	if (is_port && p >= 0 && c->op == LAB_CHANGE) {
		if (!strncmp(c->detail, "security_groups", 15)) {
			pp->claimed[p] = 1;
			return pp->cut[p];
		}
		if (!strncmp(c->detail, "public_ip", 9))
			return pp->pub[p];
		return 0;
	}
	if (!strcmp(c->kind, "nat_gateway") && c->op == LAB_REMOVE) {
		for (uint16_t g = 0; s->nat && g < old->n_natgws; g++)
			if (!strcmp(old->natgws[g].name, c->name)) {
				struct gw_count gc = {g, 0};
				nat_foreach(s->nat, count_gw, &gc);
				n += gc.n;
			}
		return n;
	}
	if (!strcmp(c->kind, "sg") || !strcmp(c->kind, "sg rule")) {
		for (uint16_t i = 0; i < old->n_ports; i++)
			if (port_kept(old, nt, i) && !pp->claimed[i] &&
			    (port_has_group(old, i, c->name) || port_has_group(nt, i, c->name))) {
				pp->claimed[i] = 1;
				n += pp->cut[i];
			}
		return n;
	}
	if (!strcmp(c->kind, "elastic_ip")) {
		for (uint16_t e = 0; e < old->n_eips; e++)
			if (!strcmp(old->eips[e].name, c->name) && old->eips[e].port != VL_NONE)
				n += pp->pub[old->eips[e].port];
		return n;
	}
	if (!strcmp(c->kind, "internet_gateway")) {
		for (uint16_t i = 0; i < old->n_ports; i++)
			if (old->ports[i].vpc < old->n_vpcs && !strcmp(old->vpcs[old->ports[i].vpc].name, c->name))
				n += pp->pub[i];
		return n;
	}
	return 0;
}

int apply_count_plan(struct apply_count *c, const struct dp_state *s, const struct vl_tables *old,
		     const struct vl_tables *nt, const struct lab_plan *plan)
{
	struct dp_state *ms = (struct dp_state *)s; /* the walks below only count: nothing is freed */
	size_t np = old->n_ports ? old->n_ports : 1;
	struct per_port pp = {calloc(np, 4), calloc(np, 4), calloc(np, 4), calloc(np, 1)};
	c->n = plan->n;
	c->ends = calloc(plan->n ? plan->n : 1, sizeof(*c->ends));
	if (!pp.removed || !pp.cut || !pp.pub || !pp.claimed || !c->ends) {
		free(pp.removed), free(pp.cut), free(pp.pub), free(pp.claimed);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < old->n_ports; i++) {
		if (dp_port_removed(old, nt, i)) {
			struct ct_stats st;
			ct_stats(ct_port_const(s->ct, i), &st);
			pp.removed[i] = st.used;
		} else if (port_kept(old, nt, i)) {
			if (!port_rules_same(old, nt, i))
				pp.cut[i] = untracked_flows(ms, nt, i, true);
			if (public_changes(old, nt, i))
				pp.pub[i] = public_flows(ms, old, i, true);
		}
	}
	/* Instance lines first, so a port whose groups changed is counted on its own line. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < plan->n; k++)
			if ((strcmp(plan->v[k].kind, "instance") == 0) == (pass == 0))
				c->ends[k] = line_count(&pp, s, old, nt, &plan->v[k]);
	free(pp.removed), free(pp.cut), free(pp.pub), free(pp.claimed);
	return 0;
}

void apply_count_free(struct apply_count *c)
{
	free(c->ends);
	c->ends = NULL;
	c->n = 0;
}
