/* The first step of the control plane: lab file (YAML, libyaml's document API) -> struct lab.
 * Structure only: every key is known, every value has its type, required keys are present, each
 * node keeps its file:line:col. Values are kept as written (CIDRs and addresses as strings) for
 * check.c, which comes next. Every error is collected in struct diag and parsing goes on; the
 * walk follows the schema, never the document's own depth, so no input makes it recurse deeply. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "control/lab/load.h"

/* Object visits allowed per file: aliases can make a small file expand exponentially. */
#define LD_BUDGET 100000
/* libyaml's scanner costs O(depth) per token, so deep nesting ([[[[...) is quadratic: the reader
 * hands libyaml small chunks and stops once the scanner is deeper than this. A lab file is small;
 * the size cap bounds the rest. */
#define LD_MAX_DEPTH 256
#define LD_CHUNK 1024
#define LD_MAX_BYTES (16u << 20)

/* libyaml read handler: the file's (or buffer's) bytes, LD_CHUNK at a time, watching the
 * scanner's depth. */
int ld_read(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct ld_input *in = data;
	const yaml_parser_t *p = in->parser;
	long indents = p->indents.top - p->indents.start;
	*got = 0;
	if (p->flow_level > LD_MAX_DEPTH || indents > LD_MAX_DEPTH) {
		in->too_deep = true;
		return 0;
	}
	size_t want = size < LD_CHUNK ? size : LD_CHUNK;
	if (in->f) {
		*got = fread(buf, 1, want, in->f);
		if (ferror(in->f))
			return 0;
	} else {
		*got = in->len - in->pos < want ? in->len - in->pos : want;
		if (*got)   /* buf may be NULL when len is 0 */
			memcpy(buf, in->buf + in->pos, *got);
		in->pos += *got;
	}
	in->total += *got;
	if (in->total > LD_MAX_BYTES) {
		in->too_big = true;
		return 0;
	}
	return 1;
}

struct loc ld_loc(const struct ld *l, const yaml_node_t *n)
{
	return (struct loc){ l->m->file, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

static bool ld_is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *s = (const char *)n->data.scalar.value;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

/* "a mapping", "a list", "null", "'x'" or "the string 'x'": what the user wrote instead. */
static const char *ld_kind(const yaml_node_t *n, char *buf, size_t size)
{
	char show[48];
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (ld_is_null(n))
		return "null";
	lab_show((const char *)n->data.scalar.value, show, sizeof(show));
	bool quoted = n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	snprintf(buf, size, "%s'%s'", quoted ? "the string " : "", show);
	return buf;
}

void ld_type_error(struct ld *l, const yaml_node_t *n, const char *key, const char *in,
		   const char *want)
{
	char buf[80];
	diag_error(l->d, ld_loc(l, n), "'%s' in %s must be %s, not %s", key, in, want,
		   ld_kind(n, buf, sizeof(buf)));
}

void ld_oom(struct ld *l)
{
	l->oom = true;
	l->stop = true;
}

static bool ld_str(struct ld *l, yaml_node_t *n, const char *key, const char *in,
		   struct lab_str *out)
{
	if (n->type != YAML_SCALAR_NODE || ld_is_null(n)) {
		ld_type_error(l, n, key, in, "a string");
		return false;
	}
	/* A "\0" escape would silently cut the string at strdup: say so instead. */
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		diag_error(l->d, ld_loc(l, n), "'%s' in %s contains a NUL character", key, in);
		return false;
	}
	out->s = lab_strdup(l->m, (const char *)n->data.scalar.value);
	if (!out->s)
		ld_oom(l);
	out->at = ld_loc(l, n);
	return out->s != NULL;
}

bool ld_string(struct ld *l, yaml_node_t *n, const char *key, const char *in, struct lab_str *out)
{
	return ld_str(l, n, key, in, out);
}

/* Decimal, optional minus sign, plain style only ("80" in quotes is a string, as in YAML). */
static void ld_int(struct ld *l, yaml_node_t *n, const char *key, const char *in,
		   struct lab_int *out)
{
	const char *s = (const char *)n->data.scalar.value;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		goto bad;
	const char *p = s + (*s == '-');
	long long v = 0;
	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		if (v > 1000000000000LL) {
			diag_error(l->d, ld_loc(l, n), "'%s' in %s is out of range", key, in);
			return;
		}
		v = v * 10 + (*p - '0');
	}
	*out = (struct lab_int){ *s == '-' ? -v : v, true, ld_loc(l, n) };
	return;
bad:
	ld_type_error(l, n, key, in, "an integer");
}

static void ld_bool(struct ld *l, yaml_node_t *n, const char *key, const char *in,
		    struct lab_bool *out)
{
	const char *s = (const char *)n->data.scalar.value;
	bool t, f;
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		t = f = false;
	} else {
		t = !strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE");
		f = !strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE");
	}
	if (!t && !f) {
		ld_type_error(l, n, key, in, "true or false");
		return;
	}
	*out = (struct lab_bool){ t, true, ld_loc(l, n) };
}

static void ld_names(struct ld *l, yaml_node_t *n, const char *key, const char *in,
		     struct lab_names *out)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_type_error(l, n, key, in, "a list of names");
		return;
	}
	size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	out->v = lab_alloc(l->m, count * sizeof(*out->v));
	if (!out->v) {
		ld_oom(l);
		return;
	}
	out->set = true;
	out->at = ld_loc(l, n);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(l->doc, n->data.sequence.items.start[i]);
		if (!item)
			continue;
		char buf[80];
		if (item->type != YAML_SCALAR_NODE || ld_is_null(item))
			diag_error(l->d, ld_loc(l, item), "items of '%s' in %s must be names, not %s",
				   key, in, ld_kind(item, buf, sizeof(buf)));
		else if (ld_str(l, item, key, in, &out->v[out->n]))
			out->n++;
	}
}

static void ld_field(struct ld *l, const struct ld_field *f, const char *in, yaml_node_t *val,
		     void *obj)
{
	void *p = (char *)obj + f->off;
	switch (f->type) {
	case LD_STR:
		ld_str(l, val, f->key, in, p);
		break;
	case LD_INT:
		ld_int(l, val, f->key, in, p);
		break;
	case LD_BOOL:
		ld_bool(l, val, f->key, in, p);
		break;
	case LD_NAMES:
		ld_names(l, val, f->key, in, p);
		break;
	case LD_CALL:
		f->call(l, val, obj);
		break;
	}
}

/* Returns the field index for key, or -1. */
static int ld_lookup(const struct ld_schema *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->fields[i].key, key))
			return (int)i;
	return -1;
}

/* Edit distance, capped: is `typo` a misspelling of `key`? */
static bool ld_near(const char *typo, const char *key)
{
	size_t a = strlen(typo), b = strlen(key), row[33];
	if (a > 32 || b > 32 || (a > b ? a - b : b - a) > 2)
		return false;
	for (size_t j = 0; j <= b; j++)
		row[j] = j;
	for (size_t i = 1; i <= a; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b; j++) {
			size_t up = row[j];
			size_t best = diag + (typo[i - 1] != key[j - 1]);
			best = up + 1 < best ? up + 1 : best;
			best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
			row[j] = best;
			diag = up;
		}
	}
	return row[b] <= 2;
}

/* A required key is missing: reported at the mapping, unless an unknown key of the same mapping
 * is a misspelling of it (then the unknown key's error already says what is wrong). */
static void ld_missing(struct ld *l, yaml_node_t *n, const struct ld_schema *s, size_t f)
{
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    ld_lookup(s, (const char *)k->data.scalar.value) < 0 &&
		    ld_near((const char *)k->data.scalar.value, s->fields[f].key))
			return;
	}
	diag_error(l->d, ld_loc(l, n), "missing required key '%s' in %s", s->fields[f].key, s->what);
}

static void ld_pair(struct ld *l, const struct ld_schema *s, yaml_node_pair_t *pair, bool *seen,
		    void *obj)
{
	yaml_node_t *k = yaml_document_get_node(l->doc, pair->key);
	yaml_node_t *v = yaml_document_get_node(l->doc, pair->value);
	char buf[64];
	if (!k || !v)
		return;
	if (k->type != YAML_SCALAR_NODE) {
		diag_error(l->d, ld_loc(l, k), "keys in %s must be names, not %s", s->what,
			   k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
		return;
	}
	const char *key = (const char *)k->data.scalar.value;
	int f = ld_lookup(s, key);
	if (f < 0) {
		diag_error(l->d, ld_loc(l, k), "unknown key '%s' in %s", lab_show(key, buf, sizeof(buf)),
			   s->what);
		return;
	}
	if (seen[f]) {
		diag_error(l->d, ld_loc(l, k), "duplicate key '%s' in %s", key, s->what);
		return;
	}
	seen[f] = true;
	ld_field(l, &s->fields[f], s->what, v, obj);
}

/* An absent value points at its mapping, so later errors about it have a place. */
static void ld_absent_at(const struct ld_field *f, void *obj, struct loc at)
{
	void *p = (char *)obj + f->off;
	if (f->type == LD_STR)
		((struct lab_str *)p)->at = at;
	else if (f->type == LD_INT)
		((struct lab_int *)p)->at = at;
	else if (f->type == LD_BOOL)
		((struct lab_bool *)p)->at = at;
	else if (f->type == LD_NAMES)
		((struct lab_names *)p)->at = at;
}

/* Fills obj (whose first member is its struct loc) from mapping n following schema s. */
bool ld_object(struct ld *l, yaml_node_t *n, const struct ld_schema *s, void *obj)
{
	char buf[80];
	bool seen[LD_MAX_FIELDS] = { false };
	if (l->stop)
		return false;
	if (++l->visits > LD_BUDGET) {
		diag_error(l->d, ld_loc(l, n), "the lab file expands to too many objects "
			   "(aliases?): giving up here");
		l->stop = true;
		return false;
	}
	if (n->type != YAML_MAPPING_NODE) {
		diag_error(l->d, ld_loc(l, n), "%s must be a mapping, not %s", s->what,
			   ld_kind(n, buf, sizeof(buf)));
		return false;
	}
	struct loc at = ld_loc(l, n);
	*(struct loc *)obj = at;
	for (size_t i = 0; i < s->n; i++)
		ld_absent_at(&s->fields[i], obj, at);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
		ld_pair(l, s, p, seen, obj);
	for (size_t i = 0; i < s->n; i++)
		if (s->fields[i].required && !seen[i])
			ld_missing(l, n, s, i);
	return true;
}

/* A list of objects of one schema; returns the array (arena) and its length in *count. */
void *ld_seq(struct ld *l, yaml_node_t *n, const char *key, const char *in,
	     const struct ld_schema *item, size_t size, size_t *count)
{
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_type_error(l, n, key, in, "a list");
		return NULL;
	}
	size_t len = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (len > SIZE_MAX / size) {
		ld_oom(l);
		return NULL;
	}
	char *v = lab_alloc(l->m, len * size);
	if (!v) {
		ld_oom(l);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *it = yaml_document_get_node(l->doc, n->data.sequence.items.start[i]);
		if (it && ld_object(l, it, item, v + *count * size))
			(*count)++;
	}
	return v;
}

/* The top of the file: name, region, vpcs, elastic_ips, internet, checks. */

static const struct ld_field eip_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_eip, name), NULL },
	{ "ip", LD_STR, false, offsetof(struct lab_eip, ip), NULL },
	{ "instance", LD_STR, false, offsetof(struct lab_eip, instance), NULL },
};
static const struct ld_schema eip_schema = { "elastic ip", eip_fields, LD_N(eip_fields) };

static const struct ld_field host_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_host, name), NULL },
	{ "ip", LD_STR, true, offsetof(struct lab_host, ip), NULL },
};
static const struct ld_schema host_schema = { "internet host", host_fields, LD_N(host_fields) };

static const struct ld_field check_fields[] = {
	{ "from", LD_STR, true, offsetof(struct lab_check, from), NULL },
	{ "to", LD_STR, true, offsetof(struct lab_check, to), NULL },
	{ "protocol", LD_STR, true, offsetof(struct lab_check, protocol), NULL },
	{ "port", LD_INT, false, offsetof(struct lab_check, port), NULL },
	{ "expect", LD_STR, true, offsetof(struct lab_check, expect), NULL },
	{ "seen_as", LD_STR, false, offsetof(struct lab_check, seen_as), NULL },
};
const struct ld_schema ld_check_schema = { "check", check_fields, LD_N(check_fields) };

static void ld_lab_vpcs(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->vpcs = ld_seq(l, n, "vpcs", "lab", &ld_vpc_schema, sizeof(*m->vpcs), &m->n_vpcs);
	m->vpcs_empty = n->type == YAML_SEQUENCE_NODE &&
			n->data.sequence.items.top == n->data.sequence.items.start;
	m->vpcs_at = ld_loc(l, n);
}

static void ld_lab_eips(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->eips = ld_seq(l, n, "elastic_ips", "lab", &eip_schema, sizeof(*m->eips), &m->n_eips);
}

static void ld_lab_checks(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->checks = ld_seq(l, n, "checks", "lab", &ld_check_schema, sizeof(*m->checks), &m->n_checks);
}

static void ld_inet_hosts(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	m->hosts = ld_seq(l, n, "hosts", "internet", &host_schema, sizeof(*m->hosts), &m->n_hosts);
}

static const struct ld_field inet_fields[] = {
	{ "public_pool", LD_STR, false, offsetof(struct lab, public_pool), NULL },
	{ "hosts", LD_CALL, false, 0, ld_inet_hosts },
};
static const struct ld_schema inet_schema = { "internet", inet_fields, LD_N(inet_fields) };

/* `internet` fills fields of struct lab itself; ld_object writes the mapping's place into the
 * lab's own, so that is restored afterwards. */
static void ld_lab_internet(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab *m = obj;
	struct loc keep = m->at;
	ld_object(l, n, &inet_schema, m);
	m->at = keep;
}

static const struct ld_field lab_fields[] = {
	{ "name", LD_STR, false, offsetof(struct lab, name), NULL },
	{ "region", LD_STR, false, offsetof(struct lab, region), NULL },
	{ "vpcs", LD_CALL, true, 0, ld_lab_vpcs },
	{ "elastic_ips", LD_CALL, false, 0, ld_lab_eips },
	{ "internet", LD_CALL, false, 0, ld_lab_internet },
	{ "checks", LD_CALL, false, 0, ld_lab_checks },
	{ "hosted_zones", LD_CALL, false, 0, ld_lab_zones },
	{ "health_checks", LD_CALL, false, 0, ld_lab_r53_checks },
};
static const struct ld_schema lab_schema = { "lab", lab_fields, LD_N(lab_fields) };

/* "dir/shop.yaml" -> "shop": the default lab name. */
static const char *ld_stem(struct lab *m, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *stem = lab_strdup(m, base);
	if (!stem)
		return NULL;
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	return stem;
}

static struct lab *ld_new(const char *path)
{
	struct lab *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->file = lab_strdup(m, path);
	m->stem = m->file ? ld_stem(m, path) : NULL;
	if (!m->stem) {
		lab_free(m);
		return NULL;
	}
	m->at = (struct loc){ m->file, 1, 1 };
	return m;
}

/* Reader errors carry a byte offset, not a mark: count lines in the input up to it. */
static struct loc ld_offset_loc(const struct lab *m, const struct ld_input *in, size_t off)
{
	struct loc at = { m->file, 1, 1 };
	if (in->f && fseek(in->f, 0, SEEK_SET) < 0)
		return at;
	for (size_t i = 0; i < off; i++) {
		int ch = in->f ? getc(in->f) : i < in->len ? in->buf[i] : EOF;
		if (ch == EOF)
			break;
		if (ch == '\n') {
			at.line++;
			at.col = 1;
		} else if ((ch & 0xc0) != 0x80) {
			at.col++;        /* columns count characters, as libyaml's marks do */
		}
	}
	return at;
}

void ld_yaml_error(struct lab *m, struct diag *d, const yaml_parser_t *p,
			  const struct ld_input *in)
{
	struct loc at = { m->file, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1 };
	if (p->error == YAML_READER_ERROR)
		at = ld_offset_loc(m, in, p->problem_offset);
	const char *problem = p->problem ? p->problem : "cannot be parsed";
	if (in->too_deep)
		diag_error(d, (struct loc){ m->file, 0, 0 }, "the lab file nests deeper than %d levels",
			   LD_MAX_DEPTH);
	else if (in->too_big)
		diag_error(d, (struct loc){ m->file, 0, 0 }, "the lab file is larger than %u MiB",
			   LD_MAX_BYTES >> 20);
	else if (p->error == YAML_READER_ERROR && in->f && ferror(in->f))
		diag_error(d, (struct loc){ m->file, 0, 0 }, "cannot read the lab file");
	else if (p->error == YAML_MEMORY_ERROR)
		diag_error(d, at, "out of memory while reading the file");
	else if (p->context)
		diag_error(d, at, "invalid yaml: %s (%s at %zu:%zu)", problem, p->context,
			   p->context_mark.line + 1, p->context_mark.column + 1);
	else
		diag_error(d, at, "invalid yaml: %s", problem);
}

/* A lab file holds exactly one document: a second one is an error at its start. */
void ld_no_second_doc(struct ld *l, yaml_parser_t *p, const struct ld_input *in)
{
	yaml_document_t doc;
	if (!yaml_parser_load(p, &doc)) {
		ld_yaml_error(l->m, l->d, p, in);
		return;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root)
		diag_error(l->d, ld_loc(l, root), "a lab file holds one yaml document, this is a second");
	yaml_document_delete(&doc);
}

/* Loads the first document of an open parser into m: 0, or -EINVAL when nothing usable came
 * out (reported), or -ENOMEM. */
static int ld_document(struct lab *m, struct diag *d, yaml_parser_t *p, const struct ld_input *in)
{
	yaml_document_t doc;
	struct ld l = { .m = m, .doc = &doc, .d = d };
	if (!yaml_parser_load(p, &doc)) {
		ld_yaml_error(m, d, p, in);
		return p->error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	int ret = -EINVAL;
	if (!root)
		diag_error(d, m->at, "the lab file is empty");
	else if (ld_object(&l, root, &lab_schema, m))   /* else "lab must be a mapping" */
		ret = 0;
	if (ret == 0 && !l.oom)
		ld_no_second_doc(&l, p, in);
	yaml_document_delete(&doc);
	if (l.oom) {
		diag_error(d, m->at, "out of memory while loading the file");
		return -ENOMEM;
	}
	return ret;
}

/* The one core of both loaders: a fresh model named name, its document read from in. */
static struct lab *ld_load(const char *name, struct ld_input *in, struct diag *d)
{
	struct loc whole = { name, 0, 0 };
	struct lab *m = ld_new(name);
	if (!m) {
		diag_error(d, whole, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	yaml_parser_t p;
	int ret = -ENOMEM, before = diag_errors(d);
	in->parser = &p;
	if (yaml_parser_initialize(&p)) {
		yaml_parser_set_input(&p, ld_read, in);
		ret = ld_document(m, d, &p, in);
		yaml_parser_delete(&p);
	} else {
		diag_error(d, whole, "out of memory");
	}
	in->parser = NULL;
	if (ret < 0) {
		lab_free(m);
		errno = -ret;
		return NULL;
	}
	m->load_errors = diag_errors(d) - before;
	return m;
}

struct lab *lab_load(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		diag_error(d, (struct loc){ path, 0, 0 }, "cannot read the lab file: %s", strerror(e));
		errno = e;
		return NULL;
	}
	struct ld_input in = { .f = f };
	struct lab *m = ld_load(path, &in, d);
	int e = errno;
	fclose(f);
	errno = e;
	return m;
}

struct lab *lab_load_buffer(const char *name, const char *buf, size_t len, struct diag *d)
{
	struct ld_input in = { .buf = (const unsigned char *)buf, .len = buf ? len : 0 };
	return ld_load(name, &in, d);
}
