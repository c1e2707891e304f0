/* ELBv2 DescribeTargetHealth, RegisterTargets and DeregisterTargets. Health is the router's (the
 * `lb` answer: its health checks, draining after a deregistration); a group no load balancer
 * uses has its targets `unused` as AWS says. Registration changes the group's `targets` in the
 * running model and applies it (api_change), so the router starts checking the new target and
 * drains a removed one for the group's deregistration delay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/elb.h"
#include "control/cli/ctl_client.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "vpclab/ctl.h"
#include "vpclab/tables.h"

#define MAX_TARGETS 64

struct target_arg {
	const char *id;              /* i-... */
	const char *name;            /* its instance (into name_buf after resolve) */
	long port;
	char name_buf[128];                   /* 0: not given */
};

struct targets {
	const struct lab_tg *tg;
	const char *tg_name;
	char tg_buf[128];
	struct target_arg v[MAX_TARGETS];
	size_t n;
	bool reg;
};

/* Targets.member.N.Id / .Port in N's order. -1 after api_fail (ValidationError). */
static int targets_of(const struct api_req *r, struct targets *ts, struct api_out *o)
{
	unsigned long idx[MAX_TARGETS];
	ts->n = 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *nm = r->p[i].name;
		if (strncmp(nm, "Targets.member.", 15) != 0)
			continue;
		char *end;
		unsigned long k = strtoul(nm + 15, &end, 10);
		bool is_id = strcmp(end, ".Id") == 0, is_port = strcmp(end, ".Port") == 0;
		if (!k || (!is_id && !is_port))
			continue; /* AvailabilityZone: an IP target's, not an instance's */
		size_t j = 0;
		while (j < ts->n && idx[j] != k)
			j++;
		if (j == ts->n) {
			if (ts->n == MAX_TARGETS)
				return api_fail(o, 400, "ValidationError", "Too many targets (at most %d)", MAX_TARGETS);
			idx[j] = k;
			ts->v[j] = (struct target_arg){0};
			ts->n++;
		}
		if (is_id) {
			ts->v[j].id = r->p[i].value;
		} else {
			long p = strtol(r->p[i].value, &end, 10);
			if (*end || p < 1 || p > 65535)
				return api_fail(o, 400, "ValidationError",
						"Value '%s' at 'targets.%lu.member.port' failed to satisfy constraint: Member must have value between 1 and 65535",
						r->p[i].value, k);
			ts->v[j].port = p;
		}
	}
	/* in N's order (insertion sort: a few) */
	for (size_t a = 1; a < ts->n; a++)
		for (size_t b = a; b > 0 && idx[b - 1] > idx[b]; b--) {
			unsigned long t = idx[b];
			idx[b] = idx[b - 1], idx[b - 1] = t;
			struct target_arg x = ts->v[b];
			ts->v[b] = ts->v[b - 1], ts->v[b - 1] = x;
		}
	for (size_t j = 0; j < ts->n; j++)
		if (!ts->v[j].id)
			return api_fail(o, 400, "ValidationError", "A target's Id is required");
	return 0;
}

/* Every target an instance of the group's VPC: else InvalidTarget naming them, as AWS does. */
static int targets_resolve(const struct api_ctx *c, struct targets *ts, struct api_out *o)
{
	char bad[400] = "";
	size_t at = 0;
	bool other_vpc = false;
	for (size_t j = 0; j < ts->n; j++) {
		uint16_t vpc = VL_NONE;
		ts->v[j].name = elb_instance_of(c, ts->v[j].id, &vpc);
		if (ts->v[j].name && vpc == ts->tg->vpc) {
			/* a copy: the model it points into is replaced when a change reloads it */
			snprintf(ts->v[j].name_buf, sizeof(ts->v[j].name_buf), "%s", ts->v[j].name);
			ts->v[j].name = ts->v[j].name_buf;
			continue;
		}
		other_vpc |= ts->v[j].name != NULL;
		ts->v[j].name = NULL;
		if (at < sizeof(bad))
			at += (size_t)snprintf(bad + at, sizeof(bad) - at, "%s'%s'", at ? ", " : "", ts->v[j].id);
	}
	if (!at)
		return 0;
	if (other_vpc) {
		char vpc_id[48];
		api_id(vpc_id, c->lab, "vpc", c->m->vpcs[ts->tg->vpc].name.s);
		return api_fail(o, 400, "InvalidTarget",
				"The following targets are not in the target group's VPC '%s': %s", vpc_id, bad);
	}
	return api_fail(o, 400, "InvalidTarget", "The following targets are not valid instances: %s", bad);
}

static long eff_port(const struct lab_tg *g, const struct lab_target *t)
{
	return t->port.set ? t->port.v : g->port.v;
}

/* The change itself, on the fresh copy m. */
static int change_targets(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	(void)c;
	struct targets *ts = arg;
	struct lab_tg *g = lab_find_tg(m, ts->tg_name);
	if (!g)
		return api_fail(o, 400, "TargetGroupNotFound", "One or more target groups not found");
	for (size_t j = 0; j < ts->n; j++) {
		const struct target_arg *a = &ts->v[j];
		const struct lab_instance *in = lab_find_instance(m, a->name);
		long want = a->port ? a->port : g->port.v;
		size_t hit = g->n_targets;
		for (size_t k = 0; k < g->n_targets; k++)
			if (g->targets[k].instance.s && !strcmp(g->targets[k].instance.s, a->name) &&
			    eff_port(g, &g->targets[k]) == want)
				hit = k;
		if (ts->reg) {
			if (hit < g->n_targets)
				continue; /* registered already: AWS does nothing */
			struct lab_target *nv = lab_alloc(m, (g->n_targets + 1) * sizeof(*nv));
			if (!nv)
				return api_fail(o, 500, "InternalError", "out of memory");
			if (g->n_targets)
				memcpy(nv, g->targets, g->n_targets * sizeof(*nv));
			nv[g->n_targets] = (struct lab_target){.at = g->at, .port_idx = VL_NONE};
			nv[g->n_targets].instance = (struct lab_str){.s = lab_strdup(m, a->name), .at = g->at};
			if (a->port && a->port != g->port.v)
				nv[g->n_targets].port = (struct lab_int){.v = a->port, .set = true, .at = g->at};
			if (!nv[g->n_targets].instance.s)
				return api_fail(o, 500, "InternalError", "out of memory");
			g->targets = nv;
			g->n_targets++;
			continue;
		}
		if (hit == g->n_targets)
			return api_fail(o, 400, "InvalidTarget",
					"The following targets are not registered in target group '%s': '%s'",
					ts->tg_name, a->id);
		if (in && in->group)
			return api_fail(o, 400, "ValidationError",
					"Instance '%s' is registered by its auto scaling group '%s': change the group's target groups instead",
					a->id, in->group);
		memmove(&g->targets[hit], &g->targets[hit + 1], (g->n_targets - hit - 1) * sizeof(*g->targets));
		g->n_targets--;
	}
	return 0;
}

static int change(struct api_ctx *c, const struct api_req *r, struct api_out *o, bool reg)
{
	const char *arn = api_param(r, "TargetGroupArn");
	if (!arn)
		return api_fail(o, 400, "ValidationError", "A target group ARN must be specified");
	struct targets ts = {.reg = reg};
	if (!(ts.tg = elb_tg_by_arn(c, r, arn)))
		return api_fail(o, 400, "TargetGroupNotFound", "Target groups '[%s]' not found", arn);
	snprintf(ts.tg_buf, sizeof(ts.tg_buf), "%s", ts.tg->name.s);
	ts.tg_name = ts.tg_buf;
	if (targets_of(r, &ts, o) < 0)
		return -1;
	if (!ts.n)
		return api_fail(o, 400, "ValidationError", "At least one target must be specified");
	if (targets_resolve(c, &ts, o) < 0)
		return -1;
	int rc = api_change(c, change_targets, &ts, o);
	if (rc < 0 && strcmp(o->code, "InvalidParameterValue") == 0)
		snprintf(o->code, sizeof(o->code), "ValidationError");
	return rc;
}

int elb_register_targets(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return change(c, r, o, true);
}

int elb_deregister_targets(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return change(c, r, o, false);
}

/* --------------------------------------------------------------- health */

static void health_xml(struct api_ctx *c, struct xml *x, const char *instance, long port, long hc_port,
		       const char *state, const char *reason, const char *desc)
{
	char id[48];
	api_id(id, c->lab, "i", instance);
	xml_open(x, "member", NULL);
	xml_open(x, "Target", NULL);
	xml_elem(x, "Id", id);
	xml_elemf(x, "Port", "%ld", port);
	xml_close(x);
	xml_elemf(x, "HealthCheckPort", "%ld", hc_port ? hc_port : port);
	xml_open(x, "TargetHealth", NULL);
	xml_elem(x, "State", state);
	if (reason)
		xml_elem(x, "Reason", reason);
	if (desc)
		xml_elem(x, "Description", desc);
	xml_close(x);
	xml_close(x);
}

/* The router's targets of group name (a JSON array borrowed from *ans), or NULL. */
static json_t *router_targets(const struct api_ctx *c, const char *lb, const char *name, json_t **ans)
{
	char req[160];
	snprintf(req, sizeof(req), "%s %s", VL_CTL_LB, lb);
	*ans = NULL;
	if (ctl_request(c->lab, req, ans) < 0)
		return NULL;
	json_t *lbs = json_object_get(*ans, "load_balancers"), *b, *g;
	size_t i, k;
	json_array_foreach(lbs, i, b) {
		json_array_foreach(json_object_get(b, "target_groups"), k, g)
			if (json_is_string(json_object_get(g, "name")) &&
			    !strcmp(json_string_value(json_object_get(g, "name")), name))
				return json_object_get(g, "targets");
	}
	return NULL;
}

static bool wanted(const struct targets *ts, const char *instance, long port, long tg_port)
{
	if (!ts->n)
		return true;
	for (size_t j = 0; j < ts->n; j++)
		if (ts->v[j].name && !strcmp(ts->v[j].name, instance) &&
		    (ts->v[j].port ? ts->v[j].port : tg_port) == port)
			return true;
	return false;
}

int elb_describe_target_health(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *arn = api_param(r, "TargetGroupArn");
	if (!arn)
		return api_fail(o, 400, "ValidationError", "A target group ARN must be specified");
	struct targets ts = {0};
	if (!(ts.tg = elb_tg_by_arn(c, r, arn)))
		return api_fail(o, 400, "TargetGroupNotFound", "Target groups '[%s]' not found", arn);
	const struct lab_tg *g = ts.tg;
	if (targets_of(r, &ts, o) < 0 || (ts.n && targets_resolve(c, &ts, o) < 0))
		return -1;
	const struct vl_tg *t = g->gidx < c->t->n_tgs ? &c->t->tgs[g->gidx] : NULL;
	long tg_port = t ? t->port : g->port.v, hc_port = t ? t->hc.port : 0;
	bool seen[MAX_TARGETS] = {false};
	struct xml *x = &o->x;
	xml_open(x, "TargetHealthDescriptions", NULL);
	const struct lab_lb *b = elb_lb_of(c, g->lb);
	json_t *ans = NULL, *arr = b ? router_targets(c, b->name.s, g->name.s, &ans) : NULL, *e;
	size_t i;
	if (arr) {
		json_array_foreach(arr, i, e) {
			const char *in = json_string_value(json_object_get(e, "instance"));
			long port = (long)json_integer_value(json_object_get(e, "port"));
			if (!in || !wanted(&ts, in, port, tg_port))
				continue;
			for (size_t j = 0; j < ts.n; j++)
				seen[j] |= ts.v[j].name && !strcmp(ts.v[j].name, in) &&
					   (ts.v[j].port ? ts.v[j].port : tg_port) == port;
			health_xml(c, x, in, port, hc_port, json_string_value(json_object_get(e, "state")),
				   json_string_value(json_object_get(e, "reason")),
				   json_string_value(json_object_get(e, "description")));
		}
	} else {
		/* no load balancer uses the group (or no router answers): registered, not in use */
		const char *state = b ? "unavailable" : "unused";
		const char *reason = b ? "Elb.InternalError" : "Target.NotInUse";
		const char *desc = b ? "The lab's router did not answer"
				     : "Target group is not configured to receive traffic from the load balancer";
		for (size_t k = 0; k < g->n_targets; k++) {
			const struct lab_target *tt = &g->targets[k];
			long port = eff_port(g, tt);
			if (!tt->instance.s || !wanted(&ts, tt->instance.s, port, tg_port))
				continue;
			for (size_t j = 0; j < ts.n; j++)
				seen[j] |= ts.v[j].name && !strcmp(ts.v[j].name, tt->instance.s) &&
					   (ts.v[j].port ? ts.v[j].port : tg_port) == port;
			health_xml(c, x, tt->instance.s, port, hc_port, state, reason, desc);
		}
	}
	json_decref(ans);
	/* asked for and not registered: AWS answers for it too */
	for (size_t j = 0; j < ts.n; j++)
		if (!seen[j])
			health_xml(c, x, ts.v[j].name, ts.v[j].port ? ts.v[j].port : tg_port, hc_port, "unused",
				   "Target.NotRegistered", "Target is not registered to the target group");
	xml_close(x);
	return 0;
}
