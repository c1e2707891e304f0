/* NAT gateways (reference 5): an interface in its public subnet that rewrites the source of
 * traffic from private subnets to its own private IP and a port from 1024-65535, unique per
 * destination (address, port, protocol); the internet gateway then maps that IP to the NAT's
 * elastic IP. Before: a route to the NAT gateway (NACL out of the source subnet, NACL in of the
 * NAT's subnet). After: the NAT subnet's route table (usually 0.0.0.0/0 -> igw). Replies come
 * back from the IGW; nothing initiated from outside ever passes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "icmp.h"
#include "natgw.h"
#include "reply.h"
#include "rewrite.h"

#define NAT_CLOSING_S 60u        /* DESIGN: a closed TCP mapping lingers for late segments */

const char *nat_counter_name(enum nat_counter c)
{
	static const char *const names[] = {
#define NAT_COUNTER_NAME(n) #n,
		NAT_COUNTERS(NAT_COUNTER_NAME)
#undef NAT_COUNTER_NAME
	};
	return (unsigned)c < NATC__COUNT ? names[c] : "?";
}

static uint32_t nat_hash(uint16_t gw, uint8_t proto, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)gw << 40 | (uint64_t)proto << 32 | (uint64_t)ap << 16 | bp) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 31;
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static uint32_t *fwd_bucket(struct nat_state *n, const struct nat_map *m)
{
	return &n->fwd[nat_hash(m->natgw, m->proto, m->int_ip, m->int_port, m->ext_ip, m->ext_port) & n->mask];
}

static uint32_t *rev_bucket(struct nat_state *n, uint16_t gw, uint8_t proto, uint32_t ext_ip,
			    uint16_t ext_port, uint16_t nat_port)
{
	return &n->rev[nat_hash(gw, proto, ext_ip, ext_port, 0, nat_port) & n->mask];
}

static int32_t nat_find_fwd(struct nat_state *n, const struct nat_map *k)
{
	for (uint32_t i = *fwd_bucket(n, k); i; i = n->maps[i - 1].next_fwd) {
		const struct nat_map *m = &n->maps[i - 1];
		if (m->natgw == k->natgw && m->proto == k->proto && m->int_ip == k->int_ip &&
		    m->int_port == k->int_port && m->ext_ip == k->ext_ip && m->ext_port == k->ext_port)
			return (int32_t)i - 1;
	}
	return -1;
}

static int32_t nat_find_rev(struct nat_state *n, uint16_t gw, uint8_t proto, uint32_t ext_ip,
			    uint16_t ext_port, uint16_t nat_port)
{
	for (uint32_t i = *rev_bucket(n, gw, proto, ext_ip, ext_port, nat_port); i;
	     i = n->maps[i - 1].next_rev) {
		const struct nat_map *m = &n->maps[i - 1];
		if (m->natgw == gw && m->proto == proto && m->ext_ip == ext_ip &&
		    m->ext_port == ext_port && m->nat_port == nat_port)
			return (int32_t)i - 1;
	}
	return -1;
}

static void chain_unlink(struct nat_state *n, uint32_t *link, uint32_t idx, int rev)
{
	while (*link && *link != idx + 1)
		link = rev ? &n->maps[*link - 1].next_rev : &n->maps[*link - 1].next_fwd;
	if (*link)
		*link = rev ? n->maps[idx].next_rev : n->maps[idx].next_fwd;
}

static void nat_free(struct nat_state *n, uint32_t idx)
{
	struct nat_map *m = &n->maps[idx];
	if (m->state == NAT_M_ESTABLISHED)
		n->counters[m->natgw][NATC_ActiveConnectionCount]--;
	chain_unlink(n, fwd_bucket(n, m), idx, 0);
	chain_unlink(n, rev_bucket(n, m->natgw, m->proto, m->ext_ip, m->ext_port, m->nat_port), idx, 1);
	memset(m, 0, sizeof(*m));
	m->next_fwd = n->free_head;
	n->free_head = idx + 1;
	n->used--;
}

/* A free port for (gw, proto, destination): a hashed start, then the next free one. Exhaustion
 * costs one pass over the range, once per failed new connection, never per packet. */
static int nat_port_alloc(struct nat_state *n, const struct nat_map *k)
{
	uint32_t range = (uint32_t)n->port_hi - n->port_lo + 1;
	uint32_t start = nat_hash(k->natgw, k->proto, k->int_ip, k->int_port, k->ext_ip, k->ext_port) % range;
	for (uint32_t i = 0; i < range; i++) {
		uint16_t port = (uint16_t)(n->port_lo + (start + i) % range);
		if (nat_find_rev(n, k->natgw, k->proto, k->ext_ip, k->ext_port, port) < 0)
			return port;
	}
	return -EADDRINUSE;
}

static int32_t nat_alloc(struct nat_state *n, const struct nat_map *k, uint64_t now)
{
	if (!n->free_head)
		return -ENOSPC;
	int port = nat_port_alloc(n, k);
	if (port < 0)
		return port;
	uint32_t idx = n->free_head - 1;
	struct nat_map *m = &n->maps[idx];
	n->free_head = m->next_fwd;
	*m = *k;
	m->nat_port = (uint16_t)port;
	m->created = m->last_seen = now;
	m->state = k->proto == IPPROTO_TCP_ ? NAT_M_OPENING : NAT_M_OTHER;
	uint32_t *fb = fwd_bucket(n, m), *rb = rev_bucket(n, m->natgw, m->proto, m->ext_ip, m->ext_port, m->nat_port);
	m->next_fwd = *fb;
	*fb = idx + 1;
	m->next_rev = *rb;
	*rb = idx + 1;
	n->used++;
	return (int32_t)idx;
}

static uint64_t nat_timeout_ns(const struct nat_map *m)
{
	return (uint64_t)(m->state == NAT_M_CLOSING ? NAT_CLOSING_S : NAT_IDLE_S) * 1000000000ull;
}

static bool nat_expired(const struct nat_map *m, uint64_t now)
{
	return now > m->last_seen && now - m->last_seen > nat_timeout_ns(m);
}

void nat_sweep(struct dp_state *s, uint64_t now)
{
	struct nat_state *n = s->nat;
	if (!n)
		return;
	for (uint32_t b = 0; b < 4096 && b <= n->mask; b++) {
		uint32_t i = n->fwd[n->sweep_pos];
		while (i) {
			uint32_t next = n->maps[i - 1].next_fwd;
			struct nat_map *m = &n->maps[i - 1];
			if (nat_expired(m, now)) {
				if (m->state == NAT_M_ESTABLISHED || m->state == NAT_M_OPENING)
					n->counters[m->natgw][NATC_IdleTimeoutCount]++;
				nat_free(n, i - 1);
			}
			i = next;
		}
		n->sweep_pos = (n->sweep_pos + 1) & n->mask;
	}
}

int nat_state_init(struct dp_state *s)
{
	struct nat_state *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->nat = n;
	n->capacity = NAT_CAPACITY;
	n->mask = NAT_CAPACITY - 1;
	n->port_lo = NAT_PORT_LO;
	n->port_hi = NAT_PORT_HI;
	n->n_natgws = s->t->n_natgws;
	n->fwd = calloc(NAT_CAPACITY, sizeof(*n->fwd));
	n->rev = calloc(NAT_CAPACITY, sizeof(*n->rev));
	n->maps = calloc(NAT_CAPACITY, sizeof(*n->maps));
	n->counters = calloc(n->n_natgws ? n->n_natgws : 1, sizeof(*n->counters));
	if (!n->fwd || !n->rev || !n->maps || !n->counters)
		return -ENOMEM;
	for (uint32_t i = 0; i < NAT_CAPACITY; i++)
		n->maps[i].next_fwd = i + 2 <= NAT_CAPACITY ? i + 2 : 0;
	n->free_head = 1;
	return 0;
}

void nat_state_fini(struct dp_state *s)
{
	struct nat_state *n = s->nat;
	if (!n)
		return;
	free(n->fwd);
	free(n->rev);
	free(n->maps);
	free(n->counters);
	free(n);
	s->nat = NULL;
}

static struct step nat_drop(struct dp_state *s, uint16_t gw, int reason)
{
	s->nat->counters[gw][NATC_PacketsDropCount]++;
	return step_drop_at(EX_NAT, reason, gw);
}

static uint32_t ip_bytes(const struct pkt *p)
{
	return p->len - p->l3_off;
}

static void ttl_dec(struct pkt *p)
{
	uint8_t *ip = p->frame + p->l3_off;
	uint16_t old = rd16(ip + 8);
	ip[8]--;
	csum_replace2(ip + 10, old, rd16(ip + 8));
	p->ttl--;
}

/* What a NAT gateway translates: TCP, UDP and ICMP echo from the VPC, no TCP/ICMP fragments
 * (reference 5.2). Later UDP fragments never get here: they follow their first fragment's
 * translation (pipeline.c, frag_follow); one whose first did not pass is dropped here. */
static int nat_out_check(const struct vl_tables *t, const struct vl_natgw *g, const struct pkt *p)
{
	if (!prefix_contains(t->vpcs[g->vpc].cidr, p->src))
		return DROP_NAT_NO_MAPPING; /* NGW_REQUIRES_SOURCE_IN_VPC */
	bool echo_req = (p->flags & PKT_ECHO) && p->icmp_type == ICMP_ECHO_REQUEST;
	if (p->proto != IPPROTO_TCP_ && p->proto != IPPROTO_UDP_ && !echo_req)
		return DROP_NAT_PROTO;
	if ((p->flags & PKT_FRAG) && (p->proto != IPPROTO_UDP_ || (p->flags & PKT_LATER_FRAG)))
		return DROP_NAT_FRAGMENT;
	return STAGE_PASS;
}

static void nat_key_out(const struct pkt *p, uint16_t gw, struct nat_map *k)
{
	memset(k, 0, sizeof(*k));
	k->natgw = gw;
	k->proto = p->proto;
	k->int_ip = p->src;
	k->int_port = p->sport;
	k->ext_ip = p->dst;
	k->ext_port = (p->flags & PKT_ECHO) ? 0 : p->dport;
}

/* The NAT's TCP view: enough to count attempts, establishment and active connections. */
static void nat_track_tcp(struct nat_state *n, struct nat_map *m, uint8_t flags, bool from_outside)
{
	uint64_t *c = n->counters[m->natgw];
	if (flags & (TCPF_RST | TCPF_FIN)) {
		if (m->state == NAT_M_ESTABLISHED)
			c[NATC_ActiveConnectionCount]--;
		m->state = NAT_M_CLOSING;
	} else if (from_outside && m->state == NAT_M_OPENING &&
		   (flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK)) {
		m->state = NAT_M_ESTABLISHED;
		c[NATC_ConnectionEstablishedCount]++;
		c[NATC_ActiveConnectionCount]++;
	}
}

/* The router's answer in place of p (ICMP error, RST), routed from the NAT gateway's subnet;
 * the hop is the NAT's drop of p. */
static struct step nat_answer(struct dp_state *s, struct pkt *p, uint16_t gw, int reason)
{
	struct step st = step_next(STEP_ROUTE, s->t->natgws[gw].subnet, VL_NONE);
	step_hop(&st, EX_NAT, reason, gw, -1, 0);
	st.replaced = (int16_t)reason;
	p->origin_port = VL_NONE;
	return st;
}

/* The NAT gateway shows as a traceroute hop: Time Exceeded from its private IP. */
static struct step nat_time_exceeded(struct dp_state *s, struct pkt *p, uint16_t gw)
{
	const struct vl_natgw *g = &s->t->natgws[gw];
	if (reply_icmp_error(p, g->ip, ICMP_TIME_EXCEEDED, 0, 0) < 0)
		return nat_drop(s, gw, DROP_TTL_EXCEEDED);
	return nat_answer(s, p, gw, DROP_TTL_EXCEEDED);
}

/* A segment of a connection the NAT does not know (idle timeout passed): AWS answers RST. */
static struct step nat_late_rst(struct dp_state *s, struct pkt *p, uint16_t gw)
{
	s->nat->counters[gw][NATC_PacketsDropCount]++;
	if (reply_tcp_rst(p) < 0)
		return step_drop_at(EX_NAT, DROP_NAT_NO_MAPPING, gw);
	return nat_answer(s, p, gw, DROP_NAT_NO_MAPPING);
}

static int32_t nat_lookup_out(struct dp_state *s, struct pkt *p, uint16_t gw, uint64_t now,
			      bool *is_new)
{
	struct nat_state *n = s->nat;
	struct nat_map k;
	nat_key_out(p, gw, &k);
	int32_t mi = nat_find_fwd(n, &k);
	bool syn = p->proto == IPPROTO_TCP_ && (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
	if (mi >= 0 && (nat_expired(&n->maps[mi], now) || (syn && n->maps[mi].state == NAT_M_CLOSING))) {
		nat_free(n, (uint32_t)mi);
		mi = -1;
	}
	*is_new = false;
	if (mi >= 0)
		return mi;
	if (p->proto == IPPROTO_TCP_ && !syn)
		return -ENOENT;
	mi = nat_alloc(n, &k, now);
	if (mi >= 0) {
		*is_new = true;
		if (syn)
			n->counters[gw][NATC_ConnectionAttemptCount]++;
	}
	return mi;
}

struct step natgw_out(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now)
{
	const struct vl_natgw *g = &s->t->natgws[natgw];
	uint64_t *c = s->nat->counters[natgw];
	c[NATC_PacketsInFromSource]++;
	c[NATC_BytesInFromSource] += ip_bytes(p);
	int v = nat_out_check(s->t, g, p);
	if (v != STAGE_PASS)
		return nat_drop(s, natgw, v);
	if (p->ttl <= 1)
		return nat_time_exceeded(s, p, natgw);
	bool is_new;
	int32_t mi = nat_lookup_out(s, p, natgw, now, &is_new);
	if (mi == -ENOENT)
		return nat_late_rst(s, p, natgw);
	if (mi < 0) {
		c[NATC_ErrorPortAllocation]++;
		return nat_drop(s, natgw, DROP_NAT_PORT_ALLOC);
	}
	struct nat_map *m = &s->nat->maps[mi];
	m->last_seen = now;
	if (p->proto == IPPROTO_TCP_)
		nat_track_tcp(s->nat, m, p->tcp_flags, false);
	ttl_dec(p);
	rewrite_addr(p, true, g->ip);
	rewrite_port(p, true, m->nat_port);
	p->origin_port = VL_NONE;
	c[NATC_PacketsOutToDestination]++;
	c[NATC_BytesOutToDestination] += ip_bytes(p);
	struct step st = step_next(STEP_ROUTE, g->subnet, VL_NONE);
	step_hop(&st, EX_NAT, STAGE_PASS, natgw, mi, is_new ? EXF_NEW_FLOW : EXF_TRACKED);
	step_header(&st, p);
	return st;
}

/* An ICMP error from the internet about a translated flow: translate the quoted packet back
 * too, so that path MTU discovery and traceroute work through the NAT gateway. */
static struct step nat_error_in(struct dp_state *s, struct pkt *p, struct icmp_inner *in,
				uint16_t natgw, uint64_t now)
{
	uint16_t ext_port = in->proto == IPPROTO_ICMP_ ? 0 : in->dport;
	int32_t mi = in->has_ports ? nat_find_rev(s->nat, natgw, in->proto, in->dst, ext_port, in->sport) : -1;
	if (mi < 0 || nat_expired(&s->nat->maps[mi], now))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING);
	const struct nat_map *m = &s->nat->maps[mi];
	rewrite_addr(p, false, m->int_ip);
	icmp_inner_rewrite(p, in, 1, m->int_ip, m->int_port);
	struct step st = step_next(STEP_ROUTE, s->t->natgws[natgw].subnet, VL_NONE);
	step_hop(&st, EX_NAT, STAGE_PASS, natgw, mi, EXF_TRACKED);
	return st;
}

struct step natgw_return(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now)
{
	const struct vl_natgw *g = &s->t->natgws[natgw];
	uint64_t *c = s->nat->counters[natgw];
	c[NATC_PacketsInFromDestination]++;
	c[NATC_BytesInFromDestination] += ip_bytes(p);
	struct icmp_inner in;
	if (icmp_inner_parse(p, &in))
		return nat_error_in(s, p, &in, natgw, now);
	bool echo_reply = (p->flags & PKT_ECHO) && p->icmp_type == ICMP_ECHO_REPLY;
	if (!(p->flags & PKT_L4) || (p->proto == IPPROTO_ICMP_ && !echo_reply))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING); /* it answers no ping itself */
	uint16_t ext_port = p->proto == IPPROTO_ICMP_ ? 0 : p->sport;
	int32_t mi = nat_find_rev(s->nat, natgw, p->proto, p->src, ext_port, p->dport);
	if (mi < 0 || nat_expired(&s->nat->maps[mi], now))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING);
	struct nat_map *m = &s->nat->maps[mi];
	m->last_seen = now;
	if (p->proto == IPPROTO_TCP_)
		nat_track_tcp(s->nat, m, p->tcp_flags, true);
	if (p->ttl <= 1)
		return nat_drop(s, natgw, DROP_TTL_EXCEEDED);
	ttl_dec(p);
	rewrite_addr(p, false, m->int_ip);
	rewrite_port(p, false, m->int_port);
	c[NATC_PacketsOutToSource]++;
	c[NATC_BytesOutToSource] += ip_bytes(p);
	struct step st = step_next(STEP_ROUTE, g->subnet, VL_NONE);
	step_hop(&st, EX_NAT, STAGE_PASS, natgw, mi, EXF_TRACKED);
	step_header(&st, p);
	return st;
}

struct step natgw_private(struct dp_state *s, struct pkt *p, uint16_t natgw)
{
	(void)p;
	/* AWS: a NAT gateway answers nothing on its private IP (no ping, no service). */
	return nat_drop(s, natgw, DROP_NAT_NO_MAPPING);
}

struct step natgw_error_back(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now)
{
	struct icmp_inner in;
	if (!icmp_inner_parse(p, &in))
		return nat_drop(s, natgw, DROP_MTU_EXCEEDED);
	return nat_error_in(s, p, &in, natgw, now);
}

int nat_state_copy(struct dp_state *dst, const struct dp_state *src)
{
	int rc = nat_state_init(dst);
	const struct nat_state *a = src->nat;
	struct nat_state *b = dst->nat;
	if (rc < 0 || !a)
		return rc;
	memcpy(b->fwd, a->fwd, (size_t)NAT_CAPACITY * sizeof(*b->fwd));
	memcpy(b->rev, a->rev, (size_t)NAT_CAPACITY * sizeof(*b->rev));
	memcpy(b->maps, a->maps, (size_t)NAT_CAPACITY * sizeof(*b->maps));
	memcpy(b->counters, a->counters, (a->n_natgws ? a->n_natgws : 1) * sizeof(*b->counters));
	b->used = a->used;
	b->free_head = a->free_head;
	b->port_lo = a->port_lo;
	b->port_hi = a->port_hi;
	return 0;
}

uint64_t nat_counter_get(const struct nat_state *n, uint16_t gw, enum nat_counter c)
{
	return n && gw < n->n_natgws && (unsigned)c < NATC__COUNT ? n->counters[gw][c] : 0;
}

int nat_foreach(const struct nat_state *n, int (*fn)(void *ctx, const struct nat_map *m), void *ctx)
{
	for (uint32_t i = 0; n && i < n->capacity; i++) {
		if (n->maps[i].state == NAT_M_FREE)
			continue;
		int rc = fn(ctx, &n->maps[i]);
		if (rc)
			return rc;
	}
	return 0;
}
