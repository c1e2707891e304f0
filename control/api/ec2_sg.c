/* EC2 DescribeSecurityGroups and DescribeSecurityGroupRules over the compiled groups: AWS's
 * IpPermissions (rules of one protocol and port range merged into one permission with their
 * ranges and groups), the VPC's default group, and rule ids (sgr-) hashed from the group and
 * what the rule matches, so that a rule keeps its id while others come and go. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"
#include "control/lab/model.h"

struct sg_view {
	const struct api_ctx *c;
	uint16_t i;
	char id[48], vpc_id[48];
	const char *description;
};

static const char *sg_description(const struct api_ctx *c, uint16_t i)
{
	const struct vl_sg *g = &c->t->sgs[i];
	if (g->vpc < c->m->n_vpcs && i == c->m->vpcs[g->vpc].default_sg)
		return "default VPC security group";
	uint16_t vpc;
	const struct lab_sg *s = lab_find_sg(c->m, g->name, &vpc);
	return s && s->description.s ? s->description.s : g->name;
}

static const char *sg_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct sg_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "group-id") == 0)
		return w->id;
	if (strcmp(f, "group-name") == 0)
		return w->c->t->sgs[w->i].name;
	if (strcmp(f, "vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "description") == 0)
		return w->description;
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	return ec2_tag_field(f, w->c->t->sgs[w->i].name, known);
}

static bool same_match(const struct vl_match *a, const struct vl_match *b)
{
	if (a->proto != b->proto)
		return false;
	if (a->proto == 6 || a->proto == 17)
		return a->port_lo == b->port_lo && a->port_hi == b->port_hi;
	if (a->proto == 1)
		return a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code;
	return true;
}

static void cidr_text(struct prefix4 p, char buf[32])
{
	char ip[16];
	snprintf(buf, 32, "%s/%u", ec2_ip(p.addr, ip), p.len);
}

/* Every value the group's rules of one direction have for an ip-permission.* filter (AWS's
 * names: protocol, from-port, to-port, cidr, group-id, group-name); -1 for another name. */
static int perm_values(const struct api_ctx *c, uint16_t g, bool egress, const char *f, char vals[][48],
		       size_t cap)
{
	static const char *const known[] = {"protocol", "from-port", "to-port", "cidr", "group-id", "group-name"};
	bool ok = false;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		ok |= strcmp(f, known[k]) == 0;
	if (!ok)
		return -1;
	const struct vl_sg *sg = &c->t->sgs[g];
	uint32_t first = egress ? sg->out_first : sg->in_first, n = egress ? sg->out_count : sg->in_count;
	size_t k = 0;
	for (uint32_t i = 0; i < n && k < cap; i++) {
		const struct vl_sg_rule *r = &c->t->sg_rules[first + i];
		bool ports = r->m.proto == 6 || r->m.proto == 17, icmp = r->m.proto == 1;
		char pb[8];
		if (strcmp(f, "protocol") == 0)
			snprintf(vals[k++], 48, "%s", ec2_proto_name(r->m.proto, pb));
		else if (strcmp(f, "from-port") == 0 && (ports || icmp))
			snprintf(vals[k++], 48, "%d", ports ? r->m.port_lo : r->m.icmp_type);
		else if (strcmp(f, "to-port") == 0 && (ports || icmp))
			snprintf(vals[k++], 48, "%d", ports ? r->m.port_hi : r->m.icmp_code);
		else if (strcmp(f, "cidr") == 0 && r->peer_sg == VL_NONE)
			cidr_text(r->cidr, vals[k++]);
		else if (strcmp(f, "group-id") == 0 && r->peer_sg != VL_NONE)
			ec2_sg_id(c, r->peer_sg, vals[k++]);
		else if (strcmp(f, "group-name") == 0 && r->peer_sg != VL_NONE)
			snprintf(vals[k++], 48, "%s", c->t->sgs[r->peer_sg].name);
	}
	return (int)k;
}

/* The ip-permission.* and egress.ip-permission.* filters' values over the group's rules. */
static int sg_values(const void *obj, const char *name, char vals[][48], size_t cap)
{
	const struct sg_view *w = obj;
	bool egress = strncmp(name, "egress.", 7) == 0;
	const char *rest = name + (egress ? 7 : 0);
	return strncmp(rest, "ip-permission.", 14) == 0 ? perm_values(w->c, w->i, egress, rest + 14, vals, cap)
							    : -1;
}

/* fromPort/toPort as AWS gives them: ports for tcp/udp, type/code for icmp, none otherwise
 * (-1/-1 when always is set: DescribeSecurityGroupRules writes them for every rule). */
static void ports(struct xml *x, const struct vl_match *m, bool always)
{
	if (m->proto == 6 || m->proto == 17) {
		xml_elemf(x, "fromPort", "%u", m->port_lo);
		xml_elemf(x, "toPort", "%u", m->port_hi);
	} else if (m->proto == 1) {
		xml_elemf(x, "fromPort", "%d", m->icmp_type);
		xml_elemf(x, "toPort", "%d", m->icmp_code);
	} else if (always) {
		xml_elem(x, "fromPort", "-1");
		xml_elem(x, "toPort", "-1");
	}
}

/* One direction's rules as IpPermissions. */
static void permissions(const struct api_ctx *c, struct xml *x, const char *elem, uint32_t first,
			uint32_t count)
{
	const struct vl_sg_rule *r = &c->t->sg_rules[first];
	xml_open(x, elem, NULL);
	for (uint32_t i = 0; i < count; i++) {
		bool done = false;
		for (uint32_t j = 0; j < i && !done; j++)
			done = same_match(&r[j].m, &r[i].m);
		if (done)
			continue; /* merged into an earlier permission */
		char pb[8];
		xml_open(x, "item", NULL);
		xml_elem(x, "ipProtocol", ec2_proto_name(r[i].m.proto, pb));
		ports(x, &r[i].m, false);
		xml_open(x, "groups", NULL);
		for (uint32_t k = i; k < count; k++) {
			if (!same_match(&r[k].m, &r[i].m) || r[k].peer_sg == VL_NONE)
				continue;
			char id[48];
			ec2_sg_id(c, r[k].peer_sg, id);
			xml_open(x, "item", NULL);
			xml_elem(x, "userId", API_ACCOUNT);
			xml_elem(x, "groupId", id);
			xml_close(x);
		}
		xml_close(x);
		xml_open(x, "ipRanges", NULL);
		for (uint32_t k = i; k < count; k++) {
			if (!same_match(&r[k].m, &r[i].m) || r[k].peer_sg != VL_NONE)
				continue;
			char cidr[32];
			cidr_text(r[k].cidr, cidr);
			xml_open(x, "item", NULL);
			xml_elem(x, "cidrIp", cidr);
			xml_close(x);
		}
		xml_close(x);
		xml_elem(x, "ipv6Ranges", NULL);
		xml_elem(x, "prefixListIds", NULL);
		xml_close(x);
	}
	xml_close(x);
}

/* GroupName.N: each must name a group (any VPC's "default" names each VPC's). */
static int names_exist(const struct api_ctx *c, const struct api_req *r, const char **names, size_t *n,
		       struct api_out *o)
{
	*n = api_list(r, "GroupName", names, EC2_MAX_IDS);
	if (*n > EC2_MAX_IDS)
		return api_fail(o, 400, "InvalidParameterValue", "Too many names (at most %d)", EC2_MAX_IDS);
	for (size_t i = 0; i < *n; i++) {
		bool found = false;
		for (uint16_t g = 0; g < c->t->n_sgs && !found && !r->other_region; g++)
			found = strcmp(c->t->sgs[g].name, names[i]) == 0;
		if (!found)
			return api_fail(o, 400, "InvalidGroup.NotFound", "The security group '%s' does not exist",
					names[i]);
	}
	return 0;
}

int ec2_describe_security_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	const char *names[EC2_MAX_IDS];
	size_t nn;
	if (ec2_ids_get(r, "GroupId", &ids, o) < 0 || names_exist(c, r, names, &nn, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "securityGroupInfo", NULL);
	for (uint16_t i = 0; i < c->t->n_sgs && !r->other_region && rc == 0; i++) {
		const struct vl_sg *g = &c->t->sgs[i];
		struct sg_view w = {.c = c, .i = i, .description = sg_description(c, i)};
		ec2_sg_id(c, i, w.id);
		api_id(w.vpc_id, c->lab, "vpc", c->t->vpcs[g->vpc].name);
		bool by_name = !nn;
		for (size_t k = 0; k < nn; k++)
			by_name |= strcmp(names[k], g->name) == 0;
		bool want = ec2_ids_want(&ids, w.id);
		int m = want && by_name ? ec2_match_multi(f, nf, sg_values, sg_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		xml_open(x, "item", NULL);
		xml_elem(x, "ownerId", API_ACCOUNT);
		xml_elem(x, "groupId", w.id);
		xml_elem(x, "groupName", g->name);
		xml_elem(x, "groupDescription", w.description);
		xml_elem(x, "vpcId", w.vpc_id);
		permissions(c, x, "ipPermissions", g->in_first, g->in_count);
		permissions(c, x, "ipPermissionsEgress", g->out_first, g->out_count);
		ec2_name_tags(x, g->name);
		xml_close(x);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidGroup.NotFound", "security group", o) < 0)
		return -1;
	return rc;
}

/* A rule's id: its group's id and what it matches, hashed. */
static void rule_id(const struct api_ctx *c, const char *sg_id, bool egress, const struct vl_sg_rule *r,
		    char out[48])
{
	char key[160], peer[48], cidr[32];
	if (r->peer_sg != VL_NONE)
		ec2_sg_id(c, r->peer_sg, peer);
	cidr_text(r->cidr, cidr);
	snprintf(key, sizeof(key), "%s/%s/%d/%u-%u/%d/%d/%s", sg_id, egress ? "out" : "in", r->m.proto,
		 r->m.port_lo, r->m.port_hi, r->m.icmp_type, r->m.icmp_code,
		 r->peer_sg != VL_NONE ? peer : cidr);
	api_id(out, c->lab, "sgr", key);
}

struct sgr_view {
	const struct api_ctx *c;
	const char *id, *group_id, *group_name;
	bool egress;
	char proto[8];
	const char *cidr, *peer;
};

static const char *sgr_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct sgr_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "security-group-rule-id") == 0)
		return w->id;
	if (strcmp(f, "group-id") == 0)
		return w->group_id;
	if (strcmp(f, "is-egress") == 0)
		return w->egress ? "true" : "false";
	if (strcmp(f, "ip-protocol") == 0)
		return w->proto;
	if (strcmp(f, "cidr") == 0 || strcmp(f, "cidr-ipv4") == 0)
		return w->cidr;
	if (strcmp(f, "referenced-group-id") == 0)
		return w->peer;
	if (strcmp(f, "owner-id") == 0 || strcmp(f, "group-owner-id") == 0)
		return API_ACCOUNT;
	*known = false;
	return NULL;
}

static int rules_of(const struct api_ctx *c, struct xml *x, uint16_t g, bool egress, struct ec2_ids *ids,
		    const struct api_filter *f, int nf, struct api_out *o)
{
	const struct vl_sg *sg = &c->t->sgs[g];
	uint32_t first = egress ? sg->out_first : sg->in_first, n = egress ? sg->out_count : sg->in_count;
	char gid[48];
	ec2_sg_id(c, g, gid);
	for (uint32_t i = 0; i < n; i++) {
		const struct vl_sg_rule *r = &c->t->sg_rules[first + i];
		char id[48], cidr[32], peer[48] = "", pb[8];
		rule_id(c, gid, egress, r, id);
		cidr_text(r->cidr, cidr);
		if (r->peer_sg != VL_NONE)
			ec2_sg_id(c, r->peer_sg, peer);
		struct sgr_view w = {c, id, gid, sg->name, egress, "", r->peer_sg == VL_NONE ? cidr : NULL,
				     r->peer_sg != VL_NONE ? peer : NULL};
		snprintf(w.proto, sizeof(w.proto), "%s", ec2_proto_name(r->m.proto, pb));
		if (!ec2_ids_want(ids, id))
			continue;
		int m = ec2_match(f, nf, sgr_field, &w, o);
		if (m < 0)
			return -1;
		if (!m)
			continue;
		xml_open(x, "item", NULL);
		xml_elem(x, "securityGroupRuleId", id);
		xml_elem(x, "groupId", gid);
		xml_elem(x, "groupOwnerId", API_ACCOUNT);
		xml_bool(x, "isEgress", egress);
		xml_elem(x, "ipProtocol", w.proto);
		ports(x, &r->m, true);
		if (r->peer_sg == VL_NONE) {
			xml_elem(x, "cidrIpv4", cidr);
		} else {
			xml_open(x, "referencedGroupInfo", NULL);
			xml_elem(x, "groupId", peer);
			xml_elem(x, "userId", API_ACCOUNT);
			xml_close(x);
		}
		xml_elemf(x, "securityGroupRuleArn", "arn:aws:ec2:%s:%s:security-group-rule/%s", c->region,
			  API_ACCOUNT, id);
		xml_elem(x, "tagSet", NULL);
		xml_close(x);
	}
	return 0;
}

int ec2_describe_security_group_rules(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "SecurityGroupRuleId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "securityGroupRuleSet", NULL);
	for (uint16_t g = 0; g < c->t->n_sgs && !r->other_region && rc == 0; g++)
		if (rules_of(c, x, g, false, &ids, f, nf, o) < 0 || rules_of(c, x, g, true, &ids, f, nf, o) < 0)
			rc = -1;
	xml_close(x);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidSecurityGroupRuleId.NotFound", "security group rule", o) < 0)
		return -1;
	return rc;
}
