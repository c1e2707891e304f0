/* Checking the resolver's attributes and Route 53 (rule-file.md "The VPC resolver and Route
 * 53"): a VPC's `dns:`, private hosted zones (names, associated VPCs with both attributes on),
 * their records (names relative to the zone, one record set per name and type, a CNAME alone
 * at its name, aliases to the lab's load balancers, failover pairs) and health checks in
 * Route 53's ranges. Values are check_dns_value.c's. Runs after the load balancers (aliases). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/lab/check.h"

#define R53_PATH_MAX 127        /* the lab's room for a path (tables_dns.h) */
#define R53_TTL_MAX 2147483647LL

static const char *nm(const struct lab_str *s)
{
	return s->s ? s->s : "?";
}

static bool name_ok(const char *s)
{
	if (!s || *s < 'a' || *s > 'z' || strlen(s) > VL_NAME_MAX - 1)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* "name" is zone or inside it. */
static bool in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);
	return !strcmp(name, zone) || (n > z && name[n - z - 1] == '.' && !strcmp(name + n - z, zone));
}

/* Names are unique within their kind: report every later one at its place. */
static int loc_key_cmp(const void *pa, const void *pb, void *arg)
{
	const char *const *keys = arg;
	const size_t *a = pa, *b = pb;
	int r = strcmp(keys[*a], keys[*b]);
	return r ? r : (*a > *b) - (*a < *b);
}

static void ck_unique_keys(struct ck *c, const char **keys, const struct loc *at, size_t n,
			   const char *kind)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx)), k = 0;
	if (!idx) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (keys[i])
			idx[k++] = i;
	qsort_r(idx, k, sizeof(*idx), loc_key_cmp, keys);
	for (size_t i = 1, first = 0; i < k; i++) {
		if (strcmp(keys[idx[i]], keys[idx[first]])) {
			first = i;
			continue;
		}
		const struct loc *f = &at[idx[first]];
		diag_error(c->d, at[idx[i]], "%s '%s' is already defined at %d:%d", kind,
			   CK_SHOW(keys[idx[i]]), f->line, f->col);
	}
	free(idx);
}

/* ---------------------------------------------------------------- VPC attributes */

static void ck_vpc_dns(struct ck *c, const struct lab_vpc *v)
{
	const struct lab_vpc_dns *d = &v->dns;
	if (d->hostnames.set && d->hostnames.v && !lab_vpc_dns_support(d))
		diag_error(c->d, d->hostnames.at, "vpc '%s': 'hostnames: true' needs 'support: true' "
			   "(AWS: enableDnsHostnames requires enableDnsSupport)", nm(&v->name));
}

/* ---------------------------------------------------------------- health checks */

static void ck_r53_ip(struct ck *c, struct lab_r53_check *h)
{
	if (!h->ip.s || !ck_ip(c, &h->ip, &h->addr))
		return;
	for (size_t i = 0; i < c->m->n_vpcs; i++) {
		const struct lab_vpc *v = &c->m->vpcs[i];
		if (!v->prefix_ok || !prefix_contains(v->prefix, h->addr))
			continue;
		if (h->vpc != VL_NONE) {
			diag_error(c->d, h->ip.at, "health check address %s is inside vpc '%s' and vpc "
				   "'%s': the lab cannot tell where to check it from", CK_SHOW(h->ip.s),
				   ck_vpc_name(c, h->vpc), nm(&v->name));
			return;
		}
		h->vpc = v->gidx;
	}
	if (h->vpc != VL_NONE)
		diag_warning(c->d, h->ip.at, "health check '%s' checks the private address %s: Route "
			     "53's checkers are on the internet and cannot reach it on AWS (the lab "
			     "checks it from inside vpc '%s')", nm(&h->name), CK_SHOW(h->ip.s),
			     ck_vpc_name(c, h->vpc));
}

static void ck_r53_check(struct ck *c, struct lab_r53_check *h, uint16_t i)
{
	h->gidx = i;
	h->vpc = VL_NONE;
	if (h->name.s && !name_ok(h->name.s))
		diag_error(c->d, h->name.at, "health check name '%s' must match [a-z][a-z0-9-]*, at "
			   "most 15 characters", CK_SHOW(h->name.s));
	h->proto = VL_HC_HTTP;
	if (h->protocol.s && !strcasecmp(h->protocol.s, "tcp"))
		h->proto = VL_HC_TCP;
	else if (h->protocol.s && strcasecmp(h->protocol.s, "http"))
		diag_error(c->d, h->protocol.at, "health check protocol '%s' is not tcp or http",
			   CK_SHOW(h->protocol.s));
	if (h->proto == VL_HC_TCP && !h->port.set)
		diag_error(c->d, h->at, "tcp health check '%s' needs a port", nm(&h->name));
	if (h->port.set && (h->port.v < 1 || h->port.v > 65535))
		diag_error(c->d, h->port.at, "health check port %lld is out of range 1..65535",
			   h->port.v);
	if (h->path.s && h->proto == VL_HC_TCP)
		diag_error(c->d, h->path.at, "'path' is for http health checks; '%s' is tcp",
			   nm(&h->name));
	else if (h->path.s && (h->path.s[0] != '/' || strlen(h->path.s) > R53_PATH_MAX))
		diag_error(c->d, h->path.at, "health check path '%s' must start with '/' and have at "
			   "most %d characters", CK_SHOW(h->path.s), R53_PATH_MAX);
	if (h->interval.set && h->interval.v != 10 && h->interval.v != 30)
		diag_error(c->d, h->interval.at, "health check interval %lld is not 10 or 30 (Route "
			   "53's standard and fast intervals)", h->interval.v);
	if (h->failure_threshold.set && (h->failure_threshold.v < 1 || h->failure_threshold.v > 10))
		diag_error(c->d, h->failure_threshold.at, "failure_threshold %lld is out of range "
			   "1..10 (Route 53)", h->failure_threshold.v);
	ck_r53_ip(c, h);
}

static struct lab_r53_check *find_r53_check(const struct lab *m, const char *name)
{
	for (size_t i = 0; name && i < m->n_r53_checks; i++)
		if (m->r53_checks[i].name.s && !strcmp(m->r53_checks[i].name.s, name))
			return &m->r53_checks[i];
	return NULL;
}

/* ---------------------------------------------------------------- records */

/* The owner: "@" is the apex; a final dot makes a name absolute (it must be in the zone);
 * otherwise it is relative to the zone. */
static void ck_record_name(struct ck *c, const struct lab_zone *z, struct lab_record *r)
{
	const char *s = r->name.s;
	char rel[VL_DNS_NAME_MAX];
	if (!s || !z->fqdn)
		return;
	char *fq = lab_alloc(c->m, VL_DNS_NAME_MAX);
	if (!fq) {
		c->oom = true;
		return;
	}
	if (!strcmp(s, "@")) {
		snprintf(fq, VL_DNS_NAME_MAX, "%s", z->fqdn);
		r->fqdn = fq;
		return;
	}
	const char *why = ck_dns_name(s, rel, sizeof(rel));
	size_t n = strlen(s);
	if (why) {
		diag_error(c->d, r->name.at, "record name '%s' is not a valid DNS name: %s",
			   CK_SHOW(s), why);
	} else if (s[n - 1] == '.') {
		if (in_zone(rel, z->fqdn))
			r->fqdn = strcpy(fq, rel);
		else
			diag_error(c->d, r->name.at, "record name '%s' is not inside zone '%s'",
				   CK_SHOW(s), z->fqdn);
	} else if (in_zone(rel, z->fqdn)) {
		size_t keep = strlen(rel) - strlen(z->fqdn);
		diag_error(c->d, r->name.at, "record name '%s' would be '%s.%s': names are relative "
			   "to the zone; write '%.*s' (or '%s.' with a final dot)", CK_SHOW(s), rel,
			   z->fqdn, keep ? (int)keep - 1 : 1, keep ? rel : "@", rel);
	} else if (strlen(rel) + 1 + strlen(z->fqdn) > 253) {
		diag_error(c->d, r->name.at, "record name '%s.%s' is longer than 253 characters",
			   CK_SHOW(s), z->fqdn);
	} else {
		size_t a = strlen(rel);
		memcpy(fq, rel, a);
		fq[a] = '.';
		strcpy(fq + a + 1, z->fqdn);   /* length checked above */
		r->fqdn = fq;
	}
}

static void ck_record_type(struct ck *c, struct lab_record *r)
{
	for (uint8_t t = VL_RR_A; r->type.s && t <= VL_RR_SRV; t++)
		if (!strcasecmp(r->type.s, vl_rr_name(t))) {
			r->rtype = t;
			r->type_ok = true;
			return;
		}
	if (r->type.s)
		diag_error(c->d, r->type.at, "record type '%s' is not one the lab serves (A, AAAA, "
			   "CNAME, TXT, MX, SRV)", CK_SHOW(r->type.s));
}

static void ck_record_routing(struct ck *c, struct lab_record *r)
{
	r->role = VL_FO_NONE;
	if (r->failover.s && !strcasecmp(r->failover.s, "primary"))
		r->role = VL_FO_PRIMARY;
	else if (r->failover.s && !strcasecmp(r->failover.s, "secondary"))
		r->role = VL_FO_SECONDARY;
	else if (r->failover.s)
		diag_error(c->d, r->failover.at, "failover '%s' is not primary or secondary",
			   CK_SHOW(r->failover.s));
	if (r->health_check.s) {
		const struct lab_r53_check *h = find_r53_check(c->m, r->health_check.s);
		if (!h)
			diag_error(c->d, r->health_check.at, "unknown health check '%s'",
				   CK_SHOW(r->health_check.s));
		else
			r->hc = h->gidx;
		if (!r->failover.s)
			diag_error(c->d, r->health_check.at, "a health check goes with a failover "
				   "record (Route 53: a simple record has none)");
	} else if (r->role == VL_FO_PRIMARY) {
		diag_error(c->d, r->failover.at, "a failover primary needs a health_check: without "
			   "one Route 53 never fails over to the secondary");
	}
}

static void ck_record_values(struct ck *c, struct lab_record *r)
{
	if (r->alias.s) {
		const struct lab_lb *b = lab_find_lb(c->m, r->alias.s);
		if (!b)
			diag_error(c->d, r->alias.at, "alias '%s' is not a load balancer of the lab",
				   CK_SHOW(r->alias.s));
		else
			r->lb = b->gidx;
		if (r->type_ok && r->rtype != VL_RR_A)
			diag_error(c->d, r->type.at, "an alias to a load balancer is of type A (the "
				   "lab's load balancers have ipv4 addresses only)");
		if (r->values.set)
			diag_error(c->d, r->values.at, "a record has 'alias' or 'values', not both");
		if (r->ttl.set)
			diag_error(c->d, r->ttl.at, "an alias record has no ttl: Route 53 answers with "
				   "the load balancer's (60 s)");
		return;
	}
	if (!r->values.n) {
		diag_error(c->d, r->values.set ? r->values.at : r->at, "record '%s' needs 'values' (or "
			   "'alias')", nm(&r->name));
		return;
	}
	if (r->type_ok && r->rtype == VL_RR_CNAME && r->values.n != 1)
		diag_error(c->d, r->values.at, "a CNAME record has exactly one value");
	if (r->ttl.set && (r->ttl.v < 0 || r->ttl.v > R53_TTL_MAX))
		diag_error(c->d, r->ttl.at, "ttl %lld is out of range 0..%lld", r->ttl.v, R53_TTL_MAX);
	if (!r->type_ok)
		return;
	r->vals = lab_alloc(c->m, r->values.n * sizeof(*r->vals));
	if (!r->vals) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < r->values.n; i++) {
		if (!ck_dns_value(c, r->rtype, &r->values.v[i], &r->vals[i]))
			continue;
		for (size_t j = 0; j < i; j++)
			if (r->vals[j].text && !strcmp(r->vals[j].text, r->vals[i].text)) {
				diag_error(c->d, r->values.v[i].at, "value '%s' is already in this "
					   "record at %d:%d", CK_SHOW(r->values.v[i].s),
					   r->values.v[j].at.line, r->values.v[j].at.col);
				break;
			}
	}
}

/* ---------------------------------------------------------------- record sets of a zone */

static int rec_cmp(const void *pa, const void *pb, void *arg)
{
	const struct lab_record *v = arg, *a = &v[*(const size_t *)pa], *b = &v[*(const size_t *)pb];
	int r = strcmp(a->fqdn, b->fqdn);
	if (r)
		return r;
	if (a->rtype != b->rtype)
		return a->rtype - b->rtype;
	if (a->role != b->role)
		return a->role - b->role;
	return ck_loc_cmp(a->at, b->at);
}

static void show_rr(const struct lab_record *r, char *buf, size_t cap)
{
	snprintf(buf, cap, "'%s' %s", r->fqdn, vl_rr_name(r->rtype));
}

/* One (name, type): one simple record set, or a failover pair, never both. */
static void ck_rrset(struct ck *c, const struct lab_record *v, const size_t *idx, size_t n)
{
	const struct lab_record *first[3] = { NULL, NULL, NULL };
	char rr[VL_DNS_NAME_MAX + 16];
	show_rr(&v[idx[0]], rr, sizeof(rr));
	for (size_t i = 0; i < n; i++) {
		const struct lab_record *r = &v[idx[i]], *f = first[r->role];
		if (f && r->role == VL_FO_NONE)
			diag_error(c->d, r->at, "record %s is already defined at %d:%d (Route 53 keeps "
				   "one record set per name and type: list its values together)", rr,
				   f->at.line, f->at.col);
		else if (f)
			diag_error(c->d, r->at, "a second failover %s for %s (the first is at %d:%d)",
				   r->role == VL_FO_PRIMARY ? "primary" : "secondary", rr, f->at.line,
				   f->at.col);
		else
			first[r->role] = r;
	}
	const struct lab_record *p = first[VL_FO_PRIMARY], *s = first[VL_FO_SECONDARY];
	if (first[VL_FO_NONE] && (p || s)) {
		const struct lab_record *fo = p ? p : s;
		diag_error(c->d, fo->at, "record %s mixes failover and simple routing (the simple one "
			   "is at %d:%d): Route 53 refuses it", rr, first[0]->at.line, first[0]->at.col);
	} else if (p && !s) {
		diag_error(c->d, p->at, "failover primary %s has no secondary", rr);
	} else if (s && !p) {
		diag_error(c->d, s->at, "failover secondary %s has no primary", rr);
	}
}

/* The records at one name: a CNAME is alone there (RFC 1034 3.6.2) and never at the apex. */
static void ck_owner(struct ck *c, const struct lab_zone *z, const size_t *idx, size_t n)
{
	const struct lab_record *v = z->records, *cname = NULL;
	for (size_t i = 0; i < n; i++)
		if (v[idx[i]].rtype == VL_RR_CNAME && !cname)
			cname = &v[idx[i]];
	if (cname && !strcmp(cname->fqdn, z->fqdn))
		diag_error(c->d, cname->type.at, "a CNAME cannot be at the zone apex (RFC 1034; Route "
			   "53 offers alias records there)");
	for (size_t i = 0; cname && i < n; i++)
		if (v[idx[i]].rtype != VL_RR_CNAME)
			diag_error(c->d, v[idx[i]].type.at, "'%s' has a CNAME record (at %d:%d), and a "
				   "CNAME is alone at its name", cname->fqdn, cname->at.line,
				   cname->at.col);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && v[idx[j]].rtype == v[idx[i]].rtype; j++)
			;
		ck_rrset(c, v, idx + i, j - i);
	}
}

static void ck_zone_sets(struct ck *c, struct lab_zone *z)
{
	size_t k = 0;
	z->order = lab_alloc(c->m, (z->n_records ? z->n_records : 1) * sizeof(*z->order));
	if (!z->order) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < z->n_records; i++)
		if (z->records[i].fqdn && z->records[i].type_ok)
			z->order[k++] = i;
	qsort_r(z->order, k, sizeof(*z->order), rec_cmp, z->records);
	for (size_t i = 0, j; i < k; i = j) {
		const char *owner = z->records[z->order[i]].fqdn;
		for (j = i + 1; j < k && !strcmp(z->records[z->order[j]].fqdn, owner); j++)
			;
		ck_owner(c, z, z->order + i, j - i);
	}
}

/* ---------------------------------------------------------------- zones */

static uint16_t find_vpc(const struct lab *m, const char *name)
{
	for (size_t i = 0; name && i < m->n_vpcs; i++)
		if (m->vpcs[i].name.s && !strcmp(m->vpcs[i].name.s, name))
			return m->vpcs[i].gidx;
	return VL_NONE;
}

static void ck_zone_vpc(struct ck *c, struct lab_zone *z, const struct lab_str *ref)
{
	uint16_t v = find_vpc(c->m, ref->s);
	if (v == VL_NONE) {
		diag_error(c->d, ref->at, "unknown vpc '%s'", CK_SHOW(ref->s));
		return;
	}
	const struct lab_vpc_dns *d = &c->m->vpcs[v].dns;
	if (!lab_vpc_dns_support(d) || !lab_vpc_dns_hostnames(d))
		diag_error(c->d, ref->at, "private hosted zone '%s' needs 'dns: { support: true, "
			   "hostnames: true }' in vpc '%s': AWS answers a private zone only in VPCs "
			   "with enableDnsSupport and enableDnsHostnames", nm(&z->name), ref->s);
	size_t pos = 0;
	while (pos < z->n_vpc_idx && z->vpc_idx[pos] < v)
		pos++;
	if (pos < z->n_vpc_idx && z->vpc_idx[pos] == v) {
		diag_error(c->d, ref->at, "vpc '%s' is listed twice", ref->s);
		return;
	}
	if (z->n_vpc_idx == VL_ZONE_VPCS) {
		diag_error(c->d, ref->at, "a hosted zone is associated with at most %d vpcs in the lab",
			   VL_ZONE_VPCS);
		return;
	}
	memmove(&z->vpc_idx[pos + 1], &z->vpc_idx[pos], (z->n_vpc_idx - pos) * sizeof(uint16_t));
	z->vpc_idx[pos] = v;
	z->n_vpc_idx++;
}

static void ck_zone(struct ck *c, struct lab_zone *z, uint16_t i)
{
	z->gidx = i;
	if (z->name.s) {
		char buf[VL_DNS_NAME_MAX];
		const char *why = ck_dns_name(z->name.s, buf, sizeof(buf));
		if (why)
			diag_error(c->d, z->name.at, "hosted zone name '%s' is not a valid DNS name: %s",
				   CK_SHOW(z->name.s), why);
		else if (!(z->fqdn = lab_strdup(c->m, buf)))
			c->oom = true;
	}
	if (z->vpcs.set && !z->vpcs.n)
		diag_error(c->d, z->vpcs.at, "a private hosted zone needs at least one vpc (the lab "
			   "has no public hosted zones)");
	for (size_t j = 0; j < z->vpcs.n; j++)
		ck_zone_vpc(c, z, &z->vpcs.v[j]);
	for (size_t j = 0; j < z->n_records; j++) {
		struct lab_record *r = &z->records[j];
		r->lb = r->hc = VL_NONE;
		r->zone = i;
		ck_record_type(c, r);
		ck_record_name(c, z, r);
		ck_record_routing(c, r);
		ck_record_values(c, r);
		c->m->n_records++;
		c->m->n_dns_values += r->alias.s ? 0 : (uint32_t)r->values.n;
	}
	ck_zone_sets(c, z);
}

void ck_dns_all(struct ck *c)
{
	struct lab *m = c->m;
	m->n_records = m->n_dns_values = 0;
	for (size_t i = 0; i < m->n_vpcs; i++)
		ck_vpc_dns(c, &m->vpcs[i]);
	if (m->n_zones >= VL_NONE || m->n_r53_checks >= VL_NONE) {
		diag_error(c->d, m->at, "the lab has more than %u hosted zones or health checks",
			   VL_NONE - 1);
		return;
	}
	size_t n = m->n_zones > m->n_r53_checks ? m->n_zones : m->n_r53_checks;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	struct loc *at = calloc(n ? n : 1, sizeof(*at));
	if (!keys || !at) {
		c->oom = true;
		free(keys);
		free(at);
		return;
	}
	for (size_t i = 0; i < m->n_r53_checks; i++) {
		ck_r53_check(c, &m->r53_checks[i], (uint16_t)i);
		keys[i] = m->r53_checks[i].name.s;
		at[i] = m->r53_checks[i].name.at;
	}
	ck_unique_keys(c, keys, at, m->n_r53_checks, "health check");
	for (size_t i = 0; i < m->n_zones; i++) {
		ck_zone(c, &m->zones[i], (uint16_t)i);
		keys[i] = m->zones[i].fqdn;
		at[i] = m->zones[i].name.at;
	}
	ck_unique_keys(c, keys, at, m->n_zones, "hosted zone");
	free(keys);
	free(at);
}

bool lab_has_zones(const struct lab *m)
{
	return m && (m->n_zones || m->n_r53_checks);
}
