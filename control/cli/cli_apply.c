/* `vpclab apply LAB.yaml --dry-run [--json]`: the plan between what a running lab runs (the
 * copy `up` kept in /run/vpclab/LAB/lab.yaml) and the file as it is now. Changing the running
 * lab is not built yet: without --dry-run the command refuses and changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/host/state_labs.h"
#include "control/lab/diff.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "vpclab/ctl.h"

/* The kept copy, read whole and loaded as if it were the file it was taken from (source), so
 * a lab named after its file keeps its name. NULL after saying why. */
static struct lab *load_kept(const char *lab, const char *source)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s/%s", VL_RUN_DIR, lab, STATE_KEPT_FILE);
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "vpclab: apply: %s: %s (the lab was brought up by an older vpclab? "
			"'vpclab down %s' and up again)\n", path, strerror(errno), lab);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	char chunk[8192];
	size_t n;
	while (o && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, o);
	fclose(f);
	if (!o || fclose(o) != 0) {
		fprintf(stderr, "vpclab: apply: out of memory\n");
		free(buf);
		return NULL;
	}
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load_buffer(source[0] ? source : path, buf, len, d) : NULL;
	if (m && lab_check(m, d) != 0) {
		lab_free(m);
		m = NULL;
	}
	if (!m && d) {
		fprintf(stderr, "vpclab: apply: the copy of the running lab (%s) no longer checks:\n", path);
		diag_print(d, stderr);
	}
	diag_destroy(d);
	free(buf);
	return m;
}

static int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'}, CLI_OPT_HELP, {0},
	};
	bool dry = false, as_json = false;
	int o;
	while ((o = cli_next(&cli_apply, argc, argv, "hn", opts)) != -1) {
		if (o == 'n')
			dry = true;
		else if (o == 'j')
			as_json = true;
		else
			return cli_stop(o);
	}
	if (optind == argc)
		return cli_missing(&cli_apply, "LAB.yaml");
	if (optind + 1 < argc)
		return cli_extra(&cli_apply, argv[optind + 1]);
	if (!dry) {
		fprintf(stderr, "vpclab: apply: changing a running lab is not built yet; "
			"'vpclab apply %s --dry-run' shows the plan\n", argv[optind]);
		return EXIT_SYSTEM;
	}
	const char *path = argv[optind];
	struct diag *d = diag_create();
	if (!d) {
		fprintf(stderr, "vpclab: apply: out of memory\n");
		return EXIT_SYSTEM;
	}
	/* Loaded, then checked once the running lab is known: what runs keeps its addresses
	 * (lab_keep_addresses) before check assigns the ones left out. */
	struct lab *new = lab_load(path, d), *old = NULL;
	char lab[64] = "";
	bool running = false;
	if (new) {
		snprintf(lab, sizeof(lab), "%s", lab_name(new));
		running = lab[0] && state_lab_running(lab);
	}
	if (running && !diag_errors(d)) {
		char source[4096];
		state_source(lab, source, sizeof(source));
		old = load_kept(lab, source);
		if (!old || lab_keep_addresses(new, old) < 0) {
			if (old)
				fprintf(stderr, "vpclab: apply: out of memory\n");
			lab_free(old);
			lab_free(new);
			diag_destroy(d);
			return EXIT_SYSTEM;
		}
	}
	if (new)
		lab_check(new, d);
	diag_print(d, stderr);
	int errors = diag_errors(d) ? diag_errors(d) : (new ? 0 : 1);
	diag_destroy(d);
	if (errors) {
		fprintf(stderr, "%s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
		lab_free(old);
		lab_free(new);
		return EXIT_INPUT;
	}
	if (!running) {
		fprintf(stderr, "vpclab: apply: lab %s is not running ('vpclab up %s' first)\n", lab, path);
		lab_free(new);
		return EXIT_INPUT;
	}
	struct lab_plan *p = lab_diff(old, new);
	lab_free(old);
	lab_free(new);
	if (!p) {
		fprintf(stderr, "vpclab: apply: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (as_json)
		lab_plan_print_json(p, stdout);
	else
		lab_plan_print(p, stdout);
	lab_plan_free(p);
	return EXIT_OK;
}

const struct cli_cmd cli_apply = {
	"apply", cmd_apply, "the plan of changes from the running lab to an edited file (--dry-run)",
	"usage: vpclab apply LAB.yaml --dry-run [--json]\n"
	"  checks LAB.yaml as `up` does (every error FILE:LINE:COL; nothing changes), compares it\n"
	"  with what the running lab of the same name runs (the copy `up` kept), and prints the\n"
	"  plan: one line per change, '+' added, '-' removed, '~' changed; \"no changes\" when\n"
	"  identical. Objects are matched by name, rules and routes by content. Instances, NAT\n"
	"  gateways and elastic IPs that run keep their addresses when the file leaves them out.\n"
	"  --dry-run  print the plan only. Required for now: applying the plan to the running lab\n"
	"             is not built yet, and without --dry-run apply refuses (exit 3).\n"
	"  --json     the plan as {\"changes\": [{\"op\", \"kind\", \"name\", \"detail\"}]}\n"
	"exit: 0 plan printed, 1 the file has errors or the lab is not running, 2 usage,\n"
	"  3 applying refused (not built yet) or the running lab's copy cannot be read\n",
};
