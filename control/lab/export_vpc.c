/* lab_export's VPC: attributes, subnets, route tables, network ACLs, security groups, NAT
 * gateways and instances (load balancing and Auto Scaling: export_lb.c; dns: export_dns.c).
 * Private addresses are written as check gave them, so the file renumbers nothing. */
#include "control/lab/export_impl.h"

static void ex_match(struct ex *x, const struct lab_match *m)
{
	ex_str(x, "protocol", &m->protocol);
	ex_str(x, "ports", &m->ports);
	ex_int(x, "icmp_type", &m->icmp_type);
	ex_int(x, "icmp_code", &m->icmp_code);
}

static void ex_subnets(struct ex *x, const struct lab_vpc *v)
{
	if (!v->n_subnets)
		return;
	ex_key(x, "subnets");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_subnets; i++) {
		const struct lab_subnet *s = &v->subnets[i];
		ex_map(x, true);
		ex_str(x, "name", &s->name);
		ex_str(x, "cidr", &s->cidr);
		ex_str(x, "az", &s->az);
		ex_str(x, "route_table", &s->route_table);
		ex_str(x, "network_acl", &s->network_acl);
		ex_bool(x, "map_public_ip", &s->map_public_ip);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_route_tables(struct ex *x, const struct lab_vpc *v)
{
	if (!v->n_route_tables)
		return;
	ex_key(x, "route_tables");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_route_tables; i++) {
		const struct lab_route_table *t = &v->route_tables[i];
		ex_map(x, false);
		ex_str(x, "name", &t->name);
		ex_bool(x, "main", &t->main);
		ex_key(x, "routes");
		ex_seq(x, false);
		for (size_t r = 0; r < t->n_routes; r++) {
			ex_map(x, true);
			ex_str(x, "destination", &t->routes[r].destination);
			ex_str(x, "target", &t->routes[r].target);
			ex_end_map(x);
		}
		ex_end_seq(x);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_acl_rules(struct ex *x, const char *k, const struct lab_acl_rule *r, size_t n)
{
	ex_key(x, k);
	ex_seq(x, false);
	for (size_t i = 0; i < n; i++) {
		ex_map(x, true);
		ex_int(x, "rule", &r[i].rule);
		ex_str(x, "action", &r[i].action);
		ex_match(x, &r[i].match);
		ex_str(x, "cidr", &r[i].cidr);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_acls(struct ex *x, const struct lab_vpc *v)
{
	if (!v->n_acls)
		return;
	ex_key(x, "network_acls");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_acls; i++) {
		const struct lab_acl *a = &v->acls[i];
		ex_map(x, false);
		ex_str(x, "name", &a->name);
		ex_acl_rules(x, "inbound", a->in, a->n_in);
		ex_acl_rules(x, "outbound", a->out, a->n_out);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_sg_rules(struct ex *x, const char *k, const struct lab_sg_rule *r, size_t n)
{
	ex_key(x, k);
	ex_seq(x, false);
	for (size_t i = 0; i < n; i++) {
		ex_map(x, true);
		ex_match(x, &r[i].match);
		ex_str(x, "cidr", &r[i].cidr);
		ex_str(x, "group", &r[i].group);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_sgs(struct ex *x, const struct lab_vpc *v)
{
	if (!v->n_sgs)
		return;
	ex_key(x, "security_groups");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_sgs; i++) {
		const struct lab_sg *g = &v->sgs[i];
		ex_map(x, false);
		ex_str(x, "name", &g->name);
		ex_str(x, "description", &g->description);
		ex_sg_rules(x, "inbound", g->in, g->n_in);
		/* absent: allow all outbound (a new AWS group); [] (written): none */
		if (g->out_set)
			ex_sg_rules(x, "outbound", g->out, g->n_out);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_natgws(struct ex *x, const struct lab_vpc *v)
{
	if (!v->n_natgws)
		return;
	ex_key(x, "nat_gateways");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_natgws; i++) {
		const struct lab_natgw *g = &v->natgws[i];
		ex_map(x, true);
		ex_str(x, "name", &g->name);
		ex_str(x, "subnet", &g->subnet);
		ex_str(x, "elastic_ip", &g->elastic_ip);
		ex_ip(x, "ip", &g->ip, g->addr_ok, g->addr);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_instances(struct ex *x, const struct lab_vpc *v)
{
	size_t own = 0;
	for (size_t i = 0; i < v->n_instances; i++)
		own += !v->instances[i].group;
	if (!own)
		return;
	ex_key(x, "instances");
	ex_seq(x, false);
	for (size_t i = 0; i < v->n_instances; i++) {
		const struct lab_instance *in = &v->instances[i];
		if (in->group)
			continue; /* its auto scaling group launches it */
		ex_map(x, !in->run.s); /* a command line reads better on its own line */
		ex_str(x, "name", &in->name);
		ex_str(x, "subnet", &in->subnet);
		ex_ip(x, "ip", &in->ip, in->addr_ok, in->addr);
		ex_names(x, "security_groups", &in->security_groups);
		ex_bool(x, "source_dest_check", &in->source_dest_check);
		ex_bool(x, "public_ip", &in->public_ip);
		ex_str(x, "run", &in->run);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

void ex_vpc(struct ex *x, const struct lab_vpc *v)
{
	ex_map(x, false);
	ex_str(x, "name", &v->name);
	ex_str(x, "cidr", &v->cidr);
	ex_bool(x, "internet_gateway", &v->internet_gateway);
	ex_vpc_dns(x, v);
	ex_subnets(x, v);
	ex_route_tables(x, v);
	ex_acls(x, v);
	ex_sgs(x, v);
	ex_natgws(x, v);
	ex_instances(x, v);
	ex_vpc_lb(x, v);
	ex_vpc_asg(x, v);
	ex_end_map(x);
}
