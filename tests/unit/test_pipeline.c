/* pipeline.c (+ arp.c, igw.c): whole packet paths on crafted frames through pipeline_run with an
 * explain recorder, on a two-VPC lab. Each test asserts the verdict (action, drop reason,
 * out_port), the rewritten MACs/addresses/checksums where it forwards, and that the recorder's
 * last hop names the deciding stage, its verdict and the rule that decided (or -1).
 *
 * VPC a 10.0.0.0/16 (IGW)                        VPC b 10.0.0.0/16 (no IGW)
 *   s1 10.0.1.0/24 rt1: local, 0/0 igw,           sb 10.0.2.0/24 rtb: local, 0/0 igw
 *      192.0.2.0/24 blackhole, 10.9/16 -> app_off    b1 10.0.2.10 (same IP as a3)
 *      a1 10.0.1.10 public 203.0.113.10              b2 10.0.2.20 public 203.0.113.30
 *      a2 10.0.1.20 (no public IP)
 *      app_on 10.0.1.50 (src/dst check on)       internet
 *      app_off 10.0.1.51 (src/dst check off)       h1 198.51.100.10, h2 198.51.100.20,
 *   s2 10.0.2.0/24 main (local only): a3 10.0.2.10   h3 172.16.0.5 (a private source)
 *   s3 10.0.3.0/24 rt3: local, 10.8/16 -> app_on, 10.9/16 -> app_off: a4 10.0.3.10
 * Every subnet has its own ACL and every instance its own SG; world_end() opens (allow all) all
 * of them except those a test names as closed and fills itself. */
#include <check.h>
#include <stdio.h>

#include "fixture.h"

Suite *suite_pipeline(void);

enum {
	C_ACL1 = 1 << 0, C_ACL2 = 1 << 1, C_ACL3 = 1 << 2, C_ACLB = 1 << 3,
	C_SG1 = 1 << 4, C_SG2 = 1 << 5, C_SG3 = 1 << 6, C_SG4 = 1 << 7, C_SGAPP = 1 << 8,
	C_SGB = 1 << 9,
};

static struct world {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t va, vb;
	uint16_t s1, s2, s3, sb;
	uint16_t rt1, rt3, rtb;
	uint16_t acl1, acl2, acl3, aclb;
	uint16_t sg1, sg2, sg3, sg4, sgapp, sgb;
	uint16_t a1, a2, a3, a4, app_on, app_off, b1, b2, h1, h2, h3;
	int32_t r_igw, r_blackhole, r_app_off1, r_app_on, r_app_off3;
	uint8_t buf[2048];
	size_t len;
	struct pkt p;
	struct explain ex;
} w;

static void world_begin(void)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	w.va = fx_vpc(fx, "a", "10.0.0.0/16", true);
	w.vb = fx_vpc(fx, "b", "10.0.0.0/16", false);
	w.rt1 = fx_route_table(fx, w.va, "rt1");
	fx_route(fx, w.rt1, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fx, w.rt1, "192.0.2.0/24", VL_T_BLACKHOLE, VL_NONE);
	w.rt3 = fx_route_table(fx, w.va, "rt3");
	w.rtb = fx_route_table(fx, w.vb, "rtb");
	fx_route(fx, w.rtb, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	w.acl1 = fx_acl(fx, w.va, "acl1");
	w.acl2 = fx_acl(fx, w.va, "acl2");
	w.acl3 = fx_acl(fx, w.va, "acl3");
	w.aclb = fx_acl(fx, w.vb, "aclb");
	w.s1 = fx_subnet(fx, w.va, "s1", "10.0.1.0/24", w.rt1, w.acl1);
	w.s2 = fx_subnet(fx, w.va, "s2", "10.0.2.0/24", VL_NONE, w.acl2);
	w.s3 = fx_subnet(fx, w.va, "s3", "10.0.3.0/24", w.rt3, w.acl3);
	w.sb = fx_subnet(fx, w.vb, "sb", "10.0.2.0/24", w.rtb, w.aclb);
	w.sg1 = fx_sg(fx, w.va, "sg1");
	w.sg2 = fx_sg(fx, w.va, "sg2");
	w.sg3 = fx_sg(fx, w.va, "sg3");
	w.sg4 = fx_sg(fx, w.va, "sg4");
	w.sgapp = fx_sg(fx, w.va, "sgapp");
	w.sgb = fx_sg(fx, w.vb, "sgb");
	w.a1 = fx_instance(fx, w.s1, "a1", "10.0.1.10", "203.0.113.10");
	w.a2 = fx_instance(fx, w.s1, "a2", "10.0.1.20", NULL);
	w.app_on = fx_instance(fx, w.s1, "app-on", "10.0.1.50", NULL);
	w.app_off = fx_instance(fx, w.s1, "app-off", "10.0.1.51", NULL);
	w.a3 = fx_instance(fx, w.s2, "a3", "10.0.2.10", NULL);
	w.a4 = fx_instance(fx, w.s3, "a4", "10.0.3.10", NULL);
	w.b1 = fx_instance(fx, w.sb, "b1", "10.0.2.10", NULL);
	w.b2 = fx_instance(fx, w.sb, "b2", "10.0.2.20", "203.0.113.30");
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.h2 = fx_inet_host(fx, "h2", "198.51.100.20");
	w.h3 = fx_inet_host(fx, "h3", "172.16.0.5");
	fx_port_sg(fx, w.a1, w.sg1);
	fx_port_sg(fx, w.a2, w.sg2);
	fx_port_sg(fx, w.a3, w.sg3);
	fx_port_sg(fx, w.a4, w.sg4);
	fx_port_sg(fx, w.app_on, w.sgapp);
	fx_port_sg(fx, w.app_off, w.sgapp);
	fx_port_sg(fx, w.b1, w.sgb);
	fx_port_sg(fx, w.b2, w.sgb);
	fx->t->ports[w.app_off].src_dst_check = 0;
	fx_route(fx, w.rt1, "10.9.0.0/16", VL_T_PORT, w.app_off);
	fx_route(fx, w.rt3, "10.8.0.0/16", VL_T_PORT, w.app_on);
	fx_route(fx, w.rt3, "10.9.0.0/16", VL_T_PORT, w.app_off);
}

static void world_end(unsigned closed)
{
	struct fx *fx = w.fx;
	const uint16_t acls[] = {w.acl1, w.acl2, w.acl3, w.aclb};
	for (int i = 0; i < 4; i++)
		if (!(closed & (C_ACL1 << i)))
			fx_acl_allow_all(fx, acls[i]);
	const uint16_t sgs[] = {w.sg1, w.sg2, w.sg3, w.sg4, w.sgapp, w.sgb};
	for (int i = 0; i < 6; i++)
		if (!(closed & (C_SG1 << i)))
			fx_sg_open(fx, sgs[i]);
	w.t = fx_done(fx);
	w.r_igw = fx_route_index(fx, w.rt1, 1);
	w.r_blackhole = fx_route_index(fx, w.rt1, 2);
	w.r_app_off1 = fx_route_index(fx, w.rt1, 3);
	w.r_app_on = fx_route_index(fx, w.rt3, 1);
	w.r_app_off3 = fx_route_index(fx, w.rt3, 2);
	w.s = dp_state_create(w.t, 4096);
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

/* A frame from port `from` (its MAC and IP) to the router MAC. */
static struct fx_frame frame(uint16_t from, uint8_t proto, uint32_t dst, uint16_t sport, uint16_t dport,
			     uint8_t flags)
{
	struct fx_frame f = fx_from_port(w.t, from);
	f.proto = proto;
	f.dst = dst;
	f.sport = sport;
	f.dport = dport;
	f.tcp_flags = flags;
	f.payload = 10;
	if (proto == 1) {
		f.icmp_type = (uint8_t)sport;
		f.icmp_id = dport;
	}
	return f;
}

static struct verdict run_frame(uint16_t in_port, const struct fx_frame *f, uint64_t now)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, in_port), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

static struct verdict send_tcp(uint16_t from, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct fx_frame f = frame(from, 6, dst, sport, dport, flags);
	return run_frame(from, &f, FX_S(100));
}

static const struct explain_hop *last_hop(void)
{
	ck_assert_msg(w.ex.n > 0, "explain recorded no hop");
	return &w.ex.hop[w.ex.n - 1];
}

static const struct explain_hop *find_hop(enum explain_stage st)
{
	for (unsigned i = 0; i < w.ex.n; i++)
		if (w.ex.hop[i].stage == st)
			return &w.ex.hop[i];
	return NULL;
}

static const char *vname(int v)
{
	return v == STAGE_PASS ? "pass" : drop_reason_name((enum drop_reason)v);
}

/* The verdict is a drop for `reason`, and the last hop is stage st with that verdict, looking at
 * obj (VL_NONE: not checked) with rule `rule` (-2: not checked). */
static void expect_drop(struct verdict v, enum drop_reason reason, enum explain_stage st, uint16_t obj,
			int32_t rule)
{
	ck_assert_msg(v.action == VERDICT_DROP, "expected drop %s, got action %u (out_port %u)",
		      drop_reason_name(reason), v.action, v.out_port);
	ck_assert_msg(v.reason == reason, "expected drop %s, got %s", drop_reason_name(reason),
		      drop_reason_name((enum drop_reason)v.reason));
	const struct explain_hop *h = last_hop();
	ck_assert_msg(h->stage == st && h->verdict == (int)reason,
		      "drop %s: last hop is %s/%s, expected %s/%s", drop_reason_name(reason),
		      explain_stage_name((enum explain_stage)h->stage), vname(h->verdict),
		      explain_stage_name(st), drop_reason_name(reason));
	if (obj != VL_NONE)
		ck_assert_uint_eq(h->obj, obj);
	if (rule != -2)
		ck_assert_int_eq(h->rule, rule);
}

/* Forwarded to port: out_port, MACs rewritten (to the port, from the router), last hop DELIVER. */
static void expect_forward(struct verdict v, uint16_t port)
{
	ck_assert_msg(v.action == VERDICT_FORWARD, "expected forward to %u, got action %u reason %s", port,
		      v.action, v.action == VERDICT_DROP ? drop_reason_name((enum drop_reason)v.reason) : "-");
	ck_assert_uint_eq(v.out_port, port);
	ck_assert_mem_eq(w.buf, w.t->ports[port].mac, 6);
	ck_assert_mem_eq(w.buf + 6, w.t->router_mac, 6);
	const struct explain_hop *h = last_hop();
	ck_assert_int_eq(h->stage, EX_DELIVER);
	ck_assert_int_eq(h->verdict, STAGE_PASS);
	ck_assert_uint_eq(h->obj, port);
	ck_assert(ref_ip_csum_ok(w.buf));
	ck_assert(ref_l4_csum_ok(w.buf));
}

static bool has_stage(enum explain_stage st)
{
	return find_hop(st) != NULL;
}

/* ---------------------------------------------------------------- ARP */

static struct verdict arp(uint16_t from, uint32_t spa, uint32_t tpa, uint16_t op)
{
	w.len = fx_build_arp(w.buf, w.t->ports[from].mac, spa, tpa, op);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, from), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, FX_S(1), &w.ex);
}

static void expect_arp_reply(struct verdict v, uint16_t asker, uint32_t asked)
{
	const uint8_t *mac = w.t->ports[asker].mac;
	ck_assert_int_eq(v.action, VERDICT_REPLY);
	ck_assert_uint_eq(v.out_port, asker);
	ck_assert_uint_eq(w.len, 42);
	ck_assert_mem_eq(w.buf, mac, 6);                  /* Ethernet: to the asker */
	ck_assert_mem_eq(w.buf + 6, w.t->router_mac, 6);  /* from the router */
	ck_assert_uint_eq(ref_rd16(w.buf + 12), 0x0806);
	const uint8_t *a = w.buf + 14;
	ck_assert_uint_eq(ref_rd16(a), 1);
	ck_assert_uint_eq(ref_rd16(a + 2), 0x0800);
	ck_assert_uint_eq(ref_rd16(a + 6), 2);            /* reply */
	ck_assert_mem_eq(a + 8, w.t->router_mac, 6);      /* sender: router MAC ... */
	ck_assert_uint_eq(ref_rd32(a + 14), asked);       /* ... for the asked address */
	ck_assert_mem_eq(a + 18, mac, 6);                 /* target: the asker */
	ck_assert_uint_eq(ref_rd32(a + 24), ip_of(asker));
	const struct explain_hop *h = last_hop();
	ck_assert_int_eq(h->stage, EX_ARP);
	ck_assert_int_eq(h->verdict, STAGE_PASS);
}

START_TEST(arp_gateway_answered_with_router_mac)
{
	world_begin();
	world_end(0);
	expect_arp_reply(arp(w.a1, ip_of(w.a1), fx_ip("10.0.1.1"), 1), w.a1, fx_ip("10.0.1.1"));
	expect_arp_reply(arp(w.a3, ip_of(w.a3), fx_ip("10.0.2.1"), 1), w.a3, fx_ip("10.0.2.1"));
}
END_TEST

/* Neighbours of the subnet, present or not, are the router MAC too (no L2 between namespaces). */
START_TEST(arp_neighbour_answered_with_router_mac)
{
	world_begin();
	world_end(0);
	expect_arp_reply(arp(w.a1, ip_of(w.a1), ip_of(w.a2), 1), w.a1, ip_of(w.a2));
	expect_arp_reply(arp(w.a1, ip_of(w.a1), fx_ip("10.0.1.200"), 1), w.a1, fx_ip("10.0.1.200"));
	/* an internet host asks for everything (device route) */
	expect_arp_reply(arp(w.h1, ip_of(w.h1), fx_ip("203.0.113.10"), 1), w.h1, fx_ip("203.0.113.10"));
}
END_TEST

START_TEST(arp_not_answered)
{
	world_begin();
	world_end(0);
	/* outside the asker's subnet (in the VPC, and outside it) */
	expect_drop(arp(w.a1, ip_of(w.a1), ip_of(w.a3), 1), DROP_BAD_ARP, EX_ARP, VL_NONE, -1);
	/* the frame was not turned into a reply */
	ck_assert_uint_eq(ref_rd16(w.buf + 14 + 6), 1);
	ck_assert_mem_eq(w.buf + 6, w.t->ports[w.a1].mac, 6);
	ck_assert_uint_eq(w.buf[0], 0xff);
	expect_drop(arp(w.a1, ip_of(w.a1), fx_ip("8.8.8.8"), 1), DROP_BAD_ARP, EX_ARP, VL_NONE, -1);
	/* its own address (duplicate address detection) */
	expect_drop(arp(w.a1, ip_of(w.a1), ip_of(w.a1), 1), DROP_BAD_ARP, EX_ARP, VL_NONE, -1);
	/* a sender address that is not the asker's */
	expect_drop(arp(w.a1, ip_of(w.a2), fx_ip("10.0.1.1"), 1), DROP_BAD_ARP, EX_ARP, VL_NONE, -1);
	/* a reply, not a request */
	expect_drop(arp(w.a1, ip_of(w.a1), fx_ip("10.0.1.1"), 2), DROP_BAD_ARP, EX_ARP, VL_NONE, -1);
}
END_TEST

/* ---------------------------------------------------------------- within the VPC */

START_TEST(same_subnet_skips_nacls)
{
	world_begin();
	world_end(C_ACL1); /* acl1 has no rules: denies everything both ways */
	struct verdict v = send_tcp(w.a1, ip_of(w.a2), 40000, 22, TCPF_SYN);
	expect_forward(v, w.a2);
	ck_assert(!has_stage(EX_NACL_OUT));
	ck_assert(!has_stage(EX_NACL_IN));
	const struct explain_hop *r = find_hop(EX_ROUTE);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->flags & EXF_SAME_SUBNET);
	/* the packet itself is untouched apart from the MACs */
	ck_assert_uint_eq(ref_rd32(w.buf + 26), ip_of(w.a1));
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a2));
	/* and across subnets the same ACL stops it */
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 22, TCPF_SYN), DROP_NACL_OUT, EX_NACL_OUT, w.acl1, -1);
}
END_TEST

START_TEST(nacl_out_of_source_subnet)
{
	world_begin();
	fx_acl_rule(w.fx, w.acl1, FX_IN, 100, true, fx_m_all(), "0.0.0.0/0");
	fx_acl_rule(w.fx, w.acl1, FX_OUT, 100, false, fx_m(6, 80, 80), "10.0.2.0/24");
	fx_acl_rule(w.fx, w.acl1, FX_OUT, 200, true, fx_m(6, 0, 65535), "10.0.2.0/24");
	world_end(C_ACL1);
	int32_t deny = fx_acl_rule_index(w.fx, w.acl1, FX_OUT, 100);
	int32_t allow = fx_acl_rule_index(w.fx, w.acl1, FX_OUT, 200);
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 80, TCPF_SYN), DROP_NACL_OUT, EX_NACL_OUT, w.acl1, deny);
	ck_assert(!has_stage(EX_NACL_IN)); /* the destination's ACL is never consulted */
	ck_assert(!has_stage(EX_SG_IN));
	/* udp: no out rule matches, the implicit deny */
	struct fx_frame f = frame(w.a1, 17, ip_of(w.a3), 5000, 53, 0);
	expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_NACL_OUT, EX_NACL_OUT, w.acl1, -1);
	/* tcp 443: rule 200 allows, acl2 (open) lets it in */
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 443, TCPF_SYN), w.a3);
	const struct explain_hop *h = find_hop(EX_NACL_OUT);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->rule, allow);
	ck_assert_int_eq(h->verdict, STAGE_PASS);
	h = find_hop(EX_NACL_IN);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->obj, w.acl2);
	ck_assert_int_eq(h->rule, fx_acl_rule_index(w.fx, w.acl2, FX_IN, 100));
	ck_assert(h > find_hop(EX_NACL_OUT)); /* out of the source first, then in */
}
END_TEST

START_TEST(nacl_in_of_destination_subnet)
{
	world_begin();
	fx_acl_rule(w.fx, w.acl2, FX_IN, 100, true, fx_m(6, 22, 22), "10.0.1.0/24");
	fx_acl_rule(w.fx, w.acl2, FX_IN, 110, false, fx_m(6, 23, 23), "0.0.0.0/0");
	fx_acl_rule(w.fx, w.acl2, FX_OUT, 100, true, fx_m_all(), "0.0.0.0/0");
	world_end(C_ACL2);
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 22, TCPF_SYN), w.a3);
	ck_assert_int_eq(find_hop(EX_NACL_IN)->rule, fx_acl_rule_index(w.fx, w.acl2, FX_IN, 100));
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 80, TCPF_SYN), DROP_NACL_IN, EX_NACL_IN, w.acl2, -1);
	const struct explain_hop *out = find_hop(EX_NACL_OUT);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(out->verdict, STAGE_PASS);
	ck_assert_uint_eq(out->obj, w.acl1);
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 23, TCPF_SYN), DROP_NACL_IN, EX_NACL_IN, w.acl2,
		    fx_acl_rule_index(w.fx, w.acl2, FX_IN, 110));
	/* from a4 (10.0.3.x): rule 100 is for 10.0.1.0/24 only */
	expect_drop(send_tcp(w.a4, ip_of(w.a3), 40000, 22, TCPF_SYN), DROP_NACL_IN, EX_NACL_IN, w.acl2, -1);
}
END_TEST

/* NACLs are stateless: a reply the SG would let through on state is judged by the rules. */
START_TEST(nacl_is_stateless)
{
	world_begin();
	fx_acl_rule(w.fx, w.acl2, FX_IN, 100, true, fx_m(6, 80, 80), "0.0.0.0/0");
	world_end(C_ACL2); /* acl2: nothing out */
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 80, TCPF_SYN), w.a3);
	expect_drop(send_tcp(w.a3, ip_of(w.a1), 80, 40000, TCPF_SYN | TCPF_ACK), DROP_NACL_OUT, EX_NACL_OUT,
		    w.acl2, -1);
	const struct explain_hop *sg = find_hop(EX_SG_OUT);
	ck_assert_ptr_nonnull(sg);
	ck_assert(sg->flags & EXF_TRACKED); /* the SG did let it out, on state */
}
END_TEST

START_TEST(sg_egress_drop)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m(6, 443, 443), "0.0.0.0/0");
	world_end(C_SG1);
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 80, TCPF_SYN), DROP_SG_EGRESS, EX_SG_OUT, w.a1, -1);
	ck_assert(!has_stage(EX_ROUTE));
	const struct explain_hop *h = find_hop(EX_SRCDST_OUT);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->verdict, STAGE_PASS);
	ck_assert(h < last_hop());
	/* same subnet too: the SG is at the interface, not the subnet boundary */
	expect_drop(send_tcp(w.a1, ip_of(w.a2), 40000, 80, TCPF_SYN), DROP_SG_EGRESS, EX_SG_OUT, w.a1, -1);
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 443, TCPF_SYN), w.a3);
	h = find_hop(EX_SG_OUT);
	ck_assert_int_eq(h->rule, fx_sg_rule_index(w.fx, w.sg1, FX_OUT, 1));
	ck_assert(h->flags & EXF_NEW_FLOW);
}
END_TEST

START_TEST(sg_ingress_drop)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg3, FX_IN, fx_m(6, 22, 22), "10.0.1.0/24");
	fx_sg_rule(w.fx, w.sg3, FX_OUT, fx_m_all(), "0.0.0.0/0");
	world_end(C_SG3);
	expect_drop(send_tcp(w.a1, ip_of(w.a3), 40000, 80, TCPF_SYN), DROP_SG_INGRESS, EX_SG_IN, w.a3, -1);
	ck_assert_int_eq(find_hop(EX_NACL_IN)->verdict, STAGE_PASS);
	expect_drop(send_tcp(w.a4, ip_of(w.a3), 40000, 22, TCPF_SYN), DROP_SG_INGRESS, EX_SG_IN, w.a3, -1);
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 22, TCPF_SYN), w.a3);
	const struct explain_hop *h = find_hop(EX_SG_IN);
	ck_assert_int_eq(h->rule, fx_sg_rule_index(w.fx, w.sg3, FX_IN, 1));
	ck_assert(h->flags & EXF_NEW_FLOW);
}
END_TEST

START_TEST(stateful_reply_passes)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m(6, 443, 443), "10.0.0.0/16");
	fx_sg_rule(w.fx, w.sg3, FX_IN, fx_m(6, 443, 443), "10.0.1.0/24");
	world_end(C_SG1 | C_SG3); /* a1 has no inbound rule, a3 no outbound rule */
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 443, TCPF_SYN), w.a3);
	expect_forward(send_tcp(w.a3, ip_of(w.a1), 443, 40000, TCPF_SYN | TCPF_ACK), w.a1);
	const struct explain_hop *out = find_hop(EX_SG_OUT), *in = find_hop(EX_SG_IN);
	ck_assert(out && in);
	ck_assert_int_eq(out->rule, -1);
	ck_assert(out->flags & EXF_TRACKED);
	ck_assert_int_eq(in->rule, -1);
	ck_assert(in->flags & EXF_TRACKED);
	expect_forward(send_tcp(w.a1, ip_of(w.a3), 40000, 443, TCPF_ACK), w.a3);
	/* a3 starting its own connection: no outbound rule */
	expect_drop(send_tcp(w.a3, ip_of(w.a1), 443, 40001, TCPF_SYN), DROP_SG_EGRESS, EX_SG_OUT, w.a3, -1);
	expect_drop(send_tcp(w.a3, ip_of(w.a1), 5000, 22, TCPF_SYN), DROP_SG_EGRESS, EX_SG_OUT, w.a3, -1);
}
END_TEST

/* A group reference matches traffic straight from a member, not through an appliance. */
START_TEST(sg_reference_not_through_appliance)
{
	world_begin();
	fx_sg_rule_ref(w.fx, w.sg3, FX_IN, fx_m_all(), w.sg4);
	world_end(C_SG3);
	expect_forward(send_tcp(w.a4, ip_of(w.a3), 40000, 5432, TCPF_SYN), w.a3);
	/* the same packet, forwarded by app_off (src/dst check off) */
	struct fx_frame f = frame(w.app_off, 6, ip_of(w.a3), 40001, 5432, TCPF_SYN);
	f.src = ip_of(w.a4);
	expect_drop(run_frame(w.app_off, &f, FX_S(1)), DROP_SG_INGRESS, EX_SG_IN, w.a3, -1);
}
END_TEST

/* ---------------------------------------------------------------- routes */

START_TEST(blackhole_beats_shorter_route)
{
	world_begin();
	world_end(0);
	expect_drop(send_tcp(w.a1, fx_ip("192.0.2.1"), 40000, 80, TCPF_SYN), DROP_BLACKHOLE, EX_ROUTE, w.rt1,
		    w.r_blackhole);
	ck_assert(!has_stage(EX_NACL_OUT));
	ck_assert(!has_stage(EX_IGW));
	/* just outside the blackhole: the default route to the IGW */
	struct verdict v = send_tcp(w.a1, fx_ip("192.0.3.1"), 40000, 80, TCPF_SYN);
	ck_assert_int_eq(find_hop(EX_ROUTE)->rule, w.r_igw);
	ck_assert(has_stage(EX_IGW));
	expect_drop(v, DROP_INET_NO_HOST, EX_DELIVER, VL_NONE, -1);
}
END_TEST

START_TEST(no_route)
{
	world_begin();
	world_end(0);
	expect_drop(send_tcp(w.a3, fx_ip("8.8.8.8"), 40000, 53, TCPF_SYN), DROP_NO_ROUTE, EX_ROUTE,
		    w.fx->main_rt[w.va], -1);
	/* just outside the VPC CIDR: the main table has only the local route */
	expect_drop(send_tcp(w.a3, fx_ip("10.1.0.1"), 40000, 53, TCPF_SYN), DROP_NO_ROUTE, EX_ROUTE,
		    VL_NONE, -1);
}
END_TEST

START_TEST(no_host)
{
	world_begin();
	world_end(0);
	expect_drop(send_tcp(w.a1, fx_ip("10.0.2.99"), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
	expect_drop(send_tcp(w.a1, fx_ip("10.0.1.99"), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
	/* in the VPC CIDR but in no subnet */
	expect_drop(send_tcp(w.a1, fx_ip("10.0.77.5"), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
	/* the subnet's broadcast address is reserved but nobody's: no host */
	expect_drop(send_tcp(w.a1, fx_ip("10.0.2.255"), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
}
END_TEST

START_TEST(router_addresses)
{
	world_begin();
	world_end(0);
	static const char *const addrs[] = {"10.0.1.1", "10.0.1.0", "10.0.1.2", "10.0.1.3", "10.0.2.1",
					    "10.0.2.2", "10.0.3.3"};
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct fx_frame f = frame(w.a1, 1, fx_ip(addrs[i]), 8, 7, 0); /* ping */
		expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_ROUTER_ADDR, EX_DELIVER, VL_NONE, -1);
	}
	expect_drop(send_tcp(w.a1, fx_ip("10.0.2.4"), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
}
END_TEST

START_TEST(srcdst_check_on_send)
{
	world_begin();
	world_end(0);
	struct fx_frame f = frame(w.a1, 6, ip_of(w.a3), 40000, 22, TCPF_SYN);
	f.src = fx_ip("10.0.1.99");
	expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_SRCDST_CHECK, EX_SRCDST_OUT, w.a1, -1);
	ck_assert_uint_eq(w.ex.n, 1); /* nothing after the check ran, not even SG egress */
	f.src = fx_ip("203.0.113.10"); /* its own public IP is not its address either */
	expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_SRCDST_CHECK, EX_SRCDST_OUT, w.a1, -1);
	f.src = ip_of(w.a2);
	expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_SRCDST_CHECK, EX_SRCDST_OUT, w.a1, -1);
	/* with the check off, an appliance forwards others' traffic */
	f = frame(w.app_off, 6, ip_of(w.a3), 40000, 22, TCPF_SYN);
	f.src = ip_of(w.a4);
	expect_forward(run_frame(w.app_off, &f, FX_S(1)), w.a3);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), ip_of(w.a4));
}
END_TEST

START_TEST(srcdst_check_on_receive)
{
	world_begin();
	world_end(0);
	/* the route sends 10.8/16 to app_on, whose check is on: not its address, dropped */
	expect_drop(send_tcp(w.a4, fx_ip("10.8.1.1"), 40000, 80, TCPF_SYN), DROP_SRCDST_CHECK, EX_SRCDST_IN,
		    w.app_on, -1);
	ck_assert_int_eq(find_hop(EX_ROUTE)->rule, w.r_app_on);
	/* 10.9/16 to app_off: delivered to it, addresses unchanged, its MAC */
	expect_forward(send_tcp(w.a4, fx_ip("10.9.1.1"), 40000, 80, TCPF_SYN), w.app_off);
	ck_assert_int_eq(find_hop(EX_ROUTE)->rule, w.r_app_off3);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), fx_ip("10.9.1.1"));
	ck_assert_uint_eq(find_hop(EX_NACL_OUT)->obj, w.acl3);
	ck_assert_uint_eq(find_hop(EX_NACL_IN)->obj, w.acl1);
	ck_assert_uint_eq(find_hop(EX_SG_IN)->obj, w.app_off);
	/* from its own subnet: same-subnet switching does not apply to 10.9/16, no NACL */
	expect_forward(send_tcp(w.a1, fx_ip("10.9.1.1"), 40000, 80, TCPF_SYN), w.app_off);
	ck_assert_int_eq(find_hop(EX_ROUTE)->rule, w.r_app_off1);
	ck_assert(!has_stage(EX_NACL_OUT));
}
END_TEST

/* Middlebox insertion (reference 2.2): a route for a whole subnet's CIDR, more specific than the
 * local route, sends traffic between two subnets through an appliance; traffic inside one subnet
 * never goes through it. */
START_TEST(subnet_route_through_appliance)
{
	world_begin();
	fx_route(w.fx, w.rt3, "10.0.2.0/24", VL_T_PORT, w.app_off);
	fx_route(w.fx, w.rt1, "10.0.1.0/24", VL_T_PORT, w.app_off);
	world_end(0);
	expect_forward(send_tcp(w.a4, ip_of(w.a3), 40000, 80, TCPF_SYN), w.app_off);
	ck_assert_int_eq(find_hop(EX_ROUTE)->rule, fx_route_index(w.fx, w.rt3, 3));
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a3)); /* addressed to a3 still */
	ck_assert_uint_eq(find_hop(EX_NACL_OUT)->obj, w.acl3);
	ck_assert_uint_eq(find_hop(EX_NACL_IN)->obj, w.acl1);
	/* the appliance passes it on to a3 */
	struct fx_frame f = frame(w.app_off, 6, ip_of(w.a3), 40000, 80, TCPF_SYN);
	f.src = ip_of(w.a4);
	expect_forward(run_frame(w.app_off, &f, FX_S(1)), w.a3);
	/* a1 -> a2 in s1: switched directly although rt1 sends 10.0.1.0/24 to the appliance */
	expect_forward(send_tcp(w.a1, ip_of(w.a2), 40000, 80, TCPF_SYN), w.a2);
	ck_assert(find_hop(EX_ROUTE)->flags & EXF_SAME_SUBNET);
}
END_TEST

/* VPC b has a host with a3's address: nothing from a ever reaches it, and b reaches only b. */
START_TEST(vpc_isolation)
{
	world_begin();
	world_end(0);
	expect_forward(send_tcp(w.a1, fx_ip("10.0.2.10"), 40000, 22, TCPF_SYN), w.a3);
	expect_forward(send_tcp(w.b2, fx_ip("10.0.2.10"), 40000, 22, TCPF_SYN), w.b1);
	expect_drop(send_tcp(w.b1, ip_of(w.a1), 40000, 22, TCPF_SYN), DROP_NO_HOST, EX_DELIVER, VL_NONE, -1);
	const uint16_t from_a[] = {w.a1, w.a2, w.a3, w.a4, w.app_on, w.app_off};
	for (size_t i = 0; i < sizeof(from_a) / sizeof(from_a[0]); i++) {
		for (uint32_t host = 0; host < 256; host++) {
			uint32_t dst = fx_ip("10.0.2.0") | host;
			struct verdict v = send_tcp(from_a[i], dst, (uint16_t)(1024 + host), 22, TCPF_SYN);
			ck_assert(v.action == VERDICT_DROP || v.out_port != w.b1);
			ck_assert(v.action == VERDICT_DROP || v.out_port != w.b2);
			v = send_tcp(w.b1, fx_ip("10.0.1.0") | host, (uint16_t)(1024 + host), 22, TCPF_SYN);
			ck_assert_int_eq(v.action, VERDICT_DROP);
		}
	}
	/* VPC b's 0/0 -> igw: b has no internet gateway */
	expect_drop(send_tcp(w.b2, ip_of(w.h1), 40000, 443, TCPF_SYN), DROP_NO_IGW, EX_IGW, VL_NONE, -1);
	/* and a's public IP is no way in either */
	expect_drop(send_tcp(w.b2, fx_ip("203.0.113.10"), 40000, 22, TCPF_SYN), DROP_NO_IGW, EX_IGW, VL_NONE, -1);
}
END_TEST

/* ---------------------------------------------------------------- internet gateway */

START_TEST(igw_out_rewrites_source)
{
	world_begin();
	world_end(0);
	static const uint8_t protos[] = {6, 17, 1};
	for (int i = 0; i < 3; i++) {
		struct fx_frame f = frame(w.a1, protos[i], ip_of(w.h1), protos[i] == 1 ? 8 : 40000, 443, TCPF_SYN);
		struct verdict v = run_frame(w.a1, &f, FX_S(1));
		expect_forward(v, w.h1); /* includes valid IP and L4 checksums */
		ck_assert_uint_eq(ref_rd32(w.buf + 26), fx_ip("203.0.113.10"));
		ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.h1));
		ck_assert_uint_eq(w.p.src, fx_ip("203.0.113.10"));
		const struct explain_hop *igw = find_hop(EX_IGW);
		ck_assert_ptr_nonnull(igw);
		ck_assert_int_eq(igw->verdict, STAGE_PASS);
		ck_assert(find_hop(EX_NACL_OUT) < igw);
		ck_assert_int_eq(find_hop(EX_ROUTE)->rule, w.r_igw);
	}
	/* UDP without a checksum keeps none */
	struct fx_frame f = frame(w.a1, 17, ip_of(w.h1), 5000, 53, 0);
	f.udp_no_csum = true;
	struct verdict v = run_frame(w.a1, &f, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(ref_rd16(w.buf + 40), 0);
	ck_assert(ref_ip_csum_ok(w.buf));
}
END_TEST

START_TEST(igw_no_public_ip)
{
	world_begin();
	world_end(0);
	expect_drop(send_tcp(w.a2, ip_of(w.h1), 40000, 443, TCPF_SYN), DROP_IGW_NO_PUBLIC_IP, EX_IGW, w.va, -1);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), ip_of(w.a2)); /* not rewritten */
}
END_TEST

START_TEST(igw_private_destination)
{
	world_begin();
	world_end(0);
	static const char *const priv[] = {"192.168.5.5", "172.16.0.1", "172.31.255.255", "100.64.0.1",
					   "100.127.255.255", "10.200.0.1"};
	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		expect_drop(send_tcp(w.a1, fx_ip(priv[i]), 40000, 443, TCPF_SYN), DROP_IGW_PRIVATE_DST, EX_IGW,
			    w.va, -1);
	/* just outside those ranges: not private, so the IGW lets it out (nobody is there) */
	static const char *const pub[] = {"172.32.0.1", "100.128.0.1", "192.169.0.1", "11.0.0.1"};
	for (size_t i = 0; i < sizeof(pub) / sizeof(pub[0]); i++)
		expect_drop(send_tcp(w.a1, fx_ip(pub[i]), 40000, 443, TCPF_SYN), DROP_INET_NO_HOST, EX_DELIVER,
			    VL_NONE, -1);
}
END_TEST

START_TEST(igw_out_blocked_by_nacl)
{
	world_begin();
	fx_acl_rule(w.fx, w.acl1, FX_OUT, 100, true, fx_m_all(), "10.0.0.0/16");
	world_end(C_ACL1);
	expect_drop(send_tcp(w.a1, ip_of(w.h1), 40000, 443, TCPF_SYN), DROP_NACL_OUT, EX_NACL_OUT, w.acl1, -1);
	ck_assert(!has_stage(EX_IGW));
}
END_TEST

START_TEST(igw_in_reaches_instance)
{
	world_begin();
	uint16_t r22 = fx_sg_rule(w.fx, w.sg1, FX_IN, fx_m(6, 22, 22), "0.0.0.0/0");
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m_all(), "0.0.0.0/0");
	world_end(C_SG1);
	struct fx_frame f = frame(w.h1, 6, fx_ip("203.0.113.10"), 50000, 22, TCPF_SYN);
	expect_forward(run_frame(w.h1, &f, FX_S(1)), w.a1);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), ip_of(w.h1));
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a1));
	ck_assert_uint_eq(w.p.dst, ip_of(w.a1));
	const struct explain_hop *igw = find_hop(EX_IGW), *nin = find_hop(EX_NACL_IN), *sg = find_hop(EX_SG_IN);
	ck_assert(igw && nin && sg);
	ck_assert(igw < nin && nin < sg);
	ck_assert_uint_eq(nin->obj, w.acl1);
	ck_assert_int_eq(sg->rule, fx_sg_rule_index(w.fx, w.sg1, FX_IN, r22));
	ck_assert(!has_stage(EX_NACL_OUT));
	/* the reply goes back out, translated */
	expect_forward(send_tcp(w.a1, ip_of(w.h1), 22, 50000, TCPF_SYN | TCPF_ACK), w.h1);
	ck_assert_uint_eq(ref_rd32(w.buf + 26), fx_ip("203.0.113.10"));
	/* another port: the SG refuses */
	f = frame(w.h1, 6, fx_ip("203.0.113.10"), 50000, 23, TCPF_SYN);
	expect_drop(run_frame(w.h1, &f, FX_S(1)), DROP_SG_INGRESS, EX_SG_IN, w.a1, -1);
	/* an ICMP echo, no rule for it */
	f = frame(w.h1, 1, fx_ip("203.0.113.10"), 8, 99, 0);
	expect_drop(run_frame(w.h1, &f, FX_S(1)), DROP_SG_INGRESS, EX_SG_IN, w.a1, -1);
}
END_TEST

START_TEST(igw_in_blocked_by_nacl)
{
	world_begin();
	fx_acl_rule(w.fx, w.acl1, FX_IN, 50, false, fx_m(6, 22, 22), "198.51.100.0/24");
	fx_acl_rule(w.fx, w.acl1, FX_IN, 100, true, fx_m_all(), "0.0.0.0/0");
	fx_acl_rule(w.fx, w.acl1, FX_OUT, 100, true, fx_m_all(), "0.0.0.0/0");
	world_end(C_ACL1);
	struct fx_frame f = frame(w.h1, 6, fx_ip("203.0.113.10"), 50000, 22, TCPF_SYN);
	expect_drop(run_frame(w.h1, &f, FX_S(1)), DROP_NACL_IN, EX_NACL_IN, w.acl1,
		    fx_acl_rule_index(w.fx, w.acl1, FX_IN, 50));
	f = frame(w.h1, 6, fx_ip("203.0.113.10"), 50000, 80, TCPF_SYN);
	expect_forward(run_frame(w.h1, &f, FX_S(1)), w.a1);
}
END_TEST

/* The default group pattern (in: all from itself) never admits traffic from the IGW. */
START_TEST(igw_in_sg_reference_does_not_match)
{
	world_begin();
	fx_sg_rule_ref(w.fx, w.sg1, FX_IN, fx_m_all(), w.sg1);
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m_all(), "0.0.0.0/0");
	world_end(C_SG1);
	struct fx_frame f = frame(w.h1, 6, fx_ip("203.0.113.10"), 50000, 22, TCPF_SYN);
	expect_drop(run_frame(w.h1, &f, FX_S(1)), DROP_SG_INGRESS, EX_SG_IN, w.a1, -1);
}
END_TEST

START_TEST(igw_stateful_reply)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m(6, 443, 443), "0.0.0.0/0");
	world_end(C_SG1); /* no inbound rule at all */
	expect_forward(send_tcp(w.a1, ip_of(w.h1), 40000, 443, TCPF_SYN), w.h1);
	struct fx_frame f = frame(w.h1, 6, fx_ip("203.0.113.10"), 443, 40000, TCPF_SYN | TCPF_ACK);
	expect_forward(run_frame(w.h1, &f, FX_S(2)), w.a1);
	ck_assert(find_hop(EX_SG_IN)->flags & EXF_TRACKED);
	/* another internet host with the same ports is not the reply */
	f = frame(w.h2, 6, fx_ip("203.0.113.10"), 443, 40000, TCPF_SYN | TCPF_ACK);
	expect_drop(run_frame(w.h2, &f, FX_S(2)), DROP_SG_INGRESS, EX_SG_IN, w.a1, -1);
}
END_TEST

/* A fragmented UDP reply from the internet: every fragment is translated and reaches the
 * instance, whose group has no inbound rule (the later fragments on the first one's state). */
START_TEST(igw_fragmented_reply)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m(17, 53, 53), "0.0.0.0/0");
	world_end(C_SG1);
	struct fx_frame f = frame(w.a1, 17, ip_of(w.h1), 33000, 53, 0);
	expect_forward(run_frame(w.a1, &f, FX_S(1)), w.h1);
	f = frame(w.h1, 17, fx_ip("203.0.113.10"), 53, 33000, 0);
	f.frag = 0x2000;
	f.ip_id = 4242;
	f.payload = 1472;
	struct verdict v = run_frame(w.h1, &f, FX_S(2));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.a1);
	ck_assert(ref_ip_csum_ok(w.buf));
	f.frag = 185;
	f.payload = 300;
	size_t len = fx_build(w.buf, sizeof(w.buf), &f);
	uint8_t payload[300];
	memcpy(payload, w.buf + 34, sizeof(payload));
	ck_assert_uint_eq(len, 34 + sizeof(payload));
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)len, NULL, w.h1), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	v = pipeline_run(w.s, &w.p, FX_S(2), &w.ex);
	ck_assert_msg(v.action == VERDICT_FORWARD, "later fragment: %s",
		      drop_reason_name((enum drop_reason)v.reason));
	ck_assert_uint_eq(v.out_port, w.a1);
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a1));
	ck_assert(ref_ip_csum_ok(w.buf));
	ck_assert_mem_eq(w.buf + 34, payload, sizeof(payload));
	/* it follows the first fragment's verdict and rewrite, judged by no stage of its own */
	ck_assert_msg(find_hop(EX_FRAGMENT) != NULL, "no fragment hop");
	ck_assert(find_hop(EX_SG_IN) == NULL);
}
END_TEST

START_TEST(igw_private_source)
{
	world_begin();
	world_end(0);
	struct fx_frame f = frame(w.h3, 6, fx_ip("203.0.113.10"), 50000, 22, TCPF_SYN);
	expect_drop(run_frame(w.h3, &f, FX_S(1)), DROP_IGW_PRIVATE_SRC, EX_IGW, VL_NONE, -1);
}
END_TEST

/* Internet hosts may not spoof either; and they talk to each other directly. */
START_TEST(internet_hosts)
{
	world_begin();
	world_end(0);
	expect_forward(send_tcp(w.h1, ip_of(w.h2), 40000, 80, TCPF_SYN), w.h2);
	ck_assert(!has_stage(EX_IGW));
	struct fx_frame f = frame(w.h1, 6, ip_of(w.h2), 40000, 80, TCPF_SYN);
	f.src = fx_ip("198.51.100.99");
	expect_drop(run_frame(w.h1, &f, FX_S(1)), DROP_SRCDST_CHECK, EX_SRCDST_OUT, w.h1, -1);
	/* a public address nobody holds */
	expect_drop(send_tcp(w.h1, fx_ip("203.0.113.99"), 40000, 80, TCPF_SYN), DROP_IGW_NO_MAPPING, EX_IGW,
		    VL_NONE, -1);
	/* an instance's private address is not reachable from the internet */
	expect_drop(send_tcp(w.h1, ip_of(w.a1), 40000, 80, TCPF_SYN), DROP_INET_NO_HOST, EX_DELIVER, VL_NONE, -1);
}
END_TEST

/* b2 has a public IP but its VPC has no internet gateway: AWS needs an attached IGW for the
 * internet to reach it (reference 6.1), in as well as out. */
START_TEST(igw_in_needs_an_internet_gateway)
{
	world_begin();
	world_end(0);
	expect_drop(send_tcp(w.b2, ip_of(w.h1), 40000, 443, TCPF_SYN), DROP_NO_IGW, EX_IGW, VL_NONE, -1);
	struct fx_frame f = frame(w.h1, 6, fx_ip("203.0.113.30"), 50000, 22, TCPF_SYN);
	struct verdict v = run_frame(w.h1, &f, FX_S(1));
	ck_assert_msg(v.action == VERDICT_DROP,
		      "internet host reached b2 (port %u) through the public IP of a VPC without an "
		      "internet gateway", v.out_port);
	ck_assert_int_eq(v.reason, DROP_NO_IGW);
}
END_TEST

/* AWS: 1500 bytes through an internet gateway. Over it with DF: the subnet router answers
 * fragmentation-needed (PMTUD), quoting the packet as the instance sent it; without DF: the IGW
 * forwards it in fragments (the verdict says the MTU; pipeline_process cuts it). */
START_TEST(igw_mtu_and_pmtud)
{
	world_begin();
	world_end(0);
	struct fx_frame f = frame(w.a1, 6, ip_of(w.h1), 40000, 443, TCPF_ACK);
	f.frag = 0x4000;
	f.payload = 1500 - 40;
	expect_forward(run_frame(w.a1, &f, FX_S(1)), w.h1);
	ck_assert_uint_eq(ref_rd16(w.buf + 16), 1500);
	f.payload = 1501 - 40;
	struct verdict v = run_frame(w.a1, &f, FX_S(1));
	expect_forward(v, w.a1);
	const struct explain_hop *igw = find_hop(EX_IGW);
	ck_assert_ptr_nonnull(igw);
	ck_assert_int_eq(igw->verdict, DROP_MTU_EXCEEDED);
	const uint8_t *ip = w.buf + 14, *icmp = ip + 20, *quoted = icmp + 8;
	ck_assert_uint_eq(ip[9], 1);
	ck_assert_uint_eq(ref_rd32(ip + 12), fx_ip("10.0.1.1"));
	ck_assert_uint_eq(ref_rd32(ip + 16), ip_of(w.a1));
	ck_assert_uint_eq(icmp[0], 3);
	ck_assert_uint_eq(icmp[1], 4);
	ck_assert_uint_eq(ref_rd16(icmp + 6), 1500);
	ck_assert_uint_eq(ref_rd32(quoted + 12), ip_of(w.a1)); /* the private source, untranslated */
	ck_assert_uint_eq(ref_rd32(quoted + 16), ip_of(w.h1));
	ck_assert_uint_eq(ref_rd16(quoted + 20 + 2), 443);
	ck_assert_uint_le(w.p.len, 14 + 576);
	ck_assert_uint_eq(w.p.len, 14 + ref_rd16(ip + 2));
	/* without DF: forwarded, to be cut into fragments of at most 1500 bytes */
	f.frag = 0;
	v = run_frame(w.a1, &f, FX_S(1));
	expect_forward(v, w.h1);
	ck_assert_uint_eq(v.mtu, 1500);
	igw = find_hop(EX_IGW);
	ck_assert(igw && igw->verdict == STAGE_PASS && (igw->flags & EXF_FRAGMENTED));
}
END_TEST

/* Without an inbound ICMP rule the fragmentation-needed error does not reach the instance. */
START_TEST(igw_pmtud_needs_an_icmp_rule)
{
	world_begin();
	fx_sg_rule(w.fx, w.sg1, FX_OUT, fx_m_all(), "0.0.0.0/0");
	fx_sg_rule(w.fx, w.sg1, FX_IN, fx_m(6, 22, 22), "0.0.0.0/0");
	world_end(C_SG1);
	struct fx_frame f = frame(w.a1, 6, ip_of(w.h1), 40000, 443, TCPF_ACK);
	f.frag = 0x4000;
	f.payload = 1600;
	expect_drop(run_frame(w.a1, &f, FX_S(1)), DROP_SG_INGRESS, EX_SG_IN, w.a1, -1);
}
END_TEST

/* An ICMP error from the internet quotes the packet as the internet saw it (public source): the
 * IGW maps the quoted source back, so the instance sees exactly what it sent. */
START_TEST(igw_icmp_error_inbound_is_mapped_back)
{
	world_begin();
	world_end(0);
	struct fx_frame f = frame(w.a1, 17, ip_of(w.h1), 5000, 53, 0);
	size_t olen = fx_build(w.buf, sizeof(w.buf), &f);
	uint8_t sent[28];
	memcpy(sent, w.buf + 14, 28); /* IP + UDP header as a1 sent them */
	ck_assert_uint_gt(olen, 42);
	expect_forward(run_frame(w.a1, &f, FX_S(1)), w.h1);
	uint8_t seen[28];
	memcpy(seen, w.buf + 14, 28); /* as h1 received them */
	ck_assert_uint_eq(ref_rd32(seen + 12), fx_ip("203.0.113.10"));
	/* h1 answers port unreachable, quoting what it received */
	struct fx_frame e = frame(w.h1, 1, fx_ip("203.0.113.10"), 3, 0, 0);
	e.icmp_code = 3;
	e.payload = 28;
	w.len = fx_build(w.buf, sizeof(w.buf), &e);
	uint8_t *icmp = w.buf + 34;
	memcpy(icmp + 8, seen, 28);
	ref_wr16(icmp + 2, 0);
	ref_wr16(icmp + 2, ref_csum(icmp, 36, 0));
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.h1), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	struct verdict v = pipeline_run(w.s, &w.p, FX_S(2), &w.ex);
	expect_forward(v, w.a1); /* outer IP and ICMP checksums valid */
	ck_assert_uint_eq(ref_rd32(w.buf + 30), ip_of(w.a1));
	ck_assert_mem_eq(icmp + 8, sent, 28); /* quoted header and checksums as a1 sent them */
}
END_TEST

/* The other way round: an ICMP error an instance sends about a packet that came in through the
 * IGW quotes the packet with its private destination; the internet host must see it quoted as
 * it sent it (to the public IP), or it cannot match the error to its socket (RFC 5508 REQ-4;
 * igw.c already does this for errors coming in). */
START_TEST(igw_icmp_error_outbound_is_mapped_back)
{
	world_begin();
	world_end(0);
	struct fx_frame f = frame(w.h1, 17, fx_ip("203.0.113.10"), 5353, 9999, 0);
	fx_build(w.buf, sizeof(w.buf), &f);
	uint8_t sent[28];
	memcpy(sent, w.buf + 14, 28); /* IP + UDP header as h1 sent them */
	expect_forward(run_frame(w.h1, &f, FX_S(1)), w.a1);
	uint8_t seen[28];
	memcpy(seen, w.buf + 14, 28); /* as a1 received them */
	ck_assert_uint_eq(ref_rd32(seen + 16), ip_of(w.a1));
	/* a1: port unreachable, quoting what it received */
	struct fx_frame e = frame(w.a1, 1, ip_of(w.h1), 3, 0, 0);
	e.icmp_code = 3;
	e.payload = 28;
	w.len = fx_build(w.buf, sizeof(w.buf), &e);
	uint8_t *icmp = w.buf + 34;
	memcpy(icmp + 8, seen, 28);
	ref_wr16(icmp + 2, 0);
	ref_wr16(icmp + 2, ref_csum(icmp, 36, 0));
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.a1), STAGE_PASS);
	memset(&w.ex, 0, sizeof(w.ex));
	struct verdict v = pipeline_run(w.s, &w.p, FX_S(2), &w.ex);
	expect_forward(v, w.h1); /* outer IP and ICMP checksums valid */
	ck_assert_uint_eq(ref_rd32(w.buf + 26), fx_ip("203.0.113.10"));
	ck_assert_msg(ref_rd32(icmp + 8 + 16) == fx_ip("203.0.113.10"),
		      "quoted destination reaches the internet as %08x (a1's private address), not its "
		      "public 203.0.113.10", ref_rd32(icmp + 8 + 16));
	ck_assert_mem_eq(icmp + 8, sent, 28);
}
END_TEST

/* ---------------------------------------------------------------- address map */

/* The address map is keyed by (VPC, address): twenty VPCs with the same addresses, each
 * instance found in its own VPC only, and traffic stays inside each VPC. */
START_TEST(addr_map_many_vpcs_same_addresses)
{
	enum { NV = 20 };
	struct fx *fx = w.fx = fx_new();
	uint16_t p10[NV], p20[NV], nat[NV];
	for (int v = 0; v < NV; v++) {
		char name[16], pub[20];
		snprintf(name, sizeof(name), "v%d", v);
		uint16_t vpc = fx_vpc(fx, name, "10.0.0.0/16", true);
		ck_assert_uint_eq(vpc, v);
		uint16_t sn = fx_subnet(fx, vpc, name, "10.0.1.0/24", VL_NONE, VL_NONE);
		snprintf(pub, sizeof(pub), "203.0.113.%d", 100 + v);
		p10[v] = fx_instance(fx, sn, name, "10.0.1.10", pub);
		p20[v] = fx_instance(fx, sn, name, "10.0.1.20", NULL);
		nat[v] = fx_natgw(fx, sn, name, "10.0.1.5", VL_NONE);
		fx_sg_open(fx, fx->default_sg[vpc]);
	}
	uint16_t host = fx_inet_host(fx, "h", "198.51.100.10");
	w.t = fx_done(fx);
	w.s = dp_state_create(w.t, 64);
	ck_assert_ptr_nonnull(w.s);
	for (int v = 0; v < NV; v++) {
		const struct vl_addr_slot *a = addr_lookup(w.t, (uint16_t)v, fx_ip("10.0.1.10"));
		ck_assert_ptr_nonnull(a);
		ck_assert_int_eq(a->owner, VL_OWN_PORT);
		ck_assert_uint_eq(a->index, p10[v]);
		ck_assert_uint_eq(a->vpc, v);
		a = addr_lookup(w.t, (uint16_t)v, fx_ip("10.0.1.20"));
		ck_assert(a && a->owner == VL_OWN_PORT && a->index == p20[v]);
		a = addr_lookup(w.t, (uint16_t)v, fx_ip("10.0.1.5"));
		ck_assert(a && a->owner == VL_OWN_NATGW && a->index == nat[v]);
		ck_assert_ptr_null(addr_lookup(w.t, (uint16_t)v, fx_ip("10.0.1.11")));
		ck_assert_ptr_null(addr_lookup(w.t, (uint16_t)v, fx_ip("203.0.113.100")));
		ck_assert_ptr_null(addr_lookup(w.t, (uint16_t)v, fx_ip("198.51.100.10")));
		a = addr_lookup(w.t, VL_NONE, fx_ip("203.0.113.100") + (uint32_t)v);
		ck_assert(a && a->owner == VL_OWN_PUBLIC && a->index == p10[v] && !a->public_is_natgw);
		/* each VPC's .10 reaches its own .20 */
		struct verdict vd = send_tcp(p10[v], fx_ip("10.0.1.20"), 40000, 22, TCPF_SYN);
		expect_forward(vd, p20[v]);
	}
	ck_assert_ptr_null(addr_lookup(w.t, NV, fx_ip("10.0.1.10")));
	ck_assert_ptr_null(addr_lookup(w.t, VL_NONE, fx_ip("10.0.1.10")));
	const struct vl_addr_slot *h = addr_lookup(w.t, VL_NONE, fx_ip("198.51.100.10"));
	ck_assert(h && h->owner == VL_OWN_PORT && h->index == host);
}
END_TEST

/* ---------------------------------------------------------------- process: counting, sending */

static int sends, fail_send;
static uint16_t sent_port;

static int fake_send(void *ctx, uint16_t port, const struct pkt *p)
{
	(void)ctx;
	(void)p;
	sends++;
	sent_port = port;
	return fail_send ? -EIO : 0;
}

START_TEST(process_counts_and_sends)
{
	world_begin();
	world_end(C_SG3); /* a3 admits nothing */
	sends = fail_send = 0;
	w.s->send = fake_send;
	struct fx_frame f = frame(w.a1, 6, ip_of(w.a2), 40000, 22, TCPF_SYN);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	struct verdict v = pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)sizeof(w.buf), NULL, w.a1,
					    FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_int_eq(sends, 1);
	ck_assert_uint_eq(sent_port, w.a2);
	ck_assert_uint_eq(w.s->forwarded, 1);
	ck_assert_uint_eq(w.s->stats[w.a1].rx_packets, 1);
	ck_assert_uint_eq(w.s->stats[w.a1].rx_bytes, w.len);
	ck_assert_uint_eq(w.s->stats[w.a2].tx_packets, 1);
	f = frame(w.a1, 6, ip_of(w.a3), 40000, 22, TCPF_SYN);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	v = pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)sizeof(w.buf), NULL, w.a1, FX_S(1));
	ck_assert_int_eq(v.reason, DROP_SG_INGRESS);
	ck_assert_int_eq(sends, 1);
	ck_assert_uint_eq(w.s->drops[DROP_SG_INGRESS], 1);
	ck_assert_uint_eq(w.s->stats[w.a1].drops, 1);
	/* a frame that does not parse is counted with its reason */
	v = pipeline_process(w.s, w.buf, 20, 20, NULL, w.a1, FX_S(1));
	ck_assert_int_eq(v.reason, DROP_PARSE_SHORT);
	ck_assert_uint_eq(w.s->drops[DROP_PARSE_SHORT], 1);
	/* ARP replies are sent back and counted apart */
	w.len = fx_build_arp(w.buf, w.t->ports[w.a1].mac, ip_of(w.a1), fx_ip("10.0.1.1"), 1);
	v = pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)w.len, NULL, w.a1, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_REPLY);
	ck_assert_uint_eq(sent_port, w.a1);
	ck_assert_uint_eq(w.s->arp_replies, 1);
	/* the tap refuses: a named drop */
	fail_send = 1;
	f = frame(w.a1, 6, ip_of(w.a2), 40000, 22, TCPF_ACK);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	v = pipeline_process(w.s, w.buf, (uint32_t)w.len, (uint32_t)sizeof(w.buf), NULL, w.a1, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_DROP);
	ck_assert_int_eq(v.reason, DROP_TAP_WRITE);
	ck_assert_uint_eq(w.s->drops[DROP_TAP_WRITE], 1);
	ck_assert_uint_eq(w.s->forwarded, 1);
}
END_TEST

/* The explain recorder is optional: the same verdicts without it. */
START_TEST(explain_is_optional)
{
	world_begin();
	world_end(C_SG3);
	struct fx_frame f = frame(w.a1, 6, ip_of(w.a3), 40000, 22, TCPF_SYN);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.a1), STAGE_PASS);
	struct verdict v = pipeline_run(w.s, &w.p, FX_S(1), NULL);
	ck_assert_int_eq(v.action, VERDICT_DROP);
	ck_assert_int_eq(v.reason, DROP_SG_INGRESS);
	f = frame(w.a1, 6, ip_of(w.h1), 40000, 22, TCPF_SYN);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, NULL, w.a1), STAGE_PASS);
	v = pipeline_run(w.s, &w.p, FX_S(1), NULL);
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.h1);
}
END_TEST

Suite *suite_pipeline(void)
{
	Suite *s = suite_create("pipeline");
	TCase *a = tcase_create("arp");
	tcase_add_checked_fixture(a, NULL, teardown);
	tcase_add_test(a, arp_gateway_answered_with_router_mac);
	tcase_add_test(a, arp_neighbour_answered_with_router_mac);
	tcase_add_test(a, arp_not_answered);
	suite_add_tcase(s, a);
	TCase *v = tcase_create("vpc");
	tcase_add_checked_fixture(v, NULL, teardown);
	tcase_add_test(v, same_subnet_skips_nacls);
	tcase_add_test(v, nacl_out_of_source_subnet);
	tcase_add_test(v, nacl_in_of_destination_subnet);
	tcase_add_test(v, nacl_is_stateless);
	tcase_add_test(v, sg_egress_drop);
	tcase_add_test(v, sg_ingress_drop);
	tcase_add_test(v, stateful_reply_passes);
	tcase_add_test(v, sg_reference_not_through_appliance);
	tcase_add_test(v, blackhole_beats_shorter_route);
	tcase_add_test(v, no_route);
	tcase_add_test(v, no_host);
	tcase_add_test(v, router_addresses);
	tcase_add_test(v, srcdst_check_on_send);
	tcase_add_test(v, srcdst_check_on_receive);
	tcase_add_test(v, subnet_route_through_appliance);
	tcase_add_test(v, vpc_isolation);
	suite_add_tcase(s, v);
	TCase *i = tcase_create("igw");
	tcase_add_checked_fixture(i, NULL, teardown);
	tcase_add_test(i, igw_out_rewrites_source);
	tcase_add_test(i, igw_no_public_ip);
	tcase_add_test(i, igw_private_destination);
	tcase_add_test(i, igw_out_blocked_by_nacl);
	tcase_add_test(i, igw_in_reaches_instance);
	tcase_add_test(i, igw_in_blocked_by_nacl);
	tcase_add_test(i, igw_in_sg_reference_does_not_match);
	tcase_add_test(i, igw_stateful_reply);
	tcase_add_test(i, igw_fragmented_reply);
	tcase_add_test(i, igw_private_source);
	tcase_add_test(i, internet_hosts);
	tcase_add_test(i, igw_in_needs_an_internet_gateway);
	tcase_add_test(i, igw_mtu_and_pmtud);
	tcase_add_test(i, igw_pmtud_needs_an_icmp_rule);
	tcase_add_test(i, igw_icmp_error_inbound_is_mapped_back);
	tcase_add_test(i, igw_icmp_error_outbound_is_mapped_back);
	suite_add_tcase(s, i);
	TCase *m = tcase_create("addr_map");
	tcase_add_checked_fixture(m, NULL, teardown);
	tcase_add_test(m, addr_map_many_vpcs_same_addresses);
	suite_add_tcase(s, m);
	TCase *p = tcase_create("process");
	tcase_add_checked_fixture(p, NULL, teardown);
	tcase_add_test(p, process_counts_and_sends);
	tcase_add_test(p, explain_is_optional);
	suite_add_tcase(s, p);
	return s;
}
