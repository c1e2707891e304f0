/* The data plane's half of the table format: the lookup indexes it adds to a compiled
 * struct vl_tables before publishing it, and the address lookup every stage shares. */
#ifndef VPCLAB_DP_TABLES_H
#define VPCLAB_DP_TABLES_H

#include "vpclab/tables.h"

/* Builds the LPM tries, the address map and each port's open flags (vl_port.open_in/out).
 * 0 or -ENOMEM. Call once, before publishing. */
int dp_tables_prepare(struct vl_tables *t);

/* What owns address ip in vpc (VL_NONE: the internet side, i.e. internet hosts and public IPs).
 * Returns the slot or NULL when nothing does. */
const struct vl_addr_slot *addr_lookup(const struct vl_tables *t, uint16_t vpc, uint32_t ip);

#endif
