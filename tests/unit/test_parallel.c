/* parallel.c: every index runs exactly once on however many threads, the first failure stops
 * the handing out and is reported with its index, and the caller's thread sees the progress. */
#include <check.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "control/host/parallel.h"

Suite *suite_parallel(void);

#define N 1000

struct seen {
	atomic_int runs[N];
	size_t fail_at;          /* N: never */
	size_t last_tick;
	size_t ticks;
};

static int count(size_t i, void *arg)
{
	struct seen *s = arg;
	atomic_fetch_add(&s->runs[i], 1);
	return i == s->fail_at ? -EIO : 0;
}

static void tick(size_t done, size_t n, void *arg)
{
	struct seen *s = arg;
	ck_assert_uint_le(done, n);
	ck_assert_uint_ge(done, s->last_tick); /* never goes back */
	s->last_tick = done;
	s->ticks++;
}

START_TEST(every_index_once)
{
	static const unsigned threads[] = { 0, 1, 2, 4, 16, 64 };
	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		static struct seen s;
		memset(&s, 0, sizeof(s));
		s.fail_at = N;
		struct par_job job = { .n = N, .threads = threads[t], .work = count, .arg = &s, .tick = tick };
		ck_assert_int_eq(par_run(&job, NULL), 0);
		for (size_t i = 0; i < N; i++)
			ck_assert_int_eq(atomic_load(&s.runs[i]), 1);
		ck_assert_uint_eq(s.last_tick, N); /* the last tick counts everything */
		ck_assert_uint_ge(s.ticks, 1);
	}
}
END_TEST

START_TEST(first_failure_stops_and_is_reported)
{
	static struct seen s;
	size_t failed = 0, ran = 0;
	memset(&s, 0, sizeof(s));
	s.fail_at = 10;
	struct par_job job = { .n = N, .threads = 1, .work = count, .arg = &s };
	ck_assert_int_eq(par_run(&job, &failed), -EIO);
	ck_assert_uint_eq(failed, 10);
	for (size_t i = 0; i < N; i++)
		ran += (size_t)atomic_load(&s.runs[i]);
	ck_assert_uint_eq(ran, 11); /* one thread: 0..10, nothing after the failure */

	memset(&s, 0, sizeof(s));
	s.fail_at = 500;
	job.threads = 4;
	ck_assert_int_eq(par_run(&job, &failed), -EIO);
	ck_assert_uint_eq(failed, 500);
	ck_assert_int_eq(atomic_load(&s.runs[500]), 1);
}
END_TEST

START_TEST(nothing_to_do)
{
	struct seen s = { .fail_at = N };
	struct par_job job = { .n = 0, .threads = 4, .work = count, .arg = &s };
	ck_assert_int_eq(par_run(&job, NULL), 0);
	job.work = NULL;
	ck_assert_int_eq(par_run(&job, NULL), -EINVAL);
}
END_TEST

Suite *suite_parallel(void)
{
	Suite *s = suite_create("parallel");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, every_index_once);
	tcase_add_test(tc, first_failure_stops_and_is_reported);
	tcase_add_test(tc, nothing_to_do);
	suite_add_tcase(s, tc);
	return s;
}
