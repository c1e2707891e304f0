/* `vpclab status` as text (control/cli/status_print.c) from a canned status object: a lab
 * without auto scaling groups prints as it always has, byte for byte; a group's instance (its
 * port has "group") gets the group in a last column, the other lines staying the same. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/status_print.h"

Suite *suite_status_print(void);

#define PORT_WEB "{\"name\": \"web\", \"kind\": \"instance\", \"eni\": \"eni-0123456789abcdef0\"," \
	" \"vpc\": \"main\", \"subnet\": \"a\", \"ip\": \"10.0.1.10\", \"public_ip\": \"203.0.113.5\"," \
	" \"security_groups\": [\"web\", \"admin\"], \"rx_packets\": 10, \"tx_packets\": 12, \"drops\": 1," \
	" \"tap_dropped\": 0}"
#define PORT_CLIENT "{\"name\": \"client\", \"kind\": \"internet-host\", \"ip\": \"198.51.100.10\"," \
	" \"rx_packets\": 3, \"tx_packets\": 4, \"drops\": 0, \"tap_dropped\": null}"
#define PORT_ASG(group) "{\"name\": \"web-asg-1\", \"kind\": \"instance\"," \
	" \"eni\": \"eni-00000000000000001\", \"vpc\": \"main\", \"subnet\": \"private-a\"," \
	" \"ip\": \"10.0.11.4\", \"public_ip\": null, \"security_groups\": [\"web\"], \"rx_packets\": 5," \
	" \"tx_packets\": 6, \"drops\": 0, \"tap_dropped\": 0, \"group\": " group "}"
#define TAIL "], \"forwarded\": 20, \"arp_replies\": 2, \"drops\": {\"sg_ingress\": 1, \"no_route\": 0}," \
	" \"flow_logs\": {\"rotations\": 0}}"
#define HEAD "{\"lab\": \"shop\", \"pid\": 4242, \"ports\": ["

/* What status printed before groups existed (commit c47d733), for this lab. */
static const char plain_text[] =
	"lab shop: running, router pid 4242\n"
	"\n"
	"NAME            KIND      ENI                   VPC             SUBNET          PRIVATE IP      PUBLIC IP       SECURITY GROUPS            RX       TX  DROPS  TAPDROP\n"
	"web             instance  eni-0123456789abcdef0 main            a               10.0.1.10       203.0.113.5     web,admin                  10       12      1        0\n"
	"client          internet  -                     -               -               198.51.100.10   -               -                           3        4      0        -\n"
	"\n"
	"forwarded 20, arp replies 2\n"
	"drops by reason:\n"
	"  sg_ingress           1\n";

static char *printed(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	ck_assert_msg(j != NULL, "canned JSON: %s", e.text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	status_print(j, f);
	fclose(f);
	json_decref(j);
	return buf;
}

/* The n-th line of s (from 0), as a new string. */
static char *line_of(const char *s, int n)
{
	for (; n > 0 && s; n--)
		s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
	ck_assert_ptr_nonnull(s);
	return strndup(s, strcspn(s, "\n"));
}

START_TEST(without_groups_unchanged)
{
	char *out = printed(HEAD PORT_WEB ", " PORT_CLIENT TAIL);
	ck_assert_msg(strcmp(out, plain_text) == 0, "got:\n%s\nwanted:\n%s", out, plain_text);
	free(out);
	/* "group": null or not a string is no group */
	out = printed(HEAD PORT_WEB ", " PORT_CLIENT ", " PORT_ASG("null") TAIL);
	ck_assert_ptr_null(strstr(out, "AUTO SCALING GROUP"));
	free(out);
}
END_TEST

START_TEST(group_instance_marked)
{
	char *out = printed(HEAD PORT_WEB ", " PORT_ASG("\"web-asg\"") ", " PORT_CLIENT TAIL);
	char *head = line_of(out, 2), *web = line_of(out, 3), *asg = line_of(out, 4),
	     *client = line_of(out, 5), *plain_head = line_of(plain_text, 2);
	/* the header gains the last column; the other ports' lines are the same */
	ck_assert_int_eq(strncmp(head, plain_head, strlen(plain_head)), 0);
	ck_assert_str_eq(head + strlen(plain_head), "  AUTO SCALING GROUP");
	char *pweb = line_of(plain_text, 3), *pclient = line_of(plain_text, 4);
	ck_assert_str_eq(web, pweb);
	ck_assert_str_eq(client, pclient);
	/* the group's instance: its usual columns, then the group */
	ck_assert_int_eq(strncmp(asg, "web-asg-1       instance  eni-00000000000000001 main", 52), 0);
	size_t n = strlen(asg);
	ck_assert_msg(n > 9 && strcmp(asg + n - 9, "  web-asg") == 0, "%s", asg);
	ck_assert_int_eq((int)n, (int)(strlen(pweb) + 9));
	free(head), free(web), free(asg), free(client), free(plain_head), free(pweb), free(pclient);
	free(out);
}
END_TEST

Suite *suite_status_print(void)
{
	Suite *s = suite_create("status_print");
	TCase *tc = tcase_create("status_print");
	tcase_add_test(tc, without_groups_unchanged);
	tcase_add_test(tc, group_instance_marked);
	suite_add_tcase(s, tc);
	return s;
}
