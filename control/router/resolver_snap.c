/* The resolver's snapshots and health rules (resolver_snap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/router/eip.h"
#include "control/router/resolver_snap.h"
#include "dataplane/lb.h"

struct rsv_lab *rsv_lab_new(const struct vl_tables *t)
{
	struct rsv_lab *lab = calloc(1, sizeof(*lab));
	if (!lab)
		return NULL;
	lab->t = tables_clone(t);
	lab->db = lab->t ? dns_db_create(lab->t) : NULL;
	if (!lab->db) {
		vl_tables_free(lab->t);
		free(lab);
		errno = ENOMEM;
		return NULL;
	}
	atomic_init(&lab->ref, 1);
	return lab;
}

void rsv_lab_unref(struct rsv_lab *lab)
{
	if (!lab || atomic_fetch_sub(&lab->ref, 1) != 1)
		return;
	dns_db_destroy(lab->db);
	vl_tables_free(lab->t);
	free(lab);
}

static int snap_node_up(void *ctx, uint16_t lb, uint16_t port)
{
	const struct rsv_snap *s = ctx;
	(void)lb;
	return port < s->lab->t->n_ports && s->node_up[port];
}

struct rsv_snap *rsv_snap_new(struct rsv_lab *lab, const uint8_t *check_ok, const uint8_t *node_up)
{
	const struct vl_tables *t = lab->t;
	struct rsv_snap *s = calloc(1, sizeof(*s));
	if (s) {
		s->check_ok = malloc(t->n_r53_checks ? t->n_r53_checks : 1);
		s->node_up = malloc(t->n_ports ? t->n_ports : 1);
	}
	if (!s || !s->check_ok || !s->node_up) {
		if (s)
			free(s->check_ok), free(s->node_up);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	if (check_ok)
		memcpy(s->check_ok, check_ok, t->n_r53_checks);
	else
		memset(s->check_ok, 1, t->n_r53_checks);
	if (node_up)
		memcpy(s->node_up, node_up, t->n_ports);
	else
		memset(s->node_up, 1, t->n_ports);
	atomic_fetch_add(&lab->ref, 1);
	s->lab = lab;
	s->health = (struct dns_health){.check_ok = s->check_ok, .lb_node_up = snap_node_up, .ctx = s};
	atomic_init(&s->ref, 1);
	return s;
}

struct rsv_snap *rsv_snap_ref(struct rsv_snap *s)
{
	if (s)
		atomic_fetch_add(&s->ref, 1);
	return s;
}

void rsv_snap_unref(struct rsv_snap *s)
{
	if (!s || atomic_fetch_sub(&s->ref, 1) != 1)
		return;
	rsv_lab_unref(s->lab);
	free(s->check_ok);
	free(s->node_up);
	free(s);
}

bool r53_step(struct r53_state *s, uint8_t threshold, bool pass)
{
	uint8_t need = threshold ? threshold : 1, was = s->ok;
	if (pass) {
		s->fails = 0;
		if (s->passes < UINT8_MAX)
			s->passes++;
		if (!s->ok && s->passes >= need)
			s->ok = 1;
	} else {
		s->passes = 0;
		if (s->fails < UINT8_MAX)
			s->fails++;
		if (s->ok && s->fails >= need)
			s->ok = 0;
	}
	return s->ok != was;
}

/* Whether group g has a target node may send new flows to that is healthy (lb.c's rule). */
static bool group_healthy_at(const struct vl_tables *t, const struct vl_lb *lb, uint16_t g,
			     const char *az, int (*state)(void *, uint16_t, uint32_t), void *ctx)
{
	if (g >= t->n_tgs)
		return false;
	const struct vl_tg *tg = &t->tgs[g];
	bool any_zone = lb->cross_zone || lb->type == VL_LB_APPLICATION;
	for (uint32_t k = 0; k < tg->target_count && tg->target_first + k < t->n_targets; k++) {
		const struct vl_lb_target *x = &t->targets[tg->target_first + k];
		if (x->port >= t->n_ports || !vl_port_used(&t->ports[x->port]))
			continue;
		const struct vl_port *p = &t->ports[x->port];
		bool zone_ok = any_zone || (p->subnet < t->n_subnets && !strcmp(t->subnets[p->subnet].az, az));
		if (zone_ok && state(ctx, g, k) == LB_T_HEALTHY)
			return true;
	}
	return false;
}

static bool node_has_healthy(const struct vl_tables *t, const struct vl_lb *lb, uint16_t node,
			     int (*state)(void *, uint16_t, uint32_t), void *ctx)
{
	const struct vl_port *np = &t->ports[node];
	const char *az = np->subnet < t->n_subnets ? t->subnets[np->subnet].az : "";
	for (uint32_t l = lb->listener_first; l < lb->listener_first + lb->listener_count && l < t->n_listeners; l++) {
		const struct vl_listener *ls = &t->listeners[l];
		if (group_healthy_at(t, lb, ls->tg, az, state, ctx))
			return true;
		for (uint32_t k = ls->rule_first; k < ls->rule_first + ls->rule_count && k < t->n_lb_rules; k++)
			if (t->lb_rules[k].action == VL_LBA_FORWARD &&
			    group_healthy_at(t, lb, t->lb_rules[k].tg, az, state, ctx))
				return true;
	}
	return false;
}

void rsv_nodes_up(const struct vl_tables *t, int (*state)(void *ctx, uint16_t tg, uint32_t k),
		  void *ctx, uint8_t *node_up)
{
	memset(node_up, 0, t->n_ports);
	for (uint16_t b = 0; b < t->n_lbs; b++) {
		const struct vl_lb *lb = &t->lbs[b];
		for (uint32_t k = lb->node_first; k < lb->node_first + lb->node_count && k < t->n_lb_nodes; k++) {
			uint16_t p = t->lb_nodes[k];
			if (p < t->n_ports && vl_port_used(&t->ports[p]))
				node_up[p] = node_has_healthy(t, lb, p, state, ctx);
		}
	}
}
