/* dataplane/dns.c through pipeline.c: the VPC resolver on the packet path, on crafted frames and
 * hand-built tables. Queries to base+2 and 169.254.169.253 reach the resolver port rewritten to
 * the VPC's resolver address, unfiltered, throttled per interface; answers come back with their
 * source restored; nothing is tracked or flow-logged.
 *
 * VPC a 10.0.0.0/16 (support on)      VPC b 10.0.0.0/16 (support on, overlaps a)
 *   s1 10.0.1.0/24 ACL denies all        sb 10.0.1.0/24 ACL denies all: b1 10.0.1.10
 *      a1 10.0.1.10, SG without rules
 *   s2 10.0.2.0/24 open: a2 10.0.2.10    VPC c 10.1.0.0/16 (support off): c1 10.1.1.10
 * internet: h1 198.51.100.10; the resolver port amazon-dns at 192.0.2.53. */
#include <check.h>
#include <errno.h>
#include <stdio.h>

#include "control/tools/trace.h"
#include "dataplane/dns.h"
#include "dataplane/flowlog.h"
#include "fixture.h"

Suite *suite_dns_path(void);

static struct world {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t va, vb, vc;
	uint16_t a1, a2, b1, c1, h1, res;
	uint8_t buf[2048];
	size_t len;
	struct pkt p;
	struct explain ex;
} w;

/* with_resolver false: the same lab without the resolver port's kind (as before it existed). */
static void world(bool with_resolver)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	w.va = fx_vpc(fx, "a", "10.0.0.0/16", true);
	w.vb = fx_vpc(fx, "b", "10.0.0.0/16", false);
	w.vc = fx_vpc(fx, "c", "10.1.0.0/16", false);
	fx->t->vpcs[w.va].dns_support = fx->t->vpcs[w.vb].dns_support = 1;
	uint16_t closed_a = fx_acl(fx, w.va, "deny-all-a"), closed_b = fx_acl(fx, w.vb, "deny-all-b");
	uint16_t open = fx_acl(fx, w.va, "open");
	fx_acl_allow_all(fx, open);
	uint16_t s1 = fx_subnet(fx, w.va, "s1", "10.0.1.0/24", VL_NONE, closed_a);
	uint16_t s2 = fx_subnet(fx, w.va, "s2", "10.0.2.0/24", VL_NONE, open);
	uint16_t sb = fx_subnet(fx, w.vb, "sb", "10.0.1.0/24", VL_NONE, closed_b);
	uint16_t sc = fx_subnet(fx, w.vc, "sc", "10.1.1.0/24", VL_NONE, VL_NONE);
	uint16_t none = fx_sg(fx, w.va, "none"), openg = fx_sg(fx, w.va, "open");
	uint16_t noneb = fx_sg(fx, w.vb, "none");
	fx_sg_open(fx, openg);
	w.a1 = fx_instance(fx, s1, "a1", "10.0.1.10", NULL);
	w.a2 = fx_instance(fx, s2, "a2", "10.0.2.10", NULL);
	w.b1 = fx_instance(fx, sb, "b1", "10.0.1.10", NULL);
	w.c1 = fx_instance(fx, sc, "c1", "10.1.1.10", NULL);
	fx_port_sg(fx, w.a1, none);
	fx_port_sg(fx, w.a2, openg);
	fx_port_sg(fx, w.b1, noneb);
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.res = fx_inet_host(fx, VL_RESOLVER_NAME, "192.0.2.53");
	if (with_resolver)
		fx->t->ports[w.res].kind = VL_PORT_RESOLVER;
	fx->t->resolver_port = with_resolver ? w.res : VL_NONE;
	w.t = fx_done(fx);
	w.s = dp_state_create(w.t, 4096);
	ck_assert_ptr_nonnull(w.s);
}

static void teardown(void)
{
	if (w.s)
		flowlog_destroy(w.s->flowlog), w.s->flowlog = NULL;
	dp_state_destroy(w.s);
	fx_free(w.fx);
	memset(&w, 0, sizeof(w));
}

static uint32_t ip_of(uint16_t port)
{
	return w.t->ports[port].ip;
}

/* A UDP (17) or TCP (6) frame from port `from`'s MAC; src given (the resolver sends from
 * several addresses). */
static struct fx_frame frame(uint16_t from, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
			     uint16_t dport)
{
	struct fx_frame f = fx_from_port(w.t, from);
	f.proto = proto;
	f.src = src;
	f.dst = dst;
	f.sport = sport;
	f.dport = dport;
	f.tcp_flags = proto == 6 ? TCPF_SYN : 0;
	f.payload = proto == 1 ? 0 : 29; /* about a query's size */
	return f;
}

static struct verdict run_at(uint16_t in_port, const struct fx_frame *f, uint64_t now)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, in_port), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

static struct verdict query(uint16_t from, uint8_t proto, uint32_t dst, uint16_t dport, uint64_t now)
{
	struct fx_frame f = frame(from, proto, ip_of(from), 5353, dst, dport);
	return run_at(from, &f, now);
}

static struct verdict from_resolver(uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct fx_frame f = frame(w.res, proto, src, sport, dst, dport);
	return run_at(w.res, &f, FX_S(5));
}

static const struct explain_hop *find_hop(enum explain_stage st)
{
	for (unsigned i = 0; i < w.ex.n; i++)
		if (w.ex.hop[i].stage == st)
			return &w.ex.hop[i];
	return NULL;
}

static bool filtered(void)
{
	return find_hop(EX_SG_OUT) || find_hop(EX_SG_IN) || find_hop(EX_NACL_OUT) || find_hop(EX_NACL_IN) ||
	       find_hop(EX_ROUTE);
}

/* Forwarded to port with src/dst as given, MACs for the port, both checksums right, a dns hop
 * for vpc and at, and no SG, ACL or route on the way. */
static void expect_to(struct verdict v, uint16_t port, uint32_t src, uint32_t dst, uint16_t vpc, int at)
{
	ck_assert_msg(v.action == VERDICT_FORWARD, "expected forward to %u, got action %u reason %s", port,
		      v.action, v.action == VERDICT_DROP ? drop_reason_name((enum drop_reason)v.reason) : "-");
	ck_assert_uint_eq(v.out_port, port);
	ck_assert_mem_eq(w.buf, w.t->ports[port].mac, 6);
	ck_assert_mem_eq(w.buf + 6, w.t->router_mac, 6);
	ck_assert_uint_eq(ref_rd32(w.buf + 14 + 12), src);
	ck_assert_uint_eq(ref_rd32(w.buf + 14 + 16), dst);
	ck_assert(ref_ip_csum_ok(w.buf));
	ck_assert(ref_l4_csum_ok(w.buf));
	const struct explain_hop *h = find_hop(EX_DNS);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->verdict, STAGE_PASS);
	ck_assert_uint_eq(h->obj, vpc);
	ck_assert_int_eq(h->rule, at);
	ck_assert(h->has_hdr && h->src == src && h->dst == dst);
	ck_assert_int_eq(w.ex.hop[w.ex.n - 1].stage, EX_DELIVER);
	ck_assert(!filtered());
}

static void expect_drop(struct verdict v, enum drop_reason reason, enum explain_stage st)
{
	ck_assert_msg(v.action == VERDICT_DROP && v.reason == reason, "expected drop %s, got action %u %s",
		      drop_reason_name(reason), v.action, drop_reason_name((enum drop_reason)v.reason));
	ck_assert(w.ex.n > 0);
	ck_assert_int_eq(w.ex.hop[w.ex.n - 1].stage, st);
	ck_assert_int_eq(w.ex.hop[w.ex.n - 1].verdict, reason);
}

static uint32_t ct_used(void)
{
	return ct_pool_used(w.s->ct);
}

START_TEST(query_to_base2_reaches_the_resolver_unfiltered)
{
	world(true);
	uint32_t base2 = fx_ip("10.0.0.2");
	expect_to(query(w.a1, 17, base2, 53, FX_S(1)), w.res, ip_of(w.a1), vl_resolver_addr(w.va, VL_AT_BASE2),
		  w.va, VL_AT_BASE2);
	ck_assert_uint_eq(vl_resolver_addr(w.va, VL_AT_BASE2), fx_ip("169.254.253.2"));
	expect_to(query(w.a1, 6, base2, 53, FX_S(1)), w.res, ip_of(w.a1), fx_ip("169.254.253.2"), w.va, VL_AT_BASE2);
	ck_assert_uint_eq(ct_used(), 0);
	/* the subnet's own base+2 is not the resolver (AWS: the VPC's base+2 only) */
	expect_drop(query(w.a2, 17, fx_ip("10.0.2.2"), 53, FX_S(1)), DROP_ROUTER_ADDR, EX_DELIVER);
	ck_assert(!find_hop(EX_DNS));
}
END_TEST

START_TEST(query_to_link_local_address)
{
	world(true);
	expect_to(query(w.a1, 17, VL_RESOLVER_LINK, 53, FX_S(1)), w.res, ip_of(w.a1), fx_ip("169.254.253.3"), w.va,
		  VL_AT_LINK);
	expect_to(query(w.a1, 6, VL_RESOLVER_LINK, 53, FX_S(1)), w.res, ip_of(w.a1), fx_ip("169.254.253.3"), w.va,
		  VL_AT_LINK);
	ck_assert_uint_eq(ct_used(), 0);
}
END_TEST

START_TEST(answers_get_their_source_back)
{
	world(true);
	expect_to(from_resolver(17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353), w.a1, fx_ip("10.0.0.2"),
		  ip_of(w.a1), w.va, VL_AT_BASE2);
	expect_to(from_resolver(17, fx_ip("169.254.253.3"), 53, ip_of(w.a1), 5353), w.a1, VL_RESOLVER_LINK,
		  ip_of(w.a1), w.va, VL_AT_LINK);
	expect_to(from_resolver(6, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353), w.a1, fx_ip("10.0.0.2"),
		  ip_of(w.a1), w.va, VL_AT_BASE2);
	/* UDP without a checksum stays without one */
	struct fx_frame f = frame(w.res, 17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353);
	f.udp_no_csum = true;
	struct verdict v = run_at(w.res, &f, FX_S(5));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(ref_rd16(w.buf + 14 + 20 + 6), 0);
	ck_assert(ref_ip_csum_ok(w.buf));
	ck_assert_uint_eq(ct_used(), 0);
}
END_TEST

START_TEST(overlapping_vpcs_kept_apart)
{
	world(true);
	ck_assert_uint_eq(ip_of(w.a1), ip_of(w.b1));
	expect_to(query(w.b1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), w.res, ip_of(w.b1), fx_ip("169.254.253.4"), w.vb,
		  VL_AT_BASE2);
	expect_to(from_resolver(17, fx_ip("169.254.253.4"), 53, fx_ip("10.0.1.10"), 5353), w.b1, fx_ip("10.0.0.2"),
		  fx_ip("10.0.1.10"), w.vb, VL_AT_BASE2);
	expect_to(from_resolver(17, fx_ip("169.254.253.2"), 53, fx_ip("10.0.1.10"), 5353), w.a1, fx_ip("10.0.0.2"),
		  fx_ip("10.0.1.10"), w.va, VL_AT_BASE2);
	expect_to(from_resolver(17, fx_ip("169.254.253.5"), 53, fx_ip("10.0.1.10"), 5353), w.b1, VL_RESOLVER_LINK,
		  fx_ip("10.0.1.10"), w.vb, VL_AT_LINK);
	/* a1 cannot reach b's resolver address */
	expect_drop(query(w.a1, 17, fx_ip("169.254.253.4"), 53, FX_S(1)), DROP_DNS_WRONG_VPC, EX_DNS);
}
END_TEST

START_TEST(support_off_is_a_counted_drop)
{
	world(true);
	expect_drop(query(w.c1, 17, fx_ip("10.1.0.2"), 53, FX_S(1)), DROP_DNS_DISABLED, EX_DNS);
	ck_assert_uint_eq(w.ex.hop[w.ex.n - 1].obj, w.vc);
	expect_drop(query(w.c1, 17, VL_RESOLVER_LINK, 53, FX_S(1)), DROP_DNS_DISABLED, EX_DNS);
	struct fx_frame f = frame(w.c1, 6, ip_of(w.c1), 40000, fx_ip("10.1.0.2"), 53);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	struct verdict v = pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)sizeof(w.buf), NULL, w.c1, FX_S(1));
	ck_assert_int_eq(v.reason, DROP_DNS_DISABLED);
	ck_assert_uint_eq(dp_drop_count(w.s, DROP_DNS_DISABLED), 1);
	ck_assert_str_eq(drop_reason_name(DROP_DNS_DISABLED), "dns_disabled");
	ck_assert_str_eq(explain_stage_name(EX_DNS), "dns");
}
END_TEST

START_TEST(throttled_past_1024_a_second)
{
	world(true);
	uint32_t base2 = fx_ip("10.0.0.2");
	uint64_t t0 = FX_S(10);
	for (unsigned i = 0; i < VL_RESOLVER_PPS; i++) {
		struct verdict v = query(w.a1, 17, i % 2 ? base2 : VL_RESOLVER_LINK, 53, t0 + i % 3);
		ck_assert_msg(v.action == VERDICT_FORWARD, "query %u dropped %s", i,
			      drop_reason_name((enum drop_reason)v.reason));
	}
	uint64_t t1 = t0 + 2; /* the bucket holds a second's worth: a burst of 1024 passes */
	expect_drop(query(w.a1, 17, base2, 53, t1), DROP_DNS_THROTTLED, EX_DNS);
	expect_drop(query(w.a1, 6, base2, 53, t1), DROP_DNS_THROTTLED, EX_DNS);
	/* another interface has its own bucket */
	ck_assert_int_eq(query(w.a2, 17, base2, 53, t1).action, VERDICT_FORWARD);
	/* a token comes back every 1/1024 s: 1 ms later one more, not two */
	ck_assert_int_eq(query(w.a1, 17, base2, 53, t0 + 1000000ull).action, VERDICT_FORWARD);
	expect_drop(query(w.a1, 17, base2, 53, t0 + 1000000ull), DROP_DNS_THROTTLED, EX_DNS);
	/* a second later the bucket is full again */
	uint64_t t2 = t0 + FX_S(2);
	for (unsigned i = 0; i < VL_RESOLVER_PPS; i++)
		ck_assert_int_eq(query(w.a1, 17, base2, 53, t2).action, VERDICT_FORWARD);
	expect_drop(query(w.a1, 17, base2, 53, t2), DROP_DNS_THROTTLED, EX_DNS);
	/* answers are not throttled */
	ck_assert_int_eq(from_resolver(17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353).action, VERDICT_FORWARD);
}
END_TEST

START_TEST(bucket_arithmetic)
{
	struct dns_bucket b = {0};
	for (unsigned i = 0; i < VL_RESOLVER_PPS; i++)
		ck_assert(dns_bucket_take(&b, FX_S(1)));
	ck_assert(!dns_bucket_take(&b, FX_S(1)));
	/* half a second: half the tokens */
	unsigned n = 0;
	while (dns_bucket_take(&b, FX_S(1) + FX_S(1) / 2))
		n++;
	ck_assert_uint_eq(n, VL_RESOLVER_PPS / 2);
	/* time going backwards (a cloned state) gives nothing back and breaks nothing */
	ck_assert(!dns_bucket_take(&b, 0));
	/* a year later: full, no overflow */
	n = 0;
	while (dns_bucket_take(&b, FX_S(365ull * 86400)))
		n++;
	ck_assert_uint_eq(n, VL_RESOLVER_PPS);
}
END_TEST

START_TEST(not_intercepted)
{
	world(true);
	uint32_t base2 = fx_ip("10.0.0.2");
	/* port 80 at base+2: nobody's (no subnet starts at 10.0.0.0), as before */
	expect_drop(query(w.a2, 6, base2, 80, FX_S(1)), DROP_NO_HOST, EX_DELIVER);
	ck_assert(!find_hop(EX_DNS));
	/* a ping whose identifier is 53 */
	struct fx_frame f = frame(w.a2, 1, ip_of(w.a2), 0, base2, 0);
	f.icmp_type = ICMP_ECHO_REQUEST;
	f.icmp_id = 53;
	expect_drop(run_at(w.a2, &f, FX_S(1)), DROP_NO_HOST, EX_DELIVER);
	ck_assert(!find_hop(EX_DNS));
	/* port 53 of another server: the usual path (a1's SG admits nothing) */
	expect_drop(query(w.a1, 17, ip_of(w.a2), 53, FX_S(1)), DROP_SG_EGRESS, EX_SG_OUT);
	expect_drop(query(w.a1, 17, fx_ip("198.51.100.10"), 53, FX_S(1)), DROP_SG_EGRESS, EX_SG_OUT);
	/* base+2 of VPC a is nobody's in VPC c */
	ck_assert_int_eq(query(w.c1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)).action, VERDICT_DROP);
	ck_assert(!find_hop(EX_DNS));
}
END_TEST

START_TEST(no_resolver_port_no_change)
{
	world(false);
	expect_drop(query(w.a1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), DROP_SG_EGRESS, EX_SG_OUT);
	expect_drop(query(w.a2, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), DROP_NO_HOST, EX_DELIVER);
	ck_assert(!find_hop(EX_DNS));
	expect_drop(query(w.a2, 17, fx_ip("10.0.2.2"), 53, FX_S(1)), DROP_ROUTER_ADDR, EX_DELIVER);
	expect_drop(query(w.c1, 17, fx_ip("10.1.0.2"), 53, FX_S(1)), DROP_NO_HOST, EX_DELIVER);
	ck_assert_uint_gt(ct_used(), 0); /* tracked by the SGs, as before */
}
END_TEST

/* The lab's Route 53 checker probes a private address from the VPC's resolver address: no SG
 * or ACL either way, source kept. */
START_TEST(health_check_both_ways)
{
	world(true);
	uint32_t from = vl_resolver_addr(w.va, VL_AT_BASE2);
	expect_to(from_resolver(6, from, 40000, ip_of(w.a1), 80), w.a1, from, ip_of(w.a1), w.va, VL_AT_BASE2);
	struct fx_frame f = frame(w.a1, 6, ip_of(w.a1), 80, from, 40000);
	f.tcp_flags = TCPF_SYN | TCPF_ACK;
	expect_to(run_at(w.a1, &f, FX_S(5)), w.res, ip_of(w.a1), from, w.va, VL_AT_BASE2);
	ck_assert_uint_eq(ct_used(), 0);
	/* nobody at that address in the VPC */
	expect_drop(from_resolver(6, from, 40000, fx_ip("10.0.1.99"), 80), DROP_NO_HOST, EX_DNS);
	expect_drop(from_resolver(6, from, 40000, fx_ip("10.0.0.1"), 80), DROP_NO_HOST, EX_DNS);
}
END_TEST

START_TEST(resolver_is_an_internet_host_otherwise)
{
	world(true);
	struct verdict v = from_resolver(17, VL_RESOLVER_PUBLIC, 53, ip_of(w.h1), 5353);
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.h1);
	ck_assert(!find_hop(EX_DNS));
	/* and an internet host reaches it there */
	struct fx_frame f = frame(w.h1, 17, ip_of(w.h1), 5353, VL_RESOLVER_PUBLIC, 53);
	v = run_at(w.h1, &f, FX_S(5));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.res);
	/* any other source: the source check of an internet host */
	expect_drop(from_resolver(17, fx_ip("192.0.2.54"), 53, ip_of(w.h1), 5353), DROP_SRCDST_CHECK, EX_SRCDST_OUT);
	/* ARP: answered for any address, from 192.0.2.53 or a resolver address */
	const uint32_t senders[] = {VL_RESOLVER_PUBLIC, fx_ip("169.254.253.2")};
	for (int i = 0; i < 2; i++) {
		w.len = fx_build_arp(w.buf, w.t->ports[w.res].mac, senders[i], fx_ip("10.0.1.10"), 1);
		ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.res), STAGE_PASS);
		v = pipeline_run(w.s, &w.p, FX_S(1), NULL);
		ck_assert_int_eq(v.action, VERDICT_REPLY);
	}
	w.len = fx_build_arp(w.buf, w.t->ports[w.res].mac, fx_ip("10.9.9.9"), fx_ip("10.0.1.10"), 1);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.res), STAGE_PASS);
	ck_assert_int_eq(pipeline_run(w.s, &w.p, FX_S(1), NULL).reason, DROP_BAD_ARP);
}
END_TEST

START_TEST(malformed_from_the_resolver)
{
	world(true);
	/* a resolver address of no VPC (vpc 3 is past the lab's three) and of none at all */
	expect_drop(from_resolver(17, fx_ip("169.254.253.8"), 53, ip_of(w.a1), 5353), DROP_DNS_WRONG_VPC, EX_DNS);
	expect_drop(from_resolver(17, fx_ip("169.254.253.1"), 53, ip_of(w.a1), 5353), DROP_DNS_WRONG_VPC, EX_DNS);
	expect_drop(from_resolver(17, fx_ip("169.254.253.255"), 53, ip_of(w.a1), 5353), DROP_DNS_WRONG_VPC, EX_DNS);
	/* a later fragment whose first fragment was not seen */
	struct fx_frame f = frame(w.res, 17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353);
	f.frag = 185; /* offset 1480 */
	f.payload = 100;
	expect_drop(run_at(w.res, &f, FX_S(5)), DROP_DNS_FRAGMENT, EX_DNS);
	/* a truncated UDP header does not parse at all */
	f = frame(w.res, 17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	ck_assert_int_ne(pkt_parse(&w.p, w.buf, 14 + 20 + 4, NULL, w.res), STAGE_PASS);
}
END_TEST

/* A fragmented answer: the first fragment is rewritten and delivered, the next follows it. */
START_TEST(fragmented_answer_follows)
{
	world(true);
	struct fx_frame f = frame(w.res, 17, fx_ip("169.254.253.2"), 53, ip_of(w.a1), 5353);
	f.frag = 0x2000; /* MF */
	f.ip_id = 0x4242;
	f.payload = 1472;
	struct verdict v = run_at(w.res, &f, FX_S(5));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.a1);
	ck_assert_uint_eq(ref_rd32(w.buf + 14 + 12), fx_ip("10.0.0.2"));
	ck_assert(ref_ip_csum_ok(w.buf));
	f.frag = 185;
	f.payload = 100;
	v = run_at(w.res, &f, FX_S(5));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.a1);
	ck_assert_uint_eq(ref_rd32(w.buf + 14 + 12), fx_ip("10.0.0.2"));
	ck_assert(ref_ip_csum_ok(w.buf));
}
END_TEST

static int n_lines, n_dns_lines;

static void collect(void *ctx, uint16_t port, const char *line)
{
	(void)ctx;
	(void)port;
	if (strstr(line, "NODATA"))
		return;
	n_lines++;
	if (strstr(line, "10.0.0.2 ") || strstr(line, "169.254.") || strstr(line, " 53 "))
		n_dns_lines++;
}

static void process(uint16_t in_port, const struct fx_frame *f)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)sizeof(w.buf), NULL, in_port, FX_S(5));
}

/* AWS's flow logs leave the resolver's traffic out; so do ours (the sender's and the
 * receiver's records), drops included. */
START_TEST(not_in_flow_logs)
{
	world(true);
	w.s->flowlog = flowlog_create(w.t->n_ports, 60, 0);
	ck_assert_ptr_nonnull(w.s->flowlog);
	struct fx_frame f = frame(w.a2, 17, ip_of(w.a2), 5353, fx_ip("10.0.0.2"), 53);
	process(w.a2, &f);
	f = frame(w.res, 17, fx_ip("169.254.253.2"), 53, ip_of(w.a2), 5353);
	process(w.res, &f);
	f = frame(w.c1, 17, ip_of(w.c1), 5353, fx_ip("10.1.0.2"), 53);
	process(w.c1, &f); /* dns_disabled */
	f = frame(w.res, 6, fx_ip("169.254.253.2"), 40000, ip_of(w.a2), 80);
	process(w.res, &f);
	f = frame(w.a2, 6, ip_of(w.a2), 80, fx_ip("169.254.253.2"), 40000);
	process(w.a2, &f);
	ck_assert_uint_eq(dp_forwarded(w.s), 4);
	/* a packet that is logged, so that the test can fail */
	f = frame(w.a2, 6, ip_of(w.a2), 40000, fx_ip("10.0.2.99"), 80);
	process(w.a2, &f);
	n_lines = n_dns_lines = 0;
	flowlog_flush(w.s->flowlog, w.t, 120, collect, NULL);
	ck_assert_int_eq(n_lines, 1);
	ck_assert_int_eq(n_dns_lines, 0);
	ck_assert_uint_eq(ct_used(), 1); /* the logged packet's own entry, nothing else */
}
END_TEST

/* A table publish keeps the buckets (the interfaces are the same ones). */
START_TEST(buckets_survive_a_clone)
{
	world(true);
	for (unsigned i = 0; i < VL_RESOLVER_PPS; i++)
		ck_assert_int_eq(query(w.a1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)).action, VERDICT_FORWARD);
	struct dp_state *live = w.s;
	w.s = dp_state_clone(live);
	ck_assert_ptr_nonnull(w.s);
	expect_drop(query(w.a1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), DROP_DNS_THROTTLED, EX_DNS);
	dp_state_destroy(w.s);
	w.s = live;
}
END_TEST

/* Random frames near the resolver's addresses and port, truncated anywhere, from every port:
 * a verdict each time, a drop always named, never a crash (ASan runs this too). */
START_TEST(random_frames_never_crash)
{
	world(true);
	struct rng r;
	rng_seed(&r, 53);
	const uint32_t dsts[] = {fx_ip("10.0.0.2"), VL_RESOLVER_LINK, fx_ip("169.254.253.2"), fx_ip("169.254.253.5"),
				 fx_ip("169.254.253.255"), fx_ip("10.0.1.10"), VL_RESOLVER_PUBLIC, fx_ip("198.51.100.10")};
	const uint8_t protos[] = {6, 17, 1, 47};
	const uint16_t from[] = {w.a1, w.a2, w.b1, w.c1, w.h1, w.res};
	for (unsigned i = 0; i < 20000; i++) {
		uint16_t in = from[rng_below(&r, 6)];
		struct fx_frame f = fx_from_port(w.t, in);
		f.proto = protos[rng_below(&r, 4)];
		f.src = rng_below(&r, 3) ? ip_of(in) : dsts[rng_below(&r, 8)];
		f.dst = dsts[rng_below(&r, 8)];
		f.sport = rng_below(&r, 2) ? 53 : (uint16_t)rng_u32(&r);
		f.dport = rng_below(&r, 2) ? 53 : (uint16_t)rng_u32(&r);
		f.icmp_type = (uint8_t)rng_below(&r, 12);
		f.tcp_flags = (uint8_t)rng_u32(&r);
		f.frag = rng_below(&r, 4) == 0 ? (uint16_t)(rng_u32(&r) & 0x3fff) : 0;
		f.payload = (uint16_t)rng_below(&r, 200);
		w.len = fx_build(w.buf, sizeof(w.buf), &f);
		uint32_t len = rng_below(&r, 4) == 0 ? rng_below(&r, (uint32_t)w.len + 1) : (uint32_t)w.len;
		struct verdict v = pipeline_process(w.s, w.buf, len, (uint32_t)sizeof(w.buf), NULL, in,
						    FX_S(1) + i * 1000ull);
		if (v.action == VERDICT_DROP)
			ck_assert_uint_lt(v.reason, DROP__COUNT);
		else
			ck_assert_uint_lt(v.out_port, w.t->n_ports);
	}
	ck_assert_uint_gt(dp_forwarded(w.s), 0);
	ck_assert_uint_gt(dp_drop_count(w.s, DROP_DNS_DISABLED), 0);
	ck_assert_uint_gt(dp_drop_count(w.s, DROP_DNS_WRONG_VPC), 0);
}
END_TEST

/* The resolver serves the first VL_RESOLVER_MAX_VPCS VPCs (its addresses run out); past them,
 * a named drop. The fixture has room for 64 VPCs: the tables get more by hand. */
START_TEST(vpcs_past_the_resolver_limit)
{
	world(true);
	uint16_t n = VL_RESOLVER_MAX_VPCS + 2;
	struct vl_vpc *v = realloc(w.t->vpcs, n * sizeof(*v));
	ck_assert_ptr_nonnull(v);
	for (uint16_t i = w.t->n_vpcs; i < n; i++)
		v[i] = v[w.va];
	w.t->vpcs = v;
	w.t->n_vpcs = n;
	w.t->ports[w.a2].vpc = VL_RESOLVER_MAX_VPCS;
	expect_drop(query(w.a2, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), DROP_DNS_VPC_LIMIT, EX_DNS);
	expect_drop(query(w.a2, 17, VL_RESOLVER_LINK, 53, FX_S(1)), DROP_DNS_VPC_LIMIT, EX_DNS);
	/* it has no resolver address either */
	expect_drop(query(w.a2, 6, fx_ip("169.254.253.2"), 40000, FX_S(1)), DROP_DNS_WRONG_VPC, EX_DNS);
	w.t->ports[w.a2].vpc = VL_RESOLVER_MAX_VPCS - 1;
	expect_to(query(w.a2, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), w.res, ip_of(w.a2), fx_ip("169.254.253.250"),
		  VL_RESOLVER_MAX_VPCS - 1, VL_AT_BASE2);
	expect_to(query(w.a2, 17, VL_RESOLVER_LINK, 53, FX_S(1)), w.res, ip_of(w.a2), fx_ip("169.254.253.251"),
		  VL_RESOLVER_MAX_VPCS - 1, VL_AT_LINK);
}
END_TEST

/* A query sent to the VPC's own resolver address directly meets the same limits, unchanged. */
START_TEST(query_to_the_resolver_address_directly)
{
	world(true);
	expect_to(query(w.a1, 17, fx_ip("169.254.253.2"), 53, FX_S(1)), w.res, ip_of(w.a1), fx_ip("169.254.253.2"),
		  w.va, VL_AT_BASE2);
	expect_drop(query(w.c1, 17, vl_resolver_addr(w.vc, VL_AT_BASE2), 53, FX_S(1)), DROP_DNS_DISABLED, EX_DNS);
	for (unsigned i = 1; i < VL_RESOLVER_PPS; i++)
		ck_assert_int_eq(query(w.a1, 17, fx_ip("169.254.253.3"), 53, FX_S(1)).action, VERDICT_FORWARD);
	expect_drop(query(w.a1, 17, fx_ip("169.254.253.2"), 53, FX_S(1)), DROP_DNS_THROTTLED, EX_DNS);
	expect_drop(query(w.a1, 17, fx_ip("10.0.0.2"), 53, FX_S(1)), DROP_DNS_THROTTLED, EX_DNS);
	/* other traffic to it (the checker's answers) is not counted */
	ck_assert_int_eq(query(w.a1, 6, fx_ip("169.254.253.2"), 40000, FX_S(1)).action, VERDICT_FORWARD);
}
END_TEST

static char *trace_text(const char *from, const char *to, uint8_t proto, uint16_t port)
{
	struct trace_req r = {.from = from, .to = to, .proto = proto, .port = port, .icmp_type = -1,
			      .with_return = true};
	struct trace_result res;
	char err[200] = "";
	ck_assert_msg(trace_flow(w.t, &r, &res, err, sizeof(err)) == 0, "trace: %s", err);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(out);
	trace_print(w.t, &r, &res, false, out);
	fclose(out);
	return text;
}

/* vpclab trace (offline: the same pipeline with the explain recorder) names the resolver. */
START_TEST(trace_shows_the_resolver)
{
	world(true);
	char *text = trace_text("a1", "10.0.0.2", 17, 53);
	ck_assert_msg(strstr(text, "resolver a") && strstr(text, "10.0.1.10:40000 -> 169.254.253.2:53") &&
		      strstr(text, "eni amazon-dns") && strstr(text, "10.0.0.2:53 -> 10.0.1.10:40000"), "%s", text);
	ck_assert_msg(!strstr(text, "sg ") && !strstr(text, "nacl"), "%s", text);
	free(text);
	text = trace_text("c1", "10.1.0.2", 17, 53);
	ck_assert_msg(strstr(text, "resolver c") && strstr(text, "enableDnsSupport is off") &&
		      strstr(text, "dns_disabled"), "%s", text);
	free(text);
}
END_TEST

Suite *suite_dns_path(void)
{
	Suite *s = suite_create("dns_path");
	TCase *tc = tcase_create("resolver");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, query_to_base2_reaches_the_resolver_unfiltered);
	tcase_add_test(tc, query_to_link_local_address);
	tcase_add_test(tc, answers_get_their_source_back);
	tcase_add_test(tc, overlapping_vpcs_kept_apart);
	tcase_add_test(tc, support_off_is_a_counted_drop);
	tcase_add_test(tc, throttled_past_1024_a_second);
	tcase_add_test(tc, bucket_arithmetic);
	tcase_add_test(tc, not_intercepted);
	tcase_add_test(tc, no_resolver_port_no_change);
	tcase_add_test(tc, health_check_both_ways);
	tcase_add_test(tc, resolver_is_an_internet_host_otherwise);
	tcase_add_test(tc, malformed_from_the_resolver);
	tcase_add_test(tc, fragmented_answer_follows);
	tcase_add_test(tc, not_in_flow_logs);
	tcase_add_test(tc, buckets_survive_a_clone);
	tcase_add_test(tc, trace_shows_the_resolver);
	tcase_add_test(tc, random_frames_never_crash);
	tcase_add_test(tc, vpcs_past_the_resolver_limit);
	tcase_add_test(tc, query_to_the_resolver_address_directly);
	suite_add_tcase(s, tc);
	return s;
}
