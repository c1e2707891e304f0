/* Pools of one element type in chunks that never move, referred to by index, for the data
 * plane's state tables (nat_table.c, lb_table.c): nothing is allocated before the first element,
 * chunks come as the pool fills, up to the lab's limit, and a freed element is reused first
 * (slab.c). The tables put their hash chains on top (chain_index.h). */
#ifndef VPCLAB_SLAB_H
#define VPCLAB_SLAB_H

#include <stddef.h>
#include <stdint.h>

#define SLAB_CHUNK 1024u         /* elements per chunk: a constant, so that an index is a shift */

struct slab {
	uint32_t size;           /* bytes per element */
	uint32_t link;           /* offset of its uint32_t free-list link (index + 1) */
	uint32_t limit;          /* elements at most */
	uint32_t used;           /* handed out and not freed */
	uint32_t top;            /* elements [0, top) have been handed out at least once */
	uint32_t free_head;      /* index + 1; 0 = none (then top grows) */
	uint8_t **chunks;        /* limit / SLAB_CHUNK (rounded up) chunks; NULL until ready */
};

/* An empty pool of at most limit (> 0) elements of size bytes, linked through the uint32_t at
 * offset link when free (the element's own hash-chain link serves). Allocates nothing. */
void slab_init(struct slab *s, size_t size, size_t link, uint32_t limit);
/* Frees every chunk and the directory; s is empty again (its limit may then change). */
void slab_fini(struct slab *s);
/* The limit, before anything was allocated: 0, or -EBUSY. */
int slab_set_limit(struct slab *s, uint32_t limit);
/* Allocates the chunk directory now (slab_take does it otherwise): 0, or -ENOMEM. */
int slab_ready(struct slab *s);

/* A zeroed element: a freed one first, else the next past top (a new chunk at each SLAB_CHUNK).
 * Its index, or -ENOSPC at the limit or without memory for the chunk it needs. */
int64_t slab_take(struct slab *s);
/* Element i back to the pool: zeroed but for its link, and the first to be taken again. */
void slab_put(struct slab *s, uint32_t i);

/* A deep copy of s into d (which it overwrites), costing what s holds. 0, or -ENOMEM with d
 * holding what was copied so far (slab_fini frees it). */
int slab_copy(struct slab *d, const struct slab *s);
/* Elements in the chunks allocated so far. */
uint32_t slab_allocated(const struct slab *s);

static inline int slab_full(const struct slab *s)
{
	return s->used >= s->limit;
}

/* Element i (taken at least once): valid as long as the pool. The typed form lets the compiler
 * see the element size, for lookups on the packet path. */
static inline void *slab_at(const struct slab *s, uint32_t i)
{
	return s->chunks[i / SLAB_CHUNK] + (size_t)(i % SLAB_CHUNK) * s->size;
}

#define SLAB_AT(s, type, i) (&((type *)(s)->chunks[(i) / SLAB_CHUNK])[(i) % SLAB_CHUNK])

#endif
