/* EC2 DescribeNetworkInterfaces: the instances' interfaces (the flow logs' eni ids), the NAT
 * gateways' and the load balancers' nodes' (requester-managed, as AWS shows them). An elastic
 * IP on one shows its allocation and association ids (ec2_addr.c names them the same way). */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

struct eni {
	const struct api_ctx *c;
	const char *name, *type, *instance_id;
	char id[48], vpc_id[48], subnet_id[48], zone[64], ip[16], pub[16], pdns[96], dns[128];
	char desc[96], mac[18], attach_id[48];
	const char *attach_time;
	const uint16_t *sgs;
	uint16_t n_sgs, vpc, subnet, eip;
	bool sdc, managed;
};

static const char *eni_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct eni *e = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "network-interface-id") == 0)
		return e->id;
	if (strcmp(f, "vpc-id") == 0)
		return e->vpc_id;
	if (strcmp(f, "subnet-id") == 0)
		return e->subnet_id;
	if (strcmp(f, "availability-zone") == 0)
		return e->zone;
	if (strcmp(f, "private-ip-address") == 0 || strcmp(f, "addresses.private-ip-address") == 0)
		return e->ip;
	if (strcmp(f, "private-dns-name") == 0)
		return e->pdns;
	if (strcmp(f, "association.public-ip") == 0)
		return e->pub[0] ? e->pub : NULL;
	if (strcmp(f, "attachment.instance-id") == 0)
		return e->instance_id;
	if (strcmp(f, "attachment.status") == 0)
		return "attached";
	if (strcmp(f, "status") == 0)
		return "in-use";
	if (strcmp(f, "interface-type") == 0)
		return e->type;
	if (strcmp(f, "mac-address") == 0)
		return e->mac;
	if (strcmp(f, "description") == 0)
		return e->desc;
	if (strcmp(f, "source-dest-check") == 0)
		return e->sdc ? "true" : "false";
	if (strcmp(f, "requester-managed") == 0)
		return e->managed ? "true" : "false";
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	return ec2_tag_field(f, e->name, known);
}

static void association(const struct eni *e, struct xml *x)
{
	if (!e->pub[0])
		return;
	xml_open(x, "association", NULL);
	if (e->eip != VL_NONE) {
		char alloc[48], assoc[48];
		api_id(alloc, e->c->lab, "eipalloc", e->c->t->eips[e->eip].name);
		api_id(assoc, e->c->lab, "eipassoc", e->c->t->eips[e->eip].name);
		xml_elem(x, "allocationId", alloc);
		xml_elem(x, "associationId", assoc);
	}
	xml_elem(x, "ipOwnerId", e->eip != VL_NONE ? API_ACCOUNT : "amazon");
	xml_elem(x, "publicDnsName", e->dns);
	xml_elem(x, "publicIp", e->pub);
	xml_close(x);
}

static void write_eni(const struct eni *e, struct xml *x)
{
	const struct api_ctx *c = e->c;
	xml_open(x, "item", NULL);
	xml_elem(x, "networkInterfaceId", e->id);
	xml_elem(x, "subnetId", e->subnet_id);
	xml_elem(x, "vpcId", e->vpc_id);
	xml_elem(x, "availabilityZone", e->zone);
	xml_elem(x, "description", e->desc);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_bool(x, "requesterManaged", e->managed);
	xml_elem(x, "status", "in-use");
	xml_elem(x, "macAddress", e->mac);
	xml_elem(x, "privateIpAddress", e->ip);
	xml_elem(x, "privateDnsName", e->pdns);
	xml_bool(x, "sourceDestCheck", e->sdc);
	ec2_group_set(c, x, e->sgs, e->n_sgs);
	xml_open(x, "attachment", NULL);
	xml_elem(x, "attachmentId", e->attach_id);
	if (e->instance_id) {
		xml_elem(x, "instanceId", e->instance_id);
		xml_elem(x, "instanceOwnerId", API_ACCOUNT);
	} else {
		xml_elem(x, "instanceOwnerId", "amazon-aws");
	}
	xml_elem(x, "deviceIndex", e->instance_id ? "0" : "1");
	xml_elem(x, "status", "attached");
	xml_elem(x, "attachTime", e->attach_time);
	xml_bool(x, "deleteOnTermination", e->instance_id != NULL);
	xml_close(x);
	association(e, x);
	ec2_name_tags(x, e->name);
	xml_open(x, "privateIpAddressesSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "privateIpAddress", e->ip);
	xml_elem(x, "privateDnsName", e->pdns);
	xml_bool(x, "primary", 1);
	association(e, x);
	xml_close(x);
	xml_close(x);
	xml_elem(x, "ipv6AddressesSet", NULL);
	xml_elem(x, "interfaceType", e->type);
	xml_close(x);
}

static void place(struct eni *e, uint16_t vpc, uint16_t subnet, uint32_t ip, uint32_t pub)
{
	const struct api_ctx *c = e->c;
	e->vpc = vpc;
	e->subnet = subnet;
	api_id(e->vpc_id, c->lab, "vpc", c->t->vpcs[vpc].name);
	api_id(e->subnet_id, c->lab, "subnet", c->t->subnets[subnet].name);
	api_zone(e->zone, c->region, c->t->subnets[subnet].az);
	ec2_ip(ip, e->ip);
	if (pub)
		ec2_ip(pub, e->pub);
	ec2_private_dns(c, ip, e->pdns, sizeof(e->pdns));
	ec2_public_dns(c, vpc, pub, e->dns, sizeof(e->dns));
}

struct walk {
	struct ec2_ids *ids;
	const struct api_filter *f;
	int nf;
	struct xml *x;
	struct api_out *o;
	int rc;
};

static void offer(struct walk *k, const struct eni *e)
{
	if (k->rc || !ec2_ids_want(k->ids, e->id))
		return;
	int m = ec2_match_sgs(e->c, k->f, k->nf, eni_field, e, e->sgs, e->n_sgs, k->o);
	if (m < 0)
		k->rc = -1;
	if (m > 0)
		write_eni(e, k->x);
}

static void instances(struct api_ctx *c, struct walk *k, const struct ec2_insts *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct ec2_inst *in = &l->v[i];
		struct eni e = {.c = c, .name = in->name, .type = "interface", .instance_id = in->id,
				.sgs = in->sgs, .n_sgs = in->n_sgs, .sdc = in->sdc, .eip = in->eip,
				.attach_time = in->launched};
		snprintf(e.id, sizeof(e.id), "%s", in->eni);
		snprintf(e.mac, sizeof(e.mac), "%s", in->mac);
		api_id(e.attach_id, c->lab, "eni-attach", in->name);
		place(&e, in->vpc, in->subnet, in->ip, in->public_ip);
		offer(k, &e);
	}
}

static void natgws(struct api_ctx *c, struct walk *k, const char *when)
{
	for (uint16_t g = 0; g < c->t->n_natgws; g++) {
		const struct vl_natgw *n = &c->t->natgws[g];
		if (!vl_natgw_used(n))
			continue;
		char nat[48];
		api_id(nat, c->lab, "nat", n->name);
		struct eni e = {.c = c, .name = n->name, .type = "nat_gateway", .managed = true, .sdc = false,
				.eip = n->eip, .attach_time = when};
		ec2_natgw_eni(c, n->name, e.id);
		snprintf(e.desc, sizeof(e.desc), "Interface for NAT Gateway %s", nat);
		api_id(e.attach_id, c->lab, "ela-attach", n->name);
		snprintf(e.mac, sizeof(e.mac), "02:56:4e:47:%02x:%02x", g >> 8, g & 0xff);
		place(&e, n->vpc, n->subnet, n->ip, n->eip != VL_NONE ? c->t->eips[n->eip].ip : 0);
		offer(k, &e);
	}
}

static void nodes(struct api_ctx *c, struct walk *k, const char *when)
{
	for (uint16_t p = 0; p < c->t->n_ports; p++) {
		const struct vl_port *pt = &c->t->ports[p];
		if (pt->kind != VL_PORT_LB_NODE || !vl_port_used(pt) || pt->lb >= c->t->n_lbs)
			continue;
		const struct vl_lb *lb = &c->t->lbs[pt->lb];
		bool app = lb->type == VL_LB_APPLICATION;
		struct eni e = {.c = c, .name = lb->name, .type = app ? "interface" : "network_load_balancer",
				.managed = true, .sgs = pt->sgs, .n_sgs = pt->sg_count, .sdc = true,
				.eip = pt->eip, .attach_time = when};
		ec2_node_eni(c, p, e.id);
		snprintf(e.desc, sizeof(e.desc), "ELB %s/%s", app ? "app" : "net", lb->name);
		api_id(e.attach_id, c->lab, "ela-attach", e.id);
		snprintf(e.mac, sizeof(e.mac), "%02x:%02x:%02x:%02x:%02x:%02x", pt->mac[0], pt->mac[1],
			 pt->mac[2], pt->mac[3], pt->mac[4], pt->mac[5]);
		place(&e, pt->vpc, pt->subnet, pt->ip, pt->public_ip);
		offer(k, &e);
	}
}

int ec2_describe_network_interfaces(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "NetworkInterfaceId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct ec2_insts l = {0};
	if (!r->other_region && ec2_instances(c, &l) < 0) {
		api_filters_free(f, nf);
		return api_fail(o, 500, "InternalError", "Out of memory");
	}
	struct walk k = {&ids, f, nf, &o->x, o, 0};
	xml_open(&o->x, "networkInterfaceSet", NULL);
	if (!r->other_region) {
		char when[32];
		ec2_started(c, when);
		instances(c, &k, &l);
		natgws(c, &k, when);
		nodes(c, &k, when);
	}
	xml_close(&o->x);
	ec2_instances_free(&l);
	api_filters_free(f, nf);
	if (k.rc == 0 &&
	    ec2_ids_done(&ids, "InvalidNetworkInterfaceID.NotFound", "network interface", o) < 0)
		return -1;
	return k.rc;
}
