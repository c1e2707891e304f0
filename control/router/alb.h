/* Application load balancers in the router (ALB.md): a proxy per application node
 * (alb_proxy.h), started and stopped with the health checkers, and given a new snapshot of
 * its load balancer's listeners, rules and target states after every change; the counters
 * its proxies keep, by load balancer and group name, for `vpclab lb`. */
#ifndef VPCLAB_ALB_H
#define VPCLAB_ALB_H

#include <stdint.h>

#include "control/router/alb_proxy.h"

struct router;

/* The proxies as r->t wants them (those whose node, address or listeners changed started
 * anew; a node's proxy starts once its tap is up), each given a snapshot of the tables and
 * target states now. Called at the end of lbh_sync and after a target changes state. 0 or
 * -errno (said on stderr: the lab runs on). */
int alb_sync(struct router *r);
/* Stops every proxy and frees the counters (down). */
void alb_free(struct router *r);

/* Counter c of load balancer lb (0 when it has none). */
uint64_t alb_counter_get(const struct router *r, const char *lb, enum alb_counter c);
/* The requests forwarded to group tg since up. */
uint64_t alb_tg_requests(const struct router *r, const char *tg);

#endif
