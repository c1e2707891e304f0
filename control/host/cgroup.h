/* Per-instance cgroups: everything an instance runs (its `run:` command, what `vpclab exec`
 * starts in it) lives in the cgroup vpclab/LAB/NAME, so that Auto Scaling can read the CPU the
 * instance used, as CloudWatch reads an EC2 instance's (reference aws-elb §3). cgroup v2
 * (cpu.stat usage_usec, also the unified tree of a hybrid mount) or v1's cpuacct
 * (cpuacct.usage), whichever the machine has; a machine with neither runs labs without CPU
 * metrics. */
#ifndef VPCLAB_CGROUP_H
#define VPCLAB_CGROUP_H

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

#endif
