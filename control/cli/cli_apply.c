/* `vpclab apply LAB.yaml [--dry-run] [--json]`: the file is checked here as `up` checks it (and
 * against what runs: addresses kept, AWS's DependencyViolation), then staged in the lab's state
 * directory and handed to the router, which plans, counts the flows each change ends, and (without
 * --dry-run) changes the running lab (control/router/apply.c). A bad file changes nothing. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "control/lab/diff.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "control/lab/pins.h"
#include "vpclab/ctl.h"

/* The file read once: what is checked here is what the router applies. NULL after saying why. */
static char *read_whole(const char *path, size_t *len)
{
	char *buf = lab_file_read(path, len);
	if (!buf)
		fprintf(stderr, "vpclab: apply: %s: %s\n", path, strerror(errno));
	return buf;
}

/* The kept copy, read whole and loaded as if it were the file it was taken from (source), so
 * a lab named after its file keeps its name. NULL after saying why. */
static struct lab *load_kept(const char *lab, const char *source)
{
	char path[256], pins[256];
	snprintf(path, sizeof(path), "%s/%s/%s", VL_RUN_DIR, lab, STATE_KEPT_FILE);
	snprintf(pins, sizeof(pins), "%s/%s/%s", VL_RUN_DIR, lab, STATE_PINS_FILE);
	if (access(path, R_OK) < 0) {
		fprintf(stderr, "vpclab: apply: %s: %s (the lab was brought up by an older vpclab? "
			"'vpclab down %s' and up again)\n", path, strerror(errno), lab);
		return NULL;
	}
	size_t len;
	char *buf = read_whole(path, &len);
	if (!buf)
		return NULL;
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load_buffer(source[0] ? source : path, buf, len, d) : NULL;
	/* with the addresses the running lab gave (pins.h), as the router loads it */
	if (m && lab_pins_load(m, pins) < 0) {
		lab_free(m);
		m = NULL;
	}
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


/* buf, where the router will read it: a file of this request's own, /run/vpclab/LAB/apply.XXXXXX
 * (two applies at once must not write into one file: the second, refused, would garble the
 * first's). A published apply renames it to the kept copy; otherwise it is removed.
 * 0 or EXIT_SYSTEM. */
static int stage(const char *lab, const char *buf, size_t len, char *path, size_t cap)
{
	if (state_path(path, cap, lab, "apply.XXXXXX") < 0)
		return EXIT_SYSTEM;
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vpclab: apply: %s: %s\n", path, strerror(errno));
		return EXIT_SYSTEM;
	}
	/* the mode of the kept copy it becomes: readable, as `up` writes it */
	FILE *f = fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
	bool written = f && fwrite(buf, 1, len, f) == len;
	int err = errno;
	if (f ? fclose(f) != 0 : close(fd) != 0)
		written = false, err = errno;
	if (!written) {
		fprintf(stderr, "vpclab: apply: %s: %s\n", path, strerror(err));
		unlink(path);
		return EXIT_SYSTEM;
	}
	return 0;
}

static void print_plan(const json_t *ans)
{
	const json_t *changes = json_object_get(ans, "changes");
	size_t i;
	const json_t *c;
	if (json_array_size(changes) == 0)
		printf("no changes\n");
	json_array_foreach(changes, i, c) {
		const char *op = json_string_value(json_object_get(c, "op"));
		const char *detail = json_string_value(json_object_get(c, "detail"));
		char sign = op && !strcmp(op, "add") ? '+' : op && !strcmp(op, "remove") ? '-' : '~';
		json_int_t ends = json_integer_value(json_object_get(c, "ends"));
		const char *sep = !detail || !detail[0] ? "" : sign == '~' ? ": " : " ";
		printf("%c %s %s%s%s", sign, json_string_value(json_object_get(c, "kind")),
		       json_string_value(json_object_get(c, "name")), sep, detail ? detail : "");
		bool nat = !strcmp(json_string_value(json_object_get(c, "kind")), "nat_gateway");
		if (ends)
			printf("  [ends %lld %s%s]", (long long)ends, nat ? "NAT translation" : "flow",
			       ends == 1 ? "" : "s");
		putchar('\n');
	}
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
	const char *path = argv[optind];
	size_t len;
	char *buf = read_whole(path, &len);
	struct diag *d = buf ? diag_create() : NULL;
	if (!d) {
		free(buf);
		return buf ? EXIT_SYSTEM : EXIT_INPUT;
	}
	/* Loaded, then checked once the running lab is known: what runs keeps its addresses
	 * (lab_keep_addresses) before check assigns the ones left out. */
	struct lab *new = lab_load_buffer(path, buf, len, d), *old = NULL;
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
			free(buf);
			return EXIT_SYSTEM;
		}
	}
	if (new && lab_check(new, d) == 0 && old)
		lab_diff_check(old, new, d);
	lab_free(old);
	diag_print(d, stderr);
	int errors = diag_errors(d) ? diag_errors(d) : (new ? 0 : 1);
	diag_destroy(d);
	if (errors) {
		fprintf(stderr, "%s: %d error%s; nothing was changed\n", path, errors, errors == 1 ? "" : "s");
		lab_free(new);
		free(buf);
		return EXIT_INPUT;
	}
	lab_free(new);
	if (!running) {
		fprintf(stderr, "vpclab: apply: lab %s is not running ('vpclab up %s' first)\n", lab, path);
		free(buf);
		return EXIT_INPUT;
	}
	char staged[256], abs[PATH_MAX];
	int rc = cli_need_root("apply") ? EXIT_SYSTEM : stage(lab, buf, len, staged, sizeof(staged));
	free(buf);
	if (rc)
		return rc;
	json_t *req = json_pack("{s:s, s:s, s:b}", "staged", staged, "source",
				realpath(path, abs) ? abs : path, "dry_run", dry);
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	char full[VL_CTL_MAX_LINE];
	json_t *ans = NULL;
	if (!line || (size_t)snprintf(full, sizeof(full), "%s %s", VL_CTL_APPLY, line) >= sizeof(full)) {
		fprintf(stderr, "vpclab: apply: the file's path is too long\n");
		free(line);
		return EXIT_SYSTEM;
	}
	free(line);
	/* Removed instances' processes get 2 s after SIGTERM; a thousand new namespaces about a
	 * second: a generous bound for the answer. */
	rc = ctl_request_wait(lab, full, &ans, 300);
	if (rc < 0)
		return cli_not_running(&cli_apply, lab, rc); /* the router may still read it: down removes it */
	unlink(staged); /* answered: renamed when published, ours to remove otherwise */
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err) {
		bool input = json_is_true(json_object_get(ans, "input"));
		fprintf(stderr, "vpclab: apply: %s%s\n", err, input ? "" : "");
		if (!as_json && !input)
			fprintf(stderr, "vpclab: apply: nothing was changed\n");
		json_decref(ans);
		return input ? EXIT_INPUT : EXIT_SYSTEM;
	}
	if (as_json) {
		cli_print_json(ans);
	} else {
		print_plan(ans);
		if (!json_array_size(json_object_get(ans, "changes")))
			; /* "no changes" says it all */
		else if (dry)
			printf("dry run: nothing was changed (these changes would end %lld flow%s, %lld NAT "
			       "translation%s)\n", (long long)json_integer_value(json_object_get(ans, "ends")),
			       json_integer_value(json_object_get(ans, "ends")) == 1 ? "" : "s",
			       (long long)json_integer_value(json_object_get(ans, "translations_ends")),
			       json_integer_value(json_object_get(ans, "translations_ends")) == 1 ? "" : "s");
		else
			printf("applied in %.3f ms of router time; %lld flow%s ended, %lld NAT translation%s\n",
			       json_real_value(json_object_get(ans, "router_ms")),
			       (long long)json_integer_value(json_object_get(ans, "ended")),
			       json_integer_value(json_object_get(ans, "ended")) == 1 ? "" : "s",
			       (long long)json_integer_value(json_object_get(ans, "translations_ended")),
			       json_integer_value(json_object_get(ans, "translations_ended")) == 1 ? "" : "s");
		const char *warn = json_string_value(json_object_get(ans, "warning"));
		if (warn)
			fprintf(stderr, "vpclab: apply: warning: %s\n", warn);
	}
	bool warned = json_object_get(ans, "warning") != NULL;
	json_decref(ans);
	return warned ? EXIT_SYSTEM : EXIT_OK;
}

const struct cli_cmd cli_apply = {
	"apply", cmd_apply, "change the running lab to match an edited file (AWS's rules for open flows)",
	"usage: vpclab apply LAB.yaml [--dry-run] [--json]\n"
	"  checks LAB.yaml as `up` does (every error FILE:LINE:COL; then nothing changes), compares\n"
	"  it with what the running lab of the same name runs, prints the plan (one line per change:\n"
	"  '+' added, '-' removed, '~' changed, with the open flows each one ends) and applies it:\n"
	"  new namespaces are made first, then the router switches to the new tables between two\n"
	"  packets, then what went away is removed. Objects are matched by name, rules and routes by\n"
	"  content; what runs keeps its address. As in AWS: tracked connections outlive the rule\n"
	"  that admitted them; untracked ones (0.0.0.0/0 rules both ways) end when the new rules\n"
	"  refuse them; ACL and route changes act on the next packet; a removed instance, NAT gateway\n"
	"  or elastic IP ends the flows through it. An identical file changes nothing.\n"
	"  --dry-run  print the plan and the flows it would end; change nothing\n"
	"  --json     the answer as {\"changes\": [{\"op\", \"kind\", \"name\", \"detail\", \"ends\"}],\n"
	"             \"dry_run\", \"applied\", \"ended\", \"translations_ended\", \"router_ms\", ...}\n"
	"exit: 0 applied (or planned), 1 the file has errors (or AWS would refuse the change) or the\n"
	"  lab is not running, 2 usage, 3 the system refused (also: a file with load balancers, not\n"
	"  built yet); a failed apply changes nothing, except\n"
	"  that an instance replaced under the same name that could not be made again is said\n",
};
