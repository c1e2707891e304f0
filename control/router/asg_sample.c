/* A group's metric periods (asg_ctl.h): at the end of each, the policies' metrics as
 * CloudWatch would have them, from the lab's own counters: CPU from each instance's cgroup
 * (control/host/cgroup.h), requests per target from the application load balancers' counters,
 * bytes from the router's port counters. Only instances in service and past their warm-up
 * count (asg_in_metric); a period without data counts toward no alarm. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/host/cgroup.h"
#include "control/router/alb.h"
#include "control/router/asg_ctl.h"
#include "control/router/router.h"
#include "dataplane/lb.h"
#include "dataplane/pipeline.h"

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The period's first readings of x. */
static void readings(struct router *r, struct asg_inst *x)
{
	uint64_t us;
	int rc = cg_usage_us(r->t->lab, x->m.name, &us);
	x->cpu_ok = rc == 0 || (rc == -ENOENT && !x->m.run[0]);
	if (rc < 0)
		us = 0; /* no cgroup and no `run`: nothing ran in it, no CPU used */
	x->cpu_us = x->cpu_ok ? us : 0;
	x->cpu_at_us = mono_us();
	uint16_t p = asg_port_of(r, x->m.name);
	const struct dp_port_stats *st = p != VL_NONE ? dp_port_stats_get(r->s, p) : NULL;
	x->net_ok = st != NULL;
	x->rx_bytes = st ? st->rx_bytes : 0;
	x->tx_bytes = st ? st->tx_bytes : 0;
}

/* x's value of metric over the period now ending, or -1 when unknown. */
static double value_of(struct router *r, const struct asg_inst *x, uint8_t metric)
{
	if (metric == ASG_M_CPU) {
		uint64_t us;
		int rc = cg_usage_us(r->t->lab, x->m.name, &us);
		if (rc == -ENOENT && !x->m.run[0])
			us = 0, rc = 0; /* a `run` whose cgroup is missing is unknown, not idle */
		return rc == 0 && x->cpu_ok ? asg_cpu_percent(x->cpu_us, us, mono_us() - x->cpu_at_us) : -1;
	}
	uint16_t p = asg_port_of(r, x->m.name);
	const struct dp_port_stats *st = p != VL_NONE ? dp_port_stats_get(r->s, p) : NULL;
	if (!st || !x->net_ok)
		return -1;
	/* the port's rx is what the instance sent (its network out), tx what it received */
	return metric == ASG_M_NET_IN ? asg_bytes_delta(x->tx_bytes, st->tx_bytes)
				      : asg_bytes_delta(x->rx_bytes, st->rx_bytes);
}

/* Healthy targets of target group tg (RequestCountPerTarget's divisor, as AWS's). */
static uint32_t healthy_targets(const struct router *r, uint16_t tg)
{
	uint32_t n = 0;
	for (uint32_t k = 0; k < r->t->tgs[tg].target_count; k++)
		n += lb_target_state(r->s, tg, k) == LB_T_HEALTHY;
	return n;
}

/* The target group policy p of group g counts requests of (VL_NONE: none). */
static uint16_t policy_tg(const struct router *r, const struct asg_group *g, int p)
{
	const struct vl_asg *a = &r->t->asgs[g->gi];
	return (uint32_t)p < a->policy_count ? r->t->asg_policies[a->policy_first + p].tg : VL_NONE;
}

static struct asg_sample sample(struct router *r, struct asg_group *g, int p, uint64_t now, uint32_t *base)
{
	uint8_t metric = g->cfg.policies[p].metric;
	if (metric == ASG_M_ALB_RPT) {
		uint16_t tg = policy_tg(r, g, p);
		if (tg == VL_NONE || tg >= r->t->n_tgs)
			return (struct asg_sample){0};
		uint64_t now_count = alb_tg_requests(r, r->t->tgs[tg].name);
		return asg_alb_rpt(g->alb0[p], now_count, healthy_targets(r, tg));
	}
	double vals[VL_ASG_MAX_SIZE * 2];
	size_t n = 0;
	for (size_t k = 0; k < g->n && n < sizeof(vals) / sizeof(vals[0]); k++) {
		const struct asg_inst *x = &g->v[k];
		struct asg_instance in = {.life = x->life, .launch_s = x->launch_s};
		if (x->pend == ASG_P_LAUNCH || !asg_in_metric(&g->cfg, &in, now))
			continue;
		vals[n++] = value_of(r, x, metric);
	}
	*base = 0; /* the average is over the instances whose value is known: so is the capacity */
	for (size_t k = 0; k < n; k++)
		*base += vals[k] >= 0;
	return asg_average(vals, n);
}

void asg_period(struct router *r, struct asg_group *g, uint64_t now)
{
	if (now < g->period_start_s + g->cfg.metric_period_s)
		return;
	struct asg_sample s[ASG_POLICIES_MAX] = {{0}};
	uint32_t base = 0, warming = 0;
	for (int p = 0; p < g->cfg.n_policies; p++) {
		uint32_t b = 0;
		s[p] = sample(r, g, p, now, &b);
		if (b > base)
			base = b;
	}
	for (size_t k = 0; k < g->n; k++) {
		struct asg_instance in = {.life = g->v[k].life, .launch_s = g->v[k].launch_s};
		if (g->v[k].life != ASG_TERMINATING && !asg_in_metric(&g->cfg, &in, now))
			warming++;
	}
	uint32_t in_service = 0;
	for (size_t k = 0; k < g->n; k++)
		in_service += g->v[k].life == ASG_IN_SERVICE;
	if (!base)
		base = in_service; /* requests per target: the group's instances in service */
	memcpy(g->last, s, sizeof(g->last));
	if (g->cfg.n_policies) {
		struct asg_tt_decision d;
		asg_tt_step(&g->cfg, &g->tt, s, g->desired, base, warming, now, &d);
		if (d.dir != ASG_TT_NONE && d.to != g->desired) {
			asg_tt_cause(&g->cfg, &d, now, g->pending_cause, sizeof(g->pending_cause));
			asg_tt_reason(&g->cfg, &d, g->pending_details, sizeof(g->pending_details));
			g->desired = d.to;
		}
	}
	asg_period_begin(r, g, now);
}

void asg_period_begin(struct router *r, struct asg_group *g, uint64_t now)
{
	g->period_start_s = now;
	for (int p = 0; p < g->cfg.n_policies; p++) {
		uint16_t tg = policy_tg(r, g, p);
		if (g->cfg.policies[p].metric == ASG_M_ALB_RPT && tg != VL_NONE && tg < r->t->n_tgs)
			g->alb0[p] = alb_tg_requests(r, r->t->tgs[tg].name);
	}
	for (size_t k = 0; k < g->n; k++)
		readings(r, &g->v[k]);
}
