/* lb.c and lb_table.c through the dispatcher: target choice by flow hash over the healthy
 * targets of the node's zone (all zones with cross_zone, all targets when none is healthy),
 * stickiness, draining, client IP preservation on and off as the target sees it, replies back
 * through the node whatever the target's routes, no hairpin (lb_loopback), the idle timeout
 * and its RSTs, checksums (full and partial), the load balancer's group named in a target's
 * rule, flows always tracked, the node's own connections, counters, limits and clones.
 *
 * VPC 10.0.0.0/16 (IGW): pub-a 10.0.1.0/24 (az a), pub-b 10.0.2.0/24 (az b), both 0/0 igw;
 *   app-a 10.0.11.0/24 (az a): web1 .10, web2 .11; app-b 10.0.12.0/24 (az b): web3 .10 (main
 *   table: local only, so replies to the internet exist only through the load balancer);
 *   c 10.0.1.50 in pub-a. nlb: nodes na 10.0.1.5 (203.0.113.5), nb 10.0.2.5 (203.0.113.6);
 *   listeners tcp 80 -> web (preserve), tcp 8080 -> snat (not), udp 53 -> dns (udp 5353,
 *   preserve), tcp 81 -> web with idle timeout 60 s. Internet: h1 198.51.100.10. */
#include <check.h>
#include <linux/virtio_net.h>

#include "control/tools/trace.h"
#include "dataplane/lb.h"
#include "fixture.h"

Suite *suite_lb(void);

static struct {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t web1, web2, web3, c, h1, na, nb, nlb, tg_web, tg_snat, tg_dns;
	uint16_t sg_nlb, sg_web;
	uint32_t na_pub, nb_pub;
	uint8_t buf[2048];
	size_t len;
	struct pkt p;
	struct explain ex;
	struct virtio_net_hdr vnet;
} w;

/* The world above; with ref_sg the webs admit tcp 80 only from the load balancer's group
 * (which its nodes hold), else everything from anywhere. */
static void world(bool ref_sg)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "main", "10.0.0.0/16", true);
	uint16_t rt_pub = fx_route_table(fx, vpc, "rt-pub");
	fx_route(fx, rt_pub, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	uint16_t pa = fx_subnet(fx, vpc, "pub-a", "10.0.1.0/24", rt_pub, VL_NONE);
	uint16_t pb = fx_subnet(fx, vpc, "pub-b", "10.0.2.0/24", rt_pub, VL_NONE);
	uint16_t aa = fx_subnet(fx, vpc, "app-a", "10.0.11.0/24", VL_NONE, VL_NONE);
	uint16_t ab = fx_subnet(fx, vpc, "app-b", "10.0.12.0/24", VL_NONE, VL_NONE);
	fx_subnet_az(fx, pa, "us-east-1a");
	fx_subnet_az(fx, aa, "us-east-1a");
	fx_subnet_az(fx, pb, "us-east-1b");
	fx_subnet_az(fx, ab, "us-east-1b");
	uint16_t open = fx_sg(fx, vpc, "open");
	fx_sg_open(fx, open);
	w.sg_nlb = fx_sg(fx, vpc, "nlb-sg");
	fx_sg_rule(fx, w.sg_nlb, FX_IN, fx_m(6, 80, 81), "0.0.0.0/0");
	fx_sg_rule(fx, w.sg_nlb, FX_OUT, fx_m_all(), "0.0.0.0/0");
	w.sg_web = fx_sg(fx, vpc, "web-sg");
	fx_sg_rule_ref(fx, w.sg_web, FX_IN, fx_m(6, 80, 80), w.sg_nlb);
	fx_sg_rule(fx, w.sg_web, FX_OUT, fx_m_all(), "0.0.0.0/0");
	w.web1 = fx_instance(fx, aa, "web1", "10.0.11.10", NULL);
	w.web2 = fx_instance(fx, aa, "web2", "10.0.11.11", NULL);
	w.web3 = fx_instance(fx, ab, "web3", "10.0.12.10", NULL);
	w.c = fx_instance(fx, pa, "c", "10.0.1.50", "203.0.113.50");
	uint16_t webs[] = {w.web1, w.web2, w.web3};
	for (int i = 0; i < 3; i++)
		fx_port_sg(fx, webs[i], ref_sg ? w.sg_web : open);
	fx_port_sg(fx, w.c, open);
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.tg_web = fx_tg(fx, vpc, "web", VL_LBP_TCP, 80, true);
	w.tg_snat = fx_tg(fx, vpc, "snat", VL_LBP_TCP, 80, false);
	w.tg_dns = fx_tg(fx, vpc, "dns", VL_LBP_UDP, 5353, true);
	for (int i = 0; i < 3; i++) {
		fx_tg_target(fx, w.tg_web, webs[i], 0);
		fx_tg_target(fx, w.tg_snat, webs[i], 0);
		fx_tg_target(fx, w.tg_dns, webs[i], 0);
	}
	w.nlb = fx_lb(fx, vpc, "nlb", VL_LB_NETWORK, false);
	fx_listener(fx, w.nlb, VL_LBP_TCP, 80, w.tg_web, 0);
	fx_listener(fx, w.nlb, VL_LBP_TCP, 8080, w.tg_snat, 0);
	fx_listener(fx, w.nlb, VL_LBP_UDP, 53, w.tg_dns, 0);
	fx_listener(fx, w.nlb, VL_LBP_TCP, 81, w.tg_web, 60);
	w.na = fx_lb_node(fx, w.nlb, pa, "10.0.1.5", "203.0.113.5");
	w.nb = fx_lb_node(fx, w.nlb, pb, "10.0.2.5", "203.0.113.6");
	if (ref_sg) {
		fx_port_sg(fx, w.na, w.sg_nlb);
		fx_port_sg(fx, w.nb, w.sg_nlb);
	}
	w.t = fx_done(fx);
	w.na_pub = fx_ip("203.0.113.5");
	w.nb_pub = fx_ip("203.0.113.6");
	w.s = dp_state_create(w.t, 1u << 14);
	ck_assert_ptr_nonnull(w.s);
}

static void setup(void)
{
	world(false);
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

static uint64_t counter(enum lb_counter c)
{
	return lb_counter_get(dp_lb(w.s), w.nlb, c);
}

static uint32_t flows_used(void)
{
	uint32_t used, limit;
	lb_flow_stats(dp_lb(w.s), &used, &limit);
	return used;
}

/* Every target of every group: healthy (st) */
static void health_all(enum lb_target_state st)
{
	uint16_t tgs[] = {w.tg_web, w.tg_snat, w.tg_dns};
	for (int g = 0; g < 3; g++)
		for (uint32_t i = 0; i < 3; i++)
			ck_assert_int_eq(lb_target_set_state(w.s, tgs[g], i, st), 0);
}

/* The index in each group of target port web (they are registered in the same order). */
static uint32_t idx_of(uint16_t web)
{
	return web == w.web1 ? 0 : web == w.web2 ? 1 : 2;
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

static struct verdict run_vnet(uint16_t in_port, const struct fx_frame *f, uint64_t now, void *vnet)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, vnet, in_port), STAGE_PASS);
	w.p.cap = sizeof(w.buf);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

static struct verdict run(uint16_t in_port, const struct fx_frame *f, uint64_t now)
{
	return run_vnet(in_port, f, now, NULL);
}

static const char *vname(struct verdict v)
{
	return v.action == VERDICT_DROP ? drop_reason_name((enum drop_reason)v.reason) : "-";
}

/* Forwarded out of port with both checksums right as they stand. */
static void expect_forward(struct verdict v, uint16_t port)
{
	ck_assert_msg(v.action == VERDICT_FORWARD, "expected forward to %u, got action %u reason %s", port,
		      v.action, vname(v));
	ck_assert_uint_eq(v.out_port, port);
	ck_assert(ref_ip_csum_ok(w.buf));
	ck_assert_msg(ref_l4_csum_ok(w.buf), "L4 checksum %04x, want %04x",
		      ref_rd16(w.buf + ref_l4_csum_off(w.buf)), ref_l4_csum(w.buf));
}

static void expect_drop(struct verdict v, enum drop_reason reason)
{
	ck_assert_msg(v.action == VERDICT_DROP && v.reason == reason, "expected drop %s, got action %u reason %s",
		      drop_reason_name(reason), v.action, vname(v));
}

static const struct explain_hop *find_hop(uint8_t stage)
{
	for (unsigned i = 0; i < w.ex.n; i++)
		if (w.ex.hop[i].stage == stage)
			return &w.ex.hop[i];
	return NULL;
}

/* The header as it left: addresses and ports. */
static uint32_t out_src(void) { return ref_rd32(w.buf + 26); }
static uint32_t out_dst(void) { return ref_rd32(w.buf + 30); }
static uint16_t out_sport(void) { return ref_rd16(w.buf + 34); }
static uint16_t out_dport(void) { return ref_rd16(w.buf + 36); }

/* A SYN from the internet host to node address dst:dport; the target it reached. */
static uint16_t syn_from_h1(uint32_t dst, uint16_t sport, uint16_t dport, uint64_t now)
{
	struct fx_frame f = frame(w.h1, 6, dst, sport, dport, TCPF_SYN);
	struct verdict v = run(w.h1, &f, now);
	ck_assert_msg(v.action == VERDICT_FORWARD, "SYN from port %u: %s", sport, vname(v));
	ck_assert(ref_l4_csum_ok(w.buf));
	return v.out_port;
}

/* Many flows spread over every healthy target of the node's zone, and over all zones with
 * cross_zone. AWS's counter names count them. */
START_TEST(distribution_over_healthy_targets)
{
	health_all(LB_T_HEALTHY);
	unsigned count[FX_MAX] = {0};
	for (uint16_t i = 0; i < 300; i++)
		count[syn_from_h1(w.na_pub, (uint16_t)(10000 + i), 80, FX_S(1))]++;
	ck_assert_uint_gt(count[w.web1], 100); /* 150 expected of each */
	ck_assert_uint_gt(count[w.web2], 100);
	ck_assert_uint_eq(count[w.web3], 0);   /* another zone */
	ck_assert_uint_eq(counter(LBC_NewFlowCount), 300);
	ck_assert_uint_eq(counter(LBC_NewFlowCount_TCP), 300);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount), 300);
	ck_assert_uint_eq(counter(LBC_ProcessedPackets), 300);
	ck_assert_uint_eq(counter(LBC_ProcessedBytes), 300u * (20 + 20 + 10));
	ck_assert_uint_eq(flows_used(), 300);
	w.t->lbs[w.nlb].cross_zone = 1;
	memset(count, 0, sizeof(count));
	for (uint16_t i = 0; i < 300; i++)
		count[syn_from_h1(w.na_pub, (uint16_t)(20000 + i), 80, FX_S(1))]++;
	ck_assert_uint_gt(count[w.web1], 60); /* 100 expected of each */
	ck_assert_uint_gt(count[w.web2], 60);
	ck_assert_uint_gt(count[w.web3], 60);
	ck_assert_str_eq(lb_counter_name(LBC_TCP_ELB_Reset_Count), "TCP_ELB_Reset_Count");
}
END_TEST

/* A flow keeps its target for life, whatever happens to the others' health; a UDP flow too. */
START_TEST(flow_sticks_to_its_target)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	const struct explain_hop *h = find_hop(EX_LB);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->obj, w.nlb);
	ck_assert_int_eq(h->rule, (int32_t)(w.t->tgs[w.tg_web].target_first + idx_of(to)));
	ck_assert_uint_eq(h->flags, EXF_NEW_FLOW);
	uint16_t other = to == w.web1 ? w.web2 : w.web1;
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(other), LB_T_UNHEALTHY), 0);
	for (int i = 0; i < 20; i++) {
		struct fx_frame f = frame(w.h1, 6, w.na_pub, 30000, 80, TCPF_ACK);
		expect_forward(run(w.h1, &f, FX_S(2 + i)), to);
		ck_assert_uint_eq(find_hop(EX_LB)->flags, EXF_TRACKED);
		enum lb_target_state st = i % 2 ? LB_T_HEALTHY : LB_T_UNHEALTHY;
		ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(other), st), 0);
		ck_assert_int_eq(lb_target_state(w.s, w.tg_web, idx_of(other)), st);
	}
	ck_assert_uint_eq(counter(LBC_NewFlowCount), 1);
	struct fx_frame u = frame(w.h1, 17, w.na_pub, 5000, 53, 0);
	struct verdict v = run(w.h1, &u, FX_S(3));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	uint16_t uto = v.out_port;
	ck_assert_uint_eq(out_dport(), 5353);
	for (int i = 0; i < 10; i++)
		expect_forward(run(w.h1, &u, FX_S(4 + i)), uto);
	ck_assert_uint_eq(counter(LBC_NewFlowCount_UDP), 1);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount_UDP), 1);
}
END_TEST

/* Without cross_zone each node keeps to its zone's targets; with it, any. */
START_TEST(zone_restriction_and_cross_zone)
{
	health_all(LB_T_HEALTHY);
	for (uint16_t i = 0; i < 50; i++)
		ck_assert_uint_eq(syn_from_h1(w.nb_pub, (uint16_t)(10000 + i), 80, FX_S(1)), w.web3);
	for (uint16_t i = 0; i < 50; i++)
		ck_assert_uint_ne(syn_from_h1(w.na_pub, (uint16_t)(10000 + i), 80, FX_S(1)), w.web3);
	w.t->lbs[w.nlb].cross_zone = 1;
	unsigned count[FX_MAX] = {0};
	for (uint16_t i = 0; i < 150; i++)
		count[syn_from_h1(w.nb_pub, (uint16_t)(20000 + i), 80, FX_S(1))]++;
	ck_assert_uint_gt(count[w.web1], 20);
	ck_assert_uint_gt(count[w.web2], 20);
	ck_assert_uint_gt(count[w.web3], 20);
	/* a zone whose targets are all draining has none to give: nothing to send to */
	w.t->lbs[w.nlb].cross_zone = 0;
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(w.web3), LB_T_DRAINING), 0);
	struct fx_frame f = frame(w.h1, 6, w.nb_pub, 40000, 80, TCPF_SYN);
	expect_drop(run(w.h1, &f, FX_S(2)), DROP_LB_NO_TARGET);
	ck_assert_uint_eq(find_hop(EX_LB)->verdict, DROP_LB_NO_TARGET);
}
END_TEST

/* New targets start `initial`: none healthy, so all of the zone's get flows (fail open); one
 * healthy target then gets every new flow; unhealthy again, fail open again. */
START_TEST(fail_open)
{
	ck_assert_int_eq(lb_target_state(w.s, w.tg_web, 0), LB_T_INITIAL);
	ck_assert_str_eq(lb_target_state_name(LB_T_INITIAL), "initial");
	unsigned count[FX_MAX] = {0};
	for (uint16_t i = 0; i < 100; i++)
		count[syn_from_h1(w.na_pub, (uint16_t)(10000 + i), 80, FX_S(1))]++;
	ck_assert_uint_gt(count[w.web1], 20);
	ck_assert_uint_gt(count[w.web2], 20);
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(w.web2), LB_T_HEALTHY), 0);
	for (uint16_t i = 0; i < 50; i++)
		ck_assert_uint_eq(syn_from_h1(w.na_pub, (uint16_t)(20000 + i), 80, FX_S(1)), w.web2);
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(w.web2), LB_T_UNHEALTHY), 0);
	memset(count, 0, sizeof(count));
	for (uint16_t i = 0; i < 100; i++)
		count[syn_from_h1(w.na_pub, (uint16_t)(30000 + i), 80, FX_S(1))]++;
	ck_assert_uint_gt(count[w.web1], 20);
	ck_assert_uint_gt(count[w.web2], 20);
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, 3, LB_T_HEALTHY), -EINVAL);
	ck_assert_int_eq(lb_target_state(w.s, w.tg_web, 3), LB_T_UNUSED);
}
END_TEST

/* A draining target keeps its flows and gets no new one. */
START_TEST(draining_keeps_flows_takes_none)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(to), LB_T_DRAINING), 0);
	for (uint16_t i = 0; i < 60; i++)
		ck_assert_uint_ne(syn_from_h1(w.na_pub, (uint16_t)(10000 + i), 80, FX_S(2)), to);
	struct fx_frame f = frame(w.h1, 6, w.na_pub, 30000, 80, TCPF_ACK);
	expect_forward(run(w.h1, &f, FX_S(3)), to);
}
END_TEST

/* A target turning unhealthy: its flows are reset at their next packet, each side getting a
 * RST, while the node has a healthy target instead; a UDP flow moves to one. When no target is
 * healthy the group fails open and the flows go on. */
START_TEST(unhealthy_target_flows_reset)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	uint16_t other = to == w.web1 ? w.web2 : w.web1;
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(to), LB_T_UNHEALTHY), 0);
	struct fx_frame a = frame(w.h1, 6, w.na_pub, 30000, 80, TCPF_ACK);
	struct verdict v = run(w.h1, &a, FX_S(2));
	expect_forward(v, w.h1);
	ck_assert_int_eq(v.replaced, DROP_LB_NO_FLOW);
	ck_assert_uint_eq(w.buf[47] & TCPF_RST, TCPF_RST);
	struct fx_frame r = frame(to, 6, ip_of(w.h1), 80, 30000, TCPF_ACK);
	v = run(to, &r, FX_S(2));
	expect_forward(v, to);
	ck_assert_uint_eq(w.buf[47] & TCPF_RST, TCPF_RST);
	ck_assert_uint_eq(counter(LBC_TCP_ELB_Reset_Count), 2);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount), 0);
	/* UDP: the next datagram of the flow goes to a healthy target */
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(to), LB_T_HEALTHY), 0);
	struct fx_frame u = frame(w.h1, 17, w.na_pub, 5000, 53, 0);
	v = run(w.h1, &u, FX_S(3));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	uint16_t uto = v.out_port;
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_dns, idx_of(uto), LB_T_UNHEALTHY), 0);
	v = run(w.h1, &u, FX_S(4));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_ne(v.out_port, uto);
	/* no healthy target in the zone: fail open, the flows live on */
	to = syn_from_h1(w.na_pub, 30001, 80, FX_S(5));
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(w.web1), LB_T_UNHEALTHY), 0);
	ck_assert_int_eq(lb_target_set_state(w.s, w.tg_web, idx_of(w.web2), LB_T_UNHEALTHY), 0);
	a = frame(w.h1, 6, w.na_pub, 30001, 80, TCPF_ACK);
	expect_forward(run(w.h1, &a, FX_S(6)), to);
	(void)other;
}
END_TEST

/* Client IP preservation on: the target sees the client's address and port; off: the node's
 * private address and a port below the node namespace's ephemeral range. */
START_TEST(preserve_client_ip_on_and_off)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	ck_assert_uint_eq(out_src(), ip_of(w.h1));
	ck_assert_uint_eq(out_sport(), 30000);
	ck_assert_uint_eq(out_dst(), ip_of(to));
	ck_assert_uint_eq(out_dport(), 80);
	to = syn_from_h1(w.na_pub, 30000, 8080, FX_S(1));
	ck_assert_uint_eq(out_src(), ip_of(w.na));
	ck_assert(out_sport() >= LB_PORT_LO && out_sport() <= LB_PORT_HI);
	ck_assert_uint_eq(out_dst(), ip_of(to));
	ck_assert_uint_eq(out_dport(), 80);
	/* from inside the VPC to the node's private address: the same */
	struct fx_frame f = frame(w.c, 6, ip_of(w.na), 41000, 80, TCPF_SYN);
	struct verdict v = run(w.c, &f, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(out_src(), ip_of(w.c));
	ck_assert_uint_eq(out_dst(), ip_of(v.out_port));
}
END_TEST

/* The target's reply goes back through the node: its source becomes the node's address and
 * listener port (the public one past the IGW), though the target's own route table has no
 * route to the internet; with the node's address seen, the destination is the client again. */
START_TEST(reply_restores_the_node_address)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	struct fx_frame r = frame(to, 6, ip_of(w.h1), 80, 30000, TCPF_SYN | TCPF_ACK);
	expect_forward(run(to, &r, FX_S(1)), w.h1);
	ck_assert_uint_eq(out_src(), w.na_pub);
	ck_assert_uint_eq(out_sport(), 80);
	ck_assert_uint_eq(out_dst(), ip_of(w.h1));
	ck_assert_uint_eq(out_dport(), 30000);
	const struct explain_hop *h = find_hop(EX_LB);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->flags, EXF_TRACKED);
	ck_assert_uint_eq(h->src, ip_of(w.na));
	/* without preservation */
	to = syn_from_h1(w.na_pub, 30001, 8080, FX_S(1));
	uint16_t port = out_sport();
	r = frame(to, 6, ip_of(w.na), 80, port, TCPF_SYN | TCPF_ACK);
	expect_forward(run(to, &r, FX_S(1)), w.h1);
	ck_assert_uint_eq(out_src(), w.na_pub);
	ck_assert_uint_eq(out_sport(), 8080);
	ck_assert_uint_eq(out_dst(), ip_of(w.h1));
	ck_assert_uint_eq(out_dport(), 30001);
	/* a client inside the VPC gets the node's private address */
	struct fx_frame f = frame(w.c, 17, ip_of(w.nb), 41000, 53, 0);
	struct verdict v = run(w.c, &f, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, w.web3);
	r = frame(w.web3, 17, ip_of(w.c), 5353, 41000, 0);
	expect_forward(run(w.web3, &r, FX_S(1)), w.c);
	ck_assert_uint_eq(out_src(), ip_of(w.nb));
	ck_assert_uint_eq(out_sport(), 53);
	/* the same target talking to the client on its own is not the load balancer's */
	r = frame(w.web3, 17, ip_of(w.c), 5353, 41001, 0);
	expect_forward(run(w.web3, &r, FX_S(1)), w.c);
	ck_assert_uint_eq(out_src(), ip_of(w.web3));
	ck_assert_ptr_null(find_hop(EX_LB));
}
END_TEST

/* A target calling its own load balancer with its address preserved: when the hash picks it,
 * the packet goes nowhere (lb_loopback: AWS has no hairpin, the connection times out); other
 * flows reach the other target. Without preservation it reaches itself from the node. */
START_TEST(hairpin_dropped_as_lb_loopback)
{
	health_all(LB_T_HEALTHY);
	unsigned loop = 0, other = 0;
	for (uint16_t i = 0; i < 60; i++) {
		struct fx_frame f = frame(w.web1, 6, ip_of(w.na), (uint16_t)(40000 + i), 80, TCPF_SYN);
		struct verdict v = run(w.web1, &f, FX_S(1));
		if (v.action == VERDICT_DROP) {
			expect_drop(v, DROP_LB_LOOPBACK);
			ck_assert_int_eq(find_hop(EX_LB)->verdict, DROP_LB_LOOPBACK);
			ck_assert_int_eq(find_hop(EX_LB)->rule, (int32_t)(w.t->tgs[w.tg_web].target_first + 0));
			loop++;
		} else {
			expect_forward(v, w.web2);
			other++;
		}
	}
	ck_assert_uint_gt(loop, 10);
	ck_assert_uint_gt(other, 10);
	ck_assert_uint_eq(flows_used(), other);
	unsigned self = 0;
	for (uint16_t i = 0; i < 60; i++) {
		struct fx_frame f = frame(w.web1, 6, ip_of(w.na), (uint16_t)(40000 + i), 8080, TCPF_SYN);
		struct verdict v = run(w.web1, &f, FX_S(1));
		ck_assert_int_eq(v.action, VERDICT_FORWARD);
		if (v.out_port == w.web1) {
			ck_assert_uint_eq(out_src(), ip_of(w.na));
			self++;
		}
	}
	ck_assert_uint_gt(self, 10);
}
END_TEST

/* A RST in place of a late segment: from where, to whom, counted. */
static void expect_rst(struct verdict v, uint16_t to, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	expect_forward(v, to);
	ck_assert_int_eq(v.replaced, DROP_LB_NO_FLOW);
	ck_assert_uint_eq(w.buf[47] & TCPF_RST, TCPF_RST);
	ck_assert_uint_eq(out_src(), src);
	ck_assert_uint_eq(out_sport(), sport);
	ck_assert_uint_eq(out_dst(), dst);
	ck_assert_uint_eq(out_dport(), dport);
}

/* The idle timeout (350 s, or the listener's): a late segment from either side gets a RST
 * (TCP_ELB_Reset_Count), up to the lingering's end; 349 s is fine. The sweep retires it. */
START_TEST(idle_timeout_rst_both_ways)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	struct fx_frame r = frame(to, 6, ip_of(w.h1), 80, 30000, TCPF_SYN | TCPF_ACK);
	expect_forward(run(to, &r, FX_S(1)), w.h1);
	struct fx_frame a = frame(w.h1, 6, w.na_pub, 30000, 80, TCPF_ACK);
	expect_forward(run(w.h1, &a, FX_S(2)), to);
	expect_forward(run(w.h1, &a, FX_S(2 + 349)), to);
	uint64_t late = FX_S(2 + 349 + 351);
	expect_rst(run(w.h1, &a, late), w.h1, w.na_pub, 80, ip_of(w.h1), 30000);
	r.tcp_flags = TCPF_ACK;
	expect_rst(run(to, &r, late), to, ip_of(w.h1), 30000, ip_of(to), 80);
	ck_assert_uint_eq(counter(LBC_TCP_ELB_Reset_Count), 2);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount), 1);
	lb_sweep(w.s, late);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount), 0);
	ck_assert_uint_eq(flows_used(), 1); /* lingering */
	expect_rst(run(to, &r, late + FX_S(1)), to, ip_of(w.h1), 30000, ip_of(to), 80);
	lb_sweep(w.s, late + FX_S(LB_LINGER_S + 1));
	ck_assert_uint_eq(flows_used(), 0);
	/* the client's late segment still gets its RST; a RST gets nothing */
	expect_rst(run(w.h1, &a, late + FX_S(LB_LINGER_S + 2)), w.h1, w.na_pub, 80, ip_of(w.h1), 30000);
	a.tcp_flags = TCPF_RST;
	expect_drop(run(w.h1, &a, late + FX_S(LB_LINGER_S + 2)), DROP_LB_NO_FLOW);
	/* a new SYN from the same port is a new flow */
	syn_from_h1(w.na_pub, 30000, 80, late + FX_S(LB_LINGER_S + 3));
	ck_assert_uint_eq(counter(LBC_NewFlowCount), 2);
	/* the listener's own idle timeout */
	to = syn_from_h1(w.na_pub, 31000, 81, FX_S(1000));
	a = frame(w.h1, 6, w.na_pub, 31000, 81, TCPF_ACK);
	expect_forward(run(w.h1, &a, FX_S(1000 + 59)), to);
	expect_rst(run(w.h1, &a, FX_S(1000 + 59 + 61)), w.h1, w.na_pub, 81, ip_of(w.h1), 31000);
	/* RSTs and FINs passing through are counted by side and close the flow */
	to = syn_from_h1(w.na_pub, 32000, 80, FX_S(2000));
	r = frame(to, 6, ip_of(w.h1), 80, 32000, TCPF_RST | TCPF_ACK);
	expect_forward(run(to, &r, FX_S(2000)), w.h1);
	ck_assert_uint_eq(counter(LBC_TCP_Target_Reset_Count), 1);
	to = syn_from_h1(w.na_pub, 32001, 80, FX_S(2000));
	a = frame(w.h1, 6, w.na_pub, 32001, 80, TCPF_RST | TCPF_ACK);
	expect_forward(run(w.h1, &a, FX_S(2000)), to);
	ck_assert_uint_eq(counter(LBC_TCP_Client_Reset_Count), 1);
}
END_TEST

/* Checksums after both rewrites, with a full checksum and with a partial one (virtio
 * NEEDS_CSUM: the field holds the pseudo-header sum, the kernel finishes it). */
static uint16_t complete_partial(void)
{
	size_t start = w.vnet.csum_start;
	return ref_csum(w.buf + start, w.len - start, 0);
}

static struct verdict run_partial(uint16_t in_port, const struct fx_frame *f, uint64_t now)
{
	w.len = fx_build(w.buf, sizeof(w.buf), f);
	memset(&w.vnet, 0, sizeof(w.vnet));
	w.vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	w.vnet.csum_start = 34;
	w.vnet.csum_offset = 16;
	ref_wr16(w.buf + 50, (uint16_t)ref_pseudo(f->src, f->dst, 6, (uint32_t)(w.len - 34)));
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)w.len, &w.vnet, in_port), STAGE_PASS);
	w.p.cap = sizeof(w.buf);
	memset(&w.ex, 0, sizeof(w.ex));
	return pipeline_run(w.s, &w.p, now, &w.ex);
}

START_TEST(checksums_full_and_partial)
{
	health_all(LB_T_HEALTHY);
	for (uint16_t port = 80; port <= 8080; port += 8000) { /* preserved, then not */
		struct fx_frame f = frame(w.h1, 6, w.na_pub, 30000, port, TCPF_SYN);
		f.payload = 333;
		struct verdict v = run(w.h1, &f, FX_S(1));
		expect_forward(v, v.out_port); /* both checksums verified */
		uint16_t to = v.out_port;
		uint16_t back = out_sport();
		uint32_t back_ip = out_src();
		struct fx_frame r = frame(to, 6, back_ip, 80, back, TCPF_SYN | TCPF_ACK);
		r.payload = 77;
		expect_forward(run(to, &r, FX_S(1)), w.h1);
		f.tcp_flags = TCPF_ACK;
		v = run_partial(w.h1, &f, FX_S(2));
		ck_assert_int_eq(v.action, VERDICT_FORWARD);
		ck_assert(ref_ip_csum_ok(w.buf));
		ck_assert_uint_eq(complete_partial(), ref_l4_csum(w.buf));
		r.tcp_flags = TCPF_ACK;
		v = run_partial(to, &r, FX_S(2));
		ck_assert_int_eq(v.action, VERDICT_FORWARD);
		ck_assert(ref_ip_csum_ok(w.buf));
		ck_assert_uint_eq(complete_partial(), ref_l4_csum(w.buf));
	}
	/* UDP: full, and without a checksum (0 stays 0) */
	struct fx_frame u = frame(w.h1, 17, w.na_pub, 5000, 53, 0);
	struct verdict v = run(w.h1, &u, FX_S(1));
	expect_forward(v, v.out_port);
	u.udp_no_csum = true;
	v = run(w.h1, &u, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(ref_rd16(w.buf + 40), 0);
}
END_TEST

/* The webs admit tcp 80 only from the load balancer's group: the load balancer's traffic
 * passes though the target sees the client's address; the client straight to a web does not. */
START_TEST(sg_reference_to_the_load_balancer_group)
{
	teardown();
	world(true);
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	ck_assert_uint_eq(out_src(), ip_of(w.h1));
	const struct explain_hop *h = NULL;
	for (unsigned i = 0; i < w.ex.n; i++)
		if (w.ex.hop[i].stage == EX_SG_IN && w.ex.hop[i].obj == to)
			h = &w.ex.hop[i];
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(h->rule, fx_sg_rule_index(w.fx, w.sg_web, FX_IN, 1));
	struct fx_frame f = frame(w.c, 6, ip_of(w.web1), 41000, 80, TCPF_SYN);
	expect_drop(run(w.c, &f, FX_S(1)), DROP_SG_INGRESS);
	/* the node's own group decides what reaches its listeners */
	f = frame(w.h1, 17, w.na_pub, 5000, 53, 0);
	expect_drop(run(w.h1, &f, FX_S(1)), DROP_SG_INGRESS);
	/* and the reply passes the node both ways on state */
	struct fx_frame r = frame(to, 6, ip_of(w.h1), 80, 30000, TCPF_SYN | TCPF_ACK);
	expect_forward(run(to, &r, FX_S(1)), w.h1);
}
END_TEST

static void all_tracked(const struct ct_entry *e, void *arg)
{
	(*(unsigned *)arg)++;
	ck_assert_uint_eq(e->untracked, 0);
}

/* Open groups both ways would leave these flows untracked; through a load balancer AWS
 * tracks them: at the client, at the node and at the target. */
START_TEST(flows_through_a_load_balancer_are_tracked)
{
	health_all(LB_T_HEALTHY);
	struct fx_frame f = frame(w.c, 6, ip_of(w.na), 41000, 80, TCPF_SYN);
	struct verdict v = run(w.c, &f, FX_S(1));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	uint16_t ports[] = {w.c, w.na, v.out_port};
	for (int i = 0; i < 3; i++) {
		unsigned n = 0;
		ct_foreach(ct_port(w.s->ct, ports[i]), FX_S(1), all_tracked, &n);
		ck_assert_uint_ge(n, 1);
	}
	/* the control: the same client straight to a web is untracked there */
	f = frame(w.c, 6, ip_of(w.web1), 41001, 80, TCPF_SYN);
	expect_forward(run(w.c, &f, FX_S(1)), w.web1);
	const struct explain_hop *h = find_hop(EX_SG_IN);
	ck_assert_ptr_nonnull(h);
	int32_t idx = -1;
	enum ct_dir d;
	idx = ct_lookup(ct_port(w.s->ct, w.web1), &w.p, FX_S(1), &d);
	ck_assert_int_ge(idx, 0);
	ck_assert_uint_eq(ct_entry_at(ct_port(w.s->ct, w.web1), idx)->untracked, 1);
}
END_TEST

/* Nothing listens on a node but its listeners: other ports and ping are dropped; the replies
 * to the node's own connections (health checks) reach its namespace. */
START_TEST(no_listener_and_the_node_own_connections)
{
	struct fx_frame f = frame(w.h1, 6, w.na_pub, 30000, 9999, TCPF_SYN);
	expect_drop(run(w.h1, &f, FX_S(1)), DROP_LB_NO_LISTENER);
	const struct explain_hop *h = find_hop(EX_LB);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->obj, w.nlb);
	struct fx_frame e = fx_from_port(w.t, w.c);
	e.proto = 1;
	e.dst = ip_of(w.na);
	e.icmp_type = 8;
	e.icmp_id = 7;
	expect_drop(run(w.c, &e, FX_S(1)), DROP_LB_NO_LISTENER);
	/* a health check from the node and its answer */
	f = frame(w.na, 6, ip_of(w.web1), 45000, 80, TCPF_SYN);
	expect_forward(run(w.na, &f, FX_S(1)), w.web1);
	ck_assert_uint_eq(out_src(), ip_of(w.na));
	struct fx_frame r = frame(w.web1, 6, ip_of(w.na), 80, 45000, TCPF_SYN | TCPF_ACK);
	expect_forward(run(w.web1, &r, FX_S(1)), w.na);
	/* but no one else's packet to that port */
	f = frame(w.c, 6, ip_of(w.na), 45000, 45000, TCPF_SYN);
	expect_drop(run(w.c, &f, FX_S(1)), DROP_LB_NO_LISTENER);
	ck_assert_uint_eq(flows_used(), 0);
}
END_TEST

static uint16_t count_target;

static int count_to(void *ctx, const struct lb_flow *f)
{
	*(uint32_t *)ctx += f->target_port == count_target;
	return 0;
}

/* The lab's flow limit: past it a new flow is lb_full; existing ones go on; too late to
 * change once flows exist. */
START_TEST(limit_is_lb_full)
{
	health_all(LB_T_HEALTHY);
	ck_assert_int_eq(lb_configure(w.s, 2), 0);
	uint16_t to = syn_from_h1(w.na_pub, 1, 80, FX_S(1));
	count_target = to;
	syn_from_h1(w.na_pub, 2, 80, FX_S(1));
	struct fx_frame f = frame(w.h1, 6, w.na_pub, 3, 80, TCPF_SYN);
	expect_drop(run(w.h1, &f, FX_S(1)), DROP_LB_FULL);
	f = frame(w.h1, 6, w.na_pub, 1, 80, TCPF_ACK);
	expect_forward(run(w.h1, &f, FX_S(1)), to);
	ck_assert_int_eq(lb_configure(w.s, 10), -EBUSY);
	ck_assert_int_eq(lb_configure(w.s, 0), -EINVAL);
	/* an apply that removes a target's interface takes its flows (publish.c) */
	uint8_t gone[FX_MAX] = {0};
	gone[to] = 1;
	uint32_t there = 0;
	lb_foreach(dp_lb(w.s), count_to, &there);
	ck_assert_uint_ge(there, 1);
	ck_assert_uint_eq(lb_flush_ports(w.s, gone, w.t->n_ports), there);
	ck_assert_uint_eq(flows_used(), 2 - there);
	ck_assert_uint_eq(counter(LBC_ActiveFlowCount), 2 - there);
	gone[to] = 0;
	gone[w.na] = 1; /* and a removed node, all of its */
	ck_assert_uint_eq(lb_flush_ports(w.s, gone, w.t->n_ports), 2 - there);
	ck_assert_uint_eq(flows_used(), 0);
}
END_TEST

/* A live trace's clone holds the same flows and counters and changes apart from the original;
 * a lab without load balancers has no state at all. */
START_TEST(clone_is_deep_and_no_lb_no_state)
{
	health_all(LB_T_HEALTHY);
	uint16_t to = syn_from_h1(w.na_pub, 30000, 80, FX_S(1));
	struct dp_state *c = dp_state_clone(w.s);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(lb_target_state(c, w.tg_web, 0), LB_T_HEALTHY);
	ck_assert_uint_eq(lb_counter_get(dp_lb(c), w.nlb, LBC_NewFlowCount), 1);
	struct fx_frame f = frame(w.h1, 6, w.na_pub, 30000, 80, TCPF_ACK);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	struct verdict v = pipeline_process(c, w.buf, (uint32_t)w.len, sizeof(w.buf), NULL, w.h1, FX_S(2));
	ck_assert_int_eq(v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(v.out_port, to);
	f = frame(w.h1, 6, w.na_pub, 30001, 80, TCPF_SYN);
	w.len = fx_build(w.buf, sizeof(w.buf), &f);
	pipeline_process(c, w.buf, (uint32_t)w.len, sizeof(w.buf), NULL, w.h1, FX_S(2));
	uint32_t used, limit;
	lb_flow_stats(dp_lb(c), &used, &limit);
	ck_assert_uint_eq(used, 2);
	ck_assert_uint_eq(flows_used(), 1);
	dp_state_destroy(c);
	struct fx *fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "plain", "10.2.0.0/16", false);
	uint16_t sn = fx_subnet(fx, vpc, "sn", "10.2.1.0/24", VL_NONE, VL_NONE);
	fx_instance(fx, sn, "x", "10.2.1.10", NULL);
	struct vl_tables *t = fx_done(fx);
	struct dp_state *s = dp_state_create(t, 64);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(dp_lb(s));
	lb_sweep(s, FX_S(1));
	ck_assert_int_eq(lb_target_set_state(s, 0, 0, LB_T_HEALTHY), -EINVAL);
	dp_state_destroy(s);
	fx_free(fx);
}
END_TEST

/* `vpclab trace` through a load balancer: an lb hop naming it and the chosen target, both
 * ways (the return through the state the request made). */
START_TEST(trace_shows_the_lb_hop)
{
	health_all(LB_T_HEALTHY);
	struct trace_req r = {.from = "h1", .to = "203.0.113.5", .proto = 6, .port = 80, .icmp_type = -1,
			      .with_return = true};
	struct trace_result res;
	char err[128];
	ck_assert_int_eq(trace_flow_in(w.s, FX_S(1), &r, &res, err, sizeof(err)), 0);
	ck_assert_uint_eq(res.dst_ip, w.na_pub);
	ck_assert_int_eq(res.fwd.v.action, VERDICT_FORWARD);
	ck_assert(res.has_return);
	ck_assert_int_eq(res.ret.v.action, VERDICT_FORWARD);
	ck_assert_uint_eq(res.ret.v.out_port, w.h1);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(out);
	trace_print(w.t, &r, &res, false, out);
	fclose(out);
	const char *target = res.fwd.v.out_port == w.web1 ? "target web1 (new flow): 198.51.100.10:40000 -> 10.0.11.10:80"
							   : "target web2 (new flow): 198.51.100.10:40000 -> 10.0.11.11:80";
	ck_assert_msg(strstr(text, "lb nlb") && strstr(text, target), "trace:\n%s", text);
	ck_assert_msg(strstr(text, "10.0.1.5:80 -> 198.51.100.10:40000"), "trace:\n%s", text);
	if (getenv("LB_SHOW"))
		fputs(text, stderr);
	free(text);
}
END_TEST

struct flow_pick {
	uint32_t n, want;
	struct lb_flow f;
	uint64_t active;
};

static int flow_pick(void *ctx, const struct lb_flow *f)
{
	struct flow_pick *fp = ctx;
	if (fp->n++ == fp->want)
		fp->f = *f;
	fp->active += f->state == LB_F_OPENING || f->state == LB_F_ESTABLISHED || f->state == LB_F_UDP;
	return 0;
}

/* Random traffic (clients, targets answering real flows, the nodes themselves, junk), time
 * jumps, sweeps and health changes: every frame that leaves has valid checksums, and the
 * counters agree with the table (ActiveFlowCount = flows in an active state). Under `make
 * asan` this is the load balancer's fuzzing until the pipeline fuzzer's lab can hold one. */
START_TEST(random_traffic_keeps_invariants)
{
	struct rng r;
	rng_seed(&r, 1111);
	uint16_t senders[] = {w.h1, w.c, w.web1, w.web2, w.web3, w.na, w.nb};
	uint32_t dsts[] = {w.na_pub, w.nb_pub, ip_of(w.na), ip_of(w.nb), ip_of(w.web1), ip_of(w.c), ip_of(w.h1)};
	uint16_t ports[] = {80, 8080, 53, 81, 9999, 40000, 1024};
	uint8_t flags[] = {TCPF_SYN, TCPF_ACK, TCPF_SYN | TCPF_ACK, TCPF_FIN | TCPF_ACK, TCPF_RST, TCPF_RST | TCPF_ACK};
	uint64_t now = FX_S(1);
	for (int i = 0; i < 20000; i++) {
		now += rng_below(&r, 8) == 0 ? FX_S(rng_below(&r, 400)) : FX_S(1) / 1000;
		if (rng_below(&r, 50) == 0)
			lb_sweep(w.s, now);
		if (rng_below(&r, 40) == 0)
			lb_target_set_state(w.s, (uint16_t)rng_below(&r, 3), rng_below(&r, 3),
					    (enum lb_target_state)rng_below(&r, 5));
		struct flow_pick fp = {.want = UINT32_MAX};
		lb_foreach(dp_lb(w.s), flow_pick, &fp);
		uint16_t from;
		struct fx_frame f;
		uint8_t proto = rng_below(&r, 10) == 0 ? 1 : rng_below(&r, 3) == 0 ? 17 : 6;
		if (fp.n && rng_below(&r, 2) == 0) { /* a target answering one of its flows */
			fp.want = rng_below(&r, fp.n);
			fp.n = 0;
			fp.active = 0;
			lb_foreach(dp_lb(w.s), flow_pick, &fp);
			from = fp.f.target_port;
			f = frame(from, fp.f.proto, fp.f.peer_ip, fp.f.tport, fp.f.peer_port, flags[rng_below(&r, 6)]);
		} else {
			from = senders[rng_below(&r, 7)];
			f = frame(from, proto, dsts[rng_below(&r, 7)], (uint16_t)(30000 + rng_below(&r, 20)),
				  ports[rng_below(&r, 7)], flags[rng_below(&r, 6)]);
			if (proto == 1) {
				f.icmp_type = 8;
				f.icmp_id = (uint16_t)rng_below(&r, 4);
			}
		}
		f.payload = (uint16_t)rng_below(&r, 200);
		struct verdict v = run(from, &f, now);
		if (v.action == VERDICT_FORWARD) {
			ck_assert(ref_ip_csum_ok(w.buf));
			ck_assert_msg(ref_l4_csum_ok(w.buf), "round %d: L4 checksum", i);
		}
		struct flow_pick all = {.want = UINT32_MAX};
		lb_foreach(dp_lb(w.s), flow_pick, &all);
		ck_assert_uint_eq(all.n, flows_used());
		ck_assert_uint_eq(all.active, counter(LBC_ActiveFlowCount));
		ck_assert_uint_eq(counter(LBC_ActiveFlowCount),
				  counter(LBC_ActiveFlowCount_TCP) + counter(LBC_ActiveFlowCount_UDP));
	}
	if (getenv("LB_SHOW"))
		for (int k = 0; k < LBC__COUNT; k++)
			fprintf(stderr, "%s %llu\n", lb_counter_name((enum lb_counter)k), (unsigned long long)counter((enum lb_counter)k));
	ck_assert_uint_gt(counter(LBC_NewFlowCount), 100);
	ck_assert_uint_gt(counter(LBC_TCP_ELB_Reset_Count), 10);
}
END_TEST

Suite *suite_lb(void)
{
	Suite *s = suite_create("lb");
	TCase *tc = tcase_create("lb");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, distribution_over_healthy_targets);
	tcase_add_test(tc, flow_sticks_to_its_target);
	tcase_add_test(tc, zone_restriction_and_cross_zone);
	tcase_add_test(tc, fail_open);
	tcase_add_test(tc, draining_keeps_flows_takes_none);
	tcase_add_test(tc, unhealthy_target_flows_reset);
	tcase_add_test(tc, preserve_client_ip_on_and_off);
	tcase_add_test(tc, reply_restores_the_node_address);
	tcase_add_test(tc, hairpin_dropped_as_lb_loopback);
	tcase_add_test(tc, idle_timeout_rst_both_ways);
	tcase_add_test(tc, checksums_full_and_partial);
	tcase_add_test(tc, sg_reference_to_the_load_balancer_group);
	tcase_add_test(tc, flows_through_a_load_balancer_are_tracked);
	tcase_add_test(tc, no_listener_and_the_node_own_connections);
	tcase_add_test(tc, limit_is_lb_full);
	tcase_add_test(tc, clone_is_deep_and_no_lb_no_state);
	tcase_add_test(tc, trace_shows_the_lb_hop);
	tcase_add_test(tc, random_traffic_keeps_invariants);
	suite_add_tcase(s, tc);
	return s;
}
