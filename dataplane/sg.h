/* Security groups: allow-only rule sets of every group on an interface, merged; stateful through
 * the interface's connection table (reference 4.1-4.4). A reply of a tracked flow passes whatever
 * the rules say. Group references match the *private* IP of an interface that carries the group,
 * and only for packets that come straight from that interface (pkt.origin_port), not through a
 * NAT or an appliance (reference 4.2). */
#ifndef VPCLAB_SG_H
#define VPCLAB_SG_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"
#include "pkt.h"
#include "vpclab/tables.h"

enum sg_dir { SG_INGRESS, SG_EGRESS };

/* Index into t->sg_rules of a rule of port's groups that admits p in dir, or -1. */
int32_t sg_match(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p);

/* Whether AWS would leave untracked a flow that p starts at interface port in dir (reference 4.4):
 * p is TCP or UDP, a rule of port's groups in dir that names 0.0.0.0/0 admits it (a group
 * reference or a narrower CIDR never does, whatever else admits it), and the opposite direction
 * admits every port of p's protocol from/to 0.0.0.0/0 (vl_port.open_in/open_out). ICMP and other
 * protocols: false. The caller knows p is admitted at all; paths AWS always tracks (NAT gateways)
 * are the pipeline's to clear. */
bool sg_untracked(const struct vl_tables *t, uint16_t port, enum sg_dir dir, const struct pkt *p);

/* After a rule change (`vpclab apply`), under the new tables t: whether entry e of interface
 * port's table may stay. A tracked entry always stays (AWS: tracked connections keep flowing
 * until they time out). An untracked one stays only when port's groups still admit its first
 * packet in the direction that admitted it (e->rule_dir; built from its key and orig_side, a
 * group reference matched through the address map); then e->rule becomes the admitting rule's
 * index in t and e->untracked is decided again (it may become tracked). False: cut the flow.
 * Pure: changes nothing but e. */
bool sg_recheck(const struct vl_tables *t, uint16_t port, struct ct_entry *e);

struct sg_result {
	int32_t rule;            /* the admitting rule, or -1 when connection state admitted it */
	int32_t ct;              /* the flow's entry in the interface's table, or -1 */
	uint8_t new_flow;        /* 1 when this packet started tracking */
	uint8_t dir;             /* enum ct_dir of p in its flow */
};

/* The stateful stage at interface port: an existing flow passes; otherwise the rules decide and
 * an admitted packet starts a flow, its entry's `untracked` set by sg_untracked. Returns STAGE_PASS, DROP_SG_INGRESS/DROP_SG_EGRESS, or
 * DROP_CT_FULL. res is filled either way. */
int sg_stage(const struct vl_tables *t, struct ct_table *ct, uint16_t port, enum sg_dir dir,
	     const struct pkt *p, uint64_t now, struct sg_result *res);

#endif
