/* EC2 DescribeVpcs and DescribeSubnets over the running lab's model: ids are the stable hashes
 * (ids.c), the name is the Name tag, a subnet's zone is its `az` label in the lab's region. Ids
 * asked for that the lab does not have fail the whole call, as AWS does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "vpclab/tables.h"

#define MAX_IDS 256

static void cidr_text(struct prefix4 p, char *buf, size_t cap)
{
	struct in_addr a = {htonl(p.addr)};
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	snprintf(buf, cap, "%s/%u", ip, p.len);
}

/* Each id asked for (PREFIX.N) must name one of the lab's: else AWS's NotFound for the first. */
static int ids_exist(const struct api_ctx *c, const struct api_req *r, const char *param,
		     const char *kind, const char *code, const char *what, const char **ids, size_t *n,
		     struct api_out *o)
{
	*n = api_list(r, param, ids, MAX_IDS);
	if (*n > MAX_IDS)
		return api_fail(o, 400, "InvalidParameterValue", "Too many ids (at most %d)", MAX_IDS);
	for (size_t i = 0; i < *n; i++) {
		bool found = false;
		for (size_t v = 0; v < c->m->n_vpcs && !found && !r->other_region; v++) {
			const struct lab_vpc *vpc = &c->m->vpcs[v];
			char id[48];
			if (strcmp(kind, "vpc") == 0) {
				api_id(id, c->lab, "vpc", vpc->name.s);
				found = strcmp(id, ids[i]) == 0;
			}
			for (size_t s = 0; s < vpc->n_subnets && !found && strcmp(kind, "subnet") == 0; s++) {
				api_id(id, c->lab, "subnet", vpc->subnets[s].name.s);
				found = strcmp(id, ids[i]) == 0;
			}
		}
		if (!found)
			return api_fail(o, 400, code, "The %s '%s' does not exist", what, ids[i]);
	}
	return 0;
}

static bool listed(const char *id, const char **ids, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

struct vpc_view {
	const struct api_ctx *c;
	const struct lab_vpc *v;
	char id[48], cidr[32];
};

static const char *vpc_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct vpc_view *w = obj;
	*known = true;
	if (strcmp(f, "vpc-id") == 0)
		return w->id;
	if (strcmp(f, "cidr") == 0 || strcmp(f, "cidr-block") == 0 ||
	    strcmp(f, "cidr-block-association.cidr-block") == 0 || strcmp(f, "cidrBlock") == 0)
		return w->cidr;
	if (strcmp(f, "state") == 0)
		return "available";
	if (strcmp(f, "is-default") == 0 || strcmp(f, "isDefault") == 0)
		return "false";
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	if (strcmp(f, "instance-tenancy") == 0)
		return "default";
	if (strcmp(f, "cidr-block-association.state") == 0)
		return "associated";
	if (strcmp(f, "cidr-block-association.association-id") == 0) {
		api_id(buf, w->c->lab, "vpc-cidr-assoc", w->v->name.s);
		return cap >= 48 ? buf : NULL;
	}
	return ec2_tag_field(f, w->v->name.s, known);
}

int ec2_describe_vpcs(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *ids[MAX_IDS];
	size_t nid;
	if (ids_exist(c, r, "VpcId", "vpc", "InvalidVpcID.NotFound", "vpc ID", ids, &nid, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "vpcSet", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region && rc == 0; v++) {
		struct vpc_view w = {c, &c->m->vpcs[v], "", ""};
		api_id(w.id, c->lab, "vpc", w.v->name.s);
		cidr_text(w.v->prefix, w.cidr, sizeof(w.cidr));
		int m = listed(w.id, ids, nid) ? ec2_match(f, nf, vpc_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		char assoc[48];
		api_id(assoc, c->lab, "vpc-cidr-assoc", w.v->name.s);
		xml_open(x, "item", NULL);
		xml_elem(x, "vpcId", w.id);
		xml_elem(x, "ownerId", API_ACCOUNT);
		xml_elem(x, "state", "available");
		xml_elem(x, "cidrBlock", w.cidr);
		xml_open(x, "cidrBlockAssociationSet", NULL);
		xml_open(x, "item", NULL);
		xml_elem(x, "cidrBlock", w.cidr);
		xml_elem(x, "associationId", assoc);
		xml_open(x, "cidrBlockState", NULL);
		xml_elem(x, "state", "associated");
		xml_close(x);
		xml_close(x);
		xml_close(x);
		xml_elem(x, "ipv6CidrBlockAssociationSet", NULL);
		xml_elem(x, "dhcpOptionsId", "default");
		xml_elem(x, "instanceTenancy", "default");
		xml_bool(x, "isDefault", 0);
		ec2_name_tags(x, w.v->name.s);
		xml_close(x);
	}
	xml_close(x);
	api_filters_free(f, nf);
	return rc;
}

struct subnet_view {
	const struct api_ctx *c;
	const struct lab_subnet *s;
	char id[48], vpc_id[48], cidr[32], zone[64], zone_id[64], free_ips[24];
};

static const char *subnet_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct subnet_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "subnet-id") == 0 || strcmp(f, "subnetId") == 0)
		return w->id;
	if (strcmp(f, "vpc-id") == 0 || strcmp(f, "vpcId") == 0)
		return w->vpc_id;
	if (strcmp(f, "cidr-block") == 0 || strcmp(f, "cidr") == 0 || strcmp(f, "cidrBlock") == 0)
		return w->cidr;
	if (strcmp(f, "availability-zone") == 0 || strcmp(f, "availabilityZone") == 0)
		return w->zone;
	if (strcmp(f, "availability-zone-id") == 0 || strcmp(f, "availabilityZoneId") == 0)
		return w->zone_id;
	if (strcmp(f, "state") == 0)
		return "available";
	if (strcmp(f, "default-for-az") == 0 || strcmp(f, "defaultForAz") == 0)
		return "false";
	if (strcmp(f, "map-public-ip-on-launch") == 0)
		return w->s->map_public_ip.v ? "true" : "false";
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	if (strcmp(f, "available-ip-address-count") == 0)
		return w->free_ips;
	return ec2_tag_field(f, w->s->name.s, known);
}

/* Addresses the subnet has left: its size less AWS's 5 reserved and what the lab placed in it
 * (instances, load balancer nodes, NAT gateways). */
static long free_ips(const struct api_ctx *c, const struct lab_subnet *s)
{
	long n = (s->prefix.len <= 30 ? (1L << (32 - s->prefix.len)) : 4) - 5;
	for (uint16_t p = 0; p < c->t->n_ports; p++)
		if (c->t->ports[p].subnet == s->gidx && c->t->ports[p].kind != VL_PORT_RESOLVER)
			n--;
	for (uint16_t g = 0; g < c->t->n_natgws; g++)
		if (c->t->natgws[g].subnet == s->gidx)
			n--;
	return n < 0 ? 0 : n;
}

int ec2_describe_subnets(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *ids[MAX_IDS];
	size_t nid;
	if (ids_exist(c, r, "SubnetId", "subnet", "InvalidSubnetID.NotFound", "subnet ID", ids, &nid, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "subnetSet", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region && rc == 0; v++) {
		const struct lab_vpc *vpc = &c->m->vpcs[v];
		for (size_t s = 0; s < vpc->n_subnets && rc == 0; s++) {
			struct subnet_view w = {.c = c, .s = &vpc->subnets[s]};
			api_id(w.id, c->lab, "subnet", w.s->name.s);
			api_id(w.vpc_id, c->lab, "vpc", vpc->name.s);
			cidr_text(w.s->prefix, w.cidr, sizeof(w.cidr));
			api_zone(w.zone, c->region, w.s->az.s);
			api_zone_id(w.zone_id, c->region, w.zone);
			snprintf(w.free_ips, sizeof(w.free_ips), "%ld", free_ips(c, w.s));
			int m = listed(w.id, ids, nid) ? ec2_match(f, nf, subnet_field, &w, o) : 0;
			if (m < 0)
				rc = -1;
			if (m <= 0)
				continue;
			xml_open(x, "item", NULL);
			xml_elem(x, "subnetId", w.id);
			xml_elemf(x, "subnetArn", "arn:aws:ec2:%s:%s:subnet/%s", c->region, API_ACCOUNT, w.id);
			xml_elem(x, "state", "available");
			xml_elem(x, "ownerId", API_ACCOUNT);
			xml_elem(x, "vpcId", w.vpc_id);
			xml_elem(x, "cidrBlock", w.cidr);
			xml_elem(x, "ipv6CidrBlockAssociationSet", NULL);
			xml_elem(x, "availableIpAddressCount", w.free_ips);
			xml_elem(x, "availabilityZone", w.zone);
			xml_elem(x, "availabilityZoneId", w.zone_id);
			xml_bool(x, "defaultForAz", 0);
			xml_bool(x, "mapPublicIpOnLaunch", w.s->map_public_ip.v);
			xml_bool(x, "assignIpv6AddressOnCreation", 0);
			ec2_name_tags(x, w.s->name.s);
			xml_close(x);
		}
	}
	xml_close(x);
	api_filters_free(f, nf);
	return rc;
}
