/* Options for every command (cli.h): getopt_long with its errors turned into one line that
 * names the option, `--help` answered from the command's own usage text, and the value
 * parsers that name the option and the value they refuse. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"

/* How many long options "--abbr" abbreviates; with out, their names, comma separated.
 * getopt_long refuses an ambiguous abbreviation as it does an unknown option: the user should
 * hear which options it could be. */
static size_t abbreviates(const char *typed, const struct option *lo, FILE *out)
{
	size_t len = strlen(typed + 2), n = 0;
	for (const struct option *o = lo; len && o->name; o++)
		if (strncmp(o->name, typed + 2, len) == 0 && ++n && out)
			fprintf(out, "%s--%s", n > 1 ? ", " : "", o->name);
	return n;
}

/* The option as the user typed it, without any "=value". */
static void opt_text(char *buf, size_t cap, int argc, char **argv, int optopt_c)
{
	const char *a = optind - 1 < argc && optind > 0 ? argv[optind - 1] : "";
	if (strncmp(a, "--", 2) == 0)
		snprintf(buf, cap, "%.*s", (int)strcspn(a, "="), a);
	else if (optopt_c > 0 && optopt_c < 0x80)
		snprintf(buf, cap, "-%c", optopt_c);
	else
		snprintf(buf, cap, "%s", a);
}

int cli_next(const struct cli_cmd *c, int argc, char **argv, const char *shortopts,
	     const struct option *longopts)
{
	char so[64], name[80];
	bool posix = shortopts[0] == '+';
	snprintf(so, sizeof(so), "%s:%s", posix ? "+" : "", shortopts + posix);
	opterr = 0;
	optopt = 0;
	int o = getopt_long(argc, argv, so, longopts, NULL);
	if (o == 'h') {
		fputs(c->usage, stdout);
		return CLI_STOP_OK;
	}
	if (o == ':') {
		opt_text(name, sizeof(name), argc, argv, optopt);
		fprintf(stderr, "vpclab: %s: %s needs a value\n", c->name, name);
		return CLI_STOP_USAGE;
	}
	if (o == '?') {
		opt_text(name, sizeof(name), argc, argv, optopt);
		if (optopt && strncmp(name, "--", 2) == 0)
			fprintf(stderr, "vpclab: %s: %s takes no value\n", c->name, name);
		else if (strncmp(name, "--", 2) == 0 && abbreviates(name, longopts, NULL) > 1) {
			fprintf(stderr, "vpclab: %s: ambiguous option '%s' (", c->name, name);
			abbreviates(name, longopts, stderr);
			fputs(")\n", stderr);
		} else
			fprintf(stderr, "vpclab: %s: unknown option '%s' (vpclab %s --help)\n", c->name,
				name, c->name);
		return CLI_STOP_USAGE;
	}
	return o;
}

int cli_stop(int opt)
{
	return opt == CLI_STOP_OK ? EXIT_OK : EXIT_USAGE;
}

int cli_bad_value(const struct cli_cmd *c, const char *opt, const char *value, const char *what)
{
	fprintf(stderr, "vpclab: %s: %s: '%s' is not %s\n", c->name, opt, value, what);
	return EXIT_USAGE;
}

int cli_extra(const struct cli_cmd *c, const char *arg)
{
	fprintf(stderr, "vpclab: %s: unexpected argument '%s' (vpclab %s --help)\n", c->name, arg,
		c->name);
	return EXIT_USAGE;
}

int cli_missing(const struct cli_cmd *c, const char *what)
{
	fprintf(stderr, "vpclab: %s: %s missing (vpclab %s --help)\n", c->name, what, c->name);
	return EXIT_USAGE;
}

int cli_uint(const struct cli_cmd *c, const char *opt, const char *s, long lo, long hi,
	     const char *what, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi) {
		char desc[120];
		snprintf(desc, sizeof(desc), "%s (%ld-%ld)", what, lo, hi);
		cli_bad_value(c, opt, s, desc);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int cli_port(const struct cli_cmd *c, const char *opt, const char *s, uint16_t *out)
{
	long v;
	int rc = cli_uint(c, opt, s, 1, 65535, "a port", &v);
	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}
