/* The command line (cli.h, shared/spec/cli.md): argument handling and exit codes only; the work
 * is in lab.h (load/check/compile), daemon.c (up), state.c (down) and the control socket. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/cli/capture_cli.h"
#include "control/cli/ctl_client.h"
#include "control/router/daemon.h"
#include "control/tools/offline.h"
#include "control/lab/lab.h"
#include "control/labtest/labtest.h"
#include "control/host/state.h"
#include "control/tools/replay.h"
#include "control/router/status.h"
#include "control/tools/trace.h"
#include "vpclab/ctl.h"

static const char usage_text[] =
	"usage: vpclab COMMAND ...\n"
	"  check LAB.yaml                 validate; every error as FILE:LINE:COL\n"
	"  up LAB.yaml [--foreground] [--flow-log-interval SECONDS]\n"
	"                                 provision the lab and start its router\n"
	"  down [LAB]                     remove everything of the lab (also after a crash)\n"
	"  status [LAB] [--json]          interfaces, addresses, groups, counters\n"
	"  exec [LAB] NAME -- CMD [ARG...] run CMD in the namespace of instance or host NAME\n"
	"  eip associate EIP INSTANCE [--lab LAB]   move an elastic IP to an instance\n"
	"  eip disassociate EIP [--lab LAB]\n"
	"  nat [NAME] [--lab LAB] [--json]  NAT gateways: counters and translations\n"
	"  trace (LAB.yaml | --live [--lab LAB]) --from NAME --to NAME|EIP|IP (--tcp PORT|--udp PORT|--icmp|--proto N)\n"
	"        [--sport PORT] [--return] [--json]   one packet through the pipeline, hop by hop\n"
	"  replay LAB.yaml --from NAME IN.pcap [-o DIR]   frames of IN.pcap through the pipeline offline\n"
	"  test LAB.yaml [CHECKS.yaml...] [--junit FILE] [--tap] [--only GLOB] [--keep] [--timeout MS]\n"
	"        [--jobs N]                up, run the checks with real probes (each traced), report, down\n"
	"  flows [--lab LAB] [--json]     tracked connections per interface, NAT translations\n"
	"  flowlogs [NAME] [--lab LAB]    VPC flow log records (version 2) of the current and past windows\n"
	"  capture [NAME] [--stage STAGE[:COMPONENT]] [--drops] [-w FILE] [-c N] [--seconds N]\n"
	"        [--lab LAB] [FILTER...]   pcapng of an interface, a stage, or every drop\n"
	"LAB may be left out when exactly one lab is running.\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* Loads and checks path, printing diagnostics. The model, or NULL when it has errors. */
static struct lab *load_checked(const char *path, int *errors)
{
	struct diag *d = diag_create();
	if (!d) {
		*errors = 1;
		return NULL;
	}
	struct lab *m = lab_load(path, d);
	if (m)
		lab_check(m, d);
	diag_print(d, stderr);
	*errors = diag_errors(d) ? diag_errors(d) : (m ? 0 : 1);
	diag_destroy(d);
	if (*errors) {
		lab_free(m);
		return NULL;
	}
	return m;
}

static int cmd_check(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	int errors;
	struct lab *m = load_checked(argv[1], &errors);
	if (!m) {
		fprintf(stderr, "%s: %d error%s\n", argv[1], errors, errors == 1 ? "" : "s");
		return EXIT_INPUT;
	}
	printf("%s: ok (lab %s)\n", argv[1], lab_name(m));
	lab_free(m);
	return EXIT_OK;
}

static int need_root(const char *what)
{
	if (geteuid() != 0) {
		fprintf(stderr, "vpclab: %s needs root (it creates namespaces and taps)\n", what);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static int cmd_up(int argc, char **argv)
{
	bool fg = false;
	const char *path = NULL;
	struct daemon_opts o = {.flowlog_interval_s = 60};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--foreground") == 0)
			fg = true;
		else if (strcmp(argv[i], "--flow-log-interval") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
			o.flowlog_interval_s = (uint32_t)atoi(argv[++i]);
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			return usage();
	}
	if (!path)
		return usage();
	int errors;
	struct lab *m = load_checked(path, &errors);
	if (!m)
		return EXIT_INPUT;
	if (need_root("up")) {
		lab_free(m);
		return EXIT_SYSTEM;
	}
	struct vl_tables *t = lab_compile(m);
	lab_free(m);
	if (!t) {
		fprintf(stderr, "vpclab: up: %s\n", strerror(errno ? errno : ENOMEM));
		vl_tables_free(t);
		return EXIT_SYSTEM;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "vpclab: up: /dev/net/tun: %s\n", strerror(errno));
		vl_tables_free(t);
		return EXIT_SYSTEM;
	}
	char lab[sizeof(t->lab)];
	snprintf(lab, sizeof(lab), "%s", t->lab);
	uint16_t n = t->n_ports;
	o.foreground = fg;
	if (daemon_up(t, path, &o) < 0)
		return EXIT_SYSTEM;
	if (!fg)
		printf("lab %s is up: %u namespaces; 'vpclab status %s' shows them\n", lab, n, lab);
	return EXIT_OK;
}

/* LAB from the arguments or the only running lab. 0, or an exit code after printing why. */
static int resolve_lab(const char *given, char *lab, size_t cap)
{
	if (given) {
		if (!state_name_ok(given)) {
			fprintf(stderr, "vpclab: '%s' is not a lab name ([a-z][a-z0-9-]*)\n", given);
			return EXIT_USAGE;
		}
		snprintf(lab, cap, "%s", given);
		return 0;
	}
	int rc = state_only_lab(lab, cap);
	if (rc == -ENOENT)
		fprintf(stderr, "vpclab: no lab is running\n");
	else if (rc == -EEXIST)
		fprintf(stderr, "vpclab: several labs are running: name one\n");
	return rc < 0 ? EXIT_INPUT : 0;
}

static void wait_unlocked(const char *lab, int ms)
{
	struct timespec ts = {.tv_nsec = 20 * 1000000L};
	for (int waited = 0; waited < ms && state_running(lab); waited += 20)
		nanosleep(&ts, NULL);
}

static int cmd_down(int argc, char **argv)
{
	char lab[64];
	if (argc > 2)
		return usage();
	if (need_root("down"))
		return EXIT_SYSTEM;
	int rc = resolve_lab(argc == 2 ? argv[1] : NULL, lab, sizeof(lab));
	if (rc)
		return argc == 1 ? EXIT_OK : rc; /* nothing running: down is idempotent */
	/* Only a router that holds the lab's lock is signalled: after a crash its pid may belong
	 * to someone else by now. */
	if (state_running(lab)) {
		pid_t pid = state_pid(lab);
		json_t *ans = NULL;
		if (ctl_request(lab, VL_CTL_DOWN, &ans) < 0 && pid > 0)
			kill(pid, SIGTERM);
		json_decref(ans);
		wait_unlocked(lab, 5000);
		if (state_running(lab) && pid > 0) {
			kill(pid, SIGKILL);
			wait_unlocked(lab, 1000);
		}
	}
	int lock = state_lock(lab); /* no router: clean up under the lock, then remove it */
	rc = state_cleanup(lab);
	if (lock >= 0)
		state_unlock(lab, lock);
	if (rc < 0) {
		fprintf(stderr, "vpclab: down %s: %s\n", lab, strerror(-rc));
		return EXIT_SYSTEM;
	}
	printf("lab %s is down\n", lab);
	return EXIT_OK;
}

static int cmd_status(int argc, char **argv)
{
	const char *given = NULL;
	bool as_json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (!given && argv[i][0] != '-')
			given = argv[i];
		else
			return usage();
	}
	char lab[64];
	int rc = resolve_lab(given, lab, sizeof(lab));
	if (rc)
		return rc;
	json_t *st = NULL;
	rc = ctl_request(lab, VL_CTL_STATUS, &st);
	if (rc < 0) {
		fprintf(stderr, "vpclab: status: lab %s is not running (%s)\n", lab, strerror(-rc));
		return rc == -EACCES ? EXIT_SYSTEM : EXIT_INPUT;
	}
	if (as_json) {
		json_dumpf(st, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		status_print(st, stdout);
	}
	json_decref(st);
	return EXIT_OK;
}

static int cmd_exec(int argc, char **argv)
{
	int dash = 1;
	while (dash < argc && strcmp(argv[dash], "--") != 0)
		dash++;
	if (dash == argc || dash + 1 == argc || dash < 2 || dash > 3)
		return usage();
	char lab[64], ns[160];
	int rc = resolve_lab(dash == 3 ? argv[1] : NULL, lab, sizeof(lab));
	if (rc)
		return rc;
	snprintf(ns, sizeof(ns), "/run/netns/%s-%s", lab, argv[dash - 1]);
	int fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vpclab: exec: no instance or host '%s' in lab %s\n", argv[dash - 1], lab);
		return EXIT_INPUT;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpclab: exec: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	close(fd);
	execvp(argv[dash + 1], argv + dash + 1);
	fprintf(stderr, "vpclab: exec: %s: %s\n", argv[dash + 1], strerror(errno));
	return 127;
}

/* Splits "--lab LAB" and "--json" off args; the rest stays in order in rest[]. */
static int split_opts(int argc, char **argv, const char **lab, bool *as_json, char **rest, int cap)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lab") == 0 && i + 1 < argc)
			*lab = argv[++i];
		else if (strcmp(argv[i], "--json") == 0 && as_json)
			*as_json = true;
		else if (argv[i][0] == '-' || n == cap)
			return -1;
		else
			rest[n++] = argv[i];
	}
	return n;
}

/* Sends a request to the running lab; prints the answer's error, if any. 0 or an exit code. */
static int request(const char *given, const char *req, json_t **ans)
{
	char lab[64];
	int rc = resolve_lab(given, lab, sizeof(lab));
	if (rc)
		return rc;
	rc = ctl_request(lab, req, ans);
	if (rc < 0) {
		fprintf(stderr, "vpclab: lab %s is not running (%s)\n", lab, strerror(-rc));
		return EXIT_INPUT;
	}
	const char *err = json_string_value(json_object_get(*ans, "error"));
	if (err) {
		fprintf(stderr, "vpclab: %s\n", err);
		json_decref(*ans);
		*ans = NULL;
		return EXIT_INPUT;
	}
	return 0;
}

static int cmd_eip(int argc, char **argv)
{
	const char *lab = NULL;
	char *w[3];
	int n = split_opts(argc, argv, &lab, NULL, w, 3);
	bool assoc = n == 3 && strcmp(w[0], "associate") == 0;
	if (!assoc && !(n == 2 && strcmp(w[0], "disassociate") == 0))
		return usage();
	char req[200];
	snprintf(req, sizeof(req), "eip %s %s%s%s", w[0], w[1], assoc ? " " : "", assoc ? w[2] : "");
	json_t *ans = NULL;
	int rc = request(lab, req, &ans);
	if (rc)
		return rc;
	const char *inst = json_string_value(json_object_get(ans, "instance"));
	printf("elastic IP %s (%s) -> %s\n", w[1], json_string_value(json_object_get(ans, "ip")),
	       inst ? inst : "not associated");
	json_decref(ans);
	return EXIT_OK;
}

static void nat_print(const json_t *g)
{
	printf("nat gateway %s  subnet %s  private %s  elastic %s\n",
	       json_string_value(json_object_get(g, "name")), json_string_value(json_object_get(g, "subnet")),
	       json_string_value(json_object_get(g, "private_ip")),
	       json_string_value(json_object_get(g, "elastic_ip")));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(g, "counters"), k, v)
		printf("  %-28s %lld\n", k, (long long)json_integer_value(v));
	size_t i;
	json_array_foreach(json_object_get(g, "translations"), i, v) {
		if (i == 0)
			printf("  %-5s %-21s %-21s %-6s %-12s %s\n", "PROTO", "SOURCE", "DESTINATION", "PORT", "STATE", "IDLE");
		char src[32], dst[32];
		snprintf(src, sizeof(src), "%s:%lld", json_string_value(json_object_get(v, "source")),
			 (long long)json_integer_value(json_object_get(v, "source_port")));
		snprintf(dst, sizeof(dst), "%s:%lld", json_string_value(json_object_get(v, "destination")),
			 (long long)json_integer_value(json_object_get(v, "destination_port")));
		printf("  %-5lld %-21s %-21s %-6lld %-12s %llds\n",
		       (long long)json_integer_value(json_object_get(v, "protocol")), src, dst,
		       (long long)json_integer_value(json_object_get(v, "nat_port")),
		       json_string_value(json_object_get(v, "state")),
		       (long long)json_integer_value(json_object_get(v, "idle_s")));
	}
}

static int cmd_nat(int argc, char **argv)
{
	const char *lab = NULL;
	bool as_json = false;
	char *w[1];
	int n = split_opts(argc, argv, &lab, &as_json, w, 1);
	if (n < 0)
		return usage();
	char req[64];
	snprintf(req, sizeof(req), "nat%s%s", n ? " " : "", n ? w[0] : "");
	json_t *ans = NULL;
	int rc = request(lab, req, &ans);
	if (rc)
		return rc;
	if (as_json) {
		json_dumpf(ans, stdout, JSON_INDENT(2));
		putchar('\n');
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

static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/* Trace options; 0 or -EINVAL. */
static int trace_args(int argc, char **argv, struct trace_req *r, const char **path, bool *as_json)
{
	uint16_t v;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--from") == 0 && next)
			r->from = argv[++i];
		else if (strcmp(a, "--to") == 0 && next)
			r->to = argv[++i];
		else if ((strcmp(a, "--tcp") == 0 || strcmp(a, "--udp") == 0) && next && parse_port(next, &v) == 0)
			r->proto = a[2] == 't' ? 6 : 17, r->port = v, i++;
		else if (strcmp(a, "--sport") == 0 && next && parse_port(next, &v) == 0)
			r->sport = v, i++;
		else if (strcmp(a, "--proto") == 0 && next && parse_port(next, &v) == 0 && v < 256)
			r->proto = (uint8_t)v, i++;
		else if (strcmp(a, "--icmp") == 0)
			r->proto = 1;
		else if (strcmp(a, "--return") == 0)
			r->with_return = true;
		else if (strcmp(a, "--json") == 0)
			*as_json = true;
		else if (strcmp(a, "--live") == 0)
			*path = "";
		else if (strcmp(a, "--lab") == 0 && next)
			r->lab = argv[++i];
		else if (a[0] != '-' && !*path)
			*path = a;
		else
			return -EINVAL;
	}
	return r->from && r->to && r->proto && *path ? 0 : -EINVAL;
}

/* Loads, checks, compiles and prepares a lab file for an offline command. NULL after printing. */
static struct vl_tables *offline_tables(const char *path)
{
	int errors;
	struct lab *m = load_checked(path, &errors);
	if (!m)
		return NULL;
	struct vl_tables *t = offline_tables_of(m);
	lab_free(m);
	if (!t)
		fprintf(stderr, "vpclab: out of memory\n");
	return t;
}

/* --live: the running router traces on copies of its own state. */
static int trace_live(const struct trace_req *r, bool as_json)
{
	json_t *q = json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:b}", "from", r->from, "to", r->to,
			      "proto", r->proto, "port", r->port, "sport", r->sport, "return",
			      r->with_return, "json", as_json);
	char *text = json_dumps(q, JSON_COMPACT), req[600];
	json_decref(q);
	snprintf(req, sizeof(req), "trace %s", text ? text : "{}");
	free(text);
	json_t *ans = NULL;
	int rc = request(r->lab, req, &ans);
	if (rc)
		return rc;
	fputs(json_string_value(json_object_get(ans, "text")), stdout);
	rc = json_is_true(json_object_get(ans, "delivered")) ? EXIT_OK : EXIT_INPUT;
	json_decref(ans);
	return rc;
}

static int cmd_trace(int argc, char **argv)
{
	struct trace_req r = {.icmp_type = -1};
	const char *path = NULL;
	bool as_json = false;
	if (trace_args(argc, argv, &r, &path, &as_json) < 0)
		return usage();
	if (!path[0])
		return trace_live(&r, as_json);
	struct vl_tables *t = offline_tables(path);
	if (!t)
		return EXIT_INPUT;
	struct trace_result res;
	char err[160];
	int rc = trace_flow(t, &r, &res, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "vpclab: trace: %s\n", err);
	else
		trace_print(t, &r, &res, as_json, stdout);
	vl_tables_free(t);
	if (rc < 0)
		return EXIT_INPUT;
	bool ok = res.fwd.v.action != VERDICT_DROP && (!res.has_return || res.ret.v.action != VERDICT_DROP);
	return ok ? EXIT_OK : EXIT_INPUT;
}

/* [a-z][a-z0-9-]*: could be an interface or component name (a filter with spaces cannot). */
static bool name_like(const char *w)
{
	if (*w < 'a' || *w > 'z')
		return false;
	return strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(w);
}

static int cmd_capture(int argc, char **argv)
{
	struct capture_args a = {0};
	const char *lab_given = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--lab") == 0 && next)
			lab_given = argv[++i];
		else if (strcmp(o, "--stage") == 0 && next) {
			a.stage = argv[++i];
			char *colon = strchr(argv[i], ':');
			if (colon) {
				*colon = '\0';
				a.component = colon + 1;
			}
		} else if (strcmp(o, "--drops") == 0)
			a.drops = 1;
		else if (strcmp(o, "-w") == 0 && next)
			a.out = argv[++i];
		else if (strcmp(o, "-c") == 0 && next)
			a.count = (unsigned)atoi(argv[++i]);
		else if (strcmp(o, "--seconds") == 0 && next)
			a.seconds = atoi(argv[++i]);
		else if (o[0] == '-')
			return usage();
		else if (!a.port && !a.filter[0] && name_like(o))
			a.port = o; /* the first word names the interface (or, with --stage, the component);
				     * the router takes it as the filter's start if it names nothing */
		else {
			size_t len = strlen(a.filter);
			snprintf(a.filter + len, sizeof(a.filter) - len, "%s%s", len ? " " : "", o);
		}
	}
	if (a.stage && a.port && !a.component) {
		a.component = a.port;
		a.port = NULL;
	}
	char lab[64];
	int rc = resolve_lab(lab_given, lab, sizeof(lab));
	return rc ? rc : capture_run(lab, &a);
}

static void flows_print(const json_t *ans)
{
	size_t i, k;
	json_t *itf, *f;
	json_array_foreach(json_object_get(ans, "interfaces"), i, itf) {
		json_t *flows = json_object_get(itf, "flows");
		printf("%s: %zu tracked connection%s\n", json_string_value(json_object_get(itf, "name")),
		       json_array_size(flows), json_array_size(flows) == 1 ? "" : "s");
		json_array_foreach(flows, k, f)
			printf("  %-4lld %-21s -> %-21s %-12s idle %llds  pkts %lld/%lld  (admitted by %s)\n",
			       (long long)json_integer_value(json_object_get(f, "protocol")),
			       json_string_value(json_object_get(f, "from")), json_string_value(json_object_get(f, "to")),
			       json_string_value(json_object_get(f, "state")),
			       (long long)json_integer_value(json_object_get(f, "idle_s")),
			       (long long)json_integer_value(json_object_get(f, "packets_out")),
			       (long long)json_integer_value(json_object_get(f, "packets_back")),
			       json_string_value(json_object_get(f, "admitted_by")));
	}
	json_array_foreach(json_object_get(ans, "nat_gateways"), i, itf)
		nat_print(itf);
}

static int cmd_flows(int argc, char **argv)
{
	const char *lab = NULL;
	bool as_json = false;
	char *w[1];
	if (split_opts(argc, argv, &lab, &as_json, w, 0) != 0)
		return usage();
	json_t *ans = NULL;
	int rc = request(lab, "flows", &ans);
	if (rc)
		return rc;
	if (as_json) {
		json_dumpf(ans, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		flows_print(ans);
	}
	json_decref(ans);
	return EXIT_OK;
}

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
	char *w[1];
	int n = split_opts(argc, argv, &given, NULL, w, 1);
	if (n < 0)
		return usage();
	char lab[64], path[300];
	int rc = resolve_lab(given, lab, sizeof(lab));
	if (rc)
		return rc;
	json_t *ans = NULL;
	rc = request(lab, "flowlogs-flush", &ans); /* the current window too */
	json_decref(ans);
	if (rc)
		return rc;
	if (n == 1) {
		snprintf(path, sizeof(path), "%s/%s/flowlogs/%s.log", VL_RUN_DIR, lab, w[0]);
		if (print_file(path) < 0) {
			fprintf(stderr, "vpclab: flowlogs: no instance '%s' in lab %s\n", w[0], lab);
			return EXIT_INPUT;
		}
		return EXIT_OK;
	}
	json_t *st = NULL;
	if (request(lab, VL_CTL_STATUS, &st))
		return EXIT_INPUT;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(st, "ports"), i, p) {
		snprintf(path, sizeof(path), "%s/%s/flowlogs/%s.log", VL_RUN_DIR, lab,
			 json_string_value(json_object_get(p, "name")));
		print_file(path);
	}
	json_decref(st);
	return EXIT_OK;
}

static int cmd_replay(int argc, char **argv)
{
	const char *lab = NULL, *from = NULL, *in = NULL, *outdir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
			from = argv[++i];
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			outdir = argv[++i];
		else if (argv[i][0] != '-' && !lab)
			lab = argv[i];
		else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else
			return usage();
	}
	if (!lab || !from || !in)
		return usage();
	struct vl_tables *t = offline_tables(lab);
	if (!t)
		return EXIT_INPUT;
	char err[300];
	int rc = replay_run(t, from, in, outdir, stdout, err, sizeof(err));
	vl_tables_free(t);
	if (rc < 0) {
		fprintf(stderr, "vpclab: replay: %s\n", err);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

int cli_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{"check", cmd_check}, {"up", cmd_up},     {"down", cmd_down},
		{"status", cmd_status}, {"exec", cmd_exec}, {"eip", cmd_eip},
		{"nat", cmd_nat}, {"trace", cmd_trace}, {"capture", cmd_capture},
		{"flows", cmd_flows}, {"replay", cmd_replay}, {"flowlogs", cmd_flowlogs},
		{"test", labtest_main},
	};
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "vpclab: unknown command '%s'\n", argv[1]);
	return usage();
}
