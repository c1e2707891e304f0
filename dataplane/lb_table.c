/* The load balancers' flow table (lb_table.h): flows in chunks that are allocated as the table
 * fills and never move (referred to by index), up to the lab's limit, with a free list; two
 * chained hash indices (client side, target side) created with the first flow and doubled as
 * they fill, so a lookup is one chain whatever the table holds. The pool is slab.h's, the
 * indices chain_index.h's; the keys, their hashes and the lookups are the table's own. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chain_index.h"
#include "lb_table.h"
#include "slab.h"

_Static_assert(LB_CHUNK == SLAB_CHUNK, "lb.h's LB_CHUNK is the pool's chunk");

struct lb_table {
	struct slab flows;       /* free ones linked through next_fwd */
	struct chain_index fwd, rev;
};

static struct lb_flow *flow_at(const struct lb_table *n, uint32_t i)
{
	return SLAB_AT(&n->flows, struct lb_flow, i);
}

struct lb_flow *lb_table_at(const struct lb_table *n, uint32_t idx)
{
	return flow_at(n, idx);
}

uint32_t lb_table_top(const struct lb_table *n)
{
	return n->flows.top;
}

uint32_t lb_table_used(const struct lb_table *n)
{
	return n->flows.used;
}

uint32_t lb_table_limit(const struct lb_table *n)
{
	return n->flows.limit;
}

static uint32_t lb_hash(uint8_t proto, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp, uint16_t x)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)x << 40 | (uint64_t)proto << 32 | (uint64_t)ap << 16 | bp) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 31;
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static uint32_t fwd_hash(uint16_t node, uint8_t proto, uint32_t cip, uint16_t cport, uint16_t lport)
{
	return lb_hash(proto, cip, cport, 0, lport, node);
}

static uint32_t rev_hash(uint8_t proto, uint32_t tip, uint16_t tport, uint32_t pip, uint16_t pport)
{
	return lb_hash(proto, tip, tport, pip, pport, 0xffff);
}

/* A flow's hash in each index (chain_hash_fn, for doubling). */
static uint32_t flow_fwd_hash(const void *e)
{
	const struct lb_flow *f = e;
	return fwd_hash(f->node, f->proto, f->client_ip, f->client_port, f->lport);
}

static uint32_t flow_rev_hash(const void *e)
{
	const struct lb_flow *f = e;
	return rev_hash(f->proto, f->target_ip, f->tport, f->peer_ip, f->peer_port);
}

int32_t lb_table_find_fwd(const struct lb_table *n, uint16_t node, uint8_t proto, uint32_t client_ip,
			  uint16_t client_port, uint16_t lport)
{
	if (chain_index_empty(&n->fwd))
		return -1;
	uint32_t h = fwd_hash(node, proto, client_ip, client_port, lport);
	for (uint32_t i = chain_index_first(&n->fwd, h); i; i = flow_at(n, i - 1)->next_fwd) {
		const struct lb_flow *f = flow_at(n, i - 1);
		if (f->node == node && f->proto == proto && f->client_ip == client_ip &&
		    f->client_port == client_port && f->lport == lport)
			return (int32_t)i - 1;
	}
	return -1;
}

int32_t lb_table_find_rev(const struct lb_table *n, uint8_t proto, uint32_t target_ip, uint16_t tport,
			  uint32_t peer_ip, uint16_t peer_port)
{
	if (chain_index_empty(&n->rev))
		return -1;
	uint32_t h = rev_hash(proto, target_ip, tport, peer_ip, peer_port);
	for (uint32_t i = chain_index_first(&n->rev, h); i; i = flow_at(n, i - 1)->next_rev) {
		const struct lb_flow *f = flow_at(n, i - 1);
		if (f->proto == proto && f->target_ip == target_ip && f->tport == tport &&
		    f->peer_ip == peer_ip && f->peer_port == peer_port)
			return (int32_t)i - 1;
	}
	return -1;
}

int32_t lb_table_alloc(struct lb_table *n, const struct lb_flow *k)
{
	int64_t got = slab_take(&n->flows);
	if (got < 0)
		return -ENOSPC;
	uint32_t idx = (uint32_t)got;
	if (chain_index_reserve(&n->fwd, &n->flows, n->flows.used, flow_fwd_hash) < 0 ||
	    chain_index_reserve(&n->rev, &n->flows, n->flows.used, flow_rev_hash) < 0) {
		slab_put(&n->flows, idx);
		return -ENOSPC;
	}
	struct lb_flow *f = flow_at(n, idx);
	*f = *k;
	f->next_fwd = f->next_rev = 0;
	chain_index_insert(&n->fwd, &n->flows, idx, flow_fwd_hash(f));
	chain_index_insert(&n->rev, &n->flows, idx, flow_rev_hash(f));
	return (int32_t)idx;
}

void lb_table_free(struct lb_table *n, uint32_t idx)
{
	struct lb_flow *f = flow_at(n, idx);
	if (f->state == LB_F_FREE)
		return;
	chain_index_remove(&n->fwd, &n->flows, idx, flow_fwd_hash(f));
	chain_index_remove(&n->rev, &n->flows, idx, flow_rev_hash(f));
	slab_put(&n->flows, idx);
}

struct lb_table *lb_table_create(uint32_t limit)
{
	if (limit == 0 || limit > LB_LIMIT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct lb_table *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	slab_init(&n->flows, sizeof(struct lb_flow), offsetof(struct lb_flow, next_fwd), limit);
	chain_index_init(&n->fwd, offsetof(struct lb_flow, next_fwd));
	chain_index_init(&n->rev, offsetof(struct lb_flow, next_rev));
	return n;
}

int lb_table_set_limit(struct lb_table *n, uint32_t limit)
{
	if (limit == 0 || limit > LB_LIMIT_MAX)
		return -EINVAL;
	return slab_set_limit(&n->flows, limit);
}

void lb_table_destroy(struct lb_table *n)
{
	if (!n)
		return;
	slab_fini(&n->flows);
	chain_index_fini(&n->fwd);
	chain_index_fini(&n->rev);
	free(n);
}

struct lb_table *lb_table_clone(const struct lb_table *n)
{
	struct lb_table *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *n;
	c->flows.chunks = NULL;
	c->fwd.b = c->rev.b = NULL;
	if (slab_copy(&c->flows, &n->flows) < 0 || chain_index_copy(&c->fwd, &n->fwd) < 0 ||
	    chain_index_copy(&c->rev, &n->rev) < 0) {
		lb_table_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}
