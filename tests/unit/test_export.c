/* lab_export (control/lab/export.h): every example lab and test lab written back, loaded and
 * checked again compiles to the same tables, byte for byte (names, addresses, rules, routes,
 * load balancers, zones, groups), and lab_diff finds no change; a lab changed by an apply
 * (addresses kept, an auto-assigned public IP out of file order) exported from its kept copy and
 * pins reproduces what runs; strings that YAML would misread come back as written. */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/asg_members.h"
#include "control/lab/diff.h"
#include "control/lab/export.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "control/lab/pins.h"

static struct lab *check_text(const char *name, const char *text, size_t len)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer(name, text, len, d);
	ck_assert_ptr_nonnull(m);
	if (lab_check(m, d) != 0) {
		diag_print(d, stderr);
		fprintf(stderr, "--- %s:\n%.*s\n", name, (int)len, text);
	}
	ck_assert_int_eq(diag_errors(d), 0);
	diag_destroy(d);
	return m;
}

static char *export_text(const struct lab *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(lab_export(m, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static size_t first_diff(const void *pa, const void *pb, size_t n)
{
	const unsigned char *a = pa, *b = pb;
	size_t i = 0;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Each array of a and b, compared whole: they are calloc'd plain structs (no pointers). */
#define SAME_ARRAY(what, field, n)                                                                 \
	do {                                                                                       \
		ck_assert_msg(a->n == b->n, "%s: " #n " %u != %u", what, (unsigned)a->n,           \
			      (unsigned)b->n);                                                     \
		for (size_t i_ = 0; i_ < (size_t)a->n; i_++)                                       \
			ck_assert_msg(memcmp(&a->field[i_], &b->field[i_], sizeof(*a->field)) == 0, \
				      "%s: " #field "[%zu] differs at byte %zu", what, i_,          \
				      first_diff(&a->field[i_], &b->field[i_], sizeof(*a->field)));  \
	} while (0)

/* A prefix's padding bytes are whatever the copy that made it left (a compound literal on the
 * stack): made canonical in both tables, so that memcmp compares what the fields hold. */
static void canon_prefix(struct prefix4 *p)
{
	struct prefix4 q;
	memset(&q, 0, sizeof(q));
	q.addr = p->addr;
	q.len = p->len;
	memcpy(p, &q, sizeof(q));
}

static void canon_tables(struct vl_tables *t)
{
	canon_prefix(&t->public_pool);
	for (uint16_t i = 0; i < t->n_vpcs; i++)
		canon_prefix(&t->vpcs[i].cidr);
	for (uint16_t i = 0; i < t->n_subnets; i++)
		canon_prefix(&t->subnets[i].cidr);
	for (uint32_t i = 0; i < t->n_routes; i++)
		canon_prefix(&t->routes[i].dst);
	for (uint32_t i = 0; i < t->n_acl_rules; i++)
		canon_prefix(&t->acl_rules[i].cidr);
	for (uint32_t i = 0; i < t->n_sg_rules; i++)
		canon_prefix(&t->sg_rules[i].cidr);
	for (uint32_t i = 0; i < t->n_lb_rules; i++)
		for (size_t c = 0; c < VL_LB_RULE_CONDS; c++)
			canon_prefix(&t->lb_rules[i].conds[c].source);
}

static void same_tables(const char *what, struct vl_tables *a, struct vl_tables *b)
{
	canon_tables(a);
	canon_tables(b);
	ck_assert_str_eq(a->lab, b->lab);
	ck_assert_str_eq(a->region, b->region);
	ck_assert(memcmp(&a->public_pool, &b->public_pool, sizeof(a->public_pool)) == 0);
	ck_assert(memcmp(a->router_mac, b->router_mac, sizeof(a->router_mac)) == 0);
	ck_assert_uint_eq(a->resolver_port, b->resolver_port);
	SAME_ARRAY(what, vpcs, n_vpcs);
	SAME_ARRAY(what, subnets, n_subnets);
	SAME_ARRAY(what, route_tables, n_route_tables);
	SAME_ARRAY(what, routes, n_routes);
	SAME_ARRAY(what, acls, n_acls);
	SAME_ARRAY(what, acl_rules, n_acl_rules);
	SAME_ARRAY(what, sgs, n_sgs);
	SAME_ARRAY(what, sg_rules, n_sg_rules);
	SAME_ARRAY(what, ports, n_ports);
	SAME_ARRAY(what, natgws, n_natgws);
	SAME_ARRAY(what, eips, n_eips);
	SAME_ARRAY(what, lbs, n_lbs);
	SAME_ARRAY(what, tgs, n_tgs);
	SAME_ARRAY(what, listeners, n_listeners);
	SAME_ARRAY(what, lb_rules, n_lb_rules);
	SAME_ARRAY(what, targets, n_targets);
	SAME_ARRAY(what, lb_nodes, n_lb_nodes);
	SAME_ARRAY(what, zones, n_zones);
	SAME_ARRAY(what, records, n_records);
	SAME_ARRAY(what, dns_values, n_dns_values);
	SAME_ARRAY(what, r53_checks, n_r53_checks);
	SAME_ARRAY(what, launch_templates, n_launch_templates);
	SAME_ARRAY(what, asgs, n_asgs);
	SAME_ARRAY(what, asg_policies, n_asg_policies);
}

/* m checked: its export checks, compiles to the same tables, and diffs to "no changes"; and
 * exporting the export gives the same text (a fixed point). */
static void round_trip(const char *what, const struct lab *m)
{
	size_t len, len2;
	char *text = export_text(m, &len);
	struct lab *back = check_text(what, text, len);
	struct vl_tables *a = lab_compile(m), *b = lab_compile(back);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	same_tables(what, a, b);
	struct lab_plan *p = lab_diff(m, back);
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(p->n == 0, "%s: export differs: %s %s %s", what, p->n ? p->v[0].kind : "",
		      p->n ? p->v[0].name : "", p->n ? p->v[0].detail : "");
	lab_plan_free(p);
	char *again = export_text(back, &len2);
	ck_assert_str_eq(again, text);
	free(again);
	vl_tables_free(a);
	vl_tables_free(b);
	lab_free(back);
	free(text);
}

static const char *const corpus[] = { "rules/*.yaml", "tests/golden/labs/*.yaml",
				      "tests/unit/labs/*.yaml", "tests/unit/labs/diff/*.yaml" };

START_TEST(every_lab_round_trips)
{
	size_t n = 0;
	for (size_t c = 0; c < sizeof(corpus) / sizeof(*corpus); c++) {
		glob_t g;
		if (glob(corpus[c], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct diag *d = diag_create();
			struct lab *m = lab_load(g.gl_pathv[i], d);
			if (m && lab_check(m, d) == 0) {
				round_trip(g.gl_pathv[i], m);
				n++;
			}
			lab_free(m);
			diag_destroy(d);
		}
		globfree(&g);
	}
	ck_assert_uint_ge(n, 20);   /* the corpus was found */
}
END_TEST

#define VPC "name: s\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n    internet_gateway: true\n" \
	    "    subnets: [ { name: a, cidr: 10.0.1.0/24, map_public_ip: true } ]\n"               \
	    "    route_tables: [ { name: rt, main: true, routes: [ { destination: 0.0.0.0/0, target: igw } ] } ]\n" \
	    "    instances:\n"

/* What runs after `before` then an apply of `after`, as the router keeps it: the applied model,
 * and its kept copy (the text of after) loaded again with the pins the router wrote. */
static void applied(const char *before, const char *after, struct lab **runs, struct lab **kept)
{
	struct lab *o = check_text("s.yaml", before, strlen(before));
	struct diag *d = diag_create();
	*runs = lab_load_buffer("s.yaml", after, strlen(after), d);
	ck_assert_ptr_nonnull(*runs);
	ck_assert_int_eq(lab_keep_addresses(*runs, o), 0);
	ck_assert_int_eq(lab_check(*runs, d), 0);
	char *pins = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&pins, &len);
	ck_assert_int_eq(lab_pins_write(*runs, f), 0);
	fclose(f);
	*kept = lab_load_buffer("s.yaml", after, strlen(after), d);
	f = fmemopen(pins, len, "r");
	ck_assert_int_eq(lab_pins_read(*kept, f), 0);
	fclose(f);
	ck_assert_int_eq(lab_check(*kept, d), 0);
	diag_destroy(d);
	free(pins);
	lab_free(o);
}

/* An instance added before running ones: they keep their private and public IPs, which a fresh
 * check of the file would give to the new one. The export writes the private ones and turns the
 * public ones a fresh check would move into elastic IPs holding them; the lab comes back whole. */
START_TEST(applied_lab_round_trips)
{
	struct lab *runs, *kept;
	applied(VPC "      - { name: web, subnet: a }\n      - { name: app, subnet: a }\n",
		VPC "      - { name: new, subnet: a }\n      - { name: web, subnet: a }\n"
		    "      - { name: app, subnet: a }\n", &runs, &kept);
	ck_assert_uint_eq(lab_find_instance(runs, "web")->public_addr, 0xcb007101u);
	ck_assert_uint_eq(lab_find_instance(runs, "new")->public_addr, 0xcb007103u);
	size_t len;
	char *text = export_text(kept, &len);
	struct lab *back = check_text("export.yaml", text, len);
	const char *names[] = { "new", "web", "app" };
	for (size_t i = 0; i < 3; i++) {
		const struct lab_instance *r = lab_find_instance(runs, names[i]);
		const struct lab_instance *b = lab_find_instance(back, names[i]);
		ck_assert_uint_eq(r->addr, b->addr);
		ck_assert_msg(r->public_addr == b->public_addr, "%s: public %08x != %08x", names[i],
			      r->public_addr, b->public_addr);
	}
	/* web and app are where a fresh check puts them once new's address is held: only new
	 * needed an elastic IP */
	ck_assert_ptr_nonnull(strstr(text, "{name: public-1, ip: 203.0.113.3, instance: new}"));
	ck_assert_ptr_null(strstr(text, "public-2"));
	struct vl_tables *a = lab_compile(kept), *b = lab_compile(back);
	ck_assert_uint_eq(a->n_ports, b->n_ports);
	for (uint16_t i = 0; i < a->n_ports; i++) {
		ck_assert_str_eq(a->ports[i].name, b->ports[i].name);
		ck_assert_uint_eq(a->ports[i].ip, b->ports[i].ip);
		ck_assert_uint_eq(a->ports[i].public_ip, b->ports[i].public_ip);
	}
	vl_tables_free(a);
	vl_tables_free(b);
	lab_free(back);
	free(text);
	lab_free(kept);
	lab_free(runs);
}
END_TEST

/* A load balancer node keeps its address when an instance before it goes (apply); the pins
 * carry it to the kept copy (lb_node lines) and the export writes it. */
START_TEST(applied_node_address_round_trips)
{
	static const char head[] =
		"name: s\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"
		"    subnets: [ { name: a, cidr: 10.0.1.0/24, az: a } ]\n";
	static const char lb[] =
		"    target_groups: [ { name: tg, protocol: tcp, port: 80 } ]\n"
		"    load_balancers:\n"
		"      - { name: nlb, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: tg } ] }\n";
	char before[1024], after[1024];
	snprintf(before, sizeof(before), "%s    instances: [ { name: x, subnet: a } ]\n%s", head, lb);
	snprintf(after, sizeof(after), "%s%s", head, lb);
	struct lab *runs, *kept;
	applied(before, after, &runs, &kept);
	ck_assert_uint_eq(runs->vpcs[0].lbs[0].nodes[0].addr, 0x0a000105u);
	ck_assert_uint_eq(kept->vpcs[0].lbs[0].nodes[0].addr, 0x0a000105u);
	size_t len;
	char *text = export_text(kept, &len);
	ck_assert_ptr_nonnull(strstr(text, "{subnet: a, ip: 10.0.1.5}"));
	struct lab *back = check_text("export.yaml", text, len);
	ck_assert_uint_eq(back->vpcs[0].lbs[0].nodes[0].addr, 0x0a000105u);
	round_trip("node", kept);
	lab_free(back);
	free(text);
	lab_free(kept);
	lab_free(runs);
}
END_TEST

/* A model with an auto scaling group's launched instances (as the router and the API load it):
 * the export is the one of the file alone, with public IPs, without the members and their
 * registrations in the group's target groups. */
START_TEST(group_instances_are_left_out)
{
	struct lab_member mb[2] = { 0 };
	for (int i = 0; i < 2; i++) {
		memcpy(mb[i].name, i ? "web-asg-2" : "web-asg-1", sizeof("web-asg-1"));
		snprintf(mb[i].group, sizeof(mb[i].group), "web-asg");
		snprintf(mb[i].subnet, sizeof(mb[i].subnet), i ? "private-b" : "private-a");
		snprintf(mb[i].template_name, sizeof(mb[i].template_name), "web-lt");
		mb[i].registered = true;
		mb[i].public_ip = VL_LT_PUBLIC_YES;   /* holds a pool address a fresh check would give */
		mb[i].src_dst_check = 1;
		mb[i].n_sgs = 1;
		snprintf(mb[i].sgs[0], sizeof(mb[i].sgs[0]), "web");
	}
	struct diag *d = diag_create();
	struct lab *alone = lab_load("rules/asg-alb.yaml", d), *with = lab_load("rules/asg-alb.yaml", d);
	ck_assert_ptr_nonnull(alone);
	ck_assert_ptr_nonnull(with);
	ck_assert_int_eq(lab_add_members(with, mb, 2), 0);
	ck_assert_int_eq(lab_check(alone, d), 0);
	ck_assert_int_eq(lab_check(with, d), 0);
	diag_destroy(d);
	ck_assert_ptr_nonnull(lab_find_instance(with, "web-asg-2"));
	size_t la, lw;
	char *ta = export_text(alone, &la), *tw = export_text(with, &lw);
	ck_assert_ptr_null(strstr(tw, "web-asg-1"));
	ck_assert_str_eq(tw, ta);
	free(ta);
	free(tw);
	lab_free(alone);
	lab_free(with);
}
END_TEST

/* The AWS API's way: a checked model changed in place (an instance and a rule added, as they
 * would be written), then exported. The new instance has no address yet: none is written and
 * the apply's check gives it one; everything else keeps its own. */
START_TEST(model_changed_after_check)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load("rules/demo.yaml", d);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(lab_check(m, d), 0);
	diag_destroy(d);
	struct lab_vpc *v = &m->vpcs[0];
	struct lab_instance *xs = lab_alloc(m, (v->n_instances + 1) * sizeof(*xs));
	memcpy(xs, v->instances, v->n_instances * sizeof(*xs));
	struct lab_instance *nx = &xs[v->n_instances];
	nx->name.s = "new";
	nx->subnet.s = "public";
	nx->eip = nx->subnet_idx = VL_NONE;
	v->instances = xs;
	v->n_instances++;
	struct lab_sg *g = lab_find_sg(m, "web", NULL);
	ck_assert_ptr_nonnull(g);
	struct lab_sg_rule *rs = lab_alloc(m, (g->n_in + 1) * sizeof(*rs));
	memcpy(rs, g->in, g->n_in * sizeof(*rs));
	rs[g->n_in].match.protocol.s = "tcp";
	rs[g->n_in].match.ports.s = "22";
	rs[g->n_in].cidr.s = "198.51.100.10/32";
	g->in = rs;
	g->n_in++;
	size_t len;
	char *text = export_text(m, &len);
	ck_assert_ptr_nonnull(strstr(text, "{name: new, subnet: public}"));
	ck_assert_ptr_nonnull(strstr(text, "{protocol: tcp, ports: 22, cidr: 198.51.100.10/32}"));
	struct lab *back = check_text("export.yaml", text, len);
	ck_assert_uint_eq(lab_find_instance(back, "new")->addr, 0x0a000105u);
	ck_assert_uint_eq(lab_find_instance(back, "admin")->public_addr,
			  lab_find_instance(m, "admin")->public_addr);
	ck_assert_uint_eq(lab_find_sg(back, "web", NULL)->n_in, 3);
	lab_free(back);
	free(text);
	lab_free(m);
}
END_TEST

/* Strings YAML would read otherwise (null-like, numbers, flow indicators, quotes, a newline,
 * '@') come back as written; the export is quoted by libyaml, not by hand. */
START_TEST(awkward_strings_come_back)
{
	static const char text[] =
		"name: s\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"
		"    subnets: [ { name: a, cidr: 10.0.1.0/24, az: \"null\" } ]\n"
		"    security_groups:\n"
		"      - { name: web, description: \"it's: {odd}, [x] # \\\"q\\\"\\n2nd line\", "
		"inbound: [ { protocol: tcp, ports: \"80\", cidr: 0.0.0.0/0 } ], outbound: [] }\n"
		"    instances:\n"
		"      - { name: web, subnet: a, security_groups: [web], run: \"echo '~' && printf '%s\\\\n' \\\"a: b\\\"\" }\n"
		"hosted_zones:\n"
		"  - { name: corp.internal, vpcs: [main], records: [ { name: \"@\", type: TXT, values: [\"\", \"yes\", \"- x\"] } ] }\n";
	struct lab *m = check_text("s.yaml", text, strlen(text));
	size_t len;
	char *out = export_text(m, &len);
	struct lab *back = check_text("export.yaml", out, len);
	ck_assert_str_eq(back->vpcs[0].subnets[0].az.s, "null");
	ck_assert_str_eq(back->vpcs[0].sgs[0].description.s, m->vpcs[0].sgs[0].description.s);
	ck_assert(back->vpcs[0].sgs[0].out_set);
	ck_assert_uint_eq(back->vpcs[0].sgs[0].n_out, 0);
	ck_assert_str_eq(back->vpcs[0].instances[0].run.s, m->vpcs[0].instances[0].run.s);
	const struct lab_record *r = &back->zones[0].records[0];
	ck_assert_str_eq(r->name.s, "@");
	ck_assert_uint_eq(r->values.n, 3);
	ck_assert_str_eq(r->values.v[0].s, "");
	ck_assert_str_eq(r->values.v[1].s, "yes");
	ck_assert_str_eq(r->values.v[2].s, "- x");
	round_trip("awkward", m);
	lab_free(back);
	free(out);
	lab_free(m);
}
END_TEST

START_TEST(unchecked_model_is_refused)
{
	static const char text[] = "vpcs: []\n";
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer("s.yaml", text, strlen(text), d);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(lab_export(m, stdout), -EINVAL);
	ck_assert_int_eq(lab_export(NULL, stdout), -EINVAL);
	lab_free(m);
	diag_destroy(d);
}
END_TEST

Suite *suite_export(void);
Suite *suite_export(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_lab_round_trips);
	tcase_add_test(tc, applied_lab_round_trips);
	tcase_add_test(tc, applied_node_address_round_trips);
	tcase_add_test(tc, group_instances_are_left_out);
	tcase_add_test(tc, model_changed_after_check);
	tcase_add_test(tc, awkward_strings_come_back);
	tcase_add_test(tc, unchecked_model_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
