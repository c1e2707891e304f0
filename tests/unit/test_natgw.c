/* natgw.c and nat_table.c through the dispatcher: port allocation per (destination, port,
 * protocol) and its exhaustion (ErrorPortAllocation, nat_port_alloc) at bounded work per packet,
 * AWS's 55,000 per destination, a freed port reused, a table that grows in chunks up to the
 * lab's limit (nat_full), deep clones, ICMP echo identifiers, nothing initiated
 * from outside (nat_no_mapping), a RST for a segment of an unknown connection, the 350 s idle
 * timeout, TTL (decrement, Time Exceeded from the NAT's private IP), ICMP errors translated
 * back to the instance.
 *
 * VPC 10.0.0.0/16 (IGW): pub 10.0.1.0/24 (0/0 igw): nat 10.0.1.5, EIP 203.0.113.20;
 *   priv 10.0.2.0/24 (0/0 nat): a2 10.0.2.10, a3 10.0.2.11. Internet: h1, h2. */
#include <check.h>

#include "dataplane/natgw.h"
#include "fixture.h"

Suite *suite_natgw(void);

static struct {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t a2, a3, h1, h2, nat, pub;
	uint32_t eip;
	uint8_t buf[2048];
	size_t len;
	struct pkt p;
	struct explain ex;
} w;

static void setup(void)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "main", "10.0.0.0/16", true);
	uint16_t rt_pub = fx_route_table(fx, vpc, "rt-pub"), rt_priv = fx_route_table(fx, vpc, "rt-priv");
	uint16_t acl = fx_acl(fx, vpc, "acl");
	fx_acl_allow_all(fx, acl);
	w.pub = fx_subnet(fx, vpc, "pub", "10.0.1.0/24", rt_pub, acl);
	uint16_t priv = fx_subnet(fx, vpc, "priv", "10.0.2.0/24", rt_priv, acl);
	uint16_t eip = fx_eip(fx, "nat-eip", "203.0.113.20", VL_NONE, 0);
	w.nat = fx_natgw(fx, w.pub, "nat", "10.0.1.5", eip);
	fx_route(fx, rt_pub, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fx, rt_priv, "0.0.0.0/0", VL_T_NATGW, w.nat);
	uint16_t sg = fx_sg(fx, vpc, "open");
	fx_sg_open(fx, sg);
	w.a2 = fx_instance(fx, priv, "a2", "10.0.2.10", NULL);
	w.a3 = fx_instance(fx, priv, "a3", "10.0.2.11", NULL);
	fx_port_sg(fx, w.a2, sg);
	fx_port_sg(fx, w.a3, sg);
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.h2 = fx_inet_host(fx, "h2", "198.51.100.20");
	w.t = fx_done(fx);
	w.eip = fx_ip("203.0.113.20");
	w.s = dp_state_create(w.t, 1024);
	ck_assert_ptr_nonnull(w.s);
}

static void teardown(void)
{
	dp_state_destroy(w.s);
	fx_free(w.fx);
	memset(&w, 0, sizeof(w));
}

static uint32_t ip_of(uint16_t port)
{
	return w.t->ports[port].ip;
}

static uint64_t counter(enum nat_counter c)
{
	return nat_counter_get(dp_nat(w.s), w.nat, c);
}

static struct nat_stats stats(void)
{
	struct nat_stats st;
	nat_stats(dp_nat(w.s), &st);
	return st;
}

static uint32_t nat_used(void)
{
	return stats().used;
}

/* Narrows the NAT's ports (and its limit) before the first translation. */
static void configure(uint32_t limit, uint16_t lo, uint16_t hi)
{
	struct nat_limits l = {.limit = limit, .port_lo = lo, .port_hi = hi};
	ck_assert_int_eq(nat_configure(w.s, &l), 0);
}

/* A state with room for n flows in the connection pool (the fixture's holds 1024). */
static void big_pool(uint32_t n)
{
	dp_state_destroy(w.s);
	w.s = dp_state_create(w.t, n);
	ck_assert_ptr_nonnull(w.s);
}

static struct fx_frame frame(uint16_t from, uint8_t proto, uint32_t dst, uint16_t sport, uint16_t dport,
			     uint8_t tcp_flags)
{
	struct fx_frame f = fx_from_port(w.t, from);
	f.proto = proto;
	f.dst = dst;
	f.sport = sport;
	f.dport = dport;
	f.tcp_flags = tcp_flags;
	f.payload = 10;
	return f;
}

static struct verdict run(uint16_t in_port, const struct fx_frame *f, uint64_t now)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, in_port), STAGE_PASS);
	w.p.cap = sizeof(w.buf);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

static void expect_forward(struct verdict v, uint16_t port)
{
	ck_assert_msg(v.action == VERDICT_FORWARD, "expected forward to %u, got action %u reason %s", port,
		      v.action, v.action == VERDICT_DROP ? drop_reason_name((enum drop_reason)v.reason) : "-");
	ck_assert_uint_eq(v.out_port, port);
	ck_assert(ref_ip_csum_ok(w.buf));
}

static void expect_nat_drop(struct verdict v, enum drop_reason reason)
{
	ck_assert_msg(v.action == VERDICT_DROP && v.reason == reason, "expected drop %s, got action %u reason %s",
		      drop_reason_name(reason), v.action, drop_reason_name((enum drop_reason)v.reason));
	ck_assert_uint_gt(w.ex.n, 0);
	const struct explain_hop *h = &w.ex.hop[w.ex.n - 1];
	ck_assert_uint_eq(h->stage, EX_NAT);
	ck_assert_int_eq(h->verdict, reason);
	ck_assert_uint_eq(h->obj, w.nat);
}

/* Sends a UDP datagram out through the NAT; returns the source port it left with. */
static uint16_t out_udp(uint16_t from, uint32_t dst, uint16_t sport, uint16_t dport, uint64_t now)
{
	struct fx_frame f = frame(from, 17, dst, sport, dport, 0);
	struct verdict v = run(from, &f, now);
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), w.eip);
	return ref_rd16(w.buf + 34);
}

START_TEST(ports_per_destination)
{
	uint32_t d1 = ip_of(w.h1), d2 = ip_of(w.h2);
	uint16_t p1 = out_udp(w.a2, d1, 5000, 53, FX_S(1));
	uint16_t p2 = out_udp(w.a3, d1, 5000, 53, FX_S(1));
	ck_assert_uint_ge(p1, NAT_PORT_LO);
	ck_assert_uint_ge(p2, NAT_PORT_LO);
	ck_assert_uint_ne(p1, p2); /* the same destination: two flows, two ports */
	ck_assert_uint_eq(out_udp(w.a2, d1, 5000, 53, FX_S(2)), p1); /* a flow keeps its port */
	/* another destination port or host is another flow with its own mapping */
	out_udp(w.a2, d1, 5000, 54, FX_S(2));
	out_udp(w.a2, d2, 5000, 53, FX_S(2));
	ck_assert_uint_eq(nat_used(), 4);
	ck_assert_uint_eq(counter(NATC_PacketsOutToDestination), 5);
	/* the reply to p2 goes to a3, with its own port back */
	struct fx_frame f = frame(w.h1, 17, w.eip, 53, p2, 0);
	expect_forward(run(w.h1, &f, FX_S(3)), w.a3);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a3));
	ck_assert_uint_eq(ref_rd16(w.buf + 36), 5000);
	ck_assert_uint_eq(ref_rd16(w.buf + 34), 53);
}
END_TEST

START_TEST(port_exhaustion)
{
	configure(NAT_LIMIT_DEFAULT, 2000, 2001);
	uint32_t d1 = ip_of(w.h1);
	uint16_t p1 = out_udp(w.a2, d1, 5000, 53, FX_S(1));
	uint16_t p2 = out_udp(w.a2, d1, 5001, 53, FX_S(1));
	ck_assert(p1 >= 2000 && p1 <= 2001 && p2 >= 2000 && p2 <= 2001 && p1 != p2);
	struct fx_frame f = frame(w.a2, 17, d1, 5002, 53, 0);
	expect_nat_drop(run(w.a2, &f, FX_S(1)), DROP_NAT_PORT_ALLOC);
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 1);
	ck_assert_uint_eq(counter(NATC_PacketsDropCount), 1);
	/* ports are per destination: another one still has both */
	out_udp(w.a2, ip_of(w.h2), 5002, 53, FX_S(1));
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 1);
	/* the first one idle past 350 s (the second was used since): its port comes back, found
	 * by probing (a destination with few ports in use has no bitmap) */
	out_udp(w.a2, d1, 5001, 53, FX_S(100));
	nat_sweep(w.s, FX_S(1 + 351));
	ck_assert_uint_eq(stats().dense, 0);
	ck_assert_uint_eq(out_udp(w.a2, d1, 5002, 53, FX_S(1 + 352)), p1);
	f = frame(w.a2, 17, d1, 5003, 53, 0);
	expect_nat_drop(run(w.a2, &f, FX_S(1 + 352)), DROP_NAT_PORT_ALLOC);
}
END_TEST

/* UDP from a2 (source port sport) to dst:dport through the NAT: the verdict. */
static struct verdict send_udp(uint16_t from, uint32_t dst, uint16_t sport, uint16_t dport, uint64_t now)
{
	struct fx_frame f = frame(from, 17, dst, sport, dport, 0);
	return run(from, &f, now);
}

/* Fills destination dst:dport with n UDP flows from a2 (source ports from sport0). */
static void fill(uint32_t dst, uint16_t dport, uint16_t sport0, uint32_t n, uint64_t now)
{
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(send_udp(w.a2, dst, (uint16_t)(sport0 + i), dport, now).action, VERDICT_FORWARD);
}

/* A destination whose ports are all in use refuses every retried packet without looking at a
 * port: the table's work counter does not move, however many packets come (the measured fault
 * was a scan of the whole range per packet). TCP SYNs and UDP alike. */
START_TEST(exhausted_destination_costs_no_scan)
{
	big_pool(1u << 14);
	configure(NAT_LIMIT_DEFAULT, 2000, 2099);
	uint32_t d1 = ip_of(w.h1);
	fill(d1, 80, 5000, 100, FX_S(1)); /* UDP to d1:80 */
	for (uint32_t i = 0; i < 100; i++) { /* and TCP to d1:80, another destination */
		struct fx_frame f = frame(w.a2, 6, d1, (uint16_t)(5000 + i), 80, TCPF_SYN);
		expect_forward(run(w.a2, &f, FX_S(1)), w.h1);
	}
	ck_assert_uint_eq(stats().dense, 2); /* probes met taken ports: each got its bitmap */
	uint64_t work = stats().work;
	for (uint32_t i = 0; i < 1000; i++) {
		struct fx_frame f = frame(w.a3, 6, d1, 40000, 80, TCPF_SYN); /* one flow, retried */
		expect_nat_drop(run(w.a3, &f, FX_S(2)), DROP_NAT_PORT_ALLOC);
		expect_nat_drop(send_udp(w.a2, d1, (uint16_t)(6000 + i), 80, FX_S(2)), DROP_NAT_PORT_ALLOC);
	}
	ck_assert_uint_eq(stats().work, work);
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 2000);
	ck_assert_uint_eq(counter(NATC_PacketsDropCount), 2000);
	ck_assert_uint_eq(nat_used(), 200);
	/* the other destinations of the same gateway, and the same host on another port, are not
	 * affected: each has its own 100 ports */
	uint16_t p = out_udp(w.a2, ip_of(w.h2), 5000, 80, FX_S(2));
	ck_assert(p >= 2000 && p <= 2099);
	out_udp(w.a2, d1, 5000, 81, FX_S(2));
	struct fx_frame f = frame(w.a3, 6, d1, 40000, 443, TCPF_SYN);
	expect_forward(run(w.a3, &f, FX_S(2)), w.h1);
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 2000);
}
END_TEST

/* AWS: 55,000 simultaneous connections per destination, ports from 1024-65535. The 55,001st is
 * refused at no cost; every allocation on the way cost a bounded number of probes (the last
 * ones, with 54,999 of 64,512 ports taken, included). */
START_TEST(aws_55000_per_destination)
{
	big_pool(1u << 18);
	uint32_t d1 = ip_of(w.h1);
	uint64_t worst = 0;
	for (uint32_t i = 0; i < NAT_DEST_MAX; i++) {
		uint64_t before = stats().work;
		struct verdict v = send_udp(w.a2, d1, (uint16_t)(1024 + i), 53, FX_S(1));
		ck_assert_int_eq(v.action, VERDICT_FORWARD);
		uint16_t port = ref_rd16(w.buf + 34);
		ck_assert(port >= NAT_PORT_LO);
		if (stats().work - before > worst)
			worst = stats().work - before;
	}
	ck_assert_uint_le(worst, 20); /* NAT_PROBES, or a word and at most 17 summary words */
	ck_assert_uint_eq(stats().dests, 1);
	ck_assert_uint_eq(stats().dense, 1);
	uint64_t work = stats().work;
	expect_nat_drop(send_udp(w.a2, d1, 60000, 53, FX_S(1)), DROP_NAT_PORT_ALLOC);
	ck_assert_uint_eq(stats().work, work);
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 1);
	out_udp(w.a3, d1, 60000, 54, FX_S(1));
	ck_assert_uint_eq(nat_used(), NAT_DEST_MAX + 1);
}
END_TEST

/* A port freed (a closed flow past its lingering, an idle one swept, a closed one started
 * over) makes a full destination allocatable again, with that very port; sparse and dense. */
START_TEST(freed_port_makes_destination_allocatable)
{
	big_pool(1u << 14);
	configure(NAT_LIMIT_DEFAULT, 3000, 3599); /* 600 ports: dense past 256 in use */
	uint32_t d1 = ip_of(w.h1);
	uint16_t ports[600];
	for (uint32_t i = 0; i < 600; i++) {
		struct fx_frame f = frame(w.a2, 6, d1, (uint16_t)(20000 + i), 443, TCPF_SYN);
		expect_forward(run(w.a2, &f, FX_S(1)), w.h1);
		ports[i] = ref_rd16(w.buf + 34);
	}
	ck_assert_uint_eq(stats().dense, 1);
	struct fx_frame syn = frame(w.a3, 6, d1, 30000, 443, TCPF_SYN);
	expect_nat_drop(run(w.a3, &syn, FX_S(2)), DROP_NAT_PORT_ALLOC);
	/* flow 7 closes (RST from the instance): its mapping lingers 60 s, the port stays taken */
	struct fx_frame rst = frame(w.a2, 6, d1, 20007, 443, TCPF_RST | TCPF_ACK);
	expect_forward(run(w.a2, &rst, FX_S(2)), w.h1);
	expect_nat_drop(run(w.a3, &syn, FX_S(3)), DROP_NAT_PORT_ALLOC);
	/* past it, the sweep frees it (the others, opening, have 350 s) and a3's SYN gets it */
	nat_sweep(w.s, FX_S(2 + 61));
	ck_assert_uint_eq(nat_used(), 599);
	expect_forward(run(w.a3, &syn, FX_S(64)), w.h1);
	ck_assert_uint_eq(ref_rd16(w.buf + 34), ports[7]);
	/* a closed flow started over by its own SYN frees its port and takes one again at once */
	rst = frame(w.a2, 6, d1, 20008, 443, TCPF_RST | TCPF_ACK);
	expect_forward(run(w.a2, &rst, FX_S(65)), w.h1);
	syn = frame(w.a2, 6, d1, 20008, 443, TCPF_SYN);
	expect_forward(run(w.a2, &syn, FX_S(66)), w.h1);
	ck_assert_uint_eq(ref_rd16(w.buf + 34), ports[8]);
	/* all idle past 350 s: every port comes back, the destination and its bitmap go */
	nat_sweep(w.s, FX_S(500));
	ck_assert_uint_eq(nat_used(), 0);
	ck_assert_uint_eq(stats().dests, 0);
	ck_assert_uint_eq(stats().dense, 0);
}
END_TEST

/* The table starts empty (no chunk), takes a chunk at the first translation and more as it
 * grows; every translation stays reachable from both sides after the indices have doubled. */
START_TEST(table_grows_in_chunks)
{
	ck_assert_uint_eq(stats().allocated, 0);
	ck_assert_uint_eq(stats().limit, NAT_LIMIT_DEFAULT);
	uint32_t d1 = ip_of(w.h1);
	uint16_t first = out_udp(w.a2, d1, 7000, 1, FX_S(1));
	ck_assert_uint_eq(stats().allocated, NAT_CHUNK);
	big_pool(1u << 14);
	for (uint32_t i = 0; i < 2500; i++) /* 2,500 destinations (ports 1..2500 of h1) */
		out_udp(w.a2, d1, 7000, (uint16_t)(1 + i), FX_S(1));
	ck_assert_uint_eq(nat_used(), 2500);
	ck_assert_uint_eq(stats().dests, 2500);
	ck_assert_uint_eq(stats().allocated, 3 * NAT_CHUNK);
	/* the reply to the first and to the last find their way back */
	uint16_t p = out_udp(w.a2, d1, 7000, 1, FX_S(2));
	(void)first;
	struct fx_frame r = frame(w.h1, 17, w.eip, 1, p, 0);
	expect_forward(run(w.h1, &r, FX_S(2)), w.a2);
	p = out_udp(w.a2, d1, 7000, 2500, FX_S(2));
	r = frame(w.h1, 17, w.eip, 2500, p, 0);
	expect_forward(run(w.h1, &r, FX_S(2)), w.a2);
	ck_assert_uint_eq(ref_rd16(w.buf + 36), 7000);
}
END_TEST

/* The lab's limit: past it a new flow is dropped nat_full (counted there and as the gateway's
 * PacketsDropCount, not as ErrorPortAllocation); flows already translated go on; freed
 * translations make room again. */
START_TEST(limit_is_nat_full)
{
	uint32_t d1 = ip_of(w.h1), d2 = ip_of(w.h2);
	big_pool(1u << 14);
	configure(1100, NAT_PORT_LO, NAT_PORT_HI);
	fill(d1, 53, 1000, 1100, FX_S(1));
	expect_nat_drop(send_udp(w.a2, d2, 1000, 53, FX_S(2)), DROP_NAT_FULL);
	expect_nat_drop(send_udp(w.a3, d1, 1000, 53, FX_S(2)), DROP_NAT_FULL);
	ck_assert_uint_eq(stats().refused, 2);
	ck_assert_uint_eq(counter(NATC_PacketsDropCount), 2);
	ck_assert_uint_eq(counter(NATC_ErrorPortAllocation), 0);
	ck_assert_uint_eq(stats().allocated, 2 * NAT_CHUNK); /* never past the limit's chunks */
	out_udp(w.a2, d1, 1000, 53, FX_S(3)); /* an existing flow still passes */
	/* the limit cannot change once translations exist */
	struct nat_limits l = {.limit = 5000, .port_lo = NAT_PORT_LO, .port_hi = NAT_PORT_HI};
	ck_assert_int_eq(nat_configure(w.s, &l), -EBUSY);
	nat_sweep(w.s, FX_S(1 + 351)); /* all idle but the one used at 3 s */
	ck_assert_uint_eq(nat_used(), 1);
	out_udp(w.a2, d2, 1000, 53, FX_S(1 + 352));
}
END_TEST

struct map_list {
	struct nat_map m[64];
	uint32_t n;
};

static int map_collect(void *ctx, const struct nat_map *m)
{
	struct map_list *l = ctx;
	ck_assert_uint_lt(l->n, 64);
	l->m[l->n++] = *m;
	return 0;
}

/* A clone (trace --live) holds the same translations, counters and limits, and is deep: the
 * original and the clone then change apart, and each is destroyed on its own (ASan watches). A
 * state without translations clones to one without chunks. */
START_TEST(clone_is_deep_and_equal)
{
	configure(NAT_LIMIT_DEFAULT, 4000, 4039); /* 40 ports: dense after the probes fail */
	struct dp_state *c0 = dp_state_clone(w.s);
	ck_assert_ptr_nonnull(c0);
	struct nat_stats st0;
	nat_stats(dp_nat(c0), &st0);
	ck_assert_uint_eq(st0.allocated, 0);
	ck_assert_uint_eq(st0.port_lo, 4000);
	dp_state_destroy(c0);
	uint32_t d1 = ip_of(w.h1);
	fill(d1, 53, 100, 40, FX_S(1));
	out_udp(w.a3, ip_of(w.h2), 100, 53, FX_S(1));
	ck_assert_uint_eq(stats().dense, 1);
	struct dp_state *c = dp_state_clone(w.s);
	ck_assert_ptr_nonnull(c);
	struct map_list *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	nat_foreach(dp_nat(w.s), map_collect, a);
	nat_foreach(dp_nat(c), map_collect, b);
	ck_assert_uint_eq(a->n, 41);
	ck_assert_uint_eq(b->n, 41);
	ck_assert_mem_eq(a->m, b->m, a->n * sizeof(a->m[0]));
	struct nat_stats sa, sb;
	nat_stats(dp_nat(w.s), &sa);
	nat_stats(dp_nat(c), &sb);
	ck_assert_mem_eq(&sa, &sb, sizeof(sa));
	for (int k = 0; k < NATC__COUNT; k++)
		ck_assert_uint_eq(nat_counter_get(dp_nat(c), w.nat, k), nat_counter_get(dp_nat(w.s), w.nat, k));
	/* the clone is full toward d1 as the original is, and a freed port in the clone only */
	struct fx_frame f = frame(w.a3, 17, d1, 999, 53, 0);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	struct verdict v = pipeline_process(c, w.buf, (uint32_t)w.len, sizeof(w.buf), NULL, w.a3, FX_S(2));
	ck_assert_int_eq(v.reason, DROP_NAT_PORT_ALLOC);
	nat_sweep(c, FX_S(400));
	nat_stats(dp_nat(c), &sb);
	ck_assert_uint_eq(sb.used, 0);
	ck_assert_uint_eq(nat_used(), 41);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	v = pipeline_process(c, w.buf, (uint32_t)w.len, sizeof(w.buf), NULL, w.a3, FX_S(401));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	dp_state_destroy(c);
	/* the original is intact: still full toward d1, its bitmap its own */
	expect_nat_drop(send_udp(w.a3, d1, 999, 53, FX_S(3)), DROP_NAT_PORT_ALLOC);
	nat_sweep(w.s, FX_S(400));
	ck_assert_uint_eq(out_udp(w.a3, d1, 999, 53, FX_S(401)) - 4000u < 40u, 1);
	free(a);
	free(b);
}
END_TEST

/* A lab without a NAT gateway allocates nothing for NAT, and its clones neither. */
START_TEST(no_gateway_no_state)
{
	struct fx *fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "plain", "10.2.0.0/16", false);
	uint16_t rt = fx_route_table(fx, vpc, "rt"), acl = fx_acl(fx, vpc, "acl");
	fx_acl_allow_all(fx, acl);
	uint16_t sn = fx_subnet(fx, vpc, "sn", "10.2.1.0/24", rt, acl);
	fx_instance(fx, sn, "x", "10.2.1.10", NULL);
	struct vl_tables *t = fx_done(fx);
	struct dp_state *s = dp_state_create(t, 64);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(dp_nat(s));
	struct nat_limits l = {.limit = 10, .port_lo = 2000, .port_hi = 2001};
	ck_assert_int_eq(nat_configure(s, &l), 0);
	nat_sweep(s, FX_S(1));
	struct dp_state *c = dp_state_clone(s);
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_null(dp_nat(c));
	dp_state_destroy(c);
	dp_state_destroy(s);
	fx_free(fx);
}
END_TEST

/* The router's knobs, VPCLAB_NAT_PORTS=LO-HI and VPCLAB_NAT_LIMIT=N. */
START_TEST(limits_parse)
{
	struct nat_limits l = {.limit = NAT_LIMIT_DEFAULT, .port_lo = NAT_PORT_LO, .port_hi = NAT_PORT_HI};
	ck_assert_int_eq(nat_limits_parse(&l, NULL, ""), 0);
	ck_assert_uint_eq(l.limit, NAT_LIMIT_DEFAULT);
	ck_assert_int_eq(nat_limits_parse(&l, "2000-2099", "5000"), 0);
	ck_assert_uint_eq(l.port_lo, 2000);
	ck_assert_uint_eq(l.port_hi, 2099);
	ck_assert_uint_eq(l.limit, 5000);
	const char *bad_ports[] = {"1000-2000", "3000-2000", "2000", "2000-", "-2000", "2000-70000", "a-b",
				   "2000-2099x", " 2000-2099"};
	for (size_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++)
		ck_assert_int_eq(nat_limits_parse(&l, bad_ports[i], NULL), -EINVAL);
	const char *bad_limits[] = {"0", "12x", "-1", "16777217", "99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad_limits) / sizeof(bad_limits[0]); i++)
		ck_assert_int_eq(nat_limits_parse(&l, NULL, bad_limits[i]), -EINVAL);
	ck_assert_uint_eq(l.port_lo, 2000); /* unchanged by the refusals */
	ck_assert_uint_eq(l.limit, 5000);
	ck_assert_int_eq(nat_limits_parse(&l, "65535-65535", "16777216"), 0);
	l.port_lo = 1023;
	ck_assert_int_eq(nat_configure(w.s, &l), -EINVAL);
}
END_TEST

START_TEST(icmp_echo_identifier)
{
	struct fx_frame f = fx_from_port(w.t, w.a2);
	f.proto = 1;
	f.dst = ip_of(w.h1);
	f.icmp_type = 8;
	f.icmp_id = 4242;
	f.icmp_seq = 1;
	f.payload = 16;
	expect_forward(run(w.a2, &f, FX_S(1)), w.h1);
	uint16_t id = ref_rd16(w.buf + 38);
	ck_assert_uint_ge(id, NAT_PORT_LO);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), w.eip);
	ck_assert_uint_eq(ref_csum(w.buf + 34, 8 + 16, 0), 0); /* ICMP checksum still right */
	struct fx_frame r = fx_from_port(w.t, w.h1);
	r.proto = 1;
	r.dst = w.eip;
	r.icmp_type = 0;
	r.icmp_id = id;
	r.icmp_seq = 1;
	r.payload = 16;
	expect_forward(run(w.h1, &r, FX_S(1)), w.a2);
	ck_assert_uint_eq(ref_rd16(w.buf + 38), 4242);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a2));
	ck_assert_uint_eq(ref_csum(w.buf + 34, 8 + 16, 0), 0);
	/* a ping to the elastic IP itself is not answered */
	r.icmp_type = 8;
	expect_nat_drop(run(w.h1, &r, FX_S(1)), DROP_NAT_NO_MAPPING);
}
END_TEST

START_TEST(nothing_initiated_from_outside)
{
	struct fx_frame f = frame(w.h1, 6, w.eip, 40000, 22, TCPF_SYN);
	expect_nat_drop(run(w.h1, &f, FX_S(1)), DROP_NAT_NO_MAPPING);
	f = frame(w.h1, 17, w.eip, 53, 2000, 0);
	expect_nat_drop(run(w.h1, &f, FX_S(1)), DROP_NAT_NO_MAPPING);
	ck_assert_uint_eq(counter(NATC_PacketsDropCount), 2);
	ck_assert_uint_eq(nat_used(), 0);
	/* nor to its private IP from inside */
	f = frame(w.a2, 6, fx_ip("10.0.1.5"), 40000, 22, TCPF_SYN);
	expect_nat_drop(run(w.a2, &f, FX_S(1)), DROP_NAT_NO_MAPPING);
}
END_TEST

/* A segment of a connection the NAT does not know: AWS answers it with a RST (from the far end,
 * to the instance), and the segment counts as dropped. */
static void expect_rst_for(uint16_t from, uint32_t dst, uint16_t sport, uint16_t dport, uint64_t now)
{
	struct fx_frame f = frame(from, 6, dst, sport, dport, TCPF_ACK);
	struct verdict v = run(from, &f, now);
	expect_forward(v, from);
	ck_assert_int_eq(v.replaced, DROP_NAT_NO_MAPPING);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), dst);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(from));
	ck_assert_uint_eq(ref_rd16(w.buf + 34), dport);
	ck_assert_uint_eq(ref_rd16(w.buf + 36), sport);
	ck_assert_uint_eq(w.buf[47] & TCPF_RST, TCPF_RST);
	ck_assert_uint_eq(ref_rd32(w.buf + 38), 0x0a0b0c0d); /* seq = the segment's ack */
	bool hop = false;
	for (unsigned i = 0; i < w.ex.n; i++)
		hop |= w.ex.hop[i].stage == EX_NAT && w.ex.hop[i].verdict == DROP_NAT_NO_MAPPING;
	ck_assert(hop);
}

START_TEST(rst_for_an_unknown_segment)
{
	uint64_t drops = counter(NATC_PacketsDropCount);
	expect_rst_for(w.a2, ip_of(w.h1), 40000, 443, FX_S(1));
	ck_assert_uint_eq(counter(NATC_PacketsDropCount), drops + 1);
	ck_assert_uint_eq(nat_used(), 0);
}
END_TEST

/* 350 s without a packet: the translation is gone (IdleTimeoutCount), a late reply is refused
 * and a late segment from the instance gets a RST. 349 s is still fine. */
START_TEST(idle_timeout_350s)
{
	uint32_t d = ip_of(w.h1);
	struct fx_frame f = frame(w.a2, 6, d, 40000, 443, TCPF_SYN);
	expect_forward(run(w.a2, &f, FX_S(1)), w.h1);
	uint16_t port = ref_rd16(w.buf + 34);
	ck_assert_uint_eq(counter(NATC_ConnectionAttemptCount), 1);
	struct fx_frame r = frame(w.h1, 6, w.eip, 443, port, TCPF_SYN | TCPF_ACK);
	expect_forward(run(w.h1, &r, FX_S(2)), w.a2);
	ck_assert_uint_eq(counter(NATC_ConnectionEstablishedCount), 1);
	ck_assert_uint_eq(counter(NATC_ActiveConnectionCount), 1);
	r.tcp_flags = TCPF_ACK;
	expect_forward(run(w.h1, &r, FX_S(2 + 349)), w.a2);
	nat_sweep(w.s, FX_S(2 + 349 + 351)); /* a sweep looks at up to 65,536 translations */
	ck_assert_uint_eq(counter(NATC_IdleTimeoutCount), 1);
	ck_assert_uint_eq(counter(NATC_ActiveConnectionCount), 0);
	ck_assert_uint_eq(nat_used(), 0);
	expect_nat_drop(run(w.h1, &r, FX_S(2 + 349 + 352)), DROP_NAT_NO_MAPPING);
	expect_rst_for(w.a2, d, 40000, 443, FX_S(2 + 349 + 353));
}
END_TEST

START_TEST(ttl_and_time_exceeded)
{
	struct fx_frame f = frame(w.a2, 17, ip_of(w.h1), 33434, 33434, 0);
	f.ttl = 5;
	expect_forward(run(w.a2, &f, FX_S(1)), w.h1);
	ck_assert_uint_eq(w.buf[22], 4); /* the NAT gateway is a hop */
	f.ttl = 1;
	struct verdict v = run(w.a2, &f, FX_S(1));
	expect_forward(v, w.a2);
	ck_assert_int_eq(v.replaced, DROP_TTL_EXCEEDED);
	ck_assert_uint_eq(w.buf[23], 1);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), fx_ip("10.0.1.5")); /* from its private IP */
	ck_assert_uint_eq(w.buf[34], 11);
	ck_assert_uint_eq(w.buf[35], 0);
	ck_assert_uint_eq(ref_rd32(w.buf + 42 + 12), ip_of(w.a2)); /* quoting the packet as sent */
	/* a reply that would expire at the NAT is dropped, not answered */
	uint16_t port = out_udp(w.a2, ip_of(w.h1), 5000, 53, FX_S(1));
	struct fx_frame r = frame(w.h1, 17, w.eip, 53, port, 0);
	r.ttl = 1;
	expect_nat_drop(run(w.h1, &r, FX_S(1)), DROP_TTL_EXCEEDED);
}
END_TEST

/* Port Unreachable (3/3) from h1 to the elastic IP, quoting `quoted` (IP header + 8 bytes). */
static struct verdict run_error(const uint8_t quoted[28], uint64_t now)
{
	struct fx_frame e = fx_from_port(w.t, w.h1);
	e.proto = 1;
	e.dst = w.eip;
	e.icmp_type = 3;
	e.icmp_code = 3;
	e.payload = 28;
	w.len = fx_build(w.buf, sizeof(w.buf), &e);
	uint8_t *icmp = w.buf + 34;
	memcpy(icmp + 8, quoted, 28);
	ref_wr16(icmp + 2, 0);
	ref_wr16(icmp + 2, ref_csum(icmp, 8 + 28, 0));
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.h1), STAGE_PASS);
	w.p.cap = sizeof(w.buf);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

/* Port Unreachable from the internet about a translated datagram: delivered to the instance,
 * quoting its own packet (its address and port), checksums valid. */
START_TEST(icmp_error_translated_back)
{
	uint16_t port = out_udp(w.a2, ip_of(w.h1), 5000, 53, FX_S(1));
	uint8_t quoted[28];
	memcpy(quoted, w.buf + 14, sizeof(quoted)); /* as h1 received it */
	ck_assert_uint_eq(ref_rd16(quoted + 20), port);
	expect_forward(run_error(quoted, FX_S(2)), w.a2);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a2));
	const uint8_t *q = w.buf + 42;
	ck_assert_uint_eq(ref_rd32(q + 12), ip_of(w.a2));
	ck_assert_uint_eq(ref_rd16(q + 20), 5000);
	ck_assert_uint_eq(ref_csum(q, 20, 0), 0); /* the quoted header's checksum */
	ck_assert_uint_eq(ref_csum(w.buf + 34, 8 + sizeof(quoted), 0), 0);
	/* an error about a port the NAT never handed out goes nowhere */
	ref_wr16(quoted + 20, port == 65535 ? 65534 : port + 1);
	expect_nat_drop(run_error(quoted, FX_S(2)), DROP_NAT_NO_MAPPING);
}
END_TEST

/* Two NAT gateways whose subnets route to each other: each pass translates and decrements TTL,
 * but the dispatcher's hop budget ends the loop first, as a named drop. */
START_TEST(loop_between_gateways_ends_as_hop_limit)
{
	struct fx *fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "loop", "10.1.0.0/16", true);
	uint16_t acl = fx_acl(fx, vpc, "acl");
	fx_acl_allow_all(fx, acl);
	uint16_t rta = fx_route_table(fx, vpc, "rta"), rtb = fx_route_table(fx, vpc, "rtb");
	uint16_t rtp = fx_route_table(fx, vpc, "rtp");
	uint16_t sa = fx_subnet(fx, vpc, "sa", "10.1.1.0/24", rta, acl);
	uint16_t sb = fx_subnet(fx, vpc, "sb", "10.1.2.0/24", rtb, acl);
	uint16_t sp = fx_subnet(fx, vpc, "sp", "10.1.3.0/24", rtp, acl);
	uint16_t na = fx_natgw(fx, sa, "na", "10.1.1.5", VL_NONE);
	uint16_t nb = fx_natgw(fx, sb, "nb", "10.1.2.5", VL_NONE);
	fx_route(fx, rta, "0.0.0.0/0", VL_T_NATGW, nb);
	fx_route(fx, rtb, "0.0.0.0/0", VL_T_NATGW, na);
	fx_route(fx, rtp, "0.0.0.0/0", VL_T_NATGW, na);
	uint16_t sg = fx_sg(fx, vpc, "open");
	fx_sg_open(fx, sg);
	uint16_t a = fx_instance(fx, sp, "a", "10.1.3.10", NULL);
	fx_port_sg(fx, a, sg);
	struct vl_tables *t = fx_done(fx);
	struct dp_state *s = dp_state_create(t, 64);
	ck_assert_ptr_nonnull(s);
	struct fx_frame f = fx_from_port(t, a);
	f.proto = 17;
	f.dst = fx_ip("198.51.100.10");
	f.sport = f.dport = 5000;
	f.ttl = 255;
	size_t len = fx_build(w.buf, sizeof(w.buf), &f);
	struct verdict v = pipeline_process(s, w.buf, (uint32_t)len, sizeof(w.buf), NULL, a, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_DROP);
	ck_assert_int_eq(v.reason, DROP_HOP_LIMIT);
	ck_assert_uint_eq(dp_drop_count(s, DROP_HOP_LIMIT), 1);
	dp_state_destroy(s);
	fx_free(fx);
}
END_TEST

Suite *suite_natgw(void)
{
	Suite *s = suite_create("natgw");
	TCase *tc = tcase_create("natgw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ports_per_destination);
	tcase_add_test(tc, port_exhaustion);
	tcase_add_test(tc, exhausted_destination_costs_no_scan);
	tcase_add_test(tc, aws_55000_per_destination);
	tcase_add_test(tc, freed_port_makes_destination_allocatable);
	tcase_add_test(tc, table_grows_in_chunks);
	tcase_add_test(tc, limit_is_nat_full);
	tcase_add_test(tc, clone_is_deep_and_equal);
	tcase_add_test(tc, no_gateway_no_state);
	tcase_add_test(tc, limits_parse);
	tcase_add_test(tc, icmp_echo_identifier);
	tcase_add_test(tc, nothing_initiated_from_outside);
	tcase_add_test(tc, rst_for_an_unknown_segment);
	tcase_add_test(tc, idle_timeout_350s);
	tcase_add_test(tc, ttl_and_time_exceeded);
	tcase_add_test(tc, icmp_error_translated_back);
	tcase_add_test(tc, loop_between_gateways_ends_as_hop_limit);
	suite_add_tcase(s, tc);
	return s;
}
