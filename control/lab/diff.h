/* What changes between two checked models of the same lab (vpclab apply): objects matched by
 * name, rules and routes by content. Pure: no root, no dataplane; the plan is a list of lines
 * that diff_print.c shows as text or JSON, in a fixed order so plans can be compared as text. */
#ifndef VPCLAB_LAB_DIFF_H
#define VPCLAB_LAB_DIFF_H

#include <stddef.h>
#include <stdio.h>

struct lab;

enum lab_op { LAB_ADD = '+', LAB_REMOVE = '-', LAB_CHANGE = '~' };

/* One change: op, kind ("instance", "sg rule", ...), the object's name, and the detail:
 * for add/remove what the object is, for change "field old -> new; ...". */
struct lab_change {
	char op;
	const char *kind;            /* static string */
	char *name, *detail;         /* owned; detail may be "" */
};

struct lab_plan {
	struct lab_change *v;
	size_t n, cap;
};

/* Before lab_check of new (loaded, not checked): every instance, NAT gateway and elastic IP of
 * new that leaves its address out and is in old (same name; for instances and NAT gateways the
 * same subnet) keeps old's address, as in AWS a running interface keeps its IP when another is
 * added before it in the file. Without this, check's file-order assignment could renumber it
 * (a remove and an add). Such an instance without an elastic IP also keeps its auto-assigned
 * public IP while the file still gives it one (kept_public). 0 or -ENOMEM. */
int lab_keep_addresses(struct lab *new, const struct lab *old);

struct vl_tables;
/* Before lab_check of m, the kept copy of the lab that t runs: every instance, NAT gateway and
 * elastic IP of m that leaves its address out and runs in t (same name; instances and NAT
 * gateways in the same subnet) gets the address it runs with. The kept copy is the file as
 * written: checked alone it gives the addresses a fresh `up` would, not those lab_keep_addresses
 * kept at the last apply (an instance that kept 10.0.1.5 while an earlier one left 10.0.1.4
 * would come back as 10.0.1.4: a removal and an addition nobody asked for). 0 or -ENOMEM. */
int lab_keep_running(struct lab *m, const struct vl_tables *t);

struct diag;
/* What AWS refuses in a change from old to new (both checked): a subnet or VPC whose CIDR
 * changes while something is in it (DependencyViolation). Errors go to d at new's positions;
 * returns their number. */
int lab_diff_check(const struct lab *old, const struct lab *new, struct diag *d);

/* old and new: checked models (lab_check, no error). NULL with errno (ENOMEM) on failure. */
struct lab_plan *lab_diff(const struct lab *old, const struct lab *new);
void lab_plan_free(struct lab_plan *p);
/* Appends a change (kind: a static string). 0 or -ENOMEM. */
int lab_plan_add(struct lab_plan *p, char op, const char *kind, const char *name, const char *detail);

/* One line per change ("+ instance db (subnet private, 10.0.2.10)"), or "no changes". */
void lab_plan_print(const struct lab_plan *p, FILE *out);
/* {"changes": [{"op": "add"|"remove"|"change", "kind", "name", "detail"}]} as one JSON text
 * with a newline. 0 or -errno. */
int lab_plan_print_json(const struct lab_plan *p, FILE *out);

#endif
