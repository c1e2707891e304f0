/* EC2's handlers (ec2_*.c), named after their actions, for the table in actions.c; and the
 * helpers they share: the Name tag set, filter evaluation over an object's fields. */
#ifndef VPCLAB_API_EC2_H
#define VPCLAB_API_EC2_H

#include "control/api/api.h"

int ec2_describe_regions(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_availability_zones(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_vpcs(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_subnets(struct api_ctx *c, const struct api_req *r, struct api_out *o);
/* ec2_sg_change.c */
int ec2_authorize_sg_ingress(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_authorize_sg_egress(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_revoke_sg_ingress(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_revoke_sg_egress(struct api_ctx *c, const struct api_req *r, struct api_out *o);

/* <tagSet><item><key>Name</key><value>name</value></item></tagSet> */
void ec2_name_tags(struct xml *x, const char *name);

/* A filter's value for one object: the field's value, or NULL when the object has none. A
 * getter sets *known to false for a filter name it does not know. */
typedef const char *(*ec2_field_fn)(const void *obj, const char *filter, char *buf, size_t cap,
				     bool *known);
/* The request's filters; 0 with *n, or api_fail'd (InvalidParameterValue) -1. */
int ec2_filters(const struct api_req *r, struct api_filter *f, size_t cap, int *n, struct api_out *o);
/* True when obj passes every filter (each: one of its values matches); an unknown filter name
 * fails the request as AWS does (-1 after api_fail), else 1 or 0. */
int ec2_match(const struct api_filter *f, int n, ec2_field_fn get, const void *obj, struct api_out *o);
/* An object's values of a filter it has several of (a route table's routes, a group's rules):
 * how many are in vals (at most cap), or -1 for a filter with one value (asked of the getter). */
typedef int (*ec2_values_fn)(const void *obj, const char *filter, char vals[][48], size_t cap);
/* ec2_match for objects with list-valued filters: a filter passes when one of the object's
 * values of it matches. 1, 0, or -1 after api_fail. */
int ec2_match_multi(const struct api_filter *f, int n, ec2_values_fn values, ec2_field_fn get, const void *obj,
		    struct api_out *o);
/* Tag filters every object with a Name tag answers: tag:Name, tag-key, tag-value. */
const char *ec2_tag_field(const char *filter, const char *name, bool *known);

#endif
