/* Network load balancers (reference aws-elb §1). A node is an interface in each of the load
 * balancer's subnets; packets to its listeners never enter its namespace: past the node
 * subnet's NACL in and the node's SG ingress, the flow is found or made here (target picked by
 * a flow hash among the healthy targets of the node's zone), the packet rewritten toward the
 * target (the source too when the client's IP is not preserved), then the node's SG egress and
 * its subnet's routes. Replies: right after the target's SG egress, a flow's reply crosses back
 * to its node and leaves from there with the node's address, whatever the target's route table
 * says. After: pipeline.c routes; nothing here continues the path itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "lb.h"
#include "lb_table.h"
#include "reply.h"
#include "rewrite.h"

struct lb_state {
	struct lb_table *flows;
	uint16_t n_lbs;
	uint32_t n_targets;
	uint64_t (*counters)[LBC__COUNT];   /* per load balancer */
	uint8_t *health;                     /* per tables.targets index: enum lb_target_state */
	uint32_t sweep_pos;
};

#define LB_SWEEP_BUDGET 65536u

static void flow_release(struct lb_state *l, uint32_t idx);

const char *lb_counter_name(enum lb_counter c)
{
	static const char *const names[] = {
#define LB_COUNTER_NAME(n) #n,
		LB_COUNTERS(LB_COUNTER_NAME)
#undef LB_COUNTER_NAME
	};
	return (unsigned)c < LBC__COUNT ? names[c] : "?";
}

const char *lb_target_state_name(enum lb_target_state st)
{
	static const char *const names[] = {"initial", "healthy", "unhealthy", "draining", "unused"};
	return (unsigned)st <= LB_T_UNUSED ? names[st] : "?";
}

/* ------------------------------------------------------------------ the state */

static int lb_state_size(struct lb_state *l, uint16_t n_lbs, uint32_t n_targets)
{
	if (n_lbs > l->n_lbs || !l->counters) {
		uint64_t (*c)[LBC__COUNT] = calloc(n_lbs ? n_lbs : 1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		if (l->counters)
			memcpy(c, l->counters, l->n_lbs * sizeof(*c));
		free(l->counters);
		l->counters = c;
		l->n_lbs = n_lbs;
	}
	if (n_targets > l->n_targets || !l->health) {
		uint8_t *h = calloc(n_targets ? n_targets : 1, 1); /* 0: LB_T_INITIAL */
		if (!h)
			return -ENOMEM;
		if (l->health)
			memcpy(h, l->health, l->n_targets);
		free(l->health);
		l->health = h;
		l->n_targets = n_targets;
	}
	return 0;
}

int lb_state_init(struct dp_state *s)
{
	s->lb = NULL;
	if (s->t->n_lbs == 0)
		return 0; /* nothing to balance: nothing allocated */
	struct lb_state *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->flows = lb_table_create(LB_LIMIT_DEFAULT);
	if (!l->flows || lb_state_size(l, s->t->n_lbs, s->t->n_targets) < 0) {
		s->lb = l;
		lb_state_fini(s);
		return -ENOMEM;
	}
	s->lb = l;
	return 0;
}

int lb_state_grow(struct dp_state *s)
{
	return lb_state_reserve(s, s->t);
}

int lb_state_reserve(struct dp_state *s, const struct vl_tables *nt)
{
	if (!s->lb && nt->n_lbs) {
		struct lb_state *l = calloc(1, sizeof(*l));
		if (!l || !(l->flows = lb_table_create(LB_LIMIT_DEFAULT))) {
			free(l);
			return -ENOMEM;
		}
		s->lb = l; /* empty: harmless to the running tables */
	}
	return s->lb ? lb_state_size(s->lb, nt->n_lbs, nt->n_targets) : 0;
}

uint32_t lb_flush_ports(struct dp_state *s, const uint8_t *gone, uint16_t n_ports)
{
	struct lb_state *l = s->lb;
	uint32_t freed = 0;
	for (uint32_t i = 0; l && gone && i < lb_table_top(l->flows); i++) {
		const struct lb_flow *f = lb_table_at(l->flows, i);
		if (f->state == LB_F_FREE)
			continue;
		if ((f->node < n_ports && gone[f->node]) || (f->target_port < n_ports && gone[f->target_port])) {
			flow_release(l, i);
			freed++;
		}
	}
	return freed;
}

static uint16_t lb_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_lbs; i++)
		if (!strcmp(t->lbs[i].name, name))
			return i;
	return VL_NONE;
}

static uint16_t tg_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_tgs; i++)
		if (!strcmp(t->tgs[i].name, name))
			return i;
	return VL_NONE;
}

void lb_remap(struct dp_state *s, const struct vl_tables *old, const struct vl_tables *nt)
{
	struct lb_state *l = s->lb;
	if (!l)
		return;
	/* Counters follow their load balancer's name; a buffer that cannot be had leaves them
	 * where they are (counters only, never a packet's fate). */
	uint64_t (*c)[LBC__COUNT] = l->counters ? calloc(l->n_lbs ? l->n_lbs : 1, sizeof(*c)) : NULL;
	for (uint16_t i = 0; c && i < nt->n_lbs && i < l->n_lbs; i++) {
		uint16_t o = lb_named(old, nt->lbs[i].name);
		if (o != VL_NONE && o < l->n_lbs)
			memcpy(c[i], l->counters[o], sizeof(c[i]));
	}
	if (c) {
		free(l->counters);
		l->counters = c;
	}
	for (uint32_t i = 0; i < lb_table_top(l->flows); i++) {
		struct lb_flow *f = lb_table_at(l->flows, i);
		if (f->state == LB_F_FREE)
			continue;
		uint16_t lb = f->lb < old->n_lbs ? lb_named(nt, old->lbs[f->lb].name) : VL_NONE;
		uint16_t tg = f->tg < old->n_tgs ? tg_named(nt, old->tgs[f->tg].name) : VL_NONE;
		uint32_t target = UINT32_MAX; /* deregistered: the flow goes on, as while draining */
		for (uint32_t k = 0; tg != VL_NONE && k < nt->tgs[tg].target_count; k++) {
			const struct vl_lb_target *x = &nt->targets[nt->tgs[tg].target_first + k];
			if (x->port == f->target_port && x->tport == f->tport)
				target = nt->tgs[tg].target_first + k;
		}
		f->lb = lb != VL_NONE ? lb : f->lb;
		f->tg = tg != VL_NONE ? tg : VL_NONE;
		f->target = target;
	}
}

void lb_state_fini(struct dp_state *s)
{
	struct lb_state *l = s->lb;
	if (!l)
		return;
	lb_table_destroy(l->flows);
	free(l->counters);
	free(l->health);
	free(l);
	s->lb = NULL;
}

int lb_state_copy(struct dp_state *dst, const struct dp_state *src)
{
	const struct lb_state *o = src->lb;
	dst->lb = NULL;
	if (!o)
		return 0;
	struct lb_state *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	dst->lb = l;
	l->sweep_pos = o->sweep_pos;
	l->flows = lb_table_clone(o->flows);
	if (!l->flows || lb_state_size(l, o->n_lbs, o->n_targets) < 0) {
		lb_state_fini(dst);
		return -ENOMEM;
	}
	memcpy(l->counters, o->counters, o->n_lbs * sizeof(*l->counters));
	memcpy(l->health, o->health, o->n_targets);
	return 0;
}

int lb_configure(struct dp_state *s, uint32_t limit)
{
	if (limit == 0 || limit > LB_LIMIT_MAX)
		return -EINVAL;
	return s->lb ? lb_table_set_limit(s->lb->flows, limit) : 0;
}

bool lb_active(const struct dp_state *s)
{
	return s->lb && lb_table_used(s->lb->flows) > 0;
}

int lb_target_set_state(struct dp_state *s, uint16_t tg, uint32_t idx, enum lb_target_state st)
{
	const struct vl_tables *t = s->t;
	if (!s->lb || tg >= t->n_tgs || idx >= t->tgs[tg].target_count || (unsigned)st > LB_T_UNUSED)
		return -EINVAL;
	uint32_t i = t->tgs[tg].target_first + idx;
	if (i >= s->lb->n_targets)
		return -EINVAL;
	s->lb->health[i] = (uint8_t)st;
	return 0;
}

enum lb_target_state lb_target_state(const struct dp_state *s, uint16_t tg, uint32_t idx)
{
	const struct vl_tables *t = s->t;
	if (!s->lb || tg >= t->n_tgs || idx >= t->tgs[tg].target_count)
		return LB_T_UNUSED;
	uint32_t i = t->tgs[tg].target_first + idx;
	return i < s->lb->n_targets ? (enum lb_target_state)s->lb->health[i] : LB_T_UNUSED;
}

uint64_t lb_counter_get(const struct lb_state *l, uint16_t lb, enum lb_counter c)
{
	return l && lb < l->n_lbs && (unsigned)c < LBC__COUNT ? l->counters[lb][c] : 0;
}

void lb_flow_stats(const struct lb_state *l, uint32_t *used, uint32_t *limit)
{
	*used = l ? lb_table_used(l->flows) : 0;
	*limit = l ? lb_table_limit(l->flows) : 0;
}

int lb_foreach(const struct lb_state *l, int (*fn)(void *ctx, const struct lb_flow *f), void *ctx)
{
	for (uint32_t i = 0; l && i < lb_table_top(l->flows); i++) {
		const struct lb_flow *f = lb_table_at(l->flows, i);
		if (f->state == LB_F_FREE)
			continue;
		int rc = fn(ctx, f);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ flows and their counters */

static bool state_active(uint8_t st)
{
	return st == LB_F_OPENING || st == LB_F_ESTABLISHED || st == LB_F_UDP;
}

static void active_add(struct lb_state *l, const struct lb_flow *f, int64_t d)
{
	uint64_t *c = l->counters[f->lb];
	c[LBC_ActiveFlowCount] += (uint64_t)d;
	c[f->proto == IPPROTO_TCP_ ? LBC_ActiveFlowCount_TCP : LBC_ActiveFlowCount_UDP] += (uint64_t)d;
}

static void flow_set_state(struct lb_state *l, struct lb_flow *f, uint8_t st)
{
	if (state_active(f->state) && !state_active(st))
		active_add(l, f, -1);
	f->state = st;
}

static void flow_release(struct lb_state *l, uint32_t idx)
{
	struct lb_flow *f = lb_table_at(l->flows, idx);
	if (state_active(f->state))
		active_add(l, f, -1);
	lb_table_free(l->flows, idx);
}

static uint64_t flow_timeout_ns(const struct lb_flow *f)
{
	return (uint64_t)(f->state == LB_F_CLOSING ? LB_CLOSING_S : f->idle_s) * NS_PER_S;
}

/* Past its timeout: no packet passes on it any more (a new one may take its place). */
static bool flow_dead(const struct lb_flow *f, uint64_t now)
{
	return f->state == LB_F_EXPIRED || (now > f->last_seen && now - f->last_seen > flow_timeout_ns(f));
}

void lb_sweep(struct dp_state *s, uint64_t now)
{
	struct lb_state *l = s->lb;
	if (!l)
		return;
	uint32_t top = lb_table_top(l->flows);
	for (uint32_t k = 0; k < LB_SWEEP_BUDGET && k < top; k++) {
		uint32_t i = l->sweep_pos < top ? l->sweep_pos : 0;
		l->sweep_pos = i + 1 < top ? i + 1 : 0;
		struct lb_flow *f = lb_table_at(l->flows, i);
		if (f->state == LB_F_FREE || !flow_dead(f, now))
			continue;
		bool linger = f->proto == IPPROTO_TCP_ && f->state != LB_F_CLOSING;
		uint64_t idle = now > f->last_seen ? now - f->last_seen : 0;
		if (linger && idle <= ((uint64_t)f->idle_s + LB_LINGER_S) * NS_PER_S)
			flow_set_state(l, f, LB_F_EXPIRED); /* a late segment still gets its RST */
		else
			flow_release(l, i);
	}
}

/* The TCP flags of a packet of flow f from the client (from_target false) or the target. */
static void flow_track_tcp(struct lb_state *l, struct lb_flow *f, uint8_t flags, bool from_target)
{
	uint64_t *c = l->counters[f->lb];
	if (flags & TCPF_RST) {
		c[from_target ? LBC_TCP_Target_Reset_Count : LBC_TCP_Client_Reset_Count]++;
		flow_set_state(l, f, LB_F_CLOSING);
		return;
	}
	if (flags & TCPF_FIN)
		f->fin_seen |= from_target ? 2 : 1;
	if (f->fin_seen == 3)
		flow_set_state(l, f, LB_F_CLOSING);
	else if (from_target && f->state == LB_F_OPENING && (flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
		f->state = LB_F_ESTABLISHED;
}

static void flow_count(struct lb_state *l, const struct lb_flow *f, const struct pkt *p)
{
	uint64_t *c = l->counters[f->lb];
	c[LBC_ProcessedPackets]++;
	c[LBC_ProcessedBytes] += p->len - p->l3_off;
}

/* ------------------------------------------------------------------ choosing a target */

/* The flow hash AWS describes: protocol, addresses, ports, and for TCP the SYN's sequence
 * number (so a client's reconnections from one port spread too). */
static uint32_t flow_hash(const struct pkt *p)
{
	uint32_t seq = 0;
	if (p->proto == IPPROTO_TCP_ && p->l4_off + 8u <= p->len)
		seq = rd32(p->frame + p->l4_off + 4);
	uint64_t h = ((uint64_t)p->src << 32 | p->dst) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)p->proto << 32 | (uint64_t)p->sport << 16 | p->dport) * 0xc2b2ae3d27d4eb4full;
	h ^= (uint64_t)seq * 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)(h >> 32);
}

/* Whether target i may get new flows at node (zone, state), and whether it is healthy. */
static bool target_eligible(const struct vl_tables *t, const struct lb_state *l, const struct vl_lb *lb,
			    const char *az, uint32_t i, bool *healthy)
{
	const struct vl_lb_target *tg = &t->targets[i];
	if (tg->port >= t->n_ports || !vl_port_used(&t->ports[tg->port]))
		return false;
	uint8_t st = i < l->n_targets ? l->health[i] : LB_T_INITIAL;
	if (st == LB_T_DRAINING || st == LB_T_UNUSED)
		return false; /* AWS: draining keeps its flows, gets no new one */
	const struct vl_port *pt = &t->ports[tg->port];
	if (!lb->cross_zone && (pt->subnet >= t->n_subnets || strcmp(t->subnets[pt->subnet].az, az) != 0))
		return false;
	*healthy = st == LB_T_HEALTHY;
	return true;
}

/* The target (tables.targets index) for hash h at node: among the group's healthy targets of
 * the node's zone (every zone with cross_zone), or all of them when none is healthy (AWS fails
 * open). -1 when there is none. Two passes over one group's targets: bounded by AWS's quota on
 * targets per load balancer and zone, never by the lab's size. */
static int64_t target_pick(const struct vl_tables *t, const struct lb_state *l, const struct vl_lb *lb,
			   const struct vl_tg *tg, uint16_t node, uint32_t h)
{
	const struct vl_port *np = &t->ports[node];
	const char *az = np->subnet < t->n_subnets ? t->subnets[np->subnet].az : "";
	uint32_t healthy = 0, open = 0;
	uint32_t end = tg->target_first + tg->target_count;
	for (uint32_t i = tg->target_first; i < end && i < t->n_targets; i++) {
		bool ok = false;
		if (target_eligible(t, l, lb, az, i, &ok)) {
			open++;
			healthy += ok;
		}
	}
	uint32_t n = healthy ? healthy : open;
	if (n == 0)
		return -1;
	uint32_t want = (uint32_t)(((uint64_t)h * n) >> 32);
	for (uint32_t i = tg->target_first; i < end && i < t->n_targets; i++) {
		bool ok = false;
		if (target_eligible(t, l, lb, az, i, &ok) && (ok || !healthy) && want-- == 0)
			return i;
	}
	return -1;
}

/* A source port of node toward the target (k's target and protocol) that no flow uses:
 * LB_PROBES hashed tries. -1 when they all meet used ones. */
static int snat_port(const struct lb_table *n, const struct lb_flow *k, uint32_t h)
{
	uint32_t range = LB_PORT_HI - LB_PORT_LO + 1;
	for (uint32_t i = 0; i < LB_PROBES; i++) {
		uint64_t x = ((uint64_t)h << 32 | i) * 0x9e3779b97f4a7c15ull;
		uint16_t port = (uint16_t)(LB_PORT_LO + (uint32_t)((((x >> 32) ^ x) & 0xffffffffu) % range));
		if (lb_table_find_rev(n, k->proto, k->target_ip, k->tport, k->node_ip, port) < 0)
			return port;
	}
	return -1;
}

/* A new flow for p at node toward listener's group: its index in *out, STAGE_PASS, or the
 * drop reason; the target chosen (tables.targets index, -1 none) in *target either way. */
static int flow_new(struct dp_state *s, const struct pkt *p, uint16_t node, const struct vl_listener *ls,
		    uint64_t now, int32_t *out, int64_t *target)
{
	const struct vl_tables *t = s->t;
	struct lb_state *l = s->lb;
	const struct vl_port *np = &t->ports[node];
	const struct vl_lb *lb = &t->lbs[np->lb];
	if (ls->tg >= t->n_tgs)
		return DROP_LB_NO_TARGET;
	const struct vl_tg *tg = &t->tgs[ls->tg];
	uint32_t h = flow_hash(p);
	int64_t ti = *target = target_pick(t, l, lb, tg, node, h);
	if (ti < 0)
		return DROP_LB_NO_TARGET;
	const struct vl_lb_target *tgt = &t->targets[ti];
	struct lb_flow k = {.client_ip = p->src, .client_port = p->sport, .lport = p->dport, .node = node,
			    .lb = np->lb, .tg = ls->tg, .proto = p->proto, .snat = !tg->preserve_client_ip,
			    .node_ip = np->ip, .target = (uint32_t)ti, .target_port = tgt->port,
			    .tport = tgt->tport ? tgt->tport : tg->port, .target_ip = t->ports[tgt->port].ip,
			    .created = now, .last_seen = now};
	k.state = p->proto == IPPROTO_TCP_ ? LB_F_OPENING : LB_F_UDP;
	k.idle_s = p->proto == IPPROTO_UDP_ ? LB_IDLE_UDP_S : ls->idle_timeout_s ? ls->idle_timeout_s : LB_IDLE_TCP_S;
	if (!k.snat) {
		if (p->src == k.target_ip)
			return DROP_LB_LOOPBACK; /* AWS: no hairpin with the client's IP preserved */
		k.peer_ip = p->src;
		k.peer_port = p->sport;
		/* AWS: one client port through two nodes to one target meets itself there */
		if (lb_table_find_rev(l->flows, k.proto, k.target_ip, k.tport, k.peer_ip, k.peer_port) >= 0) {
			l->counters[k.lb][LBC_PortAllocationErrorCount]++;
			return DROP_LB_PORT_ALLOC;
		}
	} else {
		int port = snat_port(l->flows, &k, h);
		if (port < 0) {
			l->counters[k.lb][LBC_PortAllocationErrorCount]++;
			return DROP_LB_PORT_ALLOC;
		}
		k.peer_ip = np->ip;
		k.peer_port = (uint16_t)port;
	}
	int32_t fi = lb_table_alloc(l->flows, &k);
	if (fi < 0)
		return DROP_LB_FULL;
	uint64_t *c = l->counters[k.lb];
	c[LBC_NewFlowCount]++;
	c[k.proto == IPPROTO_TCP_ ? LBC_NewFlowCount_TCP : LBC_NewFlowCount_UDP]++;
	active_add(l, &k, 1);
	*out = fi;
	return STAGE_PASS;
}

/* Whether flow f must end because its target turned unhealthy: AWS resets such connections
 * unless the group fails open (no healthy target the node could pick instead). Costs a look
 * at the group's targets only for a flow whose target is unhealthy. */
static bool flow_target_failed(const struct vl_tables *t, const struct lb_state *l, const struct lb_flow *f)
{
	if (f->target >= l->n_targets || l->health[f->target] != LB_T_UNHEALTHY || f->tg >= t->n_tgs ||
	    f->lb >= t->n_lbs || f->node >= t->n_ports)
		return false;
	const struct vl_tg *tg = &t->tgs[f->tg];
	const struct vl_port *np = &t->ports[f->node];
	const char *az = np->subnet < t->n_subnets ? t->subnets[np->subnet].az : "";
	for (uint32_t i = tg->target_first; i < tg->target_first + tg->target_count && i < t->n_targets; i++) {
		bool healthy = false;
		if (target_eligible(t, l, &t->lbs[f->lb], az, i, &healthy) && healthy)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ the stages */

static int64_t listener_find(const struct vl_tables *t, const struct vl_lb *lb, const struct pkt *p)
{
	if (!(p->flags & PKT_L4) || (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_))
		return -1;
	/* bounded by AWS's quota of listeners per load balancer (50) */
	for (uint32_t i = lb->listener_first; i < lb->listener_first + lb->listener_count && i < t->n_listeners; i++) {
		const struct vl_listener *ls = &t->listeners[i];
		bool tcp = ls->proto == VL_LBP_TCP || ls->proto == VL_LBP_HTTP;
		bool proto = ls->proto == VL_LBP_TCP_UDP || (tcp && p->proto == IPPROTO_TCP_) ||
			     (ls->proto == VL_LBP_UDP && p->proto == IPPROTO_UDP_);
		if (proto && ls->port == p->dport)
			return i;
	}
	return -1;
}

static struct step lb_drop(uint16_t lb, int reason, const struct pkt *p)
{
	struct step st = step_drop_at(EX_LB, reason, lb);
	step_header(&st, p);
	return st;
}

struct step lb_deliver(struct dp_state *s, struct pkt *p, uint16_t node, uint64_t now)
{
	const struct vl_tables *t = s->t;
	const struct vl_port *np = &t->ports[node];
	struct step st = step_next(STEP_SG_IN, VL_NONE, node);
	if (!s->lb || np->lb >= t->n_lbs)
		return st;
	int64_t ls = listener_find(t, &t->lbs[np->lb], p);
	if (ls >= 0) {
		/* network: the router forwards it; application: the proxy listens in the node's
		 * namespace, through the node's security groups */
		if (t->lbs[np->lb].type == VL_LB_NETWORK)
			st.flow = (uint32_t)ls + 1;
		return st;
	}
	/* A load balancer answers on its listeners only: the rest reaching a node is dropped,
	 * but the replies to its own connections (health checks, an application proxy's
	 * connections to its targets) are handed to it. */
	enum ct_dir dir;
	int32_t ci = ct_lookup(ct_port(s->ct, node), p, now, &dir);
	if (ci >= 0 && dir == CT_REPLY && ct_entry_at(ct_port(s->ct, node), ci)->rule_dir == 1)
		return st;
	return lb_drop(np->lb, DROP_LB_NO_LISTENER, p);
}

/* The router's RST in place of a TCP segment of no live flow (AWS: after the idle timeout
 * either side gets a RST), sent on with next; a RST itself is dropped. */
static struct step lb_rst(struct lb_state *l, struct pkt *p, uint16_t lb, uint16_t node, struct step next)
{
	if (reply_tcp_rst(p) < 0)
		return lb_drop(lb, DROP_LB_NO_FLOW, p);
	l->counters[lb][LBC_TCP_ELB_Reset_Count]++;
	p->origin_port = node;
	step_hop(&next, EX_LB, DROP_LB_NO_FLOW, lb, -1, 0);
	step_header(&next, p);
	next.replaced = DROP_LB_NO_FLOW;
	return next;
}

struct step lb_forward(struct dp_state *s, struct pkt *p, uint16_t node, uint32_t listener, uint64_t now)
{
	const struct vl_tables *t = s->t;
	struct lb_state *l = s->lb;
	const struct vl_port *np = &t->ports[node];
	uint16_t lb = np->lb;
	if (!l || listener >= t->n_listeners)
		return lb_drop(lb, DROP_LB_NO_LISTENER, p);
	bool tcp = p->proto == IPPROTO_TCP_;
	bool syn = tcp && (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
	int32_t fi = lb_table_find_fwd(l->flows, node, p->proto, p->src, p->sport, p->dport);
	struct lb_flow *f = fi >= 0 ? lb_table_at(l->flows, (uint32_t)fi) : NULL;
	if (f && (flow_dead(f, now) || (syn && f->state == LB_F_CLOSING))) {
		if (tcp && !syn)
			return lb_rst(l, p, lb, node, step_next(STEP_ROUTE, np->subnet, VL_NONE));
		flow_release(l, (uint32_t)fi); /* a new SYN (or datagram) starts over */
		f = NULL;
	}
	if (f && flow_target_failed(t, l, f)) {
		if (!tcp) {
			flow_release(l, (uint32_t)fi); /* a datagram simply goes to a healthy target */
			f = NULL;
		} else {
			flow_set_state(l, f, LB_F_EXPIRED); /* the target's side: RST at its next packet */
			f->last_seen = now;
			return lb_rst(l, p, lb, node, step_next(STEP_ROUTE, np->subnet, VL_NONE));
		}
	}
	bool is_new = !f;
	if (!f) {
		if (tcp && !syn)
			return lb_rst(l, p, lb, node, step_next(STEP_ROUTE, np->subnet, VL_NONE));
		int64_t target = -1;
		int v = flow_new(s, p, node, &t->listeners[listener], now, &fi, &target);
		if (v != STAGE_PASS) {
			struct step st = lb_drop(lb, v, p);
			st.hop.rule = (int32_t)target; /* trace names the target it would have had */
			return st;
		}
		f = lb_table_at(l->flows, (uint32_t)fi);
	}
	f->last_seen = now;
	if (tcp)
		flow_track_tcp(l, f, p->tcp_flags, false);
	flow_count(l, f, p);
	rewrite_addr(p, false, f->target_ip);
	rewrite_port(p, false, f->tport);
	if (f->snat) {
		rewrite_addr(p, true, f->peer_ip);
		rewrite_port(p, true, f->peer_port);
	}
	p->origin_port = node; /* a target's rule naming the node's group matches (sg.c) */
	struct step st = step_next(STEP_SG_OUT, np->subnet, node);
	step_hop(&st, EX_LB, STAGE_PASS, lb, (int32_t)f->target, is_new ? EXF_NEW_FLOW : EXF_TRACKED);
	step_header(&st, p);
	return st;
}

struct step lb_back(struct dp_state *s, struct pkt *p, uint16_t subnet, uint64_t now)
{
	struct lb_state *l = s->lb;
	struct step next = step_next(STEP_ROUTE, subnet, VL_NONE);
	if (!l || !(p->flags & PKT_L4) || (p->flags & PKT_LATER_FRAG) ||
	    (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_))
		return next;
	int32_t fi = lb_table_find_rev(l->flows, p->proto, p->src, p->sport, p->dst, p->dport);
	if (fi < 0)
		return next;
	struct lb_flow *f = lb_table_at(l->flows, (uint32_t)fi);
	if (f->target_port != p->in_port)
		return next;
	if (!flow_dead(f, now) && flow_target_failed(s->t, l, f)) {
		flow_set_state(l, f, LB_F_EXPIRED);
		f->last_seen = now;
	}
	if (flow_dead(f, now)) {
		if (p->proto == IPPROTO_UDP_)
			return lb_drop(f->lb, DROP_LB_NO_FLOW, p);
		/* the RST goes back to the target, as from the far end */
		uint16_t target = f->target_port;
		return lb_rst(l, p, f->lb, f->node, step_next(STEP_DELIVER, VL_NONE, target));
	}
	struct step st = step_cross(subnet, EDGE_LB_REPLY, f->node);
	st.flow = (uint32_t)fi + 1;
	return st;
}

struct step lb_reply(struct dp_state *s, struct pkt *p, uint16_t node, uint32_t flow, uint64_t now)
{
	struct lb_state *l = s->lb;
	const struct vl_port *np = &s->t->ports[node];
	struct lb_flow *f = l && flow < lb_table_top(l->flows) ? lb_table_at(l->flows, flow) : NULL;
	if (!f || f->state == LB_F_FREE || f->node != node)
		return lb_drop(np->lb, DROP_LB_NO_FLOW, p);
	f->last_seen = now;
	if (p->proto == IPPROTO_TCP_)
		flow_track_tcp(l, f, p->tcp_flags, true);
	flow_count(l, f, p);
	rewrite_addr(p, true, f->node_ip);
	rewrite_port(p, true, f->lport);
	if (f->snat) {
		rewrite_addr(p, false, f->client_ip);
		rewrite_port(p, false, f->client_port);
	}
	p->origin_port = node;
	struct step st = step_next(STEP_SG_OUT, np->subnet, node);
	step_hop(&st, EX_LB, STAGE_PASS, f->lb, (int32_t)f->target, EXF_TRACKED);
	step_header(&st, p);
	return st;
}
