/* What the resolver answers from (pure, unit-tested): an immutable, reference-counted snapshot
 * of the lab (its own copy of the tables and their dns_db) with the health inputs of the
 * moment, handed by the router thread to the resolver thread. A health change makes a new
 * snapshot that shares the lab part; an apply makes a new lab part. Also the two health rules:
 * Route 53's threshold and "a load balancer node is up". */
#ifndef VPCLAB_RESOLVER_SNAP_H
#define VPCLAB_RESOLVER_SNAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "control/dns/dns_resolve.h"

/* The lab part: its own tables (a clone: the router frees its own at the next apply). */
struct rsv_lab {
	atomic_int ref;
	struct vl_tables *t;
	struct dns_db *db;
};

struct rsv_snap {
	atomic_int ref;
	struct rsv_lab *lab;
	uint8_t *check_ok;           /* [n_r53_checks], 1 = healthy */
	uint8_t *node_up;            /* [n_ports], 1 = a load balancer node that may take traffic */
	struct dns_health health;    /* over the two arrays above */
};

/* A copy of t with its index: NULL with errno. */
struct rsv_lab *rsv_lab_new(const struct vl_tables *t);
/* A snapshot of lab (a reference is taken) with copies of check_ok and node_up (NULL: every
 * check healthy, every node up). Its reference count is 1. NULL with errno. */
struct rsv_snap *rsv_snap_new(struct rsv_lab *lab, const uint8_t *check_ok, const uint8_t *node_up);
void rsv_lab_unref(struct rsv_lab *lab);
struct rsv_snap *rsv_snap_ref(struct rsv_snap *s);
void rsv_snap_unref(struct rsv_snap *s);

/* Route 53's health: a check turns unhealthy after `threshold` consecutive failures, healthy
 * again after as many consecutive passes; a new check is healthy (it answers, as Route 53
 * does before it has results). */
struct r53_state {
	uint8_t ok, passes, fails;
};
/* One result; true when ok changed. */
bool r53_step(struct r53_state *s, uint8_t threshold, bool pass);

/* node_up[p] for every load balancer node p of t (others 0): 1 when one of the groups its load
 * balancer forwards to has a healthy target the node may send to (its zone's, or any zone's
 * with cross-zone load balancing, always on for application load balancers). state(ctx, tg,
 * k) gives target k of group tg's enum lb_target_state (healthy = LB_T_HEALTHY); targets
 * draining or unused are never picked. When no node of a load balancer is up, dns_resolve
 * answers them all (AWS fails open). */
void rsv_nodes_up(const struct vl_tables *t, int (*state)(void *ctx, uint16_t tg, uint32_t k),
		  void *ctx, uint8_t *node_up);

#endif
