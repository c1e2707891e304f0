/* Compiling the resolver's attributes and Route 53 (tables_dns.h): each VPC's attributes in
 * effect, the zones with their associated VPCs, record sets in the order check_dns.c sorted
 * them (name, type, failover role), their values, and health checks with Route 53's defaults
 * (http on port 80, path "/", every 30 s, 3 failures). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/model.h"

#define R53_INTERVAL 30
#define R53_THRESHOLD 3

static void cp_r53_check(const struct lab_r53_check *h, struct vl_r53_check *d)
{
	snprintf(d->name, sizeof(d->name), "%s", h->name.s ? h->name.s : "");
	d->ip = h->addr;
	d->vpc = h->vpc;
	d->proto = h->proto;
	d->port = (uint16_t)(h->port.set ? h->port.v : 80);
	d->interval_s = (uint16_t)(h->interval.set ? h->interval.v : R53_INTERVAL);
	d->failure_threshold = (uint8_t)(h->failure_threshold.set ? h->failure_threshold.v
								   : R53_THRESHOLD);
	if (h->proto == VL_HC_HTTP)
		snprintf(d->path, sizeof(d->path), "%s", h->path.s ? h->path.s : "/");
}

static void cp_record(struct vl_tables *t, const struct lab_record *r)
{
	struct vl_dns_record *d = &t->records[t->n_records++];
	snprintf(d->name, sizeof(d->name), "%s", r->fqdn);
	d->zone = r->zone;
	d->type = r->rtype;
	d->failover = r->role;
	d->alias = r->alias.s ? r->lb : VL_NONE;
	d->health_check = r->hc;
	d->ttl = r->alias.s ? VL_DNS_ALIAS_TTL
			    : (uint32_t)(r->ttl.set ? r->ttl.v : VL_DNS_DEFAULT_TTL);
	d->value_first = t->n_dns_values;
	for (size_t i = 0; !r->alias.s && i < r->values.n; i++) {
		struct vl_dns_value *v = &t->dns_values[t->n_dns_values++];
		v->a = r->vals[i].a;
		memcpy(v->aaaa, r->vals[i].aaaa, sizeof(v->aaaa));
		snprintf(v->text, sizeof(v->text), "%s", r->vals[i].text);
	}
	d->value_count = t->n_dns_values - d->value_first;
}

static void cp_zone(struct vl_tables *t, const struct lab_zone *z)
{
	struct vl_zone *d = &t->zones[z->gidx];
	snprintf(d->name, sizeof(d->name), "%s", z->fqdn);
	d->n_vpcs = z->n_vpc_idx;
	memcpy(d->vpcs, z->vpc_idx, sizeof(d->vpcs));
	d->record_first = t->n_records;
	for (size_t i = 0; i < z->n_records; i++)
		cp_record(t, &z->records[z->order[i]]);
	d->record_count = t->n_records - d->record_first;
}

/* 0, or -ENOMEM (t keeps what it had; vl_tables_free releases it). Arrays stay NULL when the
 * lab has no zone or health check. */
int lab_compile_dns(const struct lab *m, struct vl_tables *t)
{
	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct lab_vpc *v = &m->vpcs[i];
		t->vpcs[v->gidx].dns_support = lab_vpc_dns_support(&v->dns);
		t->vpcs[v->gidx].dns_hostnames = lab_vpc_dns_hostnames(&v->dns);
	}
	if (m->n_zones) {
		t->zones = calloc(m->n_zones, sizeof(*t->zones));
		t->records = calloc(m->n_records ? m->n_records : 1, sizeof(*t->records));
		t->dns_values = calloc(m->n_dns_values ? m->n_dns_values : 1, sizeof(*t->dns_values));
		if (!t->zones || !t->records || !t->dns_values)
			return -ENOMEM;
	}
	if (m->n_r53_checks && !(t->r53_checks = calloc(m->n_r53_checks, sizeof(*t->r53_checks))))
		return -ENOMEM;
	t->n_zones = (uint16_t)m->n_zones;
	t->n_r53_checks = (uint16_t)m->n_r53_checks;
	t->n_records = t->n_dns_values = 0;
	for (size_t i = 0; i < m->n_r53_checks; i++)
		cp_r53_check(&m->r53_checks[i], &t->r53_checks[m->r53_checks[i].gidx]);
	for (size_t i = 0; i < m->n_zones; i++)
		cp_zone(t, &m->zones[i]);
	return 0;
}
