/* An instance's own process view: its `run` command starts as the child of a small init, pid 1
 * of a PID namespace of the instance's, with /proc mounted for it. `ps`, `pkill` and `kill`
 * inside the instance (its `run` command, `vpclab exec`) see and reach only the instance's
 * processes, as on an EC2 instance, not every process of the machine. The init's exit (its
 * command ended) ends every process of the instance, as a stopped instance does. */
#ifndef VPCLAB_RUN_INIT_H
#define VPCLAB_RUN_INIT_H

#include <sys/types.h>

/* In the `run` child, its network and mount namespaces and its log set: starts `sh -c cmd`
 * under the instance's init and waits for it, writing the init's pid (as this side sees it) to
 * pidfile meanwhile; exits with the command's status. Never returns. Without PID namespaces
 * (unshare refused) the command runs as before, in the machine's process view. */
void run_init_exec(const char *cmd, const char *pidfile) __attribute__((noreturn));

/* For `vpclab exec`: the init of the instance whose network namespace is netns_path, from its
 * pidfile: its pid, or -ENOENT (no init: the instance has no `run`, or it ended), -errno. */
pid_t run_init_find(const char *pidfile, const char *netns_path);

#endif
