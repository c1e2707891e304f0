/* The command line (cli.h): which command runs, `vpclab --help` (every command, one line each),
 * `vpclab help CMD`, `vpclab --version`. Each command parses its own options with getopt_long
 * (cli_opts.c) and does its work in its family's file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"

#ifndef VPCLAB_VERSION
#define VPCLAB_VERSION "unknown" /* the Makefile defines it once, for this file */
#endif

static const struct cli_cmd *const cmds[] = {
	&cli_check, &cli_up, &cli_apply, &cli_down, &cli_status, &cli_list, &cli_exec, &cli_trace,
	&cli_replay, &cli_capture, &cli_flows, &cli_nat, &cli_lb, &cli_asg, &cli_dns, &cli_flowlogs, &cli_eip, &cli_logs,
	&cli_test,
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *out)
{
	fputs("usage: vpclab COMMAND [ARGS...]   (vpclab COMMAND --help for its options)\n"
	      "commands:\n", out);
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(out, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	fputs("LAB may be left out when one lab runs; VPCLAB_LAB names the default lab.\n"
	      "exit: 0 success, 1 the input or the network said no, 2 usage, 3 the system refused\n"
	      "  (no root, no /dev/net/tun, the lab already running)\n", out);
}

static const struct cli_cmd *cmd_named(const char *name)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (strcmp(name, cmds[i]->name) == 0)
			return cmds[i];
	return NULL;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *a = argv[1];
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0) {
		if (argc > 2 && strcmp(a, "help") == 0) {
			const struct cli_cmd *c = cmd_named(argv[2]);
			if (!c) {
				fprintf(stderr, "vpclab: help: unknown command '%s' (vpclab --help)\n", argv[2]);
				return EXIT_USAGE;
			}
			fputs(c->usage, stdout);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
		printf("vpclab %s\n", VPCLAB_VERSION);
		return EXIT_OK;
	}
	const struct cli_cmd *c = cmd_named(a);
	if (!c) {
		if (a[0] == '-')
			fprintf(stderr, "vpclab: unknown option '%s' (vpclab --help)\n", a);
		else
			fprintf(stderr, "vpclab: unknown command '%s' (vpclab --help)\n", a);
		return EXIT_USAGE;
	}
	optind = 0; /* getopt starts afresh for this command's argv */
	return c->run(argc - 1, argv + 1);
}
