/* Diagnostics for the lab file: the loader and the checker report here instead of printing, so
 * that one run collects every error and the CLI prints them in file order at the end
 * (FILE:LINE:COL: error|warning: message). Nothing here exits or aborts. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diag.h"

enum diag_sev { DIAG_ERROR, DIAG_WARNING };

/* Past this many, diagnostics are only counted: a broken file must not flood the terminal. */
#define DIAG_MAX 10000

struct diag_entry {
	char *file;
	int line, col;
	enum diag_sev sev;
	size_t seq;      /* insertion order: ties at one place keep it */
	char *msg;
};

struct diag {
	struct diag_entry *v;
	size_t n, cap;
	int errors, warnings;
	int lost;        /* messages not kept: past DIAG_MAX or out of memory */
};

struct diag *diag_create(void)
{
	return calloc(1, sizeof(struct diag));
}

void diag_destroy(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	free(d);
}

int diag_errors(const struct diag *d)
{
	return d ? d->errors : 0;
}

int diag_warnings(const struct diag *d)
{
	return d ? d->warnings : 0;
}

/* Keeps the message; past DIAG_MAX or on allocation failure only the counters change. */
static void diag_add(struct diag *d, enum diag_sev sev, struct loc at, const char *fmt, va_list ap)
{
	if (sev == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	if (d->n >= DIAG_MAX) {
		d->lost++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag_entry *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->lost++;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	char *msg = NULL;
	char *file = strdup(at.file ? at.file : "<input>");
	if (!file || vasprintf(&msg, fmt, ap) < 0) {
		free(file);
		d->lost++;
		return;
	}
	d->v[d->n] = (struct diag_entry){ file, at.line, at.col, sev, d->n, msg };
	d->n++;
}

void diag_error(struct diag *d, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *d, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *pa, const void *pb)
{
	const struct diag_entry *a = *(const struct diag_entry *const *)pa;
	const struct diag_entry *b = *(const struct diag_entry *const *)pb;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void diag_print_one(const struct diag_entry *e, FILE *out)
{
	const char *sev = e->sev == DIAG_ERROR ? "error" : "warning";
	if (e->line > 0)
		fprintf(out, "%s:%d:%d: %s: %s\n", e->file, e->line, e->col, sev, e->msg);
	else
		fprintf(out, "%s: %s: %s\n", e->file, sev, e->msg);
}

/* Sorted by line then column (insertion order breaks ties); the entries stay in place. */
void diag_print(const struct diag *d, FILE *out)
{
	if (!d)
		return;
	const struct diag_entry **order = calloc(d->n ? d->n : 1, sizeof(*order));
	for (size_t i = 0; i < d->n; i++) {
		if (order)
			order[i] = &d->v[i];
		else
			diag_print_one(&d->v[i], out);
	}
	if (order) {
		qsort(order, d->n, sizeof(*order), diag_cmp);
		for (size_t i = 0; i < d->n; i++)
			diag_print_one(order[i], out);
		free(order);
	}
	if (d->lost)
		fprintf(out, "vpclab: %d more diagnostic(s) not shown\n", d->lost);
}
