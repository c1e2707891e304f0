/* Untracked flows (reference 4.4): a TCP/UDP flow admitted by a 0.0.0.0/0 rule on an interface
 * whose opposite direction admits every port of that protocol from/to 0.0.0.0/0 is one AWS does
 * not track. sg_untracked and sg_stage mark it, the ports' open flags (dp_tables_prepare) say
 * which directions are open, sg_recheck decides after a rule change which flows stay, and the
 * pipeline keeps flows through a NAT gateway tracked.
 *
 * Rules lab: VPC 10.0.0.0/16, subnet 10.0.1.0/24: web 10.0.1.10 (groups gw, gx), app 10.0.1.20
 * (group ga); the rules of gw/gx vary by test (build()). Path lab: pub 10.0.1.0/24 (0/0 igw):
 * web 10.0.1.10 public 203.0.113.10, nat 10.0.1.5 (EIP 203.0.113.20); priv 10.0.2.0/24 (0/0
 * nat): app 10.0.2.10; every group open both ways; internet host h1 198.51.100.10. */
#include <check.h>

#include "dataplane/sg.h"
#include "fixture.h"

Suite *suite_untracked(void);

enum {
	V_IN_SSH = 1 << 0,      /* in: tcp 22 from 203.0.113.1/32 */
	V_IN_HTTP = 1 << 1,     /* in: tcp 80 from 0.0.0.0/0 */
	V_IN_ICMP = 1 << 2,     /* in: icmp all from 0.0.0.0/0 */
	V_IN_DNS = 1 << 3,      /* in: udp 53 from 0.0.0.0/0 */
	V_IN_REF = 1 << 4,      /* in: tcp 80 from group ga */
	V_IN_VPC = 1 << 5,      /* in: tcp 8080 from 10.0.0.0/16 */
	V_IN_ALL = 1 << 6,      /* in: all from 0.0.0.0/0 */
	V_OUT_ALL = 1 << 7,     /* out: all to 0.0.0.0/0 */
	V_OUT_TCP = 1 << 8,     /* out: tcp 0-65535 to 0.0.0.0/0 */
	V_OUT_TCP1 = 1 << 9,    /* out: tcp 1-65535 to 0.0.0.0/0 (not every port) */
	V_OUT_ALL_GX = 1 << 10, /* out: all to 0.0.0.0/0, in web's second group gx */
	V_OUT_REF = 1 << 11,    /* out: all to group ga */
};
/* Without any V_OUT_*, web's outbound is tcp 443 to 0.0.0.0/0. */
#define V_REFERENCE (V_IN_SSH | V_IN_HTTP | V_IN_ICMP | V_IN_DNS | V_OUT_ALL)

#define MAX_LABS 6
static struct fx *lab_fx[MAX_LABS];
static unsigned n_labs;
static uint16_t web, app, gw, gx, ga;
static int32_t r_http; /* after build(): V_IN_HTTP's compiled index, -1 without it */
static uint32_t ip_web, ip_app, ip_inet, ip_ssh;
static struct ct_pool *pool;

static void setup(void)
{
	n_labs = 0;
	ip_web = fx_ip("10.0.1.10");
	ip_app = fx_ip("10.0.1.20");
	ip_inet = fx_ip("198.51.100.7");
	ip_ssh = fx_ip("203.0.113.1");
	pool = ct_pool_create(4, 256);
	ck_assert_ptr_nonnull(pool);
}

static void teardown(void)
{
	ct_pool_destroy(pool);
	for (unsigned i = 0; i < n_labs; i++)
		fx_free(lab_fx[i]);
	n_labs = 0;
}

/* The rules lab with web's rules as v says (the same ports and groups every time, as an apply
 * keeps them). */
static struct vl_tables *build(unsigned v)
{
	ck_assert_uint_lt(n_labs, MAX_LABS);
	struct fx *fx = lab_fx[n_labs++] = fx_new();
	uint16_t vpc = fx_vpc(fx, "a", "10.0.0.0/16", true);
	uint16_t s1 = fx_subnet(fx, vpc, "s1", "10.0.1.0/24", VL_NONE, VL_NONE);
	gw = fx_sg(fx, vpc, "gw");
	gx = fx_sg(fx, vpc, "gx");
	ga = fx_sg(fx, vpc, "ga");
	fx_sg_open(fx, ga);
	web = fx_instance(fx, s1, "web", "10.0.1.10", "203.0.113.10");
	app = fx_instance(fx, s1, "app", "10.0.1.20", NULL);
	uint16_t both[2] = {gw, gx};
	fx_port_sgs(fx, web, 2, both);
	fx_port_sg(fx, app, ga);
	uint16_t http = 0;
	if (v & V_IN_SSH)
		fx_sg_rule(fx, gw, FX_IN, fx_m(6, 22, 22), "203.0.113.1/32");
	if (v & V_IN_HTTP)
		http = fx_sg_rule(fx, gw, FX_IN, fx_m(6, 80, 80), "0.0.0.0/0");
	if (v & V_IN_ICMP)
		fx_sg_rule(fx, gw, FX_IN, fx_m_icmp(-1, -1), "0.0.0.0/0");
	if (v & V_IN_DNS)
		fx_sg_rule(fx, gw, FX_IN, fx_m(17, 53, 53), "0.0.0.0/0");
	if (v & V_IN_REF)
		fx_sg_rule_ref(fx, gw, FX_IN, fx_m(6, 80, 80), ga);
	if (v & V_IN_VPC)
		fx_sg_rule(fx, gw, FX_IN, fx_m(6, 8080, 8080), "10.0.0.0/16");
	if (v & V_IN_ALL)
		fx_sg_rule(fx, gw, FX_IN, fx_m_all(), "0.0.0.0/0");
	if (v & V_OUT_ALL)
		fx_sg_rule(fx, gw, FX_OUT, fx_m_all(), "0.0.0.0/0");
	if (v & V_OUT_TCP)
		fx_sg_rule(fx, gw, FX_OUT, fx_m(6, 0, 65535), "0.0.0.0/0");
	if (v & V_OUT_TCP1)
		fx_sg_rule(fx, gw, FX_OUT, fx_m(6, 1, 65535), "0.0.0.0/0");
	if (v & V_OUT_ALL_GX)
		fx_sg_rule(fx, gx, FX_OUT, fx_m_all(), "0.0.0.0/0");
	if (v & V_OUT_REF)
		fx_sg_rule_ref(fx, gw, FX_OUT, fx_m_all(), ga);
	if (!(v & (V_OUT_ALL | V_OUT_TCP | V_OUT_TCP1 | V_OUT_ALL_GX | V_OUT_REF)))
		fx_sg_rule(fx, gw, FX_OUT, fx_m(6, 443, 443), "0.0.0.0/0");
	struct vl_tables *t = fx_done(fx);
	r_http = http ? fx_sg_rule_index(fx, gw, FX_IN, http) : -1;
	return t;
}

/* A first packet into web from src (sent by interface from, or VL_NONE from outside). */
static struct pkt in_pkt(uint8_t proto, uint32_t src, uint16_t from, uint16_t dport)
{
	struct pkt p = proto == 1 ? fx_pkt_icmp(src, ip_web, 8, 0, 7)
				  : fx_pkt(proto, src, 40000, ip_web, dport, TCPF_SYN);
	p.in_port = p.origin_port = from;
	return p;
}

/* A first packet web sends to dst. */
static struct pkt out_pkt(uint8_t proto, uint32_t dst, uint16_t dport)
{
	struct pkt p = fx_pkt(proto, ip_web, 40000, dst, dport, TCPF_SYN);
	p.in_port = p.origin_port = web;
	return p;
}

/* Starts p's flow at web through the stateful stage; returns its entry. */
static struct ct_entry *start(const struct vl_tables *t, enum sg_dir dir, const struct pkt *p)
{
	struct sg_result res;
	ck_assert_int_eq(sg_stage(t, ct_port(pool, web), web, dir, p, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_ge(res.ct, 0);
	ck_assert_uint_eq(res.new_flow, 1);
	return ct_entry_at(ct_port(pool, web), res.ct);
}

START_TEST(reference_example)
{
	struct vl_tables *t = build(V_REFERENCE);
	ck_assert_uint_eq(t->ports[web].open_out, VL_OPEN_TCP | VL_OPEN_UDP);
	ck_assert_uint_eq(t->ports[web].open_in, 0);
	struct pkt ssh = in_pkt(6, ip_ssh, VL_NONE, 22), http = in_pkt(6, ip_inet, VL_NONE, 80);
	struct pkt icmp = in_pkt(1, ip_inet, VL_NONE, 0), dns = in_pkt(17, ip_inet, VL_NONE, 53);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &ssh));
	ck_assert(sg_untracked(t, web, SG_INGRESS, &http));
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &icmp));
	ck_assert(sg_untracked(t, web, SG_INGRESS, &dns));
	/* the stage marks the entries it starts */
	ck_assert_uint_eq(start(t, SG_INGRESS, &ssh)->untracked, 0);
	ck_assert_uint_eq(start(t, SG_INGRESS, &http)->untracked, 1);
	ck_assert_uint_eq(start(t, SG_INGRESS, &icmp)->untracked, 0);
	ck_assert_uint_eq(start(t, SG_INGRESS, &dns)->untracked, 1);
	/* outbound: admitted by 0.0.0.0/0, but inbound is not open for the replies */
	struct pkt out = out_pkt(6, ip_inet, 443);
	ck_assert(!sg_untracked(t, web, SG_EGRESS, &out));
	ck_assert_uint_eq(start(t, SG_EGRESS, &out)->untracked, 0);
}
END_TEST

START_TEST(without_open_outbound_all_tracked)
{
	struct vl_tables *t = build(V_REFERENCE & ~V_OUT_ALL);
	ck_assert_uint_eq(t->ports[web].open_out, 0);
	struct pkt ssh = in_pkt(6, ip_ssh, VL_NONE, 22), http = in_pkt(6, ip_inet, VL_NONE, 80);
	struct pkt icmp = in_pkt(1, ip_inet, VL_NONE, 0), dns = in_pkt(17, ip_inet, VL_NONE, 53);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &ssh));
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &http));
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &icmp));
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &dns));
	ck_assert_uint_eq(start(t, SG_INGRESS, &http)->untracked, 0);
	ck_assert_uint_eq(start(t, SG_INGRESS, &dns)->untracked, 0);
}
END_TEST

START_TEST(tcp_all_ports_opens_tcp_only)
{
	struct vl_tables *t = build(V_IN_HTTP | V_IN_DNS | V_OUT_TCP);
	ck_assert_uint_eq(t->ports[web].open_out, VL_OPEN_TCP);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80), dns = in_pkt(17, ip_inet, VL_NONE, 53);
	ck_assert(sg_untracked(t, web, SG_INGRESS, &http));
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &dns));
	/* every port means 0-65535: 1-65535 leaves replies to port 0 to the state */
	t = build(V_IN_HTTP | V_OUT_TCP1);
	ck_assert_uint_eq(t->ports[web].open_out, 0);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &http));
}
END_TEST

START_TEST(open_rule_in_another_group_counts)
{
	/* the groups of an interface merge: gx's outbound opens what gw admits inbound */
	struct vl_tables *t = build(V_IN_HTTP | V_OUT_ALL_GX);
	ck_assert_uint_eq(t->ports[web].open_out, VL_OPEN_TCP | VL_OPEN_UDP);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80);
	ck_assert(sg_untracked(t, web, SG_INGRESS, &http));
	/* app carries neither group: its own open rules decide for it */
	ck_assert_uint_eq(t->ports[app].open_in, VL_OPEN_TCP | VL_OPEN_UDP);
}
END_TEST

START_TEST(group_reference_is_tracked)
{
	struct vl_tables *t = build(V_IN_REF | V_IN_VPC | V_OUT_ALL);
	struct pkt ref = in_pkt(6, ip_app, app, 80), vpc = in_pkt(6, ip_app, app, 8080);
	ck_assert_int_ge(sg_match(t, web, SG_INGRESS, &ref), 0);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &ref));
	ck_assert_uint_eq(start(t, SG_INGRESS, &ref)->untracked, 0);
	/* a CIDR narrower than 0.0.0.0/0 does not either */
	ck_assert_int_ge(sg_match(t, web, SG_INGRESS, &vpc), 0);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &vpc));
	/* an open opposite direction through a group reference opens nothing */
	t = build(V_IN_HTTP | V_OUT_REF);
	ck_assert_uint_eq(t->ports[web].open_out, 0);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80);
	ck_assert(!sg_untracked(t, web, SG_INGRESS, &http));
}
END_TEST

START_TEST(any_open_admitting_rule_untracks)
{
	/* the reference and the 0.0.0.0/0 rule both admit app's HTTP: admitted "for all" */
	struct vl_tables *t = build(V_IN_REF | V_IN_HTTP | V_OUT_ALL);
	struct pkt ref = in_pkt(6, ip_app, app, 80);
	ck_assert(sg_untracked(t, web, SG_INGRESS, &ref));
	ck_assert_uint_eq(start(t, SG_INGRESS, &ref)->untracked, 1);
}
END_TEST

START_TEST(outbound_flow_untracked_when_inbound_open)
{
	struct vl_tables *t = build(V_IN_ALL | V_OUT_ALL);
	ck_assert_uint_eq(t->ports[web].open_in, VL_OPEN_TCP | VL_OPEN_UDP);
	struct pkt out = out_pkt(6, ip_inet, 443), udp = out_pkt(17, ip_inet, 123);
	ck_assert(sg_untracked(t, web, SG_EGRESS, &out));
	ck_assert(sg_untracked(t, web, SG_EGRESS, &udp));
	ck_assert_uint_eq(start(t, SG_EGRESS, &out)->untracked, 1);
	/* ICMP stays tracked whatever is open */
	struct pkt ping = fx_pkt_icmp(ip_web, ip_inet, 8, 0, 9);
	ping.in_port = ping.origin_port = web;
	ck_assert(!sg_untracked(t, web, SG_EGRESS, &ping));
}
END_TEST

START_TEST(recheck_untracked_kept_while_admitted)
{
	struct vl_tables *t1 = build(V_REFERENCE);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80);
	struct ct_entry e = *start(t1, SG_INGRESS, &http);
	ck_assert_uint_eq(e.untracked, 1);
	struct vl_tables *same = build(V_REFERENCE);
	struct ct_entry k = e;
	ck_assert(sg_recheck(same, web, &k));
	ck_assert_uint_eq(k.untracked, 1);
	ck_assert_int_eq((int32_t)k.rule, r_http);
}
END_TEST

START_TEST(recheck_cuts_when_open_rule_removed)
{
	struct vl_tables *t1 = build(V_REFERENCE);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80);
	struct ct_entry e = *start(t1, SG_INGRESS, &http);
	struct vl_tables *t2 = build(V_REFERENCE & ~V_IN_HTTP);
	ck_assert(!sg_recheck(t2, web, &e));
	/* an outbound untracked flow: cut when outbound no longer admits it */
	t1 = build(V_IN_ALL | V_OUT_ALL);
	struct pkt out = out_pkt(6, ip_inet, 8443);
	e = *start(t1, SG_EGRESS, &out);
	ck_assert_uint_eq(e.untracked, 1);
	t2 = build(V_IN_ALL); /* outbound: tcp 443 only */
	ck_assert(!sg_recheck(t2, web, &e));
}
END_TEST

START_TEST(recheck_becomes_tracked_when_opposite_closes)
{
	struct vl_tables *t1 = build(V_REFERENCE);
	struct pkt http = in_pkt(6, ip_inet, VL_NONE, 80);
	struct ct_entry e = *start(t1, SG_INGRESS, &http);
	ck_assert_uint_eq(e.untracked, 1);
	struct vl_tables *t2 = build(V_REFERENCE & ~V_OUT_ALL);
	ck_assert(sg_recheck(t2, web, &e));
	ck_assert_uint_eq(e.untracked, 0);
	ck_assert_int_eq((int32_t)e.rule, r_http);
	/* tracked from now on: a later change that removes its rule keeps it */
	struct vl_tables *t3 = build(V_OUT_ALL);
	ck_assert(sg_recheck(t3, web, &e));
	ck_assert_uint_eq(e.untracked, 0);
}
END_TEST

START_TEST(recheck_keeps_tracked)
{
	struct vl_tables *t1 = build(V_REFERENCE);
	struct pkt ssh = in_pkt(6, ip_ssh, VL_NONE, 22);
	struct ct_entry e = *start(t1, SG_INGRESS, &ssh);
	ck_assert_uint_eq(e.untracked, 0);
	struct vl_tables *t2 = build(V_OUT_ALL); /* nothing admits SSH any more */
	struct ct_entry before = e;
	ck_assert(sg_recheck(t2, web, &e));
	ck_assert_mem_eq(&e, &before, sizeof(e));
}
END_TEST

START_TEST(recheck_group_reference_through_address_map)
{
	/* app's HTTP, untracked by the 0.0.0.0/0 rule; then only the reference to app's group
	 * admits it: kept (the address map names app as the sender), and tracked */
	struct vl_tables *t1 = build(V_IN_HTTP | V_OUT_ALL);
	struct pkt from_app = in_pkt(6, ip_app, app, 80), from_inet = in_pkt(6, ip_inet, VL_NONE, 80);
	struct ct_entry ea = *start(t1, SG_INGRESS, &from_app);
	struct ct_entry ei = *start(t1, SG_INGRESS, &from_inet);
	ck_assert_uint_eq(ea.untracked, 1);
	ck_assert_uint_eq(ei.untracked, 1);
	struct vl_tables *t2 = build(V_IN_REF | V_OUT_ALL);
	ck_assert(sg_recheck(t2, web, &ea));
	ck_assert_uint_eq(ea.untracked, 0);
	ck_assert(!sg_recheck(t2, web, &ei));
}
END_TEST

/* ------------------------------------------------------------ the path lab (pipeline) */

static struct {
	struct fx *fx;
	struct vl_tables *t;
	struct dp_state *s;
	uint16_t web, app, h1, nat;
	uint8_t buf[2048];
	struct pkt p;
} w;

static void path_setup(void)
{
	memset(&w, 0, sizeof(w));
	struct fx *fx = w.fx = fx_new();
	uint16_t vpc = fx_vpc(fx, "main", "10.0.0.0/16", true);
	uint16_t rt_pub = fx_route_table(fx, vpc, "rt-pub"), rt_priv = fx_route_table(fx, vpc, "rt-priv");
	uint16_t pub = fx_subnet(fx, vpc, "pub", "10.0.1.0/24", rt_pub, VL_NONE);
	uint16_t priv = fx_subnet(fx, vpc, "priv", "10.0.2.0/24", rt_priv, VL_NONE);
	uint16_t eip = fx_eip(fx, "nat-eip", "203.0.113.20", VL_NONE, 0);
	w.nat = fx_natgw(fx, pub, "nat", "10.0.1.5", eip);
	fx_route(fx, rt_pub, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fx, rt_priv, "0.0.0.0/0", VL_T_NATGW, w.nat);
	uint16_t sg = fx_sg(fx, vpc, "open");
	fx_sg_open(fx, sg);
	w.web = fx_instance(fx, pub, "web", "10.0.1.10", "203.0.113.10");
	w.app = fx_instance(fx, priv, "app", "10.0.2.10", NULL);
	fx_port_sg(fx, w.web, sg);
	fx_port_sg(fx, w.app, sg);
	w.h1 = fx_inet_host(fx, "h1", "198.51.100.10");
	w.t = fx_done(fx);
	w.s = dp_state_create(w.t, 1024);
	ck_assert_ptr_nonnull(w.s);
}

static void path_teardown(void)
{
	dp_state_destroy(w.s);
	fx_free(w.fx);
	memset(&w, 0, sizeof(w));
}

/* Sends a first packet from port `from` to dst; returns the flow's entry at interface `at`
 * (looked up with the packet as sent, before any translation). */
static const struct ct_entry *send_first(uint16_t from, uint8_t proto, uint32_t dst, uint16_t dport,
					 uint16_t at)
{
	struct fx_frame f = fx_from_port(w.t, from);
	f.proto = proto;
	f.dst = dst;
	f.sport = 40000;
	f.dport = dport;
	f.tcp_flags = proto == 6 ? TCPF_SYN : 0;
	f.payload = 10;
	size_t len = fx_build(w.buf, sizeof(w.buf), &f);
	ck_assert_int_eq(pkt_parse(&w.p, w.buf, (uint32_t)len, NULL, from), STAGE_PASS);
	w.p.cap = sizeof(w.buf);
	struct pkt sent = w.p;
	struct verdict v = pipeline_run(w.s, &w.p, FX_S(1), NULL);
	ck_assert_msg(v.action == VERDICT_FORWARD, "not forwarded: %s",
		      drop_reason_name((enum drop_reason)v.reason));
	enum ct_dir dir;
	struct ct_table *ct = ct_port(w.s->ct, at);
	int32_t idx = ct_lookup(ct, &sent, FX_S(1), &dir);
	ck_assert_int_ge(idx, 0);
	return ct_entry_at(ct, idx);
}

START_TEST(nat_gateway_flow_is_tracked)
{
	uint32_t h1 = w.t->ports[w.h1].ip;
	/* open both ways: through the internet gateway, and inside the VPC, untracked */
	ck_assert_uint_eq(send_first(w.web, 6, h1, 80, w.web)->untracked, 1);
	ck_assert_uint_eq(send_first(w.app, 6, w.t->ports[w.web].ip, 80, w.app)->untracked, 1);
	ck_assert_uint_eq(send_first(w.app, 6, w.t->ports[w.web].ip, 81, w.web)->untracked, 1);
	/* through the NAT gateway: tracked, TCP and UDP */
	ck_assert_uint_eq(send_first(w.app, 6, h1, 80, w.app)->untracked, 0);
	ck_assert_uint_eq(send_first(w.app, 17, h1, 53, w.app)->untracked, 0);
}
END_TEST

Suite *suite_untracked(void)
{
	Suite *s = suite_create("untracked");
	TCase *tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, reference_example);
	tcase_add_test(tc, without_open_outbound_all_tracked);
	tcase_add_test(tc, tcp_all_ports_opens_tcp_only);
	tcase_add_test(tc, open_rule_in_another_group_counts);
	tcase_add_test(tc, group_reference_is_tracked);
	tcase_add_test(tc, any_open_admitting_rule_untracks);
	tcase_add_test(tc, outbound_flow_untracked_when_inbound_open);
	tcase_add_test(tc, recheck_untracked_kept_while_admitted);
	tcase_add_test(tc, recheck_cuts_when_open_rule_removed);
	tcase_add_test(tc, recheck_becomes_tracked_when_opposite_closes);
	tcase_add_test(tc, recheck_keeps_tracked);
	tcase_add_test(tc, recheck_group_reference_through_address_map);
	suite_add_tcase(s, tc);
	TCase *pc = tcase_create("pipeline");
	tcase_add_checked_fixture(pc, path_setup, path_teardown);
	tcase_add_test(pc, nat_gateway_flow_is_tracked);
	suite_add_tcase(s, pc);
	return s;
}
