/* The internet gateway's fragmentation (frag.c through pipeline_process): a packet over 1500
 * bytes without DF leaves in fragments (offsets in 8-byte units, MF on all but the last, each at
 * most 1500 bytes, valid header checksums, a payload that reassembles to the datagram with a
 * valid UDP checksum), outbound, inbound and through a NAT gateway; with DF the subnet router
 * answers fragmentation-needed. And `vpclab trace --size/--df` explains both.
 *
 * VPC 10.0.0.0/16 (IGW): pub 10.0.1.0/24 (0/0 igw): a1 10.0.1.10 public 203.0.113.10,
 *   nat 10.0.1.5 (EIP 203.0.113.20); priv 10.0.2.0/24 (0/0 nat): a2 10.0.2.10. Internet h1. */
#include <check.h>

#include "control/tools/trace.h"
#include "fixture.h"

Suite *suite_frag(void);

#define MAX_SENT 16

static struct {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t a1, a2, h1, nat;
	uint8_t sent[MAX_SENT][1600];
	uint32_t sent_len[MAX_SENT];
	uint16_t sent_port[MAX_SENT];
	unsigned n_sent;
	uint8_t buf[9100];
} w;

static int collect(void *ctx, uint16_t port, const struct pkt *p)
{
	(void)ctx;
	ck_assert_uint_lt(w.n_sent, MAX_SENT);
	ck_assert_uint_le(p->len, sizeof(w.sent[0]));
	memcpy(w.sent[w.n_sent], p->frame, p->len);
	w.sent_len[w.n_sent] = p->len;
	w.sent_port[w.n_sent++] = port;
	return 0;
}

static void setup(void)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "main", "10.0.0.0/16", true);
	uint16_t rt_pub = fx_route_table(fx, vpc, "rt-pub"), rt_priv = fx_route_table(fx, vpc, "rt-priv");
	uint16_t acl = fx_acl(fx, vpc, "acl");
	fx_acl_allow_all(fx, acl);
	uint16_t pub = fx_subnet(fx, vpc, "pub", "10.0.1.0/24", rt_pub, acl);
	uint16_t priv = fx_subnet(fx, vpc, "priv", "10.0.2.0/24", rt_priv, acl);
	uint16_t eip = fx_eip(fx, "nat-eip", "203.0.113.20", VL_NONE, 0);
	w.nat = fx_natgw(fx, pub, "nat", "10.0.1.5", eip);
	fx_route(fx, rt_pub, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fx, rt_priv, "0.0.0.0/0", VL_T_NATGW, w.nat);
	uint16_t sg = fx_sg(fx, vpc, "open");
	fx_sg_open(fx, sg);
	w.a1 = fx_instance(fx, pub, "a1", "10.0.1.10", "203.0.113.10");
	w.a2 = fx_instance(fx, priv, "a2", "10.0.2.10", NULL);
	fx_port_sg(fx, w.a1, sg);
	fx_port_sg(fx, w.a2, sg);
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.t = fx_done(fx);
	w.s = dp_state_create(w.t, 1024);
	ck_assert_ptr_nonnull(w.s);
	w.s->send = collect;
}

static void teardown(void)
{
	dp_state_destroy(w.s);
	fx_free(w.fx);
	memset(&w, 0, sizeof(w));
}

/* A UDP datagram of ip_size bytes from port `from` to dst with a patterned payload and a valid
 * checksum, run through pipeline_process. */
static struct verdict send_udp(uint16_t from, uint32_t dst, uint32_t ip_size, bool df)
{
	struct fx_frame f = fx_from_port(w.t, from);
	f.proto = 17;
	f.dst = dst;
	f.sport = 40000;
	f.dport = 5001;
	f.frag = df ? 0x4000 : 0;
	f.ip_id = 0x4242;
	f.payload = (uint16_t)(ip_size - 28);
	size_t len = fx_build(w.buf, sizeof(w.buf), &f);
	uint8_t *udp = w.buf + 34;
	for (uint32_t i = 8; i < ip_size - 20; i++)
		udp[i] = (uint8_t)(i * 7 + 3);
	ref_wr16(udp + 6, 0);
	uint16_t c = ref_csum(udp, ip_size - 20, ref_pseudo(f.src, dst, 17, ip_size - 20));
	ref_wr16(udp + 6, c ? c : 0xffff);
	w.n_sent = 0;
	return pipeline_process(w.s, w.buf, (uint32_t)len, sizeof(w.buf), NULL, from, FX_S(1));
}

/* Checks the fragments sent (all to port `to`) and reassembles them: the UDP datagram from
 * src:sport to dst, ip_size bytes, its payload as send_udp made it. */
static void expect_fragments(uint16_t to, uint32_t ip_size, uint32_t src, uint32_t dst, unsigned n)
{
	static uint8_t whole[9100];
	ck_assert_uint_eq(w.n_sent, n);
	uint32_t next = 0;
	for (unsigned i = 0; i < w.n_sent; i++) {
		const uint8_t *fr = w.sent[i], *ip = fr + 14;
		ck_assert_uint_eq(w.sent_port[i], to);
		ck_assert_mem_eq(fr, w.t->ports[to].mac, 6);
		ck_assert_uint_eq(ip[0], 0x45);
		uint16_t tot = ref_rd16(ip + 2), field = ref_rd16(ip + 6);
		ck_assert_uint_le(tot, 1500);
		ck_assert_uint_eq(w.sent_len[i], 14u + tot);
		ck_assert_msg(ref_ip_csum_ok(fr), "fragment %u: IP header checksum", i);
		ck_assert_uint_eq(ref_rd16(ip + 4), 0x4242);
		ck_assert_uint_eq(ref_rd32(ip + 12), src);
		ck_assert_uint_eq(ref_rd32(ip + 16), dst);
		ck_assert_uint_eq(ip[9], 17);
		ck_assert_uint_eq((field & 0x1fffu) * 8u, next);
		bool last = i + 1 == w.n_sent;
		ck_assert_msg(((field & 0x2000) != 0) == !last, "fragment %u: MF %s", i, last ? "set" : "clear");
		ck_assert(!(field & 0x4000));
		if (!last)
			ck_assert_uint_eq((tot - 20u) % 8u, 0);
		memcpy(whole + next, ip + 20, tot - 20u);
		next += tot - 20u;
	}
	ck_assert_uint_eq(next, ip_size - 20);
	ck_assert_uint_eq(ref_rd16(whole + 4), ip_size - 20);
	ck_assert_msg(ref_sum(whole, next, ref_pseudo(src, dst, 17, next)) == 0xffff,
		      "the reassembled datagram's UDP checksum is wrong");
	for (uint32_t i = 8; i < next; i++)
		ck_assert_uint_eq(whole[i], (uint8_t)(i * 7 + 3));
}

START_TEST(outbound_fragmented_at_the_igw)
{
	struct verdict v = send_udp(w.a1, w.t->ports[w.h1].ip, 4000, false);
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.mtu, 1500);
	expect_fragments(w.h1, 4000, fx_ip("203.0.113.10"), w.t->ports[w.h1].ip, 3);
	ck_assert_uint_eq(w.s->stats[w.h1].tx_packets, 3);
	ck_assert_uint_eq(w.s->drops[DROP_MTU_EXCEEDED], 0);
	/* exactly 1500 bytes leave whole */
	v = send_udp(w.a1, w.t->ports[w.h1].ip, 1500, false);
	ck_assert_uint_eq(w.n_sent, 1);
	ck_assert_uint_eq(w.sent_len[0], 14 + 1500);
}
END_TEST

START_TEST(inbound_fragmented_at_the_igw)
{
	send_udp(w.h1, fx_ip("203.0.113.10"), 3000, false);
	expect_fragments(w.a1, 3000, w.t->ports[w.h1].ip, w.t->ports[w.a1].ip, 3);
}
END_TEST

START_TEST(nat_gateway_traffic_fragmented)
{
	send_udp(w.a2, w.t->ports[w.h1].ip, 4000, false);
	ck_assert_uint_eq(w.n_sent, 3);
	uint16_t nat_port = ref_rd16(w.sent[0] + 34);
	ck_assert_uint_ge(nat_port, 1024);
	expect_fragments(w.h1, 4000, fx_ip("203.0.113.20"), w.t->ports[w.h1].ip, 3);
}
END_TEST

START_TEST(df_gets_fragmentation_needed)
{
	struct verdict v = send_udp(w.a1, w.t->ports[w.h1].ip, 2000, true);
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.a1);
	ck_assert_int_eq(v.replaced, DROP_MTU_EXCEEDED);
	ck_assert_uint_eq(w.n_sent, 1);
	const uint8_t *ip = w.sent[0] + 14;
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_uint_eq(ref_rd32(ip + 12), fx_ip("10.0.1.1"));
	ck_assert_uint_eq(ip[20], 3);
	ck_assert_uint_eq(ip[21], 4);
	ck_assert_uint_eq(ref_rd16(ip + 26), 1500);
	ck_assert_uint_eq(w.s->drops[DROP_MTU_EXCEEDED], 1);
}
END_TEST

static const struct explain_hop *igw_hop(const struct explain *ex)
{
	for (unsigned i = 0; i < ex->n; i++)
		if (ex->hop[i].stage == EX_IGW)
			return &ex->hop[i];
	return NULL;
}

/* trace --size 2000: without --df the IGW hop says it fragments; with --df it refuses and the
 * router's fragmentation-needed goes back to a1. The default size stays as it was. */
START_TEST(trace_size_and_df)
{
	struct trace_req r = {.from = "a1", .to = "h1", .proto = 17, .port = 53, .icmp_type = -1,
			      .size = 2000};
	struct trace_result res;
	char err[200];
	ck_assert_int_eq(trace_flow(w.t, &r, &res, err, sizeof(err)), 0);
	ck_assert_int_eq(res.fwd.v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(res.fwd.v.out_port, w.h1);
	ck_assert_uint_eq(res.fwd.v.mtu, 1500);
	const struct explain_hop *h = igw_hop(&res.fwd.ex);
	ck_assert(h && h->verdict == STAGE_PASS && (h->flags & EXF_FRAGMENTED));
	r.df = true;
	ck_assert_int_eq(trace_flow(w.t, &r, &res, err, sizeof(err)), 0);
	h = igw_hop(&res.fwd.ex);
	ck_assert(h && h->verdict == DROP_MTU_EXCEEDED);
	ck_assert_uint_eq(res.fwd.v.out_port, w.a1);
	ck_assert_int_eq(res.fwd.v.replaced, DROP_MTU_EXCEEDED);
	r.size = 0;
	ck_assert_int_eq(trace_flow(w.t, &r, &res, err, sizeof(err)), 0);
	h = igw_hop(&res.fwd.ex);
	ck_assert(h && h->verdict == STAGE_PASS && !(h->flags & EXF_FRAGMENTED));
	ck_assert_uint_eq(res.fwd.v.mtu, 0);
	r.size = 10;
	ck_assert_int_eq(trace_flow(w.t, &r, &res, err, sizeof(err)), -EINVAL);
}
END_TEST

Suite *suite_frag(void)
{
	Suite *s = suite_create("frag");
	TCase *tc = tcase_create("igw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, outbound_fragmented_at_the_igw);
	tcase_add_test(tc, inbound_fragmented_at_the_igw);
	tcase_add_test(tc, nat_gateway_traffic_fragmented);
	tcase_add_test(tc, df_gets_fragmentation_needed);
	tcase_add_test(tc, trace_size_and_df);
	suite_add_tcase(s, tc);
	return s;
}
