/* One updating line on a terminal for long bulk work ("provisioning 412/1000"), and nothing at
 * all when stderr is not a terminal: scripts and tests read the output of `up` and `down`. */
#ifndef VPCLAB_PROGRESS_H
#define VPCLAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct progress {
	const char *what;
	size_t total;
	bool on;                 /* stderr is a terminal */
	bool shown;              /* something is on the line (progress_end clears it) */
	struct timespec start, last;
};

/* what: "provisioning", "removing"; total: the number of objects. */
void progress_begin(struct progress *p, const char *what, size_t total);
/* Shows "WHAT DONE/TOTAL" on the line once the work has taken 100 ms (short work shows nothing),
 * at most every 50 ms (and the last count always). */
void progress_show(struct progress *p, size_t done);
/* Clears the line, so the next message starts on a clean one. */
void progress_end(struct progress *p);

#endif
