/* `vpclab asg` as text (control/cli/asg_print.c) from canned answers of the router in the shape
 * of include/vpclab/ctl.h's `asg`: the whole view of a scaling group word for word (columns
 * aligned, AWS's strings unchanged, one line per event of a cause), then nulls, empty lists, a
 * group with no activity, and malformed or missing fields, which print what is there. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/asg_print.h"

Suite *suite_asg_print(void);

static const char canned[] =
	"{\"groups\": [{\"name\": \"web-asg\", \"vpc\": \"main\", \"launch_template\": \"web-lt\","
	" \"min\": 1, \"desired\": 3, \"max\": 4, \"subnets\": [\"private-a\", \"private-b\"],"
	" \"target_groups\": [\"web-tg\"], \"health_check\": {\"type\": \"elb\", \"grace_period\": 30},"
	" \"metric_period\": 10, \"cooldown\": 30,"
	" \"policies\": ["
	"  {\"name\": \"rps\", \"metric\": \"alb_request_count_per_target\", \"target\": 100,"
	"   \"value\": 212.5, \"above\": 2, \"below\": 0},"
	"  {\"name\": \"cpu\", \"metric\": \"cpu\", \"target\": 12.5, \"value\": null, \"above\": 0,"
	"   \"below\": 0}],"
	" \"instances\": ["
	"  {\"name\": \"web-asg-1\", \"subnet\": \"private-a\", \"az\": \"a\", \"ip\": \"10.0.11.4\","
	"   \"life\": \"InService\", \"health\": \"Healthy\", \"launched\": \"2026-11-25T22:10:00Z\","
	"   \"launch_template\": \"web-lt\"},"
	"  {\"name\": \"web-asg-12\", \"subnet\": \"private-b\", \"az\": \"us-east-1b\","
	"   \"ip\": \"10.0.12.4\", \"life\": \"Terminating\", \"health\": \"Unhealthy\","
	"   \"launched\": \"2026-11-25T22:10:00Z\", \"launch_template\": \"web-lt\"},"
	"  {\"name\": \"web-asg-13\", \"subnet\": \"private-a\", \"az\": \"a\", \"ip\": \"10.0.11.5\","
	"   \"life\": \"Pending\", \"health\": \"Healthy\", \"launched\": \"2026-11-25T22:14:31Z\","
	"   \"launch_template\": \"web-lt\"}],"
	" \"activities\": ["
	"  {\"time\": \"2026-11-25T22:14:31Z\", \"status\": \"InProgress\","
	"   \"description\": \"Launching a new EC2 instance: web-asg-13\","
	"   \"cause\": \"At 2026-11-25T22:14:30Z a monitor alarm TargetTracking-web-asg-AlarmHigh-rps in"
	" state ALARM triggered policy rps changing the desired capacity from 2 to 3.  At"
	" 2026-11-25T22:14:31Z an instance was started in response to a difference between desired"
	" and actual capacity, increasing the capacity from 2 to 3.\","
	"   \"details\": \"alb_request_count_per_target 212.5 > target 100 for 3 periods\"},"
	"  {\"time\": \"2026-11-25T22:10:00Z\", \"status\": \"Successful\","
	"   \"description\": \"Launching a new EC2 instance: web-asg-1\","
	"   \"cause\": \"At 2026-11-25T22:10:00Z a user request created an AutoScalingGroup changing"
	" the desired capacity from 0 to 2.\", \"details\": null}]}]}";

static const char canned_text[] =
	"auto scaling group web-asg (vpc main, launch template web-lt): min 1, desired 3, max 4 in private-a, private-b\n"
	"  target groups web-tg\n"
	"  health check elb, grace period 30 s; metric period 10 s; cooldown 30 s\n"
	"  policy rps: alb_request_count_per_target, target 100; last period: 212.5\n"
	"    periods in a row above the target: 2 of 3 to scale out; below 90% of it: 0 of 15 to scale in\n"
	"  policy cpu: cpu, target 12.5; last period: no data\n"
	"    periods in a row above the target: 0 of 3 to scale out; below 90% of it: 0 of 15 to scale in\n"
	"  instances: 3 (1 InService, 1 Pending, 1 Terminating)\n"
	"    NAME        SUBNET (AZ)             IP         LIFE         HEALTH     LAUNCHED\n"
	"    web-asg-1   private-a (a)           10.0.11.4  InService    Healthy    2026-11-25T22:10:00Z\n"
	"    web-asg-12  private-b (us-east-1b)  10.0.12.4  Terminating  Unhealthy  2026-11-25T22:10:00Z\n"
	"    web-asg-13  private-a (a)           10.0.11.5  Pending      Healthy    2026-11-25T22:14:31Z\n"
	"  activity, newest first:\n"
	"    2026-11-25T22:14:31Z  InProgress  Launching a new EC2 instance: web-asg-13\n"
	"      At 2026-11-25T22:14:30Z a monitor alarm TargetTracking-web-asg-AlarmHigh-rps in state ALARM triggered policy rps changing the desired capacity from 2 to 3.\n"
	"      At 2026-11-25T22:14:31Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 2 to 3.\n"
	"      details: alb_request_count_per_target 212.5 > target 100 for 3 periods\n"
	"    2026-11-25T22:10:00Z  Successful  Launching a new EC2 instance: web-asg-1\n"
	"      At 2026-11-25T22:10:00Z a user request created an AutoScalingGroup changing the desired capacity from 0 to 2.\n";

/* asg_print of the JSON text, as a new string. */
static char *printed(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	ck_assert_msg(j != NULL, "canned JSON: %s", e.text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	asg_print(j, f);
	fclose(f);
	json_decref(j);
	return buf;
}

/* Whether out has a line holding every word of want, in that order. */
static bool has_line(const char *out, const char *const *want, size_t n)
{
	for (const char *line = out; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *at = line;
		size_t i = 0;
		for (; i < n; i++) {
			const char *w = strstr(at, want[i]);
			if (!w || (end && w > end))
				break;
			at = w + strlen(want[i]);
		}
		if (i == n)
			return true;
	}
	return false;
}

#define LINE(out, ...)                                                                     \
	do {                                                                               \
		const char *const w_[] = { __VA_ARGS__ };                                   \
		ck_assert_msg(has_line(out, w_, sizeof(w_) / sizeof(w_[0])),                 \
			      "no line with %s ... in:\n%s", w_[0], out);                   \
	} while (0)

/* The whole view, word for word: what a learner reads is fixed here. */
START_TEST(whole_view)
{
	char *out = printed(canned);
	ck_assert_msg(strcmp(out, canned_text) == 0, "got:\n%s\nwanted:\n%s", out, canned_text);
	free(out);
}
END_TEST

/* An instance launched from another template than the group's now (an apply changed the
 * group's): a TEMPLATE column says which; otherwise there is none. */
START_TEST(template_column)
{
	char *out = printed("{\"groups\": [{\"name\": \"g\", \"launch_template\": \"lt-v2\", \"instances\": ["
			    "{\"name\": \"g-1\", \"launch_template\": \"lt-v1\"},"
			    "{\"name\": \"g-2\", \"launch_template\": \"lt-v2\"}]}]}");
	LINE(out, "NAME", "LAUNCHED", "TEMPLATE");
	LINE(out, "g-1", "lt-v1");
	LINE(out, "g-2", "lt-v2");
	free(out);
	out = printed(canned);
	ck_assert_ptr_null(strstr(out, "TEMPLATE"));
	free(out);
}
END_TEST

START_TEST(nothing_there)
{
	char *out = printed("{\"groups\": []}");
	ck_assert_str_eq(out, "no auto scaling groups\n");
	free(out);
	out = printed("{}");
	ck_assert_str_eq(out, "no auto scaling groups\n");
	free(out);
	out = printed("[1, 2]");   /* not even an object */
	ck_assert_str_eq(out, "no auto scaling groups\n");
	free(out);
	out = printed("{\"groups\": {\"name\": \"web-asg\"}}");   /* an object where the list is */
	ck_assert_str_eq(out, "no auto scaling groups\n");
	free(out);
}
END_TEST

/* A group just created: no policies, no instances (desired 0), no activity; empty lists and
 * absent ones read the same. */
START_TEST(empty_group)
{
	static const char *const texts[] = {
		"{\"groups\": [{\"name\": \"idle\", \"vpc\": \"main\", \"launch_template\": \"lt\","
		" \"min\": 0, \"desired\": 0, \"max\": 2, \"subnets\": [], \"target_groups\": [],"
		" \"health_check\": {\"type\": \"ec2\", \"grace_period\": 300}, \"metric_period\": 60,"
		" \"cooldown\": 300, \"policies\": [], \"instances\": [], \"activities\": []}]}",
		"{\"groups\": [{\"name\": \"idle\", \"vpc\": \"main\", \"launch_template\": \"lt\","
		" \"min\": 0, \"desired\": 0, \"max\": 2, \"health_check\": {\"type\": \"ec2\","
		" \"grace_period\": 300}, \"metric_period\": 60, \"cooldown\": 300}]}",
	};
	for (size_t i = 0; i < 2; i++) {
		char *out = printed(texts[i]);
		ck_assert_str_eq(out,
			"auto scaling group idle (vpc main, launch template lt): min 0, desired 0, max 2\n"
			"  health check ec2, grace period 300 s; metric period 60 s; cooldown 300 s\n"
			"  no scaling policies\n"
			"  no instances\n"
			"  no activity yet\n");
		free(out);
	}
}
END_TEST

/* Two groups: one block each, a blank line between. */
START_TEST(two_groups)
{
	char *out = printed("{\"groups\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
	const char *second = strstr(out, "\n\nauto scaling group b ");
	ck_assert_msg(second != NULL, "%s", out);
	ck_assert_msg(strncmp(out, "auto scaling group a ", 21) == 0, "%s", out);
	ck_assert_ptr_null(strstr(second + 2, "\n\n"));
	free(out);
}
END_TEST

/* Nulls, missing members and wrong types: dashes where a value is missing, the rest printed,
 * never a crash. */
START_TEST(malformed)
{
	char *out = printed(
		"{\"groups\": [{\"name\": 7, \"min\": null, \"desired\": \"two\", \"max\": [4],"
		" \"subnets\": \"private-a\", \"target_groups\": [null, \"tg\"], \"health_check\": \"elb\","
		" \"policies\": [{\"name\": \"p\"}, 3, {\"value\": \"high\", \"target\": 1.25,"
		"  \"above\": true}],"
		" \"instances\": [{\"name\": \"g-1\", \"subnet\": null, \"az\": \"a\"}, \"g-2\","
		"  {\"name\": \"g-3\", \"life\": \"Standby\", \"ip\": 5}],"
		" \"activities\": [{\"time\": null, \"status\": \"Failed\"}, 12,"
		"  {\"description\": \"Terminating EC2 instance: g-1\", \"cause\": 5, \"details\": \"\"},"
		"  {\"cause\": \"At 2026-11-25T22:10:00Z one event. At 2026-11-25T22:10:01Z another.\"}]}]}");
	LINE(out, "auto scaling group 7 (vpc -, launch template -): min -, desired two, max -");
	ck_assert_ptr_null(strstr(out, " in private-a"));   /* a string is not the list */
	LINE(out, "  target groups -, tg");
	LINE(out, "  health check -, grace period - s; metric period - s; cooldown - s");
	LINE(out, "  policy p: -, target -; last period: no data");
	LINE(out, "  policy -: -, target -; last period: no data");
	LINE(out, "  policy -: -, target 1.25; last period: no data");   /* a string is no value */
	LINE(out, "above the target: true of 3");
	LINE(out, "instances: 3 (3 other)");   /* no life, or one AWS does not have */
	LINE(out, "g-1", "a", "-", "-");
	LINE(out, "g-3", "5", "Standby");
	LINE(out, "    -  Failed", "-");
	LINE(out, "    -  -           Terminating EC2 instance: g-1");
	ck_assert_ptr_null(strstr(out, "details:"));   /* empty details: no line */
	LINE(out, "      At 2026-11-25T22:10:00Z one event.");
	LINE(out, "      At 2026-11-25T22:10:01Z another.");
	free(out);
}
END_TEST

/* Numbers as a person writes them: integers without decimals, at most two decimals, no
 * exponent for large byte counts. */
START_TEST(numbers)
{
	char *out = printed("{\"groups\": [{\"name\": \"n\", \"policies\": ["
			    "{\"name\": \"a\", \"metric\": \"network_in\", \"target\": 5000000,"
			    " \"value\": 12345678.0},"
			    "{\"name\": \"b\", \"metric\": \"cpu\", \"target\": 50.0, \"value\": 33.333333},"
			    "{\"name\": \"c\", \"metric\": \"cpu\", \"target\": 0.5, \"value\": 0}]}]}");
	LINE(out, "policy a: network_in, target 5000000; last period: 12345678");
	LINE(out, "policy b: cpu, target 50; last period: 33.33");
	LINE(out, "policy c: cpu, target 0.5; last period: 0");
	free(out);
}
END_TEST

Suite *suite_asg_print(void)
{
	Suite *s = suite_create("asg_print");
	TCase *tc = tcase_create("asg_print");
	tcase_add_test(tc, whole_view);
	tcase_add_test(tc, template_column);
	tcase_add_test(tc, nothing_there);
	tcase_add_test(tc, empty_group);
	tcase_add_test(tc, two_groups);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, numbers);
	suite_add_tcase(s, tc);
	return s;
}
