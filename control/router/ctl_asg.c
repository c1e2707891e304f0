/* The `asg` and `asg-set-desired` answers (include/vpclab/ctl.h): a group's configuration, its
 * policies with the last period's metric, its instances with their lifecycle and health, and
 * its activities newest first, in AWS's words. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/router/asg.h"
#include "control/router/asg_ctl.h"
#include "control/router/router.h"

static const char *life_name(uint8_t life)
{
	return life == ASG_PENDING ? "Pending" : life == ASG_IN_SERVICE ? "InService" : "Terminating";
}

static json_t *names_of(const struct vl_tables *t, const uint16_t *idx, uint16_t n, bool tgs)
{
	json_t *a = json_array();
	for (uint16_t k = 0; a && k < n; k++)
		json_array_append_new(a, json_string(tgs ? t->tgs[idx[k]].name : t->subnets[idx[k]].name));
	return a;
}

static json_t *policies_json(const struct asg_group *g)
{
	json_t *a = json_array();
	for (int p = 0; a && p < g->cfg.n_policies; p++) {
		const struct asg_policy *x = &g->cfg.policies[p];
		json_t *v = g->last[p].has_data ? json_real(g->last[p].value) : json_null();
		json_array_append_new(a, json_pack("{s:s, s:s, s:f, s:o, s:i, s:i}", "name", x->name, "metric",
						   asg_metric_name(x->metric), "target", x->target, "value", v,
						   "above", (json_int_t)g->tt.high[p], "below", (json_int_t)g->tt.low[p]));
	}
	return a;
}

static json_t *instances_json(const struct router *r, const struct asg_group *g)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < g->n; k++) {
		const struct asg_inst *x = &g->v[k];
		if (x->pend == ASG_P_LAUNCH)
			continue; /* not made yet */
		uint16_t p = asg_port_of(r, x->m.name);
		char ip[16] = "", t[32], az[VL_NAME_MAX] = "";
		if (p != VL_NONE) {
			addr_fmt(r->t->ports[p].ip, ip);
			snprintf(az, sizeof(az), "%s", r->t->subnets[r->t->ports[p].subnet].az);
		}
		bool bad = x->run_exited || (g->cfg.health_type == ASG_HC_ELB && x->elb_unhealthy);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name", x->m.name,
						   "subnet", x->m.subnet, "az", az, "ip", ip, "life",
						   life_name(x->life), "health", bad ? "Unhealthy" : "Healthy",
						   "launched", asg_time(x->launch_s, t, sizeof(t)),
						   "launch_template", x->m.template_name));
	}
	return a;
}

static json_t *activities_json(const struct asg_group *g)
{
	json_t *a = json_array();
	for (size_t k = 0; a && k < g->n_acts; k++) {
		const struct asg_entry *x = &g->acts[(g->act_head + ASG_ACTS - 1 - k) % ASG_ACTS];
		char t[32];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "time", asg_time(x->t, t, sizeof(t)), "status",
				      x->status, "description", x->desc, "cause", x->cause);
		if (o && x->details[0])
			json_object_set_new(o, "details", json_string(x->details));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *group_json(const struct router *r, const struct asg_group *g)
{
	const struct vl_tables *t = r->t;
	const struct vl_asg *a = &t->asgs[g->gi];
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:o, s:o, s:{s:s, s:i}, s:i, s:i, s:o, s:o, s:o}",
			 "name", g->name, "vpc", t->vpcs[a->vpc].name, "launch_template",
			 t->launch_templates[a->template].name, "min", (json_int_t)a->min, "desired",
			 (json_int_t)g->desired, "max", (json_int_t)a->max, "subnets",
			 names_of(t, a->subnets, a->subnet_count, false), "target_groups",
			 names_of(t, a->tgs, a->tg_count, true), "health_check", "type",
			 a->health == VL_ASG_HEALTH_ELB ? "elb" : "ec2", "grace_period", (json_int_t)a->grace_s,
			 "metric_period", (json_int_t)a->metric_period_s, "cooldown", (json_int_t)a->cooldown_s,
			 "policies", policies_json(g), "instances", instances_json(r, g), "activities",
			 activities_json(g));
}

json_t *ctl_handle_asg(struct router *r, const char *name)
{
	json_t *groups = json_array();
	for (size_t i = 0; r->asg && groups && i < r->asg->n; i++)
		if (!name || !strcmp(r->asg->g[i].name, name))
			json_array_append_new(groups, group_json(r, &r->asg->g[i]));
	if (name && groups && json_array_size(groups) == 0) {
		json_decref(groups);
		return json_pack("{s:s}", "error", "no such auto scaling group");
	}
	return json_pack("{s:o}", "groups", groups);
}

json_t *ctl_handle_asg_set_desired(struct router *r, const char *name, const char *n)
{
	struct asg_group *g = NULL;
	for (size_t i = 0; r->asg && i < r->asg->n && !g; i++)
		if (!strcmp(r->asg->g[i].name, name))
			g = &r->asg->g[i];
	if (!g)
		return json_pack("{s:s, s:b}", "error", "no such auto scaling group", "input", 1);
	char *end;
	errno = 0;
	long v = strtol(n, &end, 10);
	char err[256];
	if (errno || end == n || *end) {
		snprintf(err, sizeof(err), "desired capacity '%s' is not a number", n);
		return json_pack("{s:s, s:b}", "error", err, "input", 1);
	}
	if (asg_set_desired_check(&g->cfg, v, err, sizeof(err)) < 0)
		return json_pack("{s:s, s:b}", "error", err, "input", 1);
	uint32_t from = g->desired;
	g->desired = (uint32_t)v;
	if (g->desired != from) {
		uint64_t now = (uint64_t)time(NULL);
		asg_set_desired_cause(from, g->desired, now, g->pending_cause, sizeof(g->pending_cause));
		g->pending_details[0] = '\0';
	}
	return json_pack("{s:b, s:s, s:i, s:i}", "ok", 1, "group", g->name, "from", (json_int_t)from, "to",
			 (json_int_t)g->desired);
}
