/* Checking Elastic Load Balancing (rule-file.md "Load balancers and target groups"): target
 * groups (protocol, targets, health checks in AWS's ranges with AWS's defaults per protocol),
 * load balancers (type, scheme, one subnet per zone, security groups), listeners (their
 * rules are check_lb_rules.c's), the region, DNS names and node namespaces. Node addresses are check_addr.c's, like
 * every other interface's. Runs after names, layout and the VPCs' own references. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

/* AWS quotas (Elastic Load Balancing user guides, "Quotas"). */
#define LB_MAX_SGS 5            /* security groups per load balancer */
#define LB_MAX_LISTENERS 50     /* listeners per load balancer */
#define LB_MAX_RULES 100        /* rules per application load balancer, default rules aside */

static const char *nm(const struct lab_str *s)
{
	return s->s ? s->s : "?";
}

static bool is(const struct lab_str *s, const char *word)
{
	return s->s && !strcmp(s->s, word);
}

/* v in [lo, hi], else "KEY V is out of range LO..HI (AWS)" at v. Unset: true. */
bool ck_range(struct ck *c, const struct lab_int *v, const char *key, long long lo,
		     long long hi)
{
	if (!v->set || (v->v >= lo && v->v <= hi))
		return true;
	diag_error(c->d, v->at, "%s %lld is out of range %lld..%lld", key, v->v, lo, hi);
	return false;
}

static int ck_lb_proto(const char *s)
{
	static const char *const names[] = { "tcp", "udp", "tcp_udp", "http" };
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;   /* enum vl_lb_proto order */
	return -1;
}

static const char *const proto_names[] = { "tcp", "udp", "tcp_udp", "http" };

/* ---------------------------------------------------------------- region */

/* AWS's region codes: letters, then dash-separated words, then a number (us-east-1,
 * us-gov-west-1, ap-southeast-3). */
static bool ck_region_ok(const char *s)
{
	size_t n = strlen(s), words = 0;
	if (n < 4 || n > 25)
		return false;
	const char *p = s;
	while (*p) {
		size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (!w)
			break;
		p += w;
		words++;
		if (*p != '-')
			return false;
		p++;
	}
	size_t d = strspn(p, "0123456789");
	return words >= 2 && d >= 1 && p[d] == '\0';
}

static void ck_region(struct ck *c)
{
	const struct lab_str *r = &c->m->region;
	if (r->s && !ck_region_ok(r->s))
		diag_error(c->d, r->at, "region '%s' is not an AWS region code such as us-east-1 or "
			   "eu-west-3", CK_SHOW(r->s));
}

/* ---------------------------------------------------------------- target groups */

/* "200" or "200-399" inside [lo, hi]. */
static void ck_matcher(struct ck *c, const struct lab_str *s, bool network, struct vl_health_check *h)
{
	uint16_t lo = 200, hi = network ? 599 : 499;
	unsigned a, b;
	int n = 0;
	if (sscanf(s->s, "%3u%n", &a, &n) == 1 && s->s[n] == '\0') {
		b = a;
	} else if (!(sscanf(s->s, "%3u-%3u%n", &a, &b, &n) == 2 && s->s[n] == '\0')) {
		diag_error(c->d, s->at, "matcher '%s' must be a status code or a range such as "
			   "200-399", CK_SHOW(s->s));
		return;
	}
	if (a < lo || b > hi || a > b) {
		diag_error(c->d, s->at, "matcher '%s' must be within %u-%u for %s load balancers' "
			   "target groups (AWS)", CK_SHOW(s->s), lo, hi, network ? "network" : "application");
		return;
	}
	h->match_lo = (uint16_t)a;
	h->match_hi = (uint16_t)b;
}

/* AWS's defaults by protocol (CreateTargetGroup): TCP checks for network groups, HTTP GET / for
 * application ones; interval 30 s; timeout 10 s (TCP) or 6 s (HTTP); thresholds 5 and 2;
 * matcher 200-399 (network) or 200 (application). */
static void ck_health_check(struct ck *c, struct lab_tg *g, bool network)
{
	const struct lab_health_check *x = &g->health_check;
	struct vl_health_check *h = &g->hc;
	memset(h, 0, sizeof(*h));
	h->proto = network ? VL_HC_TCP : VL_HC_HTTP;
	if (is(&x->protocol, "http"))
		h->proto = VL_HC_HTTP;
	else if (x->protocol.s && !(network && is(&x->protocol, "tcp")))
		diag_error(c->d, x->protocol.at, "health check protocol must be %s, not '%s'",
			   network ? "tcp or http" : "http", CK_SHOW(x->protocol.s));
	bool http = h->proto == VL_HC_HTTP;
	h->interval_s = 30;
	h->timeout_s = http ? 6 : 10;
	h->healthy = 5;
	h->unhealthy = 2;
	h->match_lo = 200;
	h->match_hi = network ? 399 : 200;
	snprintf(h->path, sizeof(h->path), "/");
	if (ck_range(c, &x->port, "health check port", 1, 65535) && x->port.set)
		h->port = (uint16_t)x->port.v;
	if (ck_range(c, &x->interval, "health check interval", 5, 300) && x->interval.set)
		h->interval_s = (uint16_t)x->interval.v;
	bool timeout_ok = ck_range(c, &x->timeout, "health check timeout", 2, 120);
	if (timeout_ok && x->timeout.set)
		h->timeout_s = (uint16_t)x->timeout.v;
	if (ck_range(c, &x->healthy, "healthy threshold", 2, 10) && x->healthy.set)
		h->healthy = (uint8_t)x->healthy.v;
	if (ck_range(c, &x->unhealthy, "unhealthy threshold", 2, 10) && x->unhealthy.set)
		h->unhealthy = (uint8_t)x->unhealthy.v;
	if (timeout_ok && h->timeout_s >= h->interval_s)
		diag_error(c->d, x->timeout.set ? x->timeout.at : x->interval.at, "health check "
			   "timeout %u s must be less than its interval %u s (AWS)", h->timeout_s,
			   h->interval_s);
	if (x->path.s && !http)
		diag_error(c->d, x->path.at, "a health check path needs protocol http");
	else if (x->path.s && x->path.s[0] != '/')
		diag_error(c->d, x->path.at, "health check path '%s' must start with /", CK_SHOW(x->path.s));
	else if (x->path.s && strlen(x->path.s) >= sizeof(h->path))
		diag_error(c->d, x->path.at, "health check path is longer than %zu characters",
			   sizeof(h->path) - 1);
	else if (x->path.s)
		snprintf(h->path, sizeof(h->path), "%s", x->path.s);
	if (x->matcher.s && !http)
		diag_error(c->d, x->matcher.at, "a health check matcher needs protocol http");
	else if (x->matcher.s)
		ck_matcher(c, &x->matcher, network, h);
}

static void ck_targets(struct ck *c, struct lab_tg *g)
{
	for (size_t i = 0; i < g->n_targets; i++) {
		struct lab_target *t = &g->targets[i];
		const struct lab_instance *x = t->instance.s ? lab_find_instance(c->m, t->instance.s) : NULL;
		t->port_idx = VL_NONE;
		ck_range(c, &t->port, "target port", 1, 65535);
		if (t->instance.s)
			t->port_idx = ck_resolve(c, &t->instance, "instance", g->vpc, x ? x->vpc : -1,
						 x ? x->gidx : VL_NONE);
		long long port = t->port.set ? t->port.v : g->port.v;
		for (size_t j = 0; j < i && t->port_idx != VL_NONE; j++) {
			const struct lab_target *u = &g->targets[j];
			if (u->port_idx == t->port_idx && (u->port.set ? u->port.v : g->port.v) == port) {
				diag_error(c->d, t->at, "target %s:%lld is already registered at %d:%d",
					   t->instance.s, port, u->at.line, u->at.col);
				break;
			}
		}
	}
}

static void ck_tg(struct ck *c, struct lab_tg *g)
{
	int p = ck_lb_proto(g->protocol.s);
	g->proto_ok = p >= 0;
	g->proto = p >= 0 ? (uint8_t)p : VL_LBP_TCP;
	g->lb = VL_NONE;
	if (g->protocol.s && p < 0)
		diag_error(c->d, g->protocol.at, "target group protocol must be tcp, udp, tcp_udp "
			   "(network) or http (application), not '%s'", CK_SHOW(g->protocol.s));
	bool network = g->proto != VL_LBP_HTTP;
	ck_range(c, &g->port, "target group port", 1, 65535);
	ck_range(c, &g->deregistration_delay, "deregistration_delay", 0, 3600);
	ck_targets(c, g);
	ck_health_check(c, g, network);
	const struct lab_bool *pc = &g->preserve_client_ip;
	if (pc->set && !network)
		diag_error(c->d, pc->at, "preserve_client_ip is for network load balancers' target "
			   "groups (an application load balancer connects from its own node)");
	else if (pc->set && !pc->v && g->proto != VL_LBP_TCP)
		diag_error(c->d, pc->at, "preserve_client_ip cannot be turned off for %s target "
			   "groups (AWS)", proto_names[g->proto]);
	/* AWS: round_robin unless least_outstanding_requests (application groups only). */
	g->algo = VL_ALGO_ROUND_ROBIN;
	if (g->algorithm.s && network)
		diag_error(c->d, g->algorithm.at, "algorithm is for application load balancers' (http) "
			   "target groups (a network load balancer picks a target by flow hash)");
	else if (is(&g->algorithm, "least_outstanding_requests"))
		g->algo = VL_ALGO_LEAST_OUTSTANDING;
	else if (g->algorithm.s && !is(&g->algorithm, "round_robin"))
		diag_error(c->d, g->algorithm.at, "algorithm must be round_robin or "
			   "least_outstanding_requests, not '%s'", CK_SHOW(g->algorithm.s));
	const struct lab_stickiness *s = &g->stickiness;
	if (!s->set)
		return;
	if (network)
		diag_error(c->d, s->at, "stickiness is for application load balancers' (http) target "
			   "groups");
	else if (s->type.s && !is(&s->type, "lb_cookie"))
		diag_error(c->d, s->type.at, "stickiness type must be lb_cookie, not '%s'",
			   CK_SHOW(s->type.s));
	ck_range(c, &s->duration, "stickiness duration", 1, 604800);
}

/* ---------------------------------------------------------------- load balancers */

static void ck_lb_nodes(struct ck *c, struct lab_lb *b, const struct lab_vpc *v)
{
	bool app = b->kind == VL_LB_APPLICATION;
	size_t zones = 0, known = 0;
	if (b->nodes_set && b->n_nodes == 0)
		diag_error(c->d, b->nodes_at, "load balancer '%s' needs at least one subnet",
			   nm(&b->name));
	for (size_t i = 0; i < b->n_nodes; i++) {
		struct lab_lb_node *x = &b->nodes[i];
		x->eip = VL_NONE;
		x->eip_ref = NULL;
		x->subnet_idx = VL_NONE;
		if (!x->subnet.s)
			continue;
		const struct lab_subnet *s = lab_find_subnet(c->m, x->subnet.s);
		x->subnet_idx = ck_resolve(c, &x->subnet, "subnet", v->gidx, s ? s->vpc : -1,
					   s ? s->gidx : VL_NONE);
		if (x->subnet_idx == VL_NONE)
			continue;
		known++;
		bool again = false;
		for (size_t j = 0; j < i && !again; j++) {
			const struct lab_lb_node *y = &b->nodes[j];
			if (y->subnet_idx == x->subnet_idx) {
				diag_error(c->d, x->subnet.at, "subnet '%s' is listed twice", x->subnet.s);
				again = true;
			} else if (y->subnet_idx != VL_NONE && s->az.s &&
				   is(&c->subnets[y->subnet_idx]->az, s->az.s)) {
				diag_error(c->d, x->subnet.at, "subnets '%s' and '%s' are both in az '%s': "
					   "a load balancer has one subnet per availability zone (AWS)",
					   y->subnet.s, x->subnet.s, s->az.s);
				again = true;
			}
		}
		if (!s->az.s)
			diag_error(c->d, x->subnet.at, "subnet '%s' has no az: a load balancer's subnets "
				   "need one (its nodes and targets are placed by zone)", x->subnet.s);
		else if (!again)
			zones++;
		if (app && s->prefix_ok && s->prefix.len > 27)
			diag_error(c->d, x->subnet.at, "subnet '%s' is a /%u: an application load "
				   "balancer's subnets must be /27 or larger (AWS)", x->subnet.s,
				   s->prefix.len);
	}
	bool type_ok = !b->type.s || is(&b->type, "application") || is(&b->type, "network");
	if (app && type_ok && known == b->n_nodes && b->n_nodes && zones < 2)
		diag_error(c->d, b->name.s ? b->name.at : b->at, "application load balancer '%s' needs "
			   "subnets in at least two availability zones (AWS)", nm(&b->name));
}

static void ck_lb_eip_map(struct ck *c, struct lab_lb *b)
{
	if (!b->n_eips)
		return;
	if (b->kind != VL_LB_NETWORK || !b->internet_facing) {
		diag_error(c->d, b->eips_at, "elastic_ips are for internet-facing network load "
			   "balancers (AWS)");
		return;
	}
	for (size_t i = 0; i < b->n_eips; i++) {
		struct lab_lb_eip *e = &b->eips[i];
		struct lab_lb_node *x = NULL;
		for (size_t j = 0; j < b->n_nodes && !x; j++)
			if (is(&b->nodes[j].subnet, e->subnet.s))
				x = &b->nodes[j];
		if (!x)
			diag_error(c->d, e->subnet.at, "'%s' is not one of load balancer '%s''s subnets",
				   CK_SHOW(e->subnet.s), nm(&b->name));
		else if (x->eip_ref)
			diag_error(c->d, e->subnet.at, "subnet '%s' already has an elastic ip at %d:%d",
				   e->subnet.s, x->eip_ref->at.line, x->eip_ref->at.col);
		else
			x->eip_ref = &e->eip;
	}
}

static void ck_lb_sgs(struct ck *c, struct lab_lb *b, const struct lab_vpc *v)
{
	const struct lab_names *l = &b->security_groups;
	bool app = b->kind == VL_LB_APPLICATION;
	b->n_sgs = 0;
	if (!l->set) {
		if (app)
			b->sgs[b->n_sgs++] = v->default_sg;
		return;
	}
	if (l->n == 0 && app)
		diag_error(c->d, l->at, "an application load balancer needs at least one security "
			   "group (leave 'security_groups' out for 'default')");
	if (l->n > LB_MAX_SGS)
		diag_error(c->d, l->v[LB_MAX_SGS].at, "a load balancer has %zu security groups: AWS's "
			   "quota is %d per load balancer", l->n, LB_MAX_SGS);
	for (size_t i = 0; i < l->n && b->n_sgs < LB_MAX_SGS; i++) {
		uint16_t g = ck_ref_sg(c, &l->v[i], v);
		bool twice = false;
		for (size_t j = 0; j < b->n_sgs; j++)
			twice |= b->sgs[j] == g;
		if (twice)
			diag_error(c->d, l->v[i].at, "security group '%s' is listed twice", l->v[i].s);
		else if (g != VL_NONE)
			b->sgs[b->n_sgs++] = g;
	}
}

/* A forward action's group: in the load balancer's VPC, of the listener's protocol, used by this
 * load balancer only. VL_NONE after reporting. */
uint16_t ck_lb_forward(struct ck *c, const struct lab_str *ref, struct lab_lb *b,
		       const struct lab_listener *x)
{
	struct lab_tg *g = lab_find_tg(c->m, ref->s);
	uint16_t t = ck_resolve(c, ref, "target group", b->vpc, g ? g->vpc : -1, g ? g->gidx : VL_NONE);
	if (t == VL_NONE || !g->proto_ok || !x->proto_ok)
		return t;
	if (g->proto != x->proto) {
		diag_error(c->d, ref->at, "target group '%s' is %s: a %s listener forwards to %s "
			   "target groups", ref->s, proto_names[g->proto], proto_names[x->proto],
			   proto_names[x->proto]);
		return VL_NONE;
	}
	if (g->lb != VL_NONE && g->lb != b->gidx) {
		diag_error(c->d, ref->at, "target group '%s' is already used by load balancer '%s': "
			   "a target group belongs to one load balancer (AWS)", ref->s,
			   nm(&c->lbs[g->lb]->name));
		return VL_NONE;
	}
	g->lb = b->gidx;
	return t;
}

static void ck_listener(struct ck *c, struct lab_lb *b, size_t i)
{
	struct lab_listener *x = &b->listeners[i];
	bool app = b->kind == VL_LB_APPLICATION;
	int p = ck_lb_proto(x->protocol.s);
	x->tg = VL_NONE;
	x->proto_ok = x->protocol.s && p >= 0 && (p == VL_LBP_HTTP) == app;
	x->proto = p >= 0 ? (uint8_t)p : VL_LBP_TCP;
	if (x->protocol.s && !x->proto_ok)
		diag_error(c->d, x->protocol.at, "a%s load balancer's listener protocol must be %s, "
			   "not '%s'", app ? "n application" : " network", app ? "http" : "tcp, udp or "
			   "tcp_udp", CK_SHOW(x->protocol.s));
	ck_range(c, &x->port, "listener port", 1, 65535);
	for (size_t j = 0; j < i; j++)
		if (x->port.set && b->listeners[j].port.set && b->listeners[j].port.v == x->port.v) {
			diag_error(c->d, x->port.at, "port %lld already has the listener at %d:%d",
				   x->port.v, b->listeners[j].at.line, b->listeners[j].at.col);
			break;
		}
	const struct lab_str *fwd = x->forward.s ? &x->forward : &x->dflt;
	if (x->forward.s && x->dflt.s)
		diag_error(c->d, x->dflt.at, "a listener has one default action: 'forward' or "
			   "'default', not both");
	else if (!fwd->s)
		diag_error(c->d, x->at, "missing required key '%s' in listener (the target group "
			   "it forwards to)", app ? "default" : "forward");
	else
		x->tg = ck_lb_forward(c, fwd, b, x);
	/* AWS: network TCP idle timeout 60-6000 s (350), UDP fixed at 120 s; application 1-4000 s
	 * (60, a load balancer attribute that the lab writes per listener). */
	x->idle_s = app ? 60 : x->proto == VL_LBP_UDP ? 120 : 350;
	if (x->idle_timeout.set && !app && x->proto != VL_LBP_TCP)
		diag_error(c->d, x->idle_timeout.at, "the idle timeout of %s listeners is fixed "
			   "(AWS): only tcp listeners take idle_timeout", proto_names[x->proto]);
	else if (ck_range(c, &x->idle_timeout, "idle_timeout", app ? 1 : 60, app ? 4000 : 6000) &&
		 x->idle_timeout.set)
		x->idle_s = (uint32_t)x->idle_timeout.v;
	if (x->rules_set && !app && x->n_rules)
		diag_error(c->d, x->rules[0].at, "listener rules are for application load balancers");
	else
		for (size_t r = 0; r < x->n_rules; r++)
			ck_lb_rule(c, b, x, r);
}

static void ck_lb(struct ck *c, struct lab_lb *b, const struct lab_vpc *v)
{
	b->kind = VL_LB_APPLICATION;
	if (is(&b->type, "network"))
		b->kind = VL_LB_NETWORK;
	else if (b->type.s && !is(&b->type, "application"))
		diag_error(c->d, b->type.at, "load balancer type must be network or application, not "
			   "'%s'", CK_SHOW(b->type.s));
	b->internet_facing = is(&b->scheme, "internet-facing");
	if (b->scheme.s && !b->internet_facing && !is(&b->scheme, "internal"))
		diag_error(c->d, b->scheme.at, "scheme must be internet-facing or internal, not '%s'",
			   CK_SHOW(b->scheme.s));
	if (b->internet_facing && !v->internet_gateway.v)
		diag_error(c->d, b->scheme.at, "internet-facing load balancer '%s' needs "
			   "internet_gateway: true in vpc '%s'", nm(&b->name), ck_vpc_name(c, v->gidx));
	if (b->kind == VL_LB_APPLICATION && b->cross_zone.set && !b->cross_zone.v)
		diag_error(c->d, b->cross_zone.at, "cross_zone is always on for application load "
			   "balancers (AWS)");
	ck_lb_nodes(c, b, v);
	ck_lb_eip_map(c, b);
	ck_lb_sgs(c, b, v);
	if (b->n_listeners > LB_MAX_LISTENERS)
		diag_error(c->d, b->listeners[LB_MAX_LISTENERS].at, "load balancer '%s' has %zu "
			   "listeners: AWS's quota is %d", nm(&b->name), b->n_listeners, LB_MAX_LISTENERS);
	size_t rules = 0;
	for (size_t i = 0; i < b->n_listeners; i++) {
		const struct lab_listener *x = &b->listeners[i];
		ck_listener(c, b, i);
		if (rules <= LB_MAX_RULES && rules + x->n_rules > LB_MAX_RULES)
			diag_error(c->d, x->rules[LB_MAX_RULES - rules].at, "load balancer '%s' has more "
				   "than %d listener rules: AWS's quota (default rules aside)",
				   nm(&b->name), LB_MAX_RULES);
		rules += x->n_rules;
	}
}

/* ---------------------------------------------------------------- lab-wide */

/* FNV-1a, 64 bits: the same lab and name give the same DNS name on every machine. */
static uint64_t ck_hash(const char *a, const char *b)
{
	uint64_t h = 14695981039346656037ull;
	for (const char *s = a; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h = (h ^ '/') * 1099511628211ull;
	for (const char *s = b; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/* AWS's forms: NAME-ID.elb.REGION.amazonaws.com (network), NAME-ID.REGION.elb.amazonaws.com
 * (application), internal- first when internal. */
static void ck_dns(const struct ck *c, struct lab_lb *b)
{
	const char *lab = lab_name(c->m), *region = lab_region(c->m);
	uint64_t h = ck_hash(lab ? lab : "", nm(&b->name));
	const char *pre = b->internet_facing ? "" : "internal-";
	if (b->kind == VL_LB_NETWORK)
		snprintf(b->dns, sizeof(b->dns), "%s%s-%016llx.elb.%s.amazonaws.com", pre, nm(&b->name),
			 (unsigned long long)h, region);
	else
		snprintf(b->dns, sizeof(b->dns), "%s%s-%010llx.%s.elb.amazonaws.com", pre, nm(&b->name),
			 (unsigned long long)(h & 0xffffffffffull), region);
}

/* Namespaces are LAB-NAME for instances and hosts and LAB-LBNAME-SUBNET for nodes: no two may
 * be the same name. */
struct ck_ns {
	char name[2 * VL_NAME_MAX];
	struct loc at;
	const char *what;
	uint16_t lb;             /* nodes: their load balancer; else VL_NONE */
};

static int ck_ns_cmp(const void *pa, const void *pb)
{
	const struct ck_ns *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);
	return r ? r : ck_loc_cmp(a->at, b->at);
}

static void ck_namespaces(struct ck *c)
{
	struct lab *m = c->m;
	size_t n = 0, cap = (size_t)m->n_instances + m->n_hosts + m->n_nodes + 1;
	struct ck_ns *v = calloc(cap, sizeof(*v));
	if (!v) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_instances; i++, n++) {
		snprintf(v[n].name, sizeof(v[n].name), "%s", nm(&c->instances[i]->name));
		v[n].at = c->instances[i]->name.at;
		v[n].what = "instance";
		v[n].lb = VL_NONE;
	}
	for (size_t i = 0; i < m->n_hosts; i++, n++) {
		snprintf(v[n].name, sizeof(v[n].name), "%s", nm(&m->hosts[i].name));
		v[n].at = m->hosts[i].name.at;
		v[n].what = "internet host";
		v[n].lb = VL_NONE;
	}
	for (size_t i = 0; i < m->n_nodes; i++) {
		const struct lab_lb_node *x = c->nodes[i];
		const struct lab_lb *b = c->lbs[x->lb];
		if (!b->name.s || !x->subnet.s)
			continue;
		snprintf(v[n].name, sizeof(v[n].name), "%s-%s", b->name.s, x->subnet.s);
		v[n].at = x->subnet.at;
		v[n].lb = x->lb;
		v[n++].what = "load balancer node";
	}
	qsort(v, n, sizeof(*v), ck_ns_cmp);
	for (size_t i = 1; i < n; i++) {
		/* One subnet listed twice by one load balancer is reported as such. */
		if (strcmp(v[i].name, v[i - 1].name) || v[i].name[0] == '?' ||
		    (v[i].lb != VL_NONE && v[i].lb == v[i - 1].lb))
			continue;
		/* Only pairs with a node: instances and hosts already have unique names. */
		const struct ck_ns *node = !strcmp(v[i].what, "load balancer node") ? &v[i] : &v[i - 1];
		const struct ck_ns *other = node == &v[i] ? &v[i - 1] : &v[i];
		if (strcmp(node->what, "load balancer node"))
			continue;
		diag_error(c->d, node->at, "the load balancer node's namespace LAB-%s would be the "
			   "namespace of the %s at %d:%d: rename one", node->name, other->what,
			   other->at.line, other->at.col);
	}
	free(v);
}

void ck_lbs(struct ck *c)
{
	struct lab *m = c->m;
	ck_region(c);
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_tgs; i++)
			ck_tg(c, &m->vpcs[v].tgs[i]);
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_lbs; i++) {
			ck_lb(c, &m->vpcs[v].lbs[i], &m->vpcs[v]);
			ck_dns(c, &m->vpcs[v].lbs[i]);
		}
	ck_namespaces(c);
}
