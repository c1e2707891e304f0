/* EC2 DescribeInstances: one reservation per instance, every instance that exists "running"
 * (a lab's instance runs while the lab does), its interface under the flow logs' eni id, the
 * private DNS name the lab's resolver answers, and an auto scaling group's instances tagged
 * aws:autoscaling:groupName as AWS tags them. ImageId and InstanceType are placeholders. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

#define EC2_IMAGE "ami-00000000000000000"   /* a lab has no images: a placeholder */
#define EC2_TYPE "t3.micro"                 /* nor instance types */

struct inst_view {
	const struct api_ctx *c;
	const struct ec2_inst *i;
	char vpc_id[48], subnet_id[48], zone[64], ip[16], pub[16], pdns[96], dns[128], rid[48];
};

static const char *inst_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct inst_view *w = obj;
	*known = true;
	if (strncmp(f, "network-interface.", 18) == 0 && strcmp(f + 18, "network-interface-id") == 0)
		return w->i->eni;
	if (strncmp(f, "network-interface.", 18) == 0)
		f += 18; /* the instance's one interface has the instance's fields */
	if (strcmp(f, "instance-id") == 0)
		return w->i->id;
	if (strcmp(f, "vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "subnet-id") == 0)
		return w->subnet_id;
	if (strcmp(f, "private-ip-address") == 0 || strcmp(f, "addresses.private-ip-address") == 0)
		return w->ip;
	if (strcmp(f, "ip-address") == 0 || strcmp(f, "association.public-ip") == 0 ||
	    strcmp(f, "addresses.association.public-ip") == 0)
		return w->pub[0] ? w->pub : NULL;
	if (strcmp(f, "private-dns-name") == 0)
		return w->pdns;
	if (strcmp(f, "dns-name") == 0)
		return w->dns[0] ? w->dns : NULL;
	if (strcmp(f, "instance-state-name") == 0)
		return "running";
	if (strcmp(f, "instance-state-code") == 0)
		return "16";
	if (strcmp(f, "availability-zone") == 0)
		return w->zone;
	if (strcmp(f, "mac-address") == 0)
		return w->i->mac;
	if (strcmp(f, "source-dest-check") == 0)
		return w->i->sdc ? "true" : "false";
	if (strcmp(f, "instance-type") == 0)
		return EC2_TYPE;
	if (strcmp(f, "image-id") == 0)
		return EC2_IMAGE;
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	if (strcmp(f, "reservation-id") == 0)
		return w->rid;
	if (strcmp(f, "tenancy") == 0)
		return "default";
	if (strcmp(f, "status") == 0)
		return "in-use";
	if (strcmp(f, "tag:aws:autoscaling:groupName") == 0)
		return w->i->group[0] ? w->i->group : NULL;
	(void)buf, (void)cap;
	return ec2_tag_field(f, w->i->name, known);
}

/* tag-key / tag-value of an instance with two tags: Name and aws:autoscaling:groupName. */
static bool inst_tag_match(const struct inst_view *w, const struct api_filter *f)
{
	if (strcmp(f->name, "tag-key") == 0)
		return api_filter_match(f, "Name") || (w->i->group[0] && api_filter_match(f, "aws:autoscaling:groupName"));
	if (strcmp(f->name, "tag-value") == 0)
		return api_filter_match(f, w->i->name) || (w->i->group[0] && api_filter_match(f, w->i->group));
	return false;
}

static int inst_match(const struct inst_view *w, const struct api_filter *f, int nf, struct api_out *o)
{
	for (int k = 0; k < nf; k++) {
		if (strcmp(f[k].name, "tag-key") == 0 || strcmp(f[k].name, "tag-value") == 0) {
			if (!inst_tag_match(w, &f[k]))
				return 0;
			continue;
		}
		int m = ec2_match_sgs(w->c, &f[k], 1, inst_field, w, w->i->sgs, w->i->n_sgs, o);
		if (m <= 0)
			return m;
	}
	return 1;
}

void ec2_inst_tags(struct xml *x, const struct ec2_inst *i)
{
	xml_open(x, "tagSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "key", "Name");
	xml_elem(x, "value", i->name);
	xml_close(x);
	if (i->group[0]) {
		xml_open(x, "item", NULL);
		xml_elem(x, "key", "aws:autoscaling:groupName");
		xml_elem(x, "value", i->group);
		xml_close(x);
	}
	xml_close(x);
}

static void interface(const struct api_ctx *c, struct xml *x, const struct inst_view *w)
{
	const struct ec2_inst *i = w->i;
	char attach[48];
	api_id(attach, c->lab, "eni-attach", i->name);
	xml_open(x, "networkInterfaceSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "networkInterfaceId", i->eni);
	xml_elem(x, "subnetId", w->subnet_id);
	xml_elem(x, "vpcId", w->vpc_id);
	xml_elem(x, "description", NULL);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_elem(x, "status", "in-use");
	xml_elem(x, "macAddress", i->mac);
	xml_elem(x, "privateIpAddress", w->ip);
	xml_elem(x, "privateDnsName", w->pdns);
	xml_bool(x, "sourceDestCheck", i->sdc);
	ec2_group_set(c, x, i->sgs, i->n_sgs);
	xml_open(x, "attachment", NULL);
	xml_elem(x, "attachmentId", attach);
	xml_elem(x, "deviceIndex", "0");
	xml_elem(x, "status", "attached");
	xml_elem(x, "attachTime", i->launched);
	xml_bool(x, "deleteOnTermination", 1);
	xml_elem(x, "networkCardIndex", "0");
	xml_close(x);
	if (w->pub[0]) {
		xml_open(x, "association", NULL);
		xml_elem(x, "publicIp", w->pub);
		xml_elem(x, "publicDnsName", w->dns);
		xml_elem(x, "ipOwnerId", i->eip != VL_NONE ? API_ACCOUNT : "amazon");
		xml_close(x);
	}
	xml_open(x, "privateIpAddressesSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "privateIpAddress", w->ip);
	xml_elem(x, "privateDnsName", w->pdns);
	xml_bool(x, "primary", 1);
	if (w->pub[0]) {
		xml_open(x, "association", NULL);
		xml_elem(x, "publicIp", w->pub);
		xml_elem(x, "publicDnsName", w->dns);
		xml_elem(x, "ipOwnerId", i->eip != VL_NONE ? API_ACCOUNT : "amazon");
		xml_close(x);
	}
	xml_close(x);
	xml_close(x);
	xml_elem(x, "ipv6AddressesSet", NULL);
	xml_elem(x, "interfaceType", "interface");
	xml_close(x);
	xml_close(x);
}

static void instance(const struct api_ctx *c, struct xml *x, const struct inst_view *w)
{
	const struct ec2_inst *i = w->i;
	xml_open(x, "item", NULL);
	xml_elem(x, "reservationId", w->rid);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_elem(x, "groupSet", NULL);
	xml_open(x, "instancesSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "instanceId", i->id);
	xml_elem(x, "imageId", EC2_IMAGE);
	xml_open(x, "instanceState", NULL);
	xml_elem(x, "code", "16");
	xml_elem(x, "name", "running");
	xml_close(x);
	xml_elem(x, "privateDnsName", w->pdns);
	xml_elem(x, "dnsName", w->dns);
	xml_elem(x, "reason", NULL);
	xml_elem(x, "amiLaunchIndex", "0");
	xml_elem(x, "productCodes", NULL);
	xml_elem(x, "instanceType", EC2_TYPE);
	xml_elem(x, "launchTime", i->launched);
	xml_open(x, "placement", NULL);
	xml_elem(x, "availabilityZone", w->zone);
	xml_elem(x, "groupName", NULL);
	xml_elem(x, "tenancy", "default");
	xml_close(x);
	xml_open(x, "monitoring", NULL);
	xml_elem(x, "state", "disabled");
	xml_close(x);
	xml_elem(x, "subnetId", w->subnet_id);
	xml_elem(x, "vpcId", w->vpc_id);
	xml_elem(x, "privateIpAddress", w->ip);
	if (w->pub[0])
		xml_elem(x, "ipAddress", w->pub);
	xml_bool(x, "sourceDestCheck", i->sdc);
	ec2_group_set(c, x, i->sgs, i->n_sgs);
	xml_elem(x, "architecture", "x86_64");
	xml_elem(x, "rootDeviceType", "ebs");
	xml_elem(x, "rootDeviceName", "/dev/xvda");
	xml_elem(x, "blockDeviceMapping", NULL);
	xml_elem(x, "virtualizationType", "hvm");
	xml_elem(x, "clientToken", NULL);
	ec2_inst_tags(x, i);
	xml_elem(x, "hypervisor", "xen");
	interface(c, x, w);
	xml_bool(x, "ebsOptimized", 0);
	xml_bool(x, "enaSupport", 1);
	xml_close(x);
	xml_close(x);
	xml_close(x);
}

static void view_of(const struct api_ctx *c, const struct ec2_inst *i, struct inst_view *w)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->i = i;
	api_id(w->vpc_id, c->lab, "vpc", c->t->vpcs[i->vpc].name);
	api_id(w->subnet_id, c->lab, "subnet", c->t->subnets[i->subnet].name);
	api_id(w->rid, c->lab, "r", i->name);
	api_zone(w->zone, c->region, c->t->subnets[i->subnet].az);
	ec2_ip(i->ip, w->ip);
	if (i->public_ip)
		ec2_ip(i->public_ip, w->pub);
	ec2_private_dns(c, i->ip, w->pdns, sizeof(w->pdns));
	ec2_public_dns(c, i->vpc, i->public_ip, w->dns, sizeof(w->dns));
}

int ec2_describe_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "InstanceId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct ec2_insts l = {0};
	if (!r->other_region && ec2_instances(c, &l) < 0) {
		api_filters_free(f, nf);
		return api_fail(o, 500, "InternalError", "Out of memory");
	}
	struct xml *x = &o->x;
	xml_open(x, "reservationSet", NULL);
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		struct inst_view w;
		view_of(c, &l.v[i], &w);
		int m = ec2_ids_want(&ids, l.v[i].id) ? inst_match(&w, f, nf, o) : 0;
		if (m < 0)
			rc = -1;
		if (m > 0)
			instance(c, x, &w);
	}
	xml_close(x);
	ec2_instances_free(&l);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidInstanceID.NotFound", "instance ID", o) < 0)
		return -1;
	return rc;
}
