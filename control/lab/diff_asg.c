/* lab_diff for EC2 Auto Scaling: launch templates and groups matched by name inside their VPC,
 * both changed in place (AWS: a template gets a new version, which applies to instances
 * launched after it; a group's sizes, subnets, target groups, health check and periods are
 * UpdateAutoScalingGroup), policies by content. Compared on the checked model, with AWS's
 * defaults, so a default written or left out is the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diff_impl.h"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "[a, b]" of names, sorted when the order does not count; dflt when the list is empty. */
static void names_fmt(const struct lab_names *l, bool sort, const char *dflt, char *buf,
		      size_t size)
{
	const char *v[32];
	size_t n = 0;
	for (size_t i = 0; i < l->n && n < 32; i++)
		v[n++] = orv(l->v[i].s, "?");
	if (!n && dflt)
		v[n++] = dflt;
	if (sort)
		qsort(v, n, sizeof(v[0]), name_cmp);
	size_t at = (size_t)snprintf(buf, size, "[");
	for (size_t i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : "", v[i]);
	if (at < size)
		snprintf(buf + at, size - at, "]");
}

/* ---------------------------------------------------------------- launch templates */

static const char *lt_public(const struct lab_launch_template *x)
{
	return !x->public_ip.set ? "subnet" : x->public_ip.v ? "true" : "false";
}

static void lt_desc(const void *xv, char *buf, size_t size)
{
	const struct lab_launch_template *x = xv;
	char sgs[256];
	names_fmt(&x->security_groups, true, "default", sgs, sizeof(sgs));
	snprintf(buf, size, "(security_groups %s)", sgs);
}

static bool lt_kept(const void *o, const void *n, const void *ctx)
{
	(void)o, (void)n, (void)ctx;
	return true;
}

static void lt_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_launch_template *o = xo, *n = xn;
	const char *name = o->name.s;
	char a[512], b[512];
	names_fmt(&o->security_groups, true, "default", a, sizeof(a));
	names_fmt(&n->security_groups, true, "default", b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "launch_template", name, "security_groups %s -> %s", a, b);
	if (strcmp(lt_public(o), lt_public(n)))
		emit(d, LAB_CHANGE, "launch_template", name, "public_ip %s -> %s", lt_public(o),
		     lt_public(n));
	bool osd = !o->source_dest_check.set || o->source_dest_check.v;
	bool nsd = !n->source_dest_check.set || n->source_dest_check.v;
	if (osd != nsd)
		emit(d, LAB_CHANGE, "launch_template", name, "source_dest_check %s -> %s",
		     osd ? "true" : "false", nsd ? "true" : "false");
	if (!same(o->run.s, n->run.s))
		emit(d, LAB_CHANGE, "launch_template", name,
		     "run changed (applies to instances launched from now on)");
}

static const struct named_kind k_lt = {"launch_template", sizeof(struct lab_launch_template),
	offsetof(struct lab_launch_template, name), lt_kept, lt_change, lt_desc};

/* ---------------------------------------------------------------- groups */

static long long g_desired(const struct lab_asg *g)
{
	return g->desired.set ? g->desired.v : g->min.v;
}

static long long g_grace(const struct lab_asg *g)
{
	return g->health_check.grace_period.set ? g->health_check.grace_period.v
						: VL_ASG_DEFAULT_GRACE;
}

static long long g_cooldown(const struct lab_asg *g)
{
	return g->cooldown.set ? g->cooldown.v : VL_ASG_DEFAULT_COOLDOWN;
}

static long long g_period(const struct lab_asg *g)
{
	return g->metric_period.set ? g->metric_period.v : VL_ASG_DEFAULT_PERIOD;
}

static void asg_desc(const void *xv, char *buf, size_t size)
{
	const struct lab_asg *g = xv;
	snprintf(buf, size, "(launch template %s, min %lld, desired %lld, max %lld)",
		 orv(g->launch_template.s, "?"), g->min.v, g_desired(g), g->max.v);
}

static void emit_num(struct df *d, const char *name, const char *what, long long o, long long n)
{
	if (o != n)
		emit(d, LAB_CHANGE, "auto_scaling_group", name, "%s %lld -> %lld", what, o, n);
}

static void asg_change(struct df *d, const void *xo, const void *xn, const void *ctx)
{
	(void)ctx;
	const struct lab_asg *o = xo, *n = xn;
	const char *name = o->name.s;
	char a[512], b[512];
	if (!same(o->launch_template.s, n->launch_template.s))
		emit(d, LAB_CHANGE, "auto_scaling_group", name, "launch_template %s -> %s "
		     "(applies to instances launched from now on)", orv(o->launch_template.s, "?"),
		     orv(n->launch_template.s, "?"));
	emit_num(d, name, "min", o->min.v, n->min.v);
	emit_num(d, name, "desired", g_desired(o), g_desired(n));
	emit_num(d, name, "max", o->max.v, n->max.v);
	names_fmt(&o->subnets, false, NULL, a, sizeof(a));
	names_fmt(&n->subnets, false, NULL, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "auto_scaling_group", name, "subnets %s -> %s", a, b);
	names_fmt(&o->target_groups, true, NULL, a, sizeof(a));
	names_fmt(&n->target_groups, true, NULL, b, sizeof(b));
	if (strcmp(a, b))
		emit(d, LAB_CHANGE, "auto_scaling_group", name, "target_groups %s -> %s", a, b);
	if (o->health != n->health)
		emit(d, LAB_CHANGE, "auto_scaling_group", name, "health_check type %s -> %s",
		     o->health == VL_ASG_HEALTH_ELB ? "elb" : "ec2",
		     n->health == VL_ASG_HEALTH_ELB ? "elb" : "ec2");
	emit_num(d, name, "grace_period", g_grace(o), g_grace(n));
	emit_num(d, name, "metric_period", g_period(o), g_period(n));
	emit_num(d, name, "cooldown", g_cooldown(o), g_cooldown(n));
}

static const struct named_kind k_asg = {"auto_scaling_group", sizeof(struct lab_asg),
	offsetof(struct lab_asg, name), lt_kept, asg_change, asg_desc};

/* A policy as text: "policy NAME target_tracking METRIC TARGET", the target in thousandths'
 * decimal form so that 100 and 100.0 are the same. */
static void policy_keys(struct df *d, const struct lab_asg *g, struct keys *k)
{
	if (!g || keys_alloc(d, k, g->n_policies) < 0)
		return;
	for (size_t i = 0; i < g->n_policies; i++) {
		const struct lab_asg_policy *p = &g->policies[i];
		char frac[8] = "";
		if (p->target_milli % 1000) { /* 12.5, not 12.500; 100, not 100.000 */
			snprintf(frac, sizeof(frac), ".%03llu", (unsigned long long)(p->target_milli % 1000));
			frac[strlen(frac) - (frac[3] == '0') - (frac[3] == '0' && frac[2] == '0')] = '\0';
		}
		snprintf(k->v[k->n++], sizeof(k->v[0]), "policy %s target_tracking %s %llu%s",
			 orv(p->name.s, "?"), vl_asg_metric_name(p->metric_k),
			 (unsigned long long)(p->target_milli / 1000), frac);
	}
}

static const struct lab_asg *find_asg(const struct lab_vpc *v, const char *name)
{
	for (size_t i = 0; v && i < v->n_asgs; i++)
		if (same(v->asgs[i].name.s, name))
			return &v->asgs[i];
	return NULL;
}

static void policies(struct df *d, const struct lab_asg *o, const struct lab_asg *n)
{
	struct keys ko = { 0 }, kn = { 0 };
	policy_keys(d, o, &ko);
	policy_keys(d, n, &kn);
	if (!d->err)
		keys_diff(d, &ko, &kn, "auto_scaling_group", (o ? o : n)->name.s);
	keys_free(&ko);
	keys_free(&kn);
}

void diff_asgs(struct df *d, const struct lab_vpc *o, const struct lab_vpc *n)
{
	named_diff(d, &k_lt, o ? o->templates : NULL, o ? o->n_templates : 0,
		   n ? n->templates : NULL, n ? n->n_templates : 0, NULL);
	named_diff(d, &k_asg, o ? o->asgs : NULL, o ? o->n_asgs : 0, n ? n->asgs : NULL,
		   n ? n->n_asgs : 0, NULL);
	for (size_t i = 0; o && i < o->n_asgs; i++)
		if (o->asgs[i].n_policies || find_asg(n, o->asgs[i].name.s))
			policies(d, &o->asgs[i], find_asg(n, o->asgs[i].name.s));
	for (size_t i = 0; n && i < n->n_asgs; i++)
		if (!find_asg(o, n->asgs[i].name.s) && n->asgs[i].n_policies)
			policies(d, NULL, &n->asgs[i]);
}
