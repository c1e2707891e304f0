/* check*.c: address assignment (given addresses first, then the lowest free one in file order;
 * per-VPC address spaces; public pool order: explicit EIPs, hosts, automatic EIPs, then automatic
 * public IPs), public_ip overriding map_public_ip, the AWS warnings, the routes AWS allows inside
 * the VPC CIDR, references to implicit tables and groups, and the return value of lab_check. */
#include <check.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "labtest.h"

Suite *suite_check(void);

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

#define VPC_IGW "vpcs:\n" LT_A "    internet_gateway: true\n"
#define PUBLIC_RT                                                                           \
	"    route_tables:\n"                                                              \
	"      - { name: pub, routes: [ { destination: 0.0.0.0/0, target: igw } ] }\n"

static void expect_clean(struct lt *r)
{
	ck_assert_msg(r->errors == 0 && r->warnings == 0, "unexpected:\n%s", r->out);
}

START_TEST(explicit_addresses_are_taken_first)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/28 } ]\n"
	       "    instances:\n"
	       "      - { name: first, subnet: a }\n"
	       "      - { name: fixed, subnet: a, ip: 10.0.1.4 }\n"
	       "      - { name: third, subnet: a }\n");
	expect_clean(&r);
	ck_assert_uint_eq(lab_find_instance(r.m, "fixed")->addr, ip("10.0.1.4"));
	ck_assert_uint_eq(lab_find_instance(r.m, "first")->addr, ip("10.0.1.5"));
	ck_assert_uint_eq(lab_find_instance(r.m, "third")->addr, ip("10.0.1.6"));
	lt_done(&r);
}
END_TEST

/* File order, not kind order: the instance written before the NAT gateway comes first. */
START_TEST(file_order_across_kinds)
{
	struct lt r = { 0 };
	lt_run(&r, VPC_IGW
	       "    instances: [ { name: web, subnet: a, public_ip: true } ]\n"
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24, route_table: pub } ]\n" PUBLIC_RT
	       "    nat_gateways: [ { name: nat, subnet: a, elastic_ip: e } ]\n"
	       "elastic_ips: [ { name: e } ]\n");
	expect_clean(&r);
	ck_assert_uint_eq(lab_find_instance(r.m, "web")->addr, ip("10.0.1.4"));
	ck_assert_uint_eq(lab_find_natgw(r.m, "nat")->addr, ip("10.0.1.5"));
	lt_done(&r);
}
END_TEST

/* Each VPC is its own address space: the same private IP in two VPCs is fine. */
START_TEST(same_ip_in_two_vpcs)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
	       "    instances: [ { name: x, subnet: a, ip: 10.0.1.10 } ]\n"
	       "  - name: copy\n    cidr: 10.0.0.0/16\n"
	       "    subnets: [ { name: b, cidr: 10.0.1.0/24 } ]\n"
	       "    instances: [ { name: y, subnet: b, ip: 10.0.1.10 }, { name: z, subnet: b } ]\n");
	expect_clean(&r);
	ck_assert_uint_eq(lab_find_instance(r.m, "z")->addr, ip("10.0.1.4"));
	ck_assert_uint_eq(lab_find_instance(r.m, "y")->vpc, 1);
	lt_done(&r);
}
END_TEST

/* Pool order: the pool's network address, hosts and explicit EIPs are skipped; automatic EIPs in
 * file order, then automatic public IPs. */
START_TEST(public_pool_order)
{
	struct lt r = { 0 };
	lt_run(&r, VPC_IGW
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24, route_table: pub, map_public_ip: true } ]\n"
	       PUBLIC_RT
	       "    instances:\n"
	       "      - { name: auto, subnet: a }\n"
	       "      - { name: off, subnet: a, public_ip: false }\n"
	       "      - { name: pinned, subnet: a, public_ip: true }\n"
	       "elastic_ips:\n"
	       "  - { name: e1 }\n"
	       "  - { name: e2, ip: 203.0.113.3 }\n"
	       "  - { name: e3, instance: pinned }\n"
	       "internet:\n"
	       "  hosts: [ { name: ext, ip: 203.0.113.1 } ]\n");
	ck_assert_int_eq(r.errors, 0);
	ck_assert_uint_eq(lab_find_eip(r.m, "e1")->addr, ip("203.0.113.2"));
	ck_assert_uint_eq(lab_find_eip(r.m, "e3")->addr, ip("203.0.113.4"));
	ck_assert_uint_eq(lab_find_instance(r.m, "pinned")->public_addr, ip("203.0.113.4"));
	ck_assert_uint_eq(lab_find_instance(r.m, "pinned")->eip, 2);
	ck_assert_uint_eq(lab_find_instance(r.m, "auto")->public_addr, ip("203.0.113.5"));
	ck_assert_uint_eq(lab_find_instance(r.m, "off")->public_addr, 0);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert(lt_has(&r, "10:17: warning: instance 'off' has no public or elastic IP: it cannot "
			 "reach the internet through the internet gateway"));
	lt_done(&r);
}
END_TEST

START_TEST(custom_pool)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "elastic_ips: [ { name: e } ]\n"
	       "internet: { public_pool: 100.64.0.0/29 }\n");
	expect_clean(&r);
	ck_assert_uint_eq(lab_find_eip(r.m, "e")->addr, ip("100.64.0.1"));
	ck_assert_uint_eq(r.m->pool.addr, ip("100.64.0.0"));
	ck_assert_uint_eq(r.m->pool.len, 29);
	lt_done(&r);
}
END_TEST

START_TEST(natgw_warning)
{
	struct lt r = { 0 };
	char got[512];
	lt_run(&r, VPC_IGW
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
	       "    nat_gateways: [ { name: nat, subnet: a, elastic_ip: e } ]\n"
	       "elastic_ips: [ { name: e } ]\n");
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "6:42: warning: nat gateway 'nat' is in "
			 "subnet 'a', which does not route 0.0.0.0/0 to igw");
	/* Warnings do not stop compilation. */
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* No warning without an igw route, or with a public or elastic IP. */
START_TEST(no_public_ip_warning_only_when_it_matters)
{
	struct lt r = { 0 };
	lt_run(&r, VPC_IGW
	       "    subnets:\n"
	       "      - { name: a, cidr: 10.0.1.0/24, route_table: pub }\n"
	       "      - { name: b, cidr: 10.0.2.0/24 }\n" PUBLIC_RT
	       "    instances:\n"
	       "      - { name: private, subnet: b }\n"
	       "      - { name: eip, subnet: a }\n"
	       "      - { name: bare, subnet: a }\n"
	       "elastic_ips: [ { name: e, instance: eip } ]\n");
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_eq(r.warnings, 1);
	ck_assert(lt_has(&r, "13:17: warning: instance 'bare' has no public or elastic IP: it "
			 "cannot reach the internet through the internet gateway"));
	lt_done(&r);
}
END_TEST

/* AWS: a route inside the VPC CIDR is allowed for a whole subnet, to a middlebox. */
START_TEST(middlebox_route)
{
	struct lt r = { 0 };
	lt_run(&r, VPC_IGW
	       "    subnets:\n"
	       "      - { name: a, cidr: 10.0.1.0/24, route_table: pub }\n"
	       "      - { name: b, cidr: 10.0.2.0/24, route_table: mid }\n" PUBLIC_RT
	       "      - name: mid\n"
	       "        routes:\n"
	       "          - { destination: 10.0.1.0/24, target: fw }\n"
	       "          - { destination: 10.0.0.0/16, target: local }\n"
	       "    instances:\n"
	       "      - { name: fw, subnet: b, source_dest_check: false, public_ip: true }\n");
	expect_clean(&r);
	const struct lab_route_table *t = &r.m->vpcs[0].route_tables[1];
	ck_assert_int_eq(t->routes[0].kind, VL_T_PORT);
	ck_assert_int_eq(t->routes[0].target_idx, 0);
	ck_assert(t->routes[1].restates_local);
	lt_done(&r);
}
END_TEST

START_TEST(route_target_needs_srcdst_off)
{
	struct lt r = { 0 };
	char got[512];
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
	       "    route_tables: [ { name: rt, routes: [ { destination: 0.0.0.0/0, target: box } ] } ]\n"
	       "    instances: [ { name: box, subnet: a } ]\n");
	ck_assert_int_eq(r.errors, 0);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "5:77: warning: instance 'box' is a route "
			 "target but its source_dest_check is on: it drops traffic not addressed to it");
	lt_done(&r);
}
END_TEST

/* The implicit main table, default ACL and default group can be named explicitly. */
START_TEST(implicit_names)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24, route_table: main, network_acl: default } ]\n"
	       "    security_groups:\n"
	       "      - { name: web, inbound: [ { protocol: all, group: default } ] }\n"
	       "    instances: [ { name: x, subnet: a, security_groups: [default, web] } ]\n");
	expect_clean(&r);
	const struct lab_vpc *v = &r.m->vpcs[0];
	ck_assert_uint_eq(v->subnets[0].rt, v->implicit_rt);
	ck_assert_uint_eq(v->subnets[0].acl, v->default_acl);
	ck_assert_uint_eq(v->sgs[0].in[0].peer, v->default_sg);
	ck_assert_uint_eq(v->instances[0].n_sgs, 2);
	ck_assert_uint_eq(v->instances[0].sgs[0], v->default_sg);
	ck_assert_uint_eq(v->instances[0].sgs[1], v->sgs[0].gidx);
	lt_done(&r);
}
END_TEST

/* A declared main table replaces the implicit one: `route_table: main` then names nothing. */
START_TEST(declared_main_table)
{
	struct lt r = { 0 };
	char got[512];
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 }, { name: b, cidr: 10.0.2.0/24, route_table: main } ]\n"
	       "    route_tables: [ { name: mine, main: true } ]\n");
	ck_assert_int_eq(r.errors, 1);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "4:91: error: unknown route table 'main'");
	const struct lab_vpc *v = &r.m->vpcs[0];
	ck_assert_uint_eq(v->implicit_rt, VL_NONE);
	ck_assert_uint_eq(v->subnets[0].rt, v->route_tables[0].gidx);
	lt_done(&r);
}
END_TEST

START_TEST(check_returns_error_count)
{
	struct diag *d = diag_create();
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A "    subnets: [ { name: a, cidr: 10.1.0.0/24 }, { name: b, cidr: x } ]\n");
	ck_assert_int_eq(r.errors, 2);
	/* Running the check again on the same model gives the same answer. */
	ck_assert_int_eq(lab_check(r.m, d), 2);
	ck_assert_int_eq(diag_errors(d), 2);
	errno = 0;
	ck_assert_ptr_null(lab_compile(r.m));
	ck_assert_int_eq(errno, EINVAL);
	lt_done(&r);
	diag_destroy(d);
}
END_TEST

/* Load errors count too: a model with a mistyped key never compiles. */
START_TEST(load_errors_block_compile)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A "    tags: [ x ]\n");
	ck_assert_int_eq(r.errors, 1);
	ck_assert(!r.m->checked_ok);
	errno = 0;
	ck_assert_ptr_null(lab_compile(r.m));
	ck_assert_int_eq(errno, EINVAL);
	lt_done(&r);
}
END_TEST

START_TEST(check_references)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
	       "    instances: [ { name: web, subnet: a } ]\n"
	       "elastic_ips: [ { name: e } ]\n"
	       "checks:\n"
	       "  - { from: web, to: 198.51.100.1, protocol: udp, port: 53, expect: deny }\n"
	       "  - { from: web, to: e, protocol: icmp, expect: allow, seen_as: 203.0.113.9 }\n"
	       "  - { from: web, to: web, protocol: tcp, expect: maybe }\n");
	char got[512];
	ck_assert_int_eq(r.errors, 2);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "10:5: error: a tcp check needs 'port'");
	ck_assert_str_eq(lt_line(&r, 1, got, sizeof(got)), "10:50: error: expect must be allow or "
			 "deny, not 'maybe'");
	const struct lab_check *k = r.m->checks;
	ck_assert_int_eq(k[0].to_kind, LAB_REF_ADDR);
	ck_assert_uint_eq(k[0].to_addr, ip("198.51.100.1"));
	ck_assert_int_eq(k[0].proto, 17);
	ck_assert(!k[0].expect_allow);
	ck_assert_int_eq(k[1].to_kind, LAB_REF_EIP);
	ck_assert_int_eq(k[1].seen_kind, LAB_REF_ADDR);
	ck_assert_int_eq(k[2].from_port, 0);
	lt_done(&r);
}
END_TEST

/* `to:` a DNS name: accepted (resolved when the check runs); a single unknown word and a
 * mistyped address are still unknown targets. */
START_TEST(check_dns_names)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
	       "    instances: [ { name: web, subnet: a } ]\n"
	       "checks:\n"
	       "  - { from: web, to: db.corp.internal, protocol: tcp, port: 80, expect: allow }\n"
	       "  - { from: web, to: ip-10-0-1-4.ec2.internal., protocol: icmp, expect: allow }\n"
	       "  - { from: web, to: nosuch, protocol: icmp, expect: allow }\n"
	       "  - { from: web, to: 10.0.1.300, protocol: icmp, expect: allow }\n"
	       "  - { from: web, to: a..b, protocol: icmp, expect: allow }\n");
	char got[512];
	ck_assert_int_eq(r.errors, 3);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "9:22: error: unknown check target 'nosuch': "
			 "not an instance, an internet host, a load balancer, an elastic ip, an ipv4 "
			 "address or a DNS name");
	ck_assert_int_eq(r.m->checks[0].to_kind, LAB_REF_NAME);
	ck_assert_int_eq(r.m->checks[1].to_kind, LAB_REF_NAME);
	lt_done(&r);
}
END_TEST

START_TEST(match_fields)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n" LT_A
	       "    network_acls:\n"
	       "      - name: n\n"
	       "        inbound:\n"
	       "          - { rule: 5, action: deny, protocol: 17, ports: 53, cidr: 0.0.0.0/0 }\n"
	       "          - { rule: 6, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 10.0.0.0/8 }\n"
	       "          - { rule: 7, action: allow, protocol: 47, cidr: 0.0.0.0/0 }\n");
	expect_clean(&r);
	const struct lab_acl_rule *x = r.m->vpcs[0].acls[0].in;
	ck_assert_int_eq(x[0].match.m.proto, 17);
	ck_assert_int_eq(x[0].match.m.port_lo, 53);
	ck_assert_int_eq(x[0].match.m.port_hi, 53);
	ck_assert(!x[0].allow);
	ck_assert_int_eq(x[1].match.m.icmp_type, 3);
	ck_assert_int_eq(x[1].match.m.icmp_code, 4);
	ck_assert_int_eq(x[1].match.m.port_lo, 0);
	ck_assert_int_eq(x[1].match.m.port_hi, 65535);
	ck_assert_int_eq(x[2].match.m.proto, 47);
	ck_assert_int_eq(x[2].match.m.icmp_type, -1);
	lt_done(&r);
}
END_TEST

/* AWS's quotas where evaluation scans (check_rules.c): exactly at each bound is clean (20 NACL
 * rules per direction, 60 SG rules per direction, 16 groups on an instance); one more is an
 * error, which tests/unit/labs/bad/quota-*.yaml pins to its line and column. */
START_TEST(quotas_at_the_bound_are_clean)
{
	static char text[16384];
	size_t n = 0;
#define ADD(...) (n += (size_t)snprintf(text + n, sizeof(text) - n, __VA_ARGS__))
	ADD("vpcs:\n" LT_A "    subnets: [ { name: a, cidr: 10.0.1.0/24, network_acl: big } ]\n");
	ADD("    network_acls:\n      - name: big\n");
	for (int d = 0; d < 2; d++) {
		ADD("        %s:\n", d ? "outbound" : "inbound");
		for (int i = 0; i < 20; i++)
			ADD("          - { rule: %d, action: allow, protocol: tcp, ports: %d, cidr: 0.0.0.0/0 }\n",
			    100 + i, 1000 + i);
	}
	ADD("    security_groups:\n");
	for (int g = 0; g < 16; g++) {
		ADD("      - name: g%d\n", g);
		for (int d = 0; g == 0 && d < 2; d++) {
			ADD("        %s:\n", d ? "outbound" : "inbound");
			for (int i = 0; i < 60; i++)
				ADD("          - { protocol: udp, ports: %d, cidr: 10.0.0.0/8 }\n", 2000 + i);
		}
	}
	ADD("    instances:\n      - { name: web, subnet: a, security_groups: [");
	for (int g = 0; g < 16; g++)
		ADD("%sg%d", g ? ", " : "", g);
	ADD("] }\n");
#undef ADD
	ck_assert_uint_lt(n, sizeof(text) - 1);
	struct lt r = { 0 };
	lt_run(&r, text);
	expect_clean(&r);
	lt_done(&r);
}
END_TEST

Suite *suite_check(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, explicit_addresses_are_taken_first);
	tcase_add_test(tc, quotas_at_the_bound_are_clean);
	tcase_add_test(tc, file_order_across_kinds);
	tcase_add_test(tc, same_ip_in_two_vpcs);
	tcase_add_test(tc, public_pool_order);
	tcase_add_test(tc, custom_pool);
	tcase_add_test(tc, natgw_warning);
	tcase_add_test(tc, no_public_ip_warning_only_when_it_matters);
	tcase_add_test(tc, middlebox_route);
	tcase_add_test(tc, route_target_needs_srcdst_off);
	tcase_add_test(tc, implicit_names);
	tcase_add_test(tc, declared_main_table);
	tcase_add_test(tc, check_returns_error_count);
	tcase_add_test(tc, load_errors_block_compile);
	tcase_add_test(tc, check_references);
	tcase_add_test(tc, check_dns_names);
	tcase_add_test(tc, match_fields);
	suite_add_tcase(s, tc);
	return s;
}
