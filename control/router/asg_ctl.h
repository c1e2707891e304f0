/* The Auto Scaling controller's state, shared by asg.c (lifecycle, changes), asg_sample.c
 * (metric periods) and ctl_asg.c (the `asg` answers). Only these include it. */
#ifndef VPCLAB_ROUTER_ASG_CTL_H
#define VPCLAB_ROUTER_ASG_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/lab/asg_members.h"
#include "control/router/asg_decide.h"

#define ASG_ACTS 100             /* activities kept per group (AWS shows 100 per page) */
#define ASG_DESC_MAX 96
#define ASG_CAUSE_MAX 384
#define ASG_DETAILS_MAX 256

struct router;

/* What an instance's pending apply does to it (until it is published). */
enum asg_pend { ASG_P_NONE, ASG_P_LAUNCH, ASG_P_DEREG, ASG_P_REMOVE };

struct asg_inst {
	struct lab_member m;
	uint8_t life, life_before;       /* enum asg_life (before: what a failed deregistration restores) */
	uint8_t pend;                    /* enum asg_pend */
	bool run_exited, elb_unhealthy;
	uint32_t seq;
	uint64_t launch_s;
	uint64_t drain_end_s;            /* Terminating: when its instance may go */
	pid_t run_pid;
	unsigned long long run_start;
	/* the metric period's first readings */
	bool cpu_ok, net_ok;
	uint64_t cpu_us, cpu_at_us, rx_bytes, tx_bytes;
};

struct asg_entry {
	uint64_t t;
	char status[12];                 /* Successful | InProgress | Failed */
	char instance[VL_NAME_MAX];      /* whose launch or termination ("" none) */
	char desc[ASG_DESC_MAX];
	char cause[2 * ASG_CAUSE_MAX];
	char details[ASG_DETAILS_MAX];
};

struct asg_group {
	char name[VL_NAME_MAX];
	uint16_t gi;                     /* index in r->t->asgs */
	struct asg_config cfg;
	uint32_t desired, file_desired;
	uint32_t next_seq;
	bool fresh;                      /* made by this sync: its creation is its activity */
	struct asg_tt_state tt;
	uint64_t period_start_s;
	struct asg_sample last[ASG_POLICIES_MAX];   /* the last period's samples */
	uint64_t alb0[ASG_POLICIES_MAX];            /* RequestCount at the period's start */
	char pending_cause[ASG_CAUSE_MAX];          /* why desired changed: the next actions' cause */
	char pending_details[ASG_DETAILS_MAX];
	struct asg_inst *v;
	size_t n, cap;
	struct asg_entry acts[ASG_ACTS];
	size_t act_head, n_acts;
};

struct asg {
	struct asg_group *g;
	size_t n;
	int tfd;                         /* the 1 s tick */
	bool busy, published;            /* its apply runs; it was published */
	uint64_t retry_s;                /* after a failure, no change before this */
	uint32_t launch_cap;             /* launches per change (0: all; 1 after a failure) */
	struct lab_member *list;         /* scratch: the member list of an apply */
	size_t n_list;
	struct { char name[VL_NAME_MAX]; uint32_t next_seq; } *retired; /* removed groups' N */
	size_t n_retired;
};

/* The member launched as `name` by group a of t in subnet sn (tables index): the group's
 * launch template as it is now. */
void asg_member_of(const struct vl_tables *t, const struct vl_asg *a, const char *name, uint16_t sn,
		   struct lab_member *m);

/* The instance port called name, or VL_NONE. */
uint16_t asg_port_of(const struct router *r, const char *name);

/* An activity (newest), instance "" or the one it is about. */
void asg_act_add(struct asg_group *g, uint64_t t, const char *status, const char *instance,
		 const char *desc, const char *cause, const char *details);

/* The metric period: when one ended, its samples, target tracking's decision (desired and the
 * cause of the actions it brings), and the next period's first readings (asg_sample.c). */
void asg_period(struct router *r, struct asg_group *g, uint64_t now);
/* A new period starts now: the first readings of every instance and load balancer count. */
void asg_period_begin(struct router *r, struct asg_group *g, uint64_t now);

#endif
