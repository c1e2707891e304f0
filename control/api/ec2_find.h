/* The lab object an EC2 id names (ids.c hashes): the id->object lookups the changing calls
 * share, over a model (the running one or the copy a change edits), and the id of each kind
 * of object, so that every handler names an object the same way. */
#ifndef VPCLAB_API_EC2_FIND_H
#define VPCLAB_API_EC2_FIND_H

#include <stdint.h>

#include "control/api/api.h"
#include "control/lab/model.h"

/* Ids. Names are unique per kind in a lab, except the implicit ones every VPC has (route table
 * "main", network ACL and security group "default"): those hash "VPC/main", "VPC/default". A
 * route table written `main: true` under the name "main" keeps the implicit table's id, so a
 * route added to the implicit table (which makes it a written one) does not change its id. */
void ec2_model_rtb_id(char out[48], const char *lab, const struct lab_vpc *v, const char *table);
void ec2_model_acl_id(char out[48], const char *lab, const struct lab_vpc *v, const char *acl);
void ec2_model_sg_id(char out[48], const char *lab, const struct lab_vpc *v, const char *sg);
void ec2_model_igw_id(char out[48], const char *lab, const struct lab_vpc *v);
/* An elastic IP's association: one per elastic IP (its name), as AWS has one at a time. */
void ec2_assoc_id(char out[48], const char *lab, const char *eip);

/* A route table: t NULL means the VPC's implicit main table (no `main: true` table written). */
struct ec2_rtb {
	struct lab_vpc *vpc;
	struct lab_route_table *t;
};
/* A network ACL: a NULL means the VPC's default ACL. */
struct ec2_acl {
	struct lab_vpc *vpc;
	struct lab_acl *a;
};

/* Lookups by id; 0 when found, -ENOENT otherwise. *vpc (when asked) is the object's VPC. */
int ec2_find_rtb(const char *lab, struct lab *m, const char *id, struct ec2_rtb *out);
int ec2_find_acl(const char *lab, struct lab *m, const char *id, struct ec2_acl *out);
/* An instance by its i- id or its interface's eni- id. */
struct lab_instance *ec2_find_instance(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc);
struct lab_subnet *ec2_find_subnet(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc);
struct lab_natgw *ec2_find_natgw(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc);
/* A security group of VPC v by its sg- id: its name ("default" for the VPC's own), or NULL. */
const char *ec2_find_sg(const char *lab, struct lab_vpc *v, const char *id);
/* The VPC whose internet gateway id is this (internet_gateway: true), or NULL. */
struct lab_vpc *ec2_find_igw(const char *lab, struct lab *m, const char *id);
/* An elastic IP by its eipalloc- id, by its public address (dotted), or by association id. */
struct lab_eip *ec2_find_eip(const char *lab, struct lab *m, const char *id);
struct lab_eip *ec2_find_eip_ip(struct lab *m, const char *ip);
struct lab_eip *ec2_find_assoc(const char *lab, struct lab *m, const char *assoc);

/* A string of the model's arena: {s, at}, at the given place (a changed node keeps its
 * parent's place for messages). NULL s when memory ran out. */
struct lab_str ec2_str(struct lab *m, const char *s, struct loc at);

#endif
