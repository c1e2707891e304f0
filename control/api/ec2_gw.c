/* EC2 DescribeInternetGateways and DescribeNatGateways: a VPC's internet gateway (the lab's
 * `internet_gateway: true`) attached to it and named after it, igw- of the VPC's name; the NAT
 * gateways, "available" while the lab runs, with their elastic IP and interface. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

struct igw_view {
	const struct api_ctx *c;
	uint16_t vpc;
	char id[48], vpc_id[48];
};

static const char *igw_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct igw_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "internet-gateway-id") == 0)
		return w->id;
	if (strcmp(f, "attachment.vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "attachment.state") == 0)
		return "available";
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	return ec2_tag_field(f, w->c->t->vpcs[w->vpc].name, known);
}

int ec2_describe_internet_gateways(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "InternetGatewayId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "internetGatewaySet", NULL);
	for (uint16_t v = 0; v < c->t->n_vpcs && !r->other_region && rc == 0; v++) {
		if (!c->t->vpcs[v].has_igw)
			continue;
		struct igw_view w = {.c = c, .vpc = v};
		ec2_igw_id(c, v, w.id);
		api_id(w.vpc_id, c->lab, "vpc", c->t->vpcs[v].name);
		int m = ec2_ids_want(&ids, w.id) ? ec2_match(f, nf, igw_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		xml_open(x, "item", NULL);
		xml_elem(x, "internetGatewayId", w.id);
		xml_elem(x, "ownerId", API_ACCOUNT);
		xml_open(x, "attachmentSet", NULL);
		xml_open(x, "item", NULL);
		xml_elem(x, "vpcId", w.vpc_id);
		xml_elem(x, "state", "available");
		xml_close(x);
		xml_close(x);
		ec2_name_tags(x, c->t->vpcs[v].name);
		xml_close(x);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidInternetGatewayID.NotFound", "internetGateway ID", o) < 0)
		return -1;
	return rc;
}

struct nat_view {
	const struct api_ctx *c;
	const struct vl_natgw *g;
	char id[48], vpc_id[48], subnet_id[48];
};

static const char *nat_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct nat_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "nat-gateway-id") == 0)
		return w->id;
	if (strcmp(f, "vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "subnet-id") == 0)
		return w->subnet_id;
	if (strcmp(f, "state") == 0)
		return "available";
	return ec2_tag_field(f, w->g->name, known);
}

static void nat_item(const struct api_ctx *c, struct xml *x, const struct nat_view *w)
{
	const struct vl_natgw *g = w->g;
	char when[32], eni[48], ip[16];
	ec2_started(c, when);
	ec2_natgw_eni(c, g->name, eni);
	xml_open(x, "item", NULL);
	xml_elem(x, "createTime", when);
	xml_open(x, "natGatewayAddressSet", NULL);
	xml_open(x, "item", NULL);
	if (g->eip != VL_NONE && g->eip < c->t->n_eips) {
		char alloc[48], assoc[48];
		api_id(alloc, c->lab, "eipalloc", c->t->eips[g->eip].name);
		api_id(assoc, c->lab, "eipassoc", c->t->eips[g->eip].name);
		xml_elem(x, "allocationId", alloc);
		xml_elem(x, "associationId", assoc);
		xml_elem(x, "publicIp", ec2_ip(c->t->eips[g->eip].ip, ip));
	}
	xml_elem(x, "networkInterfaceId", eni);
	xml_elem(x, "privateIp", ec2_ip(g->ip, ip));
	xml_bool(x, "isPrimary", 1);
	xml_elem(x, "status", "succeeded");
	xml_close(x);
	xml_close(x);
	xml_elem(x, "natGatewayId", w->id);
	xml_elem(x, "state", "available");
	xml_elem(x, "subnetId", w->subnet_id);
	xml_elem(x, "vpcId", w->vpc_id);
	ec2_name_tags(x, g->name);
	xml_elem(x, "connectivityType", "public");
	xml_close(x);
}

int ec2_describe_nat_gateways(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "NatGatewayId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "natGatewaySet", NULL);
	for (uint16_t i = 0; i < c->t->n_natgws && !r->other_region && rc == 0; i++) {
		const struct vl_natgw *g = &c->t->natgws[i];
		if (!vl_natgw_used(g))
			continue;
		struct nat_view w = {.c = c, .g = g};
		api_id(w.id, c->lab, "nat", g->name);
		api_id(w.vpc_id, c->lab, "vpc", c->t->vpcs[g->vpc].name);
		api_id(w.subnet_id, c->lab, "subnet", c->t->subnets[g->subnet].name);
		int m = ec2_ids_want(&ids, w.id) ? ec2_match(f, nf, nat_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m > 0)
			nat_item(c, x, &w);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc)
		return rc;
	for (size_t i = 0; i < ids.n; i++)
		if (!ids.seen[i])
			return api_fail(o, 400, "NatGatewayNotFound", "NAT gateway %s was not found", ids.v[i]);
	return 0;
}
