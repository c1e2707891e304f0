/* `vpclab eip associate EIP INSTANCE` / `vpclab eip disassociate EIP`: the router moves the
 * elastic IP between two turns of its loop and drops the old mapping's internet flows, as AWS
 * does (control/router/eip.c). */
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"
#include "vpclab/ctl.h"

static int cmd_eip(int argc, char **argv)
{
	static const struct option opts[] = {{"lab", required_argument, NULL, 'L'}, CLI_OPT_HELP, {0}};
	const char *given = NULL;
	int o;
	while ((o = cli_next(&cli_eip, argc, argv, "h", opts)) != -1) {
		if (o != 'L')
			return cli_stop(o);
		given = optarg;
	}
	char **w = argv + optind;
	int n = argc - optind;
	if (n == 0)
		return cli_missing(&cli_eip, "associate or disassociate");
	bool assoc = strcmp(w[0], "associate") == 0;
	if (!assoc && strcmp(w[0], "disassociate") != 0) {
		fprintf(stderr, "vpclab: eip: '%s' is not associate or disassociate\n", w[0]);
		return EXIT_USAGE;
	}
	if (n < 2)
		return cli_missing(&cli_eip, "EIP");
	if (assoc && n < 3)
		return cli_missing(&cli_eip, "INSTANCE");
	if (n > (assoc ? 3 : 2))
		return cli_extra(&cli_eip, w[assoc ? 3 : 2]);
	char lab[64], req[VL_CTL_MAX_LINE];
	snprintf(req, sizeof(req), "%s %s %s%s%s", VL_CTL_EIP, w[0], w[1], assoc ? " " : "",
		 assoc ? w[2] : "");
	json_t *ans = NULL;
	int rc = cli_lab(&cli_eip, given, lab, sizeof(lab));
	if (rc == 0)
		rc = cli_request(&cli_eip, lab, req, &ans);
	if (rc)
		return rc;
	const char *inst = json_string_value(json_object_get(ans, "instance"));
	const char *ip = json_string_value(json_object_get(ans, "ip"));
	printf("elastic IP %s (%s) -> %s\n", w[1], ip ? ip : "-", inst ? inst : "not associated");
	json_decref(ans);
	return EXIT_OK;
}

const struct cli_cmd cli_eip = {
	"eip", cmd_eip, "move an elastic IP to an instance, or take it off",
	"usage: vpclab eip associate EIP INSTANCE [--lab LAB]\n"
	"       vpclab eip disassociate EIP [--lab LAB]\n"
	"  moves elastic IP EIP (its name in the lab file) to INSTANCE, or takes it off, while\n"
	"  the lab runs; as in AWS, the internet flows of the old mapping are dropped.\n"
	"  --lab LAB   the lab (default: the only lab on this machine, or $VPCLAB_LAB)\n"
	"exit: 0, 1 not running or no such EIP/instance, 2 usage\n",
};
