/* lab_export's DNS: a VPC's `dns:` attributes, and the top-level Route 53 hosted zones and
 * health checks, as written (a record's name "@" is quoted by the emitter, not here). */
#include "control/lab/export_impl.h"

void ex_vpc_dns(struct ex *x, const struct lab_vpc *v)
{
	if (!v->dns.set)
		return;
	ex_key(x, "dns");
	ex_map(x, true);
	ex_bool(x, "support", &v->dns.support);
	ex_bool(x, "hostnames", &v->dns.hostnames);
	ex_end_map(x);
}

static void ex_record(struct ex *x, const struct lab_record *r)
{
	ex_map(x, true);
	ex_str(x, "name", &r->name);
	ex_str(x, "type", &r->type);
	ex_int(x, "ttl", &r->ttl);
	ex_str(x, "alias", &r->alias);
	ex_str(x, "failover", &r->failover);
	ex_str(x, "health_check", &r->health_check);
	ex_names(x, "values", &r->values);
	ex_end_map(x);
}

void ex_zones(struct ex *x)
{
	const struct lab *m = x->m;
	if (m->n_zones) {
		ex_key(x, "hosted_zones");
		ex_seq(x, false);
		for (size_t i = 0; i < m->n_zones; i++) {
			const struct lab_zone *z = &m->zones[i];
			ex_map(x, false);
			ex_str(x, "name", &z->name);
			ex_names(x, "vpcs", &z->vpcs);
			if (z->n_records) {
				ex_key(x, "records");
				ex_seq(x, false);
				for (size_t r = 0; r < z->n_records; r++)
					ex_record(x, &z->records[r]);
				ex_end_seq(x);
			}
			ex_end_map(x);
		}
		ex_end_seq(x);
	}
	if (!m->n_r53_checks)
		return;
	ex_key(x, "health_checks");
	ex_seq(x, false);
	for (size_t i = 0; i < m->n_r53_checks; i++) {
		const struct lab_r53_check *c = &m->r53_checks[i];
		ex_map(x, true);
		ex_str(x, "name", &c->name);
		ex_str(x, "ip", &c->ip);
		ex_int(x, "port", &c->port);
		ex_str(x, "protocol", &c->protocol);
		ex_str(x, "path", &c->path);
		ex_int(x, "interval", &c->interval);
		ex_int(x, "failure_threshold", &c->failure_threshold);
		ex_end_map(x);
	}
	ex_end_seq(x);
}
