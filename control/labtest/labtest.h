/* `vpclab test LAB.yaml [CHECKS.yaml ...]`: bring the lab up under its own name, run every check
 * of `checks:` as real traffic (probe.c) and as an offline trace (trace.c), report like a CI tool
 * (one line per check, JUnit XML, TAP), take the lab down. The parts without root or namespaces
 * (how a check reads, which checks --only selects, the report formats in junit.c) are public for
 * the unit tests. */
#ifndef VPCLAB_LABTEST_H
#define VPCLAB_LABTEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "control/lab/model.h"

#define LABTEST_MAX_FILES 64          /* checks files besides the lab */
#define LABTEST_MAX_ONLY 16           /* --only globs */
#define LABTEST_MAX_JOBS 256          /* probes at once */
#define LABTEST_DEFAULT_TIMEOUT_MS 1000
#define LABTEST_DEFAULT_JOBS 16

/* What `vpclab test` was asked (control/cli/cli_test.c reads the command line). */
struct labtest_opts {
	const char *lab;                      /* the lab file */
	const char *files[LABTEST_MAX_FILES]; /* checks files */
	size_t n_files;
	const char *only[LABTEST_MAX_ONLY];
	size_t n_only;
	const char *junit;                    /* JUnit XML file, or NULL */
	bool tap, keep;
	int timeout_ms, jobs;
};

/* The command; returns the exit code: 0 every check passed, 1 one failed (or the input is
 * invalid), 3 the system refused (no root, lab already running, a probe impossible),
 * 130 interrupted (the lab is taken down first). */
int labtest_run(const struct labtest_opts *o);

/* "web -> db tcp/5432" / "web -> db icmp": a checked check's flow. Into buf; returns buf. */
const char *labtest_check_head(const struct lab_check *k, char *buf, size_t cap);
/* The check as a report names it: the head, the expectation, and seen_as when given
 * ("db -> ext tcp/80 allow seen_as nat-eip"). Into buf; returns buf. */
const char *labtest_check_text(const struct lab_check *k, char *buf, size_t cap);
/* --only GLOB: fnmatch on the check's text or on its `from` name. */
bool labtest_selected(const struct lab_check *k, const char *glob);

/* labtest_up.c: the lab's life around the checks. labtest_stop is set by SIGINT, SIGTERM or
 * SIGHUP once labtest_up has installed its handlers: the probes give up, the lab still goes down. */
extern volatile sig_atomic_t labtest_stop;
/* Compiles m twice (one copy for the router, *trace_t for the traces: the caller frees it),
 * refuses a lab that is already running, brings the lab up in the background. 0, or -EIO after
 * saying why (nothing of the lab is left then). */
int labtest_up(const struct lab *m, const char *path, struct vl_tables **trace_t);
/* As `vpclab down LAB`: asks the router, insists, removes whatever is left. */
void labtest_down(const char *lab);

/* What became of one check, as every report format needs it. */
struct lt_outcome {
	char head[128];        /* labtest_check_head */
	char text[192];        /* labtest_check_text */
	char where[256];       /* FILE:LINE:COL of the check */
	bool pass;
	bool internal;         /* the trace and the real traffic disagreed (a vpclab bug) */
	char message[640];     /* failed: "expected deny, got allow  (trace: ...)" */
	char note[96];         /* passed, worth saying: "(the reply did not come back)" */
	int ms;                /* how long the probe took */
};

/* junit.c: the reports. The human line: "PASS  text[ note]" or "FAIL  head message". */
void labtest_line(const struct lt_outcome *o, FILE *out);
/* TAP version 13, one test point (1-based n) with the failure in a YAML block. */
void labtest_tap(const struct lt_outcome *o, size_t n, FILE *out);

/* s with & < > " ' as entities, other control bytes and invalid UTF-8 as '?'. */
void junit_escape(const char *s, FILE *out);
/* The JUnit XML document: one <testsuite name=suite> with one <testcase> per outcome
 * (classname = suite, name = the check's text, <failure message=...> on failure). 0 or -errno
 * (a write failed). */
int junit_write(FILE *out, const char *suite, const struct lt_outcome *v, size_t n, double secs);

#endif
