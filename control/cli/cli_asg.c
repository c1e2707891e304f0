/* `vpclab asg [LAB] [NAME] [--json]` and `vpclab asg [LAB] set-desired NAME N`: the auto scaling
 * groups of a running lab from its router (`asg [NAME]`, `asg-set-desired NAME N`,
 * include/vpclab/ctl.h), printed by asg_print.c or as JSON; set-desired is AWS's
 * SetDesiredCapacity, its limits (min..max) checked by the router with AWS's error text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/asg_print.h"
#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/host/state_labs.h"
#include "vpclab/ctl.h"

#define SET_DESIRED "set-desired"   /* 11 characters: never a group's name (at most 10) */

/* A group's name as the lab file allows it ([a-z][a-z0-9-]*, at most 10: GROUP-N stays within
 * 15): also what keeps the request one line of words. */
static bool group_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 10 && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int bad_group_name(const char *s)
{
	fprintf(stderr, "vpclab: asg: '%s' is not an auto scaling group name ([a-z][a-z0-9-]*, at "
		"most 10)\n", s);
	return EXIT_USAGE;
}

/* The router's error on stderr, with the name and lab the user may have mistyped. Exit 1 (the
 * lab said no: no such group, N outside min..max), 3 when the router says it was not the
 * input ("input": false: it could not do it). */
static int router_error(const json_t *ans, const char *err, const char *name, const char *lab)
{
	if (name && strstr(err, "no such"))
		fprintf(stderr, "vpclab: asg: %s: '%s' in lab %s\n", err, name, lab);
	else
		fprintf(stderr, "vpclab: asg: %s\n", err);
	return json_is_false(json_object_get(ans, "input")) ? EXIT_SYSTEM : EXIT_INPUT;
}

/* Asks lab's router req; prints the answer (as JSON, or with text() when there is no error). */
static int ask(const char *given, const char *req, const char *name, bool as_json,
	       void (*text)(const json_t *ans))
{
	char lab[64];
	json_t *ans = NULL;
	int rc = cli_lab(&cli_asg, given, lab, sizeof(lab));
	if (rc)
		return rc;
	if ((rc = ctl_request(lab, req, &ans)) < 0)
		return cli_not_running(&cli_asg, lab, rc);
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err)
		rc = router_error(ans, err, name, lab);
	else if (as_json)
		cli_print_json(ans);
	else
		text(ans);
	json_decref(ans);
	return rc;
}

static void show_groups(const json_t *ans)
{
	asg_print(ans, stdout);
}

/* "web-asg: desired capacity 2 -> 3": the launches and terminations follow in `vpclab asg`. */
static void show_set(const json_t *ans)
{
	const json_t *from = json_object_get(ans, "from"), *to = json_object_get(ans, "to");
	const char *group = json_string_value(json_object_get(ans, "group"));
	printf("%s: desired capacity ", group ? group : "-");
	if (json_is_integer(from))
		printf("%lld", (long long)json_integer_value(from));
	else
		fputs("-", stdout);
	if (json_is_integer(to))
		printf(" -> %lld", (long long)json_integer_value(to));
	else
		fputs(" -> -", stdout);
	if (json_is_integer(from) && json_is_integer(to) &&
	    json_integer_value(from) == json_integer_value(to))
		fputs(" (unchanged)", stdout);
	putchar('\n');
}

/* set-desired NAME N: w holds what follows the word set-desired. */
static int set_desired(const char *given, char **w, int n, bool as_json)
{
	if (n < 1)
		return cli_missing(&cli_asg, "NAME");
	if (n < 2)
		return cli_missing(&cli_asg, "N");
	if (n > 2)
		return cli_extra(&cli_asg, w[2]);
	if (!group_name_ok(w[0]))
		return bad_group_name(w[0]);
	/* any count goes to the router: it answers with AWS's words when N is outside min..max
	 * (digits only: no sign, no spaces; at most 9 of them, so that it is an int anywhere) */
	size_t len = strlen(w[1]);
	if (len == 0 || len > 9 || strspn(w[1], "0123456789") != len)
		return cli_bad_value(&cli_asg, "N", w[1], "a number of instances");
	char req[64];
	snprintf(req, sizeof(req), "%s %s %ld", VL_CTL_ASG_SET_DESIRED, w[0], strtol(w[1], NULL, 10));
	return ask(given, req, w[0], as_json, show_set);
}

static int cmd_asg(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'}, {"lab", required_argument, NULL, 'L'},
		CLI_OPT_HELP, {0},
	};
	const char *given = NULL, *name = NULL;
	bool as_json = false;
	int o;
	while ((o = cli_next(&cli_asg, argc, argv, "h", opts)) != -1) {
		if (o == 'j')
			as_json = true;
		else if (o == 'L')
			given = optarg;
		else
			return cli_stop(o);
	}
	char **w = argv + optind;
	int ops = argc - optind;
	/* set-desired comes first, or second after LAB (a lab may be named set-desired) */
	if (ops >= 2 && !given && strcmp(w[1], SET_DESIRED) == 0)
		return set_desired(w[0], w + 2, ops - 2, as_json);
	if (ops >= 1 && strcmp(w[0], SET_DESIRED) == 0)
		return set_desired(given, w + 1, ops - 1, as_json);
	if (ops > (given ? 1 : 2))
		return cli_extra(&cli_asg, w[given ? 1 : 2]);
	if (ops == 2) {
		given = w[0];
		name = w[1];
	} else if (ops == 1 && !given && (state_lab_running(w[0]) || !group_name_ok(w[0]))) {
		/* one operand: a running lab's name is the lab, and so is what cannot be a group's
		 * name (a lab that is not running is then said to be so) */
		given = w[0];
	} else if (ops == 1) {
		name = w[0];
	}
	if (name && !group_name_ok(name))
		return bad_group_name(name);
	char req[64];
	snprintf(req, sizeof(req), "%s%s%s", VL_CTL_ASG, name ? " " : "", name ? name : "");
	return ask(given, req, name, as_json, show_groups);
}

const struct cli_cmd cli_asg = {
	"asg", cmd_asg, "auto scaling groups: instances, lifecycle, policies, activity",
	"usage: vpclab asg [LAB] [NAME] [--json]   (or --lab LAB)\n"
	"       vpclab asg [LAB] set-desired NAME N [--json]\n"
	"  every auto scaling group of the running lab, or NAME only: its launch template,\n"
	"  min/desired/max, subnets, target groups, health check and periods; each target\n"
	"  tracking policy with the last period's metric value and how many periods in a row it\n"
	"  was above the target (3 scale out) or below 90% of it (15 scale in); its instances\n"
	"  (subnet, zone, IP, lifecycle Pending/InService/Terminating, health, launch time); and\n"
	"  its activity, newest first, with AWS's description and cause.\n"
	"  One operand is LAB when a lab of that name runs (or it cannot be a group's name),\n"
	"  else NAME.\n"
	"  set-desired NAME N   set the group's desired capacity to N (AWS's SetDesiredCapacity):\n"
	"           the group launches or terminates instances to reach it; N outside the\n"
	"           group's min..max is refused with AWS's ValidationError (exit 1)\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"  --json   the router's answer: {\"groups\": [{name, vpc, launch_template, min, desired,\n"
	"           max, subnets, target_groups, health_check, metric_period, cooldown, policies,\n"
	"           instances, activities}]}; set-desired: {ok, group, from, to}\n"
	"exit: 0, 1 not running, no such group or N outside min..max, 2 usage, 3 no permission\n",
};
