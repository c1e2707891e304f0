/* What the export_*.c files share: a libyaml emitter (it quotes and escapes; nothing here does)
 * and small writers that skip what the file left out, so that the export says what was
 * written, plus the addresses check assigned. */
#ifndef VPCLAB_LAB_EXPORT_IMPL_H
#define VPCLAB_LAB_EXPORT_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "control/lab/model.h"

struct ex {
	yaml_emitter_t e;
	const struct lab *m;
	int err;                       /* first error: -ENOMEM or -EIO */
	/* Public IPs a fresh check of the file would not give back (export.c ex_plan_public):
	 * written as elastic IPs named here ("" = not converted). */
	char (*inst_eip)[VL_NAME_MAX]; /* by instance gidx */
	char (*node_eip)[VL_NAME_MAX]; /* by node index in file order */
	uint16_t n_inst, n_node;
};

void ex_map(struct ex *x, bool flow);
void ex_seq(struct ex *x, bool flow);
void ex_end_map(struct ex *x);
void ex_end_seq(struct ex *x);
/* A scalar: text as the loader will read it back (a string that would read as null is quoted). */
void ex_scalar(struct ex *x, const char *s);
void ex_key(struct ex *x, const char *k);
/* key: value pairs, each skipped when the file left it out. */
void ex_str(struct ex *x, const char *k, const struct lab_str *s);
void ex_cstr(struct ex *x, const char *k, const char *s);
void ex_int(struct ex *x, const char *k, const struct lab_int *v);
void ex_llong(struct ex *x, const char *k, long long v);
void ex_bool(struct ex *x, const char *k, const struct lab_bool *b);
void ex_names(struct ex *x, const char *k, const struct lab_names *n);
void ex_addr(struct ex *x, const char *k, uint32_t a);
/* An object's address: as written (or pinned), else the one check gave (ok), else none (an
 * object added to the model after check, as the AWS API does: the apply gives it one). */
void ex_ip(struct ex *x, const char *k, const struct lab_str *ip, bool ok, uint32_t a);

/* Whether instance in's public IP is written as an elastic IP (one check placed: an instance
 * added to the model after check has index 0 and no address). */
static inline bool ex_converted(const struct ex *x, const struct lab_instance *in)
{
	return !in->group && in->addr_ok && in->public_addr && in->gidx < x->n_inst &&
	       x->inst_eip[in->gidx][0];
}

/* Sections. */
void ex_vpc(struct ex *x, const struct lab_vpc *v);          /* export_vpc.c */
void ex_vpc_lb(struct ex *x, const struct lab_vpc *v);       /* export_lb.c */
void ex_vpc_asg(struct ex *x, const struct lab_vpc *v);      /* export_lb.c */
void ex_vpc_dns(struct ex *x, const struct lab_vpc *v);      /* export_dns.c */
void ex_zones(struct ex *x);                                 /* export_dns.c */

/* A load balancer node's index in check's node order (its port index after instances and
 * hosts), which node_eip uses. */
static inline size_t ex_node_k(const struct ex *x, const struct lab_lb_node *n)
{
	return (size_t)n->gidx - x->m->n_instances - x->m->n_hosts;
}

#endif
