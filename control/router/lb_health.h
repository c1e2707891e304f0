/* Target health in the router (reference aws-elb §1): AWS's state machine per registered
 * target, fed by the checkers (lb_check.h) and written into the data plane with
 * lb_target_set_state. A target's state is kept by (target group, instance, port), not by
 * index, so that it survives an apply that renumbers the tables; a deregistered target drains
 * for its group's deregistration delay, then goes. */
#ifndef VPCLAB_LB_HEALTH_H
#define VPCLAB_LB_HEALTH_H

#include <stdint.h>

#include "control/router/lb_check.h"
#include "vpclab/tables.h"

struct router;

/* Why a target is in its state: AWS's TargetHealth.Reason codes. */
enum lbh_reason {
	LBH_R_NONE,              /* healthy */
	LBH_R_INITIAL,           /* Elb.InitialHealthChecking */
	LBH_R_TIMEOUT,           /* Target.Timeout */
	LBH_R_CODE,              /* Target.ResponseCodeMismatch */
	LBH_R_FAILED,            /* Target.FailedHealthChecks */
	LBH_R_DRAINING,          /* Target.DeregistrationInProgress */
	LBH_R_NO_LB,             /* Target.NotInUse: no load balancer forwards to its group */
	LBH_R_NO_ZONE,           /* Target.NotInUse: its zone has no node of the load balancer */
};

struct lbh_target {
	char tg[VL_NAME_MAX], instance[VL_NAME_MAX];
	uint16_t port;           /* the traffic port */
	uint8_t state;           /* enum lb_target_state */
	uint8_t reason;          /* enum lbh_reason */
	uint16_t code;           /* the last HTTP status that did not match */
	uint8_t passes, fails;   /* consecutive results */
	uint8_t seen;            /* lbh_sync's scratch */
	uint32_t dereg_s;        /* its group's deregistration delay */
	uint32_t ip;             /* the instance's address and interface when last seen: an */
	uint16_t iface;          /* instance replaced by an apply is a new target (initial) */
	uint64_t drain_end;      /* draining: when it goes (loop_now ns) */
};

/* One result for e under check hc: AWS's state machine. A target in `initial` turns healthy at
 * its first pass (AWS: a new target must pass one check), unhealthy after hc->unhealthy
 * consecutive failures; a healthy one turns unhealthy after hc->unhealthy consecutive
 * failures; an unhealthy one turns healthy after hc->healthy consecutive passes. The reason
 * is the last failure's. Draining and unused targets are left as they are. Pure. */
void lbh_step(struct lbh_target *e, const struct vl_health_check *hc, enum lbc_outcome o, uint16_t code);

const char *lbh_reason_code(enum lbh_reason r);
/* AWS's TargetHealth.Description for e, in buf (cap bytes); NULL when it has none. */
const char *lbh_description(const struct lbh_target *e, char *buf, size_t cap);

/* After up, and after each apply published new tables (and again once the ports it adds
 * late are up): every target's state is found by its key or begins `initial`, written into
 * the data plane at its new index; targets gone begin draining; checkers whose node or checks
 * changed are stopped and started anew (a node's checker starts once its tap is up). 0 or
 * -errno (said on stderr: the lab runs on without checks). */
int lbh_sync(struct router *r);
/* Stops every checker and frees the state (down). */
void lbh_free(struct router *r);

/* The state of the target (tg name, instance, port), NULL when unknown. */
const struct lbh_target *lbh_find(const struct router *r, const char *tg, const char *instance, uint16_t port);
/* Calls fn for each target of group tg that is draining (deregistered, its delay not over). */
void lbh_foreach_draining(const struct router *r, const char *tg,
			  void (*fn)(void *ctx, const struct lbh_target *e), void *ctx);

#endif
