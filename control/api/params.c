/* A request's parameters (api.h): AWS's flattened names kept as they come (Filter.1.Value.2),
 * sorted once so that lookups are a binary search, and the list and filter views handlers use. */
#include <errno.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/api.h"

int api_req_add(struct api_req *r, const char *name, const char *value)
{
	if (r->n % 16 == 0) {
		struct api_param *p = realloc(r->p, (r->n + 16) * sizeof(*p));
		if (!p)
			return -ENOMEM;
		r->p = p;
	}
	char *n = strdup(name), *v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	r->p[r->n++] = (struct api_param){n, v};
	return 0;
}

int api_req_parse(struct api_req *r, const char *qs)
{
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(qs, &q) < 0) {
		evhttp_clear_headers(&q);
		return -EINVAL;
	}
	int rc = 0;
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, &q, next) {
		/* libevent decodes values only; a key is decoded the same way ('+' a space) */
		char *key = evhttp_uridecode(kv->key, 1, NULL);
		rc = key ? api_req_add(r, key, kv->value) : -ENOMEM;
		free(key);
		if (rc)
			break;
	}
	evhttp_clear_headers(&q);
	return rc;
}

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_param *)a)->name, ((const struct api_param *)b)->name);
}

void api_req_sort(struct api_req *r)
{
	/* stable enough: a repeated name keeps one of its values, as AWS takes one */
	if (r->n)
		qsort(r->p, r->n, sizeof(*r->p), param_cmp);
}

void api_req_free(struct api_req *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->p[i].name);
		free(r->p[i].value);
	}
	free(r->p);
	r->p = NULL;
	r->n = 0;
}

const char *api_param(const struct api_req *r, const char *name)
{
	struct api_param key = {(char *)name, NULL};
	const struct api_param *p = r->n ? bsearch(&key, r->p, r->n, sizeof(*r->p), param_cmp) : NULL;
	return p ? p->value : NULL;
}

/* N when name is exactly PREFIX.N (N a positive decimal), else 0. */
static unsigned long index_of(const char *name, const char *prefix, size_t plen)
{
	if (strncmp(name, prefix, plen) != 0 || name[plen] != '.')
		return 0;
	const char *d = name + plen + 1;
	if (*d < '1' || *d > '9')
		return 0;
	char *end;
	unsigned long n = strtoul(d, &end, 10);
	return *end ? 0 : n;
}

struct idx_val {
	unsigned long n;
	const char *v;
};

static int idx_cmp(const void *a, const void *b)
{
	unsigned long x = ((const struct idx_val *)a)->n, y = ((const struct idx_val *)b)->n;
	return x < y ? -1 : x > y;
}

size_t api_list(const struct api_req *r, const char *prefix, const char **out, size_t cap)
{
	size_t plen = strlen(prefix), n = 0;
	struct idx_val *iv = r->n ? calloc(r->n, sizeof(*iv)) : NULL;
	for (size_t i = 0; i < r->n; i++) {
		unsigned long k = index_of(r->p[i].name, prefix, plen);
		if (!k)
			continue;
		if (iv)
			iv[n] = (struct idx_val){k, r->p[i].value};
		n++;
	}
	if (iv) {
		qsort(iv, n, sizeof(*iv), idx_cmp);
		for (size_t i = 0; i < n && i < cap; i++)
			out[i] = iv[i].v;
		free(iv);
	}
	return n;
}

int api_filters(const struct api_req *r, struct api_filter *out, size_t cap)
{
	/* one filter per Filter.N.Name (the order does not matter: filters are ANDed) */
	int count = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *nm = r->p[i].name;
		if (strncmp(nm, "Filter.", 7) != 0)
			continue;
		const char *dot = strchr(nm + 7, '.');
		if (!dot || strcmp(dot, ".Name") != 0)
			continue;
		if ((size_t)count >= cap) {
			api_filters_free(out, count);
			return -E2BIG;
		}
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%.*s.Value", (int)(dot - nm), nm);
		size_t nv = api_list(r, prefix, NULL, 0);
		const char **vals = calloc(nv + 1, sizeof(*vals));
		if (!vals) {
			api_filters_free(out, count);
			return -ENOMEM;
		}
		api_list(r, prefix, vals, nv);
		out[count++] = (struct api_filter){r->p[i].value, vals, nv};
	}
	/* a Filter.N.Value.M without its Filter.N.Name names no filter: AWS refuses it */
	for (size_t i = 0; i < r->n; i++) {
		const char *nm = r->p[i].name;
		if (strncmp(nm, "Filter.", 7) != 0)
			continue;
		char want[64];
		const char *dot = strchr(nm + 7, '.');
		if (!dot)
			continue;
		snprintf(want, sizeof(want), "%.*s.Name", (int)(dot - nm), nm);
		if (!api_param(r, want)) {
			api_filters_free(out, count);
			return -EINVAL;
		}
	}
	return count;
}

void api_filters_free(struct api_filter *f, int n)
{
	for (int i = 0; i < n; i++) {
		free(f[i].values);
		f[i].values = NULL;
	}
}

bool api_filter_match(const struct api_filter *f, const char *value)
{
	if (!value)
		return false;
	for (size_t i = 0; i < f->n_values; i++)
		if (fnmatch(f->values[i], value, 0) == 0)
			return true;
	return false;
}
