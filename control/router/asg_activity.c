/* Auto Scaling's activity history in AWS's wording (DescribeScalingActivities' Cause and
 * Description), from a decision and the time given; the alarm names follow AWS's
 * TargetTracking-GROUP-AlarmHigh-ID with the policy's name for the id. */
#include <stdio.h>
#include <time.h>

#include "control/router/asg_decide.h"

const char *asg_metric_name(uint8_t metric)
{
	switch (metric) {
	case ASG_M_CPU: return "cpu";
	case ASG_M_ALB_RPT: return "alb_request_count_per_target";
	case ASG_M_NET_IN: return "network_in";
	case ASG_M_NET_OUT: return "network_out";
	}
	return "?";
}

char *asg_time(uint64_t now, char *buf, size_t len)
{
	time_t t = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)now);
	return buf;
}

char *asg_alarm_name(const struct asg_config *cfg, int policy, int high, char *buf, size_t len)
{
	const char *p = policy >= 0 && policy < cfg->n_policies ? cfg->policies[policy].name : "?";
	snprintf(buf, len, "TargetTracking-%s-Alarm%s-%s", cfg->name, high ? "High" : "Low", p);
	return buf;
}

char *asg_tt_cause(const struct asg_config *cfg, const struct asg_tt_decision *d, uint64_t now, char *buf,
		   size_t len)
{
	char t[32], alarm[64];
	const char *p = d->policy >= 0 && d->policy < cfg->n_policies ? cfg->policies[d->policy].name : "?";
	snprintf(buf, len,
		 "At %s a monitor alarm %s in state ALARM triggered policy %s changing the desired capacity from %u to %u.",
		 asg_time(now, t, sizeof(t)), asg_alarm_name(cfg, d->policy, d->dir == ASG_TT_OUT, alarm, sizeof(alarm)),
		 p, d->from, d->to);
	return buf;
}

char *asg_tt_reason(const struct asg_config *cfg, const struct asg_tt_decision *d, char *buf, size_t len)
{
	if (d->policy < 0 || d->policy >= cfg->n_policies) {
		snprintf(buf, len, "no alarm");
		return buf;
	}
	const struct asg_policy *p = &cfg->policies[d->policy];
	if (d->dir == ASG_TT_OUT)
		snprintf(buf, len, "%s %.0f > target %.0f for %d periods", asg_metric_name(p->metric), d->value,
			 p->target, ASG_SCALE_OUT_PERIODS);
	else /* AlarmLow's threshold is below the target: say which */
		snprintf(buf, len, "%s %.0f < %.0f (90%% of target %.0f) for %d periods", asg_metric_name(p->metric),
			 d->value, p->target * ASG_SCALE_IN_RATIO, p->target, ASG_SCALE_IN_PERIODS);
	return buf;
}

char *asg_set_desired_cause(uint32_t from, uint32_t to, uint64_t now, char *buf, size_t len)
{
	char t[32];
	snprintf(buf, len,
		 "At %s a user request explicitly set group desired capacity changing the desired capacity from %u to %u.",
		 asg_time(now, t, sizeof(t)), from, to);
	return buf;
}

char *asg_create_cause(uint32_t desired, uint64_t now, char *buf, size_t len)
{
	char t[32];
	snprintf(buf, len, "At %s a user request created an AutoScalingGroup changing the desired capacity from 0 to %u.",
		 asg_time(now, t, sizeof(t)), desired);
	return buf;
}

char *asg_update_cause(uint32_t min, uint32_t max, uint32_t from, uint32_t to, uint64_t now, char *buf,
		       size_t len)
{
	char t[32];
	snprintf(buf, len,
		 "At %s a user request update of AutoScalingGroup constraints to min: %u, max: %u, desired: %u changing the desired capacity from %u to %u.",
		 asg_time(now, t, sizeof(t)), min, max, to, from, to);
	return buf;
}

char *asg_action_description(const struct asg_action *a, char *buf, size_t len)
{
	if (a->act == ASG_A_LAUNCH)
		snprintf(buf, len, "Launching a new EC2 instance: %s", a->name);
	else
		snprintf(buf, len, "Terminating EC2 instance: %s", a->name);
	return buf;
}

char *asg_action_cause(const struct asg_action *a, uint64_t now, char *buf, size_t len)
{
	char t[32];
	asg_time(now, t, sizeof(t));
	if (a->act == ASG_A_LAUNCH)
		snprintf(buf, len,
			 "At %s an instance was started in response to a difference between desired and actual capacity, increasing the capacity from %u to %u.",
			 t, a->from, a->to);
	else if (a->why == ASG_W_EC2_HEALTH)
		snprintf(buf, len,
			 "At %s an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.",
			 t);
	else if (a->why == ASG_W_ELB_HEALTH)
		snprintf(buf, len, "At %s an instance was taken out of service in response to an ELB system health check failure.",
			 t);
	else
		snprintf(buf, len,
			 "At %s an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from %u to %u.",
			 t, a->from, a->to);
	return buf;
}
