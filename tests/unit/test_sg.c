/* sg.c: security groups. Rules as a set (any rule of any group on the interface admits),
 * ingress by source and egress by destination, group references (private IP of a member, only
 * straight from/to the member's interface), and the stateful stage (sg_stage): a tracked flow's
 * reply passes without a rule, an untracked packet is dropped with the direction's reason, a
 * full connection table is DROP_CT_FULL. */
#include <check.h>

#include "dataplane/sg.h"
#include "fixture.h"

Suite *suite_sg(void);

static struct fx *fx;
static struct vl_tables *t;
static uint16_t vpc, vpc2, s1, s2;
static uint16_t g_web, g_app, g_other, g_extra;
static uint16_t pa, pb, pc, pd, pe;     /* ports */
static uint32_t ip_a, ip_b, ip_c, ip_d, ip_e, pub_a, pub_b;
static struct ct_pool *pool;
static struct ct_table *ct_a, *ct_b;

static uint32_t used_of(const struct ct_table *ct)
{
	struct ct_stats st;
	ct_stats(ct, &st);
	return st.used;
}

/* VPC 10.0.0.0/16: subnet 10.0.1.0/24 with A (web, public IP) and B (app, public IP), subnet
 * 10.0.2.0/24 with C (other) and D (web). VPC2 has E, which (abusing the model) carries web. */
static void setup(void)
{
	fx = fx_new();
	vpc = fx_vpc(fx, "a", "10.0.0.0/16", true);
	vpc2 = fx_vpc(fx, "b", "10.0.0.0/16", false);
	s1 = fx_subnet(fx, vpc, "s1", "10.0.1.0/24", VL_NONE, VL_NONE);
	s2 = fx_subnet(fx, vpc, "s2", "10.0.2.0/24", VL_NONE, VL_NONE);
	uint16_t s3 = fx_subnet(fx, vpc2, "s3", "10.0.1.0/24", VL_NONE, VL_NONE);
	g_web = fx_sg(fx, vpc, "web");
	g_app = fx_sg(fx, vpc, "app");
	g_other = fx_sg(fx, vpc, "other");
	g_extra = fx_sg(fx, vpc, "extra");
	pa = fx_instance(fx, s1, "a", "10.0.1.10", "203.0.113.10");
	pb = fx_instance(fx, s1, "b", "10.0.1.20", "203.0.113.20");
	pc = fx_instance(fx, s2, "c", "10.0.2.30", NULL);
	pd = fx_instance(fx, s2, "d", "10.0.2.40", NULL);
	pe = fx_instance(fx, s3, "e", "10.0.1.50", NULL);
	fx_port_sg(fx, pa, g_web);
	fx_port_sg(fx, pb, g_app);
	fx_port_sg(fx, pc, g_other);
	fx_port_sg(fx, pd, g_web);
	fx_port_sg(fx, pe, g_web);
	ip_a = fx_ip("10.0.1.10");
	ip_b = fx_ip("10.0.1.20");
	ip_c = fx_ip("10.0.2.30");
	ip_d = fx_ip("10.0.2.40");
	ip_e = fx_ip("10.0.1.50");
	pub_a = fx_ip("203.0.113.10");
	pub_b = fx_ip("203.0.113.20");
	t = NULL;
	pool = ct_pool_create(8, 128);
	ck_assert_ptr_nonnull(pool);
	ct_a = ct_port(pool, pa);
	ct_b = ct_port(pool, pb);
}

static void teardown(void)
{
	ct_pool_destroy(pool);
	fx_free(fx);
}

/* p as sent by port `from` (origin = that interface). */
static struct pkt from_port(struct pkt p, uint16_t from)
{
	p.in_port = p.origin_port = from;
	return p;
}

START_TEST(any_rule_of_any_group_admits)
{
	uint16_t g2 = g_extra;
	uint16_t r22 = fx_sg_rule(fx, g_web, FX_IN, fx_m(6, 22, 22), "203.0.113.1/32");
	uint16_t r80 = fx_sg_rule(fx, g2, FX_IN, fx_m(6, 80, 80), "0.0.0.0/0");
	uint16_t r53 = fx_sg_rule(fx, g2, FX_IN, fx_m(17, 53, 53), "10.0.0.0/16");
	uint16_t both[2] = {g_web, g2};
	fx_port_sgs(fx, pa, 2, both);
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("198.51.100.1"), 40000, ip_a, 80, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g2, FX_IN, r80));
	p = fx_pkt(6, fx_ip("203.0.113.1"), 40000, ip_a, 22, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, r22));
	p.src = fx_ip("203.0.113.2");
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	p = fx_pkt(17, ip_c, 5353, ip_a, 53, 0);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g2, FX_IN, r53));
	p = fx_pkt(17, fx_ip("11.0.0.1"), 5353, ip_a, 53, 0);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	/* a port that has only the first group: the second group's rules do not apply */
	p = fx_pkt(6, fx_ip("198.51.100.1"), 40000, ip_d, 80, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pd, SG_INGRESS, &p), -1);
}
END_TEST

/* Overlapping rules: no order, the result is one of the admitting rules (the most permissive
 * wins: a narrow rule that does not match does not hide a wide one). */
START_TEST(rules_are_a_set)
{
	uint16_t narrow = fx_sg_rule(fx, g_web, FX_IN, fx_m(6, 22, 22), "203.0.113.1/32");
	uint16_t wide = fx_sg_rule(fx, g_web, FX_IN, fx_m(6, 0, 65535), "203.0.113.0/24");
	uint16_t other = fx_sg_rule(fx, g_web, FX_IN, fx_m(6, 22, 22), "0.0.0.0/0");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("203.0.113.1"), 50000, ip_a, 22, TCPF_SYN);
	int32_t r = sg_match(t, pa, SG_INGRESS, &p);
	ck_assert(r == fx_sg_rule_index(fx, g_web, FX_IN, narrow) ||
		  r == fx_sg_rule_index(fx, g_web, FX_IN, wide) ||
		  r == fx_sg_rule_index(fx, g_web, FX_IN, other));
	p.src = fx_ip("203.0.113.9");
	p.dport = 8080;
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, wide));
	p.src = fx_ip("198.51.100.9");
	p.dport = 22;
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, other));
	p.dport = 23;
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
}
END_TEST

START_TEST(no_groups_or_no_rules_admit_nothing)
{
	fx_port_sgs(fx, pc, 0, NULL);
	t = fx_done(fx); /* web has no rules at all */
	struct pkt p = fx_pkt(6, ip_b, 40000, ip_a, 80, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	p = fx_pkt(6, ip_b, 40000, ip_c, 80, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pc, SG_INGRESS, &p), -1);
	ck_assert_int_eq(sg_match(t, (uint16_t)t->n_ports, SG_INGRESS, &p), -1);
}
END_TEST

START_TEST(ingress_by_source_egress_by_destination)
{
	uint16_t rin = fx_sg_rule(fx, g_web, FX_IN, fx_m_all(), "10.0.2.0/24");
	uint16_t rout = fx_sg_rule(fx, g_web, FX_OUT, fx_m_all(), "10.0.2.0/24");
	t = fx_done(fx);
	struct pkt p = fx_pkt(17, ip_c, 1000, ip_a, 2000, 0);  /* from 10.0.2.x to A */
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, rin));
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);   /* destination A is not 10.0.2.x */
	p = fx_pkt(17, ip_a, 2000, ip_c, 1000, 0);             /* from A to 10.0.2.x */
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), fx_sg_rule_index(fx, g_web, FX_OUT, rout));
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);  /* source A is not 10.0.2.x */
	/* the ports of a TCP/UDP rule compare the destination port in both directions */
	p = fx_pkt(17, ip_a, 53, ip_b, 4000, 0);
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
}
END_TEST

START_TEST(ports_and_icmp_fields)
{
	fx_sg_rule(fx, g_web, FX_IN, fx_m(6, 8000, 8080), "0.0.0.0/0");
	uint16_t echo = fx_sg_rule(fx, g_web, FX_IN, fx_m_icmp(8, -1), "0.0.0.0/0");
	uint16_t pmtud = fx_sg_rule(fx, g_web, FX_IN, fx_m_icmp(3, 4), "0.0.0.0/0");
	t = fx_done(fx);
	uint32_t x = fx_ip("198.51.100.7");
	struct pkt p = fx_pkt(6, x, 8080, ip_a, 7999, TCPF_SYN);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	p.dport = 8000;
	ck_assert_int_ge(sg_match(t, pa, SG_INGRESS, &p), 0);
	p.dport = 8081;
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	p = fx_pkt(17, x, 1, ip_a, 8000, 0); /* udp: the rule is tcp */
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	p = fx_pkt_icmp(x, ip_a, 8, 0, 9);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, echo));
	p = fx_pkt_icmp(x, ip_a, 0, 0, 9);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
	p = fx_pkt_icmp(x, ip_a, 3, 4, 0);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, pmtud));
	p = fx_pkt_icmp(x, ip_a, 3, 3, 0);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
}
END_TEST

/* B's app group admits tcp 5432 from members of web: only A's or D's private IP, and only
 * straight from that interface. */
START_TEST(ingress_group_reference)
{
	uint16_t r = fx_sg_rule_ref(fx, g_app, FX_IN, fx_m(6, 5432, 5432), g_web);
	t = fx_done(fx);
	int32_t want = fx_sg_rule_index(fx, g_app, FX_IN, r);
	struct pkt base = fx_pkt(6, ip_a, 40000, ip_b, 5432, TCPF_SYN);

	struct pkt p = from_port(base, pa);
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), want);
	p = from_port(base, pd); /* D is a member too (other subnet) */
	p.src = ip_d;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), want);

	/* through the IGW or a NAT: no originating interface */
	p = base;
	p.origin_port = VL_NONE;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	/* A's public IP is not a member address */
	p = from_port(base, pa);
	p.src = pub_a;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	/* A forwarding D's traffic (an appliance) or spoofing D: the address is not A's */
	p = from_port(base, pa);
	p.src = ip_d;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	/* C is not a member even with a member's source address */
	p = from_port(base, pc);
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	p.src = ip_c;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	/* an interface of another VPC never matches */
	p = from_port(base, pe);
	p.src = ip_e;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
	/* a reference rule still checks protocol and port */
	p = from_port(base, pa);
	p.dport = 5433;
	ck_assert_int_eq(sg_match(t, pb, SG_INGRESS, &p), -1);
}
END_TEST

/* The default group's pattern: in all from itself. */
START_TEST(self_reference)
{
	uint16_t r = fx_sg_rule_ref(fx, g_web, FX_IN, fx_m_all(), g_web);
	uint16_t r_out = fx_sg_rule_ref(fx, g_app, FX_OUT, fx_m_all(), g_web);
	fx_natgw(fx, s1, "nat", "10.0.1.5", VL_NONE); /* NAT gateway 0; port 0 (A) carries web */
	t = fx_done(fx);
	/* egress to web members: A is one, the NAT gateway (index 0, like A) is not */
	struct pkt q = from_port(fx_pkt(17, ip_b, 1, ip_a, 2, 0), pb);
	ck_assert_int_eq(sg_match(t, pb, SG_EGRESS, &q), fx_sg_rule_index(fx, g_app, FX_OUT, r_out));
	q.dst = fx_ip("10.0.1.5");
	ck_assert_int_eq(sg_match(t, pb, SG_EGRESS, &q), -1);
	struct pkt p = from_port(fx_pkt(17, ip_d, 1, ip_a, 2, 0), pd);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), fx_sg_rule_index(fx, g_web, FX_IN, r));
	p = from_port(fx_pkt(17, ip_b, 1, ip_a, 2, 0), pb);
	ck_assert_int_eq(sg_match(t, pa, SG_INGRESS, &p), -1);
}
END_TEST

/* A's web group may send tcp 5432 to members of app: by who owns the destination address. */
START_TEST(egress_group_reference)
{
	uint16_t r = fx_sg_rule_ref(fx, g_web, FX_OUT, fx_m(6, 5432, 5432), g_app);
	fx_natgw(fx, s1, "nat", "10.0.1.5", VL_NONE); /* NAT gateway 0; port 0 is A */
	t = fx_done(fx);
	int32_t want = fx_sg_rule_index(fx, g_web, FX_OUT, r);
	struct pkt p = from_port(fx_pkt(6, ip_a, 40000, ip_b, 5432, TCPF_SYN), pa);
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), want);
	p.dst = ip_c;  /* not a member */
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	p.dst = pub_b; /* B's public IP is not its private one */
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	p.dst = fx_ip("10.0.1.99"); /* nobody */
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	p.dst = ip_b;
	p.dport = 5431;
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	/* an address owned by something that is not an interface (a NAT gateway) is no member */
	p.dport = 5432;
	p.dst = fx_ip("10.0.1.5");
	ck_assert_int_eq(sg_match(t, pa, SG_EGRESS, &p), -1);
	/* E's group list names web too, but its VPC has no app member at 10.0.1.20 */
	p = from_port(fx_pkt(6, ip_e, 40000, ip_b, 5432, TCPF_SYN), pe);
	ck_assert_int_eq(sg_match(t, pe, SG_EGRESS, &p), -1);
}
END_TEST

/* A: web out tcp 80 to 10.0.0.0/16, nothing in. B: app in tcp 80 from 10.0.1.0/24, nothing out.
 * The handshake passes all four SG stages; B's reply passes on state alone. */
START_TEST(stateful_reply_passes_without_rule)
{
	uint16_t rout = fx_sg_rule(fx, g_web, FX_OUT, fx_m(6, 80, 80), "10.0.0.0/16");
	uint16_t rin = fx_sg_rule(fx, g_app, FX_IN, fx_m(6, 80, 80), "10.0.1.0/24");
	t = fx_done(fx);
	struct sg_result res;
	uint64_t now = FX_S(1000);
	struct pkt syn = from_port(fx_pkt(6, ip_a, 40000, ip_b, 80, TCPF_SYN), pa);

	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &syn, now, &res), STAGE_PASS);
	ck_assert_int_eq(res.rule, fx_sg_rule_index(fx, g_web, FX_OUT, rout));
	ck_assert_int_eq(res.new_flow, 1);
	ck_assert_int_ge(res.ct, 0);
	ck_assert_int_eq(res.dir, CT_ORIG);
	ck_assert_uint_eq(ct_entry_at(ct_a, res.ct)->rule, (uint32_t)res.rule);
	ck_assert_uint_eq(ct_entry_at(ct_a, res.ct)->rule_dir, 1);
	int32_t flow_a = res.ct;

	ck_assert_int_eq(sg_stage(t, ct_b, pb, SG_INGRESS, &syn, now, &res), STAGE_PASS);
	ck_assert_int_eq(res.rule, fx_sg_rule_index(fx, g_app, FX_IN, rin));
	ck_assert_int_eq(res.new_flow, 1);
	ck_assert_uint_eq(ct_entry_at(ct_b, res.ct)->rule_dir, 0);
	int32_t flow_b = res.ct;

	struct pkt synack = from_port(fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK), pb);
	ck_assert_int_eq(sg_stage(t, ct_b, pb, SG_EGRESS, &synack, now + 1, &res), STAGE_PASS);
	ck_assert_int_eq(res.rule, -1);
	ck_assert_int_eq(res.new_flow, 0);
	ck_assert_int_eq(res.ct, flow_b);
	ck_assert_int_eq(res.dir, CT_REPLY);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &synack, now + 1, &res), STAGE_PASS);
	ck_assert_int_eq(res.rule, -1);
	ck_assert_int_eq(res.ct, flow_a);
	ck_assert_int_eq(res.dir, CT_REPLY);
	ck_assert_uint_eq(used_of(ct_a), 1);
	ck_assert_uint_eq(used_of(ct_b), 1);
}
END_TEST

START_TEST(untracked_is_dropped_with_direction_reason)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m(6, 80, 80), "10.0.0.0/16");
	fx_sg_rule(fx, g_app, FX_IN, fx_m(6, 80, 80), "10.0.1.0/24");
	t = fx_done(fx);
	struct sg_result res;
	/* B starts something itself: no egress rule */
	struct pkt p = from_port(fx_pkt(6, ip_b, 80, ip_a, 40000, TCPF_SYN | TCPF_ACK), pb);
	ck_assert_int_eq(sg_stage(t, ct_b, pb, SG_EGRESS, &p, FX_S(1), &res), DROP_SG_EGRESS);
	ck_assert_int_eq(res.rule, -1);
	ck_assert_int_lt(res.ct, 0);
	ck_assert_uint_eq(used_of(ct_b), 0);
	/* and it would not enter A either */
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(1), &res), DROP_SG_INGRESS);
	ck_assert_int_lt(res.ct, 0);
	ck_assert_uint_eq(used_of(ct_a), 0);
	/* a flow of A to port 80 does not open A to another flow (other port) */
	struct pkt syn = from_port(fx_pkt(6, ip_a, 40000, ip_b, 80, TCPF_SYN), pa);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &syn, FX_S(2), &res), STAGE_PASS);
	p = from_port(fx_pkt(6, ip_b, 81, ip_a, 40000, TCPF_SYN | TCPF_ACK), pb);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res), DROP_SG_INGRESS);
	p = from_port(fx_pkt(6, ip_b, 80, ip_a, 40001, TCPF_SYN | TCPF_ACK), pb);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res), DROP_SG_INGRESS);
	p = from_port(fx_pkt(17, ip_b, 80, ip_a, 40000, 0), pb);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res), DROP_SG_INGRESS);
}
END_TEST

/* An ICMP echo admitted outbound brings its reply back; an unsolicited reply does not enter. */
START_TEST(stateful_icmp_echo)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m_icmp(8, -1), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	uint32_t x = fx_ip("198.51.100.1");
	struct pkt req = from_port(fx_pkt_icmp(ip_a, x, 8, 0, 4242), pa);
	struct pkt rep = fx_pkt_icmp(x, ip_a, 0, 0, 4242);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &rep, FX_S(1), &res), DROP_SG_INGRESS);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &req, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &rep, FX_S(2), &res), STAGE_PASS);
	ck_assert_int_eq(res.dir, CT_REPLY);
	ck_assert_int_eq(res.rule, -1);
	struct pkt other = fx_pkt_icmp(x, ip_a, 0, 0, 4243); /* another identifier */
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &other, FX_S(2), &res), DROP_SG_INGRESS);
}
END_TEST

/* A UDP reply too big for one packet (a large DNS answer from the internet, MTU 1500) arrives in
 * fragments: the first carries the ports and passes on state; the later ones (no ports) belong to
 * the flow of the first fragment with the same addresses, protocol and IP id, for a while. */
static struct pkt frag_of(uint8_t *buf, size_t cap, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport, uint16_t frag, uint16_t ip_id)
{
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	f.dst_mac[0] = 2;
	f.proto = 17;
	f.src = src;
	f.dst = dst;
	f.sport = sport;
	f.dport = dport;
	f.frag = frag;
	f.ip_id = ip_id;
	f.payload = (frag & 0x1fff) ? 600 : 1472;
	size_t len = fx_build(buf, cap, &f);
	struct pkt p;
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, VL_NONE), STAGE_PASS);
	p.origin_port = VL_NONE;
	return p;
}

START_TEST(stateful_reply_fragments)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m(17, 53, 53), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	uint32_t dns = fx_ip("198.51.100.53");
	struct pkt q = from_port(fx_pkt(17, ip_a, 33000, dns, 53, 0), pa);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &q, FX_S(1), &res), STAGE_PASS);
	int32_t flow = res.ct;
	static uint8_t buf[1600];
	struct pkt p = frag_of(buf, sizeof(buf), dns, ip_a, 53, 33000, 0x2000, 77);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(res.ct, flow);
	/* the last fragment: offset 1480 bytes, no UDP header */
	p = frag_of(buf, sizeof(buf), dns, ip_a, 53, 33000, 185, 77);
	ck_assert(p.flags & PKT_LATER_FRAG);
	int v = sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res);
	ck_assert_msg(v == STAGE_PASS, "later fragment of a tracked UDP reply: %s",
		      drop_reason_name((enum drop_reason)v));
	ck_assert_int_eq(res.ct, flow);
	ck_assert_int_eq(res.dir, CT_REPLY);
	ck_assert_int_eq(res.rule, -1);
	ck_assert_uint_eq(used_of(ct_a), 1);
	ck_assert_uint_eq(ct_entry_at(ct_a, flow)->packets[CT_REPLY], 2);
	/* another datagram (IP id) whose first fragment was never seen: no state, no rule */
	p = frag_of(buf, sizeof(buf), dns, ip_a, 53, 33000, 185, 78);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res), DROP_SG_INGRESS);
	/* the same IP id from another host is another datagram */
	p = frag_of(buf, sizeof(buf), fx_ip("198.51.100.54"), ip_a, 53, 33000, 185, 77);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(2), &res), DROP_SG_INGRESS);
	ck_assert_uint_eq(used_of(ct_a), 1);
}
END_TEST

/* A first fragment that the rules refuse leaves nothing for its later fragments. */
START_TEST(fragments_of_a_refused_datagram)
{
	fx_sg_rule(fx, g_web, FX_IN, fx_m(17, 53, 53), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	static uint8_t buf[1600];
	uint32_t x = fx_ip("198.51.100.9");
	struct pkt p = frag_of(buf, sizeof(buf), x, ip_a, 5000, 9999, 0x2000, 5);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(1), &res), DROP_SG_INGRESS);
	p = frag_of(buf, sizeof(buf), x, ip_a, 5000, 9999, 185, 5);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(1), &res), DROP_SG_INGRESS);
	ck_assert_uint_eq(used_of(ct_a), 0);
}
END_TEST

/* A later fragment that belongs to no known flow can be admitted only by a rule that ignores
 * ports, and it starts no flow of its own. */
START_TEST(untracked_fragment_needs_a_portless_rule)
{
	uint16_t all_udp = fx_sg_rule(fx, g_app, FX_IN, fx_m(17, 0, 65535), "0.0.0.0/0");
	fx_sg_rule(fx, g_web, FX_IN, fx_m(17, 1, 65535), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	static uint8_t buf[1600];
	uint32_t x = fx_ip("198.51.100.9");
	struct pkt p = frag_of(buf, sizeof(buf), x, ip_b, 5000, 9999, 185, 9);
	ck_assert_int_eq(sg_stage(t, ct_b, pb, SG_INGRESS, &p, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(res.rule, fx_sg_rule_index(fx, g_app, FX_IN, all_udp));
	ck_assert_uint_eq(used_of(ct_b), 0);
	p = frag_of(buf, sizeof(buf), x, ip_a, 5000, 9999, 185, 9);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &p, FX_S(1), &res), DROP_SG_INGRESS);
}
END_TEST

/* The fragment memory lasts CT_FRAG_S (30 s) after the first fragment: not longer. */
START_TEST(fragment_memory_expires)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m(17, 0, 65535), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	static uint8_t buf[1600];
	uint32_t x = fx_ip("198.51.100.9");
	/* A sends a fragmented datagram itself: the first fragment starts the flow at egress */
	struct pkt p = frag_of(buf, sizeof(buf), ip_a, x, 4000, 4001, 0x2000, 11);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &p, FX_S(10), &res), STAGE_PASS);
	ck_assert_int_eq(res.new_flow, 1);
	int32_t flow = res.ct;
	p = frag_of(buf, sizeof(buf), ip_a, x, 4000, 4001, 185, 11);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &p, FX_S(10) + FX_S(CT_FRAG_S), &res), STAGE_PASS);
	ck_assert_int_eq(res.ct, flow);
	ck_assert_int_eq(res.dir, CT_ORIG);
	/* the flow itself is still alive (UDP 30 s from the last packet), the fragment memory not:
	 * this later fragment is judged by the rules, which here admit all UDP ports */
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &p, FX_S(10) + FX_S(CT_FRAG_S) + FX_S(1), &res),
			 STAGE_PASS);
	ck_assert_int_ge(res.rule, 0);
	ck_assert_int_eq(res.ct, -1);
}
END_TEST

/* Once the flow has expired, a late reply is judged by the rules again. */
START_TEST(expired_flow_is_judged_by_rules)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m(17, 53, 53), "0.0.0.0/0");
	t = fx_done(fx);
	struct sg_result res;
	uint32_t dns = fx_ip("198.51.100.53");
	struct pkt q = from_port(fx_pkt(17, ip_a, 33000, dns, 53, 0), pa);
	struct pkt r = fx_pkt(17, dns, 53, ip_a, 33000, 0);
	uint64_t t0 = FX_S(50);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_EGRESS, &q, t0, &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &r, t0 + FX_S(CT_UDP_S), &res), STAGE_PASS);
	/* request + reply: still the single 30 s timeout, from the reply */
	uint64_t late = t0 + FX_S(CT_UDP_S) + FX_S(CT_UDP_S) + 1;
	ck_assert_int_eq(sg_stage(t, ct_a, pa, SG_INGRESS, &r, late, &res), DROP_SG_INGRESS);
	ck_assert_uint_eq(used_of(ct_a), 0);
}
END_TEST

/* A flood the rules deny holds no entry anywhere: 2,000 SYNs from random ports to a port B does
 * not open are dropped at B's ingress before tracking, and B's table stays empty. */
START_TEST(denied_flood_holds_no_entry)
{
	fx_sg_rule(fx, g_app, FX_IN, fx_m(6, 80, 80), "10.0.1.0/24");
	t = fx_done(fx);
	struct sg_result res;
	for (uint32_t k = 0; k < 2000; k++) {
		struct pkt p = from_port(fx_pkt(6, ip_a, (uint16_t)(1024 + k * 7), ip_b, 81, TCPF_SYN), pa);
		ck_assert_int_eq(sg_stage(t, ct_b, pb, SG_INGRESS, &p, FX_S(1), &res), DROP_SG_INGRESS);
		ck_assert_int_lt(res.ct, 0);
	}
	ck_assert_uint_eq(used_of(ct_b), 0);
	ck_assert_uint_eq(ct_pool_used(pool), 0);
}
END_TEST

/* A pool of 4: A may open two flows (fewer than the pool has free, ct.h), the third admitted
 * flow is DROP_CT_FULL; tracked flows keep passing; a packet the rules refuse is still an SG
 * drop, not CT_FULL. */
START_TEST(full_table_is_ct_full)
{
	fx_sg_rule(fx, g_web, FX_OUT, fx_m(6, 80, 80), "0.0.0.0/0");
	t = fx_done(fx);
	struct ct_pool *sp = ct_pool_create(8, 4);
	ck_assert_ptr_nonnull(sp);
	struct ct_table *small = ct_port(sp, pa);
	struct sg_result res;
	uint32_t x = fx_ip("198.51.100.80");
	struct pkt p1 = from_port(fx_pkt(6, ip_a, 40001, x, 80, TCPF_SYN), pa);
	struct pkt p2 = from_port(fx_pkt(6, ip_a, 40002, x, 80, TCPF_SYN), pa);
	struct pkt p3 = from_port(fx_pkt(6, ip_a, 40003, x, 80, TCPF_SYN), pa);
	struct pkt bad = from_port(fx_pkt(6, ip_a, 40004, x, 81, TCPF_SYN), pa);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &p1, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &p2, FX_S(1), &res), STAGE_PASS);
	/* both established (a half-open flow would be evicted to make room, ct.h) */
	struct pkt a1 = fx_pkt_reverse(&p1, TCPF_SYN | TCPF_ACK), a2 = fx_pkt_reverse(&p2, TCPF_SYN | TCPF_ACK);
	struct pkt k1 = p1, k2 = p2;
	k1.tcp_flags = k2.tcp_flags = TCPF_ACK;
	ck_assert_int_eq(sg_stage(t, small, pa, SG_INGRESS, &a1, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_INGRESS, &a2, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &k1, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &k2, FX_S(1), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &p3, FX_S(1), &res), DROP_CT_FULL);
	ck_assert_int_lt(res.ct, 0);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &bad, FX_S(1), &res), DROP_SG_EGRESS);
	struct pkt r1 = fx_pkt_reverse(&p1, TCPF_SYN | TCPF_ACK);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_INGRESS, &r1, FX_S(2), &res), STAGE_PASS);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &p2, FX_S(2), &res), STAGE_PASS);
	ck_assert_uint_eq(used_of(small), 2);
	/* when one flow ends with a RST, its entry is free at once and the new one fits */
	struct pkt rst = p1;
	rst.tcp_flags = TCPF_RST;
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &rst, FX_S(3), &res), STAGE_PASS);
	ck_assert_int_lt(res.ct, 0);
	ck_assert_uint_eq(used_of(small), 1);
	ck_assert_int_eq(sg_stage(t, small, pa, SG_EGRESS, &p3, FX_S(3), &res), STAGE_PASS);
	struct ct_stats st;
	ct_stats(small, &st);
	ck_assert_uint_eq(st.full, 1);
	ct_pool_destroy(sp);
}
END_TEST

Suite *suite_sg(void)
{
	Suite *s = suite_create("sg");
	TCase *m = tcase_create("match");
	tcase_add_checked_fixture(m, setup, teardown);
	tcase_add_test(m, any_rule_of_any_group_admits);
	tcase_add_test(m, rules_are_a_set);
	tcase_add_test(m, no_groups_or_no_rules_admit_nothing);
	tcase_add_test(m, ingress_by_source_egress_by_destination);
	tcase_add_test(m, ports_and_icmp_fields);
	tcase_add_test(m, ingress_group_reference);
	tcase_add_test(m, self_reference);
	tcase_add_test(m, egress_group_reference);
	suite_add_tcase(s, m);
	TCase *st = tcase_create("stateful");
	tcase_add_checked_fixture(st, setup, teardown);
	tcase_add_test(st, stateful_reply_passes_without_rule);
	tcase_add_test(st, untracked_is_dropped_with_direction_reason);
	tcase_add_test(st, stateful_icmp_echo);
	tcase_add_test(st, stateful_reply_fragments);
	tcase_add_test(st, fragments_of_a_refused_datagram);
	tcase_add_test(st, untracked_fragment_needs_a_portless_rule);
	tcase_add_test(st, fragment_memory_expires);
	tcase_add_test(st, expired_flow_is_judged_by_rules);
	tcase_add_test(st, full_table_is_ct_full);
	tcase_add_test(st, denied_flood_holds_no_entry);
	suite_add_tcase(s, st);
	return s;
}
