/* Which lab a command is about (cli.h) and asking its router: LAB given, else $VPCLAB_LAB,
 * else the only lab on this machine; several labs are an error that lists them, and a lab that
 * does not answer is told apart from one whose router crashed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"

static int name_checked(const struct cli_cmd *c, const char *name, const char *from, char *lab,
			size_t cap)
{
	if (!state_name_ok(name)) {
		fprintf(stderr, "vpclab: %s: %s'%s' is not a lab name ([a-z][a-z0-9-]*, at most 63)\n",
			c->name, from, name);
		return EXIT_USAGE;
	}
	snprintf(lab, cap, "%s", name);
	return EXIT_OK;
}

/* "a, b, c" of the names, on out. */
static void names_print(const struct state_lab *v, size_t n, size_t total, FILE *out)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", v[i].name);
	if (total > n)
		fprintf(out, ", and %zu more", total - n);
}

int cli_lab(const struct cli_cmd *c, const char *given, char *lab, size_t cap)
{
	if (given)
		return name_checked(c, given, "", lab, cap);
	const char *env = getenv("VPCLAB_LAB");
	if (env && env[0])
		return name_checked(c, env, "VPCLAB_LAB=", lab, cap);
	struct state_lab v[STATE_LABS_MAX];
	size_t total = state_labs(v, STATE_LABS_MAX), n = total < STATE_LABS_MAX ? total : STATE_LABS_MAX;
	/* Running labs count first; a crashed lab's leftovers are the answer only when nothing
	 * runs (so `down` and `status` find them). */
	size_t running = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].running)
			v[running++] = v[i];
	if (running)
		n = total = running;
	const char *what = running ? "are running" : "left state behind (crashed?)";
	if (total == 0) {
		fprintf(stderr, "vpclab: %s: no lab is running\n", c->name);
		return EXIT_INPUT;
	}
	if (total > 1) {
		fprintf(stderr, "vpclab: several labs %s (", what);
		names_print(v, n, total, stderr);
		fputs("): name one, or set VPCLAB_LAB\n", stderr);
		return EXIT_USAGE;
	}
	snprintf(lab, cap, "%s", v[0].name);
	return EXIT_OK;
}

int cli_not_running(const struct cli_cmd *c, const char *lab, int err)
{
	char dir[256];
	struct stat st;
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr, "vpclab: %s: lab %s: the control socket needs root\n", c->name, lab);
		return EXIT_SYSTEM;
	}
	if (state_lab_running(lab)) {
		fprintf(stderr, "vpclab: %s: lab %s: the router does not answer (%s)\n", c->name, lab,
			strerror(-err));
		return EXIT_INPUT;
	}
	if (state_path(dir, sizeof(dir), lab, NULL) == 0 && stat(dir, &st) == 0) {
		fprintf(stderr, "vpclab: %s: lab %s: the router is not running but its namespaces "
			"remain (it crashed?); run 'vpclab down %s' to clean up\n", c->name, lab, lab);
		return EXIT_INPUT;
	}
	fprintf(stderr, "vpclab: %s: lab %s is not running\n", c->name, lab);
	return EXIT_INPUT;
}

int cli_request(const struct cli_cmd *c, const char *lab, const char *req, json_t **ans)
{
	int rc = ctl_request(lab, req, ans);
	if (rc < 0)
		return cli_not_running(c, lab, rc);
	const char *err = json_string_value(json_object_get(*ans, "error"));
	if (err) {
		fprintf(stderr, "vpclab: %s: %s\n", c->name, err);
		json_decref(*ans);
		*ans = NULL;
		return EXIT_INPUT;
	}
	return EXIT_OK;
}
