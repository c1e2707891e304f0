/* Looking into a running lab: `flows` (connections per interface, untracked ones marked, and
 * NAT translations), `nat` (NAT gateways: counters and translations) and `flowlogs` (the VPC flow
 * log records the router writes under /run/vpclab/LAB/flowlogs/). Each asks the router. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"
#include "vpclab/ctl.h"

const char *cli_proto_name(long long proto, char *buf, size_t cap)
{
	const char *name = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : NULL;
	if (name)
		snprintf(buf, cap, "%s", name);
	else
		snprintf(buf, cap, "%lld", proto);
	return buf;
}

static long long int_of(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *str_of(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "-";
}

static void nat_print(const json_t *g)
{
	printf("nat gateway %s  subnet %s  private %s  elastic %s\n", str_of(g, "name"),
	       str_of(g, "subnet"), str_of(g, "private_ip"), str_of(g, "elastic_ip"));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(g, "counters"), k, v)
		printf("  %-28s %lld\n", k, (long long)json_integer_value(v));
	size_t i;
	json_array_foreach(json_object_get(g, "translations"), i, v) {
		if (i == 0)
			printf("  %-5s %-21s %-21s %-6s %-12s %s\n", "PROTO", "SOURCE", "DESTINATION", "PORT", "STATE", "IDLE");
		char src[40], dst[40], proto[8];
		snprintf(src, sizeof(src), "%s:%lld", str_of(v, "source"), int_of(v, "source_port"));
		snprintf(dst, sizeof(dst), "%s:%lld", str_of(v, "destination"), int_of(v, "destination_port"));
		printf("  %-5s %-21s %-21s %-6lld %-12s %llds\n",
		       cli_proto_name(int_of(v, "protocol"), proto, sizeof(proto)), src, dst,
		       int_of(v, "nat_port"), str_of(v, "state"), int_of(v, "idle_s"));
	}
}

static const struct option lab_json_opts[] = {
	{"lab", required_argument, NULL, 'L'}, {"json", no_argument, NULL, 'j'}, CLI_OPT_HELP, {0},
};

/* --lab LAB and --json; the operands stay in argv[optind..]. 0, or -1 after --help, or 2. */
static int lab_json_args(const struct cli_cmd *c, int argc, char **argv, const char **lab,
			 bool *as_json)
{
	int o;
	while ((o = cli_next(c, argc, argv, "h", lab_json_opts)) != -1) {
		if (o == 'L')
			*lab = optarg;
		else if (o == 'j' && as_json)
			*as_json = true;
		else if (o == 'j')
			return fprintf(stderr, "vpclab: %s: unknown option '--json' (vpclab %s --help)\n",
				       c->name, c->name), EXIT_USAGE;
		else
			return o == CLI_STOP_OK ? -1 : EXIT_USAGE;
	}
	return 0;
}

static int cmd_nat(int argc, char **argv)
{
	const char *given = NULL;
	bool as_json = false;
	int rc = lab_json_args(&cli_nat, argc, argv, &given, &as_json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - optind > 1)
		return cli_extra(&cli_nat, argv[optind + 1]);
	const char *name = optind < argc ? argv[optind] : NULL;
	char lab[64], req[160];
	snprintf(req, sizeof(req), "%s%s%s", VL_CTL_NAT, name ? " " : "", name ? name : "");
	json_t *ans = NULL;
	rc = cli_lab(&cli_nat, given, lab, sizeof(lab));
	if (rc == 0)
		rc = cli_request(&cli_nat, lab, req, &ans);
	if (rc)
		return rc;
	if (as_json) {
		cli_print_json(ans);
	} else {
		size_t i;
		json_t *g;
		json_array_foreach(json_object_get(ans, "nat_gateways"), i, g)
			nat_print(g);
		if (json_array_size(json_object_get(ans, "nat_gateways")) == 0)
			printf("no NAT gateways\n");
	}
	json_decref(ans);
	return EXIT_OK;
}

const struct cli_cmd cli_nat = {
	"nat", cmd_nat, "NAT gateways: counters and translations",
	"usage: vpclab nat [NAME] [--lab LAB] [--json]\n"
	"  every NAT gateway of the running lab, or NAME only: its addresses, AWS's CloudWatch\n"
	"  counters and its translations (protocol, source, destination, port, state, idle).\n"
	"  --lab LAB   the lab (default: the only lab on this machine, or $VPCLAB_LAB)\n"
	"  --json      the same as JSON\n"
	"exit: 0, 1 not running or no such NAT gateway, 2 usage\n",
};

/* Whether flow f is one AWS would not track ("tracked": false; absent: tracked). */
static bool flow_untracked(const json_t *f)
{
	const json_t *v = json_object_get(f, "tracked");
	return v && json_is_false(v);
}

static void flows_print(const json_t *ans)
{
	size_t i, k;
	json_t *itf, *f;
	char proto[8];
	json_array_foreach(json_object_get(ans, "interfaces"), i, itf) {
		json_t *flows = json_object_get(itf, "flows");
		size_t n = json_array_size(flows), untracked = 0;
		json_array_foreach(flows, k, f)
			untracked += flow_untracked(f);
		if (untracked)
			printf("%s: %zu connection%s (%zu untracked)\n", str_of(itf, "name"), n,
			       n == 1 ? "" : "s", untracked);
		else
			printf("%s: %zu tracked connection%s\n", str_of(itf, "name"), n, n == 1 ? "" : "s");
		json_array_foreach(flows, k, f)
			printf("  %-4s %-21s -> %-21s %-12s idle %llds  pkts %lld/%lld  (admitted by %s)%s\n",
			       cli_proto_name(int_of(f, "protocol"), proto, sizeof(proto)), str_of(f, "from"),
			       str_of(f, "to"), str_of(f, "state"), int_of(f, "idle_s"),
			       int_of(f, "packets_out"), int_of(f, "packets_back"), str_of(f, "admitted_by"),
			       flow_untracked(f) ? "  untracked" : "");
	}
	json_array_foreach(json_object_get(ans, "nat_gateways"), i, itf)
		nat_print(itf);
}

static int cmd_flows(int argc, char **argv)
{
	const char *given = NULL;
	bool as_json = false;
	int rc = lab_json_args(&cli_flows, argc, argv, &given, &as_json);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (optind < argc && given)
		return cli_extra(&cli_flows, argv[optind]); /* --lab and LAB: one is enough */
	if (argc - optind > 1)
		return cli_extra(&cli_flows, argv[optind + 1]);
	char lab[64];
	json_t *ans = NULL;
	rc = cli_lab(&cli_flows, optind < argc ? argv[optind] : given, lab, sizeof(lab));
	if (rc == 0)
		rc = cli_request(&cli_flows, lab, VL_CTL_FLOWS, &ans);
	if (rc)
		return rc;
	if (as_json)
		cli_print_json(ans);
	else
		flows_print(ans);
	json_decref(ans);
	return EXIT_OK;
}

const struct cli_cmd cli_flows = {
	"flows", cmd_flows, "tracked connections per interface, NAT translations",
	"usage: vpclab flows [LAB] [--json]\n"
	"  the connections each interface's security groups track (protocol, endpoints, TCP\n"
	"  state, idle time, packets each way, which direction's rules admitted it; 'untracked'\n"
	"  marks a flow AWS would not track, which a rule change can cut) and every NAT\n"
	"  gateway's translations. LAB may also be given as --lab LAB.\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"  --json   the same as JSON\n"
	"exit: 0, 1 not running, 2 usage\n",
};

static int print_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[512];
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static int cmd_flowlogs(int argc, char **argv)
{
	const char *given = NULL;
	int rc = lab_json_args(&cli_flowlogs, argc, argv, &given, NULL);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - optind > 1)
		return cli_extra(&cli_flowlogs, argv[optind + 1]);
	const char *name = optind < argc ? argv[optind] : NULL;
	char lab[64], path[300];
	json_t *ans = NULL;
	rc = cli_lab(&cli_flowlogs, given, lab, sizeof(lab));
	if (rc == 0) /* the current window too */
		rc = cli_request(&cli_flowlogs, lab, VL_CTL_FLOWLOGS_FLUSH, &ans);
	json_decref(ans);
	if (rc)
		return rc;
	if (name) {
		snprintf(path, sizeof(path), "%s/%s/flowlogs/%s.log.1", VL_RUN_DIR, lab, name);
		print_file(path); /* the rotated file, older records first */
		path[strlen(path) - 2] = '\0';
		if (print_file(path) < 0) {
			fprintf(stderr, "vpclab: flowlogs: no instance '%s' in lab %s\n", name, lab);
			return EXIT_INPUT;
		}
		return EXIT_OK;
	}
	json_t *st = NULL;
	if ((rc = cli_request(&cli_flowlogs, lab, VL_CTL_STATUS, &st)) != 0)
		return rc;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(st, "ports"), i, p) {
		snprintf(path, sizeof(path), "%s/%s/flowlogs/%s.log.1", VL_RUN_DIR, lab, str_of(p, "name"));
		print_file(path);
		path[strlen(path) - 2] = '\0';
		print_file(path);
	}
	json_decref(st);
	return EXIT_OK;
}

const struct cli_cmd cli_flowlogs = {
	"flowlogs", cmd_flowlogs, "VPC flow log records (version 2), current and past windows",
	"usage: vpclab flowlogs [NAME] [--lab LAB]\n"
	"  the AWS flow log records (version 2) of instance NAME, or of every instance, with the\n"
	"  current aggregation window flushed first. The files are /run/vpclab/LAB/flowlogs/NAME.log\n"
	"  and, once it passed `up --flow-log-max`, NAME.log.1 (printed first).\n"
	"  --lab LAB   the lab (default: the only lab on this machine, or $VPCLAB_LAB)\n"
	"exit: 0, 1 not running or no such instance, 2 usage\n",
};
