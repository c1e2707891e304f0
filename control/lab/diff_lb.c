/* lab_diff for Elastic Load Balancing: target groups and load balancers matched by name (AWS
 * cannot change a group's protocol or port, nor a load balancer's type or scheme: those are a
 * removal plus an addition), targets by instance:port, listeners by port, listener rules by
 * content (their compiled text: lb_rule_text.c). Compared on the checked model, so defaults written or left out are the same. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diff_impl.h"
#include "control/lab/lb_rule_text.h"

static const char *const proto_names[] = { "tcp", "udp", "tcp_udp", "http" };

static const char *const algo_names[] = { "round_robin", "least_outstanding_requests" };

static const char *onoff(bool b)
{
	return b ? "true" : "false";
}

/* ---------------------------------------------------------------- target groups */

static void tg_desc(const void *x, char *buf, size_t size)
{
	const struct lab_tg *g = x;
	snprintf(buf, size, "(%s %lld)", proto_names[g->proto], g->port.v);
}

static bool tg_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_tg *o = xo, *n = xn;
	return o->proto == n->proto && o->port.v == n->port.v;
}

static uint32_t tg_dereg(const struct lab_tg *g)
{
	return g->deregistration_delay.set ? (uint32_t)g->deregistration_delay.v : 300;
}

static bool tg_preserve(const struct lab_tg *g)
{
	return g->proto != VL_LBP_HTTP && (!g->preserve_client_ip.set || g->preserve_client_ip.v);
}

static uint32_t tg_sticky(const struct lab_tg *g)
{
	if (!g->stickiness.set)
		return 0;
	return g->stickiness.duration.set ? (uint32_t)g->stickiness.duration.v : 86400;
}

static void hc_fmt(const struct vl_health_check *h, char *buf, size_t size)
{
	char port[16] = "", http[160] = "";
	if (h->port)
		snprintf(port, sizeof(port), " port %u", h->port);
	if (h->proto == VL_HC_HTTP && h->match_lo == h->match_hi)
		snprintf(http, sizeof(http), " path %s matcher %u", h->path, h->match_lo);
	else if (h->proto == VL_HC_HTTP)
		snprintf(http, sizeof(http), " path %s matcher %u-%u", h->path, h->match_lo, h->match_hi);
	snprintf(buf, size, "{%s%s%s interval %u timeout %u healthy %u unhealthy %u}",
		 h->proto == VL_HC_HTTP ? "http" : "tcp", port, http, h->interval_s, h->timeout_s,
		 h->healthy, h->unhealthy);
}

static const char *sticky_fmt(uint32_t s, char *buf, size_t size)
{
	if (!s)
		return "off";
	snprintf(buf, size, "lb_cookie %u s", s);
	return buf;
}

static void tg_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_tg *o = xo, *n = xn;
	char a[320], b[320];
	hc_fmt(&o->hc, a, sizeof(a));
	hc_fmt(&n->hc, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "target_group", o->name.s, "health_check %s -> %s", a, b);
	if (tg_dereg(o) != tg_dereg(n))
		emit(d, LAB_CHANGE, "target_group", o->name.s, "deregistration_delay %u -> %u",
		     tg_dereg(o), tg_dereg(n));
	if (tg_preserve(o) != tg_preserve(n))
		emit(d, LAB_CHANGE, "target_group", o->name.s, "preserve_client_ip %s -> %s",
		     onoff(tg_preserve(o)), onoff(tg_preserve(n)));
	if (o->proto == VL_LBP_HTTP && n->proto == VL_LBP_HTTP && o->algo != n->algo)
		emit(d, LAB_CHANGE, "target_group", o->name.s, "algorithm %s -> %s",
		     algo_names[o->algo], algo_names[n->algo]);
	if (tg_sticky(o) != tg_sticky(n))
		emit(d, LAB_CHANGE, "target_group", o->name.s, "stickiness %s -> %s",
		     sticky_fmt(tg_sticky(o), a, sizeof(a)), sticky_fmt(tg_sticky(n), b, sizeof(b)));
}

static const struct named_kind k_tg = {"target_group", sizeof(struct lab_tg),
	offsetof(struct lab_tg, name), tg_kept, tg_change, tg_desc};

static const struct lab_tg *find_tg(const struct lab_vpc *v, const char *name)
{
	for (size_t i = 0; v && i < v->n_tgs; i++)
		if (same(v->tgs[i].name.s, name))
			return &v->tgs[i];
	return NULL;
}

static void target_keys(struct df *d, const struct lab_tg *g, struct keys *k)
{
	if (!g || keys_alloc(d, k, g->n_targets) < 0)
		return;
	for (size_t i = 0; i < g->n_targets; i++)
		snprintf(k->v[k->n++], sizeof(k->v[0]), "%s:%lld", orv(g->targets[i].instance.s, "?"),
			 g->targets[i].port.set ? g->targets[i].port.v : g->port.v);
}

static void targets_diff(struct df *d, const char *name, const struct lab_tg *o,
			 const struct lab_tg *n)
{
	struct keys ko = { 0 }, kn = { 0 };
	target_keys(d, o, &ko);
	target_keys(d, n, &kn);
	if (!d->err)
		keys_diff(d, &ko, &kn, "target", name);
	keys_free(&ko);
	keys_free(&kn);
}

static void tgs(struct df *d, const struct lab_vpc *o, const struct lab_vpc *n)
{
	named_diff(d, &k_tg, o ? o->tgs : NULL, o ? o->n_tgs : 0, n ? n->tgs : NULL,
		   n ? n->n_tgs : 0, NULL);
	for (size_t i = 0; o && i < o->n_tgs; i++)
		targets_diff(d, o->tgs[i].name.s, &o->tgs[i], find_tg(n, o->tgs[i].name.s));
	for (size_t i = 0; n && i < n->n_tgs; i++)
		if (!find_tg(o, n->tgs[i].name.s))
			targets_diff(d, n->tgs[i].name.s, NULL, &n->tgs[i]);
}

/* ---------------------------------------------------------------- load balancers */

static void lb_desc(const void *x, char *buf, size_t size)
{
	const struct lab_lb *b = x;
	snprintf(buf, size, "(%s, %s, %zu node%s)", b->kind == VL_LB_NETWORK ? "network" : "application",
		 b->internet_facing ? "internet-facing" : "internal", b->n_nodes,
		 b->n_nodes == 1 ? "" : "s");
}

static bool lb_kept(const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_lb *o = xo, *n = xn;
	return o->kind == n->kind && o->internet_facing == n->internet_facing;
}

/* "[public-a 10.0.1.5, public-b 10.0.2.50 eip x]": the nodes as placed. */
static void nodes_fmt(const struct lab_lb *b, char *buf, size_t size)
{
	size_t at = (size_t)snprintf(buf, size, "[");
	for (size_t i = 0; i < b->n_nodes && at < size; i++) {
		char a[16];
		const struct lab_lb_node *x = &b->nodes[i];
		at += (size_t)snprintf(buf + at, size - at, "%s%s %s%s%s", i ? ", " : "",
				       orv(x->subnet.s, "?"), addr_fmt(x->addr, a),
				       x->eip_ref ? " elastic_ip " : "",
				       x->eip_ref ? orv(x->eip_ref->s, "?") : "");
	}
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The security groups as a sorted set; "[]" for a network load balancer without. */
static void lb_sgs_fmt(const struct lab_lb *b, char *buf, size_t size)
{
	const char *v[VL_MAX_PORT_SGS];
	size_t n = 0;
	for (size_t i = 0; i < b->security_groups.n && n < VL_MAX_PORT_SGS; i++)
		v[n++] = orv(b->security_groups.v[i].s, "?");
	if (!b->security_groups.set && b->kind == VL_LB_APPLICATION)
		v[n++] = "default";
	qsort(v, n, sizeof(v[0]), name_cmp);
	size_t at = (size_t)snprintf(buf, size, "[");
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : "", v[i]);
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

static bool lb_cross(const struct lab_lb *b)
{
	return b->kind == VL_LB_APPLICATION || (b->cross_zone.set && b->cross_zone.v);
}

static void lb_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_lb *o = xo, *n = xn;
	char a[512], b[512];
	nodes_fmt(o, a, sizeof(a));
	nodes_fmt(n, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "load_balancer", o->name.s, "subnets %s -> %s", a, b);
	lb_sgs_fmt(o, a, sizeof(a));
	lb_sgs_fmt(n, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "load_balancer", o->name.s, "security_groups %s -> %s", a, b);
	if (lb_cross(o) != lb_cross(n))
		emit(d, LAB_CHANGE, "load_balancer", o->name.s, "cross_zone %s -> %s",
		     onoff(lb_cross(o)), onoff(lb_cross(n)));
	if (strcmp(o->dns, n->dns))
		emit(d, LAB_CHANGE, "load_balancer", o->name.s, "dns %s -> %s", o->dns, n->dns);
}

static const struct named_kind k_lb = {"load_balancer", sizeof(struct lab_lb),
	offsetof(struct lab_lb, name), lb_kept, lb_change, lb_desc};

static const struct lab_lb *find_lb(const struct lab_vpc *v, const char *name)
{
	for (size_t i = 0; v && i < v->n_lbs; i++)
		if (same(v->lbs[i].name.s, name))
			return &v->lbs[i];
	return NULL;
}

/* ---------------------------------------------------------------- listeners and rules */

static const char *listener_group(const struct lab_listener *x)
{
	return orv(x->forward.s ? x->forward.s : x->dflt.s, "?");
}

static void listener_desc(const struct lab_listener *x, char *buf, size_t size)
{
	snprintf(buf, size, "(%s %lld -> %s)", proto_names[x->proto], x->port.v, listener_group(x));
}

/* A rule as text, "PRIORITY CONDITIONS -> ACTION" in its compiled form (so defaults written or
 * left out read the same), whole however long; malloc'd, NULL when memory runs out. */
static char *rule_text(const struct lab_lb_rule *r)
{
	struct vl_lb_rule *x = malloc(sizeof(*x));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = x ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		free(x);
		return NULL;
	}
	lab_compile_rule(r, x);
	fprintf(f, "%u ", x->priority);
	lb_rule_conds(x, f);
	fputs(" -> ", f);
	lb_rule_action(x, r->forward.s, 0, f);
	free(x);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char **rule_texts(struct df *d, const struct lab_listener *x)
{
	size_t n = x ? x->n_rules : 0;
	char **v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; v && i < n; i++)
		if (!(v[i] = rule_text(&x->rules[i])))
			d->err = ENOMEM;
	if (!v)
		d->err = ENOMEM;
	return v;
}

static bool has_text(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* Rules are matched by content, like SG rules: a changed rule is a removal and an addition. */
static void rules_of(struct df *d, const char *name, const struct lab_listener *o,
		     const struct lab_listener *n)
{
	char **ro = rule_texts(d, o), **rn = rule_texts(d, n);
	for (size_t i = 0; !d->err && ro[i]; i++)
		if (!has_text(rn, ro[i]))
			emit(d, LAB_REMOVE, "listener rule", name, "%s", ro[i]);
	for (size_t i = 0; !d->err && rn[i]; i++)
		if (!has_text(ro, rn[i]))
			emit(d, LAB_ADD, "listener rule", name, "%s", rn[i]);
	for (size_t i = 0; ro && ro[i]; i++)
		free(ro[i]);
	for (size_t i = 0; rn && rn[i]; i++)
		free(rn[i]);
	free(ro);
	free(rn);
}

static const struct lab_listener *find_listener(const struct lab_lb *b, long long port)
{
	for (size_t i = 0; b && i < b->n_listeners; i++)
		if (b->listeners[i].port.v == port)
			return &b->listeners[i];
	return NULL;
}

static void listener_change(struct df *d, const char *name, const struct lab_listener *o,
			    const struct lab_listener *n)
{
	if (o->proto != n->proto)
		emit(d, LAB_CHANGE, "listener", name, "protocol %s -> %s", proto_names[o->proto],
		     proto_names[n->proto]);
	if (!same(listener_group(o), listener_group(n)))
		emit(d, LAB_CHANGE, "listener", name, "forward %s -> %s", listener_group(o),
		     listener_group(n));
	if (o->idle_s != n->idle_s)
		emit(d, LAB_CHANGE, "listener", name, "idle_timeout %u -> %u", o->idle_s, n->idle_s);
}

/* Listeners of one load balancer name, o and/or n (NULL: it is added or removed). Named
 * LBNAME:PORT, as a listener is known by its port. */
static void listeners(struct df *d, const struct lab_lb *o, const struct lab_lb *n)
{
	const char *lb = o ? o->name.s : n->name.s;
	char name[64], desc[160];
	for (size_t i = 0; o && i < o->n_listeners; i++) {
		const struct lab_listener *x = &o->listeners[i], *y = find_listener(n, x->port.v);
		snprintf(name, sizeof(name), "%s:%lld", orv(lb, "?"), x->port.v);
		listener_desc(x, desc, sizeof(desc));
		if (!y)
			emit(d, LAB_REMOVE, "listener", name, "%s", desc);
		else
			listener_change(d, name, x, y);
		rules_of(d, name, x, y);
	}
	for (size_t i = 0; n && i < n->n_listeners; i++) {
		const struct lab_listener *y = &n->listeners[i];
		if (find_listener(o, y->port.v))
			continue;
		snprintf(name, sizeof(name), "%s:%lld", orv(lb, "?"), y->port.v);
		listener_desc(y, desc, sizeof(desc));
		emit(d, LAB_ADD, "listener", name, "%s", desc);
		rules_of(d, name, NULL, y);
	}
}

void diff_lbs(struct df *d, const struct lab_vpc *o, const struct lab_vpc *n)
{
	tgs(d, o, n);
	named_diff(d, &k_lb, o ? o->lbs : NULL, o ? o->n_lbs : 0, n ? n->lbs : NULL,
		   n ? n->n_lbs : 0, NULL);
	for (size_t i = 0; o && i < o->n_lbs; i++)
		listeners(d, &o->lbs[i], find_lb(n, o->lbs[i].name.s));
	for (size_t i = 0; n && i < n->n_lbs; i++)
		if (!find_lb(o, n->lbs[i].name.s))
			listeners(d, NULL, &n->lbs[i]);
}
