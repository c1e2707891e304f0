/* A network device's own drop counters, asked of the kernel with one RTM_GETLINK (libmnl) on a
 * netlink socket opened inside the device's namespace: how the router sees what its taps'
 * queues dropped, without entering the namespace at every `status`. */
#ifndef VPCLAB_LINK_STATS_H
#define VPCLAB_LINK_STATS_H

#include <stdint.h>

struct link_drops {
	uint64_t rx_dropped;     /* the device's rx_dropped (frames toward the namespace) */
	uint64_t tx_dropped;     /* its tx_dropped (frames the namespace sent, lost in the queue) */
};

/* A netlink route socket in the calling thread's network namespace: its fd, or -errno. */
int link_stats_open(void);

/* Device ifname's counters, asked on fd (from link_stats_open). 0 or -errno. */
int link_drops_read(int fd, const char *ifname, struct link_drops *out);

#endif
