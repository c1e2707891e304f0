/* Auto Scaling groups' instances appended to a loaded model (asg_members.h). They are written
 * as the file would write them, so that check, compile, diff and pins treat them as any
 * instance; their place in the file is their group's. */
#include <errno.h>
#include <string.h>

#include "control/lab/asg_members.h"
#include "control/lab/model.h"

static struct lab_asg *find_group(struct lab *m, const char *name, struct lab_vpc **vpc)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t g = 0; g < m->vpcs[v].n_asgs; g++)
			if (m->vpcs[v].asgs[g].name.s && !strcmp(m->vpcs[v].asgs[g].name.s, name)) {
				*vpc = &m->vpcs[v];
				return &m->vpcs[v].asgs[g];
			}
	return NULL;
}

static struct lab_str str_at(struct lab *m, const char *s, struct loc at, bool *oom)
{
	struct lab_str r = {.s = lab_strdup(m, s), .at = at};
	*oom |= !r.s;
	return r;
}

/* The instance a member is, written as the file would write it. */
static int fill(struct lab *m, struct lab_instance *x, const struct lab_member *mb, const struct lab_asg *g)
{
	bool oom = false;
	x->at = g->at;
	x->name = str_at(m, mb->name, g->name.at, &oom);
	x->subnet = str_at(m, mb->subnet, g->subnets.at, &oom);
	x->group = x->name.s ? lab_strdup(m, mb->group) : NULL;
	x->security_groups.at = g->at;
	x->security_groups.set = mb->n_sgs > 0;
	x->security_groups.n = mb->n_sgs;
	x->security_groups.v = mb->n_sgs ? lab_alloc(m, mb->n_sgs * sizeof(struct lab_str)) : NULL;
	oom |= mb->n_sgs && !x->security_groups.v;
	for (uint16_t k = 0; !oom && k < mb->n_sgs; k++)
		x->security_groups.v[k] = str_at(m, mb->sgs[k], g->at, &oom);
	x->source_dest_check = (struct lab_bool){.v = mb->src_dst_check, .set = true, .at = g->at};
	if (mb->public_ip != VL_LT_PUBLIC_SUBNET)
		x->public_ip = (struct lab_bool){.v = mb->public_ip == VL_LT_PUBLIC_YES, .set = true, .at = g->at};
	if (mb->run[0])
		x->run = str_at(m, mb->run, g->at, &oom);
	return oom || !x->group ? -ENOMEM : 0;
}

/* Registers instance `name` in target group `tg` of vpc (on the group's port). */
static int register_in(struct lab *m, struct lab_vpc *vpc, const struct lab_str *tg, const char *name)
{
	for (size_t i = 0; i < vpc->n_tgs; i++) {
		struct lab_tg *t = &vpc->tgs[i];
		if (!t->name.s || !tg->s || strcmp(t->name.s, tg->s))
			continue;
		struct lab_target *nv = lab_alloc(m, (t->n_targets + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		if (t->n_targets)
			memcpy(nv, t->targets, t->n_targets * sizeof(*nv));
		nv[t->n_targets] = (struct lab_target){.at = tg->at,
						       .instance = {.s = lab_strdup(m, name), .at = tg->at}};
		if (!nv[t->n_targets].instance.s)
			return -ENOMEM;
		t->targets = nv;
		t->n_targets++;
		return 0;
	}
	return 0; /* no such group: check says so about the group's own reference */
}

int lab_add_members(struct lab *m, const struct lab_member *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct lab_vpc *vpc = NULL;
		struct lab_asg *g = find_group(m, v[k].group, &vpc);
		if (!g)
			continue;
		struct lab_instance *nv = lab_alloc(m, (vpc->n_instances + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		if (vpc->n_instances)
			memcpy(nv, vpc->instances, vpc->n_instances * sizeof(*nv));
		vpc->instances = nv;
		if (fill(m, &nv[vpc->n_instances], &v[k], g) < 0)
			return -ENOMEM;
		vpc->n_instances++;
		for (size_t t = 0; v[k].registered && t < g->target_groups.n; t++)
			if (register_in(m, vpc, &g->target_groups.v[t], v[k].name) < 0)
				return -ENOMEM;
	}
	return 0;
}
