/* `to:` a DNS name in a check: resolved when the check runs, as the VPC resolver answers the
 * check's source (its VPC's resolver, or the public one for an internet host), on the lab's
 * tables with every health check and load balancer node up. */
#ifndef VPCLAB_CHECK_NAME_H
#define VPCLAB_CHECK_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

/* name asked of the resolver by port `from`: *addr gets the first IPv4 address of the answer
 * (after its CNAMEs), *lb the load balancer whose name or alias answered (VL_NONE when none).
 * 0; -ENOENT when nothing answers an address (why says what the resolver said); -ENOMEM. */
int check_name_resolve(const struct vl_tables *t, uint16_t from, const char *name, uint32_t *addr,
		       uint16_t *lb, char *why, size_t cap);

#endif
