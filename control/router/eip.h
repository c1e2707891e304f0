/* Elastic IP moves at runtime (`vpclab eip associate|disassociate`): a new table snapshot with
 * the address on its new interface, built off to the side; the router swaps it in. */
#ifndef VPCLAB_EIP_H
#define VPCLAB_EIP_H

#include <stddef.h>

#include "vpclab/tables.h"

/* A deep copy of t's compiled arrays (indexes not copied: dp_tables_prepare rebuilds them).
 * NULL with errno set. */
struct vl_tables *tables_clone(const struct vl_tables *t);

/* Copies t with elastic IP `eip` associated with instance `target` (NULL: disassociated).
 * As in AWS, the instance's previous elastic IP is disassociated, and an instance that loses its
 * elastic IP keeps no public address. On success *out is the new snapshot (generation + 1) and
 * *old_port / *new_port name the interfaces whose internet flows must be dropped (VL_NONE if
 * none). -ENOENT/-EINVAL with err filled on a bad name. */
int eip_move(const struct vl_tables *t, const char *eip, const char *target, struct vl_tables **out,
	     uint16_t *old_port, uint16_t *new_port, char *err, size_t errcap);

/* An auto scaling group's change starts from the file, which does not know the elastic IPs
 * moved with `vpclab eip`: nt (aligned with running, not yet prepared) gets running's
 * associations back for every elastic IP whose instance both have. */
void eip_keep_moves(struct vl_tables *nt, const struct vl_tables *running);

#endif
