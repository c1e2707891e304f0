/* lab_export's load balancing (target groups, load balancers with listeners and rules) and Auto
 * Scaling (launch templates, groups). Nodes are written { subnet, ip } with the address check
 * gave; targets that a group registered are the group's and left out with its instances. */
#include <string.h>

#include "control/lab/export_impl.h"

/* An auto scaling group's instance (its registrations are the group's). */
static bool ex_member(const struct ex *x, const struct lab_target *g)
{
	const struct lab_instance *in = g->instance.s ? lab_find_instance(x->m, g->instance.s) : NULL;
	return in && in->group;
}

static void ex_targets(struct ex *x, const struct lab_tg *t)
{
	size_t own = 0;
	for (size_t i = 0; i < t->n_targets; i++)
		own += !ex_member(x, &t->targets[i]);
	if (!own)
		return; /* none, or only the group's: as absent */
	ex_key(x, "targets");
	ex_seq(x, true);
	for (size_t i = 0; i < t->n_targets; i++) {
		const struct lab_target *g = &t->targets[i];
		if (ex_member(x, g))
			continue;
		if (!g->port.set) {
			ex_scalar(x, g->instance.s ? g->instance.s : "");
			continue;
		}
		ex_map(x, true);
		ex_str(x, "instance", &g->instance);
		ex_int(x, "port", &g->port);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static void ex_tg(struct ex *x, const struct lab_tg *t)
{
	ex_map(x, false);
	ex_str(x, "name", &t->name);
	ex_str(x, "protocol", &t->protocol);
	ex_int(x, "port", &t->port);
	ex_targets(x, t);
	if (t->health_check.set) {
		const struct lab_health_check *h = &t->health_check;
		ex_key(x, "health_check");
		ex_map(x, true);
		ex_str(x, "protocol", &h->protocol);
		ex_int(x, "port", &h->port);
		ex_str(x, "path", &h->path);
		ex_int(x, "interval", &h->interval);
		ex_int(x, "timeout", &h->timeout);
		ex_int(x, "healthy", &h->healthy);
		ex_int(x, "unhealthy", &h->unhealthy);
		ex_str(x, "matcher", &h->matcher);
		ex_end_map(x);
	}
	ex_int(x, "deregistration_delay", &t->deregistration_delay);
	ex_bool(x, "preserve_client_ip", &t->preserve_client_ip);
	if (t->stickiness.set) {
		ex_key(x, "stickiness");
		ex_map(x, true);
		ex_str(x, "type", &t->stickiness.type);
		ex_int(x, "duration", &t->stickiness.duration);
		ex_end_map(x);
	}
	ex_str(x, "algorithm", &t->algorithm);
	ex_end_map(x);
}

static void ex_rule(struct ex *x, const struct lab_lb_rule *r)
{
	ex_map(x, false);
	ex_int(x, "priority", &r->priority);
	ex_names(x, "host", &r->host);
	ex_names(x, "path", &r->path);
	ex_names(x, "method", &r->method);
	ex_names(x, "source_ip", &r->source_ip);
	if (r->header.set) {
		ex_key(x, "header");
		ex_map(x, true);
		ex_str(x, "name", &r->header.name);
		ex_names(x, "value", &r->header.value);
		ex_end_map(x);
	}
	if (r->query_set) {
		ex_key(x, "query");
		ex_seq(x, true);
		for (size_t i = 0; i < r->n_query; i++) {
			ex_map(x, true);
			ex_str(x, "key", &r->query[i].key);
			ex_str(x, "value", &r->query[i].value);
			ex_end_map(x);
		}
		ex_end_seq(x);
	}
	ex_str(x, "forward", &r->forward);
	if (r->fixed_response.set) {
		const struct lab_fixed_response *f = &r->fixed_response;
		ex_key(x, "fixed_response");
		ex_map(x, true);
		ex_int(x, "status", &f->status);
		ex_str(x, "body", &f->body);
		ex_str(x, "content_type", &f->content_type);
		ex_end_map(x);
	}
	if (r->redirect.set) {
		const struct lab_redirect *d = &r->redirect;
		ex_key(x, "redirect");
		ex_map(x, true);
		ex_str(x, "status", &d->status);
		ex_str(x, "protocol", &d->protocol);
		ex_str(x, "host", &d->host);
		ex_str(x, "port", &d->port);
		ex_str(x, "path", &d->path);
		ex_str(x, "query", &d->query);
		ex_end_map(x);
	}
	ex_end_map(x);
}

static void ex_listener(struct ex *x, const struct lab_listener *l)
{
	ex_map(x, !l->rules_set);
	ex_str(x, "protocol", &l->protocol);
	ex_int(x, "port", &l->port);
	ex_str(x, "forward", &l->forward);
	ex_str(x, "default", &l->dflt);
	ex_int(x, "idle_timeout", &l->idle_timeout);
	if (l->rules_set) {
		ex_key(x, "rules");
		ex_seq(x, false);
		for (size_t i = 0; i < l->n_rules; i++)
			ex_rule(x, &l->rules[i]);
		ex_end_seq(x);
	}
	ex_end_map(x);
}

/* elastic_ips: the file's, then the ones export.c made for nodes whose pool address a fresh
 * check would not give back. */
static void ex_lb_eips(struct ex *x, const struct lab_lb *b)
{
	size_t conv = 0;
	for (size_t j = 0; j < b->n_nodes; j++) {
		size_t k = ex_node_k(x, &b->nodes[j]);
		conv += k < x->n_node && b->nodes[j].addr_ok && x->node_eip[k][0];
	}
	if (!b->n_eips && !conv)
		return;
	ex_key(x, "elastic_ips");
	ex_map(x, true);
	for (size_t i = 0; i < b->n_eips; i++)
		ex_str(x, b->eips[i].subnet.s ? b->eips[i].subnet.s : "", &b->eips[i].eip);
	for (size_t j = 0; j < b->n_nodes; j++) {
		size_t k = ex_node_k(x, &b->nodes[j]);
		if (k < x->n_node && b->nodes[j].addr_ok && x->node_eip[k][0])
			ex_cstr(x, b->nodes[j].subnet.s ? b->nodes[j].subnet.s : "", x->node_eip[k]);
	}
	ex_end_map(x);
}

static void ex_lb(struct ex *x, const struct lab_lb *b)
{
	ex_map(x, false);
	ex_str(x, "name", &b->name);
	ex_str(x, "type", &b->type);
	ex_str(x, "scheme", &b->scheme);
	ex_key(x, "subnets");
	ex_seq(x, false);
	for (size_t j = 0; j < b->n_nodes; j++) {
		ex_map(x, true);
		ex_str(x, "subnet", &b->nodes[j].subnet);
		ex_ip(x, "ip", &b->nodes[j].ip, b->nodes[j].addr_ok, b->nodes[j].addr);
		ex_end_map(x);
	}
	ex_end_seq(x);
	ex_lb_eips(x, b);
	ex_names(x, "security_groups", &b->security_groups);
	ex_bool(x, "cross_zone", &b->cross_zone);
	if (b->n_listeners) {
		ex_key(x, "listeners");
		ex_seq(x, false);
		for (size_t i = 0; i < b->n_listeners; i++)
			ex_listener(x, &b->listeners[i]);
		ex_end_seq(x);
	}
	ex_end_map(x);
}

void ex_vpc_lb(struct ex *x, const struct lab_vpc *v)
{
	if (v->n_tgs) {
		ex_key(x, "target_groups");
		ex_seq(x, false);
		for (size_t i = 0; i < v->n_tgs; i++)
			ex_tg(x, &v->tgs[i]);
		ex_end_seq(x);
	}
	if (v->n_lbs) {
		ex_key(x, "load_balancers");
		ex_seq(x, false);
		for (size_t i = 0; i < v->n_lbs; i++)
			ex_lb(x, &v->lbs[i]);
		ex_end_seq(x);
	}
}

static void ex_asg(struct ex *x, const struct lab_asg *g)
{
	ex_map(x, false);
	ex_str(x, "name", &g->name);
	ex_str(x, "launch_template", &g->launch_template);
	ex_names(x, "subnets", &g->subnets);
	ex_int(x, "min", &g->min);
	ex_int(x, "desired", &g->desired);
	ex_int(x, "max", &g->max);
	ex_names(x, "target_groups", &g->target_groups);
	if (g->health_check.set) {
		ex_key(x, "health_check");
		ex_map(x, true);
		ex_str(x, "type", &g->health_check.type);
		ex_int(x, "grace_period", &g->health_check.grace_period);
		ex_end_map(x);
	}
	ex_int(x, "metric_period", &g->metric_period);
	ex_int(x, "cooldown", &g->cooldown);
	if (g->n_policies) {
		ex_key(x, "policies");
		ex_seq(x, false);
		for (size_t i = 0; i < g->n_policies; i++) {
			const struct lab_asg_policy *p = &g->policies[i];
			ex_map(x, true);
			ex_str(x, "name", &p->name);
			ex_str(x, "type", &p->type);
			ex_str(x, "metric", &p->metric);
			ex_str(x, "target", &p->target);
			ex_end_map(x);
		}
		ex_end_seq(x);
	}
	ex_end_map(x);
}

void ex_vpc_asg(struct ex *x, const struct lab_vpc *v)
{
	if (v->n_templates) {
		ex_key(x, "launch_templates");
		ex_seq(x, false);
		for (size_t i = 0; i < v->n_templates; i++) {
			const struct lab_launch_template *t = &v->templates[i];
			ex_map(x, !t->run.s);
			ex_str(x, "name", &t->name);
			ex_names(x, "security_groups", &t->security_groups);
			ex_str(x, "run", &t->run);
			ex_bool(x, "public_ip", &t->public_ip);
			ex_bool(x, "source_dest_check", &t->source_dest_check);
			ex_end_map(x);
		}
		ex_end_seq(x);
	}
	if (v->n_asgs) {
		ex_key(x, "auto_scaling_groups");
		ex_seq(x, false);
		for (size_t i = 0; i < v->n_asgs; i++)
			ex_asg(x, &v->asgs[i]);
		ex_end_seq(x);
	}
}
