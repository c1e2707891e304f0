/* EC2's changing calls for routes, network ACL entries, elastic IP associations and instances
 * (ec2_route_change.c, ec2_acl_change.c, ec2_addr_change.c, ec2_run.c). Each handler decodes
 * its request inside an api_change_fn (the *_edit functions: the request is their arg), so that
 * unit tests can run the model edit on a copy without a router. */
#ifndef VPCLAB_API_EC2_CHANGE_H
#define VPCLAB_API_EC2_CHANGE_H

#include "control/api/api.h"

int ec2_create_route(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_replace_route(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_delete_route(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_create_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_replace_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_delete_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_associate_address(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_disassociate_address(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_run_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_terminate_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o);

/* The model edits (api_change_fn): arg is the request (const struct api_req *, its Action
 * saying create/replace/delete). */
int ec2_route_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);
int ec2_acl_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);
int ec2_assoc_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);
int ec2_disassoc_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);

/* RunInstances: the request and the names of the instances it made (at most EC2_RUN_MAX). */
#define EC2_RUN_MAX 16
struct ec2_run {
	const struct api_req *r;
	char names[EC2_RUN_MAX][16];
	int n;
};
int ec2_run_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);
/* TerminateInstances: arg is the request. */
int ec2_terminate_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);

/* The <return>true</return> of a call that answers nothing else. */
void ec2_return_true(struct api_out *o);

#endif
