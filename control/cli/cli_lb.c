/* `vpclab lb [LAB] [NAME] [--json]`: the load balancers of a running lab, from its router
 * (`lb [NAME]`, include/vpclab/ctl.h): nodes, listeners, each target's health with AWS's
 * reason code, and the CloudWatch counters; printed by lb_print.c, or as JSON. */
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/cli/lb_print.h"
#include "control/host/state_labs.h"
#include "vpclab/ctl.h"

/* A load balancer's name as the lab file allows it ([a-z][a-z0-9-]*, at most 15): also what
 * keeps the request one line of two words. */
static bool lb_name_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 15 && s[0] >= 'a' && s[0] <= 'z' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int cmd_lb(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'}, {"lab", required_argument, NULL, 'L'},
		CLI_OPT_HELP, {0},
	};
	const char *given = NULL, *name = NULL;
	bool as_json = false;
	int o;
	while ((o = cli_next(&cli_lb, argc, argv, "h", opts)) != -1) {
		if (o == 'j')
			as_json = true;
		else if (o == 'L')
			given = optarg;
		else
			return cli_stop(o);
	}
	int ops = argc - optind;
	if (ops > (given ? 1 : 2))
		return cli_extra(&cli_lb, argv[optind + (given ? 1 : 2)]);
	if (ops == 2) {
		given = argv[optind];
		name = argv[optind + 1];
	} else if (ops == 1 && !given && state_lab_running(argv[optind])) {
		given = argv[optind];   /* one operand: a running lab's name is the lab */
	} else if (ops == 1) {
		name = argv[optind];
	}
	if (name && !lb_name_ok(name)) {
		fprintf(stderr, "vpclab: lb: '%s' is not a load balancer name ([a-z][a-z0-9-]*, at "
			"most 15)\n", name);
		return EXIT_USAGE;
	}
	char lab[64], req[64];
	snprintf(req, sizeof(req), "%s%s%s", VL_CTL_LB, name ? " " : "", name ? name : "");
	json_t *ans = NULL;
	int rc = cli_lab(&cli_lb, given, lab, sizeof(lab));
	if (rc)
		return rc;
	if ((rc = ctl_request(lab, req, &ans)) < 0)
		return cli_not_running(&cli_lb, lab, rc);
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err) {
		/* the router's words, with the name and lab the user may have mistyped */
		if (name && strstr(err, "no such"))
			fprintf(stderr, "vpclab: lb: %s: '%s' in lab %s\n", err, name, lab);
		else
			fprintf(stderr, "vpclab: lb: %s\n", err);
		json_decref(ans);
		return EXIT_INPUT;
	}
	if (as_json)
		cli_print_json(ans);
	else
		lb_print(ans, stdout);
	json_decref(ans);
	return EXIT_OK;
}

const struct cli_cmd cli_lb = {
	"lb", cmd_lb, "load balancers: nodes, listeners, target health with reasons, counters",
	"usage: vpclab lb [LAB] [NAME] [--json]   (or --lab LAB)\n"
	"  every load balancer of the running lab, or NAME only: its type, scheme and DNS name;\n"
	"  its nodes (subnet, availability zone, private and public IP, namespace); its listeners;\n"
	"  per target group the health check and each target (instance, port, zone, state:\n"
	"  initial, healthy, unhealthy, draining or unused, with AWS's reason code and text);\n"
	"  and its counters under AWS's CloudWatch names (NewFlowCount, HealthyHostCount, ...).\n"
	"  One operand is LAB when a lab of that name runs, else NAME.\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"  --json   the router's answer: {\"load_balancers\": [{name, type, scheme, dns, vpc,\n"
	"           cross_zone, nodes, listeners, target_groups, counters}]}\n"
	"exit: 0, 1 not running or no such load balancer, 2 usage, 3 no permission\n",
};
