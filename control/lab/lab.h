/* The control plane's front half: lab file -> model -> checked model -> compiled tables.
 * load.c parses YAML with libyaml into struct lab (model.h), every node keeping file:line:col;
 * check.c validates everything at once and resolves names and addresses; compile.c emits the
 * immutable struct vl_tables the data plane runs on. Nothing here prints except through diag. */
#ifndef VPCLAB_LAB_H
#define VPCLAB_LAB_H

#include <stdbool.h>
#include <stdio.h>

#include "vpclab/tables.h"

struct lab;   /* control/model.h */

/* Diagnostics: collected, then printed as FILE:LINE:COL: error|warning: message, in file order. */
struct diag;
struct diag *diag_create(void);
void diag_destroy(struct diag *d);
int diag_errors(const struct diag *d);
int diag_warnings(const struct diag *d);
void diag_print(const struct diag *d, FILE *out);

/* Parses path. Returns the model, or NULL when the file cannot be read or is not YAML at all
 * (reported in d). Structural errors (unknown keys, wrong types) are reported in d and parsing
 * goes on so that one run shows every error; a model is still returned. */
struct lab *lab_load(const char *path, struct diag *d);

/* lab_load of a file already in memory: buf[0 .. len) (no terminator needed) parsed as the file
 * called name would be, with the same diagnostics at name:LINE:COL and the same default lab name
 * (name's stem). For tests, the fuzzer and input that never was a file. */
struct lab *lab_load_buffer(const char *name, const char *buf, size_t len, struct diag *d);

/* Checks every field rule of rules/REFERENCE.md, resolves references, assigns the
 * addresses left out (instances, NAT gateways, public and elastic IPs). Returns the number of
 * errors (also in d). Warnings do not count. */
int lab_check(struct lab *m, struct diag *d);

/* Appends the checks of a file holding only a top-level `checks:` list (vpclab test) to m,
 * reporting in d at that file's FILE:LINE:COL. Returns the number of errors, or a negative
 * errno when the file cannot be read or is no YAML (reported). Names are resolved later by
 * lab_check_checks. */
int lab_load_checks(struct lab *m, const char *path, struct diag *d);

/* Resolves m->checks[first .. first+n) (appended after lab_check ran) as lab_check resolves the
 * lab's own; errors in d. Returns the number of errors. */
int lab_check_checks(struct lab *m, size_t first, size_t n, struct diag *d);

/* The lab's name: `name:` or the file name without its extension. */
const char *lab_name(const struct lab *m);

/* Whether the lab has load balancers or target groups. */
bool lab_has_lb(const struct lab *m);

/* Model (checked, zero errors) -> tables. NULL with errno set. Caller frees with vl_tables_free. */
struct vl_tables *lab_compile(const struct lab *m);
/* Whether it has hosted zones or Route 53 health checks (`check` shows them). */
bool lab_has_zones(const struct lab *m);
/* Whether it has auto scaling groups (`up` starts their first instances: asg_up_model). */
bool lab_has_asgs(const struct lab *m);

void lab_free(struct lab *m);

#endif
