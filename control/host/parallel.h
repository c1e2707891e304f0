/* A small fixed pool for bulk provisioning: the same job for every index of a lab's namespaces,
 * spread over a few threads (each thread moves between namespaces on its own, see provision.h).
 * The first failure stops the handing out of new indexes. */
#ifndef VPCLAB_PARALLEL_H
#define VPCLAB_PARALLEL_H

#include <stddef.h>

struct par_job {
	size_t n;                                  /* indexes 0 .. n-1 */
	unsigned threads;                          /* including the caller's; 0 or 1 = the caller alone */
	int (*work)(size_t i, void *arg);          /* 0 or -errno; may run on any of the threads */
	void *arg;
	/* Called from the caller's thread only, after each index it finished: how many are done. */
	void (*tick)(size_t done, size_t n, void *arg);
};

/* Runs the job and waits for every thread. 0, or the first failure's -errno (*failed, when not
 * NULL, gets its index). Indexes not handed out after a failure are not run. */
int par_run(const struct par_job *job, size_t *failed);

#endif
