/* A lab's life on the command line: `check` (no root), `up` and `down`. The work is in
 * control/lab (load, check, compile), control/router/daemon.c (up) and control/host/state.c
 * (down, also after a crash); here are only arguments, messages and exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/server.h"
#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/host/state.h"
#include "control/host/state_down.h"
#include "control/lab/lab.h"
#include "control/router/asg.h"
#include "control/router/daemon.h"
#include "vpclab/ctl.h"

struct lab *cli_load_checked(const char *path, int *errors)
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

int cli_need_root(const char *what)
{
	if (geteuid() != 0) {
		fprintf(stderr, "vpclab: %s needs root (it creates namespaces and taps)\n", what);
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static const struct option help_only[] = {CLI_OPT_HELP, {0}};

static int cmd_check(int argc, char **argv)
{
	int o;
	while ((o = cli_next(&cli_check, argc, argv, "h", help_only)) != -1)
		return cli_stop(o);
	if (optind == argc)
		return cli_missing(&cli_check, "LAB.yaml");
	if (optind + 1 < argc)
		return cli_extra(&cli_check, argv[optind + 1]);
	const char *path = argv[optind];
	int errors;
	struct lab *m = cli_load_checked(path, &errors);
	if (!m) {
		fprintf(stderr, "%s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
		return EXIT_INPUT;
	}
	printf("%s: ok (lab %s)\n", path, lab_name(m));
	struct vl_tables *t = lab_has_lb(m) ? lab_compile(m) : NULL;
	if (t)
		check_print_lbs(t, stdout);
	if (lab_has_zones(m) && !t)
		t = lab_compile(m);
	if (t)
		check_print_dns(t, stdout);
	if (lab_has_asgs(m) && !t)
		t = lab_compile(m);
	if (t && lab_has_asgs(m))
		check_print_asgs(t, stdout);
	vl_tables_free(t);
	lab_free(m);
	return EXIT_OK;
}

const struct cli_cmd cli_check = {
	"check", cmd_check, "validate a lab file; every error as FILE:LINE:COL (no root)",
	"usage: vpclab check LAB.yaml\n"
	"  validates LAB.yaml without root: every error and warning as\n"
	"  FILE:LINE:COL: error|warning: ...; a valid lab with load balancers also gets each one's\n"
	"  DNS name, nodes and listeners\n"
	"exit: 0 valid, 1 errors, 2 usage\n",
};

/* --api=ADDR: a loopback address, else the option is named on stderr. */
static bool api_listen_ok(const char *s)
{
	char host[64];
	uint16_t port;
	int rc = api_listen_parse(s, host, sizeof(host), &port);
	if (rc)
		cli_bad_value(&cli_up, "--api", s, rc == -EADDRNOTAVAIL ? "a loopback address "
			      "(127.0.0.1[:PORT]); the API serves this machine only" : "127.0.0.1[:PORT]");
	return rc == 0;
}

static int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{"foreground", no_argument, NULL, 'f'},
		{"flow-log-interval", required_argument, NULL, 'i'},
		{"flow-log-max", required_argument, NULL, 'm'},
		{"api", optional_argument, NULL, 'A'},
		CLI_OPT_HELP, {0},
	};
	struct daemon_opts d = {.flowlog_interval_s = 60};
	bool api = false;
	const char *api_listen = NULL;
	long v;
	int o;
	while ((o = cli_next(&cli_up, argc, argv, "h", opts)) != -1) {
		if (o == 'f')
			d.foreground = true;
		else if (o == 'A' && (!optarg || api_listen_ok(optarg)))
			api = true, api_listen = optarg;
		else if (o == 'i' && cli_uint(&cli_up, "--flow-log-interval", optarg, 1, 86400,
					       "a number of seconds", &v) == 0)
			d.flowlog_interval_s = (uint32_t)v;
		else if (o == 'm' && cli_uint(&cli_up, "--flow-log-max", optarg, FLOWLOG_MAX_MIN, 1L << 30,
					       "a number of bytes", &v) == 0)
			d.flowlog_max = (uint64_t)v;
		else
			return o == 'i' || o == 'm' || o == 'A' ? EXIT_USAGE : cli_stop(o);
	}
	if (api && d.foreground) {
		fprintf(stderr, "vpclab: up: --api with --foreground: run 'vpclab api' beside the "
			"foreground lab instead\n");
		return EXIT_USAGE;
	}
	if (optind == argc)
		return cli_missing(&cli_up, "LAB.yaml");
	if (optind + 1 < argc)
		return cli_extra(&cli_up, argv[optind + 1]);
	const char *path = argv[optind];
	int errors;
	struct lab *m = cli_load_checked(path, &errors);
	if (!m)
		return EXIT_INPUT;
	if (cli_need_root("up")) {
		lab_free(m);
		return EXIT_SYSTEM;
	}
	struct lab_member *members;
	m = asg_up_model(m, path, &members, &d.n_members, &errors);
	if (!m)
		return EXIT_INPUT;
	d.members = members;
	struct vl_tables *t = lab_compile(m);
	errno = 0;
	d.runs = t ? run_specs_of(m, &d.n_runs) : NULL;
	lab_free(m);
	if (!t || (!d.runs && errno)) {
		fprintf(stderr, "vpclab: up: %s\n", strerror(errno ? errno : ENOMEM));
		vl_tables_free(t);
		free(members);
		return EXIT_SYSTEM;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "vpclab: up: /dev/net/tun: %s\n", strerror(errno));
		vl_tables_free(t);
		run_specs_free(d.runs, d.n_runs);
		free(members);
		return EXIT_SYSTEM;
	}
	char lab[sizeof(t->lab)];
	snprintf(lab, sizeof(lab), "%s", t->lab);
	uint16_t n = t->n_ports;
	int urc = daemon_up(t, path, &d);
	run_specs_free(d.runs, d.n_runs);
	free(members);
	if (urc < 0)
		return EXIT_SYSTEM;
	if (d.foreground)
		return EXIT_OK;
	printf("lab %s is up: %u namespaces; 'vpclab status %s' shows them\n", lab, n, lab);
	/* the lab's key pair for its AWS API, whether served now or later ('vpclab api') */
	char dir[256], ak[32], secret[64];
	if (state_path(dir, sizeof(dir), lab, NULL) == 0 &&
	    (urc = api_creds_ensure(dir, lab, ak, sizeof(ak), secret, sizeof(secret))) < 0)
		fprintf(stderr, "vpclab: up: %s/credentials: %s\n", dir, strerror(-urc));
	if (api) {
		char url[256];
		int arc = cli_api_spawn(lab, api_listen, url, sizeof(url));
		if (arc)
			return arc; /* the lab is up; the message said why its API is not */
		printf("the AWS API of lab %s: %s ('vpclab aws %s -- ec2 describe-vpcs')\n", lab, url, lab);
	}
	return EXIT_OK;
}

const struct cli_cmd cli_up = {
	"up", cmd_up, "provision the lab and start its router; returns when traffic can flow",
	"usage: vpclab up LAB.yaml [--foreground] [--flow-log-interval SECONDS] [--flow-log-max BYTES]\n"
	"                [--api[=127.0.0.1:PORT]]\n"
	"  validates LAB.yaml, creates a namespace per instance and internet host, starts the\n"
	"  router; returns when traffic can flow. A lab that already runs is refused.\n"
	"  --foreground               keep the router in this process (Ctrl-C takes the lab down)\n"
	"  --flow-log-interval SECONDS  flow log aggregation window (default 60)\n"
	"  --flow-log-max BYTES       an instance's flow log file is rotated to NAME.log.1 past\n"
	"                             this size (1024 to 1073741824, default 1048576); what the\n"
	"                             rotation discards is counted in status\n"
	"  --api[=ADDR[:PORT]]        also serve the lab's AWS API ('vpclab api') for its life, on\n"
	"                             loopback (default 127.0.0.1, first free port from 4566)\n"
	"  Interrupted, or its router dying, before the lab is ready: nothing of the lab is left.\n"
	"exit: 0 up, 1 invalid file, 2 usage, 3 the system refused (no root, no /dev/net/tun,\n"
	"  the lab already running) or the up was interrupted\n",
};

static int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {{"lab", required_argument, NULL, 'L'}, CLI_OPT_HELP, {0}};
	const char *given = NULL;
	int o;
	while ((o = cli_next(&cli_down, argc, argv, "h", opts)) != -1) {
		if (o != 'L')
			return cli_stop(o);
		given = optarg;
	}
	if (argc - optind > (given ? 0 : 1))
		return cli_extra(&cli_down, argv[argc - 1]);
	if (optind < argc)
		given = argv[optind];
	char lab[64];
	int rc = cli_lab(&cli_down, given, lab, sizeof(lab));
	if (rc == EXIT_INPUT)
		return EXIT_OK; /* nothing runs: down is idempotent */
	if (rc)
		return rc;
	if (cli_need_root("down"))
		return EXIT_SYSTEM;
	struct state_down d;
	rc = state_down(lab, STATE_DOWN_GRACE_MS, &d);
	if (rc < 0) {
		fprintf(stderr, "vpclab: down %s: not down; left: %s\n", lab, d.left);
		return EXIT_SYSTEM;
	}
	if (d.killed)
		fprintf(stderr, "vpclab: down %s: the router (pid %ld) did not stop within %d s; it was killed\n",
			lab, (long)d.router, STATE_DOWN_GRACE_MS / 1000);
	printf("lab %s is down\n", lab);
	return EXIT_OK;
}

const struct cli_cmd cli_down = {
	"down", cmd_down, "remove everything of the lab (also after a crash)",
	"usage: vpclab down [LAB]   (or --lab LAB)\n"
	"  stops the lab's router (asked; killed after 5 s) and waits until it is gone, then removes\n"
	"  its namespaces, taps, processes and state under /run/vpclab/LAB; also cleans up after a\n"
	"  crashed router or a killed up. Returns when nothing of the lab is left. Idempotent.\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: 0 down (or nothing running), 2 usage (several labs run: name one),\n"
	"  3 something is left (the message says what) or the system refused\n",
};
