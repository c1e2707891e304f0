/* The resolver's index (dns_db.h): sorted arrays of table indexes and binary searches over them.
 * Holes left by `apply` (unused ports) and non-instance ports (internet hosts, load balancer
 * nodes) are left out, so a look-up can only find an instance. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/dns/dns_db.h"

static int cmp_ip(const void *a, const void *b, void *ctx)
{
	const struct vl_port *p = &((const struct vl_tables *)ctx)->ports[*(const uint16_t *)a];
	const struct vl_port *q = &((const struct vl_tables *)ctx)->ports[*(const uint16_t *)b];
	if (p->vpc != q->vpc)
		return p->vpc < q->vpc ? -1 : 1;
	return p->ip < q->ip ? -1 : p->ip > q->ip;
}

static int cmp_public(const void *a, const void *b, void *ctx)
{
	const struct vl_port *p = &((const struct vl_tables *)ctx)->ports[*(const uint16_t *)a];
	const struct vl_port *q = &((const struct vl_tables *)ctx)->ports[*(const uint16_t *)b];
	return p->public_ip < q->public_ip ? -1 : p->public_ip > q->public_ip;
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct vl_tables *t = ctx;
	return strcasecmp(t->ports[*(const uint16_t *)a].name, t->ports[*(const uint16_t *)b].name);
}

static int cmp_lb(const void *a, const void *b, void *ctx)
{
	const struct vl_tables *t = ctx;
	return strcasecmp(t->lbs[*(const uint16_t *)a].dns, t->lbs[*(const uint16_t *)b].dns);
}

static int cmp_zone(const void *a, const void *b, void *ctx)
{
	const struct vl_tables *t = ctx;
	int c = strcmp(t->zones[*(const uint16_t *)a].name, t->zones[*(const uint16_t *)b].name);
	return c ? c : *(const uint16_t *)a - *(const uint16_t *)b;
}

static uint16_t *alloc_index(uint32_t n)
{
	return calloc(n ? n : 1, sizeof(uint16_t));
}

struct dns_db *dns_db_create(const struct vl_tables *t)
{
	struct dns_db *db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->t = t;
	db->by_ip = alloc_index(t->n_ports);
	db->by_public = alloc_index(t->n_ports);
	db->by_name = alloc_index(t->n_ports);
	db->lbs = alloc_index(t->n_lbs);
	db->zones = alloc_index(t->n_zones);
	if (!db->by_ip || !db->by_public || !db->by_name || !db->lbs || !db->zones) {
		dns_db_destroy(db);
		errno = ENOMEM;
		return NULL;
	}
	for (uint16_t i = 0; i < t->n_ports; i++) {
		const struct vl_port *p = &t->ports[i];
		if (!vl_port_used(p) || p->kind != VL_PORT_INSTANCE || p->vpc >= t->n_vpcs)
			continue;
		db->by_ip[db->n_by_ip++] = i;
		db->by_name[db->n_by_name++] = i;
		if (p->public_ip)
			db->by_public[db->n_by_public++] = i;
	}
	for (uint16_t i = 0; i < t->n_lbs; i++)
		if (t->lbs[i].dns[0])
			db->lbs[db->n_lbs++] = i;
	for (uint16_t i = 0; i < t->n_zones; i++)
		db->zones[db->n_zones++] = i;
	void *ctx = (void *)t;
	qsort_r(db->by_ip, db->n_by_ip, sizeof(uint16_t), cmp_ip, ctx);
	qsort_r(db->by_public, db->n_by_public, sizeof(uint16_t), cmp_public, ctx);
	qsort_r(db->by_name, db->n_by_name, sizeof(uint16_t), cmp_name, ctx);
	qsort_r(db->lbs, db->n_lbs, sizeof(uint16_t), cmp_lb, ctx);
	qsort_r(db->zones, db->n_zones, sizeof(uint16_t), cmp_zone, ctx);
	return db;
}

void dns_db_destroy(struct dns_db *db)
{
	if (!db)
		return;
	free(db->by_ip);
	free(db->by_public);
	free(db->by_name);
	free(db->lbs);
	free(db->zones);
	free(db);
}

/* The first position in idx[0..n) whose entry is not below the key (cmp(entry) >= 0). */
static uint32_t lower_bound(const uint16_t *idx, uint32_t n, int (*cmp)(const void *, uint16_t),
			    const void *key)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cmp(key, idx[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ip_key {
	const struct vl_tables *t;
	uint16_t vpc;
	uint32_t ip;
};

/* key vs entry: > 0 when the key sorts after the entry. */
static int key_ip(const void *k, uint16_t e)
{
	const struct ip_key *key = k;
	const struct vl_port *p = &key->t->ports[e];
	if (key->vpc != p->vpc)
		return key->vpc > p->vpc ? 1 : -1;
	return key->ip > p->ip ? 1 : key->ip < p->ip ? -1 : 0;
}

static int key_public(const void *k, uint16_t e)
{
	const struct ip_key *key = k;
	uint32_t ip = key->t->ports[e].public_ip;
	return key->ip > ip ? 1 : key->ip < ip ? -1 : 0;
}

struct name_key {
	const struct vl_tables *t;
	const char *name;
};

static int key_name(const void *k, uint16_t e)
{
	const struct name_key *key = k;
	return strcasecmp(key->name, key->t->ports[e].name);
}

static int key_lb(const void *k, uint16_t e)
{
	const struct name_key *key = k;
	return strcasecmp(key->name, key->t->lbs[e].dns);
}

static int key_zone(const void *k, uint16_t e)
{
	const struct name_key *key = k;
	return strcmp(key->name, key->t->zones[e].name);
}

static uint16_t find(const uint16_t *idx, uint32_t n, int (*cmp)(const void *, uint16_t),
		     const void *key)
{
	uint32_t at = lower_bound(idx, n, cmp, key);
	return at < n && cmp(key, idx[at]) == 0 ? idx[at] : VL_NONE;
}

uint16_t dns_db_instance(const struct dns_db *db, uint16_t vpc, uint32_t ip)
{
	struct ip_key k = {db->t, vpc, ip};
	return find(db->by_ip, db->n_by_ip, key_ip, &k);
}

uint16_t dns_db_public(const struct dns_db *db, uint32_t public_ip)
{
	struct ip_key k = {db->t, 0, public_ip};
	return public_ip ? find(db->by_public, db->n_by_public, key_public, &k) : VL_NONE;
}

uint16_t dns_db_named(const struct dns_db *db, const char *name)
{
	struct name_key k = {db->t, name};
	return find(db->by_name, db->n_by_name, key_name, &k);
}

uint16_t dns_db_lb(const struct dns_db *db, const char *dns)
{
	struct name_key k = {db->t, dns};
	return find(db->lbs, db->n_lbs, key_lb, &k);
}

uint16_t dns_db_zone(const struct dns_db *db, const char *name, uint16_t vpc)
{
	if (vpc == VL_NONE)
		return VL_NONE;
	/* name, then each parent: the first suffix that is an associated zone is the most specific */
	for (const char *s = name;; s++) {
		struct name_key k = {db->t, s};
		for (uint32_t at = lower_bound(db->zones, db->n_zones, key_zone, &k);
		     at < db->n_zones && key_zone(&k, db->zones[at]) == 0; at++)
			if (vl_zone_has_vpc(&db->t->zones[db->zones[at]], vpc))
				return db->zones[at];
		s = strchr(s, '.');
		if (!s)
			return VL_NONE;
	}
}
