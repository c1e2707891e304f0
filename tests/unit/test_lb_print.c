/* `vpclab lb` as text (control/cli/lb_print.c) from a canned answer of the router in the shape
 * of include/vpclab/ctl.h's `lb`: every node, listener, target with its state and AWS reason,
 * and the counters under their CloudWatch names appear; null and missing fields print as "-";
 * an empty answer says there is none. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/lb_print.h"

Suite *suite_lb_print(void);

static const char canned[] =
	"{\"load_balancers\": [{\"name\": \"web-nlb\", \"type\": \"network\","
	" \"scheme\": \"internet-facing\","
	" \"dns\": \"web-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com\", \"vpc\": \"main\","
	" \"cross_zone\": false,"
	" \"nodes\": ["
	"  {\"subnet\": \"public-a\", \"az\": \"us-east-1a\", \"namespace\": \"nlb-web-nlb-public-a\","
	"   \"private_ip\": \"10.0.1.4\", \"public_ip\": \"203.0.113.20\"},"
	"  {\"subnet\": \"public-b\", \"az\": \"us-east-1b\", \"namespace\": \"nlb-web-nlb-public-b\","
	"   \"private_ip\": \"10.0.2.4\", \"public_ip\": null}],"
	" \"listeners\": [{\"protocol\": \"tcp\", \"port\": 80, \"forward\": \"web-tg\", \"idle_timeout\": 350,"
	"  \"rules\": [{\"priority\": 10, \"conditions\": \"host api.example.com\", \"action\": \"forward api-tg\"}]}],"
	" \"target_groups\": [{\"name\": \"web-tg\", \"protocol\": \"tcp\", \"port\": 8080,"
	"  \"health_check\": {\"protocol\": \"http\", \"port\": null, \"path\": \"/health\","
	"   \"interval\": 5, \"timeout\": 2, \"healthy\": 2, \"unhealthy\": 2, \"matcher\": \"200-399\"},"
	"  \"targets\": ["
	"   {\"instance\": \"web1\", \"port\": 8080, \"az\": \"us-east-1a\", \"state\": \"healthy\","
	"    \"reason\": null, \"description\": null},"
	"   {\"instance\": \"web2\", \"port\": 8080, \"az\": \"us-east-1b\", \"state\": \"unhealthy\","
	"    \"reason\": \"Target.FailedHealthChecks\", \"description\": \"Health checks failed\"}]}],"
	" \"counters\": {\"ActiveFlowCount\": 3, \"NewFlowCount\": 20, \"HealthyHostCount\": 1,"
	"  \"UnHealthyHostCount\": 1, \"TCP_ELB_Reset_Count\": 0}}]}";

/* lb_print of the JSON text, as a new string. */
static char *printed(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	ck_assert_msg(j != NULL, "canned JSON: %s", e.text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	lb_print(j, f);
	fclose(f);
	json_decref(j);
	return buf;
}

/* Whether out has a line holding every word of want, in that order, space separated. */
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

START_TEST(everything_shown)
{
	char *out = printed(canned);
	LINE(out, "rule", "10", "host api.example.com", "forward api-tg");
	LINE(out, "load balancer web-nlb", "network", "internet-facing", "vpc main", "cross-zone off");
	LINE(out, "dns web-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com");
	LINE(out, "public-a", "us-east-1a", "10.0.1.4", "203.0.113.20", "nlb-web-nlb-public-a");
	LINE(out, "public-b", "us-east-1b", "10.0.2.4", " - ", "nlb-web-nlb-public-b");
	LINE(out, "listener tcp 80 -> web-tg", "idle timeout 350 s");
	LINE(out, "target group web-tg", "tcp 8080");
	LINE(out, "health check http traffic-port", "/health", "200-399", "every 5 s", "timeout 2 s");
	LINE(out, "INSTANCE", "PORT", "AZ", "STATE", "REASON");
	LINE(out, "web1", "8080", "us-east-1a", "healthy", "-");
	LINE(out, "web2", "8080", "us-east-1b", "unhealthy", "Target.FailedHealthChecks",
	     "Health checks failed");
	LINE(out, "NewFlowCount", "20");
	LINE(out, "HealthyHostCount", "1");
	LINE(out, "UnHealthyHostCount", "1");
	LINE(out, "ActiveFlowCount", "3");
	free(out);
}
END_TEST

START_TEST(empty_and_partial)
{
	char *out = printed("{\"load_balancers\": []}");
	ck_assert_str_eq(out, "no load balancers\n");
	free(out);
	/* A load balancer without groups or counters, a target without reason: no crash, dashes. */
	out = printed("{\"load_balancers\": [{\"name\": \"in\", \"type\": \"network\","
		      " \"target_groups\": [{\"name\": \"tg\", \"targets\": [{\"instance\": \"a\"}]}]}]}");
	LINE(out, "load balancer in", "network", "-");
	LINE(out, "no nodes");
	LINE(out, "a", "-", "-", "-", "-");
	ck_assert_ptr_null(strstr(out, "counters"));
	free(out);
	out = printed("{\"load_balancers\": [{\"name\": \"x\", \"target_groups\": [{\"name\": \"g\","
		      " \"health_check\": {\"protocol\": \"tcp\", \"port\": 8081}, \"targets\": []}]}]}");
	LINE(out, "health check tcp port 8081");
	LINE(out, "no registered targets");
	free(out);
}
END_TEST

Suite *suite_lb_print(void)
{
	Suite *s = suite_create("lb_print");
	TCase *tc = tcase_create("lb_print");
	tcase_add_test(tc, everything_shown);
	tcase_add_test(tc, empty_and_partial);
	suite_add_tcase(s, tc);
	return s;
}
