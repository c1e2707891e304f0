/* The load balancers' flow table (lb_table.h): flows in chunks that are allocated as the table
 * fills and never move (referred to by index), up to the lab's limit, with a free list; two
 * chained hash indices (client side, target side) created with the first flow and doubled as
 * they fill, so a lookup is one chain whatever the table holds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb_table.h"

#define LB_BUCKETS_MIN 64u

struct lb_index {
	uint32_t *b;             /* buckets: index + 1; NULL until the first flow */
	uint32_t mask;
};

struct lb_table {
	uint32_t limit, used, top;
	uint32_t free_head;      /* index + 1 (linked through next_fwd) */
	uint32_t n_chunks;
	struct lb_flow **chunks; /* NULL until the first flow */
	struct lb_index fwd, rev;
};

static struct lb_flow *flow_at(const struct lb_table *n, uint32_t i)
{
	return &n->chunks[i / LB_CHUNK][i % LB_CHUNK];
}

struct lb_flow *lb_table_at(const struct lb_table *n, uint32_t idx)
{
	return flow_at(n, idx);
}

uint32_t lb_table_top(const struct lb_table *n)
{
	return n->top;
}

uint32_t lb_table_used(const struct lb_table *n)
{
	return n->used;
}

uint32_t lb_table_limit(const struct lb_table *n)
{
	return n->limit;
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

static uint32_t ix_hash(const struct lb_flow *f, bool rev)
{
	return rev ? rev_hash(f->proto, f->target_ip, f->tport, f->peer_ip, f->peer_port)
		   : fwd_hash(f->node, f->proto, f->client_ip, f->client_port, f->lport);
}

static uint32_t *ix_link(struct lb_flow *f, bool rev)
{
	return rev ? &f->next_rev : &f->next_fwd;
}

/* Room for count flows in ix: made at LB_BUCKETS_MIN, doubled once it holds as many as
 * buckets (amortised O(1); without memory to double the chains grow longer). -ENOMEM only when
 * there is no index at all. */
static int ix_reserve(struct lb_table *n, struct lb_index *ix, bool rev, uint32_t count)
{
	if (ix->b && count <= ix->mask + 1)
		return 0;
	uint32_t nb = ix->b ? (ix->mask + 1) * 2 : LB_BUCKETS_MIN;
	uint32_t *b = calloc(nb, sizeof(*b));
	if (!b)
		return ix->b ? 0 : -ENOMEM;
	for (uint32_t i = 0; ix->b && i <= ix->mask; i++) {
		for (uint32_t at = ix->b[i]; at;) {
			struct lb_flow *f = flow_at(n, at - 1);
			uint32_t next = *ix_link(f, rev);
			uint32_t *head = &b[ix_hash(f, rev) & (nb - 1)];
			*ix_link(f, rev) = *head;
			*head = at;
			at = next;
		}
	}
	free(ix->b);
	ix->b = b;
	ix->mask = nb - 1;
	return 0;
}

static void ix_insert(struct lb_table *n, struct lb_index *ix, bool rev, uint32_t i)
{
	struct lb_flow *f = flow_at(n, i);
	uint32_t *head = &ix->b[ix_hash(f, rev) & ix->mask];
	*ix_link(f, rev) = *head;
	*head = i + 1;
}

static void ix_remove(struct lb_table *n, struct lb_index *ix, bool rev, uint32_t i)
{
	struct lb_flow *f = flow_at(n, i);
	uint32_t *link = &ix->b[ix_hash(f, rev) & ix->mask];
	while (*link && *link != i + 1)
		link = ix_link(flow_at(n, *link - 1), rev);
	if (*link)
		*link = *ix_link(f, rev);
}

int32_t lb_table_find_fwd(const struct lb_table *n, uint16_t node, uint8_t proto, uint32_t client_ip,
			  uint16_t client_port, uint16_t lport)
{
	if (!n->fwd.b)
		return -1;
	uint32_t h = fwd_hash(node, proto, client_ip, client_port, lport);
	for (uint32_t i = n->fwd.b[h & n->fwd.mask]; i; i = flow_at(n, i - 1)->next_fwd) {
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
	if (!n->rev.b)
		return -1;
	uint32_t h = rev_hash(proto, target_ip, tport, peer_ip, peer_port);
	for (uint32_t i = n->rev.b[h & n->rev.mask]; i; i = flow_at(n, i - 1)->next_rev) {
		const struct lb_flow *f = flow_at(n, i - 1);
		if (f->proto == proto && f->target_ip == target_ip && f->tport == tport &&
		    f->peer_ip == peer_ip && f->peer_port == peer_port)
			return (int32_t)i - 1;
	}
	return -1;
}

/* A zeroed flow slot: a freed one, else the next past top (a new chunk at each LB_CHUNK). */
static int64_t slot_take(struct lb_table *n)
{
	if (n->free_head) {
		uint32_t i = n->free_head - 1;
		n->free_head = flow_at(n, i)->next_fwd;
		return i;
	}
	if (!n->chunks && !(n->chunks = calloc(n->n_chunks, sizeof(*n->chunks))))
		return -ENOSPC;
	uint32_t c = n->top / LB_CHUNK;
	if (c >= n->n_chunks)
		return -ENOSPC;
	if (!n->chunks[c] && !(n->chunks[c] = calloc(LB_CHUNK, sizeof(struct lb_flow))))
		return -ENOSPC;
	return n->top++;
}

int32_t lb_table_alloc(struct lb_table *n, const struct lb_flow *k)
{
	if (n->used >= n->limit)
		return -ENOSPC;
	int64_t got = slot_take(n);
	if (got < 0)
		return -ENOSPC;
	uint32_t idx = (uint32_t)got;
	if (ix_reserve(n, &n->fwd, false, n->used + 1) < 0 || ix_reserve(n, &n->rev, true, n->used + 1) < 0) {
		struct lb_flow *f = flow_at(n, idx);
		memset(f, 0, sizeof(*f));
		f->next_fwd = n->free_head;
		n->free_head = idx + 1;
		return -ENOSPC;
	}
	struct lb_flow *f = flow_at(n, idx);
	*f = *k;
	f->next_fwd = f->next_rev = 0;
	ix_insert(n, &n->fwd, false, idx);
	ix_insert(n, &n->rev, true, idx);
	n->used++;
	return (int32_t)idx;
}

void lb_table_free(struct lb_table *n, uint32_t idx)
{
	struct lb_flow *f = flow_at(n, idx);
	if (f->state == LB_F_FREE)
		return;
	ix_remove(n, &n->fwd, false, idx);
	ix_remove(n, &n->rev, true, idx);
	memset(f, 0, sizeof(*f));
	f->next_fwd = n->free_head;
	n->free_head = idx + 1;
	n->used--;
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
	n->limit = limit;
	n->n_chunks = (limit + LB_CHUNK - 1) / LB_CHUNK;
	return n;
}

int lb_table_set_limit(struct lb_table *n, uint32_t limit)
{
	if (limit == 0 || limit > LB_LIMIT_MAX)
		return -EINVAL;
	if (n->chunks)
		return -EBUSY;
	n->limit = limit;
	n->n_chunks = (limit + LB_CHUNK - 1) / LB_CHUNK;
	return 0;
}

void lb_table_destroy(struct lb_table *n)
{
	if (!n)
		return;
	for (uint32_t c = 0; n->chunks && c < n->n_chunks; c++)
		free(n->chunks[c]);
	free(n->chunks);
	free(n->fwd.b);
	free(n->rev.b);
	free(n);
}

static int ix_copy(struct lb_index *d, const struct lb_index *s)
{
	*d = *s;
	if (!s->b)
		return 0;
	if (!(d->b = malloc((s->mask + 1) * sizeof(*d->b))))
		return -ENOMEM;
	memcpy(d->b, s->b, (s->mask + 1) * sizeof(*d->b));
	return 0;
}

struct lb_table *lb_table_clone(const struct lb_table *n)
{
	struct lb_table *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *n;
	c->chunks = NULL;
	c->fwd.b = c->rev.b = NULL;
	int rc = 0;
	if (n->chunks && !(c->chunks = calloc(n->n_chunks, sizeof(*c->chunks))))
		rc = -ENOMEM;
	for (uint32_t i = 0; rc == 0 && n->chunks && i < n->n_chunks && n->chunks[i]; i++) {
		if (!(c->chunks[i] = malloc(LB_CHUNK * sizeof(struct lb_flow))))
			rc = -ENOMEM;
		else
			memcpy(c->chunks[i], n->chunks[i], LB_CHUNK * sizeof(struct lb_flow));
	}
	if (rc == 0 && (ix_copy(&c->fwd, &n->fwd) < 0 || ix_copy(&c->rev, &n->rev) < 0))
		rc = -ENOMEM;
	if (rc < 0) {
		lb_table_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}
