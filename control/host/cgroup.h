/* Per-instance cgroups: everything an instance runs (its `run:` command, what `vpclab exec`
 * starts in it) lives in the cgroup vpclab/LAB/NAME, so that Auto Scaling can read the CPU the
 * instance used, as CloudWatch reads an EC2 instance's (reference aws-elb §3). cgroup v2
 * (cpu.stat usage_usec, also the unified tree of a hybrid mount) or v1's cpuacct
 * (cpuacct.usage), whichever the machine has; a machine with neither runs labs without CPU
 * metrics. */
#ifndef VPCLAB_CGROUP_H
#define VPCLAB_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The calling process (and so what it starts) into LAB/NAME's cgroup, made when missing.
 * 0, or -errno (-ENOTSUP when the machine has no usable cgroup tree). */
int cg_join(const char *lab, const char *name);

/* CPU time everything in LAB/NAME's cgroup used since it was made, in microseconds: 0, or
 * -ENOENT when it does not exist (nothing ran in the instance yet), -errno. */
int cg_usage_us(const char *lab, const char *name, uint64_t *us);

/* Removes LAB/NAME's cgroup (its processes must be gone: -EBUSY otherwise). 0 when it is gone
 * or never existed. */
int cg_remove(const char *lab, const char *name);

/* Removes every cgroup of the lab and the lab's own (down, also after a crash). 0 or -errno
 * (-EBUSY: a process is still in one). */
int cg_remove_lab(const char *lab);

/* ---- The parts below are pure (no file is touched), for the tests; the four above use them. */

enum cg_kind { CG_NONE, CG_V1, CG_V2 };

/* Where the cgroups live: a v2 tree (cpu.stat's usage_usec is in every cgroup of it, with or
 * without the cpu controller) or a v1 hierarchy that has the cpuacct controller (cpuacct.usage,
 * in ns). */
struct cg_tree {
	enum cg_kind kind;
	char root[256];          /* its mount point: /sys/fs/cgroup, /sys/fs/cgroup/unified ... */
};

/* The tree to use from the text of /proc/self/mountinfo: the first read-write cgroup2 mount
 * (pure v2, or a hybrid machine's unified tree), else the first read-write v1 hierarchy with
 * cpuacct. 0, or -ENOTSUP when there is none. */
int cg_pick_tree(const char *mountinfo, struct cg_tree *t);

/* This process's tree: /proc/self/mountinfo read once (the router's mounts do not change), so a
 * process that forks children which join (run.c) calls it before forking. 0 or -ENOTSUP. */
int cg_tree(struct cg_tree *t);

/* dst = ROOT/vpclab/LAB[/NAME][/FILE] (NAME, FILE may be NULL). LAB, NAME and FILE must each be
 * one path component (no '/', not "." or ".."), so that nothing outside vpclab/ is named.
 * 0, -EINVAL, or -ENAMETOOLONG. */
int cg_path(char *dst, size_t cap, const char *root, const char *lab, const char *name,
	    const char *file);

/* CPU time in microseconds from a cgroup's file text: cpu.stat's usage_usec line (CG_V2) or
 * cpuacct.usage's nanoseconds (CG_V1). 0 or -EINVAL. */
int cg_parse_usage(enum cg_kind kind, const char *text, uint64_t *us);

#endif
