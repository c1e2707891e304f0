/* Checking EC2 Auto Scaling (rule-file.md "Auto scaling groups (per VPC)"): launch templates
 * (security groups and `run` as for an instance), groups (AWS's 0 <= min <= desired <= max, the
 * lab's limit on max, names that keep GROUP-N within 15 characters and clear of every
 * instance's name, subnets, template and target groups of the group's VPC, health type and
 * periods) and target tracking policies. Lays out their table indexes too. Runs after ck_lbs,
 * which tells which load balancer uses each target group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

/* Lab limits on the periods (seconds); AWS states none below a day for these. */
#define ASG_MAX_SECONDS 86400
#define ASG_MAX_PERIOD 3600
#define ASG_MAX_POLICIES 50      /* AWS's quota: scaling policies per group */
/* Targets in thousandths: at most 10^12 per period (bytes of network_in/out are the largest). */
#define ASG_MAX_TARGET 1000000000000000ull

static const char *nm(const struct lab_str *s)
{
	return s->s ? s->s : "?";
}

static struct loc at_of(const struct lab_str *s, struct loc dflt)
{
	return s->s ? s->at : dflt;
}

/* ---------------------------------------------------------------- launch templates */

static void ck_lt(struct ck *c, struct lab_launch_template *x, const struct lab_vpc *v)
{
	const struct lab_names *l = &x->security_groups;
	x->n_sgs = 0;
	if (!l->set)
		x->sgs[x->n_sgs++] = v->default_sg;
	else if (l->n == 0)
		diag_error(c->d, l->at, "launch template '%s' needs at least one security group "
			   "(leave 'security_groups' out for 'default')", nm(&x->name));
	if (l->set && l->n > VL_MAX_PORT_SGS)
		diag_error(c->d, l->v[VL_MAX_PORT_SGS].at, "launch template '%s' has %zu security "
			   "groups: AWS's quota is %d per network interface", nm(&x->name), l->n,
			   VL_MAX_PORT_SGS);
	for (size_t i = 0; l->set && i < l->n && x->n_sgs < VL_MAX_PORT_SGS; i++) {
		uint16_t g = ck_ref_sg(c, &l->v[i], v);
		bool twice = false;
		for (size_t j = 0; j < x->n_sgs; j++)
			twice |= x->sgs[j] == g;
		if (twice)
			diag_error(c->d, l->v[i].at, "security group '%s' is listed twice", l->v[i].s);
		else if (g != VL_NONE)
			x->sgs[x->n_sgs++] = g;
	}
	if (x->run.s) {
		size_t n = strlen(x->run.s);
		if (n == 0 || strspn(x->run.s, " \t\n") == n)
			diag_error(c->d, x->run.at, "'run' of launch template '%s' is empty: give a "
				   "command line or leave the key out", nm(&x->name));
		else if (n > LAB_RUN_MAX)
			diag_error(c->d, x->run.at, "'run' of launch template '%s' is %zu bytes: at "
				   "most %d", nm(&x->name), n, LAB_RUN_MAX);
	}
}

/* ---------------------------------------------------------------- names */

/* s is NAME-N (N digits, no leading zero as the controller counts). */
static bool is_member_name(const char *s, const char *group)
{
	size_t n = strlen(group);
	if (strncmp(s, group, n) || s[n] != '-' || s[n + 1] < '1' || s[n + 1] > '9')
		return false;
	return strspn(s + n + 1, "0123456789") == strlen(s + n + 1);
}

/* A namespace name (instance, internet host, load balancer) that is the group's own name or one
 * its instances will take. */
static void ck_clash(struct ck *c, const struct lab_asg *g, const struct lab_str *other,
		     const char *kind)
{
	if (!other->s || !g->name.s)
		return;
	if (!strcmp(other->s, g->name.s))
		diag_error(c->d, g->name.at, "auto scaling group name '%s' is already used by the %s "
			   "at %d:%d", g->name.s, kind, other->at.line, other->at.col);
	else if (is_member_name(other->s, g->name.s))
		diag_error(c->d, g->name.at, "auto scaling group '%s' names its instances %s-N: the %s "
			   "'%s' at %d:%d would clash with one", g->name.s, g->name.s, kind, other->s,
			   other->at.line, other->at.col);
}

/* A load balancer's node lives in namespace LAB-LBNAME-SUBNET: with LBNAME-SUBNET of the form
 * GROUP-N it would be a group instance's namespace (load balancer web, subnet asg-1; group
 * web-asg). */
static void ck_node_clash(struct ck *c, const struct lab_asg *g, const struct lab_lb *b)
{
	for (size_t k = 0; k < b->n_nodes && b->name.s && g->name.s; k++) {
		const struct lab_str *s = &b->nodes[k].subnet;
		char ns[2 * VL_NAME_MAX + 2];
		if (!s->s)
			continue;
		snprintf(ns, sizeof(ns), "%s-%s", b->name.s, s->s);
		if (is_member_name(ns, g->name.s))
			diag_error(c->d, g->name.at, "auto scaling group '%s' names its instances %s-N: "
				   "the namespace of load balancer '%s''s node in subnet '%s' (%d:%d) "
				   "would be one's: rename one", g->name.s, g->name.s, b->name.s, s->s,
				   s->at.line, s->at.col);
	}
}

static void ck_asg_name(struct ck *c, const struct lab_asg *g)
{
	const struct lab *m = c->m;
	if (g->name.s && strlen(g->name.s) > VL_ASG_NAME_MAX)
		diag_error(c->d, g->name.at, "auto scaling group name '%s' is longer than %d "
			   "characters: its instances are named %s-N, at most 15 characters",
			   CK_SHOW(g->name.s), VL_ASG_NAME_MAX, CK_SHOW(g->name.s));
	for (size_t v = 0; v < m->n_vpcs; v++) {
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			if (!m->vpcs[v].instances[i].group) /* its own instances are GROUP-N */
				ck_clash(c, g, &m->vpcs[v].instances[i].name, "instance");
		for (size_t i = 0; i < m->vpcs[v].n_lbs; i++) {
			ck_clash(c, g, &m->vpcs[v].lbs[i].name, "load balancer");
			ck_node_clash(c, g, &m->vpcs[v].lbs[i]);
		}
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		ck_clash(c, g, &m->hosts[i].name, "internet host");
}

/* ---------------------------------------------------------------- references */

static uint16_t ck_ref_lt(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in)
{
	for (size_t v = 0; v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_templates; i++) {
			const struct lab_launch_template *t = &c->m->vpcs[v].templates[i];
			if (t->name.s && !strcmp(t->name.s, ref->s))
				return ck_resolve(c, ref, "launch template", in->gidx, (int)v, t->gidx);
		}
	return ck_resolve(c, ref, "launch template", in->gidx, -1, VL_NONE);
}

static void ck_asg_subnets(struct ck *c, struct lab_asg *g, const struct lab_vpc *v)
{
	const struct lab_names *l = &g->subnets;
	g->n_subnet_idx = 0;
	if (l->set && l->n == 0)
		diag_error(c->d, l->at, "auto scaling group '%s' needs at least one subnet",
			   nm(&g->name));
	if (l->n > VL_ASG_GROUP_SUBNETS)
		diag_error(c->d, l->v[VL_ASG_GROUP_SUBNETS].at, "auto scaling group '%s' has %zu "
			   "subnets: at most %d (a lab limit)", nm(&g->name), l->n, VL_ASG_GROUP_SUBNETS);
	for (size_t i = 0; i < l->n && g->n_subnet_idx < VL_ASG_GROUP_SUBNETS; i++) {
		const struct lab_subnet *s = lab_find_subnet(c->m, l->v[i].s);
		uint16_t x = ck_resolve(c, &l->v[i], "subnet", v->gidx, s ? s->vpc : -1,
					s ? s->gidx : VL_NONE);
		bool twice = false;
		for (size_t j = 0; j < g->n_subnet_idx; j++)
			twice |= g->subnet_idx[j] == x;
		if (twice)
			diag_error(c->d, l->v[i].at, "subnet '%s' is listed twice", l->v[i].s);
		else if (x != VL_NONE)
			g->subnet_idx[g->n_subnet_idx++] = x;
	}
}

static void ck_asg_tgs(struct ck *c, struct lab_asg *g, const struct lab_vpc *v)
{
	const struct lab_names *l = &g->target_groups;
	g->n_tgs = 0;
	if (l->n > VL_ASG_GROUP_TGS)
		diag_error(c->d, l->v[VL_ASG_GROUP_TGS].at, "auto scaling group '%s' has %zu target "
			   "groups: at most %d (a lab limit)", nm(&g->name), l->n, VL_ASG_GROUP_TGS);
	for (size_t i = 0; i < l->n && g->n_tgs < VL_ASG_GROUP_TGS; i++) {
		const struct lab_tg *t = lab_find_tg(c->m, l->v[i].s);
		uint16_t x = ck_resolve(c, &l->v[i], "target group", v->gidx, t ? t->vpc : -1,
					t ? t->gidx : VL_NONE);
		bool twice = false;
		for (size_t j = 0; j < g->n_tgs; j++)
			twice |= g->tgs[j] == x;
		if (twice)
			diag_error(c->d, l->v[i].at, "target group '%s' is listed twice", l->v[i].s);
		else if (x != VL_NONE)
			g->tgs[g->n_tgs++] = x;
	}
}

/* The first of the group's target groups that an application load balancer forwards to. */
static uint16_t alb_tg(const struct ck *c, const struct lab_asg *g)
{
	for (size_t i = 0; i < g->n_tgs; i++) {
		const struct lab_tg *t = c->tgs[g->tgs[i]];
		if (t && t->lb != VL_NONE && t->lb < c->m->n_lbs && c->lbs[t->lb] &&
		    c->lbs[t->lb]->kind == VL_LB_APPLICATION)
			return g->tgs[i];
	}
	return VL_NONE;
}

/* ---------------------------------------------------------------- sizes and periods */

static void ck_asg_sizes(struct ck *c, const struct lab_asg *g)
{
	bool ok = ck_range(c, &g->min, "min", 0, VL_ASG_MAX_SIZE);
	ok &= ck_range(c, &g->max, "max", 0, VL_ASG_MAX_SIZE);
	ok &= ck_range(c, &g->desired, "desired", 0, VL_ASG_MAX_SIZE);
	if (!ok || !g->min.set || !g->max.set)
		return;
	if (g->min.v > g->max.v)
		diag_error(c->d, g->min.at, "min %lld is greater than max %lld", g->min.v, g->max.v);
	else if (g->desired.set && g->desired.v < g->min.v)
		diag_error(c->d, g->desired.at, "desired %lld is less than min %lld", g->desired.v,
			   g->min.v);
	else if (g->desired.set && g->desired.v > g->max.v)
		diag_error(c->d, g->desired.at, "desired %lld is greater than max %lld",
			   g->desired.v, g->max.v);
}

static void ck_asg_health(struct ck *c, struct lab_asg *g)
{
	const struct lab_asg_health *h = &g->health_check;
	g->health = VL_ASG_HEALTH_EC2;
	if (h->type.s && !strcmp(h->type.s, "elb"))
		g->health = VL_ASG_HEALTH_ELB;
	else if (h->type.s && strcmp(h->type.s, "ec2"))
		diag_error(c->d, h->type.at, "health check type '%s' is not one of ec2, elb",
			   CK_SHOW(h->type.s));
	if (g->health == VL_ASG_HEALTH_ELB && g->target_groups.n == 0)
		diag_error(c->d, h->type.at, "health check type elb of auto scaling group '%s' needs "
			   "target_groups: elb health is what its target groups report", nm(&g->name));
	ck_range(c, &h->grace_period, "grace_period", 0, ASG_MAX_SECONDS);
	ck_range(c, &g->cooldown, "cooldown", 0, ASG_MAX_SECONDS);
	ck_range(c, &g->metric_period, "metric_period", VL_ASG_MIN_PERIOD, ASG_MAX_PERIOD);
}

/* ---------------------------------------------------------------- policies */

/* A non-negative decimal with at most 3 decimals, in thousandths; false when it is not one. */
static bool parse_milli(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t digits = 0, decimals = 0;
	bool dot = false;
	for (; *s; s++) {
		if (*s == '.' && !dot && digits) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9' || (dot && ++decimals > 3) || v > ASG_MAX_TARGET)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		digits++;
	}
	if (!digits || (dot && !decimals))
		return false;
	for (; decimals < 3; decimals++)
		v *= 10;
	*out = v;
	return v <= ASG_MAX_TARGET;
}

static int metric_of(const char *s)
{
	for (uint8_t i = 0; s && i <= VL_ASG_NET_OUT; i++)
		if (!strcmp(s, vl_asg_metric_name(i)))
			return i;
	return -1;
}

static bool policy_name_ok(const char *s)
{
	if (*s < 'a' || *s > 'z' || strlen(s) > VL_NAME_MAX - 1)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

static void ck_policy(struct ck *c, struct lab_asg *g, struct lab_asg_policy *p, size_t i)
{
	if (p->name.s && !policy_name_ok(p->name.s))
		diag_error(c->d, p->name.at, "policy name '%s' must match [a-z][a-z0-9-]*, at most 15 "
			   "characters", CK_SHOW(p->name.s));
	for (size_t j = 0; p->name.s && j < i; j++)
		if (g->policies[j].name.s && !strcmp(g->policies[j].name.s, p->name.s)) {
			diag_error(c->d, p->name.at, "policy name '%s' is already used by the policy at "
				   "%d:%d", p->name.s, g->policies[j].name.at.line,
				   g->policies[j].name.at.col);
			break;
		}
	if (p->type.s && strcmp(p->type.s, "target_tracking"))
		diag_error(c->d, p->type.at, "policy type '%s' is not target_tracking (the only type "
			   "the lab runs)", CK_SHOW(p->type.s));
	p->tg = VL_NONE;
	int k = metric_of(p->metric.s);
	if (p->metric.s && k < 0)
		diag_error(c->d, p->metric.at, "metric '%s' is not one of cpu, "
			   "alb_request_count_per_target, network_in, network_out", CK_SHOW(p->metric.s));
	p->metric_k = k < 0 ? VL_ASG_CPU : (uint8_t)k;
	if (k == VL_ASG_ALB_REQUESTS) {
		p->tg = alb_tg(c, g);
		if (p->tg == VL_NONE)
			diag_error(c->d, p->metric.at, "metric alb_request_count_per_target needs one of "
				   "the group's target_groups behind an application load balancer");
	}
	if (!p->target.s)
		return;
	if (!parse_milli(p->target.s, &p->target_milli) || p->target_milli == 0)
		diag_error(c->d, p->target.at, "target '%s' is not a number above 0 (at most 3 "
			   "decimals)", CK_SHOW(p->target.s));
	else if (k == VL_ASG_CPU && p->target_milli > 100000)
		diag_error(c->d, p->target.at, "target '%s' of metric cpu is a percentage: at most "
			   "100", CK_SHOW(p->target.s));
}

/* ---------------------------------------------------------------- the whole */

static void ck_asg(struct ck *c, struct lab_asg *g, const struct lab_vpc *v)
{
	struct loc at = at_of(&g->name, g->at);
	ck_asg_name(c, g);
	g->template = g->launch_template.s ? ck_ref_lt(c, &g->launch_template, v) : VL_NONE;
	ck_asg_subnets(c, g, v);
	ck_asg_tgs(c, g, v);
	ck_asg_sizes(c, g);
	ck_asg_health(c, g);
	if (g->n_policies > ASG_MAX_POLICIES)
		diag_error(c->d, at, "auto scaling group '%s' has %zu policies: AWS's quota is %d",
			   nm(&g->name), g->n_policies, ASG_MAX_POLICIES);
	for (size_t i = 0; i < g->n_policies; i++)
		ck_policy(c, g, &g->policies[i], i);
}

void ck_asgs(struct ck *c)
{
	struct lab *m = c->m;
	size_t lts = 0, asgs = 0, policies = 0;
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *x = &m->vpcs[v];
		for (size_t i = 0; i < x->n_templates; i++) {
			x->templates[i].vpc = x->gidx;
			x->templates[i].gidx = (uint16_t)lts++;
		}
		for (size_t i = 0; i < x->n_asgs; i++) {
			x->asgs[i].vpc = x->gidx;
			x->asgs[i].gidx = (uint16_t)asgs++;
			x->asgs[i].policy_first = (uint32_t)policies;
			policies += x->asgs[i].n_policies;
		}
	}
	if (lts >= VL_NONE || asgs >= VL_NONE || policies >= UINT32_MAX) {
		diag_error(c->d, m->at, "too many launch templates or auto scaling groups: at most %u",
			   VL_NONE - 1);
		return;
	}
	m->n_templates = (uint16_t)lts;
	m->n_asgs = (uint16_t)asgs;
	m->n_asg_policies = (uint32_t)policies;
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *x = &m->vpcs[v];
		for (size_t i = 0; i < x->n_templates; i++)
			ck_lt(c, &x->templates[i], x);
		for (size_t i = 0; i < x->n_asgs; i++)
			ck_asg(c, &x->asgs[i], x);
	}
}

bool lab_has_asgs(const struct lab *m)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		if (m->vpcs[v].n_asgs)
			return true;
	return false;
}
