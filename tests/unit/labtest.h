/* Helpers for the control-plane unit suites (load, check, compile), header only: run a lab file
 * through lab_load + lab_check and capture what `vpclab check` would print, or a lab given inline
 * through lab_load_buffer (no temporary file). Tests run from the repository root. */
#ifndef VPCLAB_TEST_LABTEST_H
#define VPCLAB_TEST_LABTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/lab/lab.h"
#include "control/lab/model.h"

struct lt {
	struct lab *m;         /* NULL when lab_load refused the file */
	char *out;             /* diag_print's text */
	int errors, warnings;
	char path[512];
};

/* Checks r->m when the load gave one, and fills in what `vpclab check` would print. */
static inline void lt_finish(struct lt *r, struct diag *d)
{
	size_t len = 0;
	FILE *f = open_memstream(&r->out, &len);
	ck_assert_ptr_nonnull(f);
	if (r->m)
		lab_check(r->m, d);
	diag_print(d, f);
	fclose(f);
	r->errors = diag_errors(d);
	r->warnings = diag_warnings(d);
	diag_destroy(d);
}

/* Loads and checks path; the printed diagnostics land in r->out. */
static inline void lt_run_path(struct lt *r, const char *path)
{
	struct diag *d = diag_create();
	ck_assert_ptr_nonnull(d);
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->m = lab_load(path, d);
	lt_finish(r, d);
}

/* Loads and checks yaml as the file called name (which gives the default lab name). */
static inline void lt_run_text(struct lt *r, const char *name, const char *yaml)
{
	struct diag *d = diag_create();
	ck_assert_ptr_nonnull(d);
	snprintf(r->path, sizeof(r->path), "%s", name);
	r->m = lab_load_buffer(name, yaml, strlen(yaml), d);
	lt_finish(r, d);
}

static inline void lt_run(struct lt *r, const char *yaml)
{
	lt_run_text(r, "t.yaml", yaml);
}

static inline void lt_done(struct lt *r)
{
	lab_free(r->m);
	free(r->out);
	r->m = NULL;
	r->out = NULL;
}

/* Line n (0-based) of the output without the "PATH:" prefix, in buf; "" when absent. */
static inline const char *lt_line(const struct lt *r, int n, char *buf, size_t size)
{
	const char *p = r->out;
	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	buf[0] = '\0';
	if (!p || !*p)
		return buf;
	size_t plen = strlen(r->path);
	if (!strncmp(p, r->path, plen) && p[plen] == ':')
		p += plen + 1;
	size_t n2 = strcspn(p, "\n");
	if (n2 >= size)
		n2 = size - 1;
	memcpy(buf, p, n2);
	buf[n2] = '\0';
	return buf;
}

/* Is the exact diagnostic (without the path) among the output's lines? */
static inline int lt_has(const struct lt *r, const char *diag)
{
	char buf[512];
	for (int i = 0; *lt_line(r, i, buf, sizeof(buf)); i++)
		if (!strcmp(buf, diag))
			return 1;
	return 0;
}

#define LT_A "  - name: main\n    cidr: 10.0.0.0/16\n"

#endif
