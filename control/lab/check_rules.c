/* Checking the rules of a VPC: route tables (main, destinations, targets, the AWS rule for routes
 * more specific than local), network ACL rules and security group rules (protocol, ports, ICMP,
 * CIDRs, group references). Fills the resolved fields (struct vl_match, prefixes, targets) that
 * compile.c copies. Called by lab_check once the layout and the subnets are known. */
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

/* AWS's quotas where the data plane scans rules in order (reference 3.1 and 4.3): a network ACL
 * is evaluated rule by rule and a new flow walks every rule of every group of its interface, so
 * these bounds are what keep that work small. Rules-per-group x groups-per-interface <= 1000 is
 * AWS's third bound; with these two it holds for every lab. */
#define CK_ACL_RULES_MAX 20      /* per direction, per network ACL ("*" not counted) */
#define CK_SG_RULES_MAX 60       /* inbound, and outbound, per security group */
_Static_assert(CK_SG_RULES_MAX * VL_MAX_PORT_SGS <= 1000,
	       "AWS: rules per group x groups per interface is at most 1000");

/* protocol / ports / icmp_type / icmp_code. */

static int ck_proto(const char *s)
{
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "icmp"))
		return 1;
	if (!strcmp(s, "all"))
		return -1;
	int v = 0;
	if (!*s || strlen(s) > 3)
		return -2;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -2;
		v = v * 10 + (*s - '0');
	}
	return v <= 255 ? v : -2;
}

/* "80" or "1024-65535" -> lo, hi; false after reporting. */
static bool ck_ports(struct ck *c, const struct lab_str *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long v[2] = { 0, 0 };
	const char *p = s->s;
	int n = 0;
	for (; n < 2; n++) {
		char *end;
		if (*p < '0' || *p > '9' || strlen(p) > 12)
			goto syntax;
		v[n] = strtoul(p, &end, 10);
		p = end;
		if (*p != '-')
			break;
		p++;
	}
	if (*p || n > 1)
		goto syntax;
	if (n == 0)
		v[1] = v[0];
	for (int i = 0; i < 2; i++)
		if (v[i] > 65535) {
			diag_error(c->d, s->at, "port %lu is out of range 0..65535", v[i]);
			return false;
		}
	if (v[0] > v[1]) {
		diag_error(c->d, s->at, "port range %lu-%lu is reversed", v[0], v[1]);
		return false;
	}
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return true;
syntax:
	diag_error(c->d, s->at, "'%s' is not a port or a port range (80 or 1024-65535)",
		   CK_SHOW(s->s));
	return false;
}

static bool ck_icmp_field(struct ck *c, const struct lab_int *f, const char *key, int proto)
{
	if (!f->set)
		return false;
	if (proto != 1) {
		diag_error(c->d, f->at, "%s needs protocol icmp", key);
		return false;
	}
	if (f->v < 0 || f->v > 255) {
		diag_error(c->d, f->at, "%s %lld is out of range 0..255", key, f->v);
		return false;
	}
	return true;
}

static void ck_match(struct ck *c, struct lab_match *x)
{
	x->m = (struct vl_match){ -1, 0, 65535, -1, -1 };
	if (!x->protocol.s)
		return;
	int p = ck_proto(x->protocol.s);
	if (p == -2) {
		diag_error(c->d, x->protocol.at, "unknown protocol '%s': use tcp, udp, icmp, all or "
			   "a number 0..255", CK_SHOW(x->protocol.s));
		return;
	}
	x->m.proto = (int16_t)p;
	if (x->ports.s) {
		if (p != 6 && p != 17)
			diag_error(c->d, x->ports.at, "ports need protocol tcp or udp, not '%s'",
				   x->protocol.s);
		else
			ck_ports(c, &x->ports, &x->m.port_lo, &x->m.port_hi);
	}
	if (ck_icmp_field(c, &x->icmp_type, "icmp_type", p))
		x->m.icmp_type = (int16_t)x->icmp_type.v;
	if (x->icmp_code.set && p == 1 && !x->icmp_type.set)
		diag_error(c->d, x->icmp_code.at, "icmp_code needs icmp_type");
	else if (ck_icmp_field(c, &x->icmp_code, "icmp_code", p))
		x->m.icmp_code = (int16_t)x->icmp_code.v;
}

/* Network ACLs. */

struct ck_dup_ctx {
	struct ck *c;
	const char *what, *name;
	void *items;
};

static void ck_acl_dup(void *ctx, size_t later, size_t first)
{
	struct ck_dup_ctx *x = ctx;
	const struct lab_acl_rule *r = x->items;
	(void)first;
	diag_error(x->c->d, r[later].rule.at, "rule number %lld appears twice in %s of network acl '%s'",
		   r[later].rule.v, x->what, x->name);
}

static void ck_acl_dir(struct ck *c, struct lab_acl *a, struct lab_acl_rule *r, size_t n,
		       const char *dir)
{
	struct ck_key *k = calloc(n + 1, sizeof(*k));
	size_t nk = 0;
	if (!k)
		c->oom = true;
	for (size_t i = 0; i < n; i++) {
		struct lab_acl_rule *x = &r[i];
		if (x->rule.set && (x->rule.v < 1 || x->rule.v > 32766))
			diag_error(c->d, x->rule.at, "rule number %lld is out of range 1..32766", x->rule.v);
		else if (x->rule.set && k)
			k[nk++] = (struct ck_key){ (uint64_t)x->rule.v, i };
		if (x->action.s && strcmp(x->action.s, "allow") && strcmp(x->action.s, "deny"))
			diag_error(c->d, x->action.at, "action must be allow or deny, not '%s'",
				   CK_SHOW(x->action.s));
		x->allow = x->action.s && !strcmp(x->action.s, "allow");
		ck_cidr(c, &x->cidr, &x->prefix);
		ck_match(c, &x->match);
	}
	struct ck_dup_ctx ctx = { c, dir, a->name.s ? a->name.s : "?", r };
	if (k)
		ck_dups(k, nk, ck_acl_dup, &ctx);
	free(k);
	if (n > CK_ACL_RULES_MAX)
		diag_error(c->d, r[CK_ACL_RULES_MAX].at, "network acl '%s' has %zu %s rules: AWS's quota "
			   "is %d rules per direction", CK_SHOW(a->name.s), n, dir, CK_ACL_RULES_MAX);
}

void ck_acls(struct ck *c, struct lab_vpc *v)
{
	for (size_t i = 0; i < v->n_acls; i++) {
		ck_acl_dir(c, &v->acls[i], v->acls[i].in, v->acls[i].n_in, "inbound");
		ck_acl_dir(c, &v->acls[i], v->acls[i].out, v->acls[i].n_out, "outbound");
	}
}

/* Security groups. */

static void ck_sg_rules(struct ck *c, struct lab_vpc *v, const struct lab_sg *g,
			struct lab_sg_rule *r, size_t n, const char *dir)
{
	if (n > CK_SG_RULES_MAX)
		diag_error(c->d, r[CK_SG_RULES_MAX].at, "security group '%s' has %zu %s rules: AWS's "
			   "quota is %d %s rules per group", CK_SHOW(g->name.s), n, dir, CK_SG_RULES_MAX, dir);
	for (size_t i = 0; i < n; i++) {
		struct lab_sg_rule *x = &r[i];
		x->peer = VL_NONE;
		ck_match(c, &x->match);
		if (x->cidr.s && x->group.s)
			diag_error(c->d, x->group.at, "a security group rule takes 'cidr' or 'group', "
				   "not both");
		else if (!x->cidr.s && !x->group.s)
			diag_error(c->d, x->at, "a security group rule needs 'cidr' or 'group'");
		else if (x->cidr.s)
			ck_cidr(c, &x->cidr, &x->prefix);
		else
			x->peer = ck_ref_sg(c, &x->group, v);
	}
}

void ck_sgs(struct ck *c, struct lab_vpc *v)
{
	for (size_t i = 0; i < v->n_sgs; i++) {
		ck_sg_rules(c, v, &v->sgs[i], v->sgs[i].in, v->sgs[i].n_in, "inbound");
		ck_sg_rules(c, v, &v->sgs[i], v->sgs[i].out, v->sgs[i].n_out, "outbound");
	}
}

/* Route tables. */

#define CK_NO_TARGET 0xff

static void ck_target_named(struct ck *c, const struct lab_vpc *v, struct lab_route *r)
{
	const char *t = r->target.s;
	const struct lab_natgw *g = lab_find_natgw(c->m, t);
	const struct lab_instance *x = lab_find_instance(c->m, t);
	if (g && x) {
		diag_error(c->d, r->target.at, "route target '%s' names both a nat gateway and an "
			   "instance", t);
	} else if (g) {
		r->target_idx = ck_resolve(c, &r->target, "nat gateway", v->gidx, g->vpc, g->gidx);
		r->kind = r->target_idx == VL_NONE ? CK_NO_TARGET : VL_T_NATGW;
	} else if (x) {
		r->target_idx = ck_resolve(c, &r->target, "instance", v->gidx, x->vpc, x->gidx);
		r->kind = r->target_idx == VL_NONE ? CK_NO_TARGET : VL_T_PORT;
		if (r->kind == VL_T_PORT && !(x->source_dest_check.set && !x->source_dest_check.v))
			diag_warning(c->d, r->target.at, "instance '%s' is a route target but its "
				     "source_dest_check is on: it drops traffic not addressed to it", t);
	} else {
		diag_error(c->d, r->target.at, "unknown route target '%s': not local, igw, blackhole, "
			   "a nat gateway or an instance", CK_SHOW(t));
	}
}

static void ck_target(struct ck *c, const struct lab_vpc *v, struct lab_route *r)
{
	const char *t = r->target.s;
	r->kind = CK_NO_TARGET;
	r->target_idx = VL_NONE;
	if (!t)
		return;
	if (!strcmp(t, "local")) {
		r->kind = VL_T_LOCAL;
	} else if (!strcmp(t, "blackhole")) {
		r->kind = VL_T_BLACKHOLE;
	} else if (!strcmp(t, "igw")) {
		r->kind = VL_T_IGW;
		if (!v->internet_gateway.v)
			diag_error(c->d, r->target.at, "target 'igw' needs internet_gateway: true in "
				   "vpc '%s'", ck_vpc_name(c, v->gidx));
	} else {
		ck_target_named(c, v, r);
	}
}

static bool ck_is_subnet_cidr(const struct lab_vpc *v, struct prefix4 p)
{
	for (size_t i = 0; i < v->n_subnets; i++)
		if (v->subnets[i].prefix_ok && v->subnets[i].prefix.addr == p.addr &&
		    v->subnets[i].prefix.len == p.len)
			return true;
	return false;
}

/* The local route covers the VPC CIDR; AWS lets a route be more specific only for a whole
 * subnet sent through a middlebox (NAT gateway or instance). */
static void ck_route_vs_local(struct ck *c, const struct lab_vpc *v, struct lab_route *r)
{
	char a[20], b[20];
	bool same = r->dst.addr == v->prefix.addr && r->dst.len == v->prefix.len;
	bool inside = r->dst.len > v->prefix.len && prefix_contains(v->prefix, r->dst.addr);
	if (r->kind == VL_T_LOCAL) {
		if (same)
			r->restates_local = true;
		else
			diag_error(c->d, r->target.at, "target 'local' is only for the vpc cidr %s",
				   prefix_fmt(v->prefix, a));
	} else if (same && r->kind != CK_NO_TARGET) {
		diag_error(c->d, r->destination.at, "route to %s, the vpc cidr, must target local",
			   prefix_fmt(r->dst, a));
	} else if (inside && r->kind != CK_NO_TARGET &&
		   (!ck_is_subnet_cidr(v, r->dst) || (r->kind != VL_T_NATGW && r->kind != VL_T_PORT))) {
		diag_error(c->d, r->destination.at, "route to %s is inside the vpc cidr %s: only a "
			   "whole subnet's cidr routed to a nat gateway or an instance may be",
			   prefix_fmt(r->dst, a), prefix_fmt(v->prefix, b));
	}
}

static void ck_route_dup(void *ctx, size_t later, size_t first)
{
	struct ck_dup_ctx *x = ctx;
	const struct lab_route *r = x->items;
	char a[20];
	(void)first;
	diag_error(x->c->d, r[later].destination.at, "route to %s appears twice in route table '%s'",
		   prefix_fmt(r[later].dst, a), x->name);
}

static void ck_routes(struct ck *c, const struct lab_vpc *v, struct lab_route_table *t)
{
	struct ck_key *k = calloc(t->n_routes + 1, sizeof(*k));
	size_t nk = 0;
	if (!k)
		c->oom = true;
	for (size_t i = 0; i < t->n_routes; i++) {
		struct lab_route *r = &t->routes[i];
		bool ok = ck_cidr(c, &r->destination, &r->dst);
		ck_target(c, v, r);
		if (!ok)
			continue;
		if (k)
			k[nk++] = (struct ck_key){ ((uint64_t)r->dst.addr << 8) | r->dst.len, i };
		if (v->prefix_ok)
			ck_route_vs_local(c, v, r);
	}
	struct ck_dup_ctx ctx = { c, "route", t->name.s ? t->name.s : "?", t->routes };
	if (k)
		ck_dups(k, nk, ck_route_dup, &ctx);
	free(k);
}

void ck_route_tables(struct ck *c, struct lab_vpc *v)
{
	const struct lab_route_table *main_t = NULL;
	for (size_t i = 0; i < v->n_route_tables; i++) {
		struct lab_route_table *t = &v->route_tables[i];
		if (t->main.v && main_t)
			diag_error(c->d, t->main.at, "vpc '%s' has more than one main route table ('%s' "
				   "is main already)", ck_vpc_name(c, v->gidx),
				   main_t->name.s ? main_t->name.s : "?");
		else if (t->main.v)
			main_t = t;
		ck_routes(c, v, t);
	}
}
