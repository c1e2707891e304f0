/* EC2 DescribeTags: the Name tag of every object the Describe calls show (its name in the lab
 * file), and aws:autoscaling:groupName on an auto scaling group's instances, with AWS's
 * resource types; filters key, value, resource-id, resource-type. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

struct tag_view {
	const char *id, *type, *key, *value;
};

static const char *tag_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct tag_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "resource-id") == 0)
		return w->id;
	if (strcmp(f, "resource-type") == 0)
		return w->type;
	if (strcmp(f, "key") == 0 || strcmp(f, "tag-key") == 0)
		return w->key;
	if (strcmp(f, "value") == 0 || strcmp(f, "tag-value") == 0)
		return w->value;
	if (strncmp(f, "tag:", 4) == 0)
		return strcmp(f + 4, w->key) == 0 ? w->value : NULL;
	*known = false;
	return NULL;
}

struct tags {
	const struct api_filter *f;
	int nf;
	struct xml *x;
	struct api_out *o;
	int rc;
};

static void tag(struct tags *k, const char *id, const char *type, const char *key, const char *value)
{
	struct tag_view w = {id, type, key, value};
	if (k->rc)
		return;
	int m = ec2_match(k->f, k->nf, tag_field, &w, k->o);
	if (m < 0)
		k->rc = -1;
	if (m <= 0)
		return;
	xml_open(k->x, "item", NULL);
	xml_elem(k->x, "resourceId", id);
	xml_elem(k->x, "resourceType", type);
	xml_elem(k->x, "key", key);
	xml_elem(k->x, "value", value);
	xml_close(k->x);
}

static void named(struct tags *k, const char *id, const char *type, const char *name)
{
	tag(k, id, type, "Name", name);
}

static void network(struct api_ctx *c, struct tags *k)
{
	const struct vl_tables *t = c->t;
	char id[48];
	for (uint16_t i = 0; i < t->n_vpcs; i++) {
		api_id(id, c->lab, "vpc", t->vpcs[i].name);
		named(k, id, "vpc", t->vpcs[i].name);
		if (t->vpcs[i].has_igw) {
			ec2_igw_id(c, i, id);
			named(k, id, "internet-gateway", t->vpcs[i].name);
		}
	}
	for (uint16_t i = 0; i < t->n_subnets; i++) {
		api_id(id, c->lab, "subnet", t->subnets[i].name);
		named(k, id, "subnet", t->subnets[i].name);
	}
	for (uint16_t i = 0; i < t->n_sgs; i++) {
		ec2_sg_id(c, i, id);
		named(k, id, "security-group", t->sgs[i].name);
	}
	for (uint16_t i = 0; i < t->n_route_tables; i++) {
		ec2_rtb_id(c, i, id);
		named(k, id, "route-table", t->route_tables[i].name);
	}
	for (uint16_t i = 0; i < t->n_acls; i++) {
		ec2_acl_id(c, i, id);
		named(k, id, "network-acl", t->acls[i].name);
	}
	for (uint16_t i = 0; i < t->n_natgws; i++) {
		if (!vl_natgw_used(&t->natgws[i]))
			continue;
		api_id(id, c->lab, "nat", t->natgws[i].name);
		named(k, id, "natgateway", t->natgws[i].name);
		ec2_natgw_eni(c, t->natgws[i].name, id);
		named(k, id, "network-interface", t->natgws[i].name);
	}
	for (uint16_t i = 0; i < t->n_eips; i++) {
		if (!vl_eip_used(&t->eips[i]))
			continue;
		api_id(id, c->lab, "eipalloc", t->eips[i].name);
		named(k, id, "elastic-ip", t->eips[i].name);
	}
	for (uint16_t p = 0; p < t->n_ports; p++) {
		if (t->ports[p].kind != VL_PORT_LB_NODE || !vl_port_used(&t->ports[p]) || t->ports[p].lb >= t->n_lbs)
			continue;
		ec2_node_eni(c, p, id);
		named(k, id, "network-interface", t->lbs[t->ports[p].lb].name);
	}
}

int ec2_describe_tags(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct api_filter f[32];
	int nf = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct ec2_insts l = {0};
	if (!r->other_region && ec2_instances(c, &l) < 0) {
		api_filters_free(f, nf);
		return api_fail(o, 500, "InternalError", "Out of memory");
	}
	struct tags k = {f, nf, &o->x, o, 0};
	xml_open(&o->x, "tagSet", NULL);
	if (!r->other_region) {
		network(c, &k);
		for (size_t i = 0; i < l.n; i++) {
			named(&k, l.v[i].id, "instance", l.v[i].name);
			if (l.v[i].group[0])
				tag(&k, l.v[i].id, "instance", "aws:autoscaling:groupName", l.v[i].group);
			named(&k, l.v[i].eni, "network-interface", l.v[i].name);
		}
	}
	xml_close(&o->x);
	ec2_instances_free(&l);
	api_filters_free(f, nf);
	return k.rc;
}
