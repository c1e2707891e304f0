/* The `lb` control request (include/vpclab/ctl.h): each load balancer with its nodes, listeners,
 * target groups with every target's health as AWS names it, and its CloudWatch counters (the
 * data plane's, with HealthyHostCount and UnHealthyHostCount counted here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/lb_rule_text.h"
#include "control/router/alb.h"
#include "control/router/lb_health.h"
#include "control/router/router.h"
#include "dataplane/lb.h"
#include "dataplane/pipeline.h"

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case VL_LBP_TCP: return "tcp";
	case VL_LBP_UDP: return "udp";
	case VL_LBP_TCP_UDP: return "tcp_udp";
	default: return "http";
	}
}

static json_t *addr_json(uint32_t a)
{
	char buf[16];
	return a ? json_string(addr_fmt(a, buf)) : json_null();
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *health_check_json(const struct vl_tg *tg)
{
	const struct vl_health_check *hc = &tg->hc;
	bool http = hc->proto == VL_HC_HTTP;
	char matcher[16];
	/* as the file and AWS write it: one code, or a range */
	if (hc->match_lo == hc->match_hi)
		snprintf(matcher, sizeof(matcher), "%u", hc->match_lo);
	else
		snprintf(matcher, sizeof(matcher), "%u-%u", hc->match_lo, hc->match_hi);
	return json_pack("{s:s, s:i, s:o, s:i, s:i, s:i, s:i, s:o}", "protocol", http ? "http" : "tcp",
			 "port", hc->port ? hc->port : tg->port, "path", http ? json_string(hc->path) : json_null(),
			 "interval", hc->interval_s, "timeout", hc->timeout_s, "healthy", hc->healthy,
			 "unhealthy", hc->unhealthy, "matcher", http ? json_string(matcher) : json_null());
}

static json_t *target_json(const char *instance, uint16_t port, const char *az, const struct lbh_target *e,
			   enum lb_target_state st)
{
	char desc[96];
	const char *reason = e ? lbh_reason_code((enum lbh_reason)e->reason)
			     : st == LB_T_INITIAL ? lbh_reason_code(LBH_R_INITIAL) : NULL;
	const char *text = e ? lbh_description(e, desc, sizeof(desc)) : NULL;
	return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o}", "instance", instance, "port", port, "az", az,
			 "state", lb_target_state_name(st), "reason", str_or_null(reason),
			 "description", str_or_null(text));
}

struct drain_ctx {
	json_t *arr;
};

static void drain_one(void *ctx, const struct lbh_target *e)
{
	struct drain_ctx *d = ctx;
	char desc[96];
	json_array_append_new(d->arr, json_pack("{s:s, s:i, s:o, s:s, s:s, s:o}", "instance", e->instance,
						"port", e->port, "az", json_null(), "state",
						lb_target_state_name(LB_T_DRAINING), "reason",
						lbh_reason_code(LBH_R_DRAINING), "description",
						str_or_null(lbh_description(e, desc, sizeof(desc)))));
}

/* Group g's object; its healthy and unhealthy targets are added to the counts. */
static json_t *tg_json(struct router *r, uint16_t g, uint64_t *healthy, uint64_t *unhealthy)
{
	const struct vl_tables *t = r->t;
	const struct vl_tg *tg = &t->tgs[g];
	json_t *targets = json_array();
	for (uint32_t k = 0; k < tg->target_count; k++) {
		const struct vl_lb_target *x = &t->targets[tg->target_first + k];
		const struct vl_port *p = &t->ports[x->port];
		enum lb_target_state st = lb_target_state(r->s, g, k);
		*healthy += st == LB_T_HEALTHY;
		*unhealthy += st == LB_T_UNHEALTHY;
		const char *az = p->subnet < t->n_subnets ? t->subnets[p->subnet].az : "";
		json_array_append_new(targets, target_json(p->name, x->tport, az,
							   lbh_find(r, tg->name, p->name, x->tport), st));
	}
	struct drain_ctx d = {.arr = targets};
	lbh_foreach_draining(r, tg->name, drain_one, &d);
	json_t *o = json_pack("{s:s, s:s, s:i, s:o, s:o}", "name", tg->name, "protocol", proto_name(tg->proto),
			      "port", tg->port, "health_check", health_check_json(tg), "targets", targets);
	if (tg->proto == VL_LBP_HTTP) {
		/* AWS's RequestCountPerTarget: the group's requests over its healthy targets (all
		 * registered ones when none is healthy, as the proxy then fails open). */
		uint64_t n = 0, h = 0;
		for (uint32_t k = 0; k < tg->target_count; k++) {
			enum lb_target_state st = lb_target_state(r->s, g, k);
			h += st == LB_T_HEALTHY;
			n += st != LB_T_UNUSED;
		}
		uint64_t req = alb_tg_requests(r, tg->name), div = h ? h : n ? n : 1;
		json_object_set_new(o, "RequestCount", json_integer((json_int_t)req));
		json_object_set_new(o, "RequestCountPerTarget", json_integer((json_int_t)(req / div)));
	}
	return o;
}

/* An application listener's rules in priority order: {"priority", "conditions", "action"} as
 * `vpclab check` writes them (lb_rule_text.h). */
static json_t *rules_json(const struct vl_tables *t, const struct vl_listener *ls)
{
	json_t *a = json_array();
	for (uint32_t q = ls->rule_first; q < ls->rule_first + ls->rule_count && q < t->n_lb_rules; q++) {
		const struct vl_lb_rule *x = &t->lb_rules[q];
		char *cond = NULL, *act = NULL;
		size_t nc = 0, na = 0;
		FILE *fc = open_memstream(&cond, &nc), *fa = open_memstream(&act, &na);
		if (fc)
			lb_rule_conds(x, fc);
		if (fa)
			lb_rule_action(x, x->tg < t->n_tgs ? t->tgs[x->tg].name : "", 40, fa);
		if (fc)
			fclose(fc);
		if (fa)
			fclose(fa);
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}", "priority", x->priority,
						   "conditions", cond ? cond : "", "action", act ? act : ""));
		free(cond);
		free(act);
	}
	return a;
}

static json_t *lb_json(struct router *r, uint16_t b)
{
	const struct vl_tables *t = r->t;
	const struct vl_lb *lb = &t->lbs[b];
	json_t *nodes = json_array(), *listeners = json_array(), *groups = json_array();
	for (uint32_t k = lb->node_first; k < lb->node_first + lb->node_count && k < t->n_lb_nodes; k++) {
		uint16_t i = t->lb_nodes[k];
		if (i >= t->n_ports || !vl_port_used(&t->ports[i]))
			continue;
		const struct vl_port *p = &t->ports[i];
		char ns[128];
		vl_port_netns(t, i, ns, sizeof(ns));
		const struct vl_subnet *sn = &t->subnets[p->subnet];
		json_array_append_new(nodes, json_pack("{s:s, s:s, s:s, s:o, s:o}", "subnet", sn->name,
						       "az", sn->az, "namespace", ns, "private_ip",
						       addr_json(p->ip), "public_ip", addr_json(p->public_ip)));
	}
	/* The groups in the order the listeners name them, each once. */
	uint16_t seen[64];
	size_t n_seen = 0;
	uint64_t healthy = 0, unhealthy = 0;
	for (uint32_t l = lb->listener_first; l < lb->listener_first + lb->listener_count && l < t->n_listeners; l++) {
		const struct vl_listener *ls = &t->listeners[l];
		json_array_append_new(listeners, json_pack("{s:s, s:i, s:o, s:I, s:o}", "protocol", proto_name(ls->proto),
							   "port", ls->port, "forward",
							   ls->tg < t->n_tgs ? json_string(t->tgs[ls->tg].name) : json_null(),
							   "idle_timeout", (json_int_t)ls->idle_timeout_s,
							   "rules", rules_json(t, ls)));
		uint16_t want[1 + 64];
		size_t n_want = 0;
		want[n_want++] = ls->tg;
		for (uint32_t q = ls->rule_first; q < ls->rule_first + ls->rule_count && q < t->n_lb_rules && n_want < 65; q++)
			if (t->lb_rules[q].action == VL_LBA_FORWARD)
				want[n_want++] = t->lb_rules[q].tg;
		for (size_t w = 0; w < n_want; w++) {
			bool dup = want[w] >= t->n_tgs;
			for (size_t s = 0; s < n_seen && !dup; s++)
				dup = seen[s] == want[w];
			if (dup || n_seen == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[n_seen++] = want[w];
			json_array_append_new(groups, tg_json(r, want[w], &healthy, &unhealthy));
		}
	}
	json_t *c = json_object();
	if (lb->type == VL_LB_APPLICATION) /* the proxies' (alb.h), by AWS/ApplicationELB names */
		for (int k = 0; k < ALBC__COUNT; k++)
			json_object_set_new(c, alb_counter_name((enum alb_counter)k),
					    json_integer((json_int_t)alb_counter_get(r, lb->name, (enum alb_counter)k)));
	else
		for (int k = 0; k < LBC__COUNT; k++)
			json_object_set_new(c, lb_counter_name((enum lb_counter)k),
					    json_integer((json_int_t)lb_counter_get(dp_lb(r->s), b, (enum lb_counter)k)));
	json_object_set_new(c, "HealthyHostCount", json_integer((json_int_t)healthy));
	json_object_set_new(c, "UnHealthyHostCount", json_integer((json_int_t)unhealthy));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "name", lb->name, "type",
			 lb->type == VL_LB_APPLICATION ? "application" : "network", "scheme",
			 lb->internet_facing ? "internet-facing" : "internal", "dns", lb->dns, "vpc",
			 lb->vpc < t->n_vpcs ? t->vpcs[lb->vpc].name : "", "cross_zone", lb->cross_zone != 0,
			 "nodes", nodes, "listeners", listeners, "target_groups", groups, "counters", c);
}

json_t *ctl_handle_lb(struct router *r, const char *name)
{
	json_t *all = json_array();
	for (uint16_t b = 0; b < r->t->n_lbs; b++)
		if (!name || strcmp(name, r->t->lbs[b].name) == 0)
			json_array_append_new(all, lb_json(r, b));
	if (name && json_array_size(all) == 0) {
		json_decref(all);
		return json_pack("{s:s}", "error", "no such load balancer");
	}
	return json_pack("{s:o}", "load_balancers", all);
}
