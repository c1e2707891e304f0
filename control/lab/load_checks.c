/* Checks kept apart from the lab (`vpclab test LAB.yaml CHECKS.yaml ...`): a file whose only key
 * is `checks:`, read with the loader's own machinery (load.h) so that its entries have the same
 * fields, the same errors and FILE:LINE:COL pointing into that file. The entries are appended to
 * the lab's checks; lab_check_checks (check.c) then resolves their names against the lab. */
#include <errno.h>
#include <string.h>
#include <yaml.h>

#include "control/lab/lab.h"
#include "control/lab/load.h"

/* What ld_object fills for the root of a checks file: only the new entries. */
struct ld_checks_root {
	struct loc at;          /* first, like every node's */
	struct lab_check *v;
	size_t n;
};

static void ld_checks_list(struct ld *l, yaml_node_t *n, void *obj)
{
	struct ld_checks_root *r = obj;
	r->v = ld_seq(l, n, "checks", "checks file", &ld_check_schema, sizeof(*r->v), &r->n);
}

static const struct ld_field root_fields[] = {
	{ "checks", LD_CALL, true, 0, ld_checks_list },
};
static const struct ld_schema root_schema = { "checks file", root_fields, LD_N(root_fields) };

/* m->checks followed by r's entries, in a new arena array. 0 or -ENOMEM. */
static int ld_append(struct lab *m, const struct ld_checks_root *r)
{
	if (!r->n)
		return 0;
	struct lab_check *v = lab_alloc(m, (m->n_checks + r->n) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (m->n_checks)
		memcpy(v, m->checks, m->n_checks * sizeof(*v));
	memcpy(v + m->n_checks, r->v, r->n * sizeof(*v));
	m->checks = v;
	m->n_checks += r->n;
	return 0;
}

/* The first document of an open parser. 0, -EINVAL (reported) or -ENOMEM. */
static int ld_checks_document(struct lab *m, struct diag *d, yaml_parser_t *p,
			      const struct ld_input *in)
{
	yaml_document_t doc;
	struct ld l = { .m = m, .doc = &doc, .d = d };
	struct ld_checks_root r = { { m->file, 1, 1 }, NULL, 0 };
	if (!yaml_parser_load(p, &doc)) {
		ld_yaml_error(m, d, p, in);
		return p->error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	int ret = -EINVAL;
	if (!root)
		diag_error(d, r.at, "the checks file is empty");
	else if (ld_object(&l, root, &root_schema, &r))
		ret = 0;
	if (ret == 0 && !l.oom)
		ld_no_second_doc(&l, p, in);
	yaml_document_delete(&doc);
	if (!l.oom && ret == 0 && ld_append(m, &r) < 0)
		l.oom = true;
	if (l.oom) {
		diag_error(d, r.at, "out of memory while loading the file");
		return -ENOMEM;
	}
	return ret;
}

int lab_load_checks(struct lab *m, const char *path, struct diag *d)
{
	struct loc whole = { path, 0, 0 };
	/* Every location the loader makes names m->file: point it at this file while it is read
	 * (the copy lives in the lab's arena, as long as the locations that point at it). */
	const char *lab_file = m->file;
	char *file = lab_strdup(m, path);
	if (!file) {
		diag_error(d, whole, "out of memory");
		return -ENOMEM;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		diag_error(d, whole, "cannot read the checks file: %s", strerror(e));
		return -e;
	}
	yaml_parser_t p;
	int ret = -ENOMEM, before = diag_errors(d);
	struct ld_input in = { .f = f, .parser = &p };
	m->file = file;
	if (yaml_parser_initialize(&p)) {
		yaml_parser_set_input(&p, ld_read, &in);
		ret = ld_checks_document(m, d, &p, &in);
		yaml_parser_delete(&p);
	} else {
		diag_error(d, whole, "out of memory");
	}
	m->file = lab_file;
	fclose(f);
	int errors = diag_errors(d) - before;
	m->load_errors += errors;
	return ret < 0 ? ret : errors;
}
