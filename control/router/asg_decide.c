/* Target tracking as AWS's alarms decide it (reference aws-elb §3, spec "Auto scaling groups"):
 * per policy a streak of periods above its target (AlarmHigh: 3) or below 90% of it (AlarmLow:
 * 15); out when any policy's high alarm fires, in only when every policy's low alarm does and no
 * instance warms up; the new capacity proportional to the metric; and set-desired's limits. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/router/asg_decide.h"

/* ceil(base * value / target), with a little slack so that 2 * 150 / 100 is 3, not 4 */
static uint32_t proportional(uint32_t base, double value, double target)
{
	double v = (double)base * value / target;
	if (!(v > 0))
		return 0;
	if (v > 1e6)
		return 1000000;
	v -= 1e-9;
	uint32_t n = (uint32_t)v; /* ceil without libm */
	return n + ((double)n < v);
}

static void update_streaks(const struct asg_config *cfg, struct asg_tt_state *st, const struct asg_sample *s)
{
	for (int i = 0; i < cfg->n_policies && i < ASG_POLICIES_MAX; i++) {
		/* no data counts toward neither alarm and does not break a streak: CloudWatch's
		 * "missing" treatment evaluates the datapoints that exist */
		if (!s[i].has_data)
			continue;
		double t = cfg->policies[i].target;
		if (s[i].value > t) {
			st->high[i] += st->high[i] < UINT16_MAX;
			st->low[i] = 0;
		} else if (s[i].value < t * ASG_SCALE_IN_RATIO) {
			st->low[i] += st->low[i] < UINT16_MAX;
			st->high[i] = 0;
		} else {
			st->high[i] = st->low[i] = 0;
		}
	}
}

void asg_tt_step(const struct asg_config *cfg, struct asg_tt_state *st, const struct asg_sample *samples,
		 uint32_t desired, uint32_t base, uint32_t warming, uint64_t now, struct asg_tt_decision *d)
{
	*d = (struct asg_tt_decision){.dir = ASG_TT_NONE, .policy = -1, .from = desired, .to = desired};
	update_streaks(cfg, st, samples);
	if (!base)
		base = desired;
	int n = cfg->n_policies < ASG_POLICIES_MAX ? cfg->n_policies : ASG_POLICIES_MAX;

	/* out: any policy whose high alarm is in ALARM this period; the largest capacity wins. An
	 * alarm stays in ALARM while the metric stays high and acts each period, as AWS's does;
	 * instances in warm-up are outside `base`, so they are not added twice. */
	int out = -1;
	uint32_t out_to = 0;
	for (int i = 0; i < n; i++) {
		if (!samples[i].has_data || st->high[i] < ASG_SCALE_OUT_PERIODS)
			continue;
		uint32_t p = proportional(base, samples[i].value, cfg->policies[i].target);
		if (out < 0 || p > out_to)
			out = i, out_to = p;
	}
	if (out >= 0) {
		if (out_to > cfg->max)
			out_to = cfg->max;
		if (out_to > desired) {
			d->dir = ASG_TT_OUT, d->policy = out, d->value = samples[out].value, d->to = out_to;
		}
		return; /* a policy that wants out vetoes any scale-in */
	}

	/* in: only when every policy's low alarm is in ALARM; the smallest reduction wins */
	if (n == 0)
		return;
	int in = -1;
	uint32_t in_to = 0;
	for (int i = 0; i < n; i++) {
		if (!samples[i].has_data || st->low[i] < ASG_SCALE_IN_PERIODS)
			return;
		uint32_t p = proportional(base, samples[i].value, cfg->policies[i].target);
		if (in < 0 || p > in_to)
			in = i, in_to = p;
	}
	if (in_to < cfg->min)
		in_to = cfg->min;
	if (in_to >= desired)
		return;
	/* AWS blocks a dynamic scale-in until new instances finish their warm-up */
	if (warming) {
		d->in_warmup = 1;
		return;
	}
	if (st->scaled_in && now < st->last_scale_in_s + cfg->cooldown_s) {
		d->in_cooldown = 1;
		return;
	}
	d->dir = ASG_TT_IN, d->policy = in, d->value = samples[in].value, d->to = in_to;
	st->scaled_in = 1;
	st->last_scale_in_s = now;
}

int asg_set_desired_check(const struct asg_config *cfg, long n, char *err, size_t errlen)
{
	if (n > (long)cfg->max) {
		snprintf(err, errlen, "New SetDesiredCapacity value %ld is above max value %u for the AutoScalingGroup.",
			 n, cfg->max);
		return -ERANGE;
	}
	if (n < (long)cfg->min) {
		snprintf(err, errlen, "New SetDesiredCapacity value %ld is below min value %u for the AutoScalingGroup.",
			 n, cfg->min);
		return -ERANGE;
	}
	if (errlen)
		err[0] = '\0';
	return 0;
}

uint32_t asg_clamp(const struct asg_config *cfg, uint32_t desired)
{
	if (desired > cfg->max)
		desired = cfg->max;
	if (desired < cfg->min)
		desired = cfg->min;
	return desired;
}
