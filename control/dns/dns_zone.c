/* Route 53 private hosted zones as the VPC resolver answers them (dns_impl.h): the record sets at
 * a name, a CNAME in place of any other type, wildcards at the closest encloser (RFC 4592),
 * failover pairs by health check, aliases to load balancers, and the zone's NXDOMAIN/NODATA with
 * its SOA. dns_resolve.c chose the zone (most specific, associated with the asking VPC). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/dns/dns_impl.h"
#include "control/dns/dns_names.h"

/* [*lo, *hi): the record sets of zone z owned by name (the zone keeps them sorted by owner). */
static void name_range(const struct vl_tables *t, const struct vl_zone *z, const char *name,
		       uint32_t *lo, uint32_t *hi)
{
	uint32_t a = z->record_first, b = z->record_first + z->record_count;
	while (a < b) {
		uint32_t mid = a + (b - a) / 2;
		if (strcmp(t->records[mid].name, name) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = *hi = a;
	while (*hi < z->record_first + z->record_count && !strcmp(t->records[*hi].name, name))
		(*hi)++;
}

/* Whether name exists in the zone: it owns records, is the apex, or is an empty non-terminal
 * (a record lies below it). A miss scans the zone once: Route 53 bounds a zone's records. */
static int name_exists(const struct vl_tables *t, const struct vl_zone *z, const char *name)
{
	if (!strcmp(name, z->name))
		return 1;
	for (uint32_t i = z->record_first; i < z->record_first + z->record_count; i++)
		if (dns_name_under(t->records[i].name, name))
			return 1;
	return 0;
}

/* RFC 4592: walking up from name's parent to the apex, the first ancestor that exists is the
 * closest encloser; its wildcard child `*.ANCESTOR` answers, if there is one. */
static int wildcard(const struct vl_tables *t, const struct vl_zone *z, const char *name,
		    uint32_t *lo, uint32_t *hi, char *star, size_t cap)
{
	for (const char *a = strchr(name, '.'); a && dns_name_under(a + 1, z->name); a = strchr(a + 1, '.')) {
		if (snprintf(star, cap, "*.%s", a + 1) >= (int)cap)
			return 0;
		name_range(t, z, star, lo, hi);
		if (*lo < *hi)
			return 1;
		if (name_exists(t, z, a + 1))
			return 0;
	}
	return 0;
}

static int check_passes(const struct vl_tables *t, const struct dns_health *h, uint16_t hc)
{
	if (hc == VL_NONE || !h || !h->check_ok || hc >= t->n_r53_checks)
		return 1;
	return h->check_ok[hc] != 0;
}

static const char *check_name(const struct vl_tables *t, uint16_t hc)
{
	return hc < t->n_r53_checks ? t->r53_checks[hc].name : "-";
}

/* Of the record sets [i, end) with records[i]'s type, the one that answers: the only one, or
 * the failover half Route 53 picks (primary while its check passes; else a secondary whose check
 * passes; when both fail, the primary). Writes why; *next_type = first index of the next type. */
static uint32_t pick(const struct vl_tables *t, const struct dns_health *h, uint32_t i, uint32_t end,
		     uint32_t *next_type, char *why, size_t cap)
{
	uint32_t j = i, primary = UINT32_MAX, secondary = UINT32_MAX;
	while (j < end && t->records[j].type == t->records[i].type) {
		if (t->records[j].failover == VL_FO_PRIMARY)
			primary = j;
		else if (t->records[j].failover == VL_FO_SECONDARY)
			secondary = j;
		j++;
	}
	*next_type = j;
	why[0] = '\0';
	if (primary == UINT32_MAX || secondary == UINT32_MAX)
		return primary != UINT32_MAX ? primary : secondary != UINT32_MAX ? secondary : i;
	uint16_t phc = t->records[primary].health_check, shc = t->records[secondary].health_check;
	if (check_passes(t, h, phc)) {
		snprintf(why, cap, "failover: primary answers (health check %s passing)", check_name(t, phc));
		return primary;
	}
	if (check_passes(t, h, shc)) {
		snprintf(why, cap, "failover: secondary answers (primary's health check %s failing)",
			 check_name(t, phc));
		return secondary;
	}
	snprintf(why, cap, "failover: both health checks failing, Route 53 answers the primary");
	return primary;
}

/* Appends record set rs under owner. Returns the number of records or -ENOMEM. */
static int emit(const struct dns_db *db, uint32_t rs, const char *owner, const struct dns_health *h,
		struct dns_result *r, char *why, size_t cap)
{
	const struct vl_tables *t = db->t;
	const struct vl_dns_record *rec = &t->records[rs];
	if (rec->alias != VL_NONE && rec->alias < t->n_lbs) {
		unsigned up = 0;
		int n = dns_lb_addresses(db, rec->alias, owner, h, r, &up);
		if (n >= 0)
			snprintf(why, cap, "alias to load balancer %s (%u of %u nodes up)", t->lbs[rec->alias].name,
				 up, t->lbs[rec->alias].node_count);
		return n;
	}
	for (uint32_t v = 0; v < rec->value_count && rec->value_first + v < t->n_dns_values; v++)
		if (dns_result_add(r, 0, owner, vl_rr_wire(rec->type), rec->ttl,
				   t->dns_values[rec->value_first + v].text) < 0)
			return -ENOMEM;
	return (int)rec->value_count;
}

static int soa(struct dns_result *r, const struct vl_zone *z, int authority)
{
	return dns_result_add(r, authority, z->name, DNS_T_SOA, DNS_ZONE_SOA_TTL, DNS_ZONE_SOA);
}

/* The SOA and NS records Route 53 keeps at a zone's apex, for a question of those types (or
 * ANY) there. Returns how many were added, or -ENOMEM. */
static int apex(struct dns_result *r, const struct vl_zone *z, const char *name, uint16_t qtype)
{
	static const char *const ns[] = DNS_ZONE_NS;
	int n = 0;
	if (strcmp(name, z->name))
		return 0;
	if (qtype == DNS_T_SOA || qtype == DNS_T_ANY) {
		if (soa(r, z, 0) < 0)
			return -ENOMEM;
		n++;
	}
	for (size_t i = 0; (qtype == DNS_T_NS || qtype == DNS_T_ANY) && i < sizeof(ns) / sizeof(ns[0]); i++) {
		if (dns_result_add(r, 0, z->name, DNS_T_NS, DNS_ZONE_NS_TTL, ns[i]) < 0)
			return -ENOMEM;
		n++;
	}
	return n;
}

/* The short form of an owner for explanations: "app" for app.corp.internal, "@" for the apex. */
static const char *rel(const char *owner, const struct vl_zone *z, char *buf, size_t cap)
{
	size_t n = strlen(owner), zl = strlen(z->name);
	if (!strcmp(owner, z->name))
		return "@";
	if (n > zl + 1 && dns_name_under(owner, z->name)) {
		snprintf(buf, cap, "%.*s", (int)(n - zl - 1), owner);
		return buf;
	}
	return owner;
}

/* One question inside one zone, as the parts below share it. */
struct zq {
	const struct dns_db *db;
	const struct vl_zone *z;
	const char *name, *owner_rel, *via;  /* via: the wildcard that answers, else NULL */
	uint16_t qtype;
	const struct dns_health *h;
	struct dns_result *r;
	struct dns_step *st;
};

/* No record set answers: Route 53's apex records, else NODATA (the name exists) or NXDOMAIN,
 * with the zone's SOA for negative caching. */
static int negative(const struct zq *q, int exists)
{
	char tn[16];
	int n = exists ? apex(q->r, q->z, q->name, q->qtype) : 0;
	q->st->rcode = exists ? DNS_NOERROR : DNS_NXDOMAIN;
	if (n != 0) {
		dns_why(q->st, "private hosted zone %s: Route 53's %s records at its apex", q->z->name,
			dns_type_name(q->qtype, tn));
		return n < 0 ? n : 0;
	}
	if (exists)
		dns_why(q->st, "private hosted zone %s: %s has no %s record (NODATA)", q->z->name, q->owner_rel,
			dns_type_name(q->qtype, tn));
	else
		dns_why(q->st, "private hosted zone %s has no record named %s (NXDOMAIN)", q->z->name, q->owner_rel);
	return soa(q->r, q->z, 1);
}

/* A CNAME answers every type; its target goes to next unless CNAME (or ANY) was asked. */
static int cname(const struct zq *q, uint32_t i, char *next, size_t next_cap)
{
	const struct vl_tables *t = q->db->t;
	const struct vl_dns_record *rec = &t->records[i];
	const char *target = rec->value_count ? t->dns_values[rec->value_first].text : "";
	char unused[8];
	q->st->record = i;
	if (emit(q->db, i, q->name, q->h, q->r, unused, sizeof(unused)) < 0)
		return -ENOMEM;
	if (q->qtype != DNS_T_CNAME && q->qtype != DNS_T_ANY && dns_name_canon(target, next, next_cap) < 0)
		next[0] = '\0';
	dns_why(q->st, "private hosted zone %s: %s%s%s CNAME %s", q->z->name, q->owner_rel, q->via ? " via " : "",
		q->via ? q->via : "", target);
	return 0;
}

/* The record sets [lo, hi) of the asked type (every type for ANY), one per type as failover
 * picks; then the apex's records; NODATA when none. */
static int sets(const struct zq *q, uint32_t lo, uint32_t hi)
{
	const struct vl_tables *t = q->db->t;
	int answered = 0;
	size_t w = 0;
	for (uint32_t i = lo, nt; i < hi; i = nt) {
		char fo[160], alias[160] = "";
		uint32_t rs = pick(t, q->h, i, hi, &nt, fo, sizeof(fo));
		if (q->qtype != DNS_T_ANY && vl_rr_wire(t->records[rs].type) != q->qtype)
			continue;
		if (emit(q->db, rs, q->name, q->h, q->r, alias, sizeof(alias)) < 0)
			return -ENOMEM;
		if (!answered++)
			q->st->record = rs;
		int n = snprintf(q->st->why + w, sizeof(q->st->why) - w, "%sprivate hosted zone %s: %s%s%s %s%s%s%s%s",
				 w ? "; " : "", q->z->name, q->owner_rel, q->via ? " via " : "", q->via ? q->via : "",
				 vl_rr_name(t->records[rs].type), fo[0] ? ", " : "", fo, alias[0] ? ", " : "", alias);
		w = n < 0 ? w : w + (size_t)n >= sizeof(q->st->why) ? sizeof(q->st->why) - 1 : w + (size_t)n;
	}
	if (!answered)
		return negative(q, 1);
	return apex(q->r, q->z, q->name, q->qtype) < 0 ? -ENOMEM : 0;
}

int dns_zone_lookup(const struct dns_db *db, uint16_t zi, const char *name, uint16_t qtype,
		    const struct dns_health *h, struct dns_result *r, struct dns_step *st,
		    char *next, size_t next_cap)
{
	const struct vl_tables *t = db->t;
	const struct vl_zone *z = &t->zones[zi];
	char star[VL_DNS_NAME_MAX], short_name[VL_DNS_NAME_MAX];
	uint32_t lo, hi;
	struct zq q = {db, z, name, rel(name, z, short_name, sizeof(short_name)), NULL, qtype, h, r, st};
	st->src = DNS_SRC_ZONE;
	st->zone = zi;
	next[0] = '\0';
	name_range(t, z, name, &lo, &hi);
	int exists = lo < hi || name_exists(t, z, name);
	if (!exists && wildcard(t, z, name, &lo, &hi, star, sizeof(star))) {
		exists = 1;
		q.via = star;
	}
	if (lo == hi)
		return negative(&q, exists);
	st->rcode = DNS_NOERROR;
	/* A CNAME stands alone at its name (the checker sees to it) */
	for (uint32_t i = lo; i < hi; i++)
		if (t->records[i].type == VL_RR_CNAME)
			return cname(&q, i, next, next_cap);
	return sets(&q, lo, hi);
}
