/* The loader's schemas for Elastic Load Balancing inside a VPC: `target_groups:` and
 * `load_balancers:` (rule-file.md "Load balancers and target groups"). Structure only, like
 * load_vpc.c; lists whose items are a name or a mapping (targets, a load balancer's subnets) and
 * the `elastic_ips` map are walked here, and so are a listener rule's conditions (each a string
 * or a list of strings; `query` a list of pairs or one pair). Meanings and defaults are
 * check_lb.c's. */
#include <stddef.h>

#include "control/lab/load.h"

/* Target groups. */

static const struct ld_field target_fields[] = {
	{ "instance", LD_STR, true, offsetof(struct lab_target, instance), NULL },
	{ "port", LD_INT, false, offsetof(struct lab_target, port), NULL },
};
static const struct ld_schema target_schema = { "target", target_fields, LD_N(target_fields) };

static const struct ld_field hc_fields[] = {
	{ "protocol", LD_STR, false, offsetof(struct lab_health_check, protocol), NULL },
	{ "port", LD_INT, false, offsetof(struct lab_health_check, port), NULL },
	{ "path", LD_STR, false, offsetof(struct lab_health_check, path), NULL },
	{ "interval", LD_INT, false, offsetof(struct lab_health_check, interval), NULL },
	{ "timeout", LD_INT, false, offsetof(struct lab_health_check, timeout), NULL },
	{ "healthy", LD_INT, false, offsetof(struct lab_health_check, healthy), NULL },
	{ "unhealthy", LD_INT, false, offsetof(struct lab_health_check, unhealthy), NULL },
	{ "matcher", LD_STR, false, offsetof(struct lab_health_check, matcher), NULL },
};
static const struct ld_schema hc_schema = { "health check", hc_fields, LD_N(hc_fields) };

static const struct ld_field sticky_fields[] = {
	{ "type", LD_STR, true, offsetof(struct lab_stickiness, type), NULL },
	{ "duration", LD_INT, false, offsetof(struct lab_stickiness, duration), NULL },
};
static const struct ld_schema sticky_schema = { "stickiness", sticky_fields, LD_N(sticky_fields) };

/* A list whose items are each a name (stored through name_off) or a mapping of schema s. */
static void *ld_names_or_objects(struct ld *l, yaml_node_t *n, const char *key, const char *in,
				 const struct ld_schema *s, size_t size, size_t name_off,
				 size_t *count)
{
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_type_error(l, n, key, in, "a list");
		return NULL;
	}
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	char *v = lab_alloc(l->m, (len ? len : 1) * size);
	if (!v) {
		ld_oom(l);
		return NULL;
	}
	for (size_t i = 0; i < len && !l->stop; i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, n->data.sequence.items.start[i]);
		char *obj = v + *count * size;
		if (!it)
			continue;
		if (it->type == YAML_MAPPING_NODE) {
			if (ld_object(l, it, s, obj))
				(*count)++;
		} else if (ld_string(l, it, key, in, (struct lab_str *)(obj + name_off))) {
			*(struct loc *)obj = ld_loc(l, it);
			(*count)++;
		}
	}
	return v;
}

static void ld_tg_targets(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_tg *g = obj;
	g->targets = ld_names_or_objects(l, n, "targets", "target group", &target_schema,
					 sizeof(*g->targets), offsetof(struct lab_target, instance),
					 &g->n_targets);
}

static void ld_tg_hc(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_tg *g = obj;
	g->health_check.set = ld_object(l, n, &hc_schema, &g->health_check);
}

static void ld_tg_sticky(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_tg *g = obj;
	g->stickiness.set = ld_object(l, n, &sticky_schema, &g->stickiness);
}

static const struct ld_field tg_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_tg, name), NULL },
	{ "protocol", LD_STR, true, offsetof(struct lab_tg, protocol), NULL },
	{ "port", LD_INT, true, offsetof(struct lab_tg, port), NULL },
	{ "targets", LD_CALL, false, 0, ld_tg_targets },
	{ "health_check", LD_CALL, false, 0, ld_tg_hc },
	{ "deregistration_delay", LD_INT, false, offsetof(struct lab_tg, deregistration_delay), NULL },
	{ "preserve_client_ip", LD_BOOL, false, offsetof(struct lab_tg, preserve_client_ip), NULL },
	{ "stickiness", LD_CALL, false, 0, ld_tg_sticky },
	{ "algorithm", LD_STR, false, offsetof(struct lab_tg, algorithm), NULL },
};
const struct ld_schema ld_tg_schema = { "target group", tg_fields, LD_N(tg_fields) };

/* Load balancers. */

/* A string or a list of strings (a condition's values): a string is a list of one. `set` says
 * the values were given, each well formed (none: check reports an empty list). */
static void ld_strs(struct ld *l, yaml_node_t *n, const char *key, const char *in,
		    struct lab_names *out)
{
	size_t len = n->type == YAML_SEQUENCE_NODE
			     ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			     : 1;
	out->at = ld_loc(l, n);
	if (n->type == YAML_MAPPING_NODE) {
		ld_type_error(l, n, key, in, "a string or a list of strings");
		return;
	}
	out->v = lab_alloc(l->m, (len ? len : 1) * sizeof(*out->v));
	if (!out->v) {
		ld_oom(l);
		return;
	}
	out->set = true;
	if (n->type != YAML_SEQUENCE_NODE) {
		out->n = ld_string(l, n, key, in, &out->v[0]);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, n->data.sequence.items.start[i]);
		if (it && it->type != YAML_SCALAR_NODE) {
			ld_type_error(l, it, key, in, "a string or a list of strings");
			out->set = false;
		} else if (it && ld_string(l, it, key, in, &out->v[out->n])) {
			out->n++;
		} else {
			out->set = false;
		}
	}
}

static const struct ld_field fixed_fields[] = {
	{ "status", LD_INT, true, offsetof(struct lab_fixed_response, status), NULL },
	{ "body", LD_STR, false, offsetof(struct lab_fixed_response, body), NULL },
	{ "content_type", LD_STR, false, offsetof(struct lab_fixed_response, content_type), NULL },
};
static const struct ld_schema fixed_schema = { "fixed_response", fixed_fields, LD_N(fixed_fields) };

static void ld_rule_fixed(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb_rule *r = obj;
	r->fixed_response.set = ld_object(l, n, &fixed_schema, &r->fixed_response);
}

/* The status is a string: AWS writes HTTP_301, the lab also takes 301. */
static const struct ld_field redirect_fields[] = {
	{ "status", LD_STR, true, offsetof(struct lab_redirect, status), NULL },
	{ "protocol", LD_STR, false, offsetof(struct lab_redirect, protocol), NULL },
	{ "host", LD_STR, false, offsetof(struct lab_redirect, host), NULL },
	{ "port", LD_STR, false, offsetof(struct lab_redirect, port), NULL },
	{ "path", LD_STR, false, offsetof(struct lab_redirect, path), NULL },
	{ "query", LD_STR, false, offsetof(struct lab_redirect, query), NULL },
};
static const struct ld_schema redirect_schema = { "redirect", redirect_fields,
						  LD_N(redirect_fields) };

static void ld_rule_redirect(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb_rule *r = obj;
	r->redirect.set = ld_object(l, n, &redirect_schema, &r->redirect);
}

static void ld_header_value(struct ld *l, yaml_node_t *n, void *obj)
{
	ld_strs(l, n, "value", "header", &((struct lab_lb_header *)obj)->value);
}

static const struct ld_field header_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_lb_header, name), NULL },
	{ "value", LD_CALL, true, 0, ld_header_value },
};
static const struct ld_schema header_schema = { "header", header_fields, LD_N(header_fields) };

/* One header condition per rule: a list of them is refused here, where it is written. */
static void ld_rule_header(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb_rule *r = obj;
	r->conds_given = true;
	if (n->type == YAML_SEQUENCE_NODE) {
		diag_error(l->d, ld_loc(l, n), "a listener rule has one header condition: 'header' "
			   "is a mapping { name, value } (its value may be a list)");
		return;
	}
	r->header.set = ld_object(l, n, &header_schema, &r->header);
}

static const struct ld_field query_fields[] = {
	{ "key", LD_STR, false, offsetof(struct lab_lb_query, key), NULL },
	{ "value", LD_STR, true, offsetof(struct lab_lb_query, value), NULL },
};
static const struct ld_schema query_schema = { "query", query_fields, LD_N(query_fields) };

/* A list of { key, value } pairs, or one such mapping. */
static void ld_rule_query(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb_rule *r = obj;
	r->query_at = ld_loc(l, n);
	r->conds_given = true;
	if (n->type == YAML_MAPPING_NODE) {
		r->query = lab_alloc(l->m, sizeof(*r->query));
		if (!r->query) {
			ld_oom(l);
			return;
		}
		r->query_set = true;
		r->n_query = ld_object(l, n, &query_schema, r->query);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_type_error(l, n, "query", "listener rule", "a list of { key, value } or one such "
			      "mapping");
		return;
	}
	r->query = ld_seq(l, n, "query", "listener rule", &query_schema, sizeof(*r->query),
			  &r->n_query);
	/* An item that is no mapping is reported; the list is then not "empty". */
	r->query_set = r->n_query == (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static void ld_rule_host(struct ld *l, yaml_node_t *n, void *obj)
{
	((struct lab_lb_rule *)obj)->conds_given = true;
	ld_strs(l, n, "host", "listener rule", &((struct lab_lb_rule *)obj)->host);
}

static void ld_rule_path(struct ld *l, yaml_node_t *n, void *obj)
{
	((struct lab_lb_rule *)obj)->conds_given = true;
	ld_strs(l, n, "path", "listener rule", &((struct lab_lb_rule *)obj)->path);
}

static void ld_rule_method(struct ld *l, yaml_node_t *n, void *obj)
{
	((struct lab_lb_rule *)obj)->conds_given = true;
	ld_strs(l, n, "method", "listener rule", &((struct lab_lb_rule *)obj)->method);
}

static void ld_rule_source(struct ld *l, yaml_node_t *n, void *obj)
{
	((struct lab_lb_rule *)obj)->conds_given = true;
	ld_strs(l, n, "source_ip", "listener rule", &((struct lab_lb_rule *)obj)->source_ip);
}

static const struct ld_field rule_fields[] = {
	{ "priority", LD_INT, true, offsetof(struct lab_lb_rule, priority), NULL },
	{ "host", LD_CALL, false, 0, ld_rule_host },
	{ "path", LD_CALL, false, 0, ld_rule_path },
	{ "method", LD_CALL, false, 0, ld_rule_method },
	{ "source_ip", LD_CALL, false, 0, ld_rule_source },
	{ "header", LD_CALL, false, 0, ld_rule_header },
	{ "query", LD_CALL, false, 0, ld_rule_query },
	{ "forward", LD_STR, false, offsetof(struct lab_lb_rule, forward), NULL },
	{ "fixed_response", LD_CALL, false, 0, ld_rule_fixed },
	{ "redirect", LD_CALL, false, 0, ld_rule_redirect },
};
static const struct ld_schema rule_schema = { "listener rule", rule_fields, LD_N(rule_fields) };

static void ld_listener_rules(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_listener *x = obj;
	x->rules = ld_seq(l, n, "rules", "listener", &rule_schema, sizeof(*x->rules), &x->n_rules);
	x->rules_set = true;
}

static const struct ld_field listener_fields[] = {
	{ "protocol", LD_STR, true, offsetof(struct lab_listener, protocol), NULL },
	{ "port", LD_INT, true, offsetof(struct lab_listener, port), NULL },
	{ "forward", LD_STR, false, offsetof(struct lab_listener, forward), NULL },
	{ "default", LD_STR, false, offsetof(struct lab_listener, dflt), NULL },
	{ "idle_timeout", LD_INT, false, offsetof(struct lab_listener, idle_timeout), NULL },
	{ "rules", LD_CALL, false, 0, ld_listener_rules },
};
static const struct ld_schema listener_schema = { "listener", listener_fields,
						  LD_N(listener_fields) };

static const struct ld_field node_fields[] = {
	{ "subnet", LD_STR, true, offsetof(struct lab_lb_node, subnet), NULL },
	{ "ip", LD_STR, false, offsetof(struct lab_lb_node, ip), NULL },
};
static const struct ld_schema node_schema = { "load balancer subnet", node_fields,
					      LD_N(node_fields) };

static void ld_lb_subnets(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb *b = obj;
	b->nodes = ld_names_or_objects(l, n, "subnets", "load balancer", &node_schema,
				       sizeof(*b->nodes), offsetof(struct lab_lb_node, subnet),
				       &b->n_nodes);
	b->nodes_set = n->type == YAML_SEQUENCE_NODE;
	b->nodes_at = ld_loc(l, n);
}

/* `elastic_ips: { SUBNET: EIP, ... }`: a map, its keys the load balancer's subnets. */
static void ld_lb_eips(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb *b = obj;
	b->eips_at = ld_loc(l, n);
	if (n->type != YAML_MAPPING_NODE) {
		ld_type_error(l, n, "elastic_ips", "load balancer", "a mapping of subnet: elastic ip");
		return;
	}
	size_t len = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	b->eips = lab_alloc(l->m, (len ? len : 1) * sizeof(*b->eips));
	if (!b->eips) {
		ld_oom(l);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		struct lab_lb_eip *e = &b->eips[b->n_eips];
		if (k && v && ld_string(l, k, "elastic_ips", "load balancer", &e->subnet) &&
		    ld_string(l, v, "elastic_ips", "load balancer", &e->eip))
			b->n_eips++;
	}
}

static void ld_lb_listeners(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb *b = obj;
	b->listeners = ld_seq(l, n, "listeners", "load balancer", &listener_schema,
			      sizeof(*b->listeners), &b->n_listeners);
}

static const struct ld_field lb_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_lb, name), NULL },
	{ "type", LD_STR, false, offsetof(struct lab_lb, type), NULL },
	{ "scheme", LD_STR, false, offsetof(struct lab_lb, scheme), NULL },
	{ "subnets", LD_CALL, true, 0, ld_lb_subnets },
	{ "elastic_ips", LD_CALL, false, 0, ld_lb_eips },
	{ "security_groups", LD_NAMES, false, offsetof(struct lab_lb, security_groups), NULL },
	{ "cross_zone", LD_BOOL, false, offsetof(struct lab_lb, cross_zone), NULL },
	{ "listeners", LD_CALL, false, 0, ld_lb_listeners },
};
const struct ld_schema ld_lb_schema = { "load balancer", lb_fields, LD_N(lb_fields) };
