/* Network ACLs: stateless, evaluated at a subnet boundary, lowest rule number first, first match
 * decides, implicit final deny (AWS rule "*"). Only between different subnets (pipeline.c). */
#ifndef VPCLAB_ACL_H
#define VPCLAB_ACL_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "vpclab/tables.h"

enum acl_dir { ACL_IN, ACL_OUT };

/* Index into t->acl_rules of the deciding rule, or -1 for the implicit deny ("*").
 * *allow is set to the decision. Inbound compares the source address, outbound the destination. */
int32_t acl_eval(const struct vl_tables *t, uint16_t acl, enum acl_dir dir, const struct pkt *p,
		 bool *allow);

#endif
