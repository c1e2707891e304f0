/* The network load balancers' flow table, for lb.c (the stage) only: flows of the whole lab in
 * a pool that grows on demand up to a limit, found from the client's side (node, protocol,
 * client address and port, listener port) and from the target's (protocol, target address and
 * port, the source the target sees), each with one hash probe sequence (lb_table.c). */
#ifndef VPCLAB_LB_TABLE_H
#define VPCLAB_LB_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "lb.h"

/* An empty table of at most limit flows (1..LB_LIMIT_MAX): nothing allocated until the first
 * flow. NULL + errno. */
struct lb_table *lb_table_create(uint32_t limit);
void lb_table_destroy(struct lb_table *n);
/* A deep copy, costing what n holds. NULL + errno. */
struct lb_table *lb_table_clone(const struct lb_table *n);

/* Flow idx (from a find or alloc); valid until it is freed. */
struct lb_flow *lb_table_at(const struct lb_table *n, uint32_t idx);
/* Flows [0, top) have been handed out at least once (free ones have state LB_F_FREE). */
uint32_t lb_table_top(const struct lb_table *n);
uint32_t lb_table_used(const struct lb_table *n);
uint32_t lb_table_limit(const struct lb_table *n);
/* Sets the limit before the first flow: 0, -EINVAL, -EBUSY (flows were allocated). */
int lb_table_set_limit(struct lb_table *n, uint32_t limit);

/* The flow of a client's packet at node, or -1. */
int32_t lb_table_find_fwd(const struct lb_table *n, uint16_t node, uint8_t proto, uint32_t client_ip,
			  uint16_t client_port, uint16_t lport);
/* The flow whose packets reach the target as (peer_ip:peer_port -> target_ip:tport), or -1. */
int32_t lb_table_find_rev(const struct lb_table *n, uint8_t proto, uint32_t target_ip, uint16_t tport,
			  uint32_t peer_ip, uint16_t peer_port);
/* A new flow, a copy of k (its keys set, links ignored). The index, or -ENOSPC (limit reached,
 * or no memory for the chunk it needs). */
int32_t lb_table_alloc(struct lb_table *n, const struct lb_flow *k);
/* Frees flow idx: both keys are free again at once. */
void lb_table_free(struct lb_table *n, uint32_t idx);

#endif
