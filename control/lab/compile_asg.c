/* Compiling EC2 Auto Scaling (tables_asg.h): launch templates, groups and their target
 * tracking policies, with AWS's defaults for what the file leaves out: desired = min (AWS's
 * CreateAutoScalingGroup), health type ec2, grace period 300 s (the console's), cooldown 300 s,
 * metric_period 60 s (1-minute metrics). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/model.h"

static void cp_lt(const struct lab_launch_template *x, struct vl_launch_template *d)
{
	snprintf(d->name, sizeof(d->name), "%s", x->name.s ? x->name.s : "");
	d->vpc = x->vpc;
	d->public_ip = !x->public_ip.set ? VL_LT_PUBLIC_SUBNET
		       : x->public_ip.v ? VL_LT_PUBLIC_YES : VL_LT_PUBLIC_NO;
	d->src_dst_check = !x->source_dest_check.set || x->source_dest_check.v;
	d->sg_count = x->n_sgs;
	memcpy(d->sgs, x->sgs, sizeof(d->sgs));
	snprintf(d->run, sizeof(d->run), "%s", x->run.s ? x->run.s : "");
}

static void cp_policy(const struct lab_asg_policy *p, struct vl_asg_policy *d)
{
	snprintf(d->name, sizeof(d->name), "%s", p->name.s ? p->name.s : "");
	d->type = VL_ASG_TARGET_TRACKING;
	d->metric = p->metric_k;
	d->tg = p->tg;
	d->target_milli = p->target_milli;
}

static void cp_asg(const struct lab_asg *g, struct vl_asg *d)
{
	snprintf(d->name, sizeof(d->name), "%s", g->name.s ? g->name.s : "");
	d->vpc = g->vpc;
	d->template = g->template;
	d->min = (uint16_t)g->min.v;
	d->max = (uint16_t)g->max.v;
	d->desired = (uint16_t)(g->desired.set ? g->desired.v : g->min.v);
	d->subnet_count = g->n_subnet_idx;
	memcpy(d->subnets, g->subnet_idx, sizeof(d->subnets));
	d->tg_count = g->n_tgs;
	memcpy(d->tgs, g->tgs, sizeof(d->tgs));
	d->health = g->health;
	d->grace_s = g->health_check.grace_period.set ? (uint32_t)g->health_check.grace_period.v
						      : VL_ASG_DEFAULT_GRACE;
	d->cooldown_s = g->cooldown.set ? (uint32_t)g->cooldown.v : VL_ASG_DEFAULT_COOLDOWN;
	d->metric_period_s = g->metric_period.set ? (uint32_t)g->metric_period.v
						  : VL_ASG_DEFAULT_PERIOD;
	d->policy_first = g->policy_first;
	d->policy_count = (uint32_t)g->n_policies;
}

/* t's arrays are sized by lab_compile from m's counts; NULL arrays when there is nothing. */
int lab_compile_asg(const struct lab *m, struct vl_tables *t)
{
	t->n_launch_templates = m->n_templates;
	t->n_asgs = m->n_asgs;
	t->n_asg_policies = m->n_asg_policies;
	if (!m->n_templates && !m->n_asgs)
		return 0;
	t->launch_templates = calloc(m->n_templates ? m->n_templates : 1, sizeof(*t->launch_templates));
	t->asgs = calloc(m->n_asgs ? m->n_asgs : 1, sizeof(*t->asgs));
	t->asg_policies = calloc(m->n_asg_policies ? m->n_asg_policies : 1, sizeof(*t->asg_policies));
	if (!t->launch_templates || !t->asgs || !t->asg_policies)
		return -ENOMEM;
	for (size_t v = 0; v < m->n_vpcs; v++) {
		const struct lab_vpc *x = &m->vpcs[v];
		for (size_t i = 0; i < x->n_templates; i++)
			cp_lt(&x->templates[i], &t->launch_templates[x->templates[i].gidx]);
		for (size_t i = 0; i < x->n_asgs; i++) {
			const struct lab_asg *g = &x->asgs[i];
			cp_asg(g, &t->asgs[g->gidx]);
			for (size_t k = 0; k < g->n_policies; k++)
				cp_policy(&g->policies[k], &t->asg_policies[g->policy_first + k]);
		}
	}
	return 0;
}
