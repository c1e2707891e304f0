/* Instances' `run` commands (user data, rule-file.md): started by the router once the lab is
 * up, one `sh -c` per instance inside its namespace, output to /run/vpclab/LAB/run/NAME.log.
 * The router is their parent and reaps them; `down`'s namespace sweep stops them. */
#ifndef VPCLAB_RUN_H
#define VPCLAB_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One instance's command: its port index in the compiled tables and the line for `sh -c`. */
struct run_spec {
	uint16_t port;
	char *cmd;
	pid_t pid;               /* set by run_start: 0 not started */
};

/* dst = /run/vpclab/LAB/run/NAME.log. -ENAMETOOLONG or 0. */
int run_log_path(char *dst, size_t cap, const char *lab, const char *name);
/* dst = /run/vpclab/LAB/run/NAME.pid: the instance's init while its command runs (run_init.h). */
int run_pid_path(char *dst, size_t cap, const char *lab, const char *name);

struct vl_tables;
/* Starts specs[i].cmd in the namespace of port specs[i].port of t (vl_port_netns) for each i; SIGCHLD reaps them from then on
 * (no zombie, whatever the caller's loop does). A command that cannot be started (fork) is
 * -errno with err filled; one whose exec fails says so in its log, as a shell would. */
int run_start(const struct vl_tables *t, struct run_spec *specs, size_t n, char *err, size_t errcap);

struct lab;
/* The instances of m that have `run`, in file order: a new array (*n entries, NULL with n 0 when
 * none) of copies, or NULL with errno. */
struct run_spec *run_specs_of(const struct lab *m, size_t *n);

/* Frees what run_specs_of built (the array and its commands). */
void run_specs_free(struct run_spec *specs, size_t n);

#endif
