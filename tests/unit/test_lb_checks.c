/* `checks:` that name a load balancer as `to` (vpclab test): the checker resolves the name to
 * the load balancer, and the address a probe sends to is its node's, public from the internet
 * and private from inside its VPC, as `vpclab trace` resolves it; rules/nlb.yaml's checks load. */
#include <check.h>
#include <string.h>

#include "control/tools/trace.h"
#include "dataplane/tables.h"
#include "labtest.h"

Suite *suite_lb_checks(void);

static uint16_t port_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (strcmp(t->ports[i].name, name) == 0)
			return i;
	ck_abort_msg("no port %s", name);
	return 0;
}

START_TEST(a_load_balancer_is_a_check_target)
{
	struct lt r;
	lt_run_path(&r, "rules/nlb.yaml");
	ck_assert_msg(r.errors == 0, "%s", r.out);
	ck_assert_uint_ge(r.m->n_checks, 2);
	const struct lab_check *k = &r.m->checks[0];
	ck_assert_str_eq(k->to.s, "web-nlb");
	ck_assert_int_eq(k->to_kind, LAB_REF_LB);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_lt(k->to_idx, t->n_lbs);
	ck_assert_str_eq(t->lbs[k->to_idx].name, "web-nlb");
	const struct vl_lb *b = &t->lbs[k->to_idx];
	const struct vl_port *node = &t->ports[t->lb_nodes[b->node_first]];
	uint32_t ip = 0;
	ck_assert_int_eq(trace_resolve(t, port_named(t, "ext"), "web-nlb", &ip), 0);
	ck_assert_uint_eq(ip, node->public_ip);              /* from the internet: public */
	ck_assert_int_eq(trace_resolve(t, port_named(t, "web1"), "web-nlb", &ip), 0);
	ck_assert_uint_eq(ip, node->ip);                     /* from its VPC: private */
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(an_unknown_target_names_load_balancers_too)
{
	struct lt r;
	lt_run(&r, "vpcs:\n"
		   "  - name: main\n"
		   "    cidr: 10.0.0.0/16\n"
		   "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
		   "    instances: [ { name: web, subnet: a } ]\n"
		   "checks:\n"
		   "  - { from: web, to: nlb, protocol: tcp, port: 80, expect: allow }\n");
	ck_assert_int_eq(r.errors, 1);
	ck_assert_msg(strstr(r.out, "unknown check target 'nlb': not an instance, an internet host, "
			     "a load balancer, an elastic ip or an ipv4 address") != NULL, "%s", r.out);
	lt_done(&r);
}
END_TEST

Suite *suite_lb_checks(void)
{
	Suite *s = suite_create("lb_checks");
	TCase *tc = tcase_create("lb_checks");
	tcase_add_test(tc, a_load_balancer_is_a_check_target);
	tcase_add_test(tc, an_unknown_target_names_load_balancers_too);
	suite_add_tcase(s, tc);
	return s;
}
