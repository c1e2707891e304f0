/* acl.c (+ match.h): network ACLs. First match by ascending rule number, implicit deny (-1,
 * allow=false), inbound compares the source and outbound the destination, ports compare the
 * destination port only, protocol -1 matches everything, ICMP type/code, and a later fragment
 * (no L4 header) matches only rules that do not look at ports or ICMP fields. */
#include <check.h>

#include "dataplane/acl.h"
#include "fixture.h"

Suite *suite_acl(void);

static struct fx *fx;
static struct vl_tables *t;
static uint16_t vpc;

static void setup(void)
{
	fx = fx_new();
	vpc = fx_vpc(fx, "a", "10.0.0.0/16", false);
	t = NULL;
}

static void teardown(void)
{
	fx_free(fx);
	fx = NULL;
}

static const struct vl_acl_rule *rule_at(int32_t i)
{
	ck_assert_int_ge(i, 0);
	ck_assert_uint_lt((uint32_t)i, t->n_acl_rules);
	return &t->acl_rules[i];
}

/* Evaluates and checks: the deciding rule's number (0 = implicit deny) and the decision. */
static void expect(uint16_t acl, enum acl_dir dir, const struct pkt *p, uint16_t number, bool allow)
{
	bool got_allow = !allow; /* poisoned: acl_eval must set it */
	int32_t i = acl_eval(t, acl, dir, p, &got_allow);
	if (number == 0) {
		ck_assert_int_eq(i, -1);
	} else {
		ck_assert_int_eq(i, fx_acl_rule_index(fx, acl, dir == ACL_IN ? FX_IN : FX_OUT, number));
		ck_assert_uint_eq(rule_at(i)->number, number);
	}
	ck_assert_int_eq(got_allow, allow);
}

START_TEST(first_match_by_ascending_number)
{
	uint16_t acl = fx_acl(fx, vpc, "web");
	/* Added out of order, as a lab file may list them; compiled sorted. */
	fx_acl_rule(fx, acl, FX_IN, 200, true, fx_m(6, 80, 80), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_IN, 100, false, fx_m(6, 80, 80), "10.0.0.0/8");
	fx_acl_rule(fx, acl, FX_IN, 150, true, fx_m(6, 80, 80), "10.9.0.0/16"); /* shadowed by 100 */
	fx_acl_rule(fx, acl, FX_IN, 32766, true, fx_m_all(), "0.0.0.0/0");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("10.9.1.1"), 40000, fx_ip("10.0.1.10"), 80, TCPF_SYN);
	expect(acl, ACL_IN, &p, 100, false);
	p.src = fx_ip("192.0.2.1");
	expect(acl, ACL_IN, &p, 200, true);
	p.dport = 81;
	expect(acl, ACL_IN, &p, 32766, true);
}
END_TEST

/* AWS's advice: deny rules for bad ports placed before the wide allow. */
START_TEST(deny_before_wide_allow)
{
	uint16_t acl = fx_acl(fx, vpc, "eph");
	fx_acl_rule(fx, acl, FX_IN, 140, true, fx_m(6, 1024, 65535), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_IN, 130, false, fx_m(6, 3389, 3389), "0.0.0.0/0");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("198.51.100.1"), 443, fx_ip("10.0.1.10"), 3389, TCPF_SYN);
	expect(acl, ACL_IN, &p, 130, false);
	p.dport = 3390;
	expect(acl, ACL_IN, &p, 140, true);
	p.dport = 1023;
	expect(acl, ACL_IN, &p, 0, false);
}
END_TEST

START_TEST(implicit_deny)
{
	uint16_t empty = fx_acl(fx, vpc, "empty");
	uint16_t some = fx_acl(fx, vpc, "some");
	fx_acl_rule(fx, some, FX_IN, 100, true, fx_m(17, 53, 53), "10.0.0.0/16");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("10.0.1.5"), 1234, fx_ip("10.0.2.5"), 53, TCPF_SYN);
	expect(empty, ACL_IN, &p, 0, false);
	expect(empty, ACL_OUT, &p, 0, false);
	expect(some, ACL_IN, &p, 0, false); /* tcp vs udp rule */
	p.proto = 17;
	expect(some, ACL_IN, &p, 100, true);
	/* an ACL index past the end: deny, no rule */
	expect((uint16_t)t->n_acls, ACL_IN, &p, 0, false);
}
END_TEST

/* The default ACL of the fixture VPC (rule 100 allow all) really allows in both directions. */
START_TEST(default_acl_allows_all)
{
	t = fx_done(fx);
	uint16_t acl = fx->default_acl[vpc];
	struct pkt p = fx_pkt(47, fx_ip("1.2.3.4"), 0, fx_ip("10.0.0.9"), 0, 0);
	expect(acl, ACL_IN, &p, 100, true);
	expect(acl, ACL_OUT, &p, 100, true);
}
END_TEST

START_TEST(inbound_source_outbound_destination)
{
	uint16_t acl = fx_acl(fx, vpc, "dirs");
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m_all(), "10.0.1.0/24");
	fx_acl_rule(fx, acl, FX_OUT, 100, true, fx_m_all(), "10.0.2.0/24");
	t = fx_done(fx);
	uint32_t in1 = fx_ip("10.0.1.5"), in2 = fx_ip("10.0.2.5"), other = fx_ip("10.0.3.5");
	struct pkt p = fx_pkt(17, in1, 1000, other, 2000, 0);
	expect(acl, ACL_IN, &p, 100, true);   /* source 10.0.1.5 */
	expect(acl, ACL_OUT, &p, 0, false);   /* destination 10.0.3.5 */
	p = fx_pkt(17, other, 1000, in1, 2000, 0);
	expect(acl, ACL_IN, &p, 0, false);    /* the destination is in the in-rule's CIDR: no match */
	p = fx_pkt(17, other, 1000, in2, 2000, 0);
	expect(acl, ACL_OUT, &p, 100, true);
	p = fx_pkt(17, in2, 1000, other, 2000, 0);
	expect(acl, ACL_OUT, &p, 0, false);   /* the source is in the out-rule's CIDR: no match */
	expect(acl, ACL_IN, &p, 0, false);
}
END_TEST

/* Each direction uses its own rules only; several ACLs in one snapshot do not leak. */
START_TEST(directions_and_acls_are_separate)
{
	uint16_t a = fx_acl(fx, vpc, "a");
	uint16_t b = fx_acl(fx, vpc, "b");
	fx_acl_rule(fx, a, FX_IN, 100, true, fx_m_all(), "0.0.0.0/0");
	fx_acl_rule(fx, b, FX_OUT, 100, false, fx_m_all(), "0.0.0.0/0");
	fx_acl_rule(fx, b, FX_OUT, 50, true, fx_m(6, 22, 22), "0.0.0.0/0");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("10.0.1.5"), 5555, fx_ip("10.0.2.5"), 22, TCPF_SYN);
	expect(a, ACL_IN, &p, 100, true);
	expect(a, ACL_OUT, &p, 0, false);
	expect(b, ACL_IN, &p, 0, false);
	expect(b, ACL_OUT, &p, 50, true);
	p.dport = 23;
	expect(b, ACL_OUT, &p, 100, false);
}
END_TEST

START_TEST(ports_compare_destination_only)
{
	uint16_t acl = fx_acl(fx, vpc, "ports");
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m(6, 1024, 2047), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_IN, 110, true, fx_m(17, 53, 53), "0.0.0.0/0");
	t = fx_done(fx);
	uint32_t a = fx_ip("192.0.2.1"), b = fx_ip("10.0.1.1");
	struct pkt p = fx_pkt(6, a, 1500, b, 80, TCPF_ACK); /* source port in range, destination not */
	expect(acl, ACL_IN, &p, 0, false);
	static const struct { uint16_t port; bool in; } cases[] = {
		{1023, false}, {1024, true}, {1025, true}, {2046, true}, {2047, true}, {2048, false},
		{0, false}, {65535, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = fx_pkt(6, a, 80, b, cases[i].port, TCPF_ACK);
		expect(acl, ACL_IN, &p, cases[i].in ? 100 : 0, cases[i].in);
	}
	p = fx_pkt(17, a, 53, b, 33333, 0);
	expect(acl, ACL_IN, &p, 0, false);
	p = fx_pkt(17, a, 33333, b, 53, 0);
	expect(acl, ACL_IN, &p, 110, true);
}
END_TEST

START_TEST(protocol_all_matches_everything)
{
	uint16_t acl = fx_acl(fx, vpc, "all");
	/* proto -1: port and ICMP fields are ignored even when filled with something narrow */
	struct vl_match m = {.proto = -1, .port_lo = 5, .port_hi = 5, .icmp_type = 3, .icmp_code = 4};
	fx_acl_rule(fx, acl, FX_OUT, 100, true, m, "0.0.0.0/0");
	t = fx_done(fx);
	uint32_t a = fx_ip("10.0.1.1"), b = fx_ip("10.0.2.1");
	struct pkt p = fx_pkt(6, a, 1, b, 443, TCPF_SYN);
	expect(acl, ACL_OUT, &p, 100, true);
	p = fx_pkt(17, a, 1, b, 9, 0);
	expect(acl, ACL_OUT, &p, 100, true);
	p = fx_pkt_icmp(a, b, 8, 0, 7);
	expect(acl, ACL_OUT, &p, 100, true);
	p = fx_pkt(47, a, 0, b, 0, 0); /* GRE */
	expect(acl, ACL_OUT, &p, 100, true);
	p.flags |= PKT_FRAG | PKT_LATER_FRAG;
	expect(acl, ACL_OUT, &p, 100, true);
}
END_TEST

/* A rule for another IP protocol matches that protocol whatever its port fields say. */
START_TEST(other_protocol_ignores_ports)
{
	uint16_t acl = fx_acl(fx, vpc, "gre");
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m(47, 5, 5), "0.0.0.0/0");
	t = fx_done(fx);
	struct pkt p = fx_pkt(47, fx_ip("192.0.2.1"), 0, fx_ip("10.0.1.1"), 0, 0);
	expect(acl, ACL_IN, &p, 100, true);
	p.proto = 50; /* ESP */
	expect(acl, ACL_IN, &p, 0, false);
}
END_TEST

START_TEST(icmp_type_and_code)
{
	uint16_t acl = fx_acl(fx, vpc, "icmp");
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m_icmp(3, 4), "0.0.0.0/0");  /* PMTUD */
	fx_acl_rule(fx, acl, FX_IN, 110, true, fx_m_icmp(8, -1), "0.0.0.0/0"); /* echo, any code */
	fx_acl_rule(fx, acl, FX_IN, 120, false, fx_m_icmp(-1, -1), "0.0.0.0/0"); /* any ICMP */
	fx_acl_rule(fx, acl, FX_IN, 130, true, fx_m_all(), "0.0.0.0/0");
	t = fx_done(fx);
	uint32_t a = fx_ip("198.51.100.1"), b = fx_ip("10.0.1.1");
	struct pkt p = fx_pkt_icmp(a, b, 3, 4, 0);
	expect(acl, ACL_IN, &p, 100, true);
	p = fx_pkt_icmp(a, b, 3, 1, 0);
	expect(acl, ACL_IN, &p, 120, false);
	p = fx_pkt_icmp(a, b, 8, 0, 77);
	expect(acl, ACL_IN, &p, 110, true);
	p = fx_pkt_icmp(a, b, 8, 5, 77);
	expect(acl, ACL_IN, &p, 110, true);
	p = fx_pkt_icmp(a, b, 0, 0, 77); /* echo reply */
	expect(acl, ACL_IN, &p, 120, false);
	p = fx_pkt_icmp(a, b, 11, 0, 0);
	expect(acl, ACL_IN, &p, 120, false);
	/* an ICMP rule says nothing about TCP */
	p = fx_pkt(6, a, 1, b, 3, TCPF_SYN);
	expect(acl, ACL_IN, &p, 130, true);
}
END_TEST

/* Parse real frames: a later fragment has no L4 header, so rules with ports or ICMP fields can
 * neither allow nor deny it; rules for all ports (and protocol -1) can. */
START_TEST(later_fragment_matches_only_portless_rules)
{
	uint16_t acl = fx_acl(fx, vpc, "frag");
	fx_acl_rule(fx, acl, FX_IN, 100, false, fx_m(6, 80, 80), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_IN, 110, true, fx_m(6, 0, 65535), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 100, true, fx_m(17, 53, 53), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 105, false, fx_m_icmp(0, 0), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 110, false, fx_m_icmp(8, 0), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 120, true, fx_m_icmp(-1, -1), "0.0.0.0/0");
	t = fx_done(fx);
	uint8_t buf[256];
	struct pkt p;
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	f.dst_mac[0] = 2;
	f.src = fx_ip("192.0.2.1");
	f.dst = fx_ip("10.0.1.1");

	/* first fragment of a TCP segment to port 80: L4 present, rule 100 denies */
	f.proto = 6;
	f.sport = 40000;
	f.dport = 80;
	f.tcp_flags = TCPF_ACK;
	f.frag = 0x2000;
	f.payload = 64;
	size_t len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert(p.flags & PKT_L4);
	expect(acl, ACL_IN, &p, 100, false);

	/* a later fragment of it: no ports, so the port-80 deny cannot match; all-ports allow does */
	f.frag = 0x2000 | 9;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert(!(p.flags & PKT_L4));
	ck_assert(p.flags & PKT_LATER_FRAG);
	expect(acl, ACL_IN, &p, 110, true);

	/* UDP later fragment: the port-53 allow cannot match, falls to the implicit deny */
	f.proto = 17;
	f.dport = 53;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	expect(acl, ACL_OUT, &p, 0, false);

	/* ICMP later fragment: neither the type-0 nor the type-8 deny can match (the type is unknown,
	 * not 0), "any ICMP" allows */
	f.proto = 1;
	f.icmp_type = 8;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	expect(acl, ACL_OUT, &p, 120, true);

	/* the same ICMP echo unfragmented: the type-8 deny decides */
	f.frag = 0;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	expect(acl, ACL_OUT, &p, 110, false);
}
END_TEST

START_TEST(cidr_edges)
{
	uint16_t acl = fx_acl(fx, vpc, "cidr");
	fx_acl_rule(fx, acl, FX_IN, 10, false, fx_m_all(), "203.0.113.7/32");
	fx_acl_rule(fx, acl, FX_IN, 20, true, fx_m_all(), "203.0.113.0/24");
	t = fx_done(fx);
	struct pkt p = fx_pkt(6, fx_ip("203.0.113.7"), 1, fx_ip("10.0.0.5"), 2, TCPF_SYN);
	expect(acl, ACL_IN, &p, 10, false);
	p.src = fx_ip("203.0.113.6");
	expect(acl, ACL_IN, &p, 20, true);
	p.src = fx_ip("203.0.113.255");
	expect(acl, ACL_IN, &p, 20, true);
	p.src = fx_ip("203.0.114.0");
	expect(acl, ACL_IN, &p, 0, false);
	p.src = fx_ip("203.0.112.255");
	expect(acl, ACL_IN, &p, 0, false);
}
END_TEST

/* AWS's scenario (reference 3.6): private host :40000 -> 203.0.113.5:443 leaves the private
 * subnet by out-110 and the reply enters it by in-140. */
START_TEST(aws_private_subnet_example)
{
	uint16_t acl = fx_acl(fx, vpc, "private");
	fx_acl_rule(fx, acl, FX_IN, 100, true, fx_m(6, 1433, 1433), "10.0.0.0/24");
	fx_acl_rule(fx, acl, FX_IN, 120, true, fx_m(6, 22, 22), "10.0.0.0/24");
	fx_acl_rule(fx, acl, FX_IN, 130, true, fx_m(6, 3389, 3389), "10.0.0.0/24");
	fx_acl_rule(fx, acl, FX_IN, 140, true, fx_m(6, 1024, 65535), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 100, true, fx_m(6, 80, 80), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 110, true, fx_m(6, 443, 443), "0.0.0.0/0");
	fx_acl_rule(fx, acl, FX_OUT, 120, true, fx_m(6, 32768, 65535), "10.0.0.0/24");
	t = fx_done(fx);
	uint32_t db = fx_ip("10.0.1.5"), web = fx_ip("203.0.113.5");
	struct pkt p = fx_pkt(6, db, 40000, web, 443, TCPF_SYN);
	expect(acl, ACL_OUT, &p, 110, true);
	p = fx_pkt(6, web, 443, db, 40000, TCPF_SYN | TCPF_ACK);
	expect(acl, ACL_IN, &p, 140, true);
	/* ICMP is allowed nowhere */
	p = fx_pkt_icmp(db, web, 8, 0, 1);
	expect(acl, ACL_OUT, &p, 0, false);
	p = fx_pkt_icmp(web, db, 3, 4, 0);
	expect(acl, ACL_IN, &p, 0, false);
	/* a reply to the web tier's client, to a port below 32768: denied */
	p = fx_pkt(6, db, 1433, fx_ip("10.0.0.10"), 20000, TCPF_ACK);
	expect(acl, ACL_OUT, &p, 0, false);
	p.dport = 40000;
	expect(acl, ACL_OUT, &p, 120, true);
}
END_TEST

Suite *suite_acl(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("eval");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, first_match_by_ascending_number);
	tcase_add_test(tc, deny_before_wide_allow);
	tcase_add_test(tc, implicit_deny);
	tcase_add_test(tc, default_acl_allows_all);
	tcase_add_test(tc, inbound_source_outbound_destination);
	tcase_add_test(tc, directions_and_acls_are_separate);
	tcase_add_test(tc, ports_compare_destination_only);
	tcase_add_test(tc, protocol_all_matches_everything);
	tcase_add_test(tc, other_protocol_ignores_ports);
	tcase_add_test(tc, icmp_type_and_code);
	tcase_add_test(tc, later_fragment_matches_only_portless_rules);
	tcase_add_test(tc, cidr_edges);
	tcase_add_test(tc, aws_private_subnet_example);
	suite_add_tcase(s, tc);
	return s;
}
