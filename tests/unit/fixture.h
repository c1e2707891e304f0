/* Shared helpers for the data-plane unit suites (header only: the Makefile compiles just
 * tests/unit/test_*.c and runner.c). Three parts:
 *  - fx_*: a builder that makes a struct vl_tables by hand, laid out as control/compile.c lays
 *    it out (route tables with the local route first, ACL rules sorted by number inside their
 *    direction, SG rules in/out per group), then calls dp_tables_prepare;
 *  - frame builders (Ethernet + IPv4 + TCP/UDP/ICMP, ARP) with correct checksums computed by the
 *    reference functions here, never by dataplane/csum.c;
 *  - ref_*: the reference checksum arithmetic and verifiers, and a small deterministic PRNG. */
#ifndef VPCLAB_TEST_FIXTURE_H
#define VPCLAB_TEST_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ct.h"
#include "dataplane/parse.h"
#include "dataplane/pipeline.h"
#include "dataplane/pkt.h"
#include "dataplane/tables.h"
#include "vpclab/addr.h"
#include "vpclab/tables.h"

/* ---------------------------------------------------------------- PRNG (xorshift64*) */

struct rng {
	uint64_t s;
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!r->s)
		r->s = 1;
}

static inline uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t rng_u32(struct rng *r)
{
	return (uint32_t)(rng_next(r) >> 32);
}

/* Uniform in [0, n). n > 0. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline void rng_bytes(struct rng *r, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(rng_next(r) >> 56);
}

/* ---------------------------------------------------------------- addresses */

static inline uint32_t fx_ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_msg(addr_parse(s, &a) == 0, "fixture: bad address %s", s);
	return a;
}

static inline struct prefix4 fx_pfx(const char *s)
{
	struct prefix4 p = {0, 0};
	ck_assert_msg(prefix_parse(s, &p, false) == 0, "fixture: bad prefix %s", s);
	return p;
}

#define FX_S(sec) ((uint64_t)(sec) * NS_PER_S)

/* ---------------------------------------------------------------- reference checksums */

/* One's-complement sum of 16-bit big-endian words, folded to 16 bits, not complemented. */
static inline uint32_t ref_sum(const uint8_t *b, size_t len, uint32_t init)
{
	uint64_t s = init;
	size_t i;
	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (i < len)
		s += (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline uint16_t ref_csum(const uint8_t *b, size_t len, uint32_t init)
{
	return (uint16_t)~ref_sum(b, len, init);
}

/* The IPv4 pseudo-header sum (folded, not complemented). */
static inline uint32_t ref_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint32_t l4len)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + l4len;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

static inline uint16_t ref_rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t ref_rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void ref_wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void ref_wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* The IPv4 header checksum frame should carry (recomputed with the field taken as zero). */
static inline uint16_t ref_ip_csum(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14;
	unsigned ihl = (ip[0] & 15u) * 4u;
	uint8_t h[60];
	memcpy(h, ip, ihl);
	h[10] = h[11] = 0;
	return ref_csum(h, ihl, 0);
}

static inline bool ref_ip_csum_ok(const uint8_t *frame)
{
	return ref_rd16(frame + 14 + 10) == ref_ip_csum(frame);
}

/* Offset of the L4 checksum field from frame[0] for TCP/UDP/ICMP, or 0. */
static inline size_t ref_l4_csum_off(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14;
	size_t l4 = 14 + (ip[0] & 15u) * 4u;
	switch (ip[9]) {
	case 6: return l4 + 16;
	case 17: return l4 + 6;
	case 1: return l4 + 2;
	default: return 0;
	}
}

/* The L4 checksum the datagram in frame should carry, computed over the IP total length
 * (TCP/UDP with the pseudo header, ICMP without). UDP: a computed 0 is sent as 0xffff. */
static inline uint16_t ref_l4_csum(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14;
	unsigned ihl = (ip[0] & 15u) * 4u;
	uint32_t l4len = ref_rd16(ip + 2) - ihl;
	size_t off = ref_l4_csum_off(frame);
	uint8_t *copy = malloc(l4len ? l4len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, ip + ihl, l4len);
	size_t rel = off - 14 - ihl;
	copy[rel] = copy[rel + 1] = 0;
	uint32_t init = ip[9] == 1 ? 0 : ref_pseudo(ref_rd32(ip + 12), ref_rd32(ip + 16), ip[9], l4len);
	uint16_t c = ref_csum(copy, l4len, init);
	free(copy);
	if (ip[9] == 17 && c == 0)
		c = 0xffff;
	return c;
}

static inline bool ref_l4_csum_ok(const uint8_t *frame)
{
	return ref_rd16(frame + ref_l4_csum_off(frame)) == ref_l4_csum(frame);
}

/* ---------------------------------------------------------------- frame builders */

#define FX_ROUTER_MAC {0x02, 0x56, 0x4c, 0xff, 0xff, 0xfe}

struct fx_frame {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t ethertype;      /* 0: IPv4 */
	uint8_t version;         /* 0: 4 */
	uint8_t ihl;             /* in 32-bit words; 0: 5 */
	uint8_t ttl;             /* 0: 64 */
	uint8_t proto;
	uint16_t frag;           /* flags (0x4000 DF, 0x2000 MF) | offset in 8-byte units */
	uint16_t ip_id;          /* IPv4 identification; 0: 0x1234 */
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	uint16_t payload;        /* bytes after the L4 header (all of the IP payload in later fragments) */
	bool udp_no_csum;        /* UDP: send checksum 0 (none) */
	bool bad_csum;           /* leave the L4 checksum wrong */
};

static inline size_t fx_l4_hdr_len(uint8_t proto)
{
	return proto == 6 ? 20 : proto == 17 ? 8 : proto == 1 ? 8 : 0;
}

/* Writes the frame into buf (cap bytes) and returns its length. */
static inline size_t fx_build(uint8_t *buf, size_t cap, const struct fx_frame *f)
{
	unsigned ihl = (f->ihl ? f->ihl : 5) * 4u;
	bool later = (f->frag & 0x1fff) != 0;
	size_t l4h = later ? 0 : fx_l4_hdr_len(f->proto);
	size_t len = 14 + ihl + l4h + f->payload;
	ck_assert_uint_le(len, cap);
	ck_assert_uint_le(len - 14, 65535);
	memset(buf, 0, len);
	memcpy(buf, f->dst_mac, 6);
	memcpy(buf + 6, f->src_mac, 6);
	ref_wr16(buf + 12, f->ethertype ? f->ethertype : 0x0800);
	uint8_t *ip = buf + 14;
	ip[0] = (uint8_t)((f->version ? f->version : 4) << 4 | ihl / 4);
	ip[1] = 0;
	ref_wr16(ip + 2, (uint16_t)(len - 14));
	ref_wr16(ip + 4, f->ip_id ? f->ip_id : 0x1234);
	ref_wr16(ip + 6, f->frag);
	ip[8] = f->ttl ? f->ttl : 64;
	ip[9] = f->proto;
	ref_wr32(ip + 12, f->src);
	ref_wr32(ip + 16, f->dst);
	for (unsigned i = 20; i < ihl; i++)
		ip[i] = 1; /* NOP options */
	uint8_t *l4 = ip + ihl;
	uint8_t *pl = l4 + l4h;
	for (size_t i = 0; i < f->payload; i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	if (!later) {
		switch (f->proto) {
		case 6:
			ref_wr16(l4, f->sport);
			ref_wr16(l4 + 2, f->dport);
			ref_wr32(l4 + 4, 0x01020304);
			ref_wr32(l4 + 8, (f->tcp_flags & 0x10) ? 0x0a0b0c0d : 0);
			l4[12] = 5 << 4;
			l4[13] = f->tcp_flags;
			ref_wr16(l4 + 14, 64240);
			break;
		case 17:
			ref_wr16(l4, f->sport);
			ref_wr16(l4 + 2, f->dport);
			ref_wr16(l4 + 4, (uint16_t)(8 + f->payload));
			break;
		case 1:
			l4[0] = f->icmp_type;
			l4[1] = f->icmp_code;
			ref_wr16(l4 + 4, f->icmp_id);
			ref_wr16(l4 + 6, f->icmp_seq);
			break;
		default:
			break;
		}
	}
	ref_wr16(ip + 10, ref_ip_csum(buf));
	if (!later && !(f->frag & 0x2000) && l4h) {
		uint16_t c = ref_l4_csum(buf);
		if (f->proto == 17 && f->udp_no_csum)
			c = 0;
		if (f->bad_csum)
			c ^= 0x5a5a;
		ref_wr16(buf + ref_l4_csum_off(buf), c);
	}
	return len;
}

/* An ARP request (op 1) or other op, Ethernet broadcast, 42 bytes. */
static inline size_t fx_build_arp(uint8_t *buf, const uint8_t sha[6], uint32_t spa, uint32_t tpa,
				  uint16_t op)
{
	memset(buf, 0xff, 6);
	memcpy(buf + 6, sha, 6);
	ref_wr16(buf + 12, 0x0806);
	uint8_t *a = buf + 14;
	ref_wr16(a, 1);
	ref_wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	ref_wr16(a + 6, op);
	memcpy(a + 8, sha, 6);
	ref_wr32(a + 14, spa);
	memset(a + 18, 0, 6);
	ref_wr32(a + 24, tpa);
	return 42;
}

/* ---------------------------------------------------------------- table builder */

#define FX_MAX 64
#define FX_MAX_RULES 64

enum fx_dir { FX_IN = 0, FX_OUT = 1 };

struct fx {
	struct vl_tables *t;
	bool built;
	uint16_t main_rt[FX_MAX], default_acl[FX_MAX], default_sg[FX_MAX]; /* per VPC */
	uint32_t n_rt_routes[FX_MAX];
	struct vl_route rt_routes[FX_MAX][FX_MAX_RULES];
	uint32_t n_acl_rules[FX_MAX][2];
	struct vl_acl_rule acl_rules[FX_MAX][2][FX_MAX_RULES];
	uint32_t n_sg_rules[FX_MAX][2];
	struct vl_sg_rule sg_rules[FX_MAX][2][FX_MAX_RULES];
	/* load balancers: staged per load balancer / target group, laid out by fx_done */
	uint32_t n_lb_listeners[FX_MAX], n_lb_nodes[FX_MAX], n_tg_targets[FX_MAX];
	struct vl_listener lb_listeners[FX_MAX][FX_MAX_RULES];
	uint16_t lb_node_ports[FX_MAX][FX_MAX_RULES];
	struct vl_lb_target tg_targets[FX_MAX][FX_MAX_RULES];
};

static inline struct vl_match fx_m_all(void)
{
	return (struct vl_match){.proto = -1, .port_lo = 0, .port_hi = 65535, .icmp_type = -1, .icmp_code = -1};
}

/* TCP (6) or UDP (17) ports lo..hi; for other protocols the ports are ignored by the matcher. */
static inline struct vl_match fx_m(int proto, unsigned lo, unsigned hi)
{
	return (struct vl_match){.proto = (int16_t)proto, .port_lo = (uint16_t)lo, .port_hi = (uint16_t)hi,
				 .icmp_type = -1, .icmp_code = -1};
}

static inline struct vl_match fx_m_icmp(int type, int code)
{
	return (struct vl_match){.proto = 1, .port_lo = 0, .port_hi = 65535, .icmp_type = (int16_t)type,
				 .icmp_code = (int16_t)code};
}

static inline void fx_name(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n > VL_NAME_MAX - 1)
		n = VL_NAME_MAX - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static inline struct fx *fx_new(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	ck_assert_ptr_nonnull(fx);
	struct vl_tables *t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	fx->t = t;
	strcpy(t->lab, "unit");
	t->generation = 1;
	static const uint8_t rmac[6] = FX_ROUTER_MAC;
	memcpy(t->router_mac, rmac, 6);
	t->public_pool = fx_pfx("203.0.113.0/24");
	t->vpcs = calloc(FX_MAX, sizeof(*t->vpcs));
	t->subnets = calloc(FX_MAX, sizeof(*t->subnets));
	t->route_tables = calloc(FX_MAX, sizeof(*t->route_tables));
	t->acls = calloc(FX_MAX, sizeof(*t->acls));
	t->sgs = calloc(FX_MAX, sizeof(*t->sgs));
	t->ports = calloc(FX_MAX, sizeof(*t->ports));
	t->natgws = calloc(FX_MAX, sizeof(*t->natgws));
	t->eips = calloc(FX_MAX, sizeof(*t->eips));
	t->lbs = calloc(FX_MAX, sizeof(*t->lbs));
	t->tgs = calloc(FX_MAX, sizeof(*t->tgs));
	ck_assert(t->vpcs && t->subnets && t->route_tables && t->acls && t->sgs && t->ports &&
		  t->natgws && t->eips && t->lbs && t->tgs);
	return fx;
}

static inline void fx_free(struct fx *fx)
{
	if (!fx)
		return;
	vl_tables_free(fx->t);
	free(fx);
}

static inline void fx_route(struct fx *fx, uint16_t rt, const char *dst, enum vl_target kind,
			    uint16_t target)
{
	ck_assert_uint_lt(rt, fx->t->n_route_tables);
	uint32_t n = fx->n_rt_routes[rt]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->rt_routes[rt][n] = (struct vl_route){.dst = fx_pfx(dst), .kind = (uint8_t)kind, .target = target};
}

/* A route table of vpc with its local route first (compile.c's layout). */
static inline uint16_t fx_route_table(struct fx *fx, uint16_t vpc, const char *name)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_route_tables, FX_MAX);
	uint16_t i = t->n_route_tables++;
	fx_name(t->route_tables[i].name, name);
	t->route_tables[i].vpc = vpc;
	t->route_tables[i].lpm_root = -1;
	char buf[20];
	fx_route(fx, i, prefix_fmt(t->vpcs[vpc].cidr, buf), VL_T_LOCAL, VL_NONE);
	return i;
}

/* A custom ACL: no rules, so it denies everything both ways. */
static inline uint16_t fx_acl(struct fx *fx, uint16_t vpc, const char *name)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_acls, FX_MAX);
	uint16_t i = t->n_acls++;
	fx_name(t->acls[i].name, name);
	t->acls[i].vpc = vpc;
	return i;
}

static inline void fx_acl_rule(struct fx *fx, uint16_t acl, enum fx_dir dir, uint16_t number, bool allow,
			       struct vl_match m, const char *cidr)
{
	ck_assert_uint_lt(acl, fx->t->n_acls);
	uint32_t n = fx->n_acl_rules[acl][dir]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->acl_rules[acl][dir][n] =
		(struct vl_acl_rule){.number = number, .allow = allow ? 1 : 0, .m = m, .cidr = fx_pfx(cidr)};
}

static inline void fx_acl_allow_all(struct fx *fx, uint16_t acl)
{
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m_all(), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 100, true, fx_m_all(), "0.0.0.0/0");
}

/* A security group with no rules. */
static inline uint16_t fx_sg(struct fx *fx, uint16_t vpc, const char *name)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_sgs, FX_MAX);
	uint16_t i = t->n_sgs++;
	fx_name(t->sgs[i].name, name);
	t->sgs[i].vpc = vpc;
	return i;
}

/* Adds a CIDR rule; returns its 1-based index in its group and direction. */
static inline uint16_t fx_sg_rule(struct fx *fx, uint16_t sg, enum fx_dir dir, struct vl_match m,
				  const char *cidr)
{
	ck_assert_uint_lt(sg, fx->t->n_sgs);
	uint32_t n = fx->n_sg_rules[sg][dir]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->sg_rules[sg][dir][n] = (struct vl_sg_rule){.m = m, .cidr = fx_pfx(cidr), .peer_sg = VL_NONE,
						       .index = (uint16_t)(n + 1)};
	return (uint16_t)(n + 1);
}

/* Adds a group-reference rule (peer = the members of group peer_sg). */
static inline uint16_t fx_sg_rule_ref(struct fx *fx, uint16_t sg, enum fx_dir dir, struct vl_match m,
				      uint16_t peer_sg)
{
	ck_assert_uint_lt(sg, fx->t->n_sgs);
	uint32_t n = fx->n_sg_rules[sg][dir]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->sg_rules[sg][dir][n] = (struct vl_sg_rule){.m = m, .cidr = {0, 0}, .peer_sg = peer_sg,
						       .index = (uint16_t)(n + 1)};
	return (uint16_t)(n + 1);
}

static inline void fx_sg_open(struct fx *fx, uint16_t sg)
{
	fx_sg_rule(fx, sg, FX_IN, fx_m_all(), "0.0.0.0/0");
	fx_sg_rule(fx, sg, FX_OUT, fx_m_all(), "0.0.0.0/0");
}

/* A VPC with its main route table (local route only), its default ACL (allow all both ways,
 * rule 100) and its default SG (in: all from itself; out: all to 0.0.0.0/0). */
static inline uint16_t fx_vpc(struct fx *fx, const char *name, const char *cidr, bool igw)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_vpcs, FX_MAX);
	uint16_t v = t->n_vpcs++;
	fx_name(t->vpcs[v].name, name);
	t->vpcs[v].cidr = fx_pfx(cidr);
	t->vpcs[v].has_igw = igw ? 1 : 0;
	fx->main_rt[v] = fx_route_table(fx, v, "main");
	fx->default_acl[v] = fx_acl(fx, v, "default");
	fx_acl_allow_all(fx, fx->default_acl[v]);
	uint16_t sg = fx_sg(fx, v, "default");
	fx_sg_rule_ref(fx, sg, FX_IN, fx_m_all(), sg);
	fx_sg_rule(fx, sg, FX_OUT, fx_m_all(), "0.0.0.0/0");
	fx->default_sg[v] = sg;
	return v;
}

/* rt/acl VL_NONE: the VPC's main table / default ACL. */
static inline uint16_t fx_subnet(struct fx *fx, uint16_t vpc, const char *name, const char *cidr,
				 uint16_t rt, uint16_t acl)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_subnets, FX_MAX);
	uint16_t i = t->n_subnets++;
	fx_name(t->subnets[i].name, name);
	t->subnets[i].vpc = vpc;
	t->subnets[i].cidr = fx_pfx(cidr);
	t->subnets[i].route_table = rt == VL_NONE ? fx->main_rt[vpc] : rt;
	t->subnets[i].acl = acl == VL_NONE ? fx->default_acl[vpc] : acl;
	return i;
}

static inline void fx_port_mac(uint16_t index, uint8_t mac[6])
{
	static const uint8_t base[6] = {0x02, 0x56, 0x4c, 0x00, 0x00, 0x00};
	memcpy(mac, base, 6);
	mac[4] = (uint8_t)(index >> 8);
	mac[5] = (uint8_t)index;
}

/* An instance interface in subnet with the VPC's default SG, source/destination check on.
 * public_ip may be NULL. */
static inline uint16_t fx_instance(struct fx *fx, uint16_t subnet, const char *name, const char *ip,
				   const char *public_ip)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_ports, FX_MAX);
	uint16_t i = t->n_ports++;
	struct vl_port *p = &t->ports[i];
	const struct vl_subnet *sn = &t->subnets[subnet];
	fx_name(p->name, name);
	p->kind = VL_PORT_INSTANCE;
	p->src_dst_check = 1;
	fx_port_mac(i, p->mac);
	p->ip = fx_ip(ip);
	ck_assert_msg(prefix_contains(sn->cidr, p->ip), "fixture: %s outside its subnet", ip);
	p->prefix_len = sn->cidr.len;
	p->gateway = sn->cidr.addr + 1;
	p->public_ip = public_ip ? fx_ip(public_ip) : 0;
	p->eip = VL_NONE;
	p->subnet = subnet;
	p->vpc = sn->vpc;
	p->sg_count = 1;
	p->sgs[0] = fx->default_sg[sn->vpc];
	p->mtu = VL_VPC_MTU;
	p->lb = VL_NONE;
	return i;
}

static inline uint16_t fx_inet_host(struct fx *fx, const char *name, const char *ip)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_ports, FX_MAX);
	uint16_t i = t->n_ports++;
	struct vl_port *p = &t->ports[i];
	fx_name(p->name, name);
	p->kind = VL_PORT_INET_HOST;
	p->src_dst_check = 1;
	fx_port_mac(i, p->mac);
	p->ip = fx_ip(ip);
	p->prefix_len = 32; /* a device route: it ARPs for every address */
	p->gateway = (p->ip & 0xffffff00u) | 1;
	p->public_ip = 0;
	p->eip = VL_NONE;
	p->subnet = VL_NONE;
	p->vpc = VL_NONE;
	p->sg_count = 0;
	p->mtu = VL_IGW_MTU;
	p->lb = VL_NONE;
	return i;
}

/* An elastic IP, associated with a port or a NAT gateway (VL_NONE for neither). */
static inline uint16_t fx_eip(struct fx *fx, const char *name, const char *ip, uint16_t port, uint16_t natgw)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_eips, FX_MAX);
	uint16_t i = t->n_eips++;
	fx_name(t->eips[i].name, name);
	t->eips[i].ip = fx_ip(ip);
	t->eips[i].port = port;
	t->eips[i].natgw = natgw;
	return i;
}

/* A NAT gateway in subnet at ip (no elastic IP unless eip != VL_NONE). */
static inline uint16_t fx_natgw(struct fx *fx, uint16_t subnet, const char *name, const char *ip, uint16_t eip)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_natgws, FX_MAX);
	uint16_t i = t->n_natgws++;
	struct vl_natgw *n = &t->natgws[i];
	fx_name(n->name, name);
	n->subnet = subnet;
	n->vpc = t->subnets[subnet].vpc;
	n->ip = fx_ip(ip);
	n->eip = eip;
	return i;
}

/* ---------------------------------------------------------------- load balancers */

/* The availability zone of subnet (vl_subnet.az). */
static inline void fx_subnet_az(struct fx *fx, uint16_t subnet, const char *az)
{
	fx_name(fx->t->subnets[subnet].az, az);
}

/* A target group of vpc (proto enum vl_lb_proto) with no targets yet; AWS's TCP health check
 * defaults, deregistration delay 300 s. */
static inline uint16_t fx_tg(struct fx *fx, uint16_t vpc, const char *name, uint8_t proto, uint16_t port,
			     bool preserve_client_ip)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_tgs, FX_MAX);
	uint16_t i = t->n_tgs++;
	struct vl_tg *g = &t->tgs[i];
	fx_name(g->name, name);
	g->vpc = vpc;
	g->proto = proto;
	g->port = port;
	g->preserve_client_ip = preserve_client_ip ? 1 : 0;
	g->dereg_delay_s = 300;
	g->hc = (struct vl_health_check){.proto = VL_HC_TCP, .healthy = 5, .unhealthy = 2, .interval_s = 30,
					 .timeout_s = 10};
	return i;
}

/* Registers instance port in group tg (tport 0: the group's port). Returns its index in the
 * group. */
static inline uint32_t fx_tg_target(struct fx *fx, uint16_t tg, uint16_t port, uint16_t tport)
{
	ck_assert_uint_lt(tg, fx->t->n_tgs);
	uint32_t n = fx->n_tg_targets[tg]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->tg_targets[tg][n] = (struct vl_lb_target){.port = port, .tport = tport};
	return n;
}

/* A load balancer of vpc (type enum vl_lb_type), no listeners or nodes yet. */
static inline uint16_t fx_lb(struct fx *fx, uint16_t vpc, const char *name, uint8_t type, bool cross_zone)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(t->n_lbs, FX_MAX);
	uint16_t i = t->n_lbs++;
	struct vl_lb *b = &t->lbs[i];
	fx_name(b->name, name);
	b->vpc = vpc;
	b->type = type;
	b->cross_zone = cross_zone ? 1 : 0;
	snprintf(b->dns, sizeof(b->dns), "%s-0123456789abcdef.elb.us-east-1.amazonaws.com", b->name);
	return i;
}

/* A listener of lb (idle 0: AWS's default, as compile leaves it 350). */
static inline void fx_listener(struct fx *fx, uint16_t lb, uint8_t proto, uint16_t port, uint16_t tg,
			       uint32_t idle_s)
{
	ck_assert_uint_lt(lb, fx->t->n_lbs);
	uint32_t n = fx->n_lb_listeners[lb]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->lb_listeners[lb][n] = (struct vl_listener){.proto = proto, .port = port, .tg = tg,
						       .idle_timeout_s = idle_s ? idle_s : 350};
}

/* lb's node in subnet: an interface at ip (public_ip may be NULL), no security groups (a
 * network load balancer's default); fx_port_sg gives it some. */
static inline uint16_t fx_lb_node(struct fx *fx, uint16_t lb, uint16_t subnet, const char *ip,
				  const char *public_ip)
{
	struct vl_tables *t = fx->t;
	ck_assert_uint_lt(lb, t->n_lbs);
	uint16_t i = fx_instance(fx, subnet, t->lbs[lb].name, ip, public_ip);
	struct vl_port *p = &t->ports[i];
	p->kind = VL_PORT_LB_NODE;
	p->sg_count = 0;
	p->lb = lb;
	uint32_t n = fx->n_lb_nodes[lb]++;
	ck_assert_uint_lt(n, FX_MAX_RULES);
	fx->lb_node_ports[lb][n] = i;
	return i;
}

/* Replaces the port's groups with exactly the n given. */
static inline void fx_port_sgs(struct fx *fx, uint16_t port, uint16_t n, const uint16_t *sgs)
{
	struct vl_port *p = &fx->t->ports[port];
	ck_assert_uint_le(n, VL_MAX_PORT_SGS);
	p->sg_count = n;
	for (uint16_t i = 0; i < n; i++)
		p->sgs[i] = sgs[i];
}

static inline void fx_port_sg(struct fx *fx, uint16_t port, uint16_t sg)
{
	fx_port_sgs(fx, port, 1, &sg);
}

/* Lays the staged routes and rules out contiguously (ACL rules sorted by number within their
 * direction, as compile.c does), then dp_tables_prepare. Returns the tables (owned by fx). */
static inline struct vl_tables *fx_done(struct fx *fx)
{
	struct vl_tables *t = fx->t;
	ck_assert(!fx->built);
	fx->built = true;
	uint32_t nr = 0, na = 0, ns = 0;
	for (uint16_t i = 0; i < t->n_route_tables; i++)
		nr += fx->n_rt_routes[i];
	for (uint16_t i = 0; i < t->n_acls; i++)
		na += fx->n_acl_rules[i][0] + fx->n_acl_rules[i][1];
	for (uint16_t i = 0; i < t->n_sgs; i++)
		ns += fx->n_sg_rules[i][0] + fx->n_sg_rules[i][1];
	t->routes = calloc(nr ? nr : 1, sizeof(*t->routes));
	t->acl_rules = calloc(na ? na : 1, sizeof(*t->acl_rules));
	t->sg_rules = calloc(ns ? ns : 1, sizeof(*t->sg_rules));
	ck_assert(t->routes && t->acl_rules && t->sg_rules);
	for (uint16_t i = 0; i < t->n_route_tables; i++) {
		t->route_tables[i].route_first = t->n_routes;
		t->route_tables[i].route_count = fx->n_rt_routes[i];
		for (uint32_t k = 0; k < fx->n_rt_routes[i]; k++)
			t->routes[t->n_routes++] = fx->rt_routes[i][k];
	}
	for (uint16_t i = 0; i < t->n_acls; i++) {
		for (int d = 0; d < 2; d++) {
			uint32_t first = t->n_acl_rules, n = fx->n_acl_rules[i][d];
			for (uint32_t k = 0; k < n; k++) {
				/* insertion sort by number, stable */
				struct vl_acl_rule r = fx->acl_rules[i][d][k];
				uint32_t j = t->n_acl_rules++;
				while (j > first && t->acl_rules[j - 1].number > r.number) {
					t->acl_rules[j] = t->acl_rules[j - 1];
					j--;
				}
				t->acl_rules[j] = r;
			}
			if (d == FX_IN) {
				t->acls[i].in_first = first;
				t->acls[i].in_count = n;
			} else {
				t->acls[i].out_first = first;
				t->acls[i].out_count = n;
			}
		}
	}
	for (uint16_t i = 0; i < t->n_sgs; i++) {
		for (int d = 0; d < 2; d++) {
			uint32_t first = t->n_sg_rules, n = fx->n_sg_rules[i][d];
			for (uint32_t k = 0; k < n; k++)
				t->sg_rules[t->n_sg_rules++] = fx->sg_rules[i][d][k];
			if (d == FX_IN) {
				t->sgs[i].in_first = first;
				t->sgs[i].in_count = n;
			} else {
				t->sgs[i].out_first = first;
				t->sgs[i].out_count = n;
			}
		}
	}
	uint32_t nl = 0, nn = 0, nt = 0;
	for (uint16_t i = 0; i < t->n_lbs; i++)
		nl += fx->n_lb_listeners[i], nn += fx->n_lb_nodes[i];
	for (uint16_t i = 0; i < t->n_tgs; i++)
		nt += fx->n_tg_targets[i];
	t->listeners = calloc(nl ? nl : 1, sizeof(*t->listeners));
	t->lb_nodes = calloc(nn ? nn : 1, sizeof(*t->lb_nodes));
	t->targets = calloc(nt ? nt : 1, sizeof(*t->targets));
	ck_assert(t->listeners && t->lb_nodes && t->targets);
	for (uint16_t i = 0; i < t->n_lbs; i++) {
		t->lbs[i].listener_first = t->n_listeners;
		t->lbs[i].listener_count = fx->n_lb_listeners[i];
		for (uint32_t k = 0; k < fx->n_lb_listeners[i]; k++)
			t->listeners[t->n_listeners++] = fx->lb_listeners[i][k];
		t->lbs[i].node_first = t->n_lb_nodes;
		t->lbs[i].node_count = fx->n_lb_nodes[i];
		for (uint32_t k = 0; k < fx->n_lb_nodes[i]; k++)
			t->lb_nodes[t->n_lb_nodes++] = fx->lb_node_ports[i][k];
	}
	for (uint16_t i = 0; i < t->n_tgs; i++) {
		t->tgs[i].target_first = t->n_targets;
		t->tgs[i].target_count = fx->n_tg_targets[i];
		for (uint32_t k = 0; k < fx->n_tg_targets[i]; k++)
			t->targets[t->n_targets++] = fx->tg_targets[i][k];
	}
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	return t;
}

/* After fx_done: absolute indexes of the things tests name. */
static inline int32_t fx_route_index(const struct fx *fx, uint16_t rt, uint32_t k)
{
	ck_assert(fx->built);
	return (int32_t)(fx->t->route_tables[rt].route_first + k);
}

/* The compiled index of the rule numbered `number` in acl/dir, or -1. */
static inline int32_t fx_acl_rule_index(const struct fx *fx, uint16_t acl, enum fx_dir dir, uint16_t number)
{
	ck_assert(fx->built);
	const struct vl_acl *a = &fx->t->acls[acl];
	uint32_t first = dir == FX_IN ? a->in_first : a->out_first;
	uint32_t count = dir == FX_IN ? a->in_count : a->out_count;
	for (uint32_t i = first; i < first + count; i++)
		if (fx->t->acl_rules[i].number == number)
			return (int32_t)i;
	return -1;
}

/* The compiled index of the 1-based rule idx of group sg in dir. */
static inline int32_t fx_sg_rule_index(const struct fx *fx, uint16_t sg, enum fx_dir dir, uint16_t idx)
{
	ck_assert(fx->built);
	const struct vl_sg *g = &fx->t->sgs[sg];
	uint32_t first = dir == FX_IN ? g->in_first : g->out_first;
	ck_assert_uint_ge(idx, 1);
	ck_assert_uint_le(idx, dir == FX_IN ? g->in_count : g->out_count);
	return (int32_t)(first + idx - 1);
}

/* A frame template from port `from` (its MAC) to the router MAC. */
static inline struct fx_frame fx_from_port(const struct vl_tables *t, uint16_t from)
{
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, t->ports[from].mac, 6);
	memcpy(f.dst_mac, t->router_mac, 6);
	f.src = t->ports[from].ip;
	return f;
}

/* A manual descriptor for stage-level tests (what pkt_parse would fill for a first fragment). */
static inline struct pkt fx_pkt(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				uint8_t tcp_flags)
{
	struct pkt p;
	memset(&p, 0, sizeof(p));
	p.ethertype = 0x0800;
	p.proto = proto;
	p.src = src;
	p.dst = dst;
	p.ttl = 64;
	p.len = 100;
	p.l3_off = 14;
	p.l4_off = 34;
	p.in_port = VL_NONE;
	p.origin_port = VL_NONE;
	if (proto == 6 || proto == 17) {
		p.sport = sport;
		p.dport = dport;
		p.tcp_flags = proto == 6 ? tcp_flags : 0;
		p.flags |= PKT_L4;
	}
	return p;
}

static inline struct pkt fx_pkt_icmp(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, uint16_t id)
{
	struct pkt p = fx_pkt(1, src, 0, dst, 0, 0);
	p.icmp_type = type;
	p.icmp_code = code;
	p.flags |= PKT_L4;
	if (type == 0 || type == 8) {
		p.flags |= PKT_ECHO;
		p.sport = p.dport = id;
	}
	return p;
}

/* The reverse direction of a manual descriptor. */
static inline struct pkt fx_pkt_reverse(const struct pkt *p, uint8_t tcp_flags)
{
	struct pkt r = *p;
	r.src = p->dst;
	r.dst = p->src;
	r.sport = p->dport;
	r.dport = p->sport;
	r.tcp_flags = tcp_flags;
	if (p->proto == 1 && (p->flags & PKT_ECHO))
		r.icmp_type = p->icmp_type == 8 ? 0 : 8;
	return r;
}

#endif
