/* Application load balancer proxies (ALB.md): one thread per application node, in the node's
 * namespace, with its own event_base and evhttp: a server on the node's private IP at each
 * listener port, clients from the node to the targets. What it routes by is an immutable,
 * refcounted snapshot the router hands over (alb_proxy_publish); its counters are atomics
 * the router reads while the threads run. */
#ifndef VPCLAB_ALB_PROXY_H
#define VPCLAB_ALB_PROXY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

/* AWS's CloudWatch names (namespace AWS/ApplicationELB), as `vpclab lb` shows them. */
#define ALB_COUNTERS(X)                                                                         \
	X(RequestCount) X(NewConnectionCount) X(ActiveConnectionCount) X(ProcessedBytes)         \
	X(HTTPCode_ELB_4XX_Count) X(HTTPCode_ELB_5XX_Count) X(HTTPCode_ELB_502_Count)            \
	X(HTTPCode_ELB_503_Count) X(HTTPCode_ELB_504_Count) X(HTTPCode_Target_2XX_Count)         \
	X(HTTPCode_Target_3XX_Count) X(HTTPCode_Target_4XX_Count) X(HTTPCode_Target_5XX_Count)   \
	X(TargetConnectionErrorCount) X(HTTP_Fixed_Response_Count) X(HTTP_Redirect_Count)        \
	X(RuleEvaluations)

enum alb_counter {
#define ALB_COUNTER_ENUM(n) ALBC_##n,
	ALB_COUNTERS(ALB_COUNTER_ENUM)
#undef ALB_COUNTER_ENUM
	ALBC__COUNT
};

const char *alb_counter_name(enum alb_counter c);

/* A load balancer's counters, shared by its nodes; kept by the router for the lab's life. */
struct alb_counters {
	_Atomic uint64_t c[ALBC__COUNT];
};

struct alb_snap_tg {
	char name[VL_NAME_MAX];
	uint8_t algorithm;                 /* enum vl_lb_algo */
	uint32_t sticky_s;                 /* 0: no stickiness */
	uint32_t first, count;             /* into targets */
	_Atomic uint64_t *requests;        /* the group's requests (RequestCountPerTarget) */
};

struct alb_snap_target {
	char instance[VL_NAME_MAX];
	uint32_t ip;
	uint16_t port;
	uint8_t state;                     /* enum lb_target_state */
};

struct alb_snap_listener {
	uint16_t port;
	uint16_t tg;                       /* default action: into tgs, VL_NONE: none */
	uint32_t idle_s;
	uint32_t rule_first, rule_count;   /* into rules, priority order */
};

/* One load balancer as its proxies route: rules' tg fields index tgs. Immutable once
 * published; freed when the last holder lets go (requests in flight hold it). */
struct alb_snap {
	_Atomic uint32_t refs;
	struct alb_counters *ctr;
	struct alb_snap_listener *ls;
	struct vl_lb_rule *rules;
	struct alb_snap_tg *tgs;
	struct alb_snap_target *targets;
	size_t n_ls, n_rules, n_tgs, n_targets;
};

struct alb_snap *alb_snap_ref(struct alb_snap *s);
void alb_snap_unref(struct alb_snap *s);

struct alb_proxy;

/* Starts the proxy of a node: namespace /run/netns/NS, listening on ip (host order) at every
 * listener port of snap (which it takes a reference of). NULL with errno. */
struct alb_proxy *alb_proxy_start(const char *ns, uint32_t ip, struct alb_snap *snap);
/* Hands it new rules and target states (a reference taken); the old snapshot goes when its
 * requests in flight are done. Listeners added are served, removed ones closed (their
 * requests in flight end), the others go on undisturbed. */
void alb_proxy_publish(struct alb_proxy *p, struct alb_snap *snap);
/* Stops its thread (requests in flight are abandoned, connections closed) and frees it. */
void alb_proxy_stop(struct alb_proxy *p);

#endif
