/* Compiling Elastic Load Balancing (tables_lb.h): target groups with their targets, load
 * balancers with their listeners (rules in priority order) and nodes. A node is a port of kind
 * VL_PORT_LB_NODE named after its load balancer, in its subnet as an instance would be, with the
 * load balancer's security groups. A listener rule's values become its conditions, one group
 * per key. Part of lab_compile (compile.c), which sized the arrays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/model.h"

static void cl_name(char dst[VL_NAME_MAX], const char *src)
{
	snprintf(dst, VL_NAME_MAX, "%s", src ? src : "");
}

static void cl_tg(const struct lab_tg *g, struct vl_tables *t)
{
	struct vl_tg *d = &t->tgs[g->gidx];
	cl_name(d->name, g->name.s);
	d->vpc = g->vpc;
	d->proto = g->proto;
	d->port = (uint16_t)g->port.v;
	/* AWS: on by default for instance targets; an application load balancer always proxies. */
	d->preserve_client_ip = g->proto == VL_LBP_HTTP ? 0
				: g->preserve_client_ip.set ? g->preserve_client_ip.v : 1;
	d->dereg_delay_s = g->deregistration_delay.set ? (uint32_t)g->deregistration_delay.v : 300;
	d->sticky_s = !g->stickiness.set ? 0
		      : g->stickiness.duration.set ? (uint32_t)g->stickiness.duration.v : 86400;
	d->algorithm = g->algo;
	d->hc = g->hc;
	d->target_first = t->n_targets;
	for (size_t i = 0; i < g->n_targets; i++) {
		const struct lab_target *x = &g->targets[i];
		t->targets[t->n_targets++] = (struct vl_lb_target){
			x->port_idx, (uint16_t)(x->port.set ? x->port.v : g->port.v)
		};
	}
	d->target_count = t->n_targets - d->target_first;
}

static int cl_rule_cmp(const void *pa, const void *pb)
{
	const struct vl_lb_rule *a = pa, *b = pb;
	return (int)a->priority - (int)b->priority;
}

/* A condition value of the rule's current group (d->n_conds bounded: check allows 5). */
static struct vl_lb_cond *cl_cond(struct vl_lb_rule *d, enum vl_lb_cond_kind kind, uint8_t group,
				  const char *name, const char *value)
{
	if (d->n_conds >= VL_LB_RULE_CONDS)
		return NULL;
	struct vl_lb_cond *c = &d->conds[d->n_conds++];
	c->kind = (uint8_t)kind;
	c->group = group;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	snprintf(c->value, sizeof(c->value), "%s", value ? value : "");
	return c;
}

/* All values of one key: one group, numbered in the order the groups come. */
static void cl_group(struct vl_lb_rule *d, enum vl_lb_cond_kind kind, uint8_t *group,
		     const struct lab_names *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		cl_cond(d, kind, *group, name, v->v[i].s);
	*group += v->n > 0;
}

static void cl_conds(const struct lab_lb_rule *r, struct vl_lb_rule *d)
{
	uint8_t g = 0;
	cl_group(d, VL_LBC_HOST, &g, &r->host, NULL);
	cl_group(d, VL_LBC_PATH, &g, &r->path, NULL);
	cl_group(d, VL_LBC_METHOD, &g, &r->method, NULL);
	if (r->header.set)
		cl_group(d, VL_LBC_HEADER, &g, &r->header.value, r->header.name.s);
	for (size_t i = 0; i < r->n_query; i++)
		cl_cond(d, VL_LBC_QUERY, g, r->query[i].key.s, r->query[i].value.s);
	g += r->n_query > 0;
	for (size_t i = 0; i < r->source_ip.n && i < VL_LB_RULE_CONDS; i++) {
		struct vl_lb_cond *c = cl_cond(d, VL_LBC_SOURCE, g, NULL, NULL);
		if (!c)
			break;
		c->source = r->sources[i];
		prefix_fmt(c->source, c->value);
	}
}

/* AWS's defaults: each part its own placeholder, the path "/#{path}". */
static void cl_redirect(const struct lab_redirect *x, struct vl_lb_redirect *d)
{
	snprintf(d->protocol, sizeof(d->protocol), "%s", x->proto ? x->proto : "#{protocol}");
	snprintf(d->host, sizeof(d->host), "%s", x->host.s ? x->host.s : "#{host}");
	snprintf(d->port, sizeof(d->port), "%s", x->port.s ? x->port.s : "#{port}");
	snprintf(d->path, sizeof(d->path), "%s", x->path.s ? x->path.s : "/#{path}");
	snprintf(d->query, sizeof(d->query), "%s", x->query.s ? x->query.s : "#{query}");
}

void lab_compile_rule(const struct lab_lb_rule *r, struct vl_lb_rule *d)
{
	memset(d, 0, sizeof(*d));
	d->priority = (uint16_t)r->priority.v;
	d->tg = r->tg;
	d->action = VL_LBA_FORWARD;
	if (r->fixed_response.set) {
		const struct lab_fixed_response *f = &r->fixed_response;
		d->action = VL_LBA_FIXED;
		d->tg = VL_NONE;
		d->status = (uint16_t)f->status.v;
		snprintf(d->content_type, sizeof(d->content_type), "%s",
			 f->content_type.s ? f->content_type.s : "text/plain");
		snprintf(d->body, sizeof(d->body), "%s", f->body.s ? f->body.s : "");
	} else if (r->redirect.set) {
		d->action = VL_LBA_REDIRECT;
		d->tg = VL_NONE;
		d->status = r->redirect.code;
		cl_redirect(&r->redirect, &d->redirect);
	}
	cl_conds(r, d);
}

static void cl_listener(const struct lab_listener *x, struct vl_tables *t)
{
	struct vl_listener *d = &t->listeners[t->n_listeners++];
	d->proto = x->proto;
	d->port = (uint16_t)x->port.v;
	d->tg = x->tg;
	d->idle_timeout_s = x->idle_s;
	d->rule_first = t->n_lb_rules;
	for (size_t i = 0; i < x->n_rules; i++)
		lab_compile_rule(&x->rules[i], &t->lb_rules[t->n_lb_rules++]);
	d->rule_count = t->n_lb_rules - d->rule_first;
	qsort(&t->lb_rules[d->rule_first], d->rule_count, sizeof(struct vl_lb_rule), cl_rule_cmp);
}

static void cl_node(const struct lab_lb *b, const struct lab_lb_node *x, struct vl_tables *t)
{
	struct vl_port *p = &t->ports[x->gidx];
	const struct vl_subnet *s = &t->subnets[x->subnet_idx];
	cl_name(p->name, b->name.s);
	p->kind = VL_PORT_LB_NODE;
	p->src_dst_check = 1;
	vl_port_mac(p->mac, x->gidx);
	p->ip = x->addr;
	p->prefix_len = s->cidr.len;
	p->gateway = s->cidr.addr + 1;
	p->public_ip = x->public_addr;
	p->eip = x->eip;
	p->subnet = x->subnet_idx;
	p->vpc = x->vpc;
	p->sg_count = b->n_sgs;
	memcpy(p->sgs, b->sgs, sizeof(p->sgs));
	p->mtu = VL_VPC_MTU;
	p->lb = b->gidx;
	t->lb_nodes[t->n_lb_nodes++] = x->gidx;
}

static void cl_lb(const struct lab_lb *b, struct vl_tables *t)
{
	struct vl_lb *d = &t->lbs[b->gidx];
	cl_name(d->name, b->name.s);
	d->vpc = b->vpc;
	d->type = b->kind;
	d->internet_facing = b->internet_facing;
	/* AWS: off by default for network load balancers, always on for application ones. */
	d->cross_zone = b->kind == VL_LB_APPLICATION || (b->cross_zone.set && b->cross_zone.v);
	snprintf(d->dns, sizeof(d->dns), "%s", b->dns);
	d->listener_first = t->n_listeners;
	for (size_t i = 0; i < b->n_listeners; i++)
		cl_listener(&b->listeners[i], t);
	d->listener_count = t->n_listeners - d->listener_first;
	d->node_first = t->n_lb_nodes;
	for (size_t i = 0; i < b->n_nodes; i++)
		cl_node(b, &b->nodes[i], t);
	d->node_count = t->n_lb_nodes - d->node_first;
}

/* The counts in t (n_tgs ... n_lb_nodes) are the arrays' sizes on entry; the running counts
 * that fill them end equal. Groups and load balancers are in gidx (file) order. */
void lab_compile_lb(const struct lab *m, struct vl_tables *t)
{
	t->n_targets = t->n_listeners = t->n_lb_rules = t->n_lb_nodes = 0;
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_tgs; i++)
			cl_tg(&m->vpcs[v].tgs[i], t);
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_lbs; i++)
			cl_lb(&m->vpcs[v].lbs[i], t);
}
