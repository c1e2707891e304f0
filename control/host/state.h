/* A running lab's footprint on the machine, under /run/vpclab/LAB/: `pid` (the router),
 * `netns` (every namespace, written BEFORE it is created so that `down` can clean up after a
 * crash at any point), `ctl` (the control socket), `log` (the router's stderr),
 * `flowlogs/` and `run/` (instances' `run` output, control/host/run.h). */
#ifndef VPCLAB_STATE_H
#define VPCLAB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* dst = /run/vpclab/LAB[/file]. -ENAMETOOLONG or 0. */
int state_path(char *dst, size_t cap, const char *lab, const char *file);

/* A lab name as the command line may give it: [a-z][a-z0-9-]*, at most 63 characters. */
bool state_name_ok(const char *lab);

/* Creates /run/vpclab/LAB (0700). 0, -EEXIST, or -errno. */
int state_create(const char *lab);

/* The lab's lock, /run/vpclab/LAB.lock, taken without waiting: the fd (the router inherits it
 * and holds it as long as it runs), -EBUSY when a router holds it, or -errno. A lock, not the
 * pid file, says whether a lab runs: a pid can be reused after a crash, a lock cannot outlive
 * its holder. */
int state_lock(const char *lab);
/* Removes the lock file and releases the lock fd (taken with state_lock). Only for the last
 * holder of that fd: a process that shares it (the router and its `up`) must not remove the file
 * under the other's feet, or a new `up` could lock a new file while the other still works. */
void state_unlock(const char *lab, int fd);
/* dst = /run/vpclab/LAB.lock. -ENAMETOOLONG or 0. */
int state_lock_path(char *dst, size_t cap, const char *lab);

/* The router's pid from the pid file, or 0 when there is none. */
pid_t state_pid(const char *lab);
/* True when a process holds the lab's lock (a router, an `up` provisioning, a `down` cleaning
 * up). Only looks (the kernel's list of locks): never takes the lock, never creates the file. */
bool state_running(const char *lab);
int state_write_pid(const char *lab, pid_t pid);

/* Appends a namespace name to the lab's list. 0 or -errno. */
int state_add_netns(const char *lab, const char *ns);
/* Appends n names in one write (a large lab records all its namespaces before making any). */
int state_add_netns_many(const char *lab, const char *const *ns, size_t n);
/* Removes namespaces names[n] of running lab `lab` (apply): their processes get SIGTERM, then
 * SIGKILL after 2 s, as at down; the namespaces go and so do their lines in the lab's list, and
 * the cgroups of their instances (LAB-NAME: vpclab/LAB/NAME; one still busy is left for down).
 * 0, or -errno of the first that could not go (it stays listed, for down). */
int state_remove_netns(const char *lab, const char *const *names, size_t n);

/* What a cleanup could not remove, so that `down` can say so. */
struct state_left {
	size_t procs;            /* processes inside the lab's namespaces that outlived SIGKILL */
	pid_t proc;              /* one of them */
	size_t namespaces;       /* namespaces that could not be removed (LAB/netns lists them) */
	char ns[128];            /* one of them, and why */
	int ns_err;
	bool dir;                /* /run/vpclab/LAB could not be removed */
	int cg_err;              /* the lab's cgroups (cgroup.h) could not all go: -errno, else 0 */
};

/* Tears down whatever the lab left: processes inside its namespaces get SIGTERM, a moment
 * (1.5 s at most) to exit, then SIGKILL; the namespaces listed are removed (two threads, a
 * progress line on a terminal), then the lab's cgroups; the state directory goes. Namespaces that could not be removed
 * stay listed (with the directory) for a later try. Idempotent. 0, or -errno of the first
 * failure with *left (when not NULL) saying what is left. Call it holding the lab's lock. */
int state_cleanup_left(const char *lab, struct state_left *left);
int state_cleanup(const char *lab);
/* "2 namespaces (LAB-x: Device or resource busy); ..." into dst. -EBUSY when something is
 * left, 0 (and "") when nothing. */
int state_left_text(const struct state_left *left, const char *lab, char *dst, size_t cap);

/* When exactly one lab has a state directory, copies its name to dst and returns 0;
 * -ENOENT for none, -EEXIST (ambiguous) for several. */
int state_only_lab(char *dst, size_t cap);

#endif
