/* Auto Scaling in the lab model (load_asg.c, check_asg.c, compile_asg.c): launch templates and
 * groups compile into tables_asg.h with AWS's defaults for every key left out and every key's
 * value when given; each check reports its error at its FILE:LINE:COL (the '@' in a case marks
 * the place); `vpclab check` prints them; lab_has_asgs says what up/apply/test refuse. The
 * plan of a change is tests/unit/labs/diff/asg.*. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "labtest.h"

Suite *suite_asg_model(void);

/* Lines 1-17; a case's text starts at line 18, inside VPC main; OTHER follows it. */
#define BASE                                                                               \
	"vpcs:\n"                                                                          \
	"  - name: main\n"                                                                 \
	"    cidr: 10.0.0.0/16\n"                                                          \
	"    internet_gateway: true\n"                                                     \
	"    subnets:\n"                                                                   \
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"                                  \
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"                                  \
	"    security_groups: [ { name: web }, { name: alb-sg } ]\n"                       \
	"    instances: [ { name: app-1, subnet: a } ]\n"                                  \
	"    target_groups:\n"                                                             \
	"      - { name: tg, protocol: http, port: 80 }\n"                                 \
	"      - { name: ntg, protocol: tcp, port: 80 }\n"                                 \
	"    load_balancers:\n"                                                            \
	"      - { name: alb, subnets: [a, b], security_groups: [alb-sg], listeners: [ { protocol: http, port: 80, default: tg } ] }\n" \
	"      - { name: nlb, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: ntg } ] }\n" \
	"    launch_templates:\n"                                                          \
	"      - { name: lt, security_groups: [web], run: \"sleep 1000\" }\n"
#define OTHER                                                                              \
	"  - name: other\n"                                                                \
	"    cidr: 10.1.0.0/16\n"                                                          \
	"    subnets: [ { name: o, cidr: 10.1.1.0/24, az: a } ]\n"                         \
	"    target_groups: [ { name: otg, protocol: http, port: 80 } ]\n"                 \
	"    launch_templates: [ { name: olt } ]\n"

#define G "    auto_scaling_groups:\n"

static struct vl_tables *compile_text(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static int subnet_index(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_subnets; i++)
		if (!strcmp(t->subnets[i].name, name))
			return i;
	ck_abort_msg("no subnet %s", name);
	return -1;
}

static int sg_index(const struct vl_tables *t, const char *name, uint16_t vpc)
{
	for (uint16_t i = 0; i < t->n_sgs; i++)
		if (!strcmp(t->sgs[i].name, name) && t->sgs[i].vpc == vpc)
			return i;
	ck_abort_msg("no security group %s", name);
	return -1;
}

START_TEST(defaults_are_aws_defaults)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE
		"      - { name: bare }\n"
		G "      - { name: web, launch_template: bare, subnets: [a], min: 1, max: 3 }\n" OTHER);
	ck_assert_uint_eq(t->n_launch_templates, 3);
	ck_assert_uint_eq(t->n_asgs, 1);
	ck_assert_uint_eq(t->n_asg_policies, 0);
	const struct vl_launch_template *lt = &t->launch_templates[1];
	ck_assert_str_eq(lt->name, "bare");
	ck_assert_uint_eq(lt->vpc, 0);
	ck_assert_uint_eq(lt->sg_count, 1);
	ck_assert_int_eq(lt->sgs[0], sg_index(t, "default", 0));
	ck_assert_uint_eq(lt->public_ip, VL_LT_PUBLIC_SUBNET);   /* the subnet decides */
	ck_assert_uint_eq(lt->src_dst_check, 1);
	ck_assert_str_eq(lt->run, "");
	ck_assert_str_eq(t->launch_templates[0].run, "sleep 1000");
	ck_assert_str_eq(t->launch_templates[2].name, "olt");
	ck_assert_uint_eq(t->launch_templates[2].vpc, 1);
	const struct vl_asg *g = &t->asgs[0];
	ck_assert_str_eq(g->name, "web");
	ck_assert_uint_eq(g->template, 1);
	ck_assert_uint_eq(g->min, 1);
	ck_assert_uint_eq(g->desired, 1);   /* AWS: DesiredCapacity defaults to MinSize */
	ck_assert_uint_eq(g->max, 3);
	ck_assert_uint_eq(g->subnet_count, 1);
	ck_assert_int_eq(g->subnets[0], subnet_index(t, "a"));
	ck_assert_uint_eq(g->tg_count, 0);
	ck_assert_uint_eq(g->health, VL_ASG_HEALTH_EC2);
	ck_assert_uint_eq(g->grace_s, 300);
	ck_assert_uint_eq(g->cooldown_s, 300);
	ck_assert_uint_eq(g->metric_period_s, 60);
	ck_assert_uint_eq(g->policy_count, 0);
	ck_assert(lab_has_asgs(r.m));
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(every_key_compiles)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE
		"      - { name: full, security_groups: [alb-sg, web], public_ip: true, source_dest_check: false }\n"
		G "      - name: web\n"
		"        launch_template: full\n"
		"        subnets: [b, a]\n"
		"        min: 0\n"
		"        desired: 2\n"
		"        max: 32\n"
		"        target_groups: [ntg, tg]\n"
		"        health_check: { type: elb, grace_period: 0 }\n"
		"        metric_period: 5\n"
		"        cooldown: 0\n"
		"        policies:\n"
		"          - { name: rps, type: target_tracking, metric: alb_request_count_per_target, target: 100 }\n"
		"          - { name: cpu, type: target_tracking, metric: cpu, target: 12.5 }\n"
		"          - { name: in, type: target_tracking, metric: network_in, target: 1000000 }\n"
		"          - { name: out, type: target_tracking, metric: network_out, target: 0.001 }\n"
		"      - { name: two, launch_template: lt, subnets: [a], min: 1, max: 1,\n"
		"          policies: [ { name: rps, type: target_tracking, metric: cpu, target: 100 } ] }\n"
		OTHER);
	const struct vl_launch_template *lt = &t->launch_templates[1];
	ck_assert_uint_eq(lt->public_ip, VL_LT_PUBLIC_YES);
	ck_assert_uint_eq(lt->src_dst_check, 0);
	ck_assert_uint_eq(lt->sg_count, 2);
	ck_assert_int_eq(lt->sgs[0], sg_index(t, "alb-sg", 0));
	ck_assert_int_eq(lt->sgs[1], sg_index(t, "web", 0));
	ck_assert_uint_eq(t->n_asgs, 2);
	const struct vl_asg *g = &t->asgs[0];
	ck_assert_uint_eq(g->min, 0);
	ck_assert_uint_eq(g->desired, 2);
	ck_assert_uint_eq(g->max, 32);
	ck_assert_uint_eq(g->subnet_count, 2);
	ck_assert_int_eq(g->subnets[0], subnet_index(t, "b"));   /* the file's order */
	ck_assert_int_eq(g->subnets[1], subnet_index(t, "a"));
	ck_assert_uint_eq(g->tg_count, 2);
	ck_assert_str_eq(t->tgs[g->tgs[0]].name, "ntg");
	ck_assert_str_eq(t->tgs[g->tgs[1]].name, "tg");
	ck_assert_uint_eq(g->health, VL_ASG_HEALTH_ELB);
	ck_assert_uint_eq(g->grace_s, 0);
	ck_assert_uint_eq(g->cooldown_s, 0);
	ck_assert_uint_eq(g->metric_period_s, 5);
	ck_assert_uint_eq(g->policy_first, 0);
	ck_assert_uint_eq(g->policy_count, 4);
	ck_assert_uint_eq(t->n_asg_policies, 5);
	const struct vl_asg_policy *p = t->asg_policies;
	ck_assert_str_eq(p[0].name, "rps");
	ck_assert_uint_eq(p[0].type, VL_ASG_TARGET_TRACKING);
	ck_assert_uint_eq(p[0].metric, VL_ASG_ALB_REQUESTS);
	ck_assert_uint_eq(p[0].target_milli, 100000);
	ck_assert_str_eq(t->tgs[p[0].tg].name, "tg");   /* the one behind the application LB */
	ck_assert_uint_eq(p[1].metric, VL_ASG_CPU);
	ck_assert_uint_eq(p[1].target_milli, 12500);
	ck_assert_uint_eq(p[1].tg, VL_NONE);
	ck_assert_uint_eq(p[2].metric, VL_ASG_NET_IN);
	ck_assert_uint_eq(p[2].target_milli, 1000000000ull);
	ck_assert_uint_eq(p[3].metric, VL_ASG_NET_OUT);
	ck_assert_uint_eq(p[3].target_milli, 1);
	ck_assert_uint_eq(t->asgs[1].policy_first, 4);   /* a name may repeat across groups */
	ck_assert_uint_eq(t->asgs[1].policy_count, 1);
	ck_assert_str_eq(p[4].name, "rps");
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(check_prints_templates_and_groups)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE
		G "      - name: web\n"
		"        launch_template: lt\n"
		"        subnets: [a, b]\n"
		"        min: 1\n"
		"        max: 4\n"
		"        target_groups: [tg]\n"
		"        health_check: { type: elb, grace_period: 30 }\n"
		"        policies: [ { name: rps, type: target_tracking, metric: alb_request_count_per_target, target: 99.25 } ]\n"
		OTHER);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	check_print_asgs(t, f);
	fclose(f);
	ck_assert_str_eq(buf,
		"  launch template lt: security groups web; public ip the subnet's map_public_ip; run: sleep 1000\n"
		"  launch template olt: security groups default; public ip the subnet's map_public_ip\n"
		"  auto scaling group web (launch template lt): min 1, desired 1, max 4 in a, b\n"
		"    target groups tg\n"
		"    health check elb, grace period 30 s; metric period 60 s; cooldown 300 s\n"
		"    policy rps: target tracking alb_request_count_per_target 99.25 (target group tg)\n");
	free(buf);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(a_lab_without_groups)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE OTHER);
	ck_assert(!lab_has_asgs(r.m));
	ck_assert_uint_eq(t->n_asgs, 0);
	ck_assert_uint_eq(t->n_launch_templates, 2);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* Each case: text from line 18 with '@' where the error is, and the message after "L:C: ". */
struct bad {
	const char *yaml, *msg;
};

#define GRP(rest) G "      - { name: g, launch_template: lt, subnets: [a], " rest " }\n"

static const struct bad bad[] = {
	/* The loader. */
	{ GRP("min: 0, max: 1, @minn: 1"), "error: unknown key 'minn' in auto scaling group" },
	{ GRP("min: 0, max: 1, health_check: { @grace: 1 }"),
	  "error: unknown key 'grace' in auto scaling health check" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: cpu, target: 5, @warmup: 1 } ]"),
	  "error: unknown key 'warmup' in scaling policy" },
	{ "      - { name: l2, @user_data: x }\n", "error: unknown key 'user_data' in launch template" },
	{ G "      - @{ name: g, launch_template: lt, subnets: [a], min: 0 }\n",
	  "error: missing required key 'max' in auto scaling group" },
	{ GRP("min: 0, max: 1, policies: [ @{ name: p, type: target_tracking, metric: cpu } ]"),
	  "error: missing required key 'target' in scaling policy" },
	/* Names. */
	{ "      - { name: @lt }\n", "error: launch template name 'lt' is already used by the launch template at 17:17" },
	{ G "      - { name: g, launch_template: lt, subnets: [a], min: 0, max: 1 }\n"
	    "      - { name: @g, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group name 'g' is already used by the auto scaling group at 19:17" },
	{ G "      - { name: @Web, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group name 'Web' must match [a-z][a-z0-9-]*" },
	{ G "      - { name: @webservers1, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group name 'webservers1' is longer than 10 characters: its instances "
	  "are named webservers1-N, at most 15 characters" },
	{ G "      - { name: @app, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group 'app' names its instances app-N: the instance 'app-1' at 9:26 "
	  "would clash with one" },
	{ G "      - { name: @app-1, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group name 'app-1' is already used by the instance at 9:26" },
	{ G "      - { name: @alb, launch_template: lt, subnets: [a], min: 0, max: 1 }\n",
	  "error: auto scaling group name 'alb' is already used by the load balancer at 14:17" },
	/* Sizes. */
	{ GRP("min: @3, max: 2"), "error: min 3 is greater than max 2" },
	{ GRP("min: 2, desired: @1, max: 3"), "error: desired 1 is less than min 2" },
	{ GRP("min: 2, desired: @4, max: 3"), "error: desired 4 is greater than max 3" },
	{ GRP("min: 0, max: @33"), "error: max 33 is out of range 0..32" },
	{ GRP("min: @-1, max: 3"), "error: min -1 is out of range 0..32" },
	/* References. */
	{ G "      - { name: g, launch_template: lt, subnets: [a, @o], min: 0, max: 1 }\n",
	  "error: subnet 'o' is in vpc 'other', not in vpc 'main'" },
	{ G "      - { name: g, launch_template: lt, subnets: [@zz], min: 0, max: 1 }\n",
	  "error: unknown subnet 'zz'" },
	{ G "      - { name: g, launch_template: lt, subnets: [a, @a], min: 0, max: 1 }\n",
	  "error: subnet 'a' is listed twice" },
	{ G "      - { name: g, launch_template: lt, subnets: @[], min: 0, max: 1 }\n",
	  "error: auto scaling group 'g' needs at least one subnet" },
	{ G "      - { name: g, launch_template: @olt, subnets: [a], min: 0, max: 1 }\n",
	  "error: launch template 'olt' is in vpc 'other', not in vpc 'main'" },
	{ G "      - { name: g, launch_template: @nope, subnets: [a], min: 0, max: 1 }\n",
	  "error: unknown launch template 'nope'" },
	{ GRP("min: 0, max: 1, target_groups: [@otg]"),
	  "error: target group 'otg' is in vpc 'other', not in vpc 'main'" },
	{ GRP("min: 0, max: 1, target_groups: [tg, @tg]"), "error: target group 'tg' is listed twice" },
	{ "      - { name: l2, security_groups: [@nope] }\n", "error: unknown security group 'nope'" },
	{ "      - { name: l2, security_groups: @[] }\n",
	  "error: launch template 'l2' needs at least one security group (leave 'security_groups' "
	  "out for 'default')" },
	{ "      - { name: l2, run: @\" \" }\n",
	  "error: 'run' of launch template 'l2' is empty: give a command line or leave the key out" },
	/* Health and periods. */
	{ GRP("min: 0, max: 1, health_check: { type: @elb }"),
	  "error: health check type elb of auto scaling group 'g' needs target_groups: elb health "
	  "is what its target groups report" },
	{ GRP("min: 0, max: 1, health_check: { type: @ping }"),
	  "error: health check type 'ping' is not one of ec2, elb" },
	{ GRP("min: 0, max: 1, health_check: { grace_period: @-1 }"),
	  "error: grace_period -1 is out of range 0..86400" },
	{ GRP("min: 0, max: 1, cooldown: @86401"), "error: cooldown 86401 is out of range 0..86400" },
	{ GRP("min: 0, max: 1, metric_period: @4"), "error: metric_period 4 is out of range 5..3600" },
	/* Policies. */
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: @step_scaling, metric: cpu, target: 5 } ]"),
	  "error: policy type 'step_scaling' is not target_tracking (the only type the lab runs)" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: @memory, target: 5 } ]"),
	  "error: metric 'memory' is not one of cpu, alb_request_count_per_target, network_in, "
	  "network_out" },
	{ GRP("min: 0, max: 1, target_groups: [ntg], policies: [ { name: p, type: target_tracking, metric: @alb_request_count_per_target, target: 5 } ]"),
	  "error: metric alb_request_count_per_target needs one of the group's target_groups behind "
	  "an application load balancer" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: cpu, target: @0 } ]"),
	  "error: target '0' is not a number above 0 (at most 3 decimals)" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: network_in, target: @1.2345 } ]"),
	  "error: target '1.2345' is not a number above 0 (at most 3 decimals)" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: network_in, target: @-5 } ]"),
	  "error: target '-5' is not a number above 0 (at most 3 decimals)" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: cpu, target: @100.5 } ]"),
	  "error: target '100.5' of metric cpu is a percentage: at most 100" },
	{ GRP("min: 0, max: 1, policies: [ { name: p, type: target_tracking, metric: cpu, target: 5 }, { name: @p, type: target_tracking, metric: network_in, target: 5 } ]"),
	  "error: policy name 'p' is already used by the policy at 19:91" },
	{ GRP("min: 0, max: 1, policies: [ { name: @P1, type: target_tracking, metric: cpu, target: 5 } ]"),
	  "error: policy name 'P1' must match [a-z][a-z0-9-]*, at most 15 characters" },
};

START_TEST(each_check_at_its_place)
{
	const struct bad *b = &bad[_i];
	char yaml[4096], want[512];
	struct lt r = { 0 };
	const char *mark = strchr(b->yaml, '@');
	ck_assert_ptr_nonnull(mark);
	int line = 18, col = 1;
	for (const char *p = b->yaml; p < mark; p++, col++)
		if (*p == '\n')
			line++, col = 0;
	snprintf(yaml, sizeof(yaml), "%s%.*s%s%s", BASE, (int)(mark - b->yaml), b->yaml, mark + 1,
		 OTHER);
	snprintf(want, sizeof(want), "%d:%d: %s", line, col, b->msg);
	lt_run(&r, yaml);
	ck_assert_msg(lt_has(&r, want), "case %d: want\n  %s\ngot\n%s", _i, want, r.out);
	ck_assert_msg(r.errors == 1, "case %d: %d errors:\n%s", _i, r.errors, r.out);
	lt_done(&r);
}
END_TEST

/* A load balancer node's namespace LAB-LBNAME-SUBNET that a group's GROUP-N would take. */
START_TEST(a_node_namespace_clashes)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n"
		   "  - name: main\n"
		   "    cidr: 10.0.0.0/16\n"
		   "    subnets: [ { name: asg-1, cidr: 10.0.1.0/24, az: a } ]\n"
		   "    load_balancers: [ { name: web, type: network, subnets: [asg-1] } ]\n"
		   "    launch_templates: [ { name: lt } ]\n"
		   "    auto_scaling_groups:\n"
		   "      - { name: web-asg, launch_template: lt, subnets: [asg-1], min: 0, max: 1 }\n");
	ck_assert_msg(lt_has(&r, "8:17: error: auto scaling group 'web-asg' names its instances "
			     "web-asg-N: the namespace of load balancer 'web''s node in subnet "
			     "'asg-1' (5:61) would be one's: rename one"), "%s", r.out);
	ck_assert_msg(r.errors == 1, "%s", r.out);
	lt_done(&r);
}
END_TEST

START_TEST(the_example_passes)
{
	struct lt r = { 0 };
	lt_run_path(&r, "rules/asg-alb.yaml");
	ck_assert_msg(r.errors == 0 && r.warnings == 0, "%s", r.out);
	ck_assert(lab_has_asgs(r.m));
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->n_asgs, 1);
	ck_assert_uint_eq(t->asgs[0].min, 1);
	ck_assert_uint_eq(t->asgs[0].tg_count, 1);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

Suite *suite_asg_model(void)
{
	Suite *s = suite_create("asg_model");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, defaults_are_aws_defaults);
	tcase_add_test(tc, every_key_compiles);
	tcase_add_test(tc, check_prints_templates_and_groups);
	tcase_add_test(tc, a_lab_without_groups);
	tcase_add_loop_test(tc, each_check_at_its_place, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, a_node_namespace_clashes);
	tcase_add_test(tc, the_example_passes);
	suite_add_tcase(s, tc);
	return s;
}
