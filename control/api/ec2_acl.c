/* EC2 DescribeNetworkAcls over the compiled ACLs: entries egress first then ingress, each by
 * rule number, protocol as a number ("-1" for all), with AWS's last entry 32767 denying all
 * (which the lab enforces without a rule); the VPC's default ACL (rule 100 allows all); every
 * subnet associated with exactly one ACL, its own or the default, as in AWS. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"
#include "control/lab/model.h"

#define MAX_VALUES 256

struct acl_view {
	const struct api_ctx *c;
	uint16_t i;
	bool dflt;
	char id[48], vpc_id[48];
};

static void cidr_text(struct prefix4 p, char buf[32])
{
	char ip[16];
	snprintf(buf, 32, "%s/%u", ec2_ip(p.addr, ip), p.len);
}

/* The implicit last rule of each direction. */
static const struct vl_acl_rule deny_all = {32767, 0, {-1, 0, 65535, -1, -1}, {0, 0}};

/* Rule k of a direction (count real ones, then the implicit 32767). */
static const struct vl_acl_rule *rule_at(const struct api_ctx *c, uint32_t first, uint32_t count, uint32_t k)
{
	return k < count ? &c->t->acl_rules[first + k] : &deny_all;
}

static void entry(struct xml *x, const struct vl_acl_rule *r, bool egress)
{
	char cidr[32];
	cidr_text(r->cidr, cidr);
	xml_open(x, "item", NULL);
	xml_elemf(x, "ruleNumber", "%u", r->number);
	xml_elemf(x, "protocol", "%d", r->m.proto < 0 ? -1 : r->m.proto);
	xml_elem(x, "ruleAction", r->allow ? "allow" : "deny");
	xml_bool(x, "egress", egress);
	xml_elem(x, "cidrBlock", cidr);
	if (r->m.proto == 1) {
		xml_open(x, "icmpTypeCode", NULL);
		xml_elemf(x, "code", "%d", r->m.icmp_code);
		xml_elemf(x, "type", "%d", r->m.icmp_type);
		xml_close(x);
	}
	if (r->m.proto == 6 || r->m.proto == 17) {
		xml_open(x, "portRange", NULL);
		xml_elemf(x, "from", "%u", r->m.port_lo);
		xml_elemf(x, "to", "%u", r->m.port_hi);
		xml_close(x);
	}
	xml_close(x);
}

/* The subnets using ACL i (every subnet uses one). */
static size_t subnets_of(const struct api_ctx *c, uint16_t i, const struct lab_subnet **out, size_t cap)
{
	size_t n = 0;
	for (size_t v = 0; v < c->m->n_vpcs; v++)
		for (size_t s = 0; s < c->m->vpcs[v].n_subnets; s++)
			if (c->m->vpcs[v].subnets[s].acl == i && n < cap)
				out[n++] = &c->m->vpcs[v].subnets[s];
	return n;
}

static int acl_values(const void *obj, const char *f, char vals[][48], size_t cap)
{
	const struct acl_view *w = obj;
	const struct api_ctx *c = w->c;
	const struct vl_acl *a = &c->t->acls[w->i];
	size_t n = 0;
	if (strncmp(f, "association.", 12) == 0) {
		const struct lab_subnet *sn[MAX_VALUES];
		size_t ns = subnets_of(c, w->i, sn, MAX_VALUES);
		const char *what = f + 12;
		for (size_t k = 0; k < ns && n < cap; k++) {
			if (strcmp(what, "subnet-id") == 0)
				api_id(vals[n++], c->lab, "subnet", sn[k]->name.s);
			else if (strcmp(what, "association-id") == 0)
				api_id(vals[n++], c->lab, "aclassoc", sn[k]->name.s);
			else if (strcmp(what, "network-acl-id") == 0)
				snprintf(vals[n++], 48, "%s", w->id);
			else
				return -1;
		}
		return (int)n;
	}
	if (strncmp(f, "entry.", 6) != 0)
		return -1;
	for (int dir = 0; dir < 2; dir++) {
		uint32_t first = dir ? a->out_first : a->in_first, count = dir ? a->out_count : a->in_count;
		for (uint32_t k = 0; k <= count && n < cap; k++) {
			const struct vl_acl_rule *r = rule_at(c, first, count, k);
			const char *e = f + 6;
			if (strcmp(e, "rule-number") == 0)
				snprintf(vals[n++], 48, "%u", r->number);
			else if (strcmp(e, "protocol") == 0)
				snprintf(vals[n++], 48, "%d", r->m.proto < 0 ? -1 : r->m.proto);
			else if (strcmp(e, "rule-action") == 0)
				snprintf(vals[n++], 48, "%s", r->allow ? "allow" : "deny");
			else if (strcmp(e, "egress") == 0)
				snprintf(vals[n++], 48, "%s", dir ? "true" : "false");
			else if (strcmp(e, "cidr") == 0)
				cidr_text(r->cidr, vals[n++]);
			else if (strcmp(e, "port-range.from") == 0 && (r->m.proto == 6 || r->m.proto == 17))
				snprintf(vals[n++], 48, "%u", r->m.port_lo);
			else if (strcmp(e, "port-range.to") == 0 && (r->m.proto == 6 || r->m.proto == 17))
				snprintf(vals[n++], 48, "%u", r->m.port_hi);
			else if (strcmp(e, "port-range.from") != 0 && strcmp(e, "port-range.to") != 0)
				return -1;
		}
	}
	return (int)n;
}

static const char *acl_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct acl_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "network-acl-id") == 0)
		return w->id;
	if (strcmp(f, "vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "default") == 0)
		return w->dflt ? "true" : "false";
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	return ec2_tag_field(f, w->c->t->acls[w->i].name, known);
}

static void write_acl(const struct api_ctx *c, struct xml *x, const struct acl_view *w)
{
	const struct vl_acl *a = &c->t->acls[w->i];
	xml_open(x, "item", NULL);
	xml_elem(x, "networkAclId", w->id);
	xml_elem(x, "vpcId", w->vpc_id);
	xml_bool(x, "default", w->dflt);
	xml_open(x, "entrySet", NULL);
	for (uint32_t k = 0; k <= a->out_count; k++)
		entry(x, rule_at(c, a->out_first, a->out_count, k), true);
	for (uint32_t k = 0; k <= a->in_count; k++)
		entry(x, rule_at(c, a->in_first, a->in_count, k), false);
	xml_close(x);
	xml_open(x, "associationSet", NULL);
	const struct lab_subnet *sn[MAX_VALUES];
	size_t ns = subnets_of(c, w->i, sn, MAX_VALUES);
	for (size_t k = 0; k < ns; k++) {
		char id[48], sub[48];
		api_id(id, c->lab, "aclassoc", sn[k]->name.s);
		api_id(sub, c->lab, "subnet", sn[k]->name.s);
		xml_open(x, "item", NULL);
		xml_elem(x, "networkAclAssociationId", id);
		xml_elem(x, "networkAclId", w->id);
		xml_elem(x, "subnetId", sub);
		xml_close(x);
	}
	xml_close(x);
	ec2_name_tags(x, a->name);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_close(x);
}

int ec2_describe_network_acls(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "NetworkAclId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "networkAclSet", NULL);
	for (uint16_t i = 0; i < c->t->n_acls && !r->other_region && rc == 0; i++) {
		const struct vl_acl *a = &c->t->acls[i];
		struct acl_view w = {.c = c, .i = i};
		w.dflt = a->vpc < c->m->n_vpcs && c->m->vpcs[a->vpc].default_acl == i;
		ec2_acl_id(c, i, w.id);
		api_id(w.vpc_id, c->lab, "vpc", c->t->vpcs[a->vpc].name);
		int m = ec2_ids_want(&ids, w.id) ? ec2_match_multi(f, nf, acl_values, acl_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m > 0)
			write_acl(c, x, &w);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidNetworkAclID.NotFound", "networkAcl ID", o) < 0)
		return -1;
	return rc;
}
