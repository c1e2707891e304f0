/* The Auto Scaling controller's decisions as pure functions (reference aws-elb §3, spec "Auto
 * scaling groups"): target tracking on one period's metric values, capacity reconciliation
 * (launches balanced over zones, AWS's default termination order, unhealthy replacement), the
 * set-desired limits, metric aggregation and AWS's activity wording. No I/O, no clock, no
 * globals: the controller fills these structs from the tables and passes `now` (unix seconds). */
#ifndef VPCLAB_ASG_DECIDE_H
#define VPCLAB_ASG_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#define ASG_NAME_MAX 16          /* names are at most 15 characters (spec) */
#define ASG_POLICIES_MAX 8
#define ASG_SCALE_OUT_PERIODS 3  /* AWS's target tracking AlarmHigh: 3 of 3 datapoints */
#define ASG_SCALE_IN_PERIODS 15  /* AWS's AlarmLow: 15 of 15 datapoints */
#define ASG_SCALE_IN_RATIO 0.9   /* AWS's AlarmLow threshold: 90% of the target (scale in conservatively) */

enum asg_metric {
	ASG_M_CPU,               /* ASGAverageCPUUtilization: percent of one core */
	ASG_M_ALB_RPT,           /* ALBRequestCountPerTarget: requests per target per period */
	ASG_M_NET_IN,            /* ASGAverageNetworkIn: bytes per instance per period */
	ASG_M_NET_OUT,           /* ASGAverageNetworkOut */
};

enum asg_health_type { ASG_HC_EC2, ASG_HC_ELB };

struct asg_policy {
	char name[ASG_NAME_MAX];
	uint8_t metric;          /* enum asg_metric */
	double target;           /* > 0 */
};

/* What a decision needs from a group's configuration. */
struct asg_config {
	char name[ASG_NAME_MAX]; /* at most 10 characters, so GROUP-N stays within 15 */
	uint32_t min, max;
	uint32_t metric_period_s;
	uint32_t cooldown_s;     /* between scale-ins */
	uint32_t warmup_s;       /* instance warm-up; 0 = the cooldown (AWS's default), else one metric period */
	uint8_t health_type;     /* enum asg_health_type */
	uint32_t grace_s;        /* health check grace period (elb) */
	uint8_t n_policies;
	struct asg_policy policies[ASG_POLICIES_MAX];
};

/* ---- target tracking ---- */

/* One policy's metric for one period: has_data 0 when the period had none (no request reached
 * the load balancer, no instance past its warm-up). */
struct asg_sample {
	uint8_t has_data;
	double value;
};

/* The alarms' memory between periods, one per group (zeroed at creation). */
struct asg_tt_state {
	uint16_t high[ASG_POLICIES_MAX];  /* consecutive periods above target */
	uint16_t low[ASG_POLICIES_MAX];   /* consecutive periods below 90% of the target */
	uint8_t scaled_in;                /* last_scale_in_s is set */
	uint64_t last_scale_in_s;
};

enum asg_tt_dir { ASG_TT_NONE, ASG_TT_OUT, ASG_TT_IN };

struct asg_tt_decision {
	uint8_t dir;             /* enum asg_tt_dir */
	int policy;              /* the policy whose alarm triggered it (-1: none) */
	double value;            /* its metric value this period */
	uint32_t from, to;       /* desired capacity before and after */
	uint8_t in_cooldown;     /* every alarm said in, the cooldown held it */
	uint8_t in_warmup;       /* every alarm said in, an instance in warm-up held it */
};

/* One metric period: updates the streaks with samples[cfg->n_policies] and decides. `desired`
 * is the current desired capacity; `base` the instances the metric was averaged over (in
 * service and past warm-up; 0 = desired); `warming` how many are in warm-up (they block a
 * scale-in, AWS). d->dir != NONE when the desired capacity changes (d->to != d->from). */
void asg_tt_step(const struct asg_config *cfg, struct asg_tt_state *st, const struct asg_sample *samples,
		 uint32_t desired, uint32_t base, uint32_t warming, uint64_t now, struct asg_tt_decision *d);

/* ---- capacity ---- */

enum asg_life { ASG_PENDING, ASG_IN_SERVICE, ASG_TERMINATING };

struct asg_subnet {
	char name[ASG_NAME_MAX];
	char az[ASG_NAME_MAX];
};

struct asg_instance {
	char name[ASG_NAME_MAX];
	uint8_t life;            /* enum asg_life */
	int subnet;              /* index into the group's subnets; -1: no longer one of them */
	uint64_t launch_s;
	uint32_t seq;            /* N of GROUP-N: the tie-break after launch time */
	uint8_t run_exited;      /* its `run:` process exited (health type ec2 and elb) */
	uint8_t elb_unhealthy;   /* a target group reports it unhealthy */
};

enum asg_why {
	ASG_W_CAPACITY,          /* difference between desired and actual capacity */
	ASG_W_EC2_HEALTH,        /* its run process exited */
	ASG_W_ELB_HEALTH,        /* the target group said unhealthy after the grace period */
};

enum asg_act { ASG_A_LAUNCH, ASG_A_TERMINATE };

struct asg_action {
	uint8_t act;             /* enum asg_act */
	uint8_t why;             /* enum asg_why */
	int subnet;              /* launch: where; terminate: the instance's */
	int instance;            /* terminate: index into the instances; launch: -1 */
	char name[ASG_NAME_MAX]; /* launch: the new GROUP-N; terminate: the instance */
	uint32_t from, to;       /* the group's capacity before and after this action */
};

/* Whether an instance is unhealthy now (ASG_W_EC2_HEALTH/ASG_W_ELB_HEALTH) or not (-1). */
int asg_unhealthy(const struct asg_config *cfg, const struct asg_instance *in, uint64_t now);

/* Whether an instance's metrics count toward the group's aggregate: in service and past its
 * warm-up. */
int asg_in_metric(const struct asg_config *cfg, const struct asg_instance *in, uint64_t now);

/* What brings the group to `desired`: unhealthy instances terminated (and replaced), then
 * surplus terminated or shortfall launched. *next_seq is the next N of GROUP-N (advanced for
 * each launch, never reused). Launches go to the zone with fewest instances (ties by subnet
 * order); terminations by AWS's default policy (zone with most instances, then the oldest
 * launch, then the lowest N; instances outside the group's subnets first). Returns the number
 * of actions written, -ENOSPC when out was too small or -ENAMETOOLONG (GROUP-N past 15
 * characters); *next_seq is unchanged on error. */
int asg_reconcile(const struct asg_config *cfg, const struct asg_subnet *subnets, size_t n_subnets,
		  const struct asg_instance *inst, size_t n_inst, uint32_t desired, uint64_t now,
		  uint32_t *next_seq, struct asg_action *out, size_t max);

/* `vpclab asg set-desired`: 0, or -ERANGE with AWS's ValidationError message in err. */
int asg_set_desired_check(const struct asg_config *cfg, long n, char *err, size_t errlen);

/* ---- metrics ---- */

/* CPU percent of one core from two cgroup usage readings (microseconds) elapsed_us apart;
 * -1 when it cannot be known (no time elapsed, counter went back). */
double asg_cpu_percent(uint64_t usage0_us, uint64_t usage1_us, uint64_t elapsed_us);

/* ALBRequestCountPerTarget: the RequestCount delta over the period divided by the healthy
 * in-service targets; has_data 0 when no request arrived (AWS reports none) or no target. */
struct asg_sample asg_alb_rpt(uint64_t count0, uint64_t count1, uint32_t healthy_targets);

/* The group's average of per-instance values (CPU percent, bytes per period); values < 0 are
 * unknown and skipped; has_data 0 when none is known. */
struct asg_sample asg_average(const double *values, size_t n);

/* Bytes over the period from two counter readings (0 when the counter went back). */
double asg_bytes_delta(uint64_t bytes0, uint64_t bytes1);

/* ---- activity wording ---- */

/* The desired capacity inside min..max (an apply that moved the limits past it). */
uint32_t asg_clamp(const struct asg_config *cfg, uint32_t desired);

/* "2026-11-25T22:10:00Z" */
char *asg_time(uint64_t now, char *buf, size_t len);
/* The alarm's name: TargetTracking-GROUP-AlarmHigh-POLICY (AWS puts an id where the policy is). */
char *asg_alarm_name(const struct asg_config *cfg, int policy, int high, char *buf, size_t len);
/* The cause of a target tracking decision ("At T a monitor alarm ... changing the desired
 * capacity from 2 to 4."). */
char *asg_tt_cause(const struct asg_config *cfg, const struct asg_tt_decision *d, uint64_t now, char *buf,
		   size_t len);
/* The metric behind it: "alb_request_count_per_target 212 > target 100 for 3 periods". */
char *asg_tt_reason(const struct asg_config *cfg, const struct asg_tt_decision *d, char *buf, size_t len);
/* A user's set-desired: "At T a user request explicitly set group desired capacity changing the
 * desired capacity from 2 to 3." */
char *asg_set_desired_cause(uint32_t from, uint32_t to, uint64_t now, char *buf, size_t len);
/* The group created: "At T a user request created an AutoScalingGroup changing the desired
 * capacity from 0 to 2." */
char *asg_create_cause(uint32_t desired, uint64_t now, char *buf, size_t len);
/* An apply changed min/max/desired: "At T a user request update of AutoScalingGroup constraints
 * to min: 1, max: 4, desired: 2 changing the desired capacity from 3 to 2." */
char *asg_update_cause(uint32_t min, uint32_t max, uint32_t from, uint32_t to, uint64_t now, char *buf,
		       size_t len);
/* An action's description ("Launching a new EC2 instance: web-asg-3", "Terminating EC2
 * instance: web-asg-1") and cause ("At T an instance was started in response to a difference
 * between desired and actual capacity, increasing the capacity from 2 to 3."). */
char *asg_action_description(const struct asg_action *a, char *buf, size_t len);
char *asg_action_cause(const struct asg_action *a, uint64_t now, char *buf, size_t len);
const char *asg_metric_name(uint8_t metric);

#endif
