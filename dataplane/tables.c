/* Table preparation: derived indexes built off the packet path, before a snapshot is published
 * (ARCHITECTURE rule 5). The address map answers "who owns this address in this VPC" (routes, SG
 * references, NAT, reserved addresses, unmapped elastic IPs) with one probe sequence instead of a
 * scan; the ports' open flags say which protocols their groups admit on every port from/to
 * anywhere (whether AWS tracks a flow, reference 4.4). */
#include <errno.h>
#include <stdlib.h>

#include "pkt.h"
#include "route.h"
#include "tables.h"

static uint32_t addr_hash(uint16_t vpc, uint32_t ip)
{
	uint64_t h = ((uint64_t)vpc << 32 | ip) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32);
}

static void addr_put(struct vl_tables *t, uint16_t vpc, uint32_t ip, uint8_t owner, uint16_t index,
		     uint8_t is_natgw)
{
	uint32_t i = addr_hash(vpc, ip) & t->addr_map_mask;
	while (t->addr_map[i].owner != VL_OWN_FREE) {
		if (t->addr_map[i].vpc == vpc && t->addr_map[i].ip == ip)
			return; /* the checker forbids duplicates; the first owner stays */
		i = (i + 1) & t->addr_map_mask;
	}
	struct vl_addr_slot *s = &t->addr_map[i];
	s->ip = ip;
	s->vpc = vpc;
	s->owner = owner;
	s->index = index;
	s->public_is_natgw = is_natgw;
}

const struct vl_addr_slot *addr_lookup(const struct vl_tables *t, uint16_t vpc, uint32_t ip)
{
	if (!t->addr_map)
		return NULL;
	uint32_t i = addr_hash(vpc, ip) & t->addr_map_mask;
	while (t->addr_map[i].owner != VL_OWN_FREE) {
		const struct vl_addr_slot *s = &t->addr_map[i];
		if (s->vpc == vpc && s->ip == ip)
			return s;
		i = (i + 1) & t->addr_map_mask;
	}
	return NULL;
}

static int addr_map_build(struct vl_tables *t)
{
	uint32_t want = 2u * (2u * t->n_ports + 2u * t->n_natgws + 4u * t->n_subnets + t->n_eips) + 16u;
	uint32_t cap = 16;
	while (cap < want)
		cap <<= 1;
	free(t->addr_map);
	t->addr_map = calloc(cap, sizeof(*t->addr_map));
	if (!t->addr_map)
		return -ENOMEM;
	t->addr_map_mask = cap - 1;
	for (uint16_t i = 0; i < t->n_ports; i++) {
		const struct vl_port *p = &t->ports[i];
		if (!vl_port_used(p))
			continue; /* a hole an apply left */
		addr_put(t, p->vpc, p->ip, VL_OWN_PORT, i, 0);
		if (p->public_ip)
			addr_put(t, VL_NONE, p->public_ip, VL_OWN_PUBLIC, i, 0);
	}
	for (uint16_t i = 0; i < t->n_natgws; i++) {
		const struct vl_natgw *n = &t->natgws[i];
		if (!vl_natgw_used(n))
			continue;
		addr_put(t, n->vpc, n->ip, VL_OWN_NATGW, i, 0);
		if (n->eip != VL_NONE && n->eip < t->n_eips)
			addr_put(t, VL_NONE, t->eips[n->eip].ip, VL_OWN_PUBLIC, i, 1);
	}
	/* After the owners above (the first owner of an address stays): what the data plane must
	 * tell apart on a miss without scanning subnets or elastic IPs per packet. */
	for (uint16_t i = 0; i < t->n_subnets; i++) {
		const struct vl_subnet *sn = &t->subnets[i];
		for (uint32_t k = 0; k <= 3; k++)
			addr_put(t, sn->vpc, sn->cidr.addr + k, VL_OWN_ROUTER, i, 0);
	}
	for (uint16_t i = 0; i < t->n_eips; i++)
		addr_put(t, VL_NONE, t->eips[i].ip, VL_OWN_IGW, i, 0);
	return 0;
}

/* The VL_OPEN_* bits one security group rule gives: all of a protocol's ports (or every
 * protocol) from/to 0.0.0.0/0. A group reference opens nothing (AWS: only 0.0.0.0/0 rules). */
static uint8_t rule_open(const struct vl_sg_rule *r)
{
	if (r->peer_sg != VL_NONE || r->cidr.len != 0)
		return 0;
	if (r->m.proto < 0)
		return VL_OPEN_TCP | VL_OPEN_UDP;
	if (r->m.port_lo != 0 || r->m.port_hi != 65535)
		return 0;
	return r->m.proto == IPPROTO_TCP_ ? VL_OPEN_TCP : r->m.proto == IPPROTO_UDP_ ? VL_OPEN_UDP : 0;
}

static uint8_t rules_open(const struct vl_tables *t, uint32_t first, uint32_t count)
{
	uint8_t open = 0;
	for (uint32_t i = first; i < first + count && i < t->n_sg_rules; i++)
		open |= rule_open(&t->sg_rules[i]);
	return open;
}

/* Per interface, what its merged groups open in each direction (vl_port.open_in/open_out):
 * "is the opposite direction open?" is then one load when a flow starts (sg.c). */
static void ports_open_build(struct vl_tables *t)
{
	for (uint16_t i = 0; i < t->n_ports; i++) {
		struct vl_port *p = &t->ports[i];
		p->open_in = p->open_out = 0;
		for (uint16_t g = 0; g < p->sg_count; g++) {
			if (p->sgs[g] >= t->n_sgs)
				continue;
			const struct vl_sg *sg = &t->sgs[p->sgs[g]];
			p->open_in |= rules_open(t, sg->in_first, sg->in_count);
			p->open_out |= rules_open(t, sg->out_first, sg->out_count);
		}
	}
}

int dp_tables_prepare(struct vl_tables *t)
{
	int rc = route_build(t);
	if (rc < 0)
		return rc;
	ports_open_build(t);
	return addr_map_build(t);
}
