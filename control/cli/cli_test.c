/* `vpclab test LAB.yaml [CHECKS.yaml ...]`: the command line of the lab's own test run; the
 * run itself (up, probes, traces, reports, down) is control/labtest/. */
#include <stdio.h>

#include "control/cli/cli.h"
#include "control/labtest/labtest.h"

enum { O_JUNIT = 0x200, O_TAP, O_ONLY, O_KEEP, O_TIMEOUT, O_JOBS };

/* One option into o; 0, or EXIT_USAGE after naming what is wrong. */
static int test_opt(int opt, struct labtest_opts *o)
{
	long v;
	switch (opt) {
	case O_TAP: o->tap = true; return 0;
	case O_KEEP: o->keep = true; return 0;
	case O_JUNIT: o->junit = optarg; return 0;
	case O_ONLY:
		if (o->n_only == LABTEST_MAX_ONLY) {
			fprintf(stderr, "vpclab: test: --only: at most %d\n", LABTEST_MAX_ONLY);
			return EXIT_USAGE;
		}
		o->only[o->n_only++] = optarg;
		return 0;
	case O_TIMEOUT:
		if (cli_uint(&cli_test, "--timeout", optarg, 10, 600000, "milliseconds", &v) < 0)
			return EXIT_USAGE;
		o->timeout_ms = (int)v;
		return 0;
	case O_JOBS:
		if (cli_uint(&cli_test, "--jobs", optarg, 1, LABTEST_MAX_JOBS, "a number of probes", &v) < 0)
			return EXIT_USAGE;
		o->jobs = (int)v;
		return 0;
	default:
		return EXIT_USAGE; /* cli_next named it */
	}
}

static int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{"junit", required_argument, NULL, O_JUNIT}, {"tap", no_argument, NULL, O_TAP},
		{"only", required_argument, NULL, O_ONLY}, {"keep", no_argument, NULL, O_KEEP},
		{"timeout", required_argument, NULL, O_TIMEOUT}, {"jobs", required_argument, NULL, O_JOBS},
		CLI_OPT_HELP, {0},
	};
	struct labtest_opts o = {.timeout_ms = LABTEST_DEFAULT_TIMEOUT_MS, .jobs = LABTEST_DEFAULT_JOBS};
	int opt, rc;
	while ((opt = cli_next(&cli_test, argc, argv, "h", opts)) != -1) {
		if (opt == CLI_STOP_OK)
			return EXIT_OK;
		if ((rc = test_opt(opt, &o)) != 0)
			return rc;
	}
	if (optind == argc)
		return cli_missing(&cli_test, "LAB.yaml");
	o.lab = argv[optind++];
	for (; optind < argc; optind++) {
		if (o.n_files == LABTEST_MAX_FILES)
			return cli_extra(&cli_test, argv[optind]);
		o.files[o.n_files++] = argv[optind];
	}
	return labtest_run(&o);
}

const struct cli_cmd cli_test = {
	"test", cmd_test, "bring the lab up, run its checks with real probes, report, take it down",
	"usage: vpclab test LAB.yaml [CHECKS.yaml ...] [--junit FILE] [--tap] [--only GLOB]\n"
	"                   [--keep] [--timeout MS] [--jobs N]\n"
	"  brings LAB up, runs every check of its `checks:` (and of each CHECKS.yaml, a file with\n"
	"  only a `checks:` list) with real traffic, compares each with the offline trace, reports\n"
	"  one line per check and `N passed, M failed`, takes the lab down (unless --keep).\n"
	"  --junit FILE   also write JUnit XML      --tap       TAP instead of the human lines\n"
	"  --only GLOB    checks whose text or `from` matches (fnmatch; repeatable, at most 16)\n"
	"  --timeout MS   per probe (default 1000)  --jobs N    probes at once (default 16)\n"
	"  --keep         leave the lab running afterwards\n"
	"exit: 0 all passed, 1 a check failed or the input is invalid, 2 usage, 3 the system refused,\n"
	"  130 interrupted (the lab is taken down first)\n",
};
