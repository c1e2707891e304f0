/* Security group rules between EC2's API and the lab model (sg_rule.h): the request forms
 * decoded to one rule per (permission, peer) with AWS's checks and error codes, rules compared
 * by what they match, and changes written into the model as a lab file writes rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/api/sg_rule.h"
#include "control/lab/model.h"

/* AWS's quota of rules per group and direction (check_rules.c holds the lab to it too). */
#define SG_RULES_QUOTA 60

void sg_group_id(char out[48], const char *lab, const char *vpc, const char *name)
{
	/* "default" is every VPC's: its id names the VPC too; a declared group's name is unique */
	char key[160];
	if (strcmp(name, "default") == 0) {
		snprintf(key, sizeof(key), "%s/default", vpc);
		api_id(out, lab, "sg", key);
	} else {
		api_id(out, lab, "sg", name);
	}
}

int sg_group_find(const struct lab *m, const char *lab, const char *id, const char *gname,
		  char name[64], int *vpc, struct api_out *o)
{
	if (id && strncmp(id, "sg-", 3) != 0)
		return api_fail(o, 400, "InvalidGroupId.Malformed", "Invalid id: \"%s\" (expecting \"sg-...\")", id);
	for (size_t v = 0; v < m->n_vpcs; v++) {
		const struct lab_vpc *x = &m->vpcs[v];
		const char *vn = x->name.s ? x->name.s : "";
		for (size_t i = 0; i <= x->n_sgs; i++) {
			const char *n = i < x->n_sgs ? x->sgs[i].name.s : "default";
			char gid[48];
			if (!n)
				continue;
			sg_group_id(gid, lab, vn, n);
			bool hit = id ? strcmp(gid, id) == 0
				      : strcmp(n, gname) == 0 && (strcmp(n, "default") != 0 || m->n_vpcs == 1);
			if (hit) {
				snprintf(name, 64, "%s", n);
				*vpc = (int)v;
				return 0;
			}
		}
	}
	if (id)
		return api_fail(o, 400, "InvalidGroup.NotFound", "The security group '%s' does not exist", id);
	return api_fail(o, 400, "InvalidGroup.NotFound", "The security group '%s' does not exist%s", gname,
			strcmp(gname, "default") == 0 ? ": the lab has several VPCs, name the group by its id" : "");
}

/* Decoding. */

static const char *param_f(const struct api_req *r, const char *fmt, size_t a, size_t b)
{
	char name[128];
	snprintf(name, sizeof(name), fmt, a, b);
	return api_param(r, name);
}

/* The largest N of PREFIXN... among the parameters (0: none). */
static size_t max_index(const struct api_req *r, const char *prefix)
{
	size_t len = strlen(prefix), max = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *s = r->p[i].name;
		if (strncmp(s, prefix, len) != 0 || s[len] < '1' || s[len] > '9')
			continue;
		unsigned long v = strtoul(s + len, NULL, 10);
		if (v > max && v <= 10000)
			max = v;
	}
	return max;
}

static bool has_prefix(const struct api_req *r, const char *prefix)
{
	size_t len = strlen(prefix);
	for (size_t i = 0; i < r->n; i++)
		if (strncmp(r->p[i].name, prefix, len) == 0)
			return true;
	return false;
}

/* -1 (all), 0..255, or -2. */
static int proto_of(const char *s)
{
	static const struct { const char *name; int v; } names[] = {
		{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"all", -1}, {"-1", -1},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].v;
	if (!*s || strlen(s) > 3 || strspn(s, "0123456789") != strlen(s))
		return -2;
	int v = atoi(s);
	return v <= 255 ? v : -2;
}

/* A port's value: -1..65535; false when not a number. */
static bool port_of(const char *s, int *v)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	if (!*d || strlen(d) > 5 || strspn(d, "0123456789") != strlen(d))
		return false;
	*v = s[0] == '-' ? -atoi(d) : atoi(d);
	return *v >= -1 && *v <= 65535;
}

/* The ports or ICMP type/code of p (its proto set) from FromPort/ToPort as given (or NULL). */
static int ports_of(struct sg_perm *p, const char *from, const char *to, struct api_out *o)
{
	int f = -1, t = -1;
	if ((from && !port_of(from, &f)) || (to && !port_of(to, &t)))
		return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%s' for portRange. "
				"Must be between -1 and 65535.", from && !port_of(from, &f) ? from : to);
	p->lo = p->hi = -1;
	if (p->proto == 6 || p->proto == 17) {
		if (!from || !to)
			return api_fail(o, 400, "InvalidParameterValue", "Invalid value 'Must specify both "
					"from and to ports with TCP/UDP.' for portRange");
		if (f == -1 && t == -1) { /* the aws CLI's --port all */
			p->lo = 0;
			p->hi = 65535;
		} else if (f < 0 || t < 0 || f > t) {
			return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%d-%d' for portRange. "
					"The from port must be at most the to port, both 0..65535.", f, t);
		} else {
			p->lo = f;
			p->hi = t;
		}
	} else if (p->proto == 1) {
		if (f > 255 || t > 255)
			return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%d' for icmp %s: "
					"-1 (all) or 0..255", f > 255 ? f : t, f > 255 ? "type" : "code");
		if (f == -1 && t != -1)
			return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%d' for icmp code: "
					"all ICMP types (-1) need all codes (-1)", t);
		p->lo = f;
		p->hi = t;
	}
	return 0;
}

static int cidr_peer(struct sg_perm *p, const char *cidr, struct api_out *o)
{
	if (prefix_parse(cidr, &p->prefix, false) < 0)
		return api_fail(o, 400, "InvalidParameterValue", "CIDR block %s is malformed", cidr);
	p->is_cidr = true;
	p->group_vpc = -1;
	return 0;
}

static int group_peer(const struct lab *m, const char *lab, struct sg_perm *p, const char *id,
		      const char *name, struct api_out *o)
{
	p->is_cidr = false;
	return sg_group_find(m, lab, id, name, p->group, &p->group_vpc, o);
}

static int push(struct sg_perm *out, size_t cap, size_t *n, const struct sg_perm *p, struct api_out *o)
{
	if (*n >= cap)
		return api_fail(o, 400, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules "
				"per security group has been reached.");
	out[(*n)++] = *p;
	return 0;
}

/* IpPermissions.N: every peer of permission N. */
static int decode_perm(const struct lab *m, const char *lab, const struct api_req *r, size_t i,
		       struct sg_perm *out, size_t cap, size_t *n, struct api_out *o)
{
	char pre[64];
	snprintf(pre, sizeof(pre), "IpPermissions.%zu.", i);
	if (!has_prefix(r, pre))
		return 0; /* a gap in the numbering */
	const char *proto = param_f(r, "IpPermissions.%zu.IpProtocol", i, 0);
	if (!proto)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter "
				"IpPermissions.%zu.IpProtocol", i);
	struct sg_perm p = {.proto = proto_of(proto), .group_vpc = -1};
	if (p.proto == -2)
		return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%s' for IP protocol. "
				"Unknown protocol.", proto);
	if (ports_of(&p, param_f(r, "IpPermissions.%zu.FromPort", i, 0),
		     param_f(r, "IpPermissions.%zu.ToPort", i, 0), o) < 0)
		return -1;
	char sub[96];
	snprintf(sub, sizeof(sub), "IpPermissions.%zu.Ipv6Ranges.", i);
	if (has_prefix(r, sub))
		return api_fail(o, 400, "InvalidParameterValue", "A lab has no IPv6: Ipv6Ranges cannot be used");
	snprintf(sub, sizeof(sub), "IpPermissions.%zu.PrefixListIds.", i);
	if (has_prefix(r, sub))
		return api_fail(o, 400, "InvalidParameterValue", "A lab has no prefix lists: PrefixListIds "
				"cannot be used");
	size_t before = *n;
	snprintf(sub, sizeof(sub), "IpPermissions.%zu.IpRanges.", i);
	for (size_t k = 1, nk = max_index(r, sub); k <= nk; k++) {
		const char *cidr = param_f(r, "IpPermissions.%zu.IpRanges.%zu.CidrIp", i, k);
		if (!cidr)
			continue;
		if (cidr_peer(&p, cidr, o) < 0 || push(out, cap, n, &p, o) < 0)
			return -1;
	}
	snprintf(sub, sizeof(sub), "IpPermissions.%zu.Groups.", i);
	for (size_t k = 1, nk = max_index(r, sub); k <= nk; k++) {
		const char *id = param_f(r, "IpPermissions.%zu.Groups.%zu.GroupId", i, k);
		const char *name = param_f(r, "IpPermissions.%zu.Groups.%zu.GroupName", i, k);
		if (!id && !name)
			continue;
		if (group_peer(m, lab, &p, id, id ? NULL : name, o) < 0 || push(out, cap, n, &p, o) < 0)
			return -1;
	}
	if (*n == before)
		return api_fail(o, 400, "MissingParameter", "IpPermissions.%zu needs a peer: "
				"IpRanges.N.CidrIp or Groups.N.GroupId", i);
	return 0;
}

/* The older form: one rule in top-level IpProtocol/FromPort/ToPort with CidrIp or
 * SourceSecurityGroupName (a source group alone: every protocol, as AWS reads it). */
static int decode_flat(const struct lab *m, const char *lab, const struct api_req *r,
		       struct sg_perm *out, size_t cap, size_t *n, struct api_out *o)
{
	const char *proto = api_param(r, "IpProtocol"), *cidr = api_param(r, "CidrIp");
	const char *src = api_param(r, "SourceSecurityGroupName");
	if (!cidr && !src)
		return api_fail(o, 400, "MissingParameter", "The request must contain IpPermissions, "
				"or CidrIp or SourceSecurityGroupName");
	if (cidr && src)
		return api_fail(o, 400, "InvalidParameterCombination", "CidrIp and SourceSecurityGroupName "
				"cannot be used together");
	if (!proto && cidr)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter IpProtocol");
	struct sg_perm p = {.proto = proto ? proto_of(proto) : -1, .group_vpc = -1};
	if (p.proto == -2)
		return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%s' for IP protocol. "
				"Unknown protocol.", proto);
	if (ports_of(&p, api_param(r, "FromPort"), api_param(r, "ToPort"), o) < 0)
		return -1;
	if (cidr ? cidr_peer(&p, cidr, o) < 0 : group_peer(m, lab, &p, NULL, src, o) < 0)
		return -1;
	return push(out, cap, n, &p, o);
}

int sg_perms_decode(const struct lab *m, const char *lab, const struct api_req *r,
		    struct sg_perm *out, size_t cap, size_t *n, struct api_out *o)
{
	*n = 0;
	size_t np = max_index(r, "IpPermissions.");
	bool flat = api_param(r, "IpProtocol") || api_param(r, "CidrIp") ||
		    api_param(r, "SourceSecurityGroupName") || api_param(r, "FromPort") || api_param(r, "ToPort");
	if (np && flat)
		return api_fail(o, 400, "InvalidParameterCombination", "IpPermissions cannot be used with "
				"IpProtocol, FromPort, ToPort, CidrIp or SourceSecurityGroupName");
	if (!np)
		return decode_flat(m, lab, r, out, cap, n, o);
	for (size_t i = 1; i <= np; i++)
		if (decode_perm(m, lab, r, i, out, cap, n, o) < 0)
			return -1;
	if (!*n)
		return api_fail(o, 400, "MissingParameter", "The request must contain IpPermissions");
	return 0;
}

/* Comparing, naming, writing. */

void sg_perm_of_rule(const struct lab_sg_rule *x, struct sg_perm *p)
{
	memset(p, 0, sizeof(*p));
	p->proto = x->match.m.proto;
	p->lo = p->hi = -1;
	if (p->proto == 6 || p->proto == 17) {
		p->lo = x->match.m.port_lo;
		p->hi = x->match.m.port_hi;
	} else if (p->proto == 1) {
		p->lo = x->match.m.icmp_type;
		p->hi = x->match.m.icmp_code;
	}
	p->is_cidr = x->cidr.s != NULL;
	p->prefix = x->prefix;
	p->group_vpc = -1;
	if (x->group.s)
		snprintf(p->group, sizeof(p->group), "%s", x->group.s);
}

bool sg_perm_eq(const struct sg_perm *a, const struct sg_perm *b)
{
	if (a->proto != b->proto || a->lo != b->lo || a->hi != b->hi || a->is_cidr != b->is_cidr)
		return false;
	if (a->is_cidr)
		return a->prefix.addr == b->prefix.addr && a->prefix.len == b->prefix.len;
	return strcmp(a->group, b->group) == 0;
}

static void peer_text(const struct sg_perm *p, char *buf, size_t cap)
{
	char c[20];
	if (p->is_cidr)
		snprintf(buf, cap, "%s", prefix_fmt(p->prefix, c));
	else
		snprintf(buf, cap, "sg:%s", p->group);
}

void sg_rule_id(char out[48], const char *lab, const char *vpc, const char *sg_id, bool egress,
		const struct sg_perm *p)
{
	/* the key DescribeSecurityGroupRules hashes from the compiled rule (ec2_sg.c): its group,
	 * direction, struct vl_match as check fills it, and the peer's group id or the CIDR */
	bool ports = p->proto == 6 || p->proto == 17, icmp = p->proto == 1;
	char peer[48], key[200];
	if (p->is_cidr)
		prefix_fmt(p->prefix, peer);
	else
		sg_group_id(peer, lab, vpc, p->group);
	snprintf(key, sizeof(key), "%s/%s/%d/%u-%u/%d/%d/%s", sg_id, egress ? "out" : "in", p->proto,
		 ports ? (unsigned)p->lo : 0u, ports ? (unsigned)p->hi : 65535u, icmp ? p->lo : -1,
		 icmp ? p->hi : -1, peer);
	api_id(out, lab, "sgr", key);
}

static const char *proto_word(int proto, char *buf, size_t cap)
{
	switch (proto) {
	case -1: return "all";
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	default: snprintf(buf, cap, "%d", proto); return buf;
	}
}

void sg_perm_text(const struct sg_perm *p, char *buf, size_t cap)
{
	char peer[80], pb[8], up[8];
	peer_text(p, peer, sizeof(peer));
	const char *w = proto_word(p->proto, pb, sizeof(pb));
	size_t i = 0;
	for (; w[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)(w[i] >= 'a' && w[i] <= 'z' ? w[i] - 32 : w[i]);
	up[i] = '\0';
	snprintf(buf, cap, "peer: %s, %s, from port: %d, to port: %d, ALLOW",
		 p->is_cidr ? peer : p->group, up, p->lo, p->hi);
}

/* The allow-all outbound rule of a group that writes no `outbound:`. */
static const struct sg_perm allow_all = {.proto = -1, .lo = -1, .hi = -1, .is_cidr = true,
					 .prefix = {0, 0}, .group_vpc = -1};

size_t sg_rules_of(const struct lab_sg *g, bool egress, struct sg_perm *out, size_t cap)
{
	if (egress && !g->out_set) {
		if (cap)
			out[0] = allow_all;
		return 1;
	}
	const struct lab_sg_rule *v = egress ? g->out : g->in;
	size_t n = egress ? g->n_out : g->n_in;
	for (size_t i = 0; i < n && i < cap; i++)
		sg_perm_of_rule(&v[i], &out[i]);
	return n;
}

/* x written as a file writes a rule (and its checked fields, for later comparisons). */
static int write_rule(struct lab *m, const struct lab_sg *g, struct lab_sg_rule *x, const struct sg_perm *p)
{
	char buf[24], pb[8];
	memset(x, 0, sizeof(*x));
	x->at = g->at;
	x->match.protocol = (struct lab_str){lab_strdup(m, proto_word(p->proto, pb, sizeof(pb))), g->at};
	x->match.m = (struct vl_match){(int16_t)p->proto, 0, 65535, -1, -1};
	if (p->proto == 6 || p->proto == 17) {
		if (p->lo == p->hi)
			snprintf(buf, sizeof(buf), "%d", p->lo);
		else
			snprintf(buf, sizeof(buf), "%d-%d", p->lo, p->hi);
		x->match.ports = (struct lab_str){lab_strdup(m, buf), g->at};
		if (!x->match.ports.s)
			return -ENOMEM;
		x->match.m.port_lo = (uint16_t)p->lo;
		x->match.m.port_hi = (uint16_t)p->hi;
	} else if (p->proto == 1) {
		if (p->lo >= 0)
			x->match.icmp_type = (struct lab_int){p->lo, true, g->at};
		if (p->hi >= 0)
			x->match.icmp_code = (struct lab_int){p->hi, true, g->at};
		x->match.m.icmp_type = (int16_t)p->lo;
		x->match.m.icmp_code = (int16_t)p->hi;
	}
	if (p->is_cidr) {
		x->cidr = (struct lab_str){lab_strdup(m, prefix_fmt(p->prefix, buf)), g->at};
		x->prefix = p->prefix;
	} else {
		x->group = (struct lab_str){lab_strdup(m, p->group), g->at};
	}
	x->peer = VL_NONE;
	return x->match.protocol.s && (x->cidr.s || x->group.s) ? 0 : -ENOMEM;
}

/* The implicit default group's inbound rule: all traffic from its own members. */
static const struct sg_perm from_self = {.proto = -1, .lo = -1, .hi = -1, .is_cidr = false,
					 .group = "default", .group_vpc = -1};

size_t sg_rules_named(const struct lab_vpc *v, const char *name, bool egress, struct sg_perm *out,
		      size_t cap)
{
	for (size_t i = 0; i < v->n_sgs; i++)
		if (v->sgs[i].name.s && strcmp(v->sgs[i].name.s, name) == 0)
			return sg_rules_of(&v->sgs[i], egress, out, cap);
	if (strcmp(name, "default") != 0)
		return 0;
	if (cap)
		out[0] = egress ? allow_all : from_self;
	return 1;
}

struct lab_sg *sg_default_declare(struct lab *m, struct lab_vpc *v)
{
	struct lab_sg *g = lab_vpc_default_sg(v);
	if (g)
		return g;
	struct lab_sg *nv = lab_alloc(m, (v->n_sgs + 1) * sizeof(*nv));
	struct lab_sg_rule *in = lab_alloc(m, sizeof(*in));
	if (!nv || !in)
		return NULL;
	if (v->n_sgs)
		memcpy(nv, v->sgs, v->n_sgs * sizeof(*nv));
	g = &nv[v->n_sgs];
	memset(g, 0, sizeof(*g));
	g->at = v->at;
	g->name = (struct lab_str){lab_strdup(m, "default"), v->at};
	if (!g->name.s || write_rule(m, g, in, &from_self) < 0)
		return NULL;
	g->in = in;
	g->n_in = 1;
	v->sgs = nv;
	v->n_sgs++;
	return g;
}

/* The direction's rules as a fresh array of n (+ room) with the implicit outbound rule written
 * out; NULL (memory). */
static struct lab_sg_rule *rules_copy(struct lab *m, struct lab_sg *g, bool egress, size_t room, size_t *n)
{
	const struct lab_sg_rule *v = egress ? g->out : g->in;
	size_t k = egress ? g->n_out : g->n_in;
	bool implicit = egress && !g->out_set;
	*n = implicit ? 1 : k;
	struct lab_sg_rule *nv = lab_alloc(m, (*n + room + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	if (implicit)
		return write_rule(m, g, &nv[0], &allow_all) == 0 ? nv : NULL;
	if (k)
		memcpy(nv, v, k * sizeof(*nv));
	return nv;
}

static void rules_set(struct lab_sg *g, bool egress, struct lab_sg_rule *v, size_t n)
{
	if (egress) {
		g->out = v;
		g->n_out = n;
		g->out_set = true;
	} else {
		g->in = v;
		g->n_in = n;
	}
}

int sg_rules_add(struct lab *m, struct lab_sg *g, bool egress, const struct sg_perm *p, size_t n,
		 struct api_out *o)
{
	struct sg_perm have[SG_PERMS_MAX + 8];
	size_t nh = sg_rules_of(g, egress, have, SG_PERMS_MAX + 8);
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < nh && k < SG_PERMS_MAX + 8 && !dup; k++)
			dup = sg_perm_eq(&p[i], &have[k]);
		for (size_t k = 0; k < i && !dup; k++)
			dup = sg_perm_eq(&p[i], &p[k]);
		if (dup) {
			char t[200];
			sg_perm_text(&p[i], t, sizeof(t));
			return api_fail(o, 400, "InvalidPermission.Duplicate", "the specified rule \"%s\" "
					"already exists", t);
		}
	}
	if (nh + n > SG_RULES_QUOTA)
		return api_fail(o, 400, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules "
				"per security group has been reached (%d per direction).", SG_RULES_QUOTA);
	size_t k;
	struct lab_sg_rule *nv = rules_copy(m, g, egress, n, &k);
	if (!nv)
		return api_fail(o, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++)
		if (write_rule(m, g, &nv[k++], &p[i]) < 0)
			return api_fail(o, 500, "InternalError", "Out of memory");
	rules_set(g, egress, nv, k);
	return 0;
}

int sg_rules_remove(struct lab *m, struct lab_sg *g, bool egress, const struct sg_perm *p, size_t n,
		    struct api_out *o)
{
	size_t k;
	struct lab_sg_rule *nv = rules_copy(m, g, egress, 0, &k);
	if (!nv)
		return api_fail(o, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		for (; j < k; j++) {
			struct sg_perm q;
			sg_perm_of_rule(&nv[j], &q);
			if (sg_perm_eq(&p[i], &q))
				break;
		}
		if (j == k)
			return api_fail(o, 400, "InvalidPermission.NotFound", "The specified rule does not "
					"exist in this security group.");
		memmove(&nv[j], &nv[j + 1], (k - j - 1) * sizeof(*nv));
		k--;
	}
	rules_set(g, egress, nv, k);
	return 0;
}

void sg_rule_xml(struct xml *x, const char *lab, const char *vpc, const char *sg, bool egress,
		 const struct sg_perm *p)
{
	char gid[48], rid[48], pb[8];
	sg_group_id(gid, lab, vpc, sg);
	sg_rule_id(rid, lab, vpc, gid, egress, p);
	xml_open(x, "item", NULL);
	xml_elem(x, "securityGroupRuleId", rid);
	xml_elem(x, "groupId", gid);
	xml_elem(x, "groupOwnerId", API_ACCOUNT);
	xml_bool(x, "isEgress", egress);
	xml_elem(x, "ipProtocol", p->proto == -1 ? "-1" : proto_word(p->proto, pb, sizeof(pb)));
	xml_elemf(x, "fromPort", "%d", p->lo);
	xml_elemf(x, "toPort", "%d", p->hi);
	if (p->is_cidr) {
		char c[20];
		xml_elem(x, "cidrIpv4", prefix_fmt(p->prefix, c));
	} else {
		char peer[48];
		sg_group_id(peer, lab, vpc, p->group);
		xml_open(x, "referencedGroupInfo", NULL);
		xml_elem(x, "groupId", peer);
		xml_elem(x, "userId", API_ACCOUNT);
		xml_close(x);
	}
	xml_close(x);
}
