/* Security groups, stateful, at every interface: egress of the sender right after the
 * source/destination check, ingress of the receiver last before delivery. A packet of a known
 * flow passes on state alone (AWS: replies are allowed regardless of rules); otherwise the merged
 * rules of the interface's groups decide, an admitted packet starts a flow, and the flow is
 * marked untracked when AWS would not track it (reference 4.4), for a rule change to judge. */
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
 * NAT gateway or an appliance (reference 4.2). A load balancer node is the exception AWS makes:
 * what it forwards matches its groups even with the client's address as the source. */
static bool sg_peer_matches(const struct vl_tables *t, const struct vl_port *self,
			    const struct vl_sg_rule *r, enum sg_dir dir, const struct pkt *p)
{
	if (r->peer_sg == VL_NONE)
		return prefix_contains(r->cidr, dir == SG_INGRESS ? p->src : p->dst);
	if (dir == SG_INGRESS) {
		if (p->origin_port >= t->n_ports)
			return false;
		const struct vl_port *peer = &t->ports[p->origin_port];
		bool from_peer = peer->ip == p->src || peer->kind == VL_PORT_LB_NODE;
		return peer->vpc == self->vpc && from_peer && port_has_sg(peer, r->peer_sg);
	}
	const struct vl_addr_slot *s = addr_lookup(t, self->vpc, p->dst);
	return s && s->owner == VL_OWN_PORT && port_has_sg(&t->ports[s->index], r->peer_sg);
}

/* The first rule of port's groups in dir that admits p, or -1; with open_only, only rules that
 * name 0.0.0.0/0 count (the ones that can leave a flow untracked). Bounded by AWS's quota on
 * rules per interface, which the checker enforces. */
static int32_t sg_scan(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p,
		       bool open_only)
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
			if (open_only && (r->peer_sg != VL_NONE || r->cidr.len != 0))
				continue;
			if (match_l4(&r->m, p) && sg_peer_matches(t, self, r, dir, p))
				return (int32_t)i;
		}
	}
	return -1;
}

int32_t sg_match(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p)
{
	return sg_scan(t, port, dir, p, false);
}

/* A network load balancer node without security groups: AWS lets everything reach its
 * listeners (lb.c only lets listener traffic and replies to the node's own connections get
 * this far); still tracked, so that those replies are known. */
static bool sg_open_node(const struct vl_tables *t, uint16_t port)
{
	return port < t->n_ports && t->ports[port].kind == VL_PORT_LB_NODE && t->ports[port].sg_count == 0;
}

/* The rule that admits a packet that starts no known flow: -1 none, -2 an open node's. */
static int32_t sg_admit(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p)
{
	return sg_open_node(t, port) ? -2 : sg_match(t, port, dir, p);
}

/* sg_untracked, knowing that rule (an index into t->sg_rules, or -1) admits p: when that one
 * names 0.0.0.0/0 no other needs looking at. */
static bool untracked_by(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p,
			 int32_t rule)
{
	if (port >= t->n_ports)
		return false;
	uint8_t proto = p->proto == IPPROTO_TCP_ ? VL_OPEN_TCP : p->proto == IPPROTO_UDP_ ? VL_OPEN_UDP : 0;
	const struct vl_port *self = &t->ports[port];
	if (!(proto & (dir == SG_INGRESS ? self->open_out : self->open_in)))
		return false; /* ICMP, other protocols, or replies that need state */
	if (rule >= 0 && (uint32_t)rule < t->n_sg_rules) {
		const struct vl_sg_rule *r = &t->sg_rules[rule];
		if (r->peer_sg == VL_NONE && r->cidr.len == 0)
			return true;
	}
	return sg_scan(t, port, dir, p, true) >= 0;
}

bool sg_untracked(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p)
{
	return untracked_by(t, port, dir, p, -1);
}

/* The first packet of e's flow as port saw it, enough for the rules: addresses, protocol,
 * ports, and for a group reference on ingress the interface that owns the source address
 * (sg_peer_matches wants the sender's interface; the address map names it). */
static void entry_first_pkt(const struct vl_tables *t, uint16_t port, const struct ct_entry *e,
			    struct pkt *p)
{
	int o = e->orig_side;
	*p = (struct pkt){.ethertype = ETHTYPE_IPV4, .proto = e->key.proto, .src = e->key.ip[o],
			  .dst = e->key.ip[!o], .in_port = VL_NONE, .origin_port = VL_NONE};
	if (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_) {
		p->sport = e->key.port[o];
		p->dport = e->key.port[!o];
		p->flags = PKT_L4;
	}
	if (e->rule_dir) {
		p->in_port = p->origin_port = port;
		return;
	}
	const struct vl_addr_slot *s = addr_lookup(t, t->ports[port].vpc, p->src);
	if (s && s->owner == VL_OWN_PORT)
		p->in_port = p->origin_port = s->index;
}

bool sg_recheck(const struct vl_tables *t, uint16_t port, struct ct_entry *e)
{
	if (!e->untracked)
		return true; /* AWS: a tracked flow outlives the rule that admitted it */
	if (port >= t->n_ports)
		return false;
	struct pkt p;
	entry_first_pkt(t, port, e, &p);
	enum sg_dir dir = e->rule_dir ? SG_EGRESS : SG_INGRESS;
	int32_t rule = sg_match(t, port, dir, &p);
	if (rule < 0)
		return false;
	e->rule = (uint32_t)rule;
	e->untracked = untracked_by(t, port, dir, &p, rule);
	return true;
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
		res->rule = sg_admit(t, port, dir, p);
		if (res->rule == -1)
			return dir == SG_INGRESS ? DROP_SG_INGRESS : DROP_SG_EGRESS;
		res->rule = res->rule < 0 ? -1 : res->rule;
		return STAGE_PASS;
	}
	res->ct = ct_lookup(ct, p, now, &cdir);
	if (res->ct < 0) {
		int32_t rule = sg_admit(t, port, dir, p);
		if (rule == -1)
			return dir == SG_INGRESS ? DROP_SG_INGRESS : DROP_SG_EGRESS;
		res->rule = rule < 0 ? -1 : rule;
		res->ct = ct_insert(ct, p, now);
		if (res->ct < 0)
			return DROP_CT_FULL;
		struct ct_entry *e = ct_entry_at(ct, res->ct);
		e->rule = (uint32_t)res->rule;
		e->rule_dir = dir == SG_EGRESS;
		e->untracked = untracked_by(t, port, dir, p, res->rule);
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
