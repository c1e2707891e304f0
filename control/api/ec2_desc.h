/* EC2's Describe handlers beyond VPCs and subnets (ec2_sg.c, ec2_instance.c, ec2_eni.c,
 * ec2_route.c, ec2_acl.c, ec2_addr.c, ec2_gw.c, ec2_tags.c) and what they share: the ids of the
 * compiled tables' objects (an implicit default group, ACL or main table is named after its
 * VPC), the ids a request names and whether each was found, the running instances. */
#ifndef VPCLAB_API_EC2_DESC_H
#define VPCLAB_API_EC2_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "control/api/api.h"
#include "control/api/ec2.h"
#include "vpclab/tables.h"

int ec2_describe_security_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_security_group_rules(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_network_interfaces(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_route_tables(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_network_acls(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_addresses(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_internet_gateways(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_nat_gateways(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_vpc_attribute(struct api_ctx *c, const struct api_req *r, struct api_out *o);
int ec2_describe_tags(struct api_ctx *c, const struct api_req *r, struct api_out *o);

/* The ids of objects of the compiled tables (c->t indexes). A VPC's implicit "default" group
 * and ACL and its implicit "main" table are hashed as "VPC/default", "VPC/main" (several VPCs
 * have one each); every other object by its name (api_id). */
void ec2_sg_id(const struct api_ctx *c, uint16_t sg, char out[48]);
void ec2_acl_id(const struct api_ctx *c, uint16_t acl, char out[48]);
void ec2_rtb_id(const struct api_ctx *c, uint16_t rt, char out[48]);
/* A NAT gateway's network interface (not in the flow logs): eni- of "natgw-eni/NAME". */
void ec2_natgw_eni(const struct api_ctx *c, const char *name, char out[48]);
/* A load balancer node's: the flow logs' (namespace tail LB-SUBNET). */
void ec2_node_eni(const struct api_ctx *c, uint16_t port, char out[48]);
/* The internet gateway of a VPC: igw- of the VPC's name. */
void ec2_igw_id(const struct api_ctx *c, uint16_t vpc, char out[48]);
/* Dotted quad into buf[16]. */
const char *ec2_ip(uint32_t ip, char buf[16]);
/* AWS's IpProtocol of a security group rule: "-1", "tcp", "udp", "icmp", or the number. */
const char *ec2_proto_name(int proto, char buf[8]);

/* The ids a request names (PARAM.N), and which of them the answer found. */
#define EC2_MAX_IDS 256
struct ec2_ids {
	const char *v[EC2_MAX_IDS];
	bool seen[EC2_MAX_IDS];
	size_t n;
};
/* 0, or api_fail'd -1 (too many). */
int ec2_ids_get(const struct api_req *r, const char *param, struct ec2_ids *ids, struct api_out *o);
/* True when the request names no id or names id (then marked found). */
bool ec2_ids_want(struct ec2_ids *ids, const char *id);
/* 0 when every id named was found, else api_fail(400, code, "The WHAT 'ID' does not exist"). */
int ec2_ids_done(const struct ec2_ids *ids, const char *code, const char *what, struct api_out *o);

/* An instance as the API shows it: the model's (compiled ports) and, when the router answers,
 * the auto scaling groups' (its status). */
struct ec2_inst {
	char name[64], group[64];   /* group: its auto scaling group, "" for the file's */
	char id[48], eni[48];
	uint16_t vpc, subnet;       /* c->t indexes */
	uint32_t ip, public_ip;
	uint16_t eip;               /* its elastic IP (c->t index) or VL_NONE */
	char mac[18];
	uint16_t sgs[VL_MAX_PORT_SGS];
	uint16_t n_sgs;
	bool sdc;
	char launched[32];          /* ISO 8601 UTC */
};
struct ec2_insts {
	struct ec2_inst *v;
	size_t n;
};
/* Every running instance. 0 or -ENOMEM. */
int ec2_instances(struct api_ctx *c, struct ec2_insts *l);
void ec2_instances_free(struct ec2_insts *l);
/* When the lab started (ISO 8601 UTC): launch and creation times of what it made at once. */
void ec2_started(const struct api_ctx *c, char out[32]);
/* The instance on private address ip in vpc, or NULL. */
const struct ec2_inst *ec2_inst_at(const struct ec2_insts *l, uint16_t vpc, uint32_t ip);
/* AWS's private DNS name of ip (the resolver's), and the public one when the VPC gives names. */
void ec2_private_dns(const struct api_ctx *c, uint32_t ip, char *buf, size_t cap);
void ec2_public_dns(const struct api_ctx *c, uint16_t vpc, uint32_t ip, char *buf, size_t cap);
/* An instance's tagSet: Name, and its group's aws:autoscaling:groupName. */
void ec2_inst_tags(struct xml *x, const struct ec2_inst *i);
/* ec2_match, where the filters group-id / group-name (also with an "instance." or another
 * prefix ending in "group-id") match any of the object's groups sgs. */
int ec2_match_sgs(const struct api_ctx *c, const struct api_filter *f, int n, ec2_field_fn get,
		  const void *obj, const uint16_t *sgs, uint16_t n_sgs, struct api_out *o);
/* <groupSet><item><groupId/><groupName/></item>...</groupSet> */
void ec2_group_set(const struct api_ctx *c, struct xml *x, const uint16_t *sgs, uint16_t n);

#endif
