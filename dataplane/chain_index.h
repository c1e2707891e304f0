/* Chained hash indices over a pool's elements (slab.h), for the data plane's state tables: the
 * buckets hold index + 1, each element carries a uint32_t link per index it is in; made at
 * CHAIN_INDEX_MIN buckets and doubled as they fill, so a chain stays short whatever the table
 * holds (chain_index.c). The table hashes and compares its own keys, so a lookup is inline code
 * with no call; the index asks for an element's hash (a function pointer) only while it doubles. */
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

/* Doubles ix (makes it at CHAIN_INDEX_MIN), rehashing every element of pool with hash: for
 * chain_index_reserve. 0; -ENOMEM only when there are no buckets at all (without memory to
 * double, the chains just grow longer). */
int chain_index_grow(struct chain_index *ix, const struct slab *pool, chain_hash_fn *hash);

/* The link of element i of pool in ix. */
static inline uint32_t *chain_index_link(const struct chain_index *ix, const struct slab *pool, uint32_t i)
{
	return (uint32_t *)((uint8_t *)slab_at(pool, i) + ix->link);
}

/* Room for count elements: buckets made at CHAIN_INDEX_MIN and doubled once count passes them,
 * so amortised O(1). Inline: on a table's insert path the common case is one comparison. */
static inline int chain_index_reserve(struct chain_index *ix, const struct slab *pool, uint32_t count,
				      chain_hash_fn *hash)
{
	if (ix->b && count <= ix->mask + 1)
		return 0;
	return chain_index_grow(ix, pool, hash);
}

/* Element i of pool, hashing to h, at the head of its chain (the index must have buckets). */
static inline void chain_index_insert(struct chain_index *ix, const struct slab *pool, uint32_t i,
				      uint32_t h)
{
	uint32_t *head = &ix->b[h & ix->mask];
	*chain_index_link(ix, pool, i) = *head;
	*head = i + 1;
}

/* Element i, inserted with hash h, out of its chain (nothing if it is not there). */
static inline void chain_index_remove(struct chain_index *ix, const struct slab *pool, uint32_t i,
				      uint32_t h)
{
	uint32_t *link = &ix->b[h & ix->mask];
	while (*link && *link != i + 1)
		link = chain_index_link(ix, pool, *link - 1);
	if (*link)
		*link = *chain_index_link(ix, pool, i);
}

/* No buckets yet (nothing was ever inserted): every lookup misses. */
static inline int chain_index_empty(const struct chain_index *ix)
{
	return !ix->b;
}

/* The first element (index + 1, 0 = none) of the chain for h, in an index that is not empty;
 * the table follows its own typed link fields from there. */
static inline uint32_t chain_index_first(const struct chain_index *ix, uint32_t h)
{
	return ix->b[h & ix->mask];
}

#endif
