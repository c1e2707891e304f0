/* Chained hash indices (chain_index.h): the link of element i is a uint32_t at a fixed offset in
 * the pool's element, so inserting, removing and rehashing need no knowledge of the table's
 * types; only a doubling asks the table for each element's hash. What a table's insert and
 * remove paths call is inline in the header; here is what allocates. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chain_index.h"

void chain_index_init(struct chain_index *ix, size_t link)
{
	*ix = (struct chain_index){.link = (uint32_t)link};
}

void chain_index_fini(struct chain_index *ix)
{
	free(ix->b);
	ix->b = NULL;
	ix->mask = 0;
}

int chain_index_copy(struct chain_index *d, const struct chain_index *s)
{
	*d = *s;
	if (!s->b)
		return 0;
	if (!(d->b = malloc((s->mask + 1) * sizeof(*d->b))))
		return -ENOMEM;
	memcpy(d->b, s->b, (s->mask + 1) * sizeof(*d->b));
	return 0;
}

int chain_index_grow(struct chain_index *ix, const struct slab *pool, chain_hash_fn *hash)
{
	uint32_t nb = ix->b ? (ix->mask + 1) * 2 : CHAIN_INDEX_MIN;
	uint32_t *b = calloc(nb, sizeof(*b));
	if (!b)
		return ix->b ? 0 : -ENOMEM;
	for (uint32_t i = 0; ix->b && i <= ix->mask; i++) {
		for (uint32_t at = ix->b[i]; at;) {
			uint32_t *link = chain_index_link(ix, pool, at - 1), next = *link;
			uint32_t *head = &b[hash(slab_at(pool, at - 1)) & (nb - 1)];
			*link = *head;
			*head = at;
			at = next;
		}
	}
	free(ix->b);
	ix->b = b;
	ix->mask = nb - 1;
	return 0;
}
