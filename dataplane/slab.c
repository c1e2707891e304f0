/* Pools of chunks that never move (slab.h): a directory sized for the limit, made with the first
 * element; chunks calloc'ed as top reaches them; a free list through each free element's link,
 * so taking and putting back cost O(1) and never move what a table refers to by index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"

static uint32_t n_chunks(const struct slab *s)
{
	return (s->limit + SLAB_CHUNK - 1) / SLAB_CHUNK;
}

static uint32_t *slab_link(const struct slab *s, uint32_t i)
{
	return (uint32_t *)((uint8_t *)slab_at(s, i) + s->link);
}

void slab_init(struct slab *s, size_t size, size_t link, uint32_t limit)
{
	*s = (struct slab){.size = (uint32_t)size, .link = (uint32_t)link, .limit = limit};
}

void slab_fini(struct slab *s)
{
	for (uint32_t c = 0; s->chunks && c < n_chunks(s); c++)
		free(s->chunks[c]);
	free(s->chunks);
	*s = (struct slab){.size = s->size, .link = s->link, .limit = s->limit};
}

int slab_set_limit(struct slab *s, uint32_t limit)
{
	if (s->chunks)
		return -EBUSY;
	s->limit = limit;
	return 0;
}

int slab_ready(struct slab *s)
{
	if (!s->chunks && !(s->chunks = calloc(n_chunks(s), sizeof(*s->chunks))))
		return -ENOMEM;
	return 0;
}

int64_t slab_take(struct slab *s)
{
	if (s->used >= s->limit)
		return -ENOSPC;
	if (s->free_head) {
		/* put zeroed it but for the link */
		uint32_t i = s->free_head - 1, *link = slab_link(s, i);
		s->free_head = *link;
		*link = 0;
		s->used++;
		return i;
	}
	/* no free element: top == used < limit, so top's chunk is within the directory */
	uint32_t c = s->top / SLAB_CHUNK;
	if (slab_ready(s) < 0 || (!s->chunks[c] && !(s->chunks[c] = calloc(SLAB_CHUNK, s->size))))
		return -ENOSPC;
	s->used++;
	return s->top++;
}

void slab_put(struct slab *s, uint32_t i)
{
	memset(slab_at(s, i), 0, s->size);
	*slab_link(s, i) = s->free_head;
	s->free_head = i + 1;
	s->used--;
}

int slab_copy(struct slab *d, const struct slab *s)
{
	*d = *s;
	d->chunks = NULL;
	if (!s->chunks)
		return 0;
	if (!(d->chunks = calloc(n_chunks(s), sizeof(*d->chunks))))
		return -ENOMEM;
	for (uint32_t c = 0; c < n_chunks(s) && s->chunks[c]; c++) {
		if (!(d->chunks[c] = malloc((size_t)SLAB_CHUNK * s->size)))
			return -ENOMEM;
		memcpy(d->chunks[c], s->chunks[c], (size_t)SLAB_CHUNK * s->size);
	}
	return 0;
}

uint32_t slab_allocated(const struct slab *s)
{
	uint32_t c = 0;
	while (s->chunks && c < n_chunks(s) && s->chunks[c])
		c++;
	return c * SLAB_CHUNK;
}
