/* The resolution as JSON (dns_json.h): the one file of control/dns that includes jansson. Names
 * of zones, instances and load balancers come from the tables the result was made on. */
#include <errno.h>

#include "control/dns/dns_json.h"

const char *dns_src_name(uint8_t src)
{
	static const char *const names[] = {"none", "zone", "private_name", "public_name", "ptr",
					    "load_balancer", "short_name"};
	return src < sizeof(names) / sizeof(names[0]) ? names[src] : "none";
}

static json_t *rrs(const struct dns_rr *a, uint32_t n)
{
	json_t *arr = json_array();
	char tn[16];
	for (uint32_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:s}", "name", a[i].owner, "type",
							 dns_type_name(a[i].type, tn), "ttl", (json_int_t)a[i].ttl,
							 "data", a[i].rdata)) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static const char *failover_name(uint8_t f)
{
	return f == VL_FO_PRIMARY ? "primary" : f == VL_FO_SECONDARY ? "secondary" : NULL;
}

static json_t *step(const struct dns_step *st, const struct vl_tables *t)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", st->name, "source", dns_src_name(st->src), "rcode",
			      dns_rcode_name(st->rcode), "why", st->why);
	if (!o)
		return NULL;
	int bad = 0;
	if (st->zone < t->n_zones)
		bad |= json_object_set_new(o, "zone", json_string(t->zones[st->zone].name));
	if (st->record < t->n_records) {
		const struct vl_dns_record *rec = &t->records[st->record];
		json_t *r = json_pack("{s:s, s:s}", "name", rec->name, "type", vl_rr_name(rec->type));
		if (r && failover_name(rec->failover))
			bad |= json_object_set_new(r, "failover", json_string(failover_name(rec->failover)));
		bad |= json_object_set_new(o, "record", r);
	}
	if (st->port < t->n_ports)
		bad |= json_object_set_new(o, "instance", json_string(t->ports[st->port].name));
	if (st->lb < t->n_lbs)
		bad |= json_object_set_new(o, "load_balancer", json_string(t->lbs[st->lb].name));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *dns_result_json(const struct dns_result *r, const struct vl_tables *t)
{
	char tn[16];
	json_t *an = rrs(r->an, r->n_an), *ns = rrs(r->ns, r->n_ns), *steps = json_array(), *o = NULL;
	for (uint32_t i = 0; steps && i < r->n_steps; i++)
		if (json_array_append_new(steps, step(&r->steps[i], t)) < 0) {
			json_decref(steps);
			steps = NULL;
		}
	if (an && ns && steps) /* "o" takes the references, also when json_pack fails */
		o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "type", dns_type_name(r->qtype, tn), "rcode",
			      dns_rcode_name(r->rcode), "answers", an, "authority", ns, "steps", steps);
	else {
		json_decref(an);
		json_decref(ns);
		json_decref(steps);
	}
	if (o && r->note[0] && json_object_set_new(o, "note", json_string(r->note)) < 0) {
		json_decref(o);
		o = NULL;
	}
	if (!o)
		errno = ENOMEM;
	return o;
}
