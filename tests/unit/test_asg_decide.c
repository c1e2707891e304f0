/* The auto scaling decisions (control/router/asg_*.c) on synthetic metric series: AWS's alarm
 * streaks (out after exactly 3 high periods, in after exactly 15 low), no-data periods, min/max,
 * several policies, warm-up, cooldown, zone balance, unhealthy replacement, set-desired limits,
 * metric helpers and the activity wording. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "control/router/asg_decide.h"

Suite *suite_asg_decide(void);

#define T0 1795644600ull /* 2026-11-25T22:10:00Z */

static struct asg_config cfg1(void)
{
	return (struct asg_config){.name = "web-asg", .min = 1, .max = 10, .metric_period_s = 60, .cooldown_s = 300,
				   .health_type = ASG_HC_ELB, .grace_s = 30, .n_policies = 1,
				   .policies = {{.name = "rps", .metric = ASG_M_ALB_RPT, .target = 100}}};
}

static struct asg_sample v(double x)
{
	return (struct asg_sample){.has_data = 1, .value = x};
}

static const struct asg_sample none = {0};

/* One period of a one-policy group: the decision's direction. */
static int step1(const struct asg_config *c, struct asg_tt_state *st, struct asg_sample s, uint32_t desired,
		 uint64_t now, struct asg_tt_decision *d)
{
	asg_tt_step(c, st, &s, desired, 0, 0, now, d);
	return d->dir;
}

START_TEST(scale_out_after_exactly_three_high_periods)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	ck_assert_int_eq(step1(&c, &st, v(150), 2, T0 - 120, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &st, v(150), 2, T0 - 60, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &st, v(212), 2, T0, &d), ASG_TT_OUT);
	ck_assert_uint_eq(d.from, 2);
	ck_assert_uint_eq(d.to, 5); /* ceil(2 * 212 / 100) */
	ck_assert_int_eq(d.policy, 0);
	char buf[256];
	ck_assert_str_eq(asg_tt_cause(&c, &d, T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z a monitor alarm TargetTracking-web-asg-AlarmHigh-rps in state ALARM "
			 "triggered policy rps changing the desired capacity from 2 to 5.");
	ck_assert_str_eq(asg_tt_reason(&c, &d, buf, sizeof(buf)),
			 "alb_request_count_per_target 212 > target 100 for 3 periods");
}
END_TEST

START_TEST(high_streak_broken_by_low_or_equal_period)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	step1(&c, &st, v(150), 2, T0, &d);
	step1(&c, &st, v(150), 2, T0, &d);
	ck_assert_int_eq(step1(&c, &st, v(90), 2, T0, &d), ASG_TT_NONE);
	step1(&c, &st, v(150), 2, T0, &d);
	step1(&c, &st, v(150), 2, T0, &d);
	ck_assert_int_eq(step1(&c, &st, v(100), 2, T0, &d), ASG_TT_NONE); /* at target: neither */
	step1(&c, &st, v(150), 2, T0, &d);
	step1(&c, &st, v(150), 2, T0, &d);
	ck_assert_int_eq(step1(&c, &st, v(150), 2, T0, &d), ASG_TT_OUT);
	ck_assert_uint_eq(d.to, 3);
}
END_TEST

START_TEST(scale_in_after_exactly_fifteen_low_periods)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	for (int i = 0; i < 14; i++)
		ck_assert_int_eq(step1(&c, &st, v(40), 4, T0 + 60u * i, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &st, v(40), 4, T0 + 60u * 14, &d), ASG_TT_IN);
	ck_assert_uint_eq(d.from, 4);
	ck_assert_uint_eq(d.to, 2); /* ceil(4 * 40 / 100): the metric stays at or under target */
	char buf[256];
	ck_assert_str_eq(asg_tt_cause(&c, &d, T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z a monitor alarm TargetTracking-web-asg-AlarmLow-rps in state ALARM "
			 "triggered policy rps changing the desired capacity from 4 to 2.");
	ck_assert_str_eq(asg_tt_reason(&c, &d, buf, sizeof(buf)),
			 "alb_request_count_per_target 40 < 90 (90% of target 100) for 15 periods");
}
END_TEST

START_TEST(no_data_counts_toward_neither)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	/* many quiet periods: nothing, however long (AWS: INSUFFICIENT_DATA) */
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(step1(&c, &st, none, 4, T0 + 60u * i, &d), ASG_TT_NONE);
	/* a quiet period neither counts as high nor breaks the streak */
	step1(&c, &st, v(150), 2, T0, &d);
	step1(&c, &st, v(150), 2, T0, &d);
	ck_assert_int_eq(step1(&c, &st, none, 2, T0, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &st, v(150), 2, T0, &d), ASG_TT_OUT);
	/* nor as low */
	struct asg_tt_state s2 = {0};
	for (int i = 0; i < 14; i++)
		step1(&c, &s2, v(10), 4, T0, &d);
	ck_assert_int_eq(step1(&c, &s2, none, 4, T0, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &s2, v(10), 4, T0, &d), ASG_TT_IN);
}
END_TEST

START_TEST(never_past_min_or_max)
{
	struct asg_config c = cfg1();
	c.max = 4;
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	step1(&c, &st, v(1000), 3, T0, &d);
	step1(&c, &st, v(1000), 3, T0, &d);
	ck_assert_int_eq(step1(&c, &st, v(1000), 3, T0, &d), ASG_TT_OUT);
	ck_assert_uint_eq(d.to, 4);
	/* at max: the alarm stays but nothing changes */
	ck_assert_int_eq(step1(&c, &st, v(1000), 4, T0, &d), ASG_TT_NONE);
	ck_assert_uint_eq(d.to, 4);

	c.min = 2;
	struct asg_tt_state s2 = {0};
	for (int i = 0; i < 14; i++)
		step1(&c, &s2, v(1), 4, T0, &d);
	ck_assert_int_eq(step1(&c, &s2, v(1), 4, T0, &d), ASG_TT_IN);
	ck_assert_uint_eq(d.to, 2);
	/* at min: nothing (and no cooldown started) */
	struct asg_tt_state s3 = {0};
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(step1(&c, &s3, v(1), 2, T0, &d), ASG_TT_NONE);
	ck_assert_int_eq(s3.scaled_in, 0);
}
END_TEST

static struct asg_config cfg2(void)
{
	struct asg_config c = cfg1();
	c.n_policies = 2;
	c.policies[1] = (struct asg_policy){.name = "cpu", .metric = ASG_M_CPU, .target = 50};
	return c;
}

START_TEST(several_policies_out_if_any_in_if_all)
{
	struct asg_config c = cfg2();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	struct asg_sample s[2] = {v(20), v(90)}; /* requests low, cpu high */
	asg_tt_step(&c, &st, s, 2, 0, 0, T0, &d);
	asg_tt_step(&c, &st, s, 2, 0, 0, T0, &d);
	asg_tt_step(&c, &st, s, 2, 0, 0, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_OUT);
	ck_assert_int_eq(d.policy, 1);
	ck_assert_uint_eq(d.to, 4); /* ceil(2 * 90 / 50) */
	/* both high: the larger capacity wins */
	struct asg_tt_state s2 = {0};
	struct asg_sample h[2] = {v(300), v(60)};
	for (int i = 0; i < 3; i++)
		asg_tt_step(&c, &s2, h, 2, 0, 0, T0, &d);
	ck_assert_int_eq(d.policy, 0);
	ck_assert_uint_eq(d.to, 6);

	/* in: cpu low for 15 periods but requests only for 10: nothing */
	struct asg_tt_state s3 = {0};
	struct asg_sample l[2] = {v(100), v(10)};
	for (int i = 0; i < 5; i++)
		asg_tt_step(&c, &s3, l, 6, 0, 0, T0, &d);
	l[0] = v(50);
	for (int i = 0; i < 14; i++) {
		asg_tt_step(&c, &s3, l, 6, 0, 0, T0, &d);
		ck_assert_int_eq(d.dir, ASG_TT_NONE);
	}
	/* the 15th low period of requests: in, by the smallest reduction (requests: 3; cpu: 2) */
	asg_tt_step(&c, &s3, l, 6, 0, 0, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_IN);
	ck_assert_int_eq(d.policy, 0);
	ck_assert_uint_eq(d.to, 3);

	/* one policy without data: no scale-in */
	struct asg_tt_state s4 = {0};
	struct asg_sample q[2] = {none, v(10)};
	for (int i = 0; i < 30; i++) {
		asg_tt_step(&c, &s4, q, 6, 0, 0, T0, &d);
		ck_assert_int_eq(d.dir, ASG_TT_NONE);
	}
	/* a policy that wants out vetoes a scale-in another wants */
	struct asg_tt_state s5 = {0};
	struct asg_sample m[2] = {v(10), v(10)};
	for (int i = 0; i < 14; i++)
		asg_tt_step(&c, &s5, m, 6, 0, 0, T0, &d);
	m[1] = v(51);
	for (int i = 0; i < 3; i++)
		asg_tt_step(&c, &s5, m, 6, 0, 0, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_OUT);
	ck_assert_int_eq(d.policy, 1);
	ck_assert_uint_eq(d.to, 7);
}
END_TEST

START_TEST(warmup_excludes_new_instances)
{
	struct asg_config c = cfg1();
	struct asg_instance in = {.name = "web-asg-3", .life = ASG_IN_SERVICE, .launch_s = T0};
	ck_assert(!asg_in_metric(&c, &in, T0 + 299)); /* default warm-up: the cooldown (AWS) */
	ck_assert(asg_in_metric(&c, &in, T0 + 300));
	c.cooldown_s = 0; /* neither: one metric period */
	ck_assert(!asg_in_metric(&c, &in, T0 + 59));
	ck_assert(asg_in_metric(&c, &in, T0 + 60));
	c.warmup_s = 120;
	ck_assert(!asg_in_metric(&c, &in, T0 + 119));
	ck_assert(asg_in_metric(&c, &in, T0 + 120));
	in.life = ASG_PENDING;
	ck_assert(!asg_in_metric(&c, &in, T0 + 1000));
	in.life = ASG_TERMINATING;
	ck_assert(!asg_in_metric(&c, &in, T0 + 1000));

	/* desired 4 of which 2 warm up: the 2 measured at 150 need 3, already covered */
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	struct asg_sample s = v(150);
	for (int i = 0; i < 3; i++)
		asg_tt_step(&c, &st, &s, 4, 2, 2, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_NONE);
	/* the alarm stays in ALARM: with more load next period it adds what is missing */
	s = v(250);
	asg_tt_step(&c, &st, &s, 4, 2, 2, T0 + 60, &d);
	ck_assert_int_eq(d.dir, ASG_TT_OUT);
	ck_assert_uint_eq(d.to, 5);

	/* instances in warm-up block a scale-in (AWS), until they are done */
	struct asg_tt_state s2 = {0};
	s = v(10);
	for (int i = 0; i < 20; i++) {
		asg_tt_step(&c, &s2, &s, 4, 3, 1, T0, &d);
		ck_assert_int_eq(d.dir, ASG_TT_NONE);
		ck_assert_int_eq(d.in_warmup, i >= 14); /* held once the low alarm fires */
	}
	asg_tt_step(&c, &s2, &s, 4, 4, 0, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_IN);
	ck_assert_uint_eq(d.to, 1);
}
END_TEST

START_TEST(scale_in_only_below_ninety_percent)
{
	/* AWS's AlarmLow threshold is 90% of the target: 95 of 100 never scales in, 89 does */
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	for (int i = 0; i < 30; i++)
		ck_assert_int_eq(step1(&c, &st, v(95), 4, T0, &d), ASG_TT_NONE);
	for (int i = 0; i < 14; i++)
		ck_assert_int_eq(step1(&c, &st, v(89), 4, T0, &d), ASG_TT_NONE);
	ck_assert_int_eq(step1(&c, &st, v(70), 4, T0, &d), ASG_TT_IN);
	ck_assert_uint_eq(d.to, 3); /* ceil(4 * 70 / 100) */
}
END_TEST

START_TEST(cooldown_between_scale_ins)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	uint64_t t = T0;
	for (int i = 0; i < 15; i++, t += 60)
		step1(&c, &st, v(60), 8, t, &d);
	ck_assert_int_eq(d.dir, ASG_TT_IN);
	ck_assert_uint_eq(d.to, 5);
	uint64_t in_at = t - 60;
	/* still low: held by the 300 s cooldown */
	for (; t < in_at + 300; t += 60) {
		ck_assert_int_eq(step1(&c, &st, v(40), 5, t, &d), ASG_TT_NONE);
		ck_assert_int_eq(d.in_cooldown, 1);
	}
	ck_assert_int_eq(step1(&c, &st, v(40), 5, t, &d), ASG_TT_IN);
	ck_assert_uint_eq(d.to, 2);
	/* cooldown does not hold a scale-out */
	step1(&c, &st, v(500), 2, t + 60, &d);
	step1(&c, &st, v(500), 2, t + 120, &d);
	ck_assert_int_eq(step1(&c, &st, v(500), 2, t + 180, &d), ASG_TT_OUT);
}
END_TEST

static const struct asg_subnet sn3[] = {{"private-a", "az1"}, {"private-b", "az2"}, {"private-c", "az1"}};

static struct asg_instance inst(const char *name, int subnet, uint64_t launch, uint32_t seq)
{
	struct asg_instance i = {.life = ASG_IN_SERVICE, .subnet = subnet, .launch_s = launch, .seq = seq};
	strcpy(i.name, name);
	return i;
}

START_TEST(launch_balances_zones)
{
	struct asg_config c = cfg1();
	struct asg_instance in[] = {inst("web-asg-1", 0, T0, 1)};
	struct asg_action a[8];
	uint32_t seq = 2;
	int n = asg_reconcile(&c, sn3, 3, in, 1, 4, T0, &seq, a, 8);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(seq, 5);
	/* az2 has none; then az1/az2 tie: the first subnet in order (private-a, az1); then az2 */
	ck_assert_int_eq(a[0].act, ASG_A_LAUNCH);
	ck_assert_int_eq(a[0].subnet, 1);
	ck_assert_str_eq(a[0].name, "web-asg-2");
	ck_assert_int_eq(a[1].subnet, 0);
	ck_assert_str_eq(a[1].name, "web-asg-3");
	ck_assert_int_eq(a[2].subnet, 1);
	ck_assert_str_eq(a[2].name, "web-asg-4");
	ck_assert_uint_eq(a[0].from, 1);
	ck_assert_uint_eq(a[2].to, 4);
	char buf[256];
	ck_assert_str_eq(asg_action_description(&a[0], buf, sizeof(buf)), "Launching a new EC2 instance: web-asg-2");
	ck_assert_str_eq(asg_action_cause(&a[0], T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z an instance was started in response to a difference between desired "
			 "and actual capacity, increasing the capacity from 1 to 2.");

	/* an empty group of 2 over two zones: one in each; names never reused */
	n = asg_reconcile(&c, sn3, 2, NULL, 0, 2, T0, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(a[0].subnet, 0);
	ck_assert_int_eq(a[1].subnet, 1);
	ck_assert_str_eq(a[0].name, "web-asg-5");
	ck_assert_str_eq(a[1].name, "web-asg-6");
	/* terminating instances do not count */
	struct asg_instance t[] = {inst("web-asg-1", 0, T0, 1)};
	t[0].life = ASG_TERMINATING;
	n = asg_reconcile(&c, sn3, 2, t, 1, 1, T0, &seq, a, 8);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(a[0].act, ASG_A_LAUNCH);
	ck_assert_int_eq(a[0].subnet, 0);
}
END_TEST

START_TEST(terminate_zone_with_most_then_oldest)
{
	struct asg_config c = cfg1();
	struct asg_instance in[] = {inst("web-asg-4", 0, T0 + 100, 4), inst("web-asg-2", 2, T0 + 50, 2),
				    inst("web-asg-1", 1, T0 + 10, 1)};
	struct asg_action a[8];
	uint32_t seq = 5;
	int n = asg_reconcile(&c, sn3, 3, in, 3, 1, T0 + 200, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(seq, 5);
	/* az1 has two: its oldest first (not web-asg-1, the oldest of all, alone in az2) */
	ck_assert_int_eq(a[0].act, ASG_A_TERMINATE);
	ck_assert_str_eq(a[0].name, "web-asg-2");
	ck_assert_int_eq(a[0].instance, 1);
	/* then a tie of one each: the oldest */
	ck_assert_str_eq(a[1].name, "web-asg-1");
	ck_assert_uint_eq(a[1].from, 2);
	ck_assert_uint_eq(a[1].to, 1);
	char buf[256];
	ck_assert_str_eq(asg_action_description(&a[0], buf, sizeof(buf)), "Terminating EC2 instance: web-asg-2");
	ck_assert_str_eq(asg_action_cause(&a[0], T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z an instance was taken out of service in response to a difference "
			 "between desired and actual capacity, shrinking the capacity from 3 to 2.");
	/* same launch time: the lowest N; an instance outside the group's subnets goes first */
	struct asg_instance s[] = {inst("web-asg-7", 0, T0, 7), inst("web-asg-6", 0, T0, 6),
				   inst("web-asg-9", 1, T0 + 5, 9), inst("web-asg-8", -1, T0 + 9, 8)};
	n = asg_reconcile(&c, sn3, 3, s, 4, 2, T0 + 200, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(a[0].name, "web-asg-8");
	ck_assert_str_eq(a[1].name, "web-asg-6");
	/* at desired: the one outside the group's subnets is replaced inside; the others stay */
	n = asg_reconcile(&c, sn3, 3, s, 4, 4, T0, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(a[0].act, ASG_A_TERMINATE);
	ck_assert_str_eq(a[0].name, "web-asg-8");
	ck_assert_int_eq(a[1].act, ASG_A_LAUNCH);
	ck_assert_int_ge(a[1].subnet, 0);
	/* all inside and at desired: nothing */
	s[3].subnet = 2;
	ck_assert_int_eq(asg_reconcile(&c, sn3, 3, s, 4, 4, T0, &seq, a, 8), 0);
}
END_TEST

START_TEST(unhealthy_replaced_after_grace)
{
	struct asg_config c = cfg1(); /* elb, grace 30 */
	struct asg_instance in[] = {inst("web-asg-1", 0, T0, 1), inst("web-asg-2", 1, T0, 2)};
	struct asg_action a[8];
	uint32_t seq = 3;
	in[1].elb_unhealthy = 1;
	/* within the grace period: left alone */
	ck_assert_int_eq(asg_reconcile(&c, sn3, 2, in, 2, 2, T0 + 29, &seq, a, 8), 0);
	/* after it: terminated, then a replacement in its zone */
	int n = asg_reconcile(&c, sn3, 2, in, 2, 2, T0 + 30, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(a[0].act, ASG_A_TERMINATE);
	ck_assert_int_eq(a[0].why, ASG_W_ELB_HEALTH);
	ck_assert_str_eq(a[0].name, "web-asg-2");
	ck_assert_int_eq(a[1].act, ASG_A_LAUNCH);
	ck_assert_int_eq(a[1].subnet, 1);
	ck_assert_str_eq(a[1].name, "web-asg-3");
	char buf[256];
	ck_assert_str_eq(asg_action_cause(&a[0], T0 + 30, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:30Z an instance was taken out of service in response to an ELB system "
			 "health check failure.");
	ck_assert_str_eq(asg_action_cause(&a[1], T0 + 30, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:30Z an instance was started in response to a difference between desired "
			 "and actual capacity, increasing the capacity from 1 to 2.");

	/* health type ec2 ignores the target group; an exited process is unhealthy at once */
	c.health_type = ASG_HC_EC2;
	ck_assert_int_eq(asg_unhealthy(&c, &in[1], T0 + 100), -1);
	ck_assert_int_eq(asg_reconcile(&c, sn3, 2, in, 2, 2, T0 + 100, &seq, a, 8), 0);
	in[0].run_exited = 1;
	ck_assert_int_eq(asg_unhealthy(&c, &in[0], T0 + 1), ASG_W_EC2_HEALTH);
	n = asg_reconcile(&c, sn3, 2, in, 2, 2, T0 + 1, &seq, a, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(a[0].name, "web-asg-1");
	ck_assert_int_eq(a[0].why, ASG_W_EC2_HEALTH);
	ck_assert_int_eq(a[1].subnet, 0);
	ck_assert_str_eq(a[1].name, "web-asg-4");
	ck_assert_str_eq(asg_action_cause(&a[0], T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z an instance was taken out of service in response to an EC2 health "
			 "check indicating it has been terminated or stopped.");
	/* a terminating instance is not checked again */
	in[0].life = ASG_TERMINATING;
	ck_assert_int_eq(asg_unhealthy(&c, &in[0], T0 + 1), -1);
}
END_TEST

START_TEST(reconcile_errors_keep_sequence)
{
	struct asg_config c = cfg1();
	struct asg_action a[2];
	uint32_t seq = 7;
	ck_assert_int_eq(asg_reconcile(&c, sn3, 2, NULL, 0, 3, T0, &seq, a, 2), -ENOSPC);
	ck_assert_uint_eq(seq, 7);
	strcpy(c.name, "abcdefghijk"); /* 11 characters: GROUP-10 would pass 15 */
	seq = 10000;
	ck_assert_int_eq(asg_reconcile(&c, sn3, 2, NULL, 0, 1, T0, &seq, a, 2), -ENAMETOOLONG);
	ck_assert_uint_eq(seq, 10000);
}
END_TEST

START_TEST(set_desired_limits)
{
	struct asg_config c = cfg1();
	c.max = 4;
	char err[160];
	ck_assert_int_eq(asg_set_desired_check(&c, 5, err, sizeof(err)), -ERANGE);
	ck_assert_str_eq(err, "New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.");
	ck_assert_int_eq(asg_set_desired_check(&c, 0, err, sizeof(err)), -ERANGE);
	ck_assert_str_eq(err, "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.");
	ck_assert_int_eq(asg_set_desired_check(&c, -1, err, sizeof(err)), -ERANGE);
	ck_assert_int_eq(asg_set_desired_check(&c, 4, err, sizeof(err)), 0);
	ck_assert_int_eq(asg_set_desired_check(&c, 1, err, sizeof(err)), 0);
	char buf[200];
	ck_assert_str_eq(asg_set_desired_cause(2, 3, T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z a user request explicitly set group desired capacity changing the "
			 "desired capacity from 2 to 3.");
}
END_TEST

START_TEST(group_texts_and_clamp)
{
	char buf[256];
	ck_assert_str_eq(asg_create_cause(2, T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z a user request created an AutoScalingGroup changing the desired "
			 "capacity from 0 to 2.");
	ck_assert_str_eq(asg_update_cause(1, 2, 3, 2, T0, buf, sizeof(buf)),
			 "At 2026-11-25T22:10:00Z a user request update of AutoScalingGroup constraints to min: 1, "
			 "max: 2, desired: 2 changing the desired capacity from 3 to 2.");
	struct asg_config c = cfg1();
	c.min = 2, c.max = 4;
	ck_assert_uint_eq(asg_clamp(&c, 7), 4);
	ck_assert_uint_eq(asg_clamp(&c, 0), 2);
	ck_assert_uint_eq(asg_clamp(&c, 3), 3);
	char name[64];
	ck_assert_str_eq(asg_alarm_name(&c, 0, 0, name, sizeof(name)), "TargetTracking-web-asg-AlarmLow-rps");
}
END_TEST

START_TEST(metric_helpers)
{
	ck_assert_double_eq_tol(asg_cpu_percent(1000000, 1030000, 60000), 50.0, 1e-9);
	ck_assert_double_eq_tol(asg_cpu_percent(0, 120000, 60000), 200.0, 1e-9); /* two cores busy */
	ck_assert(asg_cpu_percent(5, 4, 60000) < 0);
	ck_assert(asg_cpu_percent(5, 6, 0) < 0);

	struct asg_sample s = asg_alb_rpt(1000, 1424, 2);
	ck_assert_int_eq(s.has_data, 1);
	ck_assert_double_eq_tol(s.value, 212.0, 1e-9);
	ck_assert_int_eq(asg_alb_rpt(1000, 1000, 2).has_data, 0); /* no request: no datapoint */
	ck_assert_int_eq(asg_alb_rpt(1000, 1100, 0).has_data, 0);

	double cpu[] = {80, -1, 20};
	s = asg_average(cpu, 3);
	ck_assert_int_eq(s.has_data, 1);
	ck_assert_double_eq_tol(s.value, 50.0, 1e-9);
	double unk[] = {-1};
	ck_assert_int_eq(asg_average(unk, 1).has_data, 0);
	ck_assert_int_eq(asg_average(NULL, 0).has_data, 0);

	double net[] = {asg_bytes_delta(100, 1100), asg_bytes_delta(0, 3000)};
	ck_assert_double_eq_tol(asg_average(net, 2).value, 2000.0, 1e-9);
	ck_assert_double_eq_tol(asg_bytes_delta(500, 100), 0.0, 1e-9);
	ck_assert_str_eq(asg_metric_name(ASG_M_NET_OUT), "network_out");
	ck_assert_str_eq(asg_metric_name(ASG_M_CPU), "cpu");
}
END_TEST

START_TEST(proportional_rounding)
{
	struct asg_config c = cfg1();
	struct asg_tt_state st = {0};
	struct asg_tt_decision d;
	/* 3 * 100.0000001 / 100 is just over 3: at least one more instance, not a rounding no-op */
	for (int i = 0; i < 3; i++)
		step1(&c, &st, v(101), 3, T0, &d);
	ck_assert_int_eq(d.dir, ASG_TT_OUT);
	ck_assert_uint_eq(d.to, 4);
	/* 2 * 150 / 100 is exactly 3 */
	struct asg_tt_state s2 = {0};
	for (int i = 0; i < 3; i++)
		step1(&c, &s2, v(150), 2, T0, &d);
	ck_assert_uint_eq(d.to, 3);
	char buf[64];
	ck_assert_str_eq(asg_time(T0 + 3600 * 24 * 7 + 5, buf, sizeof(buf)), "2026-12-02T22:10:05Z");
}
END_TEST

Suite *suite_asg_decide(void)
{
	Suite *s = suite_create("asg_decide");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, scale_out_after_exactly_three_high_periods);
	tcase_add_test(tc, high_streak_broken_by_low_or_equal_period);
	tcase_add_test(tc, scale_in_after_exactly_fifteen_low_periods);
	tcase_add_test(tc, no_data_counts_toward_neither);
	tcase_add_test(tc, never_past_min_or_max);
	tcase_add_test(tc, several_policies_out_if_any_in_if_all);
	tcase_add_test(tc, warmup_excludes_new_instances);
	tcase_add_test(tc, scale_in_only_below_ninety_percent);
	tcase_add_test(tc, cooldown_between_scale_ins);
	tcase_add_test(tc, launch_balances_zones);
	tcase_add_test(tc, terminate_zone_with_most_then_oldest);
	tcase_add_test(tc, unhealthy_replaced_after_grace);
	tcase_add_test(tc, reconcile_errors_keep_sequence);
	tcase_add_test(tc, set_desired_limits);
	tcase_add_test(tc, group_texts_and_clamp);
	tcase_add_test(tc, metric_helpers);
	tcase_add_test(tc, proportional_rounding);
	suite_add_tcase(s, tc);
	return s;
}
