/* The running lab: provisioning of every namespace and tap, the router's event loop, the
 * control socket, and teardown. `up` calls daemon_up; everything after runs in the router. */
#ifndef VPCLAB_DAEMON_H
#define VPCLAB_DAEMON_H

#include <stdbool.h>

#include "control/host/run.h"
#include "control/lab/asg_members.h"
#include "vpclab/tables.h"

/* Prepares t's lookup indexes, provisions it and runs the router for it. Background mode forks: the calling
 * process returns 0 once traffic can flow, or a negative errno after printing why (nothing of
 * the lab is left then). Foreground mode returns when the lab is taken down. Takes t. */
struct daemon_opts {
	bool foreground;
	uint32_t flowlog_interval_s;     /* flow log aggregation window (AWS: 60 or 600) */
	uint64_t flowlog_max;            /* bytes per interface's flow log file before it is
					  * rotated (0: FLOWLOG_MAX_DEFAULT) */
	struct run_spec *runs;           /* instances' `run` commands, started once the lab is
					  * up (the router's copy after the fork; the caller's
					  * stays the caller's) */
	size_t n_runs;
	const struct lab_member *members; /* auto scaling groups' first instances (asg_up_model) */
	size_t n_members;
};

/* DESIGN: 1 MiB per interface (about 8,000 records), and the one rotated file NAME.log.1: the
 * files live in /run, which is memory. */
#define FLOWLOG_MAX_DEFAULT (1u << 20)
#define FLOWLOG_MAX_MIN 1024u

int daemon_up(struct vl_tables *t, const char *source, const struct daemon_opts *o);

#endif
