/* Index alignment for apply (align.h). Names are unique per kind in a checked lab, so "the
 * same object" is found by name through a small hash of the running table's names, and then
 * confirmed by its identity: what cannot change without a new namespace or a new translation
 * source. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/align.h"

static const char *vpc_name(const struct vl_tables *t, uint16_t vpc)
{
	return vpc < t->n_vpcs ? t->vpcs[vpc].name : "";
}

static const char *subnet_name(const struct vl_tables *t, uint16_t s)
{
	return s < t->n_subnets ? t->subnets[s].name : "";
}

bool align_same_port(const struct vl_tables *ot, uint16_t i, const struct vl_tables *nt, uint16_t j)
{
	const struct vl_port *o = &ot->ports[i], *n = &nt->ports[j];
	return vl_port_used(o) && strcmp(o->name, n->name) == 0 && o->kind == n->kind &&
	       o->ip == n->ip && o->prefix_len == n->prefix_len && o->gateway == n->gateway &&
	       o->mtu == n->mtu && strcmp(vpc_name(ot, o->vpc), vpc_name(nt, n->vpc)) == 0;
}

static uint32_t natgw_public(const struct vl_tables *t, const struct vl_natgw *g)
{
	return g->eip < t->n_eips ? t->eips[g->eip].ip : 0;
}

static bool same_natgw(const struct vl_tables *ot, uint16_t i, const struct vl_tables *nt, uint16_t j)
{
	const struct vl_natgw *o = &ot->natgws[i], *n = &nt->natgws[j];
	return vl_natgw_used(o) && strcmp(o->name, n->name) == 0 && o->ip == n->ip &&
	       strcmp(vpc_name(ot, o->vpc), vpc_name(nt, n->vpc)) == 0 &&
	       strcmp(subnet_name(ot, o->subnet), subnet_name(nt, n->subnet)) == 0 &&
	       natgw_public(ot, o) == natgw_public(nt, n);
}

/* name -> index among n names (stride bytes apart, the name first), open addressing. */
struct name_index {
	uint32_t *slot;          /* index + 1, 0 free */
	uint32_t mask;
	const char *base;
	size_t stride;
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static const char *name_at(const struct name_index *x, uint32_t i)
{
	return x->base + (size_t)i * x->stride;
}

static int name_index_build(struct name_index *x, const void *base, size_t stride, uint32_t n)
{
	uint32_t cap = 16;
	while (cap < 2 * n)
		cap <<= 1;
	*x = (struct name_index){.slot = calloc(cap, sizeof(uint32_t)), .mask = cap - 1,
				 .base = base, .stride = stride};
	if (!x->slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (!name_at(x, i)[0])
			continue; /* a hole */
		uint32_t h = name_hash(name_at(x, i)) & x->mask;
		while (x->slot[h])
			h = (h + 1) & x->mask;
		x->slot[h] = i + 1;
	}
	return 0;
}

/* Every index holding name, one after another: *at starts at 0. -1 when there is no more. */
static int32_t name_index_next(const struct name_index *x, const char *name, uint32_t *at)
{
	uint32_t h = (name_hash(name) + *at) & x->mask;
	for (; x->slot[h]; h = (h + 1) & x->mask, (*at)++) {
		uint32_t i = x->slot[h] - 1;
		if (strcmp(name_at(x, i), name) == 0) {
			(*at)++;
			return (int32_t)i;
		}
	}
	return -1;
}

/* One kind's placement: where each of nt's n_new objects goes (dest), given old's n_old slots
 * of which `used` tells the live ones. Returns the new count, or -ENOMEM / -ENOSPC. */
struct placing {
	const struct vl_tables *ot, *nt;
	const void *old_base, *new_base;
	size_t old_stride, new_stride;
	uint32_t n_old, n_new;
	bool (*used)(const struct vl_tables *t, uint32_t i);
	bool (*same)(const struct vl_tables *ot, uint16_t i, const struct vl_tables *nt, uint16_t j);
};

static int32_t place(const struct placing *pl, uint16_t *dest)
{
	struct name_index x;
	uint8_t *taken = calloc(pl->n_old ? pl->n_old : 1, 1);
	if (!taken || name_index_build(&x, pl->old_base, pl->old_stride, pl->n_old) < 0) {
		free(taken);
		return -ENOMEM;
	}
	for (uint32_t j = 0; j < pl->n_new; j++) {
		const char *name = (const char *)pl->new_base + (size_t)j * pl->new_stride;
		uint32_t at = 0;
		int32_t i;
		dest[j] = VL_NONE;
		while ((i = name_index_next(&x, name, &at)) >= 0)
			if (!taken[i] && pl->same(pl->ot, (uint16_t)i, pl->nt, (uint16_t)j)) {
				taken[i] = 1;
				dest[j] = (uint16_t)i;
				break;
			}
	}
	/* The rest take the holes the running tables already had, then indices past them. A slot
	 * freed by this very apply is not reused by it: at each index the change is one thing. */
	uint32_t hole = 0, next = pl->n_old;
	int32_t rc = 0;
	for (uint32_t j = 0; j < pl->n_new && rc == 0; j++) {
		if (dest[j] != VL_NONE)
			continue;
		while (hole < pl->n_old && pl->used(pl->ot, hole))
			hole++;
		if (hole < pl->n_old) {
			dest[j] = (uint16_t)hole++;
		} else if (next < VL_NONE) {
			dest[j] = (uint16_t)next++;
		} else {
			rc = -ENOSPC;
		}
	}
	free(x.slot);
	free(taken);
	return rc < 0 ? rc : (int32_t)next;
}

static bool port_used_at(const struct vl_tables *t, uint32_t i)
{
	return vl_port_used(&t->ports[i]);
}

static bool natgw_used_at(const struct vl_tables *t, uint32_t i)
{
	return vl_natgw_used(&t->natgws[i]);
}

static uint16_t remap(const uint16_t *dest, uint16_t i, uint32_t n)
{
	return i < n ? dest[i] : i;
}

int tables_align(struct vl_tables *nt, const struct vl_tables *ot)
{
	uint16_t *pdest = calloc(nt->n_ports ? nt->n_ports : 1, sizeof(uint16_t));
	uint16_t *gdest = calloc(nt->n_natgws ? nt->n_natgws : 1, sizeof(uint16_t));
	struct vl_port *ports = NULL;
	struct vl_natgw *natgws = NULL;
	int32_t np = -ENOMEM, ng = -ENOMEM;
	if (pdest && gdest) {
		np = place(&(struct placing){ot, nt, ot->ports, nt->ports, sizeof(*ot->ports),
					     sizeof(*nt->ports), ot->n_ports, nt->n_ports,
					     port_used_at, align_same_port}, pdest);
		ng = np < 0 ? np : place(&(struct placing){ot, nt, ot->natgws, nt->natgws,
					     sizeof(*ot->natgws), sizeof(*nt->natgws), ot->n_natgws,
					     nt->n_natgws, natgw_used_at, same_natgw}, gdest);
	}
	if (np >= 0 && ng >= 0) {
		ports = calloc(np ? (size_t)np : 1, sizeof(*ports));
		natgws = calloc(ng ? (size_t)ng : 1, sizeof(*natgws));
	}
	if (!ports || !natgws) {
		int rc = np < 0 ? np : ng < 0 ? ng : -ENOMEM;
		free(pdest), free(gdest), free(ports), free(natgws);
		return rc;
	}
	for (int32_t i = 0; i < np; i++) { /* holes: no name, nowhere */
		ports[i].vpc = ports[i].subnet = ports[i].eip = ports[i].lb = VL_NONE;
		vl_port_mac(ports[i].mac, (uint16_t)i);
	}
	for (int32_t i = 0; i < ng; i++)
		natgws[i].vpc = natgws[i].subnet = natgws[i].eip = VL_NONE;
	for (uint16_t j = 0; j < nt->n_ports; j++) {
		ports[pdest[j]] = nt->ports[j];
		vl_port_mac(ports[pdest[j]].mac, pdest[j]);
	}
	for (uint16_t j = 0; j < nt->n_natgws; j++)
		natgws[gdest[j]] = nt->natgws[j];
	for (uint32_t r = 0; r < nt->n_routes; r++) {
		struct vl_route *rt = &nt->routes[r];
		if (rt->kind == VL_T_PORT)
			rt->target = remap(pdest, rt->target, nt->n_ports);
		else if (rt->kind == VL_T_NATGW)
			rt->target = remap(gdest, rt->target, nt->n_natgws);
	}
	nt->resolver_port = remap(pdest, nt->resolver_port, nt->n_ports);
	for (uint32_t k = 0; k < nt->n_lb_nodes; k++)
		nt->lb_nodes[k] = remap(pdest, nt->lb_nodes[k], nt->n_ports);
	for (uint32_t k = 0; k < nt->n_targets; k++)
		nt->targets[k].port = remap(pdest, nt->targets[k].port, nt->n_ports);
	for (uint16_t e = 0; e < nt->n_eips; e++) {
		nt->eips[e].port = remap(pdest, nt->eips[e].port, nt->n_ports);
		nt->eips[e].natgw = remap(gdest, nt->eips[e].natgw, nt->n_natgws);
	}
	free(nt->ports);
	free(nt->natgws);
	nt->ports = ports;
	nt->natgws = natgws;
	nt->n_ports = (uint16_t)np;
	nt->n_natgws = (uint16_t)ng;
	free(pdest);
	free(gdest);
	return 0;
}
