/* The dispatcher (pipeline.h): the packet path in AWS order (ARCHITECTURE.md). ARP answer,
 * source/destination check, SG egress, route lookup (or same-subnet switching), NACL out, NACL
 * in, SG ingress, delivery; the edges (igw.c, natgw.c, lb.c) continue it by returning steps. Stages
 * are pure functions of (descriptor, tables, connection state, now); this file only chains
 * them, records the explanation, and is the one place that counts, drops and sends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "arp.h"
#include "capture.h"
#include "dns.h"
#include "flowlog.h"
#include "igw.h"
#include "lb.h"
#include "natgw.h"
#include "parse.h"
#include "pipeline.h"
#include "rewrite.h"
#include "route.h"
#include "sg.h"
#include "tables.h"

void step_header(struct step *st, const struct pkt *p)
{
	struct explain_hop *h = &st->hop;
	h->has_hdr = 1;
	h->proto = p->proto;
	h->src = p->src;
	h->dst = p->dst;
	h->sport = p->sport;
	h->dport = p->dport;
}

static void explain_record(struct explain *ex, const struct explain_hop *h)
{
	if (ex && ex->n < EXPLAIN_MAX && h->stage != EX_NONE)
		ex->hop[ex->n++] = *h;
}

struct verdict verdict_drop(int reason)
{
	return (struct verdict){.action = VERDICT_DROP, .reason = (uint8_t)reason, .out_port = VL_NONE,
				.target = VL_NONE, .replaced = -1};
}

/* The security group stage of port in dir, as a step: the hop, then next (or the drop). */
static struct step sg_step(struct dp_state *s, uint16_t port, enum sg_dir dir, struct pkt *p,
			   uint64_t now, struct step next)
{
	struct sg_result res;
	int v = sg_stage(s->t, ct_port(s->ct, port), port, dir, p, now, &res);
	uint8_t fl = res.new_flow ? EXF_NEW_FLOW : (v == STAGE_PASS && res.rule < 0 ? EXF_TRACKED : 0);
	struct step st = v == STAGE_PASS ? next : step_drop(v);
	step_hop(&st, dir == SG_EGRESS ? EX_SG_OUT : EX_SG_IN, v, port, res.rule, fl);
	if (s->t->ports[port].sg_count == 0)
		st.hop.stage = EX_NONE; /* a load balancer node without groups: nothing to show */
	if (v == STAGE_PASS && res.new_flow && res.ct >= 0 &&
	    ct_entry_at(ct_port(s->ct, port), res.ct)->untracked) {
		st.untracked_flow = (uint32_t)res.ct + 1;
		st.untracked_port = port;
	}
	return st;
}

/* The NACL of subnet in dir, as a step: the hop, then next (or the drop). */
static struct step nacl_step(struct dp_state *s, uint16_t subnet, enum acl_dir dir,
			     const struct pkt *p, struct step next)
{
	bool allow;
	uint16_t acl = s->t->subnets[subnet].acl;
	int32_t rule = acl_eval(s->t, acl, dir, p, &allow);
	int v = allow ? STAGE_PASS : (dir == ACL_OUT ? DROP_NACL_OUT : DROP_NACL_IN);
	struct step st = allow ? next : step_drop(v);
	step_hop(&st, dir == ACL_OUT ? EX_NACL_OUT : EX_NACL_IN, v, acl, rule, 0);
	return st;
}

/* The first step of a packet: ARP, an internet host's, or an instance's (source check). */
static struct step step_start(struct dp_state *s, struct pkt *p)
{
	const struct vl_tables *t = s->t;
	if (p->in_port >= t->n_ports)
		return step_drop(DROP_PARSE_SHORT);
	if (p->ethertype == ETHTYPE_ARP) {
		int v = arp_answer(t, p);
		struct step st = v == STAGE_PASS ? step_next(STEP_REPLY, VL_NONE, p->in_port) : step_drop(v);
		step_hop(&st, EX_ARP, v, p->in_port, -1, 0);
		return st;
	}
	const struct vl_port *in = &t->ports[p->in_port];
	if (in->kind == VL_PORT_INET_HOST)
		return igw_from_internet(s, p);
	if (in->kind == VL_PORT_RESOLVER)
		return dns_in(s, p);
	if (in->src_dst_check && p->src != in->ip)
		return step_drop_at(EX_SRCDST_OUT, DROP_SRCDST_CHECK, p->in_port);
	/* The resolver comes before security groups and ACLs (AWS filters neither). */
	struct step st = step_next(dns_maybe(p) ? STEP_DNS : STEP_SG_OUT, in->subnet, p->in_port);
	step_hop(&st, EX_SRCDST_OUT, STAGE_PASS, p->in_port, -1, 0);
	return st;
}

/* A packet in subnet `from` (sent by an interface there, or leaving a NAT gateway there)
 * toward p->dst. */
static struct step step_route(struct dp_state *s, struct pkt *p, uint16_t from)
{
	const struct vl_tables *t = s->t;
	const struct vl_subnet *sn = &t->subnets[from];
	struct step st;
	if (prefix_contains(sn->cidr, p->dst)) {
		/* AWS switches same-subnet frames at L2: no route table, no NACL (reference 2.3). */
		st = step_next(STEP_LOCAL, from, VL_NONE);
		step_hop(&st, EX_ROUTE, STAGE_PASS, sn->route_table, -1, EXF_SAME_SUBNET);
		return st;
	}
	int32_t ri = route_lookup(t, sn->route_table, p->dst);
	if (ri < 0)
		return step_drop_at(EX_ROUTE, DROP_NO_ROUTE, sn->route_table);
	const struct vl_route *r = &t->routes[ri];
	switch (r->kind) {
	case VL_T_LOCAL: st = step_next(STEP_LOCAL, from, VL_NONE); break;
	case VL_T_PORT: st = step_cross(from, EDGE_PORT, r->target); break;
	case VL_T_IGW: st = step_cross(from, EDGE_IGW, VL_NONE); break;
	case VL_T_NATGW: st = step_cross(from, EDGE_NATGW_OUT, r->target); break;
	default: st = step_drop(DROP_BLACKHOLE);
	}
	step_hop(&st, EX_ROUTE, r->kind == VL_T_BLACKHOLE ? DROP_BLACKHOLE : STAGE_PASS, sn->route_table,
		 ri, 0);
	return st;
}

/* Local route (or same subnet): the interface or NAT gateway that owns the address. */
static struct step step_local(struct dp_state *s, struct pkt *p, uint16_t from)
{
	const struct vl_tables *t = s->t;
	const struct vl_addr_slot *a = addr_lookup(t, t->subnets[from].vpc, p->dst);
	if (a && a->owner == VL_OWN_PORT)
		return step_cross(from, EDGE_PORT, a->index);
	if (a && a->owner == VL_OWN_NATGW)
		return step_cross(from, EDGE_NATGW_PRIVATE, a->index);
	/* AWS's router does not answer ping on its addresses, and nothing else lives there. */
	int reason = a && a->owner == VL_OWN_ROUTER ? DROP_ROUTER_ADDR : DROP_NO_HOST;
	struct step st = step_drop_at(EX_DELIVER, reason, VL_NONE);
	step_header(&st, p);
	return st;
}

/* The subnet of what is on the far side of a crossing (VL_NONE: the internet gateway). */
static uint16_t edge_subnet(const struct vl_tables *t, const struct step *st)
{
	if (st->edge == EDGE_PORT)
		return t->ports[st->port].subnet;
	if (st->edge == EDGE_IGW)
		return VL_NONE;
	if (st->edge == EDGE_LB_REPLY)
		return t->ports[st->port].subnet;
	return t->natgws[st->port].subnet;
}

/* From subnet st->subnet to an edge: NACLs only when the subnet changes (out of the one left,
 * unless coming from outside; into the one entered, unless leaving the VPC). */
/* The crossing at goes on with kind: same edge and subnet, nothing else carried over (the hop,
 * a replacement and an MTU were the step's own and are already in the verdict). */
static struct step step_continue(const struct step *at, enum step_kind kind)
{
	struct step next = step_next((uint8_t)kind, at->subnet, at->port);
	next.edge = at->edge;
	next.flow = at->flow;
	return next;
}

static struct step step_cross_out(struct dp_state *s, const struct pkt *p, const struct step *at)
{
	uint16_t to = edge_subnet(s->t, at);
	struct step next = step_continue(at, to == VL_NONE || at->subnet == to ? STEP_ARRIVE : STEP_NACL_IN);
	if (at->subnet == to || at->subnet == VL_NONE)
		return next;
	return nacl_step(s, at->subnet, ACL_OUT, p, next);
}

static struct step step_arrive(struct dp_state *s, struct pkt *p, const struct step *at, uint64_t now)
{
	switch (at->edge) {
	case EDGE_PORT: return step_next(STEP_DELIVER, VL_NONE, at->port);
	case EDGE_IGW: return igw_out(s, p, at->subnet);
	case EDGE_NATGW_OUT: return natgw_out(s, p, at->port, now);
	case EDGE_NATGW_PRIVATE: return natgw_private(s, p, at->port);
	case EDGE_NATGW_RETURN: return natgw_return(s, p, at->port, now);
	case EDGE_LB_REPLY: return step_continue(at, STEP_SG_IN); /* the node's SG, then lb_reply */
	default: return natgw_error_back(s, p, at->port, now);
	}
}

/* The receiving interface: source/destination check, then SG ingress (instances; load
 * balancer nodes after their listener is known). */
static struct step step_deliver(struct dp_state *s, struct pkt *p, uint16_t port, uint64_t now)
{
	const struct vl_port *to = &s->t->ports[port];
	if (to->src_dst_check && p->dst != to->ip)
		return step_drop_at(EX_SRCDST_IN, DROP_SRCDST_CHECK, port);
	if (to->kind == VL_PORT_LB_NODE)
		return lb_deliver(s, p, port, now);
	return step_next(to->kind == VL_PORT_INSTANCE ? STEP_SG_IN : STEP_HANDOVER, VL_NONE, port);
}

/* What follows SG ingress at st->port: a load balancer's stage (a listener's packet, a
 * target's reply), else the handover to the interface. */
static struct step sg_in_next(const struct step *st)
{
	uint8_t kind = !st->flow ? STEP_HANDOVER : st->edge == EDGE_LB_REPLY ? STEP_LB_REPLY : STEP_LB;
	struct step next = step_next(kind, VL_NONE, st->port);
	next.flow = st->flow;
	return next;
}

/* What follows SG egress at st->port: an instance's packet may be a load balancer's reply
 * (looked for only while flows exist), anything else goes to the route lookup. */
static struct step sg_out_next(struct dp_state *s, const struct pkt *p, const struct step *st)
{
	struct step next = step_next(STEP_ROUTE, st->subnet, VL_NONE);
	if (st->port == p->in_port && s->t->ports[st->port].kind == VL_PORT_INSTANCE && lb_active(s))
		next.kind = STEP_LB_BACK;
	return next;
}

static struct step step_handover(struct dp_state *s, struct pkt *p, uint16_t port)
{
	memcpy(p->frame, s->t->ports[port].mac, 6);
	memcpy(p->frame + 6, s->t->router_mac, 6);
	struct step st = step_next(STEP_FORWARD, VL_NONE, port);
	step_hop(&st, EX_DELIVER, STAGE_PASS, port, -1, 0);
	step_header(&st, p);
	return st;
}

/* One step: what st says to do next, and what that found. */
static struct step step_run(struct dp_state *s, struct pkt *p, const struct step *st, uint64_t now)
{
	const struct vl_tables *t = s->t;
	switch (st->kind) {
	case STEP_SG_OUT: return sg_step(s, st->port, SG_EGRESS, p, now, sg_out_next(s, p, st));
	case STEP_DNS: return dns_out(s, p, now, step_next(STEP_SG_OUT, st->subnet, st->port));
	case STEP_LB_BACK: return lb_back(s, p, st->subnet, now);
	case STEP_ROUTE: return step_route(s, p, st->subnet);
	case STEP_LOCAL: return step_local(s, p, st->subnet);
	case STEP_CROSS: return step_cross_out(s, p, st);
	case STEP_NACL_IN:
		return nacl_step(s, edge_subnet(t, st), ACL_IN, p, step_continue(st, STEP_ARRIVE));
	case STEP_ARRIVE: return step_arrive(s, p, st, now);
	case STEP_DELIVER: return step_deliver(s, p, st->port, now);
	case STEP_SG_IN: return sg_step(s, st->port, SG_INGRESS, p, now, sg_in_next(st));
	case STEP_LB: return lb_forward(s, p, st->port, st->flow - 1, now);
	case STEP_LB_REPLY: return lb_reply(s, p, st->port, st->flow - 1, now);
	case STEP_HANDOVER: return step_handover(s, p, st->port);
	case STEP_INTERNET: return igw_internet(s, p);
	default: return step_drop(DROP_PARSE_SHORT);
	}
}

/* The entries a packet started untracked on its path so far (SG steps), for an edge AWS
 * always tracks to make tracked (reference 4.4). A path has at most four SG steps (sender,
 * load balancer node in and out, receiver). */
struct untracked_set {
	uint8_t n;
	bool always;             /* past a load balancer: every entry of the path is tracked */
	uint16_t port[4];
	uint32_t idx[4];
};

static void untracked_clear(struct dp_state *s, struct untracked_set *u)
{
	for (uint8_t i = 0; i < u->n; i++)
		ct_entry_at(ct_port(s->ct, u->port[i]), (int32_t)u->idx[i])->untracked = 0;
	u->n = 0;
}

static inline void untracked_note(struct dp_state *s, struct untracked_set *u, const struct step *st)
{
	/* AWS always tracks flows through a NAT gateway (the sender's entry, as it has always
	 * been here) and through a network load balancer (every entry on the path). An
	 * established flow starts no entry: two tests and out. */
	if (st->kind == STEP_LB || st->kind == STEP_LB_REPLY)
		u->always = true;
	if (st->untracked_flow && u->n < 4) {
		u->port[u->n] = st->untracked_port;
		u->idx[u->n++] = st->untracked_flow - 1;
	}
	if (u->n && (u->always || (st->kind == STEP_CROSS && st->edge == EDGE_NATGW_OUT)))
		untracked_clear(s, u);
}

/* Loops over steps from the first until one ends the packet's path, recording one hop per step;
 * a path longer than DP_HOP_LIMIT steps is a loop. */
static struct verdict dispatch(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex)
{
	struct verdict v = verdict_drop(DROP_PARSE_SHORT);
	struct step st = step_start(s, p);
	struct untracked_set untracked = {0};
	for (unsigned n = 0;; n++) {
		explain_record(ex, &st.hop);
		untracked_note(s, &untracked, &st);
		if (st.replaced >= 0) {
			v.replaced = st.replaced;
			v.mtu = 0; /* the answer is a small new packet */
		}
		if (st.mtu && (!v.mtu || st.mtu < v.mtu))
			v.mtu = st.mtu;
		if (st.kind == STEP_DELIVER || (st.kind == STEP_CROSS && st.edge == EDGE_PORT))
			v.target = st.port;
		switch (st.kind) {
		case STEP_DROP:
			v.action = VERDICT_DROP;
			v.reason = st.reason;
			v.mtu = 0;
			return v;
		case STEP_FORWARD:
			v.action = VERDICT_FORWARD;
			v.out_port = st.port;
			return v;
		case STEP_REPLY:
			v.action = VERDICT_REPLY;
			v.out_port = p->in_port;
			return v;
		default:
			break;
		}
		if (n >= DP_HOP_LIMIT) {
			st = step_drop_at(EX_DISPATCH, DROP_HOP_LIMIT, VL_NONE);
			continue;
		}
		st = step_run(s, p, &st, now);
	}
}

/* A later fragment whose first fragment was forwarded: the same rewrite, the same interface. */
static bool frag_follow(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex,
			struct verdict *v)
{
	const struct frag_slot *f = frag_find(s->frags, DP_FRAG_SLOTS, p, p->in_port, now);
	if (!f || f->out_port >= s->t->n_ports)
		return false;
	if (f->new_src != p->src)
		rewrite_addr(p, true, f->new_src);
	if (f->new_dst != p->dst)
		rewrite_addr(p, false, f->new_dst);
	memcpy(p->frame, s->t->ports[f->out_port].mac, 6);
	memcpy(p->frame + 6, s->t->router_mac, 6);
	struct explain_hop h = {.stage = EX_FRAGMENT, .verdict = STAGE_PASS, .obj = f->out_port, .rule = -1};
	explain_record(ex, &h);
	*v = (struct verdict){.action = VERDICT_FORWARD, .out_port = f->out_port, .target = f->out_port,
			      .replaced = -1, .mtu = f->mtu};
	return true;
}

struct verdict pipeline_run(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex)
{
	struct verdict v;
	if ((p->flags & PKT_LATER_FRAG) && frag_follow(s, p, now, ex, &v))
		return v;
	bool first_frag = (p->flags & (PKT_FRAG | PKT_LATER_FRAG)) == PKT_FRAG;
	struct pkt arrived;
	if (first_frag)
		arrived = *p; /* the key later fragments will carry */
	v = dispatch(s, p, now, ex);
	if (first_frag && v.action == VERDICT_FORWARD && v.replaced < 0) {
		struct frag_slot *f = frag_note(s->frags, DP_FRAG_SLOTS, &arrived, arrived.in_port, now);
		f->out_port = v.out_port;
		f->new_src = p->src;
		f->new_dst = p->dst;
		f->mtu = v.mtu;
	}
	return v;
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
	bool at_target = dropped && v->target != VL_NONE &&
			 (v->reason == DROP_SG_INGRESS || v->reason == DROP_NACL_IN || v->reason == DROP_SRCDST_CHECK);
	/* AWS's flow logs leave out traffic to and from the resolver (and 169.254/16). */
	if (dns_in_net(p->dst) || dns_in_net(sent->src) || (dropped && dns_drop(v->reason)))
		return;
	if (t->ports[p->in_port].kind == VL_PORT_INSTANCE) {
		struct flowlog_key k = *sent;
		k.reject = dropped && !at_target &&
			   (v->reason == DROP_SG_EGRESS || v->reason == DROP_SRCDST_CHECK ||
			    v->reason == DROP_NACL_OUT || v->reason == DROP_CT_FULL);
		flowlog_account(s->flowlog, p->in_port, &k, bytes, now_s);
	}
	uint16_t to = v->action == VERDICT_FORWARD ? v->out_port : at_target ? v->target : VL_NONE;
	if (to != VL_NONE && to != p->in_port && t->ports[to].kind == VL_PORT_INSTANCE) {
		struct flowlog_key k;
		flowlog_key_of(p, dropped, &k);
		flowlog_account(s->flowlog, to, &k, bytes, now_s);
	}
}

struct frag_send {
	struct dp_state *s;
	uint16_t port;
	uint32_t bytes;
};

static int frag_send_one(void *ctx, const struct pkt *f)
{
	struct frag_send *fs = ctx;
	fs->bytes += f->len;
	return fs->s->send(fs->s->send_ctx, fs->port, f);
}

/* Sends p as the verdict says: whole, or cut into fragments (v->mtu) one scratch frame at a
 * time. Returns the frames sent (their bytes in *bytes) or -errno. */
static int dp_send(struct dp_state *s, const struct verdict *v, struct pkt *p, uint32_t *bytes)
{
	*bytes = p->len;
	if (!v->mtu || p->ethertype != ETHTYPE_IPV4 || p->len - p->l3_off <= v->mtu) {
		int rc = s->send(s->send_ctx, v->out_port, p);
		return rc < 0 ? rc : 1;
	}
	struct frag_send fs = {.s = s, .port = v->out_port};
	int n = frag_cut(p, v->mtu, s->frag_buf, DP_FRAG_HEAD, frag_send_one, &fs);
	*bytes = fs.bytes;
	return n;
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
	v = pv == STAGE_PASS ? pipeline_run(s, &p, now, ex) : verdict_drop(pv);
	if (v.replaced >= 0)
		s->drops[v.replaced]++; /* the packet itself went no further */
	if (logged)
		flowlog_note(s, &sent, &p, &v, now);
	int frames = 1;
	uint32_t bytes = p.len;
	if (v.action != VERDICT_DROP && s->send) {
		frames = dp_send(s, &v, &p, &bytes);
		if (frames == -EINVAL)
			v = verdict_drop(DROP_MTU_EXCEEDED); /* nothing the IGW could cut */
		else if (frames < 0)
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
	out->tx_packets += (uint64_t)frames;
	out->tx_bytes += bytes;
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
	if ((src ? lb_state_copy(s, src) : lb_state_init(s)) < 0)
		goto fail;
	if (dns_state_init(s, src) < 0)
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
	lb_state_fini(s);
	dns_state_fini(s);
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
		[EX_FRAGMENT] = "fragment", [EX_DISPATCH] = "dispatch", [EX_LB] = "lb",
		[EX_DNS] = "dns",
	};
	return (unsigned)st <= EX_DNS ? names[st] : "?";
}

uint64_t dp_drop_count(const struct dp_state *s, enum drop_reason r)
{
	return (unsigned)r < DROP__COUNT ? s->drops[r] : 0;
}

uint64_t dp_forwarded(const struct dp_state *s)
{
	return s->forwarded;
}

uint64_t dp_arp_replies(const struct dp_state *s)
{
	return s->arp_replies;
}

const struct dp_port_stats *dp_port_stats_get(const struct dp_state *s, uint16_t port)
{
	return port < s->t->n_ports ? &s->stats[port] : NULL;
}

const struct vl_tables *dp_tables(const struct dp_state *s)
{
	return s->t;
}

const struct nat_state *dp_nat(const struct dp_state *s)
{
	return s->nat;
}

const struct lb_state *dp_lb(const struct dp_state *s)
{
	return s->lb;
}
