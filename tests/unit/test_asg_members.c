/* An Auto Scaling group's running instances in the model (control/lab/asg_members.c):
 * lab_add_members makes each member an instance of its group's VPC, with the member's launch
 * template content (security groups, run, public_ip), registers those still registered in the
 * group's target groups (the group's port) and leaves out the members of a group the file no longer has; check
 * passes and gives them the first free addresses of their subnets, after the file's own. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/asg_members.h"
#include "labtest.h"

Suite *suite_asg_members(void);

static const char LAB[] =
	"name: m\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    subnets:\n"
	"      - { name: a, cidr: 10.0.1.0/24, az: a, route_table: pub }\n"
	"      - { name: b, cidr: 10.0.2.0/24, az: b, route_table: pub }\n"
	"      - { name: c, cidr: 10.0.3.0/24, az: a, route_table: pub }\n"
	"      - { name: d, cidr: 10.0.4.0/24, az: b, route_table: pub }\n"
	"    route_tables: [ { name: pub, routes: [ { destination: 0.0.0.0/0, target: igw } ] } ]\n"
	"    security_groups: [ { name: web }, { name: admin }, { name: alb-sg } ]\n"
	"    instances: [ { name: app-1, subnet: a, ip: 10.0.1.4, public_ip: true } ]\n"
	"    target_groups:\n"
	"      - { name: tg, protocol: http, port: 80, targets: [app-1] }\n"
	"      - { name: tg2, protocol: http, port: 8080 }\n"
	"    load_balancers:\n"
	"      - { name: alb, subnets: [c, d], security_groups: [alb-sg], listeners: [ { protocol: http, port: 80, default: tg }, { protocol: http, port: 8080, default: tg2 } ] }\n"
	"    launch_templates:\n"
	"      - { name: lt, security_groups: [web, admin], run: \"sleep 1000\", public_ip: true }\n"
	"    auto_scaling_groups:\n"
	"      - { name: web, launch_template: lt, subnets: [a, b], min: 1, desired: 2, max: 4, target_groups: [tg, tg2] }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    subnets: [ { name: o, cidr: 10.1.1.0/24, az: a } ]\n"
	"    security_groups: [ { name: osg } ]\n"
	"    launch_templates: [ { name: olt, security_groups: [osg] } ]\n"
	"    auto_scaling_groups:\n"
	"      - { name: oth, launch_template: olt, subnets: [o], min: 0, desired: 0, max: 2 }\n";

static struct lab_member member(const char *name, const char *group, const char *subnet, bool registered)
{
	struct lab_member m;
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.group, sizeof(m.group), "%s", group);
	snprintf(m.subnet, sizeof(m.subnet), "%s", subnet);
	snprintf(m.template_name, sizeof(m.template_name), "lt");
	m.registered = registered;
	m.public_ip = VL_LT_PUBLIC_YES;
	m.src_dst_check = 1;
	m.n_sgs = 2;
	snprintf(m.sgs[0], sizeof(m.sgs[0]), "web");
	snprintf(m.sgs[1], sizeof(m.sgs[1]), "admin");
	snprintf(m.run, sizeof(m.run), "sleep 1000");
	return m;
}

/* The lab with members v[0..n) added, then checked; errors 0 expected. */
static struct lab *load_with(const struct lab_member *v, size_t n, char **out)
{
	struct diag *d = diag_create();
	ck_assert_ptr_nonnull(d);
	struct lab *m = lab_load_buffer("m.yaml", LAB, strlen(LAB), d);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(lab_add_members(m, v, n), 0);
	lab_check(m, d);
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	ck_assert_ptr_nonnull(f);
	diag_print(d, f);
	fclose(f);
	ck_assert_msg(diag_errors(d) == 0, "check: %s", *out);
	diag_destroy(d);
	return m;
}

static const struct lab_instance *find(const struct lab *m, const char *name, size_t *vpc)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			if (!strcmp(m->vpcs[v].instances[i].name.s, name)) {
				if (vpc)
					*vpc = v;
				return &m->vpcs[v].instances[i];
			}
	return NULL;
}

static void addr_is(const struct lab_instance *x, const char *want)
{
	char got[16];
	snprintf(got, sizeof(got), "%u.%u.%u.%u", x->addr >> 24, (x->addr >> 16) & 255, (x->addr >> 8) & 255,
		 x->addr & 255);
	ck_assert_msg(x->addr_ok, "%s has no address", x->name.s);
	ck_assert_str_eq(got, want);
}

/* The names of target group tg's targets in m, space-separated. */
static void targets_of(const struct lab *m, const char *tg, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->vpcs[0].n_tgs; i++) {
		const struct lab_tg *t = &m->vpcs[0].tgs[i];
		if (strcmp(t->name.s, tg))
			continue;
		for (size_t k = 0; k < t->n_targets; k++)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", k ? " " : "", t->targets[k].instance.s);
	}
}

START_TEST(members_become_instances_of_their_vpc)
{
	struct lab_member v[] = {member("web-1", "web", "a", true), member("web-2", "web", "b", true)};
	char *out = NULL;
	struct lab *m = load_with(v, 2, &out);
	ck_assert_uint_eq(m->vpcs[0].n_instances, 3);
	ck_assert_uint_eq(m->vpcs[1].n_instances, 0);
	for (int k = 0; k < 2; k++) {
		size_t vpc = 9;
		const struct lab_instance *x = find(m, v[k].name, &vpc);
		ck_assert_ptr_nonnull(x);
		ck_assert_uint_eq(vpc, 0);
		ck_assert_str_eq(x->group, "web");
		ck_assert_str_eq(x->subnet.s, v[k].subnet);
		ck_assert_uint_eq(x->security_groups.n, 2);
		ck_assert_str_eq(x->security_groups.v[0].s, "web");
		ck_assert_str_eq(x->security_groups.v[1].s, "admin");
		ck_assert_uint_eq(x->n_sgs, 2); /* check resolved both */
		ck_assert_ptr_nonnull(x->run.s);
		ck_assert_str_eq(x->run.s, "sleep 1000");
		ck_assert(x->public_ip.set && x->public_ip.v);
		ck_assert_uint_ne(x->public_addr, 0);
	}
	ck_assert_ptr_null(find(m, "app-1", NULL)->group);
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(first_free_addresses_after_the_files_own)
{
	struct lab_member v[] = {member("web-1", "web", "a", true), member("web-2", "web", "b", true),
				 member("web-3", "web", "a", true)};
	char *out = NULL;
	struct lab *m = load_with(v, 3, &out);
	addr_is(find(m, "app-1", NULL), "10.0.1.4");
	addr_is(find(m, "web-1", NULL), "10.0.1.5");
	addr_is(find(m, "web-2", NULL), "10.0.2.4");
	addr_is(find(m, "web-3", NULL), "10.0.1.6");
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(registered_members_are_targets_of_every_group_tg)
{
	struct lab_member v[] = {member("web-1", "web", "a", true), member("web-2", "web", "b", false),
				 member("web-3", "web", "a", true)};
	char *out = NULL;
	struct lab *m = load_with(v, 3, &out);
	char buf[256];
	targets_of(m, "tg", buf, sizeof(buf));
	ck_assert_str_eq(buf, "app-1 web-1 web-3");
	targets_of(m, "tg2", buf, sizeof(buf));
	ck_assert_str_eq(buf, "web-1 web-3");
	/* and so in the compiled tables: ports of the group's port (80 / 8080) */
	struct vl_tables *t = lab_compile(m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->n_tgs, 2);
	ck_assert_uint_eq(t->tgs[0].target_count, 3);
	ck_assert_uint_eq(t->tgs[1].target_count, 2);
	for (uint32_t k = 0; k < t->tgs[1].target_count; k++) {
		const struct vl_lb_target *x = &t->targets[t->tgs[1].target_first + k];
		ck_assert_msg(!strcmp(t->ports[x->port].name, k ? "web-3" : "web-1"), "target %u is %s", k,
			      t->ports[x->port].name);
		ck_assert_uint_eq(x->tport, 8080);
	}
	vl_tables_free(t);
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(members_of_a_removed_group_are_left_out)
{
	struct lab_member v[] = {member("gone-1", "gone", "a", true), member("web-1", "web", "a", true),
				 member("gone-2", "gone", "b", false)};
	char *out = NULL;
	struct lab *m = load_with(v, 3, &out);
	ck_assert_ptr_null(find(m, "gone-1", NULL));
	ck_assert_ptr_null(find(m, "gone-2", NULL));
	ck_assert_ptr_nonnull(find(m, "web-1", NULL));
	addr_is(find(m, "web-1", NULL), "10.0.1.5"); /* no address kept for the ones left out */
	ck_assert_uint_eq(m->vpcs[0].n_instances, 2);
	char buf[256];
	targets_of(m, "tg", buf, sizeof(buf));
	ck_assert_str_eq(buf, "app-1 web-1");
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(a_member_goes_to_its_own_groups_vpc)
{
	struct lab_member o = member("oth-1", "oth", "o", false);
	o.n_sgs = 1;
	snprintf(o.sgs[0], sizeof(o.sgs[0]), "osg");
	o.public_ip = VL_LT_PUBLIC_SUBNET; /* the subnet's default: not written */
	o.run[0] = '\0';
	char *out = NULL;
	struct lab *m = load_with(&o, 1, &out);
	size_t vpc = 9;
	const struct lab_instance *x = find(m, "oth-1", &vpc);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(vpc, 1);
	ck_assert_str_eq(x->group, "oth");
	ck_assert(!x->public_ip.set);
	ck_assert_ptr_null(x->run.s);
	addr_is(x, "10.1.1.4");
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(no_members_no_change)
{
	char *out = NULL;
	struct lab *m = load_with(NULL, 0, &out);
	ck_assert_uint_eq(m->vpcs[0].n_instances, 1);
	char buf[256];
	targets_of(m, "tg", buf, sizeof(buf));
	ck_assert_str_eq(buf, "app-1");
	ck_assert_str_eq(out, ""); /* nothing to say about the file */
	free(out);
	lab_free(m);
}
END_TEST

Suite *suite_asg_members(void)
{
	Suite *s = suite_create("asg_members");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, members_become_instances_of_their_vpc);
	tcase_add_test(tc, first_free_addresses_after_the_files_own);
	tcase_add_test(tc, registered_members_are_targets_of_every_group_tg);
	tcase_add_test(tc, members_of_a_removed_group_are_left_out);
	tcase_add_test(tc, a_member_goes_to_its_own_groups_vpc);
	tcase_add_test(tc, no_members_no_change);
	suite_add_tcase(s, tc);
	return s;
}
