/* Chained hash indices over a pool's elements (slab.h), for the data plane's state tables: the
 * buckets hold index + 1, each element carries a uint32_t link per index it is in; made at
 * CHAIN_INDEX_MIN buckets and doubled as they fill, so a chain stays short whatever the table
 * holds (chain_index.c). The table hashes and compares its own keys, so a lookup is inline code
 * with no call; the index asks for an element's hash only while it doubles. */
#ifndef VPCLAB_CHAIN_INDEX_H
#define VPCLAB_CHAIN_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "slab.h"

#define CHAIN_INDEX_MIN 64u

struct chain_index {
	uint32_t *b;             /* buckets: index + 1; NULL until the first reserve */
	uint32_t mask;
	uint32_t link;           /* offset of the element's uint32_t link in this index */
};

/* The hash an element was inserted with (what the table passes to chain_index_insert). */
typedef uint32_t chain_hash_fn(const void *elem);

/* An index without buckets, chaining elements through the uint32_t at offset link. */
void chain_index_init(struct chain_index *ix, size_t link);
void chain_index_fini(struct chain_index *ix);
/* A deep copy of s into d (which it overwrites). 0, or -ENOMEM (d then has no buckets). */
int chain_index_copy(struct chain_index *d, const struct chain_index *s);

/* Room for count elements: buckets made at CHAIN_INDEX_MIN, doubled (every element of pool
 * rehashed with hash) once count passes them. Amortised O(1); without memory to double, the
 * chains just grow longer. -ENOMEM only when there are no buckets at all. */
int chain_index_reserve(struct chain_index *ix, const struct slab *pool, uint32_t count,
			chain_hash_fn *hash);
/* Element i of pool, hashing to h, at the head of its chain (the index must have buckets). */
void chain_index_insert(struct chain_index *ix, const struct slab *pool, uint32_t i, uint32_t h);
/* Element i, inserted with hash h, out of its chain (nothing if it is not there). */
void chain_index_remove(struct chain_index *ix, const struct slab *pool, uint32_t i, uint32_t h);

/* The first element (index + 1, 0 = none) of the chain for h; the table follows its own link
 * fields from there. */
static inline uint32_t chain_index_first(const struct chain_index *ix, uint32_t h)
{
	return ix->b ? ix->b[h & ix->mask] : 0;
}

#endif
