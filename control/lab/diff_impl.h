/* lab_diff's insides, shared by diff.c (the VPC's own objects, the lab-wide ones), diff_lb.c
 * (load balancers and target groups) and diff_dns.c (Route 53). Private to those files. */
#ifndef VPCLAB_LAB_DIFF_IMPL_H
#define VPCLAB_LAB_DIFF_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "control/lab/diff.h"
#include "control/lab/model.h"

struct df {
	struct lab_plan *p;
	int err;
};

/* Appends one change to the plan (an error sticks in d->err and stops later ones). */
void emit(struct df *d, char op, const char *kind, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Strings equal, NULL as "". */
bool same(const char *a, const char *b);
/* s, or dflt when NULL. */
const char *orv(const char *s, const char *dflt);

/* Rules, routes, targets as text keys: equal text, same thing. */
struct keys {
	char (*v)[160];
	size_t n;
};

int keys_alloc(struct df *d, struct keys *k, size_t n);
/* Emits the keys of o missing from n as removals, then those of n missing from o as additions. */
void keys_diff(struct df *d, const struct keys *o, const struct keys *n, const char *kind,
	       const char *name);
void keys_free(struct keys *k);

/* Subnets, NAT gateways, instances, elastic IPs, hosts, target groups and load balancers share
 * one walk: an object kept under its name either changes in place or, when what AWS cannot
 * change differs, is removed and added again; names only in the new file are added. A kind says
 * what "kept" means and how it prints. */
struct named_kind {
	const char *kind;
	size_t size, name_off;   /* element size; offsetof its struct lab_str name */
	/* same identity: a change in place (ctx: the VPC pair, or NULL for lab-wide kinds) */
	bool (*kept)(const void *o, const void *n, const void *ctx);
	/* what changed in place; NULL when nothing can */
	void (*change)(struct df *d, const void *o, const void *n, const void *ctx);
	void (*desc)(const void *x, char *buf, size_t size);
};

void named_diff(struct df *d, const struct named_kind *k, const void *oa, size_t on,
		const void *na, size_t nn, const void *ctx);

/* diff_lb.c: target groups, their targets, load balancers, listeners and listener rules of one
 * VPC pair (either may be NULL: added or removed with everything in it). */
void diff_lbs(struct df *d, const struct lab_vpc *o, const struct lab_vpc *n);

/* diff_asg.c: launch templates, auto scaling groups and their policies of one VPC pair. */
void diff_asgs(struct df *d, const struct lab_vpc *o, const struct lab_vpc *n);

/* diff_dns.c: kept VPCs' DNS attributes, Route 53 health checks, hosted zones and records. */
void diff_dns(struct df *d, const struct lab *o, const struct lab *n);

#endif
