/* `vpclab status` (one lab, from its router: status_print.c) and `vpclab list` (every lab on
 * this machine, from /run/vpclab and each router's status). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/cli/status_print.h"
#include "control/host/state_labs.h"
#include "vpclab/ctl.h"

static const struct option json_opts[] = {{"json", no_argument, NULL, 'j'}, CLI_OPT_HELP, {0}};
static const struct option status_opts[] = {
	{"json", no_argument, NULL, 'j'}, {"lab", required_argument, NULL, 'L'}, CLI_OPT_HELP, {0},
};

void cli_print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	putchar('\n');
}

/* The file the lab runs from, and whether it was edited since `up` kept a copy of it. */
static void status_file(const char *lab)
{
	char src[4096];
	if (state_source(lab, src, sizeof(src)) < 0 || !src[0])
		return;
	printf("lab file: %s\n", src);
	int d = state_kept_differs(lab, src);
	if (d == 1)
		printf("warning: %s changed since the lab came up or was last applied; 'vpclab apply "
		       "%s --dry-run' shows what differs, without --dry-run applies it\n", src, src);
	else if (d < 0 && access(src, F_OK) < 0)
		printf("warning: %s is gone; the lab runs from the copy taken at up\n", src);
}

static int cmd_status(int argc, char **argv)
{
	bool as_json = false;
	const char *given = NULL;
	int o;
	while ((o = cli_next(&cli_status, argc, argv, "h", status_opts)) != -1) {
		if (o == 'j')
			as_json = true;
		else if (o == 'L')
			given = optarg;
		else
			return cli_stop(o);
	}
	if (argc - optind > (given ? 0 : 1))
		return cli_extra(&cli_status, argv[argc - 1]);
	char lab[64];
	int rc = cli_lab(&cli_status, optind < argc ? argv[optind] : given, lab, sizeof(lab));
	json_t *st = NULL;
	if (rc == 0)
		rc = cli_request(&cli_status, lab, VL_CTL_STATUS, &st);
	if (rc)
		return rc;
	if (as_json)
		cli_print_json(st);
	else {
		status_print(st, stdout);
		status_file(lab);
	}
	json_decref(st);
	return EXIT_OK;
}

const struct cli_cmd cli_status = {
	"status", cmd_status, "interfaces, addresses, groups, counters, drops by reason",
	"usage: vpclab status [LAB] [--json]   (or --lab LAB)\n"
	"  the lab's interfaces (eni- id, VPC, subnet, private and public IP, security groups,\n"
	"  packet counters; an auto scaling group's instances: the group, in a last column) and\n"
	"  its drop counters by reason, from the running router; then the lab file it runs from,\n"
	"  with a warning when that file changed since `up`.\n"
	"  --json   the same as one JSON object\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: 0 running, 1 not running (or its router crashed: it says what to run), 2 usage,\n"
	"  3 no permission\n",
};

/* One lab of `list`: what /run/vpclab says, and the instance count from its router. */
static json_t *list_entry(const struct state_lab *l)
{
	char source[4096], since[32] = "";
	state_source(l->name, source, sizeof(source));
	time_t t = l->running ? state_since(l->name) : 0;
	struct tm tm;
	if (t && gmtime_r(&t, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *st = NULL, *e;
	long long pid = 0, instances = -1;
	if (l->running && ctl_request(l->name, VL_CTL_STATUS, &st) == 0 &&
	    !json_object_get(st, "error")) {
		size_t i;
		pid = json_integer_value(json_object_get(st, "pid"));
		instances = 0;
		json_array_foreach(json_object_get(st, "ports"), i, e)
			instances += strcmp(json_string_value(json_object_get(e, "kind")) ?: "", "instance") == 0;
	}
	json_decref(st);
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "name", l->name,
			 "state", l->running ? "running" : "crashed",
			 "file", source[0] ? json_string(source) : json_null(),
			 "pid", pid ? json_integer(pid) : json_null(),
			 "instances", instances >= 0 ? json_integer(instances) : json_null(),
			 "since", since[0] ? json_string(since) : json_null());
}

static void list_print(const json_t *labs)
{
	size_t i;
	json_t *l;
	if (json_array_size(labs) == 0) {
		printf("no lab is running\n");
		return;
	}
	printf("%-20s %-8s %8s %9s  %-20s  %s\n", "NAME", "STATE", "PID", "INSTANCES", "SINCE", "FILE");
	json_array_foreach(labs, i, l) {
		char pid[24] = "-", n[24] = "-";
		if (json_is_integer(json_object_get(l, "pid")))
			snprintf(pid, sizeof(pid), "%lld", (long long)json_integer_value(json_object_get(l, "pid")));
		if (json_is_integer(json_object_get(l, "instances")))
			snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(l, "instances")));
		const char *since = json_string_value(json_object_get(l, "since"));
		const char *file = json_string_value(json_object_get(l, "file"));
		printf("%-20s %-8s %8s %9s  %-20s  %s\n", json_string_value(json_object_get(l, "name")),
		       json_string_value(json_object_get(l, "state")), pid, n, since ? since : "-",
		       file ? file : "-");
	}
	for (i = 0; i < json_array_size(labs); i++) {
		const char *name = json_string_value(json_object_get(json_array_get(labs, i), "name"));
		if (strcmp(json_string_value(json_object_get(json_array_get(labs, i), "state")), "crashed") == 0)
			printf("lab %s: the router is not running but its namespaces remain (it crashed?); "
			       "run 'vpclab down %s' to clean up\n", name, name);
	}
}

static int cmd_list(int argc, char **argv)
{
	bool as_json = false;
	int o;
	while ((o = cli_next(&cli_list, argc, argv, "h", json_opts)) != -1) {
		if (o != 'j')
			return cli_stop(o);
		as_json = true;
	}
	if (optind < argc)
		return cli_extra(&cli_list, argv[optind]);
	if (geteuid() != 0) {
		fprintf(stderr, "vpclab: list needs root (the labs' locks and control sockets are root's)\n");
		return EXIT_SYSTEM;
	}
	struct state_lab v[STATE_LABS_MAX];
	size_t n = state_labs(v, STATE_LABS_MAX);
	json_t *labs = json_array();
	for (size_t i = 0; i < n && i < STATE_LABS_MAX; i++)
		json_array_append_new(labs, list_entry(&v[i]));
	if (as_json) {
		json_t *all = json_pack("{s:o}", "labs", labs);
		cli_print_json(all);
		json_decref(all);
	} else {
		list_print(labs);
		json_decref(labs);
	}
	return EXIT_OK;
}

const struct cli_cmd cli_list = {
	"list", cmd_list, "the labs on this machine: name, router pid, instances, since, file",
	"usage: vpclab list [--json]\n"
	"  every lab on this machine: its name, state (running, or crashed: the router is gone\n"
	"  but its namespaces remain), router pid, instances, since when (UTC) and the lab file\n"
	"  it came from. Asks each router; reading the control sockets needs root.\n"
	"  --json   {\"labs\": [{\"name\", \"state\", \"file\", \"pid\", \"instances\", \"since\"}]}\n"
	"exit: 0, 2 usage, 3 not root\n",
};
