/* The packet path in AWS order (ARCHITECTURE.md): ARP answer, source/destination check, SG
 * egress, route lookup (or same-subnet switching), NACL out, NACL in, SG ingress, delivery.
 * Every stage is a pure function of (descriptor, tables, connection state, now); this file only
 * chains them, records the explanation, and is the one place that counts, drops and sends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "arp.h"
#include "capture.h"
#include "flowlog.h"
#include "nat.h"
#include "parse.h"
#include "pipeline.h"
#include "route.h"
#include "sg.h"
#include "tables.h"

void explain_add(struct explain *ex, enum explain_stage st, int verdict, uint16_t obj,
			int32_t rule, uint8_t flags)
{
	if (!ex || ex->n >= EXPLAIN_MAX)
		return;
	struct explain_hop *h = &ex->hop[ex->n++];
	h->stage = (uint8_t)st;
	h->verdict = (int16_t)verdict;
	h->obj = obj;
	h->rule = rule;
	h->flags = flags;
}

void explain_header(struct explain *ex, const struct pkt *p)
{
	if (!ex || ex->n == 0)
		return;
	struct explain_hop *h = &ex->hop[ex->n - 1];
	h->has_hdr = 1;
	h->proto = p->proto;
	h->src = p->src;
	h->dst = p->dst;
	h->sport = p->sport;
	h->dport = p->dport;
}

struct verdict verdict_drop(int reason)
{
	return (struct verdict){.action = VERDICT_DROP, .reason = (uint8_t)reason, .out_port = VL_NONE};
}

/* True when ip is the network, router (+1), DNS (+2) or reserved (+3) address of its subnet:
 * AWS's router does not answer ping, and nothing else lives there. Only on the drop path. */
static bool is_router_addr(const struct vl_tables *t, uint16_t vpc, uint32_t ip)
{
	for (uint16_t i = 0; i < t->n_subnets; i++) {
		const struct vl_subnet *sn = &t->subnets[i];
		if (sn->vpc == vpc && prefix_contains(sn->cidr, ip))
			return ip - sn->cidr.addr <= 3;
	}
	return false;
}

static int sg_run(struct dp_state *s, uint16_t port, enum sg_dir dir, struct pkt *p, uint64_t now,
		  struct explain *ex)
{
	struct sg_result res;
	int v = sg_stage(s->t, ct_port(s->ct, port), port, dir, p, now, &res);
	uint8_t fl = res.new_flow ? EXF_NEW_FLOW : (v == STAGE_PASS && res.rule < 0 ? EXF_TRACKED : 0);
	explain_add(ex, dir == SG_EGRESS ? EX_SG_OUT : EX_SG_IN, v, port, res.rule, fl);
	return v;
}

int pipeline_nacl(struct dp_state *s, uint16_t subnet, enum acl_dir dir, const struct pkt *p,
		    struct explain *ex)
{
	bool allow;
	uint16_t acl = s->t->subnets[subnet].acl;
	int32_t rule = acl_eval(s->t, acl, dir, p, &allow);
	int v = allow ? STAGE_PASS : (dir == ACL_OUT ? DROP_NACL_OUT : DROP_NACL_IN);
	explain_add(ex, dir == ACL_OUT ? EX_NACL_OUT : EX_NACL_IN, v, acl, rule, 0);
	return v;
}

/* Last hop: the receiving interface's source/destination check and SG ingress, then the MACs. */
struct verdict pipeline_deliver(struct dp_state *s, struct pkt *p, uint16_t port, uint64_t now,
				struct explain *ex)
{
	const struct vl_port *to = &s->t->ports[port];
	s->target = port;
	if (to->src_dst_check && p->dst != to->ip) {
		explain_add(ex, EX_SRCDST_IN, DROP_SRCDST_CHECK, port, -1, 0);
		return verdict_drop(DROP_SRCDST_CHECK);
	}
	if (to->kind == VL_PORT_INSTANCE) {
		int v = sg_run(s, port, SG_INGRESS, p, now, ex);
		if (v != STAGE_PASS)
			return verdict_drop(v);
	}
	memcpy(p->frame, to->mac, 6);
	memcpy(p->frame + 6, s->t->router_mac, 6);
	explain_add(ex, EX_DELIVER, STAGE_PASS, port, -1, 0);
	explain_header(ex, p);
	return (struct verdict){.action = VERDICT_FORWARD, .out_port = port};
}

/* From subnet `from` to interface `port` in the same VPC: NACLs only when the subnet changes. */
struct verdict pipeline_cross(struct dp_state *s, struct pkt *p, uint16_t from, uint16_t port,
			      uint64_t now, struct explain *ex)
{
	uint16_t to = s->t->ports[port].subnet;
	s->target = port;
	if (from != to) {
		int v = from == VL_NONE ? STAGE_PASS : pipeline_nacl(s, from, ACL_OUT, p, ex);
		if (v == STAGE_PASS)
			v = pipeline_nacl(s, to, ACL_IN, p, ex);
		if (v != STAGE_PASS)
			return verdict_drop(v);
	}
	return pipeline_deliver(s, p, port, now, ex);
}

/* Local route (or same subnet): the interface that owns the address, else a named drop. */
static struct verdict route_local(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
				  struct explain *ex)
{
	const struct vl_tables *t = s->t;
	uint16_t vpc = t->subnets[from].vpc;
	const struct vl_addr_slot *a = addr_lookup(t, vpc, p->dst);
	if (a && a->owner == VL_OWN_PORT)
		return pipeline_cross(s, p, from, a->index, now, ex);
	if (a && a->owner == VL_OWN_NATGW)
		return nat_gw_private(s, p, from, a->index, now, ex);
	int reason = is_router_addr(t, vpc, p->dst) ? DROP_ROUTER_ADDR : DROP_NO_HOST;
	explain_add(ex, EX_DELIVER, reason, VL_NONE, -1, 0);
	explain_header(ex, p);
	return verdict_drop(reason);
}

/* Routes a packet that is in subnet `from` (sent by an interface there, or leaving a NAT
 * gateway there) toward p->dst. */
struct verdict pipeline_route(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
			      struct explain *ex)
{
	const struct vl_tables *t = s->t;
	const struct vl_subnet *sn = &t->subnets[from];
	if (prefix_contains(sn->cidr, p->dst)) {
		/* AWS switches same-subnet frames at L2: no route table, no NACL (reference 2.3). */
		explain_add(ex, EX_ROUTE, STAGE_PASS, sn->route_table, -1, EXF_SAME_SUBNET);
		return route_local(s, p, from, now, ex);
	}
	int32_t ri = route_lookup(t, sn->route_table, p->dst);
	if (ri < 0) {
		explain_add(ex, EX_ROUTE, DROP_NO_ROUTE, sn->route_table, -1, 0);
		return verdict_drop(DROP_NO_ROUTE);
	}
	const struct vl_route *r = &t->routes[ri];
	int v = r->kind == VL_T_BLACKHOLE ? DROP_BLACKHOLE : STAGE_PASS;
	explain_add(ex, EX_ROUTE, v, sn->route_table, ri, 0);
	switch (r->kind) {
	case VL_T_LOCAL:
		return route_local(s, p, from, now, ex);
	case VL_T_PORT:
		return pipeline_cross(s, p, from, r->target, now, ex);
	case VL_T_IGW:
		return nat_igw_out(s, p, from, now, ex);
	case VL_T_NATGW:
		return nat_gw_in(s, p, from, r->target, now, ex);
	default:
		return verdict_drop(DROP_BLACKHOLE);
	}
}

static struct verdict from_instance(struct dp_state *s, struct pkt *p, uint64_t now,
				    struct explain *ex)
{
	const struct vl_port *in = &s->t->ports[p->in_port];
	if (in->src_dst_check && p->src != in->ip) {
		explain_add(ex, EX_SRCDST_OUT, DROP_SRCDST_CHECK, p->in_port, -1, 0);
		return verdict_drop(DROP_SRCDST_CHECK);
	}
	explain_add(ex, EX_SRCDST_OUT, STAGE_PASS, p->in_port, -1, 0);
	int v = sg_run(s, p->in_port, SG_EGRESS, p, now, ex);
	if (v != STAGE_PASS)
		return verdict_drop(v);
	return pipeline_route(s, p, in->subnet, now, ex);
}

static struct dp_frag *frag_slot(struct dp_state *s, uint32_t src, uint32_t dst, uint16_t id,
				 uint8_t proto)
{
	uint32_t h = (src * 0x9e3779b1u) ^ (dst * 0x85ebca6bu) ^ ((uint32_t)id << 8 | proto);
	return &s->frags[(h ^ (h >> 15)) % DP_FRAG_SLOTS];
}

/* A later fragment whose first fragment was forwarded: the same rewrite, the same interface. */
static bool frag_follow(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex,
			struct verdict *v)
{
	struct dp_frag *f = frag_slot(s, p->src, p->dst, p->ip_id, p->proto);
	if (!f->used || f->src != p->src || f->dst != p->dst || f->ip_id != p->ip_id ||
	    f->proto != p->proto || f->in_port != p->in_port ||
	    now - f->seen > (uint64_t)DP_FRAG_S * NS_PER_S ||
	    f->out_port >= s->t->n_ports)
		return false;
	if (f->new_src != p->src)
		nat_set_addr(p, true, f->new_src);
	if (f->new_dst != p->dst)
		nat_set_addr(p, false, f->new_dst);
	memcpy(p->frame, s->t->ports[f->out_port].mac, 6);
	memcpy(p->frame + 6, s->t->router_mac, 6);
	explain_add(ex, EX_FRAGMENT, STAGE_PASS, f->out_port, -1, 0);
	*v = (struct verdict){.action = VERDICT_FORWARD, .out_port = f->out_port};
	return true;
}

static void frag_remember(struct dp_state *s, uint32_t src, uint32_t dst, const struct pkt *p,
			  uint16_t out_port, uint64_t now)
{
	struct dp_frag *f = frag_slot(s, src, dst, p->ip_id, p->proto);
	*f = (struct dp_frag){.src = src, .dst = dst, .new_src = p->src, .new_dst = p->dst,
			      .ip_id = p->ip_id, .out_port = out_port, .in_port = p->in_port,
			      .proto = p->proto, .used = 1,
			      .seen = now};
}

static struct verdict pipeline_decide(struct dp_state *s, struct pkt *p, uint64_t now,
				      struct explain *ex);

struct verdict pipeline_run(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex)
{
	struct verdict v;
	if ((p->flags & PKT_LATER_FRAG) && frag_follow(s, p, now, ex, &v))
		return v;
	uint32_t src = p->src, dst = p->dst;
	v = pipeline_decide(s, p, now, ex);
	if ((p->flags & (PKT_FRAG | PKT_LATER_FRAG)) == PKT_FRAG && v.action == VERDICT_FORWARD)
		frag_remember(s, src, dst, p, v.out_port, now);
	return v;
}

static struct verdict pipeline_decide(struct dp_state *s, struct pkt *p, uint64_t now,
				      struct explain *ex)
{
	const struct vl_tables *t = s->t;
	if (p->in_port >= t->n_ports)
		return verdict_drop(DROP_PARSE_SHORT);
	if (p->ethertype == ETHTYPE_ARP) {
		int v = arp_answer(t, p);
		explain_add(ex, EX_ARP, v, p->in_port, -1, 0);
		if (v != STAGE_PASS)
			return verdict_drop(v);
		return (struct verdict){.action = VERDICT_REPLY, .out_port = p->in_port};
	}
	if (t->ports[p->in_port].kind == VL_PORT_INET_HOST)
		return nat_from_internet(s, p, now, ex);
	return from_instance(s, p, now, ex);
}

/* Flow log records: the sender's interface logs what it sent (REJECT when its own SG, source
 * check or subnet ACL stopped it), the receiver's what it was handed or refused there. Headers
 * as each interface sees them: the sender's before any NAT, the receiver's after. */
static void flowlog_note(struct dp_state *s, const struct flowlog_key *sent, const struct pkt *p,
			 const struct verdict *v, uint64_t now)
{
	const struct vl_tables *t = s->t;
	uint32_t now_s = dp_wall_s(s, now);
	uint32_t bytes = p->len > ETH_HLEN_ ? p->len - ETH_HLEN_ : 0;
	bool dropped = v->action == VERDICT_DROP;
	bool at_target = dropped && s->target != VL_NONE &&
			 (v->reason == DROP_SG_INGRESS || v->reason == DROP_NACL_IN || v->reason == DROP_SRCDST_CHECK);
	if (t->ports[p->in_port].kind == VL_PORT_INSTANCE) {
		struct flowlog_key k = *sent;
		k.reject = dropped && !at_target &&
			   (v->reason == DROP_SG_EGRESS || v->reason == DROP_SRCDST_CHECK ||
			    v->reason == DROP_NACL_OUT || v->reason == DROP_CT_FULL);
		flowlog_account(s->flowlog, p->in_port, &k, bytes, now_s);
	}
	uint16_t to = v->action == VERDICT_FORWARD ? v->out_port : at_target ? s->target : VL_NONE;
	if (to != VL_NONE && to != p->in_port && t->ports[to].kind == VL_PORT_INSTANCE) {
		struct flowlog_key k;
		flowlog_key_of(p, dropped, &k);
		flowlog_account(s->flowlog, to, &k, bytes, now_s);
	}
}

struct verdict pipeline_process(struct dp_state *s, uint8_t *frame, uint32_t len, uint32_t cap,
				void *vnet, uint16_t in_port, uint64_t now)
{
	struct pkt p;
	struct verdict v;
	struct explain exs, *ex = NULL;
	const uint8_t *orig = s->capture ? capture_save(s, frame, len) : NULL;
	if (orig) {
		exs.n = 0;
		ex = &exs;
	}
	struct dp_port_stats *in = &s->stats[in_port];
	in->rx_packets++;
	in->rx_bytes += len;
	int pv = pkt_parse(&p, frame, len, vnet, in_port);
	if (cap > p.cap)
		p.cap = cap;
	struct flowlog_key sent;
	bool logged = s->flowlog && pv == STAGE_PASS && p.ethertype == ETHTYPE_IPV4;
	if (logged)
		flowlog_key_of(&p, false, &sent);
	s->target = VL_NONE;
	s->replaced = -1;
	v = pv == STAGE_PASS ? pipeline_run(s, &p, now, ex) : verdict_drop(pv);
	if (s->replaced >= 0)
		s->drops[s->replaced]++; /* the packet itself went no further */
	if (logged)
		flowlog_note(s, &sent, &p, &v, now);
	if (v.action != VERDICT_DROP && s->send) {
		if (s->send(s->send_ctx, v.out_port, &p) < 0)
			v = verdict_drop(DROP_TAP_WRITE);
	}
	if (orig)
		capture_packet(s, orig, len, &p, &v, ex);
	if (v.action == VERDICT_DROP) {
		s->drops[v.reason]++;
		in->drops++;
		return v;
	}
	struct dp_port_stats *out = &s->stats[v.out_port];
	out->tx_packets++;
	out->tx_bytes += p.len;
	if (v.action == VERDICT_REPLY)
		s->arp_replies++;
	else
		s->forwarded++;
	return v;
}

/* The state for t: fresh connection and NAT state, or copies of src's. NULL + errno. */
static struct dp_state *dp_state_build(const struct vl_tables *t, const struct dp_state *src,
				       uint32_t ct_limit)
{
	struct dp_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->t = t;
	s->ct = src ? ct_pool_clone(src->ct) : ct_pool_create(t->n_ports, ct_limit);
	s->stats = calloc(t->n_ports ? t->n_ports : 1, sizeof(*s->stats));
	if (!s->ct || !s->stats)
		goto fail;
	if ((src ? nat_state_copy(s, src) : nat_state_init(s)) < 0)
		goto fail;
	return s;
fail:
	dp_state_destroy(s);
	errno = ENOMEM;
	return NULL;
}

struct dp_state *dp_state_create(const struct vl_tables *t, uint32_t ct_limit)
{
	return dp_state_build(t, NULL, ct_limit);
}

struct dp_state *dp_state_clone(const struct dp_state *src)
{
	return dp_state_build(src->t, src, 0);
}

void dp_state_destroy(struct dp_state *s)
{
	if (!s)
		return;
	nat_state_fini(s);
	capture_stop_all(s);
	flowlog_destroy(s->flowlog);
	ct_pool_destroy(s->ct);
	free(s->stats);
	free(s);
}

const char *explain_stage_name(enum explain_stage st)
{
	static const char *const names[] = {
		[EX_PARSE] = "parse",     [EX_ARP] = "arp",         [EX_SRCDST_OUT] = "eni-out",
		[EX_SG_OUT] = "sg-out",   [EX_ROUTE] = "route",     [EX_NACL_OUT] = "nacl-out",
		[EX_NACL_IN] = "nacl-in", [EX_SG_IN] = "sg-in",     [EX_SRCDST_IN] = "eni-in",
		[EX_IGW] = "igw",         [EX_NAT] = "nat",         [EX_DELIVER] = "deliver",
		[EX_FRAGMENT] = "fragment",
	};
	return (unsigned)st <= EX_FRAGMENT ? names[st] : "?";
}
