/* What `apply` changes in the data plane's state (ARCHITECTURE "A lab that changes while it
 * runs"): first room for the new tables' interfaces and NAT gateways, where failing loses
 * nothing, then, between two packets, the swap and the state of what went away. The new tables
 * are aligned with the running ones (control/lab/align.h): an index names the same object in
 * both, a removed one (a hole in the new), or an added one (a hole in the old). */
#ifndef VPCLAB_DP_PUBLISH_H
#define VPCLAB_DP_PUBLISH_H

#include "natgw.h"
#include "pipeline.h"

/* Room in s for nt's interfaces (connection tables, counters, flow log windows), NAT
 * gateways (counters; the NAT state itself when nt brings the lab's first gateway, with nat's
 * limits) and load balancers (counters, target health by tables.targets index). s goes on running on its own tables meanwhile. 0, or -ENOMEM with nothing lost. */
int dp_state_reserve(struct dp_state *s, const struct vl_tables *nt, const struct nat_limits *nat);

/* What went away with the old tables. */
struct dp_retired {
	uint32_t flows;          /* entries of removed interfaces' connection tables */
	uint32_t translations;   /* NAT translations of removed gateways or removed instances */
	uint32_t lb_flows;       /* load balancer flows through a removed node or to a removed target */
};

/* Publishes nt (prepared, aligned, reserved): s runs on nt from the next packet. The removed
 * interfaces' flows, counters and flow log window, and the translations of removed gateways and
 * of removed instances, are gone; an added index starts clean. The old tables are the caller's
 * to free (after this). Cannot fail. */
void dp_state_publish(struct dp_state *s, const struct vl_tables *nt, struct dp_retired *out);

/* Whether port i of old is gone in nt, and whether it is new in nt (holes both ways). */
bool dp_port_removed(const struct vl_tables *old, const struct vl_tables *nt, uint16_t i);
bool dp_port_added(const struct vl_tables *old, const struct vl_tables *nt, uint16_t i);

#endif
