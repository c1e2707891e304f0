/* Elastic Load Balancing v2 (elb.c, elb_targets.c) and Auto Scaling (asg_api.c) handlers, named
 * after their actions, for the tables in actions.c; and what they share: ARNs stable from the
 * lab and the name, objects found by ARN, the router's answers. */
#ifndef VPCLAB_API_ELB_H
#define VPCLAB_API_ELB_H

#include <jansson.h>

#include "control/api/api.h"

struct lab_lb;
struct lab_tg;

int elb_describe_load_balancers(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int elb_describe_listeners(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int elb_describe_target_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int elb_describe_target_health(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int elb_register_targets(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int elb_deregister_targets(struct api_ctx *c, const struct api_req *r, struct api_out *o);

int as_describe_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int as_describe_activities(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int as_describe_policies(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int as_set_desired(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int as_update_group(struct api_ctx *c, const struct api_req *r, struct api_out *o);

/* 16 hex digits stable from (lab, kind, name): the id part of an ARN. out holds 17 bytes. */
void elb_hex16(char out[17], const char *lab, const char *kind, const char *name);
/* arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app|net/NAME/ID; out holds 256. */
void elb_lb_arn(char out[256], const struct api_ctx *c, const char *name, bool network);
/* ...:targetgroup/NAME/ID */
void elb_tg_arn(char out[256], const struct api_ctx *c, const char *name);
/* The load balancer / target group an ARN names (none in another region), or NULL. */
struct lab_lb *elb_lb_by_arn(const struct api_ctx *c, const struct api_req *r, const char *arn);
struct lab_tg *elb_tg_by_arn(const struct api_ctx *c, const struct api_req *r, const char *arn);
/* The load balancer (model) of tables.lbs index idx, or NULL. */
struct lab_lb *elb_lb_of(const struct api_ctx *c, uint16_t idx);
/* The instance name whose id (api_id "i") is id, and its VPC index; NULL when none. */
const char *elb_instance_of(const struct api_ctx *c, const char *id, uint16_t *vpc);
/* An ISO 8601 UTC time (AWS's timestamps) of the lab's start: its credentials file's. */
void elb_created(const struct api_ctx *c, char out[32]);

#endif
