/* The loader's schemas for Elastic Load Balancing inside a VPC: `target_groups:` and
 * `load_balancers:` (rule-file.md "Load balancers and target groups"). Structure only, like
 * load_vpc.c; lists whose items are a name or a mapping (targets, a load balancer's subnets) and
 * the `elastic_ips` map are walked here. Meanings and defaults are check_lb.c's. */
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
};
const struct ld_schema ld_tg_schema = { "target group", tg_fields, LD_N(tg_fields) };

/* Load balancers. */

static const struct ld_field fixed_fields[] = {
	{ "status", LD_INT, true, offsetof(struct lab_fixed_response, status), NULL },
	{ "body", LD_STR, false, offsetof(struct lab_fixed_response, body), NULL },
};
static const struct ld_schema fixed_schema = { "fixed_response", fixed_fields, LD_N(fixed_fields) };

static void ld_rule_fixed(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_lb_rule *r = obj;
	r->fixed_response.set = ld_object(l, n, &fixed_schema, &r->fixed_response);
}

static const struct ld_field rule_fields[] = {
	{ "priority", LD_INT, true, offsetof(struct lab_lb_rule, priority), NULL },
	{ "host", LD_STR, false, offsetof(struct lab_lb_rule, host), NULL },
	{ "path", LD_STR, false, offsetof(struct lab_lb_rule, path), NULL },
	{ "forward", LD_STR, false, offsetof(struct lab_lb_rule, forward), NULL },
	{ "fixed_response", LD_CALL, false, 0, ld_rule_fixed },
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
