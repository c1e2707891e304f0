/* The provisioning pool (parallel.h). No queue: an atomic counter hands out indexes, so a slow
 * namespace holds one thread, not the others. The caller works too and reports progress. */
#include "control/host/parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define PAR_MAX_THREADS 16

struct par_state {
	const struct par_job *job;
	atomic_size_t next;
	atomic_size_t done;
	atomic_int err;             /* the first failure, 0 while none */
	atomic_size_t failed;
};

/* Takes indexes until none are left or something failed; returns after each one when caller
 * is set, so that the caller's thread can tick between indexes. */
static void par_take(struct par_state *st, int caller)
{
	const struct par_job *job = st->job;

	for (;;) {
		if (atomic_load(&st->err))
			return;
		size_t i = atomic_fetch_add(&st->next, 1);
		if (i >= job->n)
			return;
		int rc = job->work(i, job->arg);
		if (rc < 0) {
			int none = 0;
			if (atomic_compare_exchange_strong(&st->err, &none, rc))
				atomic_store(&st->failed, i);
		}
		size_t done = atomic_fetch_add(&st->done, 1) + 1;
		if (caller && job->tick)
			job->tick(done, job->n, job->arg);
	}
}

static void *par_thread(void *arg)
{
	par_take(arg, 0);
	return NULL;
}

int par_run(const struct par_job *job, size_t *failed)
{
	struct par_state st = { .job = job };
	pthread_t tids[PAR_MAX_THREADS];
	unsigned started = 0, want = job->threads;

	if (!job->work)
		return -EINVAL;
	if (want > PAR_MAX_THREADS)
		want = PAR_MAX_THREADS;
	if (want > job->n)
		want = (unsigned)job->n;
	/* A thread that cannot be made only means fewer hands: the caller always works. */
	for (unsigned t = 1; t < want; t++)
		if (pthread_create(&tids[started], NULL, par_thread, &st) == 0)
			started++;
	par_take(&st, 1);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	if (job->tick)
		job->tick(atomic_load(&st.done), job->n, job->arg);
	if (failed)
		*failed = atomic_load(&st.failed);
	return atomic_load(&st.err);
}
