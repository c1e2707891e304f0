/* Capacity reconciliation (reference aws-elb §3): unhealthy instances out, then launches into the
 * zone with fewest instances (ties by subnet order), or terminations by AWS's default policy:
 * the zone with most instances, then the oldest instance (the lab has one launch template
 * version per instance and no billing hour, so "oldest template, closest to the billing hour"
 * becomes the oldest launch, then the lowest N). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/router/asg_decide.h"

int asg_unhealthy(const struct asg_config *cfg, const struct asg_instance *in, uint64_t now)
{
	if (in->life == ASG_TERMINATING)
		return -1;
	/* an exited process is a stopped instance: AWS marks it unhealthy regardless of the grace period */
	if (in->run_exited)
		return ASG_W_EC2_HEALTH;
	if (cfg->health_type == ASG_HC_ELB && in->elb_unhealthy && now >= in->launch_s + cfg->grace_s)
		return ASG_W_ELB_HEALTH;
	return -1;
}

int asg_in_metric(const struct asg_config *cfg, const struct asg_instance *in, uint64_t now)
{
	/* AWS: without a default instance warm-up, target tracking uses the default cooldown */
	uint32_t w = cfg->warmup_s ? cfg->warmup_s : cfg->cooldown_s ? cfg->cooldown_s : cfg->metric_period_s;
	return in->life == ASG_IN_SERVICE && now >= in->launch_s + w;
}

/* Live instances (not terminating, not chosen for termination) whose subnet is in zone az. */
static unsigned zone_count(const struct asg_subnet *sn, size_t n_sn, const struct asg_instance *inst,
			   size_t n_inst, const uint8_t *gone, const char *az, unsigned planned)
{
	unsigned c = planned;
	for (size_t i = 0; i < n_inst; i++)
		if (!gone[i] && inst[i].life != ASG_TERMINATING && inst[i].subnet >= 0 &&
		    (size_t)inst[i].subnet < n_sn && !strcmp(sn[inst[i].subnet].az, az))
			c++;
	return c;
}

static int push(struct asg_action *out, size_t max, size_t *k, const struct asg_action *a)
{
	if (*k >= max)
		return -ENOSPC;
	out[(*k)++] = *a;
	return 0;
}

static void set_name(char *dst, const char *src)
{
	size_t l = strnlen(src, ASG_NAME_MAX - 1);
	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* The next instance to terminate: outside the group's subnets first, then the zone with most
 * live instances, then the oldest launch, then the lowest N. */
static int pick_victim(const struct asg_subnet *sn, size_t n_sn, const struct asg_instance *inst, size_t n_inst,
		       const uint8_t *gone)
{
	int best = -1;
	unsigned best_zone = 0;
	for (size_t i = 0; i < n_inst; i++) {
		if (gone[i] || inst[i].life == ASG_TERMINATING)
			continue;
		int outside = inst[i].subnet < 0 || (size_t)inst[i].subnet >= n_sn;
		unsigned z = outside ? UINT32_MAX : zone_count(sn, n_sn, inst, n_inst, gone, sn[inst[i].subnet].az, 0);
		if (best < 0 || z > best_zone ||
		    (z == best_zone && (inst[i].launch_s < inst[best].launch_s ||
					(inst[i].launch_s == inst[best].launch_s && inst[i].seq < inst[best].seq)))) {
			best = (int)i;
			best_zone = z;
		}
	}
	return best;
}

/* The subnet for the next launch: in the zone with fewest live and planned instances, the first
 * such subnet in the group's order. */
static int pick_subnet(const struct asg_subnet *sn, size_t n_sn, const struct asg_instance *inst, size_t n_inst,
		       const uint8_t *gone, const unsigned *planned)
{
	int best = -1;
	unsigned best_c = 0;
	for (size_t s = 0; s < n_sn; s++) {
		unsigned p = 0;
		for (size_t t = 0; t < n_sn; t++)
			if (!strcmp(sn[t].az, sn[s].az))
				p += planned[t];
		unsigned c = zone_count(sn, n_sn, inst, n_inst, gone, sn[s].az, p);
		if (best < 0 || c < best_c)
			best = (int)s, best_c = c;
	}
	return best;
}

#define ASG_RECONCILE_MAX 1024 /* instances per group considered in one pass */

int asg_reconcile(const struct asg_config *cfg, const struct asg_subnet *subnets, size_t n_subnets,
		  const struct asg_instance *inst, size_t n_inst, uint32_t desired, uint64_t now,
		  uint32_t *next_seq, struct asg_action *out, size_t max)
{
	uint8_t gone[ASG_RECONCILE_MAX] = {0};
	unsigned planned[ASG_RECONCILE_MAX] = {0};
	if (n_inst > ASG_RECONCILE_MAX || n_subnets > ASG_RECONCILE_MAX)
		return -E2BIG;
	size_t k = 0;
	uint32_t live = 0, seq = *next_seq;
	for (size_t i = 0; i < n_inst; i++)
		live += inst[i].life != ASG_TERMINATING;

	/* unhealthy instances first: terminated, then replaced by the launches below (AWS) */
	for (size_t i = 0; i < n_inst; i++) {
		int why = asg_unhealthy(cfg, &inst[i], now);
		if (why < 0)
			continue;
		struct asg_action a = {.act = ASG_A_TERMINATE, .why = (uint8_t)why, .subnet = inst[i].subnet,
				       .instance = (int)i, .from = live, .to = live - 1};
		set_name(a.name, inst[i].name);
		if (push(out, max, &k, &a) < 0)
			return -ENOSPC;
		gone[i] = 1;
		live--;
	}
	/* instances outside the group's subnets (an apply took their subnet out of the group):
	 * terminated and launched again inside, as AWS does when a group's zones change */
	for (size_t i = 0; i < n_inst; i++) {
		if (gone[i] || inst[i].life == ASG_TERMINATING ||
		    (inst[i].subnet >= 0 && (size_t)inst[i].subnet < n_subnets))
			continue;
		struct asg_action a = {.act = ASG_A_TERMINATE, .why = ASG_W_CAPACITY, .subnet = inst[i].subnet,
				       .instance = (int)i, .from = live, .to = live - 1};
		set_name(a.name, inst[i].name);
		if (push(out, max, &k, &a) < 0)
			return -ENOSPC;
		gone[i] = 1;
		live--;
	}
	while (live > desired) {
		int v = pick_victim(subnets, n_subnets, inst, n_inst, gone);
		if (v < 0)
			break;
		struct asg_action a = {.act = ASG_A_TERMINATE, .why = ASG_W_CAPACITY, .subnet = inst[v].subnet,
				       .instance = v, .from = live, .to = live - 1};
		set_name(a.name, inst[v].name);
		if (push(out, max, &k, &a) < 0)
			return -ENOSPC;
		gone[v] = 1;
		live--;
	}
	while (live < desired && n_subnets > 0) {
		int s = pick_subnet(subnets, n_subnets, inst, n_inst, gone, planned);
		struct asg_action a = {.act = ASG_A_LAUNCH, .why = ASG_W_CAPACITY, .subnet = s, .instance = -1,
				       .from = live, .to = live + 1};
		char name[64];
		int l = snprintf(name, sizeof(name), "%s-%u", cfg->name, seq);
		if (l < 0 || l >= ASG_NAME_MAX)
			return -ENAMETOOLONG;
		set_name(a.name, name);
		if (push(out, max, &k, &a) < 0)
			return -ENOSPC;
		seq++;
		planned[s]++;
		live++;
	}
	*next_seq = seq;
	return (int)k;
}
