/* natgw.c through the dispatcher: port allocation per (destination, port, protocol) and its
 * exhaustion (ErrorPortAllocation, nat_port_alloc), ICMP echo identifiers, nothing initiated
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
	ck_assert_uint_eq(dp_nat(w.s)->used, 4);
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
	struct nat_state *n = w.s->nat;
	n->port_lo = 2000;
	n->port_hi = 2001;
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
	ck_assert_uint_eq(dp_nat(w.s)->used, 0);
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
	ck_assert_uint_eq(dp_nat(w.s)->used, 0);
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
	for (uint32_t b = 0; b <= dp_nat(w.s)->mask; b += 4096) /* a sweep visits 4096 buckets */
		nat_sweep(w.s, FX_S(2 + 349 + 351));
	ck_assert_uint_eq(counter(NATC_IdleTimeoutCount), 1);
	ck_assert_uint_eq(counter(NATC_ActiveConnectionCount), 0);
	ck_assert_uint_eq(dp_nat(w.s)->used, 0);
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
