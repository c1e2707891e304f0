/* The NAT gateways' translation table, for natgw.c (the edge) only: translations in a lab-wide
 * pool that grows on demand, found from either side, and per destination the ports in use, so
 * that choosing a port or learning that there is none costs bounded work (nat_table.c). */
#ifndef VPCLAB_NAT_TABLE_H
#define VPCLAB_NAT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "natgw.h"

/* The state of a lab with n_natgws (> 0) gateways: counters only until the first translation.
 * NULL + errno. */
struct nat_state *nat_table_create(uint16_t n_natgws);
void nat_table_destroy(struct nat_state *n);
/* A deep copy; costs what n holds, not what it could hold. NULL + errno. */
struct nat_state *nat_table_clone(const struct nat_state *n);

/* Translation idx (from a find or alloc), valid until it is freed. */
struct nat_map *nat_table_at(struct nat_state *n, uint32_t idx);
uint64_t *nat_table_counters(struct nat_state *n, uint16_t gw);
bool nat_expired(const struct nat_map *m, uint64_t now);

/* The translation of k's flow (natgw, proto, int_ip/port, ext_ip/port), or -1. */
int32_t nat_table_find_fwd(struct nat_state *n, const struct nat_map *k);
/* The translation that gave nat_port toward (ext_ip, ext_port, proto) at gateway gw, or -1. */
int32_t nat_table_find_rev(struct nat_state *n, uint16_t gw, uint8_t proto, uint32_t ext_ip,
			   uint16_t ext_port, uint16_t nat_port);
/* A new translation for k with a free port for its destination: a hashed start, then the next
 * free port. The index, -EADDRINUSE when the destination has no port left (bounded work, see
 * nat_table.c), -ENOSPC when the lab's limit is reached or memory for it cannot be had. */
int32_t nat_table_alloc(struct nat_state *n, const struct nat_map *k, uint64_t now);
/* Frees translation idx; its port becomes free for its destination at once. */
void nat_table_free(struct nat_state *n, uint32_t idx);

/* For apply: counters for n_natgws gateways (new ones zero). 0, or -ENOMEM with n unchanged. */
int nat_table_grow(struct nat_state *n, uint16_t n_natgws);
/* Frees every translation drop says yes to (a removed gateway's, a removed instance's); the
 * number freed. Costs what the table has handed out, once per apply that removes something. */
uint32_t nat_table_flush_if(struct nat_state *n, bool (*drop)(const struct nat_map *m, void *arg),
			    void *arg);
/* Gateway gw's counters back to zero (an index an apply reuses starts clean). */
void nat_table_reset_counters(struct nat_state *n, uint16_t gw);

#endif
