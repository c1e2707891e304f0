/* lab_diff: two checked models of one lab -> the plan of what apply changes. Objects are matched
 * by name inside their VPC (the lab for elastic IPs and hosts); rules and routes by content, so a
 * changed rule is a removal plus an addition and a reordered SG rule list is no change. What AWS
 * cannot change in place (a VPC's or subnet's CIDR, an instance's subnet or address, a NAT
 * gateway's subnet, address or elastic IP) is a removal plus an addition. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diff_impl.h"

void emit(struct df *d, char op, const char *kind, const char *name, const char *fmt, ...)
{
	if (d->err)
		return;
	struct lab_plan *p = d->p;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct lab_change *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			d->err = ENOMEM;
			return;
		}
		p->v = v;
		p->cap = cap;
	}
	char *detail = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&detail, fmt, ap);
	va_end(ap);
	char *nm = strdup(name ? name : "");
	if (r < 0 || !nm) {
		if (r >= 0)
			free(detail);
		free(nm);
		d->err = ENOMEM;
		return;
	}
	p->v[p->n++] = (struct lab_change){ op, kind, nm, detail };
}

bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

const char *orv(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* ---------------------------------------------------------------- rules and routes */

static void match_fmt(const struct vl_match *m, char *buf, size_t size)
{
	int n;
	switch (m->proto) {
	case -1: n = snprintf(buf, size, "all"); break;
	case 6: n = snprintf(buf, size, "tcp"); break;
	case 17: n = snprintf(buf, size, "udp"); break;
	case 1: n = snprintf(buf, size, "icmp"); break;
	default: n = snprintf(buf, size, "%d", m->proto); break;
	}
	if (n < 0 || (size_t)n >= size)
		return;
	if ((m->proto == 6 || m->proto == 17) && !(m->port_lo == 0 && m->port_hi == 65535)) {
		if (m->port_lo == m->port_hi)
			n += snprintf(buf + n, size - (size_t)n, " %u", m->port_lo);
		else
			n += snprintf(buf + n, size - (size_t)n, " %u-%u", m->port_lo, m->port_hi);
	}
	if (m->proto == 1 && m->icmp_type >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " type %d", m->icmp_type);
	if (m->proto == 1 && m->icmp_code >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " code %d", m->icmp_code);
}

static bool keys_has(const struct keys *k, const char *s)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], s))
			return true;
	return false;
}

/* Emits the keys of o missing from n as removals, then those of n missing from o as additions. */
void keys_diff(struct df *d, const struct keys *o, const struct keys *n, const char *kind,
		      const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (!keys_has(n, o->v[i]))
			emit(d, LAB_REMOVE, kind, name, "%s", o->v[i]);
	for (size_t i = 0; i < n->n; i++)
		if (!keys_has(o, n->v[i]))
			emit(d, LAB_ADD, kind, name, "%s", n->v[i]);
}

int keys_alloc(struct df *d, struct keys *k, size_t n)
{
	k->n = 0;
	k->v = calloc(n ? n : 1, sizeof(*k->v));
	if (!k->v)
		d->err = ENOMEM;
	return k->v ? 0 : -ENOMEM;
}

static void acl_keys(struct df *d, const struct lab_acl *a, struct keys *k)
{
	if (!a || keys_alloc(d, k, a->n_in + a->n_out) < 0)
		return;
	for (int dir = 0; dir < 2; dir++) {
		const struct lab_acl_rule *r = dir ? a->out : a->in;
		size_t n = dir ? a->n_out : a->n_in;
		for (size_t i = 0; i < n; i++) {
			char m[64], c[24];
			match_fmt(&r[i].match.m, m, sizeof(m));
			snprintf(k->v[k->n++], sizeof(k->v[0]), "%s %lld %s %s %s",
				 dir ? "outbound" : "inbound", r[i].rule.v, r[i].allow ? "allow" : "deny",
				 m, prefix_fmt(r[i].prefix, c));
		}
	}
}

static void sg_keys(struct df *d, const struct lab_sg *g, struct keys *k)
{
	if (!g || keys_alloc(d, k, g->n_in + g->n_out + 1) < 0)
		return;
	for (int dir = 0; dir < 2; dir++) {
		const struct lab_sg_rule *r = dir ? g->out : g->in;
		size_t n = dir ? g->n_out : g->n_in;
		const char *dn = dir ? "outbound" : "inbound";
		for (size_t i = 0; i < n; i++) {
			char m[64], c[24];
			match_fmt(&r[i].match.m, m, sizeof(m));
			if (r[i].group.s)
				snprintf(k->v[k->n++], sizeof(k->v[0]), "%s %s sg %s", dn, m, r[i].group.s);
			else
				snprintf(k->v[k->n++], sizeof(k->v[0]), "%s %s %s", dn, m,
					 prefix_fmt(r[i].prefix, c));
		}
	}
	/* `outbound:` absent is AWS's allow-all rule of a new group: written or not, the same rule. */
	if (!g->out_set)
		snprintf(k->v[k->n++], sizeof(k->v[0]), "outbound all 0.0.0.0/0");
}

static void route_keys(struct df *d, const struct lab_route_table *t, struct keys *k)
{
	if (!t || keys_alloc(d, k, t->n_routes) < 0)
		return;
	for (size_t i = 0; i < t->n_routes; i++) {
		if (t->routes[i].restates_local)
			continue;
		char c[24];
		snprintf(k->v[k->n++], sizeof(k->v[0]), "%s -> %s", prefix_fmt(t->routes[i].dst, c),
			 orv(t->routes[i].target.s, "?"));
	}
}

void keys_free(struct keys *k)
{
	free(k->v);
	k->v = NULL;
	k->n = 0;
}

static void rules_diff(struct df *d, const char *kind, const char *name,
		       void (*keys)(struct df *, const void *, struct keys *), const void *o,
		       const void *n)
{
	struct keys ko = { 0 }, kn = { 0 };
	keys(d, o, &ko);
	keys(d, n, &kn);
	if (!d->err)
		keys_diff(d, &ko, &kn, kind, name);
	keys_free(&ko);
	keys_free(&kn);
}

static void acl_keys_v(struct df *d, const void *x, struct keys *k) { acl_keys(d, x, k); }
static void sg_keys_v(struct df *d, const void *x, struct keys *k) { sg_keys(d, x, k); }
static void route_keys_v(struct df *d, const void *x, struct keys *k) { route_keys(d, x, k); }

/* ---------------------------------------------------------------- named objects */

static const char *named_name(const struct named_kind *k, const void *arr, size_t i)
{
	const char *x = (const char *)arr + i * k->size;
	return ((const struct lab_str *)(x + k->name_off))->s;
}

static const void *named_find(const struct named_kind *k, const void *arr, size_t n, const char *name)
{
	for (size_t i = 0; arr && i < n; i++)
		if (same(named_name(k, arr, i), name))
			return (const char *)arr + i * k->size;
	return NULL;
}

static void named_emit(struct df *d, const struct named_kind *k, char op, const void *x, const char *name)
{
	char b[160];
	k->desc(x, b, sizeof(b));
	emit(d, op, k->kind, name, "%s", b);
}

void named_diff(struct df *d, const struct named_kind *k, const void *oa, size_t on,
		       const void *na, size_t nn, const void *ctx)
{
	for (size_t i = 0; oa && i < on; i++) {
		const void *o = (const char *)oa + i * k->size;
		const char *name = named_name(k, oa, i);
		const void *n = named_find(k, na, nn, name);
		if (n && k->kept(o, n, ctx)) {
			if (k->change)
				k->change(d, o, n, ctx);
			continue;
		}
		named_emit(d, k, LAB_REMOVE, o, name);
		if (n)
			named_emit(d, k, LAB_ADD, n, name);
	}
	for (size_t i = 0; na && i < nn; i++)
		if (!named_find(k, oa, on, named_name(k, na, i)))
			named_emit(d, k, LAB_ADD, (const char *)na + i * k->size, named_name(k, na, i));
}

/* ---------------------------------------------------------------- objects of a VPC */

/* The pair of VPCs compared: either may be NULL (added or removed: every object with it). */
struct vp {
	const struct lab_vpc *o, *n;
};

#define FIND(type, arr, cnt)                                                                     \
	static const struct type *find_##type(const struct lab_vpc *v, const char *name)         \
	{                                                                                        \
		for (size_t i = 0; v && i < v->cnt; i++)                                         \
			if (same(v->arr[i].name.s, name))                                         \
				return &v->arr[i];                                                \
		return NULL;                                                                     \
	}
FIND(lab_subnet, subnets, n_subnets)
FIND(lab_route_table, route_tables, n_route_tables)
FIND(lab_acl, acls, n_acls)
FIND(lab_sg, sgs, n_sgs)
FIND(lab_natgw, natgws, n_natgws)
FIND(lab_instance, instances, n_instances)

static const char *subnet_rt(const struct lab_vpc *v, const struct lab_subnet *s)
{
	if (s->route_table.s)
		return s->route_table.s;
	for (size_t i = 0; i < v->n_route_tables; i++)
		if (v->route_tables[i].main.v)
			return v->route_tables[i].name.s;
	return "main";
}

static void subnet_desc(const struct lab_subnet *s, char *buf, size_t size)
{
	snprintf(buf, size, "(%s%s%s)", orv(s->cidr.s, "?"), s->az.s ? ", az " : "", orv(s->az.s, ""));
}

static void subnet_desc_v(const void *x, char *buf, size_t size) { subnet_desc(x, buf, size); }

static bool subnet_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_subnet *o = xo, *n = xn;
	return same(o->cidr.s, n->cidr.s) && same(o->az.s, n->az.s);
}

static void subnet_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	const struct lab_subnet *o = xo, *n = xn;
	const struct vp *v = ctx;
	const char *ort = subnet_rt(v->o, o), *nrt = subnet_rt(v->n, n);
	if (!same(ort, nrt))
		emit(d, LAB_CHANGE, "subnet", o->name.s, "route_table %s -> %s", ort, nrt);
	const char *oa = orv(o->network_acl.s, "default"), *na = orv(n->network_acl.s, "default");
	if (!same(oa, na))
		emit(d, LAB_CHANGE, "subnet", o->name.s, "network_acl %s -> %s", oa, na);
	if (o->map_public_ip.v != n->map_public_ip.v)
		emit(d, LAB_CHANGE, "subnet", o->name.s, "map_public_ip %s -> %s",
		     o->map_public_ip.v ? "true" : "false", n->map_public_ip.v ? "true" : "false");
}

static const struct named_kind k_subnet = {"subnet", sizeof(struct lab_subnet),
	offsetof(struct lab_subnet, name), subnet_kept, subnet_change, subnet_desc_v};

static void subnets(struct df *d, struct vp v)
{
	named_diff(d, &k_subnet, v.o ? v.o->subnets : NULL, v.o ? v.o->n_subnets : 0,
		   v.n ? v.n->subnets : NULL, v.n ? v.n->n_subnets : 0, &v);
}

static void route_tables(struct df *d, struct vp v)
{
	for (size_t i = 0; v.o && i < v.o->n_route_tables; i++) {
		const struct lab_route_table *o = &v.o->route_tables[i];
		const struct lab_route_table *n = find_lab_route_table(v.n, o->name.s);
		if (!n)
			emit(d, LAB_REMOVE, "route_table", o->name.s, "%s", o->main.v ? "(main)" : "");
		else if (o->main.v != n->main.v)
			emit(d, LAB_CHANGE, "route_table", o->name.s, "main %s -> %s",
			     o->main.v ? "true" : "false", n->main.v ? "true" : "false");
		rules_diff(d, "route", o->name.s, route_keys_v, o, n);
	}
	for (size_t i = 0; v.n && i < v.n->n_route_tables; i++) {
		const struct lab_route_table *n = &v.n->route_tables[i];
		if (find_lab_route_table(v.o, n->name.s))
			continue;
		emit(d, LAB_ADD, "route_table", n->name.s, "%s", n->main.v ? "(main)" : "");
		rules_diff(d, "route", n->name.s, route_keys_v, NULL, n);
	}
}

/* The implicit default ACL and group as declared ones with AWS's rules, so that declaring
 * `default` (or leaving it out again) shows only the rules that differ, as for any group. */
#define DF_ALL { .m = { -1, 0, 65535, -1, -1 } }

static const struct lab_acl *acl_or_default(const struct lab_vpc *v, const char *name)
{
	static struct lab_acl_rule all[1];
	static struct lab_acl dflt = { .name = { .s = "default" }, .in = all, .out = all,
				       .n_in = 1, .n_out = 1 };
	all[0] = (struct lab_acl_rule){ .rule = { .v = 100 }, .allow = true, .match = DF_ALL };
	const struct lab_acl *a = find_lab_acl(v, name);
	return !a && v && same(name, "default") ? &dflt : a;
}

static const struct lab_sg *sg_or_default(const struct lab_vpc *v, const char *name)
{
	static struct lab_sg_rule self[1];
	static struct lab_sg dflt = { .name = { .s = "default" }, .in = self, .n_in = 1 };
	self[0] = (struct lab_sg_rule){ .match = DF_ALL, .group = { .s = "default" } };
	const struct lab_sg *g = find_lab_sg(v, name);
	return !g && v && same(name, "default") ? &dflt : g;
}

static void acls(struct df *d, struct vp v)
{
	for (size_t i = 0; v.o && i < v.o->n_acls; i++) {
		const struct lab_acl *o = &v.o->acls[i], *n = acl_or_default(v.n, o->name.s);
		if (!n)
			emit(d, LAB_REMOVE, "network_acl", o->name.s, "%s", "");
		rules_diff(d, "acl rule", o->name.s, acl_keys_v, o, n);
	}
	for (size_t i = 0; v.n && i < v.n->n_acls; i++) {
		const struct lab_acl *n = &v.n->acls[i], *o = acl_or_default(v.o, n->name.s);
		if (o && find_lab_acl(v.o, n->name.s))
			continue;
		if (!o)
			emit(d, LAB_ADD, "network_acl", n->name.s, "%s", "");
		rules_diff(d, "acl rule", n->name.s, acl_keys_v, o, n);
	}
}

static void sgs(struct df *d, struct vp v)
{
	for (size_t i = 0; v.o && i < v.o->n_sgs; i++) {
		const struct lab_sg *o = &v.o->sgs[i], *n = sg_or_default(v.n, o->name.s);
		if (!n)
			emit(d, LAB_REMOVE, "sg", o->name.s, "%s", "");
		else if (find_lab_sg(v.n, o->name.s) && !same(o->description.s, n->description.s))
			emit(d, LAB_CHANGE, "sg", o->name.s, "description \"%s\" -> \"%s\"",
			     orv(o->description.s, ""), orv(n->description.s, ""));
		rules_diff(d, "sg rule", o->name.s, sg_keys_v, o, n);
	}
	for (size_t i = 0; v.n && i < v.n->n_sgs; i++) {
		const struct lab_sg *n = &v.n->sgs[i], *o = sg_or_default(v.o, n->name.s);
		if (o && find_lab_sg(v.o, n->name.s))
			continue;
		if (!o)
			emit(d, LAB_ADD, "sg", n->name.s, "%s", "");
		rules_diff(d, "sg rule", n->name.s, sg_keys_v, o, n);
	}
}

static void natgw_desc(const struct lab_natgw *g, char *buf, size_t size)
{
	char a[16];
	snprintf(buf, size, "(subnet %s, %s%s%s)", orv(g->subnet.s, "?"), addr_fmt(g->addr, a),
		 g->elastic_ip.s ? ", elastic_ip " : "", orv(g->elastic_ip.s, ""));
}

static void natgw_desc_v(const void *x, char *buf, size_t size) { natgw_desc(x, buf, size); }

static bool natgw_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_natgw *o = xo, *n = xn;
	return same(o->subnet.s, n->subnet.s) && o->addr == n->addr && same(o->elastic_ip.s, n->elastic_ip.s);
}

static const struct named_kind k_natgw = {"nat_gateway", sizeof(struct lab_natgw),
	offsetof(struct lab_natgw, name), natgw_kept, NULL, natgw_desc_v};

static void natgws(struct df *d, struct vp v)
{
	named_diff(d, &k_natgw, v.o ? v.o->natgws : NULL, v.o ? v.o->n_natgws : 0,
		   v.n ? v.n->natgws : NULL, v.n ? v.n->n_natgws : 0, NULL);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "[a, b]", sorted: the set of groups is what counts, as in AWS. */
static void sg_list(const struct lab_instance *x, char *buf, size_t size)
{
	const char *v[VL_MAX_PORT_SGS];
	size_t n = 0;
	for (size_t i = 0; i < x->security_groups.n && n < VL_MAX_PORT_SGS; i++)
		v[n++] = orv(x->security_groups.v[i].s, "?");
	if (!n)
		v[n++] = "default";
	qsort(v, n, sizeof(v[0]), name_cmp);
	size_t at = (size_t)snprintf(buf, size, "[");
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : "", v[i]);
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

static void instance_desc(const struct lab_instance *x, char *buf, size_t size)
{
	char a[16];
	snprintf(buf, size, "(subnet %s, %s)", orv(x->subnet.s, "?"), addr_fmt(x->addr, a));
}

static const char *pub_fmt(uint32_t a, char *buf)
{
	return a ? addr_fmt(a, buf) : "none";
}

static void instance_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_instance *o = xo, *n = xn;
	char a[512], b[512];
	sg_list(o, a, sizeof(a));
	sg_list(n, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "instance", o->name.s, "security_groups %s -> %s", a, b);
	bool osd = !o->source_dest_check.set || o->source_dest_check.v;
	bool nsd = !n->source_dest_check.set || n->source_dest_check.v;
	if (osd != nsd)
		emit(d, LAB_CHANGE, "instance", o->name.s, "source_dest_check %s -> %s",
		     osd ? "true" : "false", nsd ? "true" : "false");
	if (o->public_addr != n->public_addr)
		emit(d, LAB_CHANGE, "instance", o->name.s, "public_ip %s -> %s",
		     pub_fmt(o->public_addr, a), pub_fmt(n->public_addr, b));
	if (!same(o->run.s, n->run.s))
		emit(d, LAB_CHANGE, "instance", o->name.s,
		     "run changed (user data runs at launch: the running command is kept)");
}

static void instance_desc_v(const void *x, char *buf, size_t size) { instance_desc(x, buf, size); }

static bool instance_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_instance *o = xo, *n = xn;
	return same(o->subnet.s, n->subnet.s) && o->addr == n->addr;
}

static const struct named_kind k_instance = {"instance", sizeof(struct lab_instance),
	offsetof(struct lab_instance, name), instance_kept, instance_change, instance_desc_v};

static void instances(struct df *d, struct vp v)
{
	named_diff(d, &k_instance, v.o ? v.o->instances : NULL, v.o ? v.o->n_instances : 0,
		   v.n ? v.n->instances : NULL, v.n ? v.n->n_instances : 0, NULL);
}

static void vpc_pair(struct df *d, struct vp v)
{
	const struct lab_vpc *x = v.o ? v.o : v.n;
	if (!v.o || !v.n)
		emit(d, v.o ? LAB_REMOVE : LAB_ADD, "vpc", x->name.s, "(%s)", orv(x->cidr.s, "?"));
	bool oi = v.o && v.o->internet_gateway.v, ni = v.n && v.n->internet_gateway.v;
	if (oi != ni)
		emit(d, oi ? LAB_REMOVE : LAB_ADD, "internet_gateway", x->name.s, "%s", "");
	subnets(d, v);
	route_tables(d, v);
	acls(d, v);
	sgs(d, v);
	natgws(d, v);
	instances(d, v);
	diff_lbs(d, v.o, v.n);
	diff_asgs(d, v.o, v.n);
}

static const struct lab_vpc *find_vpc(const struct lab *m, const char *name)
{
	for (size_t i = 0; i < m->n_vpcs; i++)
		if (same(m->vpcs[i].name.s, name))
			return &m->vpcs[i];
	return NULL;
}

/* ---------------------------------------------------------------- lab-wide objects */

static void eip_desc(const struct lab_eip *e, char *buf, size_t size)
{
	char a[16];
	snprintf(buf, size, "(%s%s%s)", addr_fmt(e->addr, a), e->instance.s ? ", instance " : "",
		 orv(e->instance.s, ""));
}

static void eip_desc_v(const void *x, char *buf, size_t size) { eip_desc(x, buf, size); }

static bool eip_kept(const void *o, const void *n, const void *ctx)
{
	(void)ctx;
	return ((const struct lab_eip *)o)->addr == ((const struct lab_eip *)n)->addr;
}

static void eip_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_eip *x = xo, *y = xn;
	if (!same(x->instance.s, y->instance.s))
		emit(d, LAB_CHANGE, "elastic_ip", x->name.s, "instance %s -> %s",
		     orv(x->instance.s, "none"), orv(y->instance.s, "none"));
}

static const struct named_kind k_eip = {"elastic_ip", sizeof(struct lab_eip),
	offsetof(struct lab_eip, name), eip_kept, eip_change, eip_desc_v};

static void eips(struct df *d, const struct lab *o, const struct lab *n)
{
	named_diff(d, &k_eip, o->eips, o->n_eips, n->eips, n->n_eips, NULL);
}

static void host_desc(const void *x, char *buf, size_t size)
{
	char a[16];
	snprintf(buf, size, "(%s)", addr_fmt(((const struct lab_host *)x)->addr, a));
}

static bool host_kept(const void *o, const void *n, const void *ctx)
{
	(void)ctx;
	return ((const struct lab_host *)o)->addr == ((const struct lab_host *)n)->addr;
}

static const struct named_kind k_host = {"host", sizeof(struct lab_host),
	offsetof(struct lab_host, name), host_kept, NULL, host_desc};

static void hosts(struct df *d, const struct lab *o, const struct lab *n)
{
	named_diff(d, &k_host, o->hosts, o->n_hosts, n->hosts, n->n_hosts, NULL);
}

/* Whether the subnet called name has the same CIDR in both VPCs (an address kept stays inside). */
static bool same_subnet(const struct lab_vpc *o, const struct lab_vpc *n, const char *name)
{
	const struct lab_subnet *a = find_lab_subnet(o, name), *b = find_lab_subnet(n, name);
	return a && b && same(a->cidr.s, b->cidr.s);
}

/* Gives x (an absent address) the address a, pointing its place at the object's own. */
static int pin(struct lab *m, struct lab_str *x, struct loc at, uint32_t a)
{
	char buf[16];
	if (x->s)
		return 0;
	x->s = lab_strdup(m, addr_fmt(a, buf));
	x->at = at;
	return x->s ? 0 : -ENOMEM;
}

/* A load balancer's node keeps its address while the load balancer keeps the subnet. */
static int keep_node_addresses(struct lab *new, const struct lab_vpc *ov, const struct lab_vpc *nv,
			       struct lab_lb *b)
{
	const struct lab_lb *o = NULL;
	for (size_t i = 0; i < ov->n_lbs && !o; i++)
		if (same(ov->lbs[i].name.s, b->name.s))
			o = &ov->lbs[i];
	for (size_t i = 0; o && i < b->n_nodes; i++)
		for (size_t j = 0; j < o->n_nodes; j++) {
			struct lab_lb_node *x = &b->nodes[i];
			const struct lab_lb_node *y = &o->nodes[j];
			if (!y->addr_ok || !same(x->subnet.s, y->subnet.s) ||
			    !same_subnet(ov, nv, x->subnet.s))
				continue;
			if (pin(new, &x->ip, x->at, y->addr) < 0)
				return -ENOMEM;
			break;
		}
	return 0;
}

int lab_keep_addresses(struct lab *new, const struct lab *old)
{
	int rc = 0;
	for (size_t v = 0; v < new->n_vpcs; v++) {
		struct lab_vpc *nv = &new->vpcs[v];
		const struct lab_vpc *ov = find_vpc(old, nv->name.s);
		if (!ov || !same(ov->cidr.s, nv->cidr.s))
			continue;
		for (size_t i = 0; i < nv->n_instances && !rc; i++) {
			struct lab_instance *x = &nv->instances[i];
			const struct lab_instance *o = find_lab_instance(ov, x->name.s);
			if (o && o->addr_ok && same(o->subnet.s, x->subnet.s) &&
			    same_subnet(ov, nv, x->subnet.s)) {
				rc = pin(new, &x->ip, x->at, o->addr);
				if (o->eip == VL_NONE && same(old->public_pool.s, new->public_pool.s)) {
					x->kept_public_set = true;
					x->kept_public = o->public_addr;
				}
			}
		}
		for (size_t i = 0; i < nv->n_natgws && !rc; i++) {
			struct lab_natgw *g = &nv->natgws[i];
			const struct lab_natgw *o = find_lab_natgw(ov, g->name.s);
			if (o && o->addr_ok && same(o->subnet.s, g->subnet.s) &&
			    same_subnet(ov, nv, g->subnet.s))
				rc = pin(new, &g->ip, g->at, o->addr);
		}
		for (size_t i = 0; i < nv->n_lbs && !rc; i++)
			rc = keep_node_addresses(new, ov, nv, &nv->lbs[i]);
	}
	/* The pool as written (check has not run on new): an elastic IP keeps its address only
	 * while the pool stays the same. */
	if (!same(old->public_pool.s, new->public_pool.s))
		return rc;
	for (size_t i = 0; i < new->n_eips && !rc; i++) {
		const struct lab_eip *o = lab_find_eip(old, new->eips[i].name.s);
		if (o && o->addr_ok)
			rc = pin(new, &new->eips[i].ip, new->eips[i].at, o->addr);
	}
	return rc;
}

int lab_plan_add(struct lab_plan *p, char op, const char *kind, const char *name, const char *detail)
{
	struct df d = { p, 0 };
	emit(&d, op, kind, name, "%s", detail);
	return d.err ? -d.err : 0;
}

/* t's port / NAT gateway / elastic IP called name (holes have no name), or NULL. */
static const struct vl_port *running_port(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name && i < t->n_ports; i++)
		if (vl_port_used(&t->ports[i]) && strcmp(t->ports[i].name, name) == 0)
			return &t->ports[i];
	return NULL;
}

static const struct vl_natgw *running_natgw(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name && i < t->n_natgws; i++)
		if (vl_natgw_used(&t->natgws[i]) && strcmp(t->natgws[i].name, name) == 0)
			return &t->natgws[i];
	return NULL;
}

static const char *running_subnet(const struct vl_tables *t, uint16_t s)
{
	return s < t->n_subnets ? t->subnets[s].name : NULL;
}

int lab_keep_running(struct lab *m, const struct vl_tables *t)
{
	int rc = 0;
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *mv = &m->vpcs[v];
		for (size_t i = 0; i < mv->n_instances && !rc; i++) {
			struct lab_instance *x = &mv->instances[i];
			const struct vl_port *p = running_port(t, x->name.s);
			if (p && p->kind == VL_PORT_INSTANCE && same(running_subnet(t, p->subnet), x->subnet.s))
				rc = pin(m, &x->ip, x->at, p->ip);
		}
		for (size_t i = 0; i < mv->n_natgws && !rc; i++) {
			struct lab_natgw *g = &mv->natgws[i];
			const struct vl_natgw *n = running_natgw(t, g->name.s);
			if (n && same(running_subnet(t, n->subnet), g->subnet.s))
				rc = pin(m, &g->ip, g->at, n->ip);
		}
	}
	for (size_t i = 0; i < m->n_eips && !rc; i++)
		for (uint16_t e = 0; e < t->n_eips; e++)
			if (vl_eip_used(&t->eips[e]) && same(t->eips[e].name, m->eips[i].name.s))
				rc = pin(m, &m->eips[i].ip, m->eips[i].at, t->eips[e].ip);
	return rc;
}

struct lab_plan *lab_diff(const struct lab *old, const struct lab *new)
{
	struct df d = { calloc(1, sizeof(struct lab_plan)), 0 };
	if (!d.p)
		return NULL;
	/* Old VPCs in file order (removed, changed), then the new ones. A VPC whose CIDR changed is
	 * a different VPC: everything in it goes and comes back. */
	for (size_t i = 0; i < old->n_vpcs; i++) {
		const struct lab_vpc *o = &old->vpcs[i], *n = find_vpc(new, o->name.s);
		if (n && !same(o->cidr.s, n->cidr.s)) {
			vpc_pair(&d, (struct vp){ o, NULL });
			vpc_pair(&d, (struct vp){ NULL, n });
		} else {
			vpc_pair(&d, (struct vp){ o, n });
		}
	}
	for (size_t i = 0; i < new->n_vpcs; i++)
		if (!find_vpc(old, new->vpcs[i].name.s))
			vpc_pair(&d, (struct vp){ NULL, &new->vpcs[i] });
	if (!same(lab_region(old), lab_region(new)))
		emit(&d, LAB_CHANGE, "lab", "region", "%s -> %s", lab_region(old), lab_region(new));
	eips(&d, old, new);
	if (old->pool.addr != new->pool.addr || old->pool.len != new->pool.len) {
		char a[24], b[24];
		emit(&d, LAB_CHANGE, "internet", "public_pool", "%s -> %s", prefix_fmt(old->pool, a),
		     prefix_fmt(new->pool, b));
	}
	hosts(&d, old, new);
	diff_dns(&d, old, new);
	if (d.err) {
		lab_plan_free(d.p);
		errno = d.err;
		return NULL;
	}
	return d.p;
}

void lab_plan_free(struct lab_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].detail);
	}
	free(p->v);
	free(p);
}
