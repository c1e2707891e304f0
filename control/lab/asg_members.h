/* An Auto Scaling group's running instances as the lab model sees them. The router's
 * controller keeps the list (who was launched, where, from what); every model the router loads
 * (the kept copy, an applied file) gets them appended before lab_check, so that they are
 * instances like the file's: addresses, ports, target registrations, pins, the apply's diff. */
#ifndef VPCLAB_ASG_MEMBERS_H
#define VPCLAB_ASG_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

struct lab;

/* One launched instance: its place, and the launch template as it was at launch (AWS: a
 * changed template applies to the instances launched after the change). */
struct lab_member {
	char name[VL_NAME_MAX];          /* GROUP-N */
	char group[VL_NAME_MAX];
	char subnet[VL_NAME_MAX];
	char template_name[VL_NAME_MAX];
	bool registered;                 /* in the group's target groups: Pending and InService;
					  * not while Terminating (it drains) */
	uint8_t public_ip;               /* enum vl_lt_public */
	uint8_t src_dst_check;
	uint16_t n_sgs;
	char sgs[VL_MAX_PORT_SGS][VL_NAME_MAX];
	char run[VL_ASG_RUN_MAX];        /* "" = none */
};

/* Appends v[0..n) to m (loaded, not yet checked): each member whose group m still has becomes
 * an instance of the group's VPC (named, placed and made as the member says; errors about it
 * point at the group), registered in the group's target groups on their port when
 * `registered`. Members of a group m no longer has are left out: they go with it. 0 or
 * -ENOMEM. */
int lab_add_members(struct lab *m, const struct lab_member *v, size_t n);

#endif
