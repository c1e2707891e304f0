/* lab_diff for the resolver and Route 53: each kept VPC's DNS attributes, hosted zones matched
 * by name (their VPC associations change in place, as AWS associates and disassociates), record
 * sets by name, type and failover role (values, ttl, alias and health check change in place, as
 * Route 53's UPSERT does), health checks by name (Route 53 cannot change a check's type or
 * interval: a removal plus an addition). Compared on the checked model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diff_impl.h"

static const char *onoff(bool b)
{
	return b ? "true" : "false";
}

static void vpc_dns(struct df *d, const struct lab *o, const struct lab *n)
{
	for (size_t i = 0; i < o->n_vpcs; i++) {
		const struct lab_vpc *a = &o->vpcs[i], *b = NULL;
		for (size_t j = 0; j < n->n_vpcs && !b; j++)
			if (same(a->name.s, n->vpcs[j].name.s) && same(a->cidr.s, n->vpcs[j].cidr.s))
				b = &n->vpcs[j];
		if (!b)
			continue;
		bool s0 = lab_vpc_dns_support(&a->dns), s1 = lab_vpc_dns_support(&b->dns);
		bool h0 = lab_vpc_dns_hostnames(&a->dns), h1 = lab_vpc_dns_hostnames(&b->dns);
		if (s0 != s1)
			emit(d, LAB_CHANGE, "vpc", a->name.s, "dns support %s -> %s", onoff(s0), onoff(s1));
		if (h0 != h1)
			emit(d, LAB_CHANGE, "vpc", a->name.s, "dns hostnames %s -> %s", onoff(h0),
			     onoff(h1));
	}
}

/* ---------------------------------------------------------------- records */

static const char *const role_names[] = { "", " primary", " secondary" };

static void rec_name(const struct lab_record *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s%s", r->fqdn, vl_rr_name(r->rtype), role_names[r->role]);
}

static uint32_t rec_ttl(const struct lab_record *r)
{
	return r->alias.s ? VL_DNS_ALIAS_TTL : r->ttl.set ? (uint32_t)r->ttl.v : VL_DNS_DEFAULT_TTL;
}

static void rec_values(const struct lab_record *r, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	if (r->alias.s) {
		snprintf(buf, size, "alias %s", r->alias.s);
		return;
	}
	for (size_t i = 0; i < r->values.n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", r->vals[i].text);
}

static void rec_desc(const struct lab_record *r, char *buf, size_t size)
{
	char v[512];
	rec_values(r, v, sizeof(v));
	snprintf(buf, size, "(ttl %u, %s%s%s)", rec_ttl(r), v, r->health_check.s ? ", health check " :
		 "", orv(r->health_check.s, ""));
}

static void rec_emit(struct df *d, char op, const struct lab_record *r)
{
	char name[VL_DNS_NAME_MAX + 24], desc[600];
	rec_name(r, name, sizeof(name));
	rec_desc(r, desc, sizeof(desc));
	emit(d, op, "record", name, "%s", desc);
}

static void rec_change(struct df *d, const struct lab_record *o, const struct lab_record *n)
{
	char name[VL_DNS_NAME_MAX + 24], a[512], b[512];
	rec_name(o, name, sizeof(name));
	rec_values(o, a, sizeof(a));
	rec_values(n, b, sizeof(b));
	if (strcmp(a, b) && !o->alias.s && !n->alias.s)
		emit(d, LAB_CHANGE, "record", name, "values [%s] -> [%s]", a, b);
	else if (strcmp(a, b))
		emit(d, LAB_CHANGE, "record", name, "%s%s%s -> %s%s%s", o->alias.s ? "" : "values [", a,
		     o->alias.s ? "" : "]", n->alias.s ? "" : "values [", b, n->alias.s ? "" : "]");
	if (rec_ttl(o) != rec_ttl(n))
		emit(d, LAB_CHANGE, "record", name, "ttl %u -> %u", rec_ttl(o), rec_ttl(n));
	if (!same(o->health_check.s, n->health_check.s))
		emit(d, LAB_CHANGE, "record", name, "health_check %s -> %s",
		     orv(o->health_check.s, "none"), orv(n->health_check.s, "none"));
}

static const struct lab_record *find_rec(const struct lab_zone *z, const struct lab_record *r)
{
	for (size_t i = 0; z && i < z->n_records; i++) {
		const struct lab_record *x = &z->records[z->order[i]];
		if (!strcmp(x->fqdn, r->fqdn) && x->rtype == r->rtype && x->role == r->role)
			return x;
	}
	return NULL;
}

/* The record sets of a zone pair, in the tables' order (either zone may be NULL). */
static void records(struct df *d, const struct lab_zone *o, const struct lab_zone *n)
{
	for (size_t i = 0; o && i < o->n_records; i++) {
		const struct lab_record *r = &o->records[o->order[i]], *x = find_rec(n, r);
		if (x)
			rec_change(d, r, x);
		else
			rec_emit(d, LAB_REMOVE, r);
	}
	for (size_t i = 0; n && i < n->n_records; i++)
		if (!find_rec(o, &n->records[n->order[i]]))
			rec_emit(d, LAB_ADD, &n->records[n->order[i]]);
}

/* ---------------------------------------------------------------- zones */

static void zone_vpcs(const struct lab_zone *z, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < z->vpcs.n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					orv(z->vpcs.v[i].s, "?"));
}

static void zone_emit(struct df *d, char op, const struct lab_zone *z)
{
	char v[256];
	zone_vpcs(z, v, sizeof(v));
	emit(d, op, "hosted_zone", z->fqdn, "(vpcs %s; %zu record set%s)", v, z->n_records,
	     z->n_records == 1 ? "" : "s");
}

/* Associations compare as sets of VPC names (the file's order does not matter). */
static bool same_vpcs(const struct lab_zone *o, const struct lab_zone *n)
{
	if (o->vpcs.n != n->vpcs.n)
		return false;
	for (size_t i = 0; i < o->vpcs.n; i++) {
		bool found = false;
		for (size_t j = 0; j < n->vpcs.n && !found; j++)
			found = same(o->vpcs.v[i].s, n->vpcs.v[j].s);
		if (!found)
			return false;
	}
	return true;
}

static const struct lab_zone *find_zone(const struct lab *m, const char *fqdn)
{
	for (size_t i = 0; i < m->n_zones; i++)
		if (same(m->zones[i].fqdn, fqdn))
			return &m->zones[i];
	return NULL;
}

static void zones(struct df *d, const struct lab *o, const struct lab *n)
{
	for (size_t i = 0; i < o->n_zones; i++) {
		const struct lab_zone *a = &o->zones[i], *b = find_zone(n, a->fqdn);
		if (!b) {
			zone_emit(d, LAB_REMOVE, a);
		} else if (!same_vpcs(a, b)) {
			char x[256], y[256];
			zone_vpcs(a, x, sizeof(x));
			zone_vpcs(b, y, sizeof(y));
			emit(d, LAB_CHANGE, "hosted_zone", a->fqdn, "vpcs [%s] -> [%s]", x, y);
		}
		records(d, a, b);
	}
	for (size_t i = 0; i < n->n_zones; i++)
		if (!find_zone(o, n->zones[i].fqdn)) {
			zone_emit(d, LAB_ADD, &n->zones[i]);
			records(d, NULL, &n->zones[i]);
		}
}

/* ---------------------------------------------------------------- health checks */

static uint16_t hc_port(const struct lab_r53_check *h)
{
	return (uint16_t)(h->port.set ? h->port.v : 80);
}

static uint32_t hc_interval(const struct lab_r53_check *h)
{
	return h->interval.set ? (uint32_t)h->interval.v : 30;
}

static uint32_t hc_threshold(const struct lab_r53_check *h)
{
	return h->failure_threshold.set ? (uint32_t)h->failure_threshold.v : 3;
}

static const char *hc_path(const struct lab_r53_check *h)
{
	return h->proto == VL_HC_HTTP ? orv(h->path.s, "/") : "";
}

static void hc_desc(const void *x, char *buf, size_t size)
{
	const struct lab_r53_check *h = x;
	char a[16];
	snprintf(buf, size, "(%s %s:%u%s every %u s)", h->proto == VL_HC_HTTP ? "http" : "tcp",
		 addr_fmt(h->addr, a), hc_port(h), hc_path(h), hc_interval(h));
}

static bool hc_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_r53_check *o = xo, *n = xn;
	return o->proto == n->proto && hc_interval(o) == hc_interval(n);
}

static void hc_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_r53_check *o = xo, *n = xn;
	char a[16], b[16];
	if (o->addr != n->addr)
		emit(d, LAB_CHANGE, "health_check", o->name.s, "ip %s -> %s", addr_fmt(o->addr, a),
		     addr_fmt(n->addr, b));
	if (hc_port(o) != hc_port(n))
		emit(d, LAB_CHANGE, "health_check", o->name.s, "port %u -> %u", hc_port(o), hc_port(n));
	if (!same(hc_path(o), hc_path(n)))
		emit(d, LAB_CHANGE, "health_check", o->name.s, "path %s -> %s", hc_path(o), hc_path(n));
	if (hc_threshold(o) != hc_threshold(n))
		emit(d, LAB_CHANGE, "health_check", o->name.s, "failure_threshold %u -> %u",
		     hc_threshold(o), hc_threshold(n));
}

static const struct named_kind k_hc = {"health_check", sizeof(struct lab_r53_check),
	offsetof(struct lab_r53_check, name), hc_kept, hc_change, hc_desc};

void diff_dns(struct df *d, const struct lab *o, const struct lab *n)
{
	vpc_dns(d, o, n);
	named_diff(d, &k_hc, o->r53_checks, o->n_r53_checks, n->r53_checks, n->n_r53_checks, NULL);
	zones(d, o, n);
}
