/* A VPC's declared `default` security group and network ACL: they take the implicit ones'
 * table indexes (what instances without groups and subnets without an ACL use) with exactly
 * their written rules; two VPCs may each declare one; undeclared ones keep AWS's implicit rules. */
#include <check.h>
#include <string.h>

#include "labtest.h"

Suite *suite_default_sg(void);

static const char two_vpcs[] =
	"vpcs:\n"
	"  - name: a\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets: [ { name: sa, cidr: 10.0.1.0/24 } ]\n"
	"    security_groups:\n"
	"      - name: web\n"
	"        inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ]\n"
	"      - name: default\n"
	"        inbound: [ { protocol: tcp, ports: 22, cidr: 198.51.100.0/24 } ]\n"
	"    network_acls:\n"
	"      - name: default\n"
	"        inbound: [ { rule: 10, action: deny, protocol: all, cidr: 198.51.100.7/32 } ]\n"
	"        outbound: [ { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 } ]\n"
	"    instances: [ { name: x, subnet: sa, ip: 10.0.1.10 } ]\n"
	"  - name: b\n"
	"    cidr: 10.1.0.0/16\n"
	"    subnets: [ { name: sb, cidr: 10.1.1.0/24 } ]\n"
	"    security_groups:\n"
	"      - name: default\n"
	"        inbound: []\n"
	"        outbound: []\n"
	"    instances: [ { name: y, subnet: sb, ip: 10.1.1.10 } ]\n";

START_TEST(declared_defaults_take_the_implicit_index)
{
	struct lt r = { 0 };
	lt_run(&r, two_vpcs);
	ck_assert_msg(r.errors == 0, "unexpected:\n%s", r.out);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	/* Same counts as without them: default, web | default. */
	ck_assert_uint_eq(t->n_sgs, 3);
	ck_assert_uint_eq(t->n_acls, 2);
	const struct vl_sg *d = &t->sgs[r.m->vpcs[0].default_sg];
	ck_assert_str_eq(d->name, "default");
	ck_assert_uint_eq(d->in_count, 1);
	ck_assert_int_eq(t->sg_rules[d->in_first].m.proto, 6);
	ck_assert_uint_eq(t->sg_rules[d->in_first].m.port_lo, 22);
	ck_assert_uint_eq(d->out_count, 1); /* outbound left out: the implicit allow-all */
	ck_assert_int_eq(t->sg_rules[d->out_first].m.proto, -1);
	ck_assert_str_eq(t->sgs[1].name, "web");
	const struct vl_sg *e = &t->sgs[r.m->vpcs[1].default_sg];
	ck_assert_str_eq(e->name, "default");
	ck_assert_uint_eq(e->vpc, 1);
	ck_assert_uint_eq(e->in_count, 0);
	ck_assert_uint_eq(e->out_count, 0);
	ck_assert_uint_eq(t->ports[0].sg_count, 1);
	ck_assert_uint_eq(t->ports[0].sgs[0], r.m->vpcs[0].default_sg);
	ck_assert_uint_eq(t->ports[1].sgs[0], r.m->vpcs[1].default_sg);
	const struct vl_acl *a = &t->acls[t->subnets[0].acl];
	ck_assert_str_eq(a->name, "default");
	ck_assert_uint_eq(a->in_count, 1);
	ck_assert_int_eq(t->acl_rules[a->in_first].allow, 0);
	/* VPC b's ACL is still the implicit one: rule 100 allows all both ways. */
	const struct vl_acl *b = &t->acls[t->subnets[1].acl];
	ck_assert_str_eq(b->name, "default");
	ck_assert_uint_eq(b->in_count, 1);
	ck_assert_uint_eq(t->acl_rules[b->in_first].number, 100);
	ck_assert_int_eq(t->acl_rules[b->in_first].allow, 1);
	ck_assert_uint_eq(t->n_sg_rules, 2 + 2); /* web in+out, default(a) in+out, b none */
	ck_assert_uint_eq(t->n_acl_rules, 2 + 2);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(implicit_default_unchanged)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n");
	ck_assert_msg(r.errors == 0, "unexpected:\n%s", r.out);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->n_sgs, 1);
	ck_assert_uint_eq(t->sgs[0].in_count, 1);
	ck_assert_uint_eq(t->sg_rules[t->sgs[0].in_first].peer_sg, 0);
	ck_assert_uint_eq(t->sgs[0].out_count, 1);
	ck_assert_uint_eq(t->n_acls, 1);
	ck_assert_uint_eq(t->n_acl_rules, 2);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(default_twice_in_one_vpc)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n  - name: a\n    cidr: 10.0.0.0/16\n    network_acls:\n"
		   "      - { name: default }\n      - { name: default }\n");
	ck_assert_int_eq(r.errors, 1);
	ck_assert(lt_has(&r, "6:17: error: network acl 'default' is already declared in this vpc at 5:17"));
	lt_done(&r);
}
END_TEST

Suite *suite_default_sg(void)
{
	Suite *s = suite_create("default_sg");
	TCase *tc = tcase_create("default_sg");
	tcase_add_test(tc, declared_defaults_take_the_implicit_index);
	tcase_add_test(tc, implicit_default_unchanged);
	tcase_add_test(tc, default_twice_in_one_vpc);
	suite_add_tcase(s, tc);
	return s;
}
