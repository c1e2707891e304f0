/* `apply` compiles the edited lab beside the running one; before it is published, its
 * interfaces and NAT gateways are moved to the indices they have in the running tables, so that
 * connection tracking, NAT translations, counters, taps and flow logs (all kept per index) go on
 * pointing at the same objects. Pure: tables in, tables out; no root, no data plane. */
#ifndef VPCLAB_LAB_ALIGN_H
#define VPCLAB_LAB_ALIGN_H

#include "vpclab/tables.h"

/* Reorders nt's ports and NAT gateways (and every reference to them: routes, elastic IPs,
 * ports' and gateways' elastic IPs; port MACs follow the index) so that:
 * - an object of ot that nt still has, with the same identity (name, kind, VPC, address,
 *   prefix, gateway, MTU for an interface; name, VPC, subnet, address and public address for a
 *   NAT gateway), keeps its index: it is the same running object, changed in place at most;
 * - an object of ot that nt lacks, or whose identity changed (a remove and an add), leaves a hole
 *   at its index (vl_port_used / vl_natgw_used false);
 * - an object new to nt takes a hole ot already had, lowest first, then an index past ot's.
 * So nt has at least as many entries as ot, and at each index below ot's count the two tables
 * hold the same object, a removed one (hole in nt), an added one (hole in ot), or nothing.
 * Returns 0, -ENOMEM, or -ENOSPC when the indices would run past what an index can hold. On
 * failure nt is unchanged. */
int tables_align(struct vl_tables *nt, const struct vl_tables *ot);

/* Whether ot's port i and nt's port j are the same interface (the identity above). */
bool align_same_port(const struct vl_tables *ot, uint16_t i, const struct vl_tables *nt, uint16_t j);

#endif
