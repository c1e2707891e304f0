/* The loader's schema machinery, shared by load.c (the top of the file, the internet, elastic
 * IPs, checks) and load_vpc.c (everything inside a VPC). A schema lists the keys a mapping may
 * have; ld_object walks a mapping against one, reporting unknown, duplicate, missing and
 * mistyped keys at their own place in the file. Private to the loader. */
#ifndef VPCLAB_LOAD_H
#define VPCLAB_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "control/lab/model.h"

#define LD_MAX_FIELDS 16
#define LD_N(a) (sizeof(a) / sizeof((a)[0]))

struct ld {
	struct lab *m;
	yaml_document_t *doc;
	struct diag *d;
	size_t visits;       /* objects parsed so far, against LD_BUDGET */
	bool oom, stop;
};

enum ld_type {
	LD_STR,    /* struct lab_str: any scalar but null */
	LD_INT,    /* struct lab_int: plain decimal */
	LD_BOOL,   /* struct lab_bool: true/false */
	LD_NAMES,  /* struct lab_names: a list of scalars */
	LD_CALL,   /* call(l, value, obj) does it all: nested lists and mappings */
};

struct ld_field {
	const char *key;
	enum ld_type type;
	bool required;
	size_t off;          /* offset of the lab_str/int/bool/names in the object */
	void (*call)(struct ld *l, yaml_node_t *val, void *obj);
};

struct ld_schema {
	const char *what;    /* "subnet": how messages name the mapping */
	const struct ld_field *fields;
	size_t n;            /* at most LD_MAX_FIELDS */
};

extern const struct ld_schema ld_vpc_schema;
extern const struct ld_schema ld_check_schema;   /* one entry of `checks:` */
extern const struct ld_schema ld_tg_schema, ld_lb_schema;   /* load_lb.c */
extern const struct ld_schema ld_lt_schema, ld_asg_schema;  /* load_asg.c */
/* load_dns.c: a VPC's `dns:`, the lab's `hosted_zones:` and `health_checks:`. */
void ld_vpc_dns(struct ld *l, yaml_node_t *n, void *obj);
void ld_lab_zones(struct ld *l, yaml_node_t *n, void *obj);
void ld_lab_r53_checks(struct ld *l, yaml_node_t *n, void *obj);

/* Reading a file into libyaml (load.c; also load_checks.c, which reads checks-only files the
 * same way): the reader bounds depth and size, errors come out as diagnostics at m->file.
 * The bytes come from f, or from buf[0 .. len) when f is NULL (lab_load_buffer). */
struct ld_input {
	FILE *f;
	const unsigned char *buf;
	size_t len, pos;
	const yaml_parser_t *parser;
	size_t total;
	bool too_deep, too_big;
};
int ld_read(void *data, unsigned char *buf, size_t size, size_t *got);
void ld_yaml_error(struct lab *m, struct diag *d, const yaml_parser_t *p, const struct ld_input *in);
void ld_no_second_doc(struct ld *l, yaml_parser_t *p, const struct ld_input *in);

struct loc ld_loc(const struct ld *l, const yaml_node_t *n);
void ld_type_error(struct ld *l, const yaml_node_t *n, const char *key, const char *in,
		   const char *want);
void ld_oom(struct ld *l);
/* A scalar (not null) into out, else an error naming key and in; false when none was stored. */
bool ld_string(struct ld *l, yaml_node_t *n, const char *key, const char *in, struct lab_str *out);
bool ld_object(struct ld *l, yaml_node_t *n, const struct ld_schema *s, void *obj);
void *ld_seq(struct ld *l, yaml_node_t *n, const char *key, const char *in,
	     const struct ld_schema *item, size_t size, size_t *count);

#endif
