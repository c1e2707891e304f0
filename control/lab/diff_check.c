/* What AWS refuses in a change to a running lab, found before anything changes: a subnet or a
 * VPC cannot be deleted (and so cannot change its CIDR, which is a delete and a create) while
 * something is in it: DependencyViolation. Removing a subnet together with its instances, or
 * moving them out in the same apply, is fine: they go first. */
#include <string.h>

#include "control/lab/diff.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"

static const struct lab_vpc *find_vpc(const struct lab *m, const char *name)
{
	for (size_t i = 0; i < m->n_vpcs; i++)
		if (m->vpcs[i].name.s && strcmp(m->vpcs[i].name.s, name) == 0)
			return &m->vpcs[i];
	return NULL;
}

static bool prefix_same(struct prefix4 a, struct prefix4 b)
{
	return a.addr == b.addr && a.len == b.len;
}

/* The first instance of new's VPC nv that sits in subnet `name` and already ran there (old's
 * VPC ov has it in a subnet of that name), or NULL. One that moves in or is added is launched
 * after the subnet is re-created: it holds nothing. */
static const struct lab_instance *first_kept_in(const struct lab_vpc *nv, const struct lab_vpc *ov,
						 const char *name)
{
	for (size_t i = 0; i < nv->n_instances; i++) {
		const struct lab_instance *x = &nv->instances[i];
		if (!x->subnet.s || strcmp(x->subnet.s, name) != 0)
			continue;
		for (size_t j = 0; j < ov->n_instances; j++) {
			const struct lab_instance *o = &ov->instances[j];
			if (!o->name.s || !x->name.s || strcmp(o->name.s, x->name.s) != 0)
				continue;
			if (o->subnet.s && strcmp(o->subnet.s, name) == 0)
				return x;
			break;
		}
	}
	return NULL;
}

/* The first load balancer of new's VPC v with a node in subnet `name`, or NULL. */
static const struct lab_lb *first_lb_in(const struct lab_vpc *v, const char *name)
{
	for (size_t i = 0; i < v->n_lbs; i++)
		for (size_t j = 0; j < v->lbs[i].n_nodes; j++)
			if (v->lbs[i].nodes[j].subnet.s && strcmp(v->lbs[i].nodes[j].subnet.s, name) == 0)
				return &v->lbs[i];
	return NULL;
}

int lab_diff_check(const struct lab *old, const struct lab *new, struct diag *d)
{
	int errors = 0;
	for (size_t i = 0; i < new->n_vpcs; i++) {
		const struct lab_vpc *nv = &new->vpcs[i], *ov = find_vpc(old, nv->name.s);
		if (!ov)
			continue;
		if (!prefix_same(ov->prefix, nv->prefix) && nv->n_subnets) {
			diag_error(d, nv->cidr.at, "vpc '%s' cannot change its cidr while it has subnets "
				   "(AWS: DependencyViolation); remove them in one apply, then change it",
				   nv->name.s);
			errors++;
			continue;
		}
		for (size_t j = 0; j < nv->n_subnets; j++) {
			const struct lab_subnet *ns = &nv->subnets[j];
			const struct lab_subnet *os = lab_find_subnet(old, ns->name.s);
			const struct lab_instance *x = first_kept_in(nv, ov, ns->name.s);
			const struct lab_lb *b = x ? NULL : first_lb_in(nv, ns->name.s);
			if (!os || (!x && !b))
				continue;
			bool same_az = strcmp(os->az.s ? os->az.s : "", ns->az.s ? ns->az.s : "") == 0;
			if (prefix_same(os->prefix, ns->prefix) && os->vpc == ov->gidx && same_az)
				continue;
			diag_error(d, same_az ? ns->cidr.at : ns->az.s ? ns->az.at : ns->at, "subnet '%s' "
				   "cannot change its %s while %s '%s' is in it (AWS: DependencyViolation); "
				   "move or remove its %s in one apply, then change it", ns->name.s,
				   same_az ? "cidr" : "availability zone", x ? "instance" : "load balancer",
				   x ? x->name.s : b->name.s, x ? "instances" : "load balancers' nodes");
			errors++;
		}
	}
	return errors;
}
