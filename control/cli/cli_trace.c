/* The pipeline run on one packet or on a capture, without root: `vpclab trace` (offline on a
 * lab file, or --live: the running router traces on copies of its state) and `vpclab replay`.
 * The runs themselves are control/tools/trace.c and replay.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/host/state_labs.h"
#include "control/lab/lab.h"
#include "control/tools/offline.h"
#include "control/tools/replay.h"
#include "control/tools/trace.h"
#include "vpclab/ctl.h"

/* Loads, checks, compiles and prepares a lab file for an offline command. NULL after printing. */
static struct vl_tables *offline_tables(const char *path)
{
	int errors;
	struct lab *m = cli_load_checked(path, &errors);
	if (!m)
		return NULL;
	struct vl_tables *t = offline_tables_of(m);
	lab_free(m);
	if (!t)
		fprintf(stderr, "vpclab: out of memory\n");
	return t;
}

enum { O_FROM = 0x200, O_TO, O_TCP, O_UDP, O_ICMP, O_PROTO, O_SPORT, O_RETURN, O_JSON, O_LIVE,
       O_LAB, O_SIZE, O_DF };

struct trace_args {
	struct trace_req r;
	const char *path;       /* the lab file; NULL with --live */
	bool live, as_json;
};

/* One option into a; 0, or an exit code after naming what is wrong. */
static int trace_opt(int o, struct trace_args *a)
{
	long v;
	uint16_t port;
	switch (o) {
	case O_FROM: a->r.from = optarg; return 0;
	case O_TO: a->r.to = optarg; return 0;
	case O_ICMP: a->r.proto = 1; return 0;
	case O_RETURN: a->r.with_return = true; return 0;
	case O_JSON: a->as_json = true; return 0;
	case O_LIVE: a->live = true; return 0;
	case O_LAB: a->r.lab = optarg; return 0;
	case O_DF: a->r.df = true; return 0;
	case O_TCP:
	case O_UDP:
		if (cli_port(&cli_trace, o == O_TCP ? "--tcp" : "--udp", optarg, &port) < 0)
			return EXIT_USAGE;
		a->r.proto = o == O_TCP ? 6 : 17;
		a->r.port = port;
		return 0;
	case O_SPORT:
		return cli_port(&cli_trace, "--sport", optarg, &a->r.sport) < 0 ? EXIT_USAGE : 0;
	case O_PROTO:
		if (cli_uint(&cli_trace, "--proto", optarg, 0, 255, "an IP protocol number", &v) < 0)
			return EXIT_USAGE;
		a->r.proto = (uint8_t)v;
		return 0;
	case O_SIZE:
		if (cli_uint(&cli_trace, "--size", optarg, 20, TRACE_SIZE_MAX, "an IP packet size in bytes", &v) < 0)
			return EXIT_USAGE;
		a->r.size = (uint32_t)v;
		return 0;
	default:
		return EXIT_USAGE; /* cli_next named it */
	}
}

static int trace_args(int argc, char **argv, struct trace_args *a)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, O_FROM}, {"to", required_argument, NULL, O_TO},
		{"tcp", required_argument, NULL, O_TCP}, {"udp", required_argument, NULL, O_UDP},
		{"icmp", no_argument, NULL, O_ICMP}, {"proto", required_argument, NULL, O_PROTO},
		{"sport", required_argument, NULL, O_SPORT}, {"return", no_argument, NULL, O_RETURN},
		{"json", no_argument, NULL, O_JSON}, {"live", no_argument, NULL, O_LIVE},
		{"lab", required_argument, NULL, O_LAB}, {"size", required_argument, NULL, O_SIZE},
		{"df", no_argument, NULL, O_DF}, CLI_OPT_HELP, {0},
	};
	int o, rc;
	while ((o = cli_next(&cli_trace, argc, argv, "h", opts)) != -1) {
		if (o == CLI_STOP_OK)
			return -1; /* --help answered */
		if ((rc = trace_opt(o, a)) != 0)
			return rc;
	}
	if (optind < argc && !a->live)
		a->path = argv[optind++];
	if (optind < argc)
		return cli_extra(&cli_trace, argv[optind]);
	if (!a->path && !a->live)
		return cli_missing(&cli_trace, "LAB.yaml (or --live)");
	if (a->r.lab && !a->live)
		return cli_missing(&cli_trace, "--live (--lab names a running lab)");
	if (!a->r.from)
		return cli_missing(&cli_trace, "--from NAME");
	if (!a->r.to)
		return cli_missing(&cli_trace, "--to NAME|EIP|IP");
	if (!a->r.proto)
		return cli_missing(&cli_trace, "a protocol (--tcp PORT, --udp PORT, --icmp or --proto N)");
	return 0;
}

/* --live: the running router traces on copies of its own state. */
static int trace_live(const struct trace_args *a)
{
	const struct trace_req *r = &a->r;
	char lab[64];
	int rc = cli_lab(&cli_trace, r->lab, lab, sizeof(lab));
	if (rc)
		return rc;
	json_t *q = json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:i, s:b}", "from", r->from, "to",
			      r->to, "proto", r->proto, "port", r->port, "sport", r->sport, "return",
			      r->with_return, "json", a->as_json, "size", (int)r->size, "df", r->df);
	char *text = json_dumps(q, JSON_COMPACT), req[VL_CTL_MAX_LINE];
	json_decref(q);
	snprintf(req, sizeof(req), "%s %s", VL_CTL_TRACE, text ? text : "{}");
	free(text);
	json_t *ans = NULL;
	rc = cli_request(&cli_trace, lab, req, &ans);
	if (rc)
		return rc;
	fputs(json_string_value(json_object_get(ans, "text")), stdout);
	rc = json_is_true(json_object_get(ans, "delivered")) ? EXIT_OK : EXIT_INPUT;
	json_decref(ans);
	return rc;
}

static int cmd_trace(int argc, char **argv)
{
	struct trace_args a = {.r = {.icmp_type = -1}};
	int rc = trace_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (a.live)
		return trace_live(&a);
	struct vl_tables *t = offline_tables(a.path);
	if (!t)
		return EXIT_INPUT;
	if (state_lab_running(t->lab) && state_kept_differs(t->lab, a.path) == 1)
		fprintf(stderr, "vpclab: trace: warning: lab %s runs a different version of %s; this "
			"traces the file ('vpclab trace --live' traces what runs, 'vpclab apply %s' runs "
			"the file)\n", t->lab, a.path, a.path);
	struct trace_result res;
	char err[160];
	rc = trace_flow(t, &a.r, &res, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "vpclab: trace: %s\n", err);
	else
		trace_print(t, &a.r, &res, a.as_json, stdout);
	vl_tables_free(t);
	if (rc < 0)
		return EXIT_INPUT;
	bool ok = res.fwd.v.action != VERDICT_DROP && (!res.has_return || res.ret.v.action != VERDICT_DROP);
	return ok ? EXIT_OK : EXIT_INPUT;
}

const struct cli_cmd cli_trace = {
	"trace", cmd_trace, "one packet through the pipeline, hop by hop, the deciding rule named",
	"usage: vpclab trace LAB.yaml --from NAME --to NAME|EIP|IP PROTOCOL [OPTIONS]\n"
	"       vpclab trace --live [--lab LAB] --from NAME --to NAME|EIP|IP PROTOCOL [OPTIONS]\n"
	"  one packet through the router's own pipeline with an explain recorder: every hop, the\n"
	"  rule that decided, the drop reason. Offline on a lab file (no root), or --live against\n"
	"  the running lab with its connection and NAT state (on copies: nothing changes).\n"
	"  PROTOCOL: --tcp PORT | --udp PORT | --icmp | --proto N\n"
	"  --from NAME     the instance or internet host that sends\n"
	"  --to WHERE      an instance, internet host, elastic IP, NAT gateway or address\n"
	"  --sport PORT    source port (default 40000)\n"
	"  --size N        the IP packet's size in bytes, headers included\n"
	"  --df            set Don't Fragment\n"
	"  --return        also trace the reply, through the state the request created\n"
	"  --json          the hops as JSON\n"
	"  --live          trace in the running lab (--lab LAB, or the only lab, or $VPCLAB_LAB)\n"
	"exit: 0 delivered, 1 dropped (or an invalid file, an unknown name), 2 usage\n",
};

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
		CLI_OPT_HELP, {0},
	};
	const char *from = NULL, *outdir = NULL;
	int o;
	while ((o = cli_next(&cli_replay, argc, argv, "ho:", opts)) != -1) {
		if (o == 'f')
			from = optarg;
		else if (o == 'o')
			outdir = optarg;
		else
			return cli_stop(o);
	}
	if (argc - optind < 2)
		return cli_missing(&cli_replay, optind == argc ? "LAB.yaml" : "IN.pcap");
	if (argc - optind > 2)
		return cli_extra(&cli_replay, argv[optind + 2]);
	if (!from)
		return cli_missing(&cli_replay, "--from NAME");
	struct vl_tables *t = offline_tables(argv[optind]);
	if (!t)
		return EXIT_INPUT;
	char err[300];
	int rc = replay_run(t, from, argv[optind + 1], outdir, stdout, err, sizeof(err));
	vl_tables_free(t);
	if (rc < 0) {
		fprintf(stderr, "vpclab: replay: %s\n", err);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

const struct cli_cmd cli_replay = {
	"replay", cmd_replay, "the frames of a pcap through the pipeline, offline",
	"usage: vpclab replay LAB.yaml --from NAME IN.pcap [-o DIR]\n"
	"  sends every frame of IN.pcap from NAME through the pipeline offline (no root): one\n"
	"  verdict line per frame, deterministic.\n"
	"  --from NAME        the instance or internet host the frames come from\n"
	"  -o, --out DIR      also write what leaves each interface as DIR/NAME.pcap\n"
	"exit: 0, 1 an invalid file or capture, 2 usage\n",
};
