/* lb_health.c's state machine (lbh_step) and AWS's reason codes and descriptions: a new target
 * healthy at its first pass, unhealthy after `unhealthy` consecutive failures (from initial or
 * healthy), healthy again only after `healthy` consecutive passes, the last failure's reason,
 * and draining/unused targets left alone. */
#include <check.h>
#include <string.h>

#include "control/router/lb_health.h"
#include "dataplane/lb.h"

Suite *suite_lb_health(void);

static const struct vl_health_check hc = {.proto = VL_HC_HTTP, .healthy = 3, .unhealthy = 2,
					  .interval_s = 5, .timeout_s = 2, .match_lo = 200, .match_hi = 399};

static struct lbh_target fresh(void)
{
	return (struct lbh_target){.tg = "tg", .instance = "web1", .port = 80, .state = LB_T_INITIAL,
				   .reason = LBH_R_INITIAL};
}

START_TEST(initial_one_pass_is_healthy)
{
	struct lbh_target e = fresh();
	lbh_step(&e, &hc, LBC_PASS, 200);
	ck_assert_int_eq(e.state, LB_T_HEALTHY);
	ck_assert_int_eq(e.reason, LBH_R_NONE);
	ck_assert_ptr_null(lbh_reason_code(e.reason));
}
END_TEST

START_TEST(initial_fails_to_unhealthy_after_threshold)
{
	struct lbh_target e = fresh();
	lbh_step(&e, &hc, LBC_TIMEOUT, 0);
	ck_assert_int_eq(e.state, LB_T_INITIAL);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Elb.InitialHealthChecking");
	lbh_step(&e, &hc, LBC_TIMEOUT, 0);
	ck_assert_int_eq(e.state, LB_T_UNHEALTHY);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.Timeout");
	char buf[96];
	ck_assert_str_eq(lbh_description(&e, buf, sizeof(buf)), "Request timed out");
}
END_TEST

START_TEST(healthy_needs_consecutive_failures)
{
	struct lbh_target e = fresh();
	lbh_step(&e, &hc, LBC_PASS, 200);
	lbh_step(&e, &hc, LBC_FAILED, 0);
	lbh_step(&e, &hc, LBC_PASS, 200); /* the run of failures is broken */
	lbh_step(&e, &hc, LBC_FAILED, 0);
	ck_assert_int_eq(e.state, LB_T_HEALTHY);
	lbh_step(&e, &hc, LBC_CODE, 404);
	ck_assert_int_eq(e.state, LB_T_UNHEALTHY);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.ResponseCodeMismatch");
	char buf[96];
	ck_assert_str_eq(lbh_description(&e, buf, sizeof(buf)), "Health checks failed with these codes: [404]");
}
END_TEST

START_TEST(unhealthy_needs_healthy_passes)
{
	struct lbh_target e = fresh();
	lbh_step(&e, &hc, LBC_FAILED, 0);
	lbh_step(&e, &hc, LBC_FAILED, 0);
	ck_assert_int_eq(e.state, LB_T_UNHEALTHY);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.FailedHealthChecks");
	lbh_step(&e, &hc, LBC_PASS, 200);
	lbh_step(&e, &hc, LBC_PASS, 200);
	lbh_step(&e, &hc, LBC_TIMEOUT, 0); /* starts the count again, and is the reason now */
	ck_assert_int_eq(e.state, LB_T_UNHEALTHY);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.Timeout");
	lbh_step(&e, &hc, LBC_PASS, 200);
	lbh_step(&e, &hc, LBC_PASS, 200);
	ck_assert_int_eq(e.state, LB_T_UNHEALTHY);
	lbh_step(&e, &hc, LBC_PASS, 200);
	ck_assert_int_eq(e.state, LB_T_HEALTHY);
	ck_assert_int_eq(e.reason, LBH_R_NONE);
}
END_TEST

START_TEST(draining_and_unused_stay)
{
	struct lbh_target e = fresh();
	e.state = LB_T_DRAINING;
	e.reason = LBH_R_DRAINING;
	lbh_step(&e, &hc, LBC_PASS, 200);
	ck_assert_int_eq(e.state, LB_T_DRAINING);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.DeregistrationInProgress");
	e.state = LB_T_UNUSED;
	e.reason = LBH_R_NO_ZONE;
	lbh_step(&e, &hc, LBC_FAILED, 0);
	ck_assert_int_eq(e.state, LB_T_UNUSED);
	ck_assert_str_eq(lbh_reason_code(e.reason), "Target.NotInUse");
}
END_TEST

Suite *suite_lb_health(void)
{
	Suite *s = suite_create("lb_health");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, initial_one_pass_is_healthy);
	tcase_add_test(tc, initial_fails_to_unhealthy_after_threshold);
	tcase_add_test(tc, healthy_needs_consecutive_failures);
	tcase_add_test(tc, unhealthy_needs_healthy_passes);
	tcase_add_test(tc, draining_and_unused_stay);
	suite_add_tcase(s, tc);
	return s;
}
