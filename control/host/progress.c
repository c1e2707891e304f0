/* The progress line (progress.h): \r and the erase-line sequence redraw it in place. */
#include "control/host/progress.h"

#include <stdio.h>
#include <unistd.h>

static long progress_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

void progress_begin(struct progress *p, const char *what, size_t total)
{
	p->what = what;
	p->total = total;
	p->on = isatty(STDERR_FILENO) == 1;
	p->shown = false;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

void progress_show(struct progress *p, size_t done)
{
	struct timespec now;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (progress_ms(&p->start, &now) < 100 ||
	    (p->shown && done < p->total && progress_ms(&p->last, &now) < 50))
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "\r\033[K%s %zu/%zu", p->what, done, p->total);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->on && p->shown)
		fputs("\r\033[K", stderr), fflush(stderr);
	p->shown = false;
}
