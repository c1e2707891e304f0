/* A namespace's own /etc files, as `ip netns` keeps them: /etc/netns/NS/FILE stands for
 * /etc/FILE inside namespace NS. The lab writes resolv.conf there (the VPC's resolver, AWS's
 * search domain) and removes the directory with the namespace; `vpclab exec` and `run:`
 * processes see the files where `ip netns exec` would put them. */
#ifndef VPCLAB_NETNS_ETC_H
#define VPCLAB_NETNS_ETC_H

#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

#define NETNS_ETC_DIR "/etc/netns"

/* The resolv.conf text of port i: instances and load balancer nodes ask their VPC's base+2
 * with AWS's search domain (ec2.internal in us-east-1, else REGION.compute.internal),
 * internet hosts the lab's public resolver (192.0.2.53). 0, -ENOENT for a port that gets
 * none (the resolver's own), -ENOSPC when cap is too small. */
int netns_resolv_text(const struct vl_tables *t, uint16_t i, char *buf, size_t cap);

/* Writes /etc/netns/NS/resolv.conf for port i (NS its namespace name; atomically, by rename).
 * 0 (also for a port that gets none), or -errno. */
int netns_etc_write(const struct vl_tables *t, uint16_t i);

/* Removes /etc/netns/NS and the files in it (nothing but that directory); 0 also when it
 * was not there. Only names a lab's namespace can have are accepted (no '/', not "." or ".."). */
int netns_etc_remove(const char *ns);

/* In a process that has just joined namespace NS: a private mount namespace whose mounts
 * no longer propagate back (/ a slave), every file of /etc/netns/NS bind-mounted over
 * /etc/FILE, and /sys mounted again so that it shows this network namespace. What
 * `ip netns exec` does. 0 (also when NS has no such directory), or -errno; *step names what failed. */
int netns_etc_enter(const char *ns, const char **step);

#endif
