/* compile.c: the checked model -> struct vl_tables as include/vpclab/tables.h documents it. The
 * spec's example gives known indexes and addresses; a two-VPC lab checks the implicit main table,
 * default ACL and default group per VPC, the local route first, NACL rules sorted by number,
 * `outbound: []`, SG references by index, and the port order (instances, then internet hosts). */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "labtest.h"

Suite *suite_compile(void);

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

static struct vl_tables *compile_path(struct lt *r, const char *path)
{
	lt_run_path(r, path);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static struct vl_tables *compile_text(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void assert_all_traffic(const struct vl_match *m)
{
	ck_assert_int_eq(m->proto, -1);
	ck_assert_int_eq(m->port_lo, 0);
	ck_assert_int_eq(m->port_hi, 65535);
	ck_assert_int_eq(m->icmp_type, -1);
	ck_assert_int_eq(m->icmp_code, -1);
}

static void assert_route(const struct vl_tables *t, uint32_t i, const char *dst, int kind,
			 uint16_t target)
{
	struct prefix4 p;
	ck_assert_int_eq(prefix_parse(dst, &p, false), 0);
	ck_assert_uint_eq(t->routes[i].dst.addr, p.addr);
	ck_assert_uint_eq(t->routes[i].dst.len, p.len);
	ck_assert_int_eq(t->routes[i].kind, kind);
	ck_assert_uint_eq(t->routes[i].target, target);
}

START_TEST(spec_header_and_counts)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_path(&r, "tests/unit/labs/spec-example.yaml");
	const uint8_t router[6] = { 0x02, 0x56, 0x4c, 0xff, 0xff, 0xfe };
	ck_assert_str_eq(t->lab, "shop");
	ck_assert_uint_eq(t->generation, 1);
	ck_assert_mem_eq(t->router_mac, router, 6);
	ck_assert_uint_eq(t->public_pool.addr, ip("203.0.113.0"));
	ck_assert_uint_eq(t->public_pool.len, 24);
	ck_assert_uint_eq(t->n_vpcs, 1);
	ck_assert_uint_eq(t->n_subnets, 2);
	ck_assert_uint_eq(t->n_route_tables, 2);   /* 'private' is main: no implicit table */
	ck_assert_uint_eq(t->n_routes, 4);
	ck_assert_uint_eq(t->n_acls, 2);
	ck_assert_uint_eq(t->n_acl_rules, 2 + 3);
	ck_assert_uint_eq(t->n_sgs, 4);
	ck_assert_uint_eq(t->n_sg_rules, 2 + 4 + 2 + 1);
	ck_assert_uint_eq(t->n_ports, 4 + 1);     /* + the resolver, last */
	ck_assert_uint_eq(t->resolver_port, 4);
	ck_assert_uint_eq(t->ports[4].kind, VL_PORT_RESOLVER);
	ck_assert_str_eq(t->ports[4].name, VL_RESOLVER_NAME);
	ck_assert_uint_eq(t->ports[4].ip, VL_RESOLVER_PUBLIC);
	ck_assert_uint_eq(t->ports[4].prefix_len, 32);
	ck_assert_uint_eq(t->ports[4].gateway, 0);
	ck_assert_uint_eq(t->ports[4].vpc, VL_NONE);
	ck_assert_uint_eq(t->ports[4].subnet, VL_NONE);
	ck_assert_uint_eq(t->n_natgws, 1);
	ck_assert_uint_eq(t->n_eips, 2);
	ck_assert_ptr_null(t->lpm_nodes);
	ck_assert_ptr_null(t->addr_map);
	ck_assert_str_eq(t->vpcs[0].name, "main");
	ck_assert_uint_eq(t->vpcs[0].has_igw, 1);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(spec_routes_and_subnets)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_path(&r, "tests/unit/labs/spec-example.yaml");
	const struct vl_route_table *pub = &t->route_tables[0], *priv = &t->route_tables[1];
	ck_assert_str_eq(pub->name, "public");
	ck_assert_str_eq(priv->name, "private");
	ck_assert_int_eq(pub->lpm_root, -1);
	ck_assert_uint_eq(pub->route_count, 2);
	assert_route(t, pub->route_first, "10.0.0.0/16", VL_T_LOCAL, VL_NONE);
	assert_route(t, pub->route_first + 1, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	ck_assert_uint_eq(priv->route_count, 2);
	assert_route(t, priv->route_first, "10.0.0.0/16", VL_T_LOCAL, VL_NONE);
	assert_route(t, priv->route_first + 1, "0.0.0.0/0", VL_T_NATGW, 0);
	ck_assert_str_eq(t->subnets[0].name, "public-a");
	ck_assert_uint_eq(t->subnets[0].route_table, 0);
	ck_assert_uint_eq(t->subnets[0].acl, 1);
	ck_assert_str_eq(t->subnets[1].name, "private-a");
	ck_assert_uint_eq(t->subnets[1].route_table, 1);   /* the declared main table */
	ck_assert_uint_eq(t->subnets[1].acl, 0);           /* the default ACL */
	ck_assert_uint_eq(t->subnets[1].cidr.addr, ip("10.0.2.0"));
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(spec_acls)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_path(&r, "tests/unit/labs/spec-example.yaml");
	const struct vl_acl *d = &t->acls[0], *web = &t->acls[1];
	ck_assert_str_eq(d->name, "default");
	ck_assert_uint_eq(d->in_count, 1);
	ck_assert_uint_eq(d->out_count, 1);
	for (int dir = 0; dir < 2; dir++) {
		const struct vl_acl_rule *x = &t->acl_rules[dir ? d->out_first : d->in_first];
		ck_assert_uint_eq(x->number, 100);
		ck_assert_uint_eq(x->allow, 1);
		ck_assert_uint_eq(x->cidr.len, 0);
		assert_all_traffic(&x->m);
	}
	ck_assert_str_eq(web->name, "web-acl");
	ck_assert_uint_eq(web->in_count, 2);
	const struct vl_acl_rule *in = &t->acl_rules[web->in_first];
	ck_assert_uint_eq(in[0].number, 100);
	ck_assert_int_eq(in[0].m.proto, 6);
	ck_assert_uint_eq(in[0].m.port_lo, 80);
	ck_assert_uint_eq(in[0].m.port_hi, 80);
	ck_assert_uint_eq(in[1].number, 110);
	ck_assert_uint_eq(in[1].m.port_lo, 1024);
	ck_assert_uint_eq(in[1].m.port_hi, 65535);
	ck_assert_uint_eq(web->out_count, 1);
	assert_all_traffic(&t->acl_rules[web->out_first].m);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(spec_security_groups)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_path(&r, "tests/unit/labs/spec-example.yaml");
	const struct vl_sg *g = t->sgs;
	ck_assert_str_eq(g[0].name, "default");
	ck_assert_str_eq(g[1].name, "web");
	ck_assert_str_eq(g[2].name, "db");
	ck_assert_str_eq(g[3].name, "bastion");
	/* default: inbound from its own members, outbound anywhere */
	const struct vl_sg_rule *x = &t->sg_rules[g[0].in_first];
	ck_assert_uint_eq(g[0].in_count, 1);
	ck_assert_uint_eq(x->peer_sg, 0);
	ck_assert_uint_eq(x->index, 1);
	assert_all_traffic(&x->m);
	x = &t->sg_rules[g[0].out_first];
	ck_assert_uint_eq(x->peer_sg, VL_NONE);
	ck_assert_uint_eq(x->cidr.len, 0);
	/* web: three inbound rules, the group reference resolved to 'bastion' (3) */
	ck_assert_uint_eq(g[1].in_count, 3);
	x = &t->sg_rules[g[1].in_first];
	ck_assert_uint_eq(x[0].peer_sg, VL_NONE);
	ck_assert_uint_eq(x[0].m.port_lo, 80);
	ck_assert_uint_eq(x[1].peer_sg, 3);
	ck_assert_uint_eq(x[1].index, 2);
	ck_assert_int_eq(x[2].m.proto, 1);
	ck_assert_int_eq(x[2].m.icmp_type, 8);
	ck_assert_int_eq(x[2].m.icmp_code, -1);
	ck_assert_uint_eq(x[2].cidr.addr, ip("10.0.0.0"));
	ck_assert_uint_eq(x[2].cidr.len, 16);
	ck_assert_uint_eq(x[2].index, 3);
	ck_assert_uint_eq(g[1].out_count, 1);     /* outbound absent: allow all */
	assert_all_traffic(&t->sg_rules[g[1].out_first].m);
	/* db: from group web (1); only tcp 80 out */
	ck_assert_uint_eq(t->sg_rules[g[2].in_first].peer_sg, 1);
	ck_assert_uint_eq(g[2].out_count, 1);
	ck_assert_int_eq(t->sg_rules[g[2].out_first].m.proto, 6);
	ck_assert_uint_eq(t->sg_rules[g[2].out_first].m.port_hi, 80);
	ck_assert_uint_eq(g[3].in_count, 0);
	ck_assert_uint_eq(g[3].out_count, 1);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(spec_ports)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_path(&r, "tests/unit/labs/spec-example.yaml");
	const struct vl_port *p = t->ports;
	const uint8_t mac2[6] = { 0x02, 0x56, 0x4c, 0x00, 0x00, 0x02 };
	ck_assert_str_eq(p[0].name, "web");
	ck_assert_str_eq(p[1].name, "db");
	ck_assert_str_eq(p[2].name, "nat-box");
	ck_assert_str_eq(p[3].name, "ext");
	ck_assert_int_eq(p[0].kind, VL_PORT_INSTANCE);
	ck_assert_uint_eq(p[0].ip, ip("10.0.1.10"));
	ck_assert_uint_eq(p[0].prefix_len, 24);
	ck_assert_uint_eq(p[0].gateway, ip("10.0.1.1"));
	ck_assert_uint_eq(p[0].mtu, VL_VPC_MTU);
	ck_assert_uint_eq(p[0].src_dst_check, 1);
	ck_assert_uint_eq(p[0].public_ip, ip("203.0.113.1"));
	ck_assert_uint_eq(p[0].eip, 1);
	ck_assert_uint_eq(p[0].sg_count, 1);
	ck_assert_uint_eq(p[0].sgs[0], 1);
	ck_assert_uint_eq(p[0].subnet, 0);
	ck_assert_uint_eq(p[0].vpc, 0);
	ck_assert_uint_eq(p[1].ip, ip("10.0.2.4"));
	ck_assert_uint_eq(p[1].gateway, ip("10.0.2.1"));
	ck_assert_uint_eq(p[1].public_ip, 0);
	ck_assert_uint_eq(p[1].eip, VL_NONE);
	ck_assert_uint_eq(p[1].sgs[0], 2);
	ck_assert_uint_eq(p[2].src_dst_check, 0);
	ck_assert_uint_eq(p[2].sgs[0], 0);        /* no group named: default */
	ck_assert_uint_eq(p[2].public_ip, ip("203.0.113.2"));
	ck_assert_mem_eq(p[2].mac, mac2, 6);
	ck_assert_int_eq(p[3].kind, VL_PORT_INET_HOST);
	ck_assert_uint_eq(p[3].ip, ip("198.51.100.10"));
	ck_assert_uint_eq(p[3].prefix_len, 32);
	ck_assert_uint_eq(p[3].gateway, 0);
	ck_assert_uint_eq(p[3].mtu, VL_IGW_MTU);
	ck_assert_uint_eq(p[3].vpc, VL_NONE);
	ck_assert_uint_eq(p[3].subnet, VL_NONE);
	ck_assert_uint_eq(p[3].eip, VL_NONE);
	ck_assert_uint_eq(p[3].sg_count, 0);
	ck_assert_uint_eq(p[3].mac[5], 3);
	ck_assert_str_eq(t->natgws[0].name, "nat-a");
	ck_assert_uint_eq(t->natgws[0].ip, ip("10.0.1.4"));
	ck_assert_uint_eq(t->natgws[0].subnet, 0);
	ck_assert_uint_eq(t->natgws[0].eip, 0);
	ck_assert_str_eq(t->eips[0].name, "nat-eip");
	ck_assert_uint_eq(t->eips[0].ip, ip("203.0.113.20"));
	ck_assert_uint_eq(t->eips[0].natgw, 0);
	ck_assert_uint_eq(t->eips[0].port, VL_NONE);
	ck_assert_uint_eq(t->eips[1].port, 0);
	ck_assert_uint_eq(t->eips[1].natgw, VL_NONE);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

static const char two_vpcs[] =
	"name: two\n"
	"vpcs:\n"
	"  - name: one\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets: [ { name: a, cidr: 10.0.1.0/24, network_acl: n } ]\n"
	"    network_acls:\n"
	"      - name: n\n"
	"        inbound:\n"
	"          - { rule: 300, action: deny, protocol: all, cidr: 0.0.0.0/0 }\n"
	"          - { rule: 5, action: allow, protocol: tcp, ports: 22, cidr: 10.0.0.0/8 }\n"
	"          - { rule: 40, action: allow, protocol: udp, cidr: 0.0.0.0/0 }\n"
	"    security_groups:\n"
	"      - { name: closed, outbound: [] }\n"
	"    instances: [ { name: x, subnet: a, security_groups: [closed] } ]\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    subnets: [ { name: b, cidr: 10.1.0.0/28 } ]\n"
	"    route_tables:\n"
	"      - { name: extra, routes: [ { destination: 192.168.0.0/16, target: blackhole } ] }\n"
	"    security_groups: [ { name: g2, inbound: [ { protocol: all, group: g2 } ] } ]\n"
	"    instances: [ { name: y, subnet: b, security_groups: [g2] } ]\n"
	"internet:\n"
	"  hosts: [ { name: h, ip: 198.51.100.7 } ]\n";

START_TEST(implicit_tables_per_vpc)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, two_vpcs);
	ck_assert_uint_eq(t->n_route_tables, 3);
	ck_assert_str_eq(t->route_tables[0].name, "main");
	ck_assert_uint_eq(t->route_tables[0].vpc, 0);
	ck_assert_uint_eq(t->route_tables[0].route_count, 1);
	assert_route(t, t->route_tables[0].route_first, "10.0.0.0/16", VL_T_LOCAL, VL_NONE);
	ck_assert_str_eq(t->route_tables[1].name, "main");
	ck_assert_uint_eq(t->route_tables[1].vpc, 1);
	assert_route(t, t->route_tables[1].route_first, "10.1.0.0/16", VL_T_LOCAL, VL_NONE);
	ck_assert_str_eq(t->route_tables[2].name, "extra");
	ck_assert_uint_eq(t->route_tables[2].route_count, 2);
	assert_route(t, t->route_tables[2].route_first, "10.1.0.0/16", VL_T_LOCAL, VL_NONE);
	assert_route(t, t->route_tables[2].route_first + 1, "192.168.0.0/16", VL_T_BLACKHOLE, VL_NONE);
	ck_assert_uint_eq(t->subnets[0].route_table, 0);
	ck_assert_uint_eq(t->subnets[1].route_table, 1);
	ck_assert_uint_eq(t->subnets[1].vpc, 1);
	ck_assert_uint_eq(t->n_acls, 3);
	ck_assert_str_eq(t->acls[2].name, "default");
	ck_assert_uint_eq(t->acls[2].vpc, 1);
	ck_assert_uint_eq(t->subnets[1].acl, 2);
	ck_assert_uint_eq(t->n_sgs, 4);
	ck_assert_str_eq(t->sgs[2].name, "default");
	ck_assert_uint_eq(t->sgs[2].vpc, 1);
	ck_assert_uint_eq(t->sg_rules[t->sgs[2].in_first].peer_sg, 2);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(acl_rules_sorted)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, two_vpcs);
	const struct vl_acl *n = &t->acls[1];
	ck_assert_str_eq(n->name, "n");
	ck_assert_uint_eq(n->in_count, 3);
	ck_assert_uint_eq(n->out_count, 0);        /* a declared ACL without rules denies */
	const struct vl_acl_rule *x = &t->acl_rules[n->in_first];
	ck_assert_uint_eq(x[0].number, 5);
	ck_assert_int_eq(x[0].m.proto, 6);
	ck_assert_uint_eq(x[0].cidr.len, 8);
	ck_assert_uint_eq(x[1].number, 40);
	ck_assert_int_eq(x[1].m.proto, 17);
	ck_assert_uint_eq(x[1].m.port_lo, 0);
	ck_assert_uint_eq(x[1].m.port_hi, 65535);
	ck_assert_uint_eq(x[2].number, 300);
	ck_assert_uint_eq(x[2].allow, 0);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(groups_and_ports)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, two_vpcs);
	const struct vl_sg *closed = &t->sgs[1], *g2 = &t->sgs[3];
	ck_assert_str_eq(closed->name, "closed");
	ck_assert_uint_eq(closed->in_count, 0);
	ck_assert_uint_eq(closed->out_count, 0);   /* outbound: [] allows nothing */
	ck_assert_str_eq(g2->name, "g2");
	ck_assert_uint_eq(t->sg_rules[g2->in_first].peer_sg, 3);
	ck_assert_uint_eq(t->n_ports, 3 + 1);     /* + the resolver */
	ck_assert_str_eq(t->ports[0].name, "x");
	ck_assert_uint_eq(t->ports[0].sgs[0], 1);
	ck_assert_str_eq(t->ports[1].name, "y");
	ck_assert_uint_eq(t->ports[1].vpc, 1);
	ck_assert_uint_eq(t->ports[1].subnet, 1);
	ck_assert_uint_eq(t->ports[1].ip, ip("10.1.0.4"));
	ck_assert_uint_eq(t->ports[1].prefix_len, 28);
	ck_assert_uint_eq(t->ports[1].gateway, ip("10.1.0.1"));
	ck_assert_uint_eq(t->ports[1].sgs[0], 3);
	ck_assert_uint_eq(t->ports[1].mac[5], 1);
	ck_assert_str_eq(t->ports[2].name, "h");
	ck_assert_uint_eq(t->ports[2].mac[5], 2);
	ck_assert_str_eq(t->lab, "two");
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

Suite *suite_compile(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("compile");
	tcase_add_test(tc, spec_header_and_counts);
	tcase_add_test(tc, spec_routes_and_subnets);
	tcase_add_test(tc, spec_acls);
	tcase_add_test(tc, spec_security_groups);
	tcase_add_test(tc, spec_ports);
	tcase_add_test(tc, implicit_tables_per_vpc);
	tcase_add_test(tc, acl_rules_sorted);
	tcase_add_test(tc, groups_and_ports);
	suite_add_tcase(s, tc);
	return s;
}
