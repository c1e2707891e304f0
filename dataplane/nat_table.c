/* The NAT translation table (nat_table.h). Translations and destinations live in pools of chunks
 * that are allocated with the first translation and never move (referred to by index), up to the
 * lab's limit; three hash indices (instance side, far side, destination) double as they fill.
 * (The pools are slab.h's, the indices chain_index.h's: keys, hashes and lookups stay here.)
 * A destination (gateway, address, port, protocol) knows how many of its ports are in use, so a
 * full one is refused at once; its free ports are found by a few probes of the far-side index
 * while it has few, and from a two-level bitmap once it has many: never a scan of the range. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chain_index.h"
#include "nat_table.h"
#include "slab.h"

_Static_assert(NAT_CHUNK == SLAB_CHUNK, "natgw.h's NAT_CHUNK is the pools' chunk");

#define NAT_PROBES 8u          /* sparse: ports tried from the hashed start, then the bitmap */
#define NAT_DENSE_AT 256u      /* a destination with this many ports in use gets a bitmap (8 KB) */
#define NAT_SPARSE_AT 128u     /* and gives it back below this many: every bitmap serves >= 128 */
#define NAT_SWEEP_BUDGET 65536u /* translations looked at per sweep */
#define NAT_CLOSING_S 60u      /* DESIGN: a closed TCP mapping lingers for late segments */

struct nat_dest {
	uint32_t ext_ip;
	uint16_t ext_port, natgw;
	uint8_t proto, in_use;
	uint32_t used;             /* translations toward it (its ports in use) */
	uint32_t head;             /* its translations (nat_map.dst_next): index + 1 */
	uint32_t next;             /* hash chain / free list: index + 1 */
	/* Dense only (NULL while sparse): a bit per port of the range, set = in use (and past the
	 * range), then the summary: a bit per word, set = that word has a free port. */
	uint64_t *bits;
};

struct nat_state {
	uint32_t dense;
	uint16_t port_lo, port_hi, n_natgws;
	uint32_t sweep_pos;
	uint64_t refused, work;
	struct slab maps, dst;           /* translations (limit: the lab's), their destinations */
	struct chain_index fwd, rev, dix;
	uint64_t (*counters)[NATC__COUNT]; /* per NAT gateway */
};

/* ------------------------------------------------------------------ pools */

static struct nat_map *map_at(const struct nat_state *n, uint32_t i)
{
	return SLAB_AT(&n->maps, struct nat_map, i);
}

static struct nat_dest *dest_at(const struct nat_state *n, uint32_t i)
{
	return SLAB_AT(&n->dst, struct nat_dest, i);
}

struct nat_map *nat_table_at(struct nat_state *n, uint32_t idx)
{
	return map_at(n, idx);
}

uint64_t *nat_table_counters(struct nat_state *n, uint16_t gw)
{
	return n->counters[gw];
}

/* ------------------------------------------------------------------ hashing and indices */

static inline uint32_t nat_hash(uint16_t gw, uint8_t proto, uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)gw << 40 | (uint64_t)proto << 32 | (uint64_t)ap << 16 | bp) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 31;
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static inline uint32_t fwd_hash(const struct nat_map *m)
{
	return nat_hash(m->natgw, m->proto, m->int_ip, m->int_port, m->ext_ip, m->ext_port);
}

static inline uint32_t rev_hash(uint16_t gw, uint8_t proto, uint32_t ext_ip, uint16_t ext_port, uint16_t nat_port)
{
	return nat_hash(gw, proto, ext_ip, ext_port, 0, nat_port);
}

static inline uint32_t dest_hash(uint16_t gw, uint8_t proto, uint32_t ext_ip, uint16_t ext_port)
{
	return nat_hash(gw, proto, ext_ip, ext_port, 0xffffffffu, 0xffff);
}

/* An element's hash in each index (chain_hash_fn, for doubling). */
static uint32_t map_fwd_hash(const void *e)
{
	return fwd_hash(e);
}

static uint32_t map_rev_hash(const void *e)
{
	const struct nat_map *m = e;
	return rev_hash(m->natgw, m->proto, m->ext_ip, m->ext_port, m->nat_port);
}

static uint32_t dest_key_hash(const void *e)
{
	const struct nat_dest *d = e;
	return dest_hash(d->natgw, d->proto, d->ext_ip, d->ext_port);
}

int32_t nat_table_find_fwd(struct nat_state *n, const struct nat_map *k)
{
	if (chain_index_empty(&n->fwd))
		return -1;
	for (uint32_t i = chain_index_first(&n->fwd, fwd_hash(k)); i; i = map_at(n, i - 1)->next_fwd) {
		const struct nat_map *m = map_at(n, i - 1);
		if (m->natgw == k->natgw && m->proto == k->proto && m->int_ip == k->int_ip &&
		    m->int_port == k->int_port && m->ext_ip == k->ext_ip && m->ext_port == k->ext_port)
			return (int32_t)i - 1;
	}
	return -1;
}

int32_t nat_table_find_rev(struct nat_state *n, uint16_t gw, uint8_t proto, uint32_t ext_ip,
			   uint16_t ext_port, uint16_t nat_port)
{
	if (chain_index_empty(&n->rev))
		return -1;
	uint32_t h = rev_hash(gw, proto, ext_ip, ext_port, nat_port);
	for (uint32_t i = chain_index_first(&n->rev, h); i; i = map_at(n, i - 1)->next_rev) {
		const struct nat_map *m = map_at(n, i - 1);
		if (m->natgw == gw && m->proto == proto && m->ext_ip == ext_ip &&
		    m->ext_port == ext_port && m->nat_port == nat_port)
			return (int32_t)i - 1;
	}
	return -1;
}

static int32_t dest_find(const struct nat_state *n, uint16_t gw, uint8_t proto, uint32_t ext_ip,
			 uint16_t ext_port)
{
	if (chain_index_empty(&n->dix))
		return -1;
	for (uint32_t i = chain_index_first(&n->dix, dest_hash(gw, proto, ext_ip, ext_port)); i;
	     i = dest_at(n, i - 1)->next) {
		const struct nat_dest *d = dest_at(n, i - 1);
		if (d->natgw == gw && d->proto == proto && d->ext_ip == ext_ip && d->ext_port == ext_port)
			return (int32_t)i - 1;
	}
	return -1;
}

/* ------------------------------------------------------------------ ports of a destination */

static uint32_t port_range(const struct nat_state *n)
{
	return (uint32_t)n->port_hi - n->port_lo + 1;
}

/* The bitmap's words (one bit per port of the range) and summary words (one bit per word). */
static uint32_t bit_words(const struct nat_state *n)
{
	return (port_range(n) + 63) / 64;
}

static uint32_t sum_words(const struct nat_state *n)
{
	return (bit_words(n) + 63) / 64;
}

static void bit_set(const struct nat_state *n, uint64_t *bits, uint32_t off, bool used)
{
	uint32_t w = off / 64;
	uint64_t *sum = bits + bit_words(n);
	if (used)
		bits[w] |= 1ull << (off % 64);
	else
		bits[w] &= ~(1ull << (off % 64));
	if (bits[w] == ~0ull)
		sum[w / 64] &= ~(1ull << (w % 64));
	else
		sum[w / 64] |= 1ull << (w % 64);
}

/* Gives destination d a bitmap of its ports in use, from its list (O(ports in use)). */
static int dense_build(struct nat_state *n, struct nat_dest *d)
{
	uint32_t nw = bit_words(n), ns = sum_words(n), range = port_range(n);
	uint64_t *bits = calloc(nw + ns, sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	if (range % 64)
		bits[nw - 1] = ~0ull << (range % 64); /* past the range: never free */
	for (uint32_t w = 0; w < nw; w++)
		if (bits[w] != ~0ull)
			bits[nw + w / 64] |= 1ull << (w % 64);
	for (uint32_t i = d->head; i; i = map_at(n, i - 1)->dst_next)
		bit_set(n, bits, map_at(n, i - 1)->nat_port - n->port_lo, true);
	d->bits = bits;
	n->dense++;
	return 0;
}

static void dense_drop(struct nat_state *n, struct nat_dest *d)
{
	if (!d->bits)
		return;
	free(d->bits);
	d->bits = NULL;
	n->dense--;
}

/* The first free offset at or after start (wrapping) in d's bitmap: the start's word, then the
 * summary for the next word with a free port. At most sum_words + 2 words read (<= 18). */
static int dense_find(struct nat_state *n, const struct nat_dest *d, uint32_t start)
{
	uint32_t nw = bit_words(n), ns = sum_words(n), w = start / 64;
	const uint64_t *sum = d->bits + nw;
	uint64_t free_here = ~d->bits[w] & (~0ull << (start % 64));
	n->work++;
	if (free_here)
		return (int)(w * 64 + (uint32_t)__builtin_ctzll(free_here));
	/* summary words from the one holding w + 1, wrapping once round to w itself */
	uint32_t from = w + 1 < nw ? w + 1 : 0;
	for (uint32_t k = 0; k <= ns; k++) {
		uint32_t sw = (from / 64 + k) % ns;
		uint64_t cand = sum[sw];
		if (k == 0)
			cand &= ~0ull << (from % 64);
		n->work++;
		if (cand) {
			uint32_t x = sw * 64 + (uint32_t)__builtin_ctzll(cand);
			n->work++;
			return (int)(x * 64 + (uint32_t)__builtin_ctzll(~d->bits[x]));
		}
	}
	return -EADDRINUSE;
}

/* A free port of destination d (NULL: a destination with no port in use) for a flow hashing to
 * h: the hashed start, then the next free one, as a scan of the range would find it. While the
 * destination is sparse, NAT_PROBES ports are tried in the far-side index; past them it gets
 * its bitmap. */
static int port_pick(struct nat_state *n, struct nat_dest *d, const struct nat_map *k, uint32_t h)
{
	uint32_t range = port_range(n), start = h % range;
	if (!d)
		return n->port_lo + (int)start;
	if (!d->bits) {
		for (uint32_t i = 0; i < NAT_PROBES && i < range; i++) {
			uint16_t port = (uint16_t)(n->port_lo + (start + i) % range);
			n->work++;
			if (nat_table_find_rev(n, k->natgw, k->proto, k->ext_ip, k->ext_port, port) < 0)
				return port;
		}
		if (dense_build(n, d) < 0)
			return -ENOSPC;
	}
	int off = dense_find(n, d, start);
	return off < 0 ? off : n->port_lo + off;
}

/* The most translations one destination may have: AWS's 55,000, or the whole range if less. */
static uint32_t dest_cap(const struct nat_state *n)
{
	return port_range(n) < NAT_DEST_MAX ? port_range(n) : NAT_DEST_MAX;
}

/* ------------------------------------------------------------------ translations */

/* The pools' directories, made with the first translation. */
static int nat_table_ready(struct nat_state *n)
{
	if (slab_ready(&n->maps) < 0 || slab_ready(&n->dst) < 0) {
		slab_fini(&n->maps);
		slab_fini(&n->dst);
		return -ENOSPC;
	}
	return 0;
}

int32_t nat_table_alloc(struct nat_state *n, const struct nat_map *k, uint64_t now)
{
	if (slab_full(&n->maps) || nat_table_ready(n) < 0) {
		n->refused++;
		return -ENOSPC;
	}
	int32_t di = dest_find(n, k->natgw, k->proto, k->ext_ip, k->ext_port);
	struct nat_dest *d = di >= 0 ? dest_at(n, (uint32_t)di) : NULL;
	if (d && d->used >= dest_cap(n))
		return -EADDRINUSE; /* full: known without looking at a single port */
	if (chain_index_reserve(&n->fwd, &n->maps, n->maps.used + 1, map_fwd_hash) < 0 ||
	    chain_index_reserve(&n->rev, &n->maps, n->maps.used + 1, map_rev_hash) < 0 ||
	    chain_index_reserve(&n->dix, &n->dst, n->dst.used + 1, dest_key_hash) < 0) {
		n->refused++;
		return -ENOSPC;
	}
	int port = port_pick(n, d, k, fwd_hash(k));
	if (port < 0)
		return port;
	int64_t got = slab_take(&n->maps);
	int64_t dgot = d ? di : slab_take(&n->dst);
	if (got < 0 || dgot < 0) {
		if (got >= 0)
			slab_put(&n->maps, (uint32_t)got);
		if (!d && dgot >= 0)
			slab_put(&n->dst, (uint32_t)dgot);
		n->refused++;
		return -ENOSPC;
	}
	if (!d) {
		d = dest_at(n, (uint32_t)dgot);
		d->natgw = k->natgw;
		d->proto = k->proto;
		d->ext_ip = k->ext_ip;
		d->ext_port = k->ext_port;
		d->in_use = 1;
		chain_index_insert(&n->dix, &n->dst, (uint32_t)dgot, dest_key_hash(d));
	}
	uint32_t idx = (uint32_t)got;
	struct nat_map *m = map_at(n, idx);
	*m = *k;
	m->nat_port = (uint16_t)port;
	m->created = m->last_seen = now;
	m->state = k->proto == IPPROTO_TCP_ ? NAT_M_OPENING : NAT_M_OTHER;
	m->next_fwd = m->next_rev = m->dst_prev = 0;
	chain_index_insert(&n->fwd, &n->maps, idx, map_fwd_hash(m));
	chain_index_insert(&n->rev, &n->maps, idx, map_rev_hash(m));
	m->dst_next = d->head;
	if (d->head)
		map_at(n, d->head - 1)->dst_prev = idx + 1;
	d->head = idx + 1;
	if (d->bits)
		bit_set(n, d->bits, m->nat_port - n->port_lo, true);
	d->used++;
	if (!d->bits && d->used >= NAT_DENSE_AT)
		dense_build(n, d); /* without memory it stays sparse: slower, still bounded */
	return (int32_t)idx;
}

void nat_table_free(struct nat_state *n, uint32_t idx)
{
	struct nat_map *m = map_at(n, idx);
	if (m->state == NAT_M_ESTABLISHED)
		n->counters[m->natgw][NATC_ActiveConnectionCount]--;
	chain_index_remove(&n->fwd, &n->maps, idx, map_fwd_hash(m));
	chain_index_remove(&n->rev, &n->maps, idx, map_rev_hash(m));
	int32_t di = dest_find(n, m->natgw, m->proto, m->ext_ip, m->ext_port);
	if (di >= 0) {
		struct nat_dest *d = dest_at(n, (uint32_t)di);
		if (m->dst_prev)
			map_at(n, m->dst_prev - 1)->dst_next = m->dst_next;
		else
			d->head = m->dst_next;
		if (m->dst_next)
			map_at(n, m->dst_next - 1)->dst_prev = m->dst_prev;
		if (d->bits)
			bit_set(n, d->bits, m->nat_port - n->port_lo, false);
		if (--d->used < NAT_SPARSE_AT)
			dense_drop(n, d);
		if (d->used == 0) {
			chain_index_remove(&n->dix, &n->dst, (uint32_t)di, dest_key_hash(d));
			slab_put(&n->dst, (uint32_t)di);
		}
	}
	slab_put(&n->maps, idx);
}

static uint64_t nat_timeout_ns(const struct nat_map *m)
{
	return (uint64_t)(m->state == NAT_M_CLOSING ? NAT_CLOSING_S : NAT_IDLE_S) * 1000000000ull;
}

bool nat_expired(const struct nat_map *m, uint64_t now)
{
	return now > m->last_seen && now - m->last_seen > nat_timeout_ns(m);
}

void nat_sweep(struct dp_state *s, uint64_t now)
{
	struct nat_state *n = s->nat;
	if (!n || n->maps.top == 0)
		return;
	for (uint32_t k = 0; k < NAT_SWEEP_BUDGET && k < n->maps.top; k++) {
		uint32_t i = n->sweep_pos;
		n->sweep_pos = i + 1 < n->maps.top ? i + 1 : 0;
		struct nat_map *m = map_at(n, i);
		if (m->state == NAT_M_FREE || !nat_expired(m, now))
			continue;
		if (m->state == NAT_M_ESTABLISHED || m->state == NAT_M_OPENING)
			n->counters[m->natgw][NATC_IdleTimeoutCount]++;
		nat_table_free(n, i);
	}
}

/* ------------------------------------------------------------------ the state */

struct nat_state *nat_table_create(uint16_t n_natgws)
{
	struct nat_state *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->port_lo = NAT_PORT_LO;
	n->port_hi = NAT_PORT_HI;
	n->n_natgws = n_natgws;
	/* a destination has a translation: the translations' limit bounds them too */
	slab_init(&n->maps, sizeof(struct nat_map), offsetof(struct nat_map, next_fwd), NAT_LIMIT_DEFAULT);
	slab_init(&n->dst, sizeof(struct nat_dest), offsetof(struct nat_dest, next), NAT_LIMIT_DEFAULT);
	chain_index_init(&n->fwd, offsetof(struct nat_map, next_fwd));
	chain_index_init(&n->rev, offsetof(struct nat_map, next_rev));
	chain_index_init(&n->dix, offsetof(struct nat_dest, next));
	n->counters = calloc(n_natgws ? n_natgws : 1, sizeof(*n->counters));
	if (!n->counters) {
		free(n);
		errno = ENOMEM;
		return NULL;
	}
	return n;
}

void nat_table_destroy(struct nat_state *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; n->dst.chunks && i < n->dst.top; i++)
		free(dest_at(n, i)->bits);
	slab_fini(&n->maps);
	slab_fini(&n->dst);
	chain_index_fini(&n->fwd);
	chain_index_fini(&n->rev);
	chain_index_fini(&n->dix);
	free(n->counters);
	free(n);
}

struct nat_state *nat_table_clone(const struct nat_state *n)
{
	struct nat_state *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	*c = *n;
	c->maps.chunks = c->dst.chunks = NULL;
	c->fwd.b = c->rev.b = c->dix.b = NULL;
	c->counters = malloc((n->n_natgws ? n->n_natgws : 1) * sizeof(*c->counters));
	int rc = c->counters ? 0 : -ENOMEM;
	if (rc == 0) {
		memcpy(c->counters, n->counters, (n->n_natgws ? n->n_natgws : 1) * sizeof(*c->counters));
		rc = slab_copy(&c->maps, &n->maps);
	}
	if (rc == 0)
		rc = slab_copy(&c->dst, &n->dst);
	/* the copied destinations still point at n's bitmaps: give each its own (or none) */
	for (uint32_t i = 0; c->dst.chunks && i < c->dst.top && c->dst.chunks[i / SLAB_CHUNK]; i++) {
		struct nat_dest *d = dest_at(c, i);
		const uint64_t *bits = d->bits;
		d->bits = NULL;
		size_t sz = (size_t)(bit_words(n) + sum_words(n)) * sizeof(*bits);
		if (rc == 0 && bits && (d->bits = malloc(sz)))
			memcpy(d->bits, bits, sz);
		else if (bits)
			rc = -ENOMEM;
	}
	if (rc == 0 && (chain_index_copy(&c->fwd, &n->fwd) < 0 || chain_index_copy(&c->rev, &n->rev) < 0 ||
			chain_index_copy(&c->dix, &n->dix) < 0))
		rc = -ENOMEM;
	if (rc < 0) {
		nat_table_destroy(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

int nat_configure(struct dp_state *s, const struct nat_limits *l)
{
	struct nat_state *n = s->nat;
	if (l->limit == 0 || l->limit > NAT_LIMIT_MAX || l->port_lo < NAT_PORT_LO || l->port_lo > l->port_hi)
		return -EINVAL;
	if (!n)
		return 0;
	if (slab_set_limit(&n->maps, l->limit) < 0 || slab_set_limit(&n->dst, l->limit) < 0)
		return -EBUSY;
	n->port_lo = l->port_lo;
	n->port_hi = l->port_hi;
	return 0;
}

void nat_stats(const struct nat_state *n, struct nat_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!n)
		return;
	*st = (struct nat_stats){.used = n->maps.used, .limit = n->maps.limit,
				 .allocated = slab_allocated(&n->maps), .dests = n->dst.used, .dense = n->dense, .refused = n->refused, .work = n->work,
				 .port_lo = n->port_lo, .port_hi = n->port_hi};
}

uint64_t nat_counter_get(const struct nat_state *n, uint16_t gw, enum nat_counter c)
{
	return n && gw < n->n_natgws && (unsigned)c < NATC__COUNT ? n->counters[gw][c] : 0;
}

int nat_table_grow(struct nat_state *n, uint16_t n_natgws)
{
	if (n_natgws <= n->n_natgws)
		return 0;
	uint64_t (*c)[NATC__COUNT] = calloc(n_natgws, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, n->counters, n->n_natgws * sizeof(*c));
	free(n->counters);
	n->counters = c;
	n->n_natgws = n_natgws;
	return 0;
}

uint32_t nat_table_flush_if(struct nat_state *n, bool (*drop)(const struct nat_map *m, void *arg),
			    void *arg)
{
	uint32_t freed = 0;
	for (uint32_t i = 0; n && i < n->maps.top; i++) {
		struct nat_map *m = map_at(n, i);
		if (m->state != NAT_M_FREE && drop(m, arg)) {
			nat_table_free(n, i);
			freed++;
		}
	}
	return freed;
}

void nat_table_reset_counters(struct nat_state *n, uint16_t gw)
{
	if (n && gw < n->n_natgws)
		memset(n->counters[gw], 0, sizeof(n->counters[gw]));
}

int nat_foreach(const struct nat_state *n, int (*fn)(void *ctx, const struct nat_map *m), void *ctx)
{
	for (uint32_t i = 0; n && i < n->maps.top; i++) {
		const struct nat_map *m = map_at(n, i);
		if (m->state == NAT_M_FREE)
			continue;
		int rc = fn(ctx, m);
		if (rc)
			return rc;
	}
	return 0;
}
