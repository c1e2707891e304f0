/* Route lookup: longest prefix match in one route table's binary trie (built by
 * dp_tables_prepare). O(32) whatever the number of routes. */
#ifndef VPCLAB_ROUTE_H
#define VPCLAB_ROUTE_H

#include <stdint.h>

#include "vpclab/tables.h"

/* Index into t->routes of the longest prefix in table rt that contains dst, or -1. */
int32_t route_lookup(const struct vl_tables *t, uint16_t rt, uint32_t dst);

/* Builds t->lpm_nodes and every route table's lpm_root from t->routes. 0 or -ENOMEM. */
int route_build(struct vl_tables *t);

#endif
