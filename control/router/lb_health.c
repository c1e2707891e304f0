/* Target health in the router (lb_health.h): the state per target by key, the checkers per
 * node (which node checks which target: below), and the results read from the checkers' pipe
 * in the router's loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/router/alb.h"
#include "control/router/lb_health.h"
#include "control/router/router.h"
#include "dataplane/lb.h"
#include "dataplane/loop.h"

#define NS_PER_S 1000000000ull

/* What a check reports back to: its target's key. */
struct lbh_key {
	char tg[VL_NAME_MAX], instance[VL_NAME_MAX];
	uint16_t port;
};

/* A node's running checker and the description it was started from (its checks, its
 * namespace and interface): an apply that changes none of it leaves the checker running. */
struct lbh_node {
	char *desc;
	uint32_t id;
	struct lb_checker *c;
	struct lbh_key *keys;
	size_t n;
	bool keep;
};

struct lb_health {
	struct lbh_target *v;
	size_t n, cap;
	struct lbh_node *nodes;
	size_t n_nodes;
	int rfd, wfd;            /* the checkers' results */
	uint32_t next_id;
};

void lbh_step(struct lbh_target *e, const struct vl_health_check *hc, enum lbc_outcome o, uint16_t code)
{
	if (e->state == LB_T_DRAINING || e->state == LB_T_UNUSED)
		return;
	if (o == LBC_PASS) {
		e->fails = 0;
		if (e->passes < UINT8_MAX)
			e->passes++;
		if (e->state == LB_T_INITIAL || (e->state == LB_T_UNHEALTHY && e->passes >= hc->healthy)) {
			e->state = LB_T_HEALTHY;
			e->reason = LBH_R_NONE;
		}
		return;
	}
	e->passes = 0;
	if (e->fails < UINT8_MAX)
		e->fails++;
	enum lbh_reason why = o == LBC_TIMEOUT ? LBH_R_TIMEOUT : o == LBC_CODE ? LBH_R_CODE : LBH_R_FAILED;
	if (e->state == LB_T_UNHEALTHY || e->fails >= hc->unhealthy) {
		e->state = LB_T_UNHEALTHY;
		e->reason = (uint8_t)why;
		e->code = code;
	}
}

const char *lbh_reason_code(enum lbh_reason r)
{
	switch (r) {
	case LBH_R_INITIAL: return "Elb.InitialHealthChecking";
	case LBH_R_TIMEOUT: return "Target.Timeout";
	case LBH_R_CODE: return "Target.ResponseCodeMismatch";
	case LBH_R_FAILED: return "Target.FailedHealthChecks";
	case LBH_R_DRAINING: return "Target.DeregistrationInProgress";
	case LBH_R_NO_LB: case LBH_R_NO_ZONE: return "Target.NotInUse";
	default: return NULL;
	}
}

const char *lbh_description(const struct lbh_target *e, char *buf, size_t cap)
{
	switch (e->reason) {
	case LBH_R_INITIAL: return "Initial health checks in progress";
	case LBH_R_TIMEOUT: return "Request timed out";
	case LBH_R_CODE:
		snprintf(buf, cap, "Health checks failed with these codes: [%u]", e->code);
		return buf;
	case LBH_R_FAILED: return "Health checks failed";
	case LBH_R_DRAINING: return "Target deregistration is in progress";
	case LBH_R_NO_LB: return "Target group is not configured to receive traffic from the load balancer";
	case LBH_R_NO_ZONE: return "Target is in an Availability Zone that is not enabled for the load balancer";
	default: return NULL;
	}
}

static struct lbh_target *find(struct lb_health *h, const char *tg, const char *instance, uint16_t port)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (h->v[i].port == port && !strcmp(h->v[i].tg, tg) && !strcmp(h->v[i].instance, instance))
			return &h->v[i];
	return NULL;
}

const struct lbh_target *lbh_find(const struct router *r, const char *tg, const char *instance, uint16_t port)
{
	return find(r->lbh, tg, instance, port);
}

void lbh_foreach_draining(const struct router *r, const char *tg,
			  void (*fn)(void *ctx, const struct lbh_target *e), void *ctx)
{
	const struct lb_health *h = r->lbh;
	uint64_t now = loop_now();
	for (size_t i = 0; h && i < h->n; i++)
		if (h->v[i].state == LB_T_DRAINING && h->v[i].drain_end > now && !strcmp(h->v[i].tg, tg))
			fn(ctx, &h->v[i]);
}

static struct lbh_target *add(struct lb_health *h, const char *tg, const char *instance, uint16_t port)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		struct lbh_target *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		h->v = v;
		h->cap = cap;
	}
	struct lbh_target *e = &h->v[h->n++];
	*e = (struct lbh_target){.port = port, .state = LB_T_INITIAL, .reason = LBH_R_INITIAL, .iface = VL_NONE};
	snprintf(e->tg, sizeof(e->tg), "%s", tg);
	snprintf(e->instance, sizeof(e->instance), "%s", instance);
	return e;
}

/* The load balancer that forwards to group g (AWS: a network load balancer's group belongs
 * to one load balancer), or VL_NONE. */
static uint16_t lb_of_tg(const struct vl_tables *t, uint16_t g)
{
	for (uint16_t b = 0; b < t->n_lbs; b++) {
		const struct vl_lb *lb = &t->lbs[b];
		for (uint32_t l = lb->listener_first; l < lb->listener_first + lb->listener_count && l < t->n_listeners; l++) {
			const struct vl_listener *ls = &t->listeners[l];
			if (ls->tg == g)
				return b;
			for (uint32_t k = ls->rule_first; k < ls->rule_first + ls->rule_count && k < t->n_lb_rules; k++)
				if (t->lb_rules[k].action == VL_LBA_FORWARD && t->lb_rules[k].tg == g)
					return b;
		}
	}
	return VL_NONE;
}

/* The node that checks target i of group g: its load balancer's node in the target's zone
 * (DESIGN: AWS checks from every node and combines; here one node per target, the one its
 * zone's clients come through, so a result counts once). VL_NONE, with why, when the
 * target is not in use. */
static uint16_t check_node(const struct vl_tables *t, uint16_t g, uint32_t i, enum lbh_reason *why)
{
	uint16_t b = lb_of_tg(t, g);
	*why = LBH_R_NO_LB;
	if (b == VL_NONE)
		return VL_NONE;
	const struct vl_lb *lb = &t->lbs[b];
	const struct vl_port *tp = &t->ports[t->targets[i].port];
	const char *az = tp->subnet < t->n_subnets ? t->subnets[tp->subnet].az : "";
	*why = LBH_R_NO_ZONE;
	for (uint32_t k = lb->node_first; k < lb->node_first + lb->node_count && k < t->n_lb_nodes; k++) {
		uint16_t node = t->lb_nodes[k];
		const struct vl_port *np = &t->ports[node];
		if (node < t->n_ports && np->subnet < t->n_subnets && !strcmp(t->subnets[np->subnet].az, az))
			return node;
	}
	return VL_NONE;
}

/* Where key is in the running tables: its group and its index there. false when gone. */
static bool locate(const struct vl_tables *t, const char *tg, const char *instance, uint16_t port,
		   uint16_t *g_out, uint32_t *k_out)
{
	for (uint16_t g = 0; g < t->n_tgs; g++) {
		if (strcmp(t->tgs[g].name, tg) != 0)
			continue;
		for (uint32_t k = 0; k < t->tgs[g].target_count; k++) {
			const struct vl_lb_target *x = &t->targets[t->tgs[g].target_first + k];
			if (x->tport == port && x->port < t->n_ports && !strcmp(t->ports[x->port].name, instance)) {
				*g_out = g;
				*k_out = k;
				return true;
			}
		}
	}
	return false;
}

/* The checkers' results, in the router's loop. */
static void on_results(void *ctx, int fd)
{
	struct router *r = ctx;
	struct lb_health *h = r->lbh;
	struct lbc_result res[64];
	ssize_t got;
	bool changed = false;
	while ((got = read(fd, res, sizeof(res))) > 0) {
		for (size_t i = 0; i < (size_t)got / sizeof(res[0]); i++) {
			const struct lbh_node *nd = NULL;
			for (size_t k = 0; k < h->n_nodes && !nd; k++)
				if (h->nodes[k].id == res[i].checker)
					nd = &h->nodes[k];
			if (!nd || res[i].check >= nd->n)
				continue; /* a checker stopped since: its results are stale */
			const struct lbh_key *key = &nd->keys[res[i].check];
			struct lbh_target *e = find(h, key->tg, key->instance, key->port);
			uint16_t g;
			uint32_t k;
			if (!e || !locate(r->t, key->tg, key->instance, key->port, &g, &k))
				continue;
			uint8_t before = e->state;
			lbh_step(e, &r->t->tgs[g].hc, (enum lbc_outcome)res[i].outcome, res[i].code);
			if (e->state != before) {
				changed = true;
				lb_target_set_state(r->s, g, k, (enum lb_target_state)e->state);
				fprintf(stderr, "vpclab: router: target %s:%u of %s: %s%s%s\n", e->instance,
					e->port, e->tg, lb_target_state_name((enum lb_target_state)e->state),
					lbh_reason_code((enum lbh_reason)e->reason) ? " " : "",
					lbh_reason_code((enum lbh_reason)e->reason) ?: "");
			}
		}
	}
	if (changed)
		alb_sync(r); /* the proxies route by the new states */
}

static struct lb_health *create(struct router *r)
{
	struct lb_health *h = calloc(1, sizeof(*h));
	int p[2];
	if (!h || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(h);
		return NULL;
	}
	h->rfd = p[0];
	h->wfd = p[1];
	r->lbh = h;
	if (loop_add_fd(r->loop, h->rfd, on_results, r) < 0) {
		lbh_free(r);
		return NULL;
	}
	return h;
}

static void node_free(struct lbh_node *nd)
{
	lbc_stop(nd->c);
	free(nd->desc);
	free(nd->keys);
}

/* The checks node i runs (its targets' keys beside them) and their description. 0 or -ENOMEM. */
static int node_checks(const struct vl_tables *t, uint16_t i, struct lbc_check **checks,
		       struct lbh_key **keys, size_t *n, char **desc)
{
	size_t len = 0;
	FILE *d = open_memstream(desc, &len);
	*checks = calloc(t->n_targets ? t->n_targets : 1, sizeof(**checks));
	*keys = calloc(t->n_targets ? t->n_targets : 1, sizeof(**keys));
	*n = 0;
	if (!d || !*checks || !*keys) {
		if (d)
			fclose(d);
		return -ENOMEM;
	}
	char ns[128];
	vl_port_netns(t, i, ns, sizeof(ns));
	fprintf(d, "%s %u %08x;", ns, i, t->ports[i].ip);
	for (uint16_t g = 0; g < t->n_tgs; g++) {
		const struct vl_tg *tg = &t->tgs[g];
		for (uint32_t k = 0; k < tg->target_count; k++) {
			uint32_t x = tg->target_first + k;
			enum lbh_reason why;
			if (x >= t->n_targets || check_node(t, g, x, &why) != i)
				continue;
			const struct vl_lb_target *tt = &t->targets[x];
			const struct vl_health_check *hc = &tg->hc;
			struct lbc_check *c = &(*checks)[*n];
			struct lbh_key *key = &(*keys)[(*n)++];
			*c = (struct lbc_check){.ip = t->ports[tt->port].ip, .port = hc->port ? hc->port : tt->tport,
						.http = hc->proto == VL_HC_HTTP, .interval_s = hc->interval_s,
						.timeout_s = hc->timeout_s, .match_lo = hc->match_lo,
						.match_hi = hc->match_hi};
			snprintf(c->path, sizeof(c->path), "%s", hc->path);
			snprintf(key->tg, sizeof(key->tg), "%s", tg->name);
			snprintf(key->instance, sizeof(key->instance), "%s", t->ports[tt->port].name);
			key->port = tt->tport;
			fprintf(d, "%s %s %u %08x %u %u %u %u %u %u %s;", key->tg, key->instance, key->port,
				c->ip, c->port, c->http, c->interval_s, c->timeout_s, c->match_lo, c->match_hi, c->path);
		}
	}
	return fclose(d) == 0 ? 0 : -ENOMEM;
}

/* The checkers as the tables want them: unchanged ones kept, the others stopped, new ones
 * started (for nodes whose tap is up). */
static int sync_checkers(struct router *r)
{
	struct lb_health *h = r->lbh;
	const struct vl_tables *t = r->t;
	int rc = 0;
	for (size_t k = 0; k < h->n_nodes; k++)
		h->nodes[k].keep = false;
	struct lbh_node *add_v = calloc(t->n_ports ? t->n_ports : 1, sizeof(*add_v));
	size_t n_add = 0;
	if (!add_v)
		return -ENOMEM;
	for (uint16_t i = 0; i < t->n_ports; i++) {
		if (t->ports[i].kind != VL_PORT_LB_NODE || !vl_port_used(&t->ports[i]) || !r->taps || r->taps[i] < 0)
			continue;
		struct lbc_check *checks = NULL;
		struct lbh_key *keys = NULL;
		char *desc = NULL;
		size_t n = 0;
		if (node_checks(t, i, &checks, &keys, &n, &desc) < 0) {
			free(checks), free(keys), free(desc);
			rc = -ENOMEM;
			continue;
		}
		bool same = false;
		for (size_t k = 0; k < h->n_nodes && !same; k++)
			if (!strcmp(h->nodes[k].desc, desc))
				same = h->nodes[k].keep = true;
		if (same || n == 0) {
			free(checks), free(keys), free(desc);
			continue;
		}
		char ns[128];
		vl_port_netns(t, i, ns, sizeof(ns));
		struct lbh_node *nd = &add_v[n_add];
		*nd = (struct lbh_node){.desc = desc, .id = ++h->next_id, .keys = keys, .n = n, .keep = true};
		nd->c = lbc_start(ns, nd->id, checks, n, h->wfd);
		free(checks);
		if (!nd->c) {
			rc = -errno;
			fprintf(stderr, "vpclab: router: health checks of %s: %s\n", ns, strerror(errno));
			free(desc), free(keys);
			continue;
		}
		n_add++;
	}
	size_t kept = 0;
	for (size_t k = 0; k < h->n_nodes; k++) {
		if (h->nodes[k].keep)
			h->nodes[kept++] = h->nodes[k];
		else
			node_free(&h->nodes[k]);
	}
	struct lbh_node *v = realloc(h->nodes, (kept + n_add ? kept + n_add : 1) * sizeof(*v));
	if (!v) {
		for (size_t k = 0; k < n_add; k++)
			node_free(&add_v[k]);
		h->n_nodes = kept;
		free(add_v);
		return -ENOMEM;
	}
	memcpy(v + kept, add_v, n_add * sizeof(*v));
	h->nodes = v;
	h->n_nodes = kept + n_add;
	free(add_v);
	return rc;
}

int lbh_sync(struct router *r)
{
	const struct vl_tables *t = r->t;
	struct lb_health *h = r->lbh;
	if (!h && !t->n_tgs)
		return alb_sync(r); /* fixed responses and redirects need no group */
	if (!h && !(h = create(r))) {
		fprintf(stderr, "vpclab: router: health checks: %s\n", strerror(errno));
		return -errno;
	}
	uint64_t now = loop_now();
	for (size_t i = 0; i < h->n; i++)
		h->v[i].seen = 0;
	int rc = 0;
	for (uint16_t g = 0; g < t->n_tgs; g++) {
		const struct vl_tg *tg = &t->tgs[g];
		for (uint32_t k = 0; k < tg->target_count; k++) {
			uint32_t x = tg->target_first + k;
			const struct vl_lb_target *tt = &t->targets[x];
			const char *inst = t->ports[tt->port].name;
			struct lbh_target *e = find(h, tg->name, inst, tt->tport);
			if (!e && !(e = add(h, tg->name, inst, tt->tport))) {
				rc = -ENOMEM;
				continue;
			}
			if (e->state != LB_T_UNUSED && (e->iface != tt->port || e->ip != t->ports[tt->port].ip)) {
				e->state = LB_T_INITIAL; /* the instance was replaced: a new target */
				e->reason = LBH_R_INITIAL;
				e->passes = e->fails = 0;
			}
			e->seen = 1;
			e->dereg_s = tg->dereg_delay_s;
			e->iface = tt->port;
			e->ip = t->ports[tt->port].ip;
			enum lbh_reason why;
			if (check_node(t, g, x, &why) == VL_NONE) {
				*e = (struct lbh_target){.port = e->port, .state = LB_T_UNUSED, .reason = (uint8_t)why,
							 .seen = 1, .dereg_s = e->dereg_s, .ip = e->ip, .iface = e->iface};
				snprintf(e->tg, sizeof(e->tg), "%s", tg->name);
				snprintf(e->instance, sizeof(e->instance), "%s", inst);
			} else if (e->state == LB_T_UNUSED || e->state == LB_T_DRAINING) {
				e->state = LB_T_INITIAL; /* registered again: checked from the start */
				e->reason = LBH_R_INITIAL;
				e->passes = e->fails = 0;
			}
			lb_target_set_state(r->s, g, k, (enum lb_target_state)e->state);
		}
	}
	size_t keep = 0;
	for (size_t i = 0; i < h->n; i++) {
		struct lbh_target *e = &h->v[i];
		if (!e->seen && e->state != LB_T_DRAINING && e->state != LB_T_UNUSED) {
			e->state = LB_T_DRAINING; /* deregistered: its open connections go on (see AWS.md) */
			e->reason = LBH_R_DRAINING;
			e->drain_end = now + (uint64_t)e->dereg_s * NS_PER_S;
		}
		bool gone = !e->seen && (e->state == LB_T_UNUSED || e->drain_end <= now);
		if (!gone)
			h->v[keep++] = *e;
	}
	h->n = keep;
	int crc = sync_checkers(r);
	if (crc < 0 && rc == 0)
		rc = crc;
	/* The proxies after the states are written: a deregistered target gets no new request. */
	crc = alb_sync(r);
	if (crc < 0 && rc == 0)
		rc = crc;
	if (rc < 0)
		fprintf(stderr, "vpclab: router: health checks: %s\n", strerror(-rc));
	return rc;
}

void lbh_free(struct router *r)
{
	struct lb_health *h = r->lbh;
	alb_free(r); /* the proxies with the checkers: both are threads in the nodes' namespaces */
	if (!h)
		return;
	for (size_t k = 0; k < h->n_nodes; k++)
		node_free(&h->nodes[k]);
	free(h->nodes);
	if (r->loop)
		loop_del_fd(r->loop, h->rfd);
	close(h->rfd);
	close(h->wfd);
	free(h->v);
	free(h);
	r->lbh = NULL;
}
