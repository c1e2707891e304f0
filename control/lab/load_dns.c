/* The loader's schemas for the resolver and Route 53 (rule-file.md "The VPC resolver and
 * Route 53"): a VPC's `dns:`, top-level `hosted_zones:` with their records and top-level
 * `health_checks:`. Structure only, like load_lb.c; meanings and defaults are check_dns.c's. */
#include <stddef.h>

#include "control/lab/load.h"

static const struct ld_field vpc_dns_fields[] = {
	{ "support", LD_BOOL, false, offsetof(struct lab_vpc_dns, support), NULL },
	{ "hostnames", LD_BOOL, false, offsetof(struct lab_vpc_dns, hostnames), NULL },
};
static const struct ld_schema vpc_dns_schema = { "vpc dns", vpc_dns_fields,
						 LD_N(vpc_dns_fields) };

void ld_vpc_dns(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->dns.set = ld_object(l, n, &vpc_dns_schema, &v->dns);
}

static const struct ld_field record_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_record, name), NULL },
	{ "type", LD_STR, true, offsetof(struct lab_record, type), NULL },
	{ "values", LD_NAMES, false, offsetof(struct lab_record, values), NULL },
	{ "ttl", LD_INT, false, offsetof(struct lab_record, ttl), NULL },
	{ "alias", LD_STR, false, offsetof(struct lab_record, alias), NULL },
	{ "failover", LD_STR, false, offsetof(struct lab_record, failover), NULL },
	{ "health_check", LD_STR, false, offsetof(struct lab_record, health_check), NULL },
};
static const struct ld_schema record_schema = { "record", record_fields, LD_N(record_fields) };

static void ld_zone_records(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_zone *z = obj;
	z->records = ld_seq(l, n, "records", "hosted zone", &record_schema, sizeof(*z->records),
			    &z->n_records);
}

static const struct ld_field zone_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_zone, name), NULL },
	{ "vpcs", LD_NAMES, true, offsetof(struct lab_zone, vpcs), NULL },
	{ "records", LD_CALL, false, 0, ld_zone_records },
};
static const struct ld_schema zone_schema = { "hosted zone", zone_fields, LD_N(zone_fields) };

void ld_lab_zones(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->zones = ld_seq(l, n, "hosted_zones", "lab", &zone_schema, sizeof(*m->zones), &m->n_zones);
}

static const struct ld_field r53_check_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_r53_check, name), NULL },
	{ "ip", LD_STR, true, offsetof(struct lab_r53_check, ip), NULL },
	{ "port", LD_INT, false, offsetof(struct lab_r53_check, port), NULL },
	{ "protocol", LD_STR, false, offsetof(struct lab_r53_check, protocol), NULL },
	{ "path", LD_STR, false, offsetof(struct lab_r53_check, path), NULL },
	{ "interval", LD_INT, false, offsetof(struct lab_r53_check, interval), NULL },
	{ "failure_threshold", LD_INT, false, offsetof(struct lab_r53_check, failure_threshold),
	  NULL },
};
static const struct ld_schema r53_check_schema = { "health check", r53_check_fields,
						   LD_N(r53_check_fields) };

void ld_lab_r53_checks(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->r53_checks = ld_seq(l, n, "health_checks", "lab", &r53_check_schema,
			       sizeof(*m->r53_checks), &m->n_r53_checks);
}
