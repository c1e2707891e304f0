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
#include "nat_table.h"
#include "natgw.h"
#include "reply.h"
#include "rewrite.h"


const char *nat_counter_name(enum nat_counter c)
{
	static const char *const names[] = {
#define NAT_COUNTER_NAME(n) #n,
		NAT_COUNTERS(NAT_COUNTER_NAME)
#undef NAT_COUNTER_NAME
	};
	return (unsigned)c < NATC__COUNT ? names[c] : "?";
}

int nat_state_init(struct dp_state *s)
{
	s->nat = NULL;
	if (s->t->n_natgws == 0)
		return 0; /* nothing to translate: nothing allocated */
	s->nat = nat_table_create(s->t->n_natgws);
	return s->nat ? 0 : -ENOMEM;
}

void nat_state_fini(struct dp_state *s)
{
	nat_table_destroy(s->nat);
	s->nat = NULL;
}

int nat_state_copy(struct dp_state *dst, const struct dp_state *src)
{
	dst->nat = NULL;
	if (!src->nat)
		return 0;
	dst->nat = nat_table_clone(src->nat);
	return dst->nat ? 0 : -ENOMEM;
}

/* A decimal number in [lo, hi], its end in *end; -1 when there is none. */
static long number_in(const char *v, char **end, long lo, long hi)
{
	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	unsigned long x = strtoul(v, end, 10);
	return errno || x < (unsigned long)lo || x > (unsigned long)hi ? -1 : (long)x;
}

int nat_limits_parse(struct nat_limits *l, const char *ports, const char *limit)
{
	struct nat_limits r = *l;
	char *end;
	if (ports && *ports) {
		long lo = number_in(ports, &end, NAT_PORT_LO, NAT_PORT_HI);
		long hi = lo < 0 || *end != '-' ? -1 : number_in(end + 1, &end, lo, NAT_PORT_HI);
		if (hi < 0 || *end)
			return -EINVAL;
		r.port_lo = (uint16_t)lo;
		r.port_hi = (uint16_t)hi;
	}
	if (limit && *limit) {
		long x = number_in(limit, &end, 1, NAT_LIMIT_MAX);
		if (x < 0 || *end)
			return -EINVAL;
		r.limit = (uint32_t)x;
	}
	*l = r;
	return 0;
}

static struct step nat_drop(struct dp_state *s, uint16_t gw, int reason)
{
	nat_table_counters(s->nat, gw)[NATC_PacketsDropCount]++;
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
	uint64_t *c = nat_table_counters(n, m->natgw);
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
	nat_table_counters(s->nat, gw)[NATC_PacketsDropCount]++;
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
	int32_t mi = nat_table_find_fwd(n, &k);
	bool syn = p->proto == IPPROTO_TCP_ && (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
	const struct nat_map *old = mi >= 0 ? nat_table_at(n, (uint32_t)mi) : NULL;
	if (old && (nat_expired(old, now) || (syn && old->state == NAT_M_CLOSING))) {
		nat_table_free(n, (uint32_t)mi);
		mi = -1;
	}
	*is_new = false;
	if (mi >= 0)
		return mi;
	if (p->proto == IPPROTO_TCP_ && !syn)
		return -ENOENT;
	mi = nat_table_alloc(n, &k, now);
	if (mi >= 0) {
		*is_new = true;
		if (syn)
			nat_table_counters(n, gw)[NATC_ConnectionAttemptCount]++;
	}
	return mi;
}

struct step natgw_out(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now)
{
	const struct vl_natgw *g = &s->t->natgws[natgw];
	uint64_t *c = nat_table_counters(s->nat, natgw);
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
	if (mi == -ENOSPC)
		return nat_drop(s, natgw, DROP_NAT_FULL); /* the lab's limit, not the destination's */
	if (mi < 0) {
		c[NATC_ErrorPortAllocation]++;
		return nat_drop(s, natgw, DROP_NAT_PORT_ALLOC);
	}
	struct nat_map *m = nat_table_at(s->nat, (uint32_t)mi);
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
	int32_t mi = in->has_ports ? nat_table_find_rev(s->nat, natgw, in->proto, in->dst, ext_port, in->sport) : -1;
	if (mi < 0 || nat_expired(nat_table_at(s->nat, (uint32_t)mi), now))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING);
	const struct nat_map *m = nat_table_at(s->nat, (uint32_t)mi);
	rewrite_addr(p, false, m->int_ip);
	icmp_inner_rewrite(p, in, 1, m->int_ip, m->int_port);
	struct step st = step_next(STEP_ROUTE, s->t->natgws[natgw].subnet, VL_NONE);
	step_hop(&st, EX_NAT, STAGE_PASS, natgw, mi, EXF_TRACKED);
	return st;
}

struct step natgw_return(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now)
{
	const struct vl_natgw *g = &s->t->natgws[natgw];
	uint64_t *c = nat_table_counters(s->nat, natgw);
	c[NATC_PacketsInFromDestination]++;
	c[NATC_BytesInFromDestination] += ip_bytes(p);
	struct icmp_inner in;
	if (icmp_inner_parse(p, &in))
		return nat_error_in(s, p, &in, natgw, now);
	bool echo_reply = (p->flags & PKT_ECHO) && p->icmp_type == ICMP_ECHO_REPLY;
	if (!(p->flags & PKT_L4) || (p->proto == IPPROTO_ICMP_ && !echo_reply))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING); /* it answers no ping itself */
	uint16_t ext_port = p->proto == IPPROTO_ICMP_ ? 0 : p->sport;
	int32_t mi = nat_table_find_rev(s->nat, natgw, p->proto, p->src, ext_port, p->dport);
	if (mi < 0 || nat_expired(nat_table_at(s->nat, (uint32_t)mi), now))
		return nat_drop(s, natgw, DROP_NAT_NO_MAPPING);
	struct nat_map *m = nat_table_at(s->nat, (uint32_t)mi);
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
