/* A running lab's footprint on the machine, under /run/vpclab/LAB/: `pid` (the router),
 * `netns` (every namespace, written BEFORE it is created so that `down` can clean up after a
 * crash at any point), `ctl` (the control socket), `log` (the router's stderr). */
#ifndef VPCLAB_STATE_H
#define VPCLAB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* dst = /run/vpclab/LAB[/file]. -ENAMETOOLONG or 0. */
int state_path(char *dst, size_t cap, const char *lab, const char *file);

/* Creates /run/vpclab/LAB (0700). 0, -EEXIST, or -errno. */
int state_create(const char *lab);

/* The router's pid from the pid file, or 0 when there is none. */
pid_t state_pid(const char *lab);
/* True when lab has a pid file naming a live process. */
bool state_running(const char *lab);
int state_write_pid(const char *lab, pid_t pid);

/* Appends a namespace name to the lab's list. 0 or -errno. */
int state_add_netns(const char *lab, const char *ns);

/* Tears down whatever the lab left: kills processes inside its namespaces, deletes the
 * namespaces listed, removes the state directory. Idempotent. 0 or -errno of the first failure. */
int state_cleanup(const char *lab);

/* When exactly one lab has a state directory, copies its name to dst and returns 0;
 * -ENOENT for none, -EEXIST (ambiguous) for several. */
int state_only_lab(char *dst, size_t cap);

#endif
