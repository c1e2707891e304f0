/* The command line: one struct cli_cmd per command, each in the file of its family (cli_lab.c,
 * cli_obs.c, ...), listed once in cli.c. cli_main returns the process exit code:
 * 0 success, 1 the input or the network said no, 2 usage, 3 the system refused. */
#ifndef VPCLAB_CLI_H
#define VPCLAB_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cli_exit { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3 };

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);   /* argv[0] is the command's name */
	const char *summary;                 /* one line for `vpclab --help` */
	const char *usage;                   /* `vpclab NAME --help`: synopsis, options, exit codes */
};

/* The commands, one file each family; cli.c lists them in this order. */
extern const struct cli_cmd cli_check, cli_up, cli_down, cli_status, cli_list, cli_exec,
	cli_trace, cli_replay, cli_capture, cli_flows, cli_nat, cli_flowlogs, cli_eip, cli_logs,
	cli_test, cli_apply, cli_lb, cli_asg, cli_dns;

int cli_main(int argc, char **argv);

/* cli_opts.c: getopt_long for every command. Each option table ends with CLI_OPT_HELP and
 * {0}; shortopts lists the short options (a leading '+' stops at the first operand).
 * Returns the next option's val, -1 at the end of the options, or CLI_STOP_OK (--help was
 * printed on stdout) / CLI_STOP_USAGE (an unknown option or a missing value was named on
 * stderr in one line). cli_stop(rc) turns those two into an exit code. */
#define CLI_OPT_HELP {"help", no_argument, NULL, 'h'}
enum { CLI_STOP_OK = 0x100, CLI_STOP_USAGE = 0x101 };
int cli_next(const struct cli_cmd *c, int argc, char **argv, const char *shortopts,
	     const struct option *longopts);
int cli_stop(int opt);

/* One-line usage errors, each `vpclab: CMD: ...` on stderr; all return EXIT_USAGE. */
int cli_bad_value(const struct cli_cmd *c, const char *opt, const char *value, const char *what);
int cli_extra(const struct cli_cmd *c, const char *arg);
int cli_missing(const struct cli_cmd *c, const char *what);

/* Value parsers: 0, or -EINVAL after cli_bad_value named opt. */
int cli_port(const struct cli_cmd *c, const char *opt, const char *s, uint16_t *out);
int cli_uint(const struct cli_cmd *c, const char *opt, const char *s, long lo, long hi,
	     const char *what, long *out);

/* cli_target.c: which lab a command is about. given (an operand or --lab) wins, then
 * $VPCLAB_LAB, then the only lab on this machine. 0 with the name in lab, or an exit code
 * after saying why: 2 for a bad name or several labs (listed), 1 for none. */
int cli_lab(const struct cli_cmd *c, const char *given, char *lab, size_t cap);
/* Sends req to the lab's router; 0 with the answer (a new reference), or an exit code after
 * printing the router's error, or why it could not be asked (not running, crashed). */
int cli_request(const struct cli_cmd *c, const char *lab, const char *req, json_t **ans);
/* Why lab does not answer, on stderr: not running, or crashed with what to run. The exit
 * code: 1 (the lab is not running: input), or 3 when root is needed to ask. */
int cli_not_running(const struct cli_cmd *c, const char *lab, int err);

/* cli_lab.c: the lab file, loaded and checked with every diagnostic printed; NULL on errors. */
struct lab *cli_load_checked(const char *path, int *errors);
/* 0 as root, else EXIT_SYSTEM after saying what needs it. */
int cli_need_root(const char *what);

/* cli_obs.c: "tcp", "udp", "icmp", or the number. Into buf (at least 4 bytes); returns buf. */
const char *cli_proto_name(long long proto, char *buf, size_t cap);
/* cli_status.c: j on stdout, indented, with a newline (every --json). */
void cli_print_json(const json_t *j);

/* `vpclab check` of a valid lab with load balancers: each one's DNS name, nodes (subnet, private
 * and public address) and listeners (check_print.c). */
struct vl_tables;
void check_print_lbs(const struct vl_tables *t, FILE *out);
/* Hosted zones with their records and health checks, as compiled (check_print.c). */
void check_print_dns(const struct vl_tables *t, FILE *out);
/* Launch templates and auto scaling groups with AWS's defaults filled in (check_print.c). */
void check_print_asgs(const struct vl_tables *t, FILE *out);

#endif
