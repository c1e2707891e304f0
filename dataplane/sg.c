/* Security groups, stateful, at every interface: egress of the sender right after the
 * source/destination check, ingress of the receiver last before delivery. A packet of a tracked
 * flow passes on state alone (AWS: replies are allowed regardless of rules); otherwise the merged
 * rules of the interface's groups decide and an admitted packet starts a flow. */
#include <errno.h>

#include "match.h"
#include "sg.h"
#include "tables.h"

static bool port_has_sg(const struct vl_port *port, uint16_t sg)
{
	for (uint16_t i = 0; i < port->sg_count; i++)
		if (port->sgs[i] == sg)
			return true;
	return false;
}

/* A group reference matches a member interface's private IP, and only for traffic that comes
 * straight from it (ingress) or goes straight to it (egress): not its public IP, not through a
 * NAT gateway or an appliance (reference 4.2). */
static bool sg_peer_matches(const struct vl_tables *t, const struct vl_port *self,
			    const struct vl_sg_rule *r, enum sg_dir dir, const struct pkt *p)
{
	if (r->peer_sg == VL_NONE)
		return prefix_contains(r->cidr, dir == SG_INGRESS ? p->src : p->dst);
	if (dir == SG_INGRESS) {
		if (p->origin_port >= t->n_ports)
			return false;
		const struct vl_port *peer = &t->ports[p->origin_port];
		return peer->vpc == self->vpc && peer->ip == p->src && port_has_sg(peer, r->peer_sg);
	}
	const struct vl_addr_slot *s = addr_lookup(t, self->vpc, p->dst);
	return s && s->owner == VL_OWN_PORT && port_has_sg(&t->ports[s->index], r->peer_sg);
}

int32_t sg_match(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p)
{
	if (port >= t->n_ports)
		return -1;
	const struct vl_port *self = &t->ports[port];
	for (uint16_t g = 0; g < self->sg_count; g++) {
		const struct vl_sg *sg = &t->sgs[self->sgs[g]];
		uint32_t first = dir == SG_INGRESS ? sg->in_first : sg->out_first;
		uint32_t count = dir == SG_INGRESS ? sg->in_count : sg->out_count;
		for (uint32_t i = first; i < first + count; i++) {
			const struct vl_sg_rule *r = &t->sg_rules[i];
			if (match_l4(&r->m, p) && sg_peer_matches(t, self, r, dir, p))
				return (int32_t)i;
		}
	}
	return -1;
}

int sg_stage(const struct vl_tables *t, struct ct_table *ct, uint16_t port, enum sg_dir dir,
	     const struct pkt *p, uint64_t now, struct sg_result *res)
{
	enum ct_dir cdir = CT_ORIG;
	res->rule = -1;
	res->new_flow = 0;
	if (p->flags & PKT_LATER_FRAG) {
		/* No ports here: the flow its first fragment joined, if that passed this interface. */
		res->ct = ct_frag_flow(ct, p, now);
		if (res->ct >= 0) {
			const struct ct_entry *e = ct_entry_at(ct, res->ct);
			cdir = (e->key.ip[e->orig_side] == p->src) ? CT_ORIG : CT_REPLY;
			res->dir = (uint8_t)cdir;
			ct_update(ct, res->ct, p, cdir, now);
			return STAGE_PASS;
		}
		/* Only rules that ignore ports can admit it, and it starts no flow of its own. */
		res->rule = sg_match(t, port, dir, p);
		if (res->rule < 0)
			return dir == SG_INGRESS ? DROP_SG_INGRESS : DROP_SG_EGRESS;
		return STAGE_PASS;
	}
	res->ct = ct_lookup(ct, p, now, &cdir);
	if (res->ct < 0) {
		res->rule = sg_match(t, port, dir, p);
		if (res->rule < 0)
			return dir == SG_INGRESS ? DROP_SG_INGRESS : DROP_SG_EGRESS;
		res->ct = ct_insert(ct, p, now);
		if (res->ct < 0)
			return DROP_CT_FULL;
		ct_entry_at(ct, res->ct)->rule = (uint32_t)res->rule;
		ct_entry_at(ct, res->ct)->rule_dir = dir == SG_EGRESS;
		res->new_flow = 1;
	}
	res->dir = (uint8_t)cdir;
	if (!ct_update(ct, res->ct, p, cdir, now)) {
		res->ct = -1; /* a RST: the flow is over and its entry already free */
		return STAGE_PASS;
	}
	if ((p->flags & (PKT_FRAG | PKT_LATER_FRAG)) == PKT_FRAG)
		ct_frag_note(ct, p, res->ct, now);
	return STAGE_PASS;
}
