/* EC2 AuthorizeSecurityGroupIngress/Egress and RevokeSecurityGroupIngress/Egress: the group
 * (GroupId, or GroupName for ingress) and its rules (sg_rule.c) are found in the running model,
 * then api_change edits a copy and the router applies it as `vpclab apply` would: new rules
 * admit the next packet, and a revoked rule leaves tracked connections alone (AWS). */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/sg_rule.h"
#include "control/lab/model.h"

struct sg_change {
	bool egress, revoke;
	char group[64], vpc[64];
	int vi;                        /* the group's VPC in the model */
	struct sg_perm p[SG_PERMS_MAX];
	size_t n;
};

static int edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	(void)c;
	struct sg_change *s = arg;
	/* The default group is written into the file (AWS's implicit rules first) to be changed. */
	bool dflt = strcmp(s->group, "default") == 0;
	struct lab_sg *g = dflt ? sg_default_declare(m, &m->vpcs[s->vi]) : lab_find_sg(m, s->group, NULL);
	if (!g && dflt)
		return api_fail(o, 500, "InternalError", "Out of memory");
	if (!g)
		return api_fail(o, 400, "InvalidGroup.NotFound", "The security group '%s' does not exist", s->group);
	return s->revoke ? sg_rules_remove(m, g, s->egress, s->p, s->n, o)
			 : sg_rules_add(m, g, s->egress, s->p, s->n, o);
}

/* SecurityGroupRuleId.N of the group's direction as perms. */
static int by_rule_ids(const struct api_ctx *c, const struct api_req *r, struct sg_change *s,
		       const char *gid, struct api_out *o)
{
	const char *ids[SG_PERMS_MAX];
	size_t n = api_list(r, "SecurityGroupRuleId", ids, SG_PERMS_MAX);
	if (n > SG_PERMS_MAX)
		return api_fail(o, 400, "InvalidParameterValue", "Too many rule ids (at most %d)", SG_PERMS_MAX);
	struct sg_perm have[SG_PERMS_MAX + 8];
	size_t nh = sg_rules_named(&c->m->vpcs[s->vi], s->group, s->egress, have, SG_PERMS_MAX + 8);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		for (; k < nh && k < SG_PERMS_MAX + 8; k++) {
			char rid[48];
			sg_rule_id(rid, c->lab, s->vpc, gid, s->egress, &have[k]);
			if (strcmp(rid, ids[i]) == 0)
				break;
		}
		if (k == nh || k == SG_PERMS_MAX + 8)
			return api_fail(o, 400, "InvalidSecurityGroupRuleId.NotFound", "The security group "
					"rule ID '%s' does not exist", ids[i]);
		s->p[s->n++] = have[k];
	}
	return 0;
}

static int sg_call(struct api_ctx *c, const struct api_req *r, struct api_out *o, bool egress, bool revoke)
{
	struct sg_change s = {.egress = egress, .revoke = revoke};
	const char *id = api_param(r, "GroupId"), *name = egress ? NULL : api_param(r, "GroupName");
	if (!id && !name)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter groupId%s",
				egress ? "" : " or groupName");
	if (r->other_region)
		return api_fail(o, 400, "InvalidGroup.NotFound", "The security group '%s' does not exist",
				id ? id : name);
	int vpc;
	if (sg_group_find(c->m, c->lab, id, id ? NULL : name, s.group, &vpc, o) < 0)
		return -1;
	s.vi = vpc;
	snprintf(s.vpc, sizeof(s.vpc), "%s", c->m->vpcs[vpc].name.s ? c->m->vpcs[vpc].name.s : "");
	char gid[48];
	sg_group_id(gid, c->lab, s.vpc, s.group);
	bool ids = revoke && api_param(r, "SecurityGroupRuleId.1");
	if (ids && (api_param(r, "IpPermissions.1.IpProtocol") || api_param(r, "IpProtocol")))
		return api_fail(o, 400, "InvalidParameterCombination", "SecurityGroupRuleIds cannot be used "
				"with IpPermissions");
	if (ids ? by_rule_ids(c, r, &s, gid, o) < 0
		: sg_perms_decode(c->m, c->lab, r, s.p, SG_PERMS_MAX, &s.n, o) < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++)
		if (!s.p[i].is_cidr && s.p[i].group_vpc != vpc && s.p[i].group_vpc >= 0)
			return api_fail(o, 400, "InvalidGroup.NotFound", "You have specified two resources "
					"that belong to different networks.");
	if (api_change(c, edit, &s, o) < 0)
		return -1;
	xml_elem(&o->x, "return", "true");
	if (!revoke) {
		xml_open(&o->x, "securityGroupRuleSet", NULL);
		for (size_t i = 0; i < s.n; i++)
			sg_rule_xml(&o->x, c->lab, s.vpc, s.group, egress, &s.p[i]);
		xml_close(&o->x);
	}
	return 0;
}

int ec2_authorize_sg_ingress(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return sg_call(c, r, o, false, false);
}

int ec2_authorize_sg_egress(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return sg_call(c, r, o, true, false);
}

int ec2_revoke_sg_ingress(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return sg_call(c, r, o, false, true);
}

int ec2_revoke_sg_egress(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return sg_call(c, r, o, true, true);
}
