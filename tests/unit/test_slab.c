/* slab.c and chain_index.c, the pool and the hash chains under the NAT and load balancer tables:
 * nothing allocated before the first element, growth a chunk at a time with elements that never
 * move, a freed element taken again first (and zeroed), the limit (never a chunk past it),
 * deep copies, and an index that doubles as it fills with every element still found, also
 * after removals and when every element hashes alike. */
#include <check.h>
#include <errno.h>
#include <stddef.h>

#include "dataplane/chain_index.h"
#include "dataplane/slab.h"

Suite *suite_slab(void);

struct elem {
	uint64_t payload;
	uint32_t key;
	uint32_t next;           /* free list and chain: index + 1 */
};

static void init(struct slab *s, uint32_t limit)
{
	slab_init(s, sizeof(struct elem), offsetof(struct elem, next), limit);
}

static struct elem *at(const struct slab *s, uint32_t i)
{
	return SLAB_AT(s, struct elem, i);
}

static uint32_t take(struct slab *s)
{
	int64_t i = slab_take(s);
	ck_assert_int_ge(i, 0);
	return (uint32_t)i;
}

START_TEST(nothing_before_the_first_element)
{
	struct slab s;
	init(&s, 5000);
	ck_assert_ptr_null(s.chunks);
	ck_assert_uint_eq(slab_allocated(&s), 0);
	ck_assert_uint_eq(take(&s), 0);
	ck_assert_ptr_nonnull(s.chunks);
	ck_assert_uint_eq(slab_allocated(&s), SLAB_CHUNK);
	ck_assert_uint_eq(s.used, 1);
	ck_assert_uint_eq(s.top, 1);
	ck_assert_ptr_eq(slab_at(&s, 0), at(&s, 0));
	slab_fini(&s);
	ck_assert_ptr_null(s.chunks);
	ck_assert_uint_eq(s.used, 0);
	ck_assert_uint_eq(s.limit, 5000);
}
END_TEST

START_TEST(grows_a_chunk_at_a_time_without_moving)
{
	struct slab s;
	init(&s, 3 * SLAB_CHUNK);
	struct elem *first = NULL, *last = NULL;
	for (uint32_t i = 0; i < SLAB_CHUNK; i++) {
		ck_assert_uint_eq(take(&s), i);
		struct elem *e = at(&s, i);
		ck_assert_uint_eq(e->payload | e->key | e->next, 0);
		e->payload = i;
		e->key = i * 7;
		if (i == 0)
			first = e;
		last = e;
	}
	ck_assert_uint_eq(slab_allocated(&s), SLAB_CHUNK);
	ck_assert_uint_eq(take(&s), SLAB_CHUNK);
	ck_assert_uint_eq(slab_allocated(&s), 2 * SLAB_CHUNK);
	/* the new chunk moved nothing: the earlier elements are where they were, as they were */
	ck_assert_ptr_eq(at(&s, 0), first);
	ck_assert_ptr_eq(at(&s, SLAB_CHUNK - 1), last);
	for (uint32_t i = 0; i < SLAB_CHUNK; i++)
		ck_assert_uint_eq(at(&s, i)->payload, i);
	ck_assert_uint_eq(s.used, SLAB_CHUNK + 1);
	slab_fini(&s);
}
END_TEST

START_TEST(freed_elements_are_taken_first_and_zeroed)
{
	struct slab s;
	init(&s, 100);
	for (uint32_t i = 0; i < 6; i++)
		at(&s, take(&s))->payload = 100 + i;
	slab_put(&s, 3);
	slab_put(&s, 1);
	ck_assert_uint_eq(s.used, 4);
	ck_assert_uint_eq(at(&s, 1)->payload, 0); /* zeroed at once: a reader sees a free element */
	ck_assert_uint_eq(take(&s), 1);           /* the last freed first */
	ck_assert_uint_eq(take(&s), 3);
	ck_assert_uint_eq(take(&s), 6);           /* then past top */
	for (uint32_t i = 1; i <= 3; i += 2) {
		struct elem *e = at(&s, i);
		ck_assert_uint_eq(e->payload | e->key | e->next, 0); /* the link too */
	}
	ck_assert_uint_eq(at(&s, 2)->payload, 102);
	ck_assert_uint_eq(s.used, 7);
	ck_assert_uint_eq(s.top, 7);
	slab_fini(&s);
}
END_TEST

START_TEST(limit_is_enospc_and_never_a_chunk_past_it)
{
	struct slab s;
	init(&s, 3);
	for (uint32_t i = 0; i < 3; i++)
		take(&s);
	ck_assert(slab_full(&s));
	ck_assert_int_eq(slab_take(&s), -ENOSPC);
	slab_put(&s, 0);
	ck_assert(!slab_full(&s));
	ck_assert_uint_eq(take(&s), 0);
	ck_assert_int_eq(slab_take(&s), -ENOSPC);
	ck_assert_uint_eq(slab_allocated(&s), SLAB_CHUNK);
	ck_assert_int_eq(slab_set_limit(&s, 10), -EBUSY); /* fixed once something was allocated */
	slab_fini(&s);
	ck_assert_int_eq(slab_set_limit(&s, SLAB_CHUNK + 1), 0);
	for (uint32_t i = 0; i <= SLAB_CHUNK; i++)
		take(&s);
	ck_assert_int_eq(slab_take(&s), -ENOSPC);
	ck_assert_uint_eq(slab_allocated(&s), 2 * SLAB_CHUNK);
	ck_assert_uint_eq(s.used, SLAB_CHUNK + 1);
	slab_fini(&s);
}
END_TEST

START_TEST(copy_is_deep)
{
	struct slab s, c;
	init(&s, 4 * SLAB_CHUNK);
	ck_assert_int_eq(slab_copy(&c, &s), 0); /* empty: still nothing allocated */
	ck_assert_ptr_null(c.chunks);
	for (uint32_t i = 0; i < SLAB_CHUNK + 10; i++)
		at(&s, take(&s))->payload = i;
	slab_put(&s, 5);
	ck_assert_int_eq(slab_copy(&c, &s), 0);
	ck_assert_uint_eq(slab_allocated(&c), 2 * SLAB_CHUNK);
	ck_assert_uint_eq(c.used, s.used);
	at(&s, 7)->payload = 999;
	ck_assert_uint_eq(at(&c, 7)->payload, 7);
	ck_assert_uint_eq(at(&c, SLAB_CHUNK + 9)->payload, SLAB_CHUNK + 9);
	ck_assert_uint_eq(take(&c), 5); /* the free list came along */
	ck_assert_uint_eq(take(&s), 5);
	slab_fini(&s);
	slab_fini(&c);
}
END_TEST

/* ------------------------------------------------------------------ the index */

static uint32_t key_hash_of(uint32_t key)
{
	return key * 0x9e3779b1u;
}

static uint32_t elem_hash(const void *e)
{
	return key_hash_of(((const struct elem *)e)->key);
}

static uint32_t same_hash(const void *e)
{
	(void)e;
	return 42;
}

/* The element with key (walking the chain as a table does), or -1; *steps: chain length walked. */
static int64_t find(const struct chain_index *ix, const struct slab *s, uint32_t key, uint32_t h,
		    uint32_t *steps)
{
	*steps = 0;
	if (chain_index_empty(ix))
		return -1;
	for (uint32_t i = chain_index_first(ix, h); i; i = at(s, i - 1)->next) {
		++*steps;
		if (at(s, i - 1)->key == key)
			return i - 1;
	}
	return -1;
}

static uint32_t add(struct chain_index *ix, struct slab *s, uint32_t key, chain_hash_fn *hash)
{
	uint32_t i = take(s);
	ck_assert_int_eq(chain_index_reserve(ix, s, s->used, hash), 0);
	at(s, i)->key = key;
	chain_index_insert(ix, s, i, hash(at(s, i)));
	return i;
}

START_TEST(index_doubles_and_keeps_every_entry)
{
	enum { N = 5000 };
	struct slab s;
	struct chain_index ix;
	init(&s, N);
	chain_index_init(&ix, offsetof(struct elem, next));
	uint32_t steps;
	ck_assert_int_eq(find(&ix, &s, 1, key_hash_of(1), &steps), -1); /* no buckets yet */
	ck_assert_ptr_null(ix.b);
	for (uint32_t k = 0; k < N; k++) {
		add(&ix, &s, k, elem_hash);
		uint32_t count = k + 1, buckets = ix.mask + 1;
		/* the smallest power of two (>= CHAIN_INDEX_MIN) that holds them */
		ck_assert_uint_ge(buckets, count);
		ck_assert_uint_eq(buckets & (buckets - 1), 0);
		ck_assert(buckets == CHAIN_INDEX_MIN || buckets / 2 < count);
		if (count == CHAIN_INDEX_MIN || count == CHAIN_INDEX_MIN + 1 || count == N)
			for (uint32_t j = 0; j < count; j++)
				ck_assert_int_eq(find(&ix, &s, j, key_hash_of(j), &steps), j);
	}
	ck_assert_uint_eq(ix.mask + 1, 8192);
	/* every other one out: the rest still found, the removed ones not */
	for (uint32_t k = 0; k < N; k += 2) {
		chain_index_remove(&ix, &s, k, elem_hash(at(&s, k)));
		slab_put(&s, k);
	}
	uint32_t longest = 0;
	for (uint32_t k = 0; k < N; k++) {
		int64_t got = find(&ix, &s, k, key_hash_of(k), &steps);
		if (k % 2) {
			ck_assert_int_eq(got, k);
			longest = steps > longest ? steps : longest;
		} else {
			ck_assert_int_eq(got, -1);
		}
	}
	ck_assert_uint_le(longest, 16); /* short chains: the hash spreads, the buckets kept up */
	/* freed entries come back through the pool and the index */
	ck_assert_uint_eq(add(&ix, &s, 100000, elem_hash), N - 2);
	ck_assert_int_eq(find(&ix, &s, 100000, key_hash_of(100000), &steps), N - 2);
	struct chain_index c;
	ck_assert_int_eq(chain_index_copy(&c, &ix), 0);
	ck_assert_ptr_ne(c.b, ix.b);
	chain_index_remove(&ix, &s, N - 2, elem_hash(at(&s, N - 2)));
	ck_assert_int_eq(find(&ix, &s, 100000, key_hash_of(100000), &steps), -1);
	ck_assert_int_eq(find(&c, &s, 100000, key_hash_of(100000), &steps), N - 2); /* its own buckets */
	chain_index_fini(&c);
	chain_index_fini(&ix);
	ck_assert_ptr_null(ix.b);
	slab_fini(&s);
}
END_TEST

START_TEST(one_chain_for_all_removes_anywhere)
{
	struct slab s;
	struct chain_index ix;
	init(&s, 200);
	chain_index_init(&ix, offsetof(struct elem, next));
	for (uint32_t k = 0; k < 150; k++) /* past one doubling: the rehash keeps one chain */
		add(&ix, &s, k, same_hash);
	uint32_t steps;
	ck_assert_int_eq(find(&ix, &s, 9999, 42, &steps), -1);
	ck_assert_uint_eq(steps, 150); /* all in one chain */
	/* the head, the middle, the tail of the chain */
	uint32_t out[] = {149, 75, 0};
	for (size_t j = 0; j < 3; j++)
		chain_index_remove(&ix, &s, out[j], 42);
	chain_index_remove(&ix, &s, 75, 42); /* not there: nothing happens */
	for (uint32_t k = 0; k < 150; k++)
		ck_assert_int_eq(find(&ix, &s, k, 42, &steps), k == 149 || k == 75 || k == 0 ? -1 : (int64_t)k);
	ck_assert_int_eq(find(&ix, &s, 9999, 42, &steps), -1);
	ck_assert_uint_eq(steps, 147);
	chain_index_fini(&ix);
	slab_fini(&s);
}
END_TEST

Suite *suite_slab(void)
{
	Suite *s = suite_create("slab");
	TCase *p = tcase_create("pool");
	tcase_add_test(p, nothing_before_the_first_element);
	tcase_add_test(p, grows_a_chunk_at_a_time_without_moving);
	tcase_add_test(p, freed_elements_are_taken_first_and_zeroed);
	tcase_add_test(p, limit_is_enospc_and_never_a_chunk_past_it);
	tcase_add_test(p, copy_is_deep);
	suite_add_tcase(s, p);
	TCase *x = tcase_create("chain_index");
	tcase_add_test(x, index_doubles_and_keeps_every_entry);
	tcase_add_test(x, one_chain_for_all_removes_anywhere);
	suite_add_tcase(s, x);
	return s;
}
