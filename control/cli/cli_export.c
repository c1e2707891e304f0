/* `vpclab export [LAB] [-o FILE]`: the running lab as a lab file (control/lab/export.h): its kept
 * copy with the addresses it gave made explicit, which `up` accepts and which reproduces it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/cli/kept_lab.h"
#include "control/lab/export.h"
#include "control/lab/lab.h"

/* --file: a lab file instead of a running lab, checked as `vpclab check` does (diagnostics on
 * stderr). 0 with *out, or EXIT_INPUT. */
static int load_file(const char *path, struct lab **out)
{
	struct diag *d = diag_create();
	if (!d)
		return EXIT_SYSTEM;
	struct lab *m = lab_load(path, d);
	if (m)
		lab_check(m, d);
	int errors = diag_errors(d) ? diag_errors(d) : (m ? 0 : 1);
	if (errors)
		diag_print(d, stderr);
	diag_destroy(d);
	if (errors) {
		fprintf(stderr, "%s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
		lab_free(m);
		return EXIT_INPUT;
	}
	*out = m;
	return EXIT_OK;
}

/* Written beside FILE, renamed over it once whole: a failed export leaves FILE as it was. */
static int export_to(const struct lab *m, const char *file)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", file) >= (int)sizeof(tmp)) {
		fprintf(stderr, "vpclab: export: %s: name too long\n", file);
		return EXIT_USAGE;
	}
	FILE *f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "vpclab: export: %s: %s\n", tmp, strerror(errno));
		return EXIT_SYSTEM;
	}
	int rc = lab_export(m, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, file) < 0)
		rc = -errno;
	if (rc < 0) {
		remove(tmp);
		fprintf(stderr, "vpclab: export: %s: %s\n", file, strerror(-rc));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lab", required_argument, NULL, 'L'}, {"output", required_argument, NULL, 'o'},
		{"file", required_argument, NULL, 'f'}, CLI_OPT_HELP, {0},
	};
	const char *given = NULL, *file = NULL, *from = NULL;
	int o;
	while ((o = cli_next(&cli_export, argc, argv, "o:f:h", opts)) != -1) {
		if (o == 'f')
			from = optarg;
		else if (o == 'L')
			given = optarg;
		else if (o == 'o')
			file = optarg;
		else
			return cli_stop(o);
	}
	if (optind < argc && (given || from))
		return cli_extra(&cli_export, argv[optind]);
	if (optind + 1 < argc)
		return cli_extra(&cli_export, argv[optind + 1]);
	if (optind < argc)
		given = argv[optind];
	if (given && from)
		return cli_extra(&cli_export, given);
	char lab[64];
	struct lab *m = NULL;
	int rc = from ? load_file(from, &m) : cli_lab(&cli_export, given, lab, sizeof(lab));
	if (!rc && !from)
		rc = cli_load_kept(&cli_export, lab, &m);
	if (rc)
		return rc;
	if (file && strcmp(file, "-") != 0) {
		rc = export_to(m, file);
	} else {
		int e = lab_export(m, stdout);
		if (e < 0)
			fprintf(stderr, "vpclab: export: %s\n", strerror(-e));
		rc = e < 0 ? EXIT_SYSTEM : EXIT_OK;
	}
	lab_free(m);
	return rc;
}

const struct cli_cmd cli_export = {
	"export", cmd_export, "the running lab as a lab file",
	"usage: vpclab export [LAB] [-o FILE]   (or --lab LAB)\n"
	"       vpclab export --file LAB.yaml [-o FILE]\n"
	"  writes the running lab as a lab file that `vpclab up` accepts and that reproduces it:\n"
	"  every object as the lab runs it (after every `vpclab apply` and API change), with the\n"
	"  addresses the lab assigned written out (instances, NAT gateways, elastic IPs, load\n"
	"  balancer nodes). An auto-assigned public IP that a fresh `up` would hand out\n"
	"  differently is written as an elastic IP holding it (named public-N). Instances of auto\n"
	"  scaling groups are not written: their group launches them.\n"
	"  -o, --output FILE   write FILE (replaced whole, only on success) instead of stdout\n"
	"  -f, --file LAB.yaml export that file, checked, instead of a running lab: the same lab\n"
	"                      with every address `up` would assign written out\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: 0, 1 the lab is not running (or LAB.yaml has errors), 2 usage, 3 the system refused (FILE not writable)\n",
};
