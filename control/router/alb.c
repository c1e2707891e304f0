/* Application load balancers in the router (alb.h): snapshots built from the tables and the
 * data plane's target states, proxies kept by a description of what they bind, counters kept
 * by name so that they survive an apply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/router/alb.h"
#include "control/router/router.h"
#include "dataplane/lb.h"

/* Counters by name, in lists that never move (the proxies hold pointers into them). */
struct alb_lbctr {
	char name[VL_NAME_MAX];
	struct alb_counters c;
	struct alb_lbctr *next;
};

struct alb_tgctr {
	char name[VL_NAME_MAX];
	_Atomic uint64_t requests;
	struct alb_tgctr *next;
};

struct alb_node {
	char *desc;              /* namespace, address, load balancer, listeners */
	uint16_t lb;             /* its load balancer's index in the tables it was last synced with */
	struct alb_proxy *p;
	bool keep;
};

struct alb {
	struct alb_lbctr *lbs;
	struct alb_tgctr *tgs;
	struct alb_node *nodes;
	size_t n_nodes;
};

static struct alb_lbctr *lb_ctr(struct alb *a, const char *name)
{
	for (struct alb_lbctr *c = a->lbs; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	struct alb_lbctr *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->next = a->lbs;
	a->lbs = c;
	return c;
}

static struct alb_tgctr *tg_ctr(struct alb *a, const char *name)
{
	for (struct alb_tgctr *c = a->tgs; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	struct alb_tgctr *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->next = a->tgs;
	a->tgs = c;
	return c;
}

/* Local index of group g in s (added with its targets when new), or VL_NONE. */
static uint16_t snap_tg(struct router *r, struct alb_snap *s, uint16_t g, size_t cap_tgs)
{
	const struct vl_tables *t = r->t;
	if (g >= t->n_tgs)
		return VL_NONE;
	for (size_t i = 0; i < s->n_tgs; i++)
		if (!strcmp(s->tgs[i].name, t->tgs[g].name))
			return (uint16_t)i;
	struct alb_tgctr *c = tg_ctr(r->alb, t->tgs[g].name);
	if (s->n_tgs == cap_tgs || !c)
		return VL_NONE;
	const struct vl_tg *tg = &t->tgs[g];
	struct alb_snap_tg *st = &s->tgs[s->n_tgs];
	*st = (struct alb_snap_tg){.algorithm = tg->algorithm, .sticky_s = tg->sticky_s,
				   .first = (uint32_t)s->n_targets, .requests = &c->requests};
	snprintf(st->name, sizeof(st->name), "%s", tg->name);
	for (uint32_t k = 0; k < tg->target_count && tg->target_first + k < t->n_targets; k++) {
		const struct vl_lb_target *x = &t->targets[tg->target_first + k];
		struct alb_snap_target *o = &s->targets[s->n_targets++];
		*o = (struct alb_snap_target){.ip = t->ports[x->port].ip, .port = x->tport,
					      .state = (uint8_t)lb_target_state(r->s, g, k)};
		snprintf(o->instance, sizeof(o->instance), "%s", t->ports[x->port].name);
		st->count++;
	}
	return (uint16_t)s->n_tgs++;
}

/* Load balancer b as its proxies route now. NULL with errno. */
static struct alb_snap *snap_build(struct router *r, uint16_t b)
{
	const struct vl_tables *t = r->t;
	const struct vl_lb *lb = &t->lbs[b];
	struct alb_lbctr *ctr = lb_ctr(r->alb, lb->name);
	struct alb_snap *s = calloc(1, sizeof(*s));
	size_t n_rules = 0, cap_tgs = t->n_tgs ? t->n_tgs : 1;
	for (uint32_t l = lb->listener_first; l < lb->listener_first + lb->listener_count && l < t->n_listeners; l++)
		n_rules += t->listeners[l].rule_count;
	if (s) {
		s->ls = calloc(lb->listener_count ? lb->listener_count : 1, sizeof(*s->ls));
		s->rules = calloc(n_rules ? n_rules : 1, sizeof(*s->rules));
		s->tgs = calloc(cap_tgs, sizeof(*s->tgs));
		s->targets = calloc(t->n_targets ? t->n_targets : 1, sizeof(*s->targets));
	}
	if (!s || !ctr || !s->ls || !s->rules || !s->tgs || !s->targets) {
		if (s)
			free(s->ls), free(s->rules), free(s->tgs), free(s->targets);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->refs = 1;
	s->ctr = &ctr->c;
	for (uint32_t l = lb->listener_first; l < lb->listener_first + lb->listener_count && l < t->n_listeners; l++) {
		const struct vl_listener *ls = &t->listeners[l];
		struct alb_snap_listener *o = &s->ls[s->n_ls++];
		*o = (struct alb_snap_listener){.port = ls->port, .idle_s = ls->idle_timeout_s ? ls->idle_timeout_s : 60,
						.tg = snap_tg(r, s, ls->tg, cap_tgs),
						.rule_first = (uint32_t)s->n_rules};
		for (uint32_t k = ls->rule_first; k < ls->rule_first + ls->rule_count && k < t->n_lb_rules; k++) {
			struct vl_lb_rule *rule = &s->rules[s->n_rules++];
			*rule = t->lb_rules[k];
			if (rule->action == VL_LBA_FORWARD)
				rule->tg = snap_tg(r, s, rule->tg, cap_tgs);
			o->rule_count++;
		}
	}
	return s;
}

static void node_free(struct alb_node *nd)
{
	alb_proxy_stop(nd->p);
	free(nd->desc);
}

/* Where a node's proxy runs: a change starts it anew (its listeners follow the snapshots). */
static char *node_desc(const struct vl_tables *t, uint16_t i)
{
	char *d = NULL, ns[128];
	size_t len = 0;
	FILE *f = open_memstream(&d, &len);
	if (!f)
		return NULL;
	const struct vl_lb *lb = &t->lbs[t->ports[i].lb];
	vl_port_netns(t, i, ns, sizeof(ns));
	fprintf(f, "%s %08x %s", ns, t->ports[i].ip, lb->name);
	if (fclose(f) != 0) {
		free(d);
		return NULL;
	}
	return d;
}

int alb_sync(struct router *r)
{
	const struct vl_tables *t = r->t;
	struct alb *a = r->alb;
	bool any = false;
	for (uint16_t b = 0; b < t->n_lbs && !any; b++)
		any = t->lbs[b].type == VL_LB_APPLICATION;
	if (!a && !any)
		return 0;
	if (!a && !(a = r->alb = calloc(1, sizeof(*a))))
		return -ENOMEM;
	int rc = 0;
	struct alb_snap **snaps = calloc(t->n_lbs ? t->n_lbs : 1, sizeof(*snaps));
	struct alb_node *v = calloc(t->n_ports + a->n_nodes + 1, sizeof(*v));
	if (!snaps || !v) {
		free(snaps), free(v);
		return -ENOMEM;
	}
	for (uint16_t b = 0; b < t->n_lbs; b++)
		if (t->lbs[b].type == VL_LB_APPLICATION && !(snaps[b] = snap_build(r, b)))
			rc = -ENOMEM;
	for (size_t k = 0; k < a->n_nodes; k++)
		a->nodes[k].keep = false;
	size_t n = 0;
	for (uint16_t i = 0; i < t->n_ports; i++) {
		const struct vl_port *p = &t->ports[i];
		if (p->kind != VL_PORT_LB_NODE || !vl_port_used(p) || p->lb >= t->n_lbs || !snaps[p->lb] ||
		    !r->taps || r->taps[i] < 0)
			continue;
		char *desc = node_desc(t, i);
		if (!desc) {
			rc = -ENOMEM;
			continue;
		}
		struct alb_node *old = NULL;
		for (size_t k = 0; k < a->n_nodes && !old; k++)
			if (!a->nodes[k].keep && !strcmp(a->nodes[k].desc, desc))
				old = &a->nodes[k];
		if (old) {
			old->keep = true;
			old->lb = p->lb;
			v[n++] = *old;
			free(desc);
			continue;
		}
		char ns[128];
		vl_port_netns(t, i, ns, sizeof(ns));
		struct alb_proxy *px = alb_proxy_start(ns, p->ip, snaps[p->lb]);
		if (!px) {
			rc = -errno;
			fprintf(stderr, "vpclab: router: load balancer node %s: %s\n", ns, strerror(errno));
			free(desc);
			continue;
		}
		v[n++] = (struct alb_node){.desc = desc, .lb = p->lb, .p = px, .keep = true};
	}
	for (size_t k = 0; k < a->n_nodes; k++)
		if (!a->nodes[k].keep)
			node_free(&a->nodes[k]);
	free(a->nodes);
	a->nodes = v;
	a->n_nodes = n;
	for (size_t k = 0; k < n; k++)
		if (snaps[v[k].lb])
			alb_proxy_publish(v[k].p, snaps[v[k].lb]);
	for (uint16_t b = 0; b < t->n_lbs; b++)
		alb_snap_unref(snaps[b]);
	free(snaps);
	if (rc < 0)
		fprintf(stderr, "vpclab: router: application load balancers: %s\n", strerror(-rc));
	return rc;
}

void alb_free(struct router *r)
{
	struct alb *a = r->alb;
	if (!a)
		return;
	for (size_t k = 0; k < a->n_nodes; k++)
		node_free(&a->nodes[k]);
	free(a->nodes);
	while (a->lbs) {
		struct alb_lbctr *c = a->lbs;
		a->lbs = c->next;
		free(c);
	}
	while (a->tgs) {
		struct alb_tgctr *c = a->tgs;
		a->tgs = c->next;
		free(c);
	}
	free(a);
	r->alb = NULL;
}

uint64_t alb_counter_get(const struct router *r, const char *lb, enum alb_counter c)
{
	for (const struct alb_lbctr *x = r->alb ? r->alb->lbs : NULL; x; x = x->next)
		if (!strcmp(x->name, lb) && (unsigned)c < ALBC__COUNT)
			return atomic_load(&x->c.c[c]);
	return 0;
}

uint64_t alb_tg_requests(const struct router *r, const char *tg)
{
	for (const struct alb_tgctr *x = r->alb ? r->alb->tgs : NULL; x; x = x->next)
		if (!strcmp(x->name, tg))
			return atomic_load(&x->requests);
	return 0;
}
