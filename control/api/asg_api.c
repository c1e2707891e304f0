/* Auto Scaling DescribeAutoScalingGroups, DescribeScalingActivities, DescribePolicies,
 * SetDesiredCapacity and UpdateAutoScalingGroup. A group's configuration is the running
 * model's; its desired capacity, instances and activities are the router's (the `asg` answer);
 * SetDesiredCapacity is the router's `asg-set-desired` (its refusal is AWS's ValidationError
 * text); UpdateAutoScalingGroup changes the group in the model and applies it (api_change). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/elb.h"
#include "control/cli/ctl_client.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "vpclab/ctl.h"
#include "vpclab/tables.h"

#define MAX_ASKED 64

static void asg_arn(char out[320], const struct api_ctx *c, const char *name)
{
	char a[17], b[17];
	elb_hex16(a, c->lab, "asg", name);
	elb_hex16(b, c->lab, "asg-uuid", name);
	snprintf(out, 320, "arn:aws:autoscaling:%s:%s:autoScalingGroup:%.8s-%.4s-4%.3s-a%.3s-%.12s:autoScalingGroupName/%s",
		 c->region, API_ACCOUNT, a, a + 8, a + 12, b, b + 3, name);
}

/* A stable UUID from text (activity ids). */
static void uuid_of(char out[40], const struct api_ctx *c, const char *kind, const char *text)
{
	char a[17], b[17];
	elb_hex16(a, c->lab, kind, text);
	elb_hex16(b, c->lab, "uuid", text);
	snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", a, a + 8, a + 12, b, b + 4);
}

/* The router's groups (borrowed from *ans) or NULL when it does not answer. */
static json_t *router_groups(const struct api_ctx *c, json_t **ans)
{
	*ans = NULL;
	if (ctl_request(c->lab, VL_CTL_ASG, ans) < 0)
		return NULL;
	return json_object_get(*ans, "groups");
}

static json_t *group_of(json_t *groups, const char *name)
{
	json_t *g;
	size_t i;
	json_array_foreach(groups, i, g) {
		const char *n = json_string_value(json_object_get(g, "name"));
		if (n && !strcmp(n, name))
			return g;
	}
	return NULL;
}

static struct lab_asg *find_asg(const struct lab *m, const char *name)
{
	for (size_t v = 0; name && v < m->n_vpcs; v++)
		for (size_t g = 0; g < m->vpcs[v].n_asgs; g++)
			if (m->vpcs[v].asgs[g].name.s && !strcmp(m->vpcs[v].asgs[g].name.s, name))
				return &m->vpcs[v].asgs[g];
	return NULL;
}

static bool asked(const char *v, const char **list, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], v) == 0)
			return true;
	return false;
}

static void template_xml(struct api_ctx *c, struct xml *x, const char *name)
{
	char id[48];
	api_id(id, c->lab, "lt", name);
	xml_open(x, "LaunchTemplate", NULL);
	xml_elem(x, "LaunchTemplateId", id);
	xml_elem(x, "LaunchTemplateName", name);
	xml_elem(x, "Version", "$Latest");
	xml_close(x);
}

static void instances_xml(struct api_ctx *c, struct xml *x, json_t *rg)
{
	json_t *e;
	size_t i;
	xml_open(x, "Instances", NULL);
	json_array_foreach(json_object_get(rg, "instances"), i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *lt = json_string_value(json_object_get(e, "launch_template"));
		if (!name)
			continue;
		char id[48], zone[64];
		api_id(id, c->lab, "i", name);
		api_zone(zone, c->region, json_string_value(json_object_get(e, "az")));
		xml_open(x, "member", NULL);
		xml_elem(x, "InstanceId", id);
		xml_elem(x, "InstanceType", "t3.micro");
		xml_elem(x, "AvailabilityZone", zone);
		xml_elem(x, "LifecycleState", json_string_value(json_object_get(e, "life")));
		xml_elem(x, "HealthStatus", json_string_value(json_object_get(e, "health")));
		if (lt)
			template_xml(c, x, lt);
		xml_bool(x, "ProtectedFromScaleIn", 0);
		xml_close(x);
	}
	xml_close(x);
}

static void group_xml(struct api_ctx *c, struct xml *x, const struct lab_asg *g, json_t *rg)
{
	const struct vl_asg *a = &c->t->asgs[g->gidx];
	char arn[320], created[32], tg[256], zone[64];
	asg_arn(arn, c, g->name.s);
	elb_created(c, created);
	json_t *d = json_object_get(rg, "desired");
	xml_open(x, "member", NULL);
	xml_elem(x, "AutoScalingGroupName", g->name.s);
	xml_elem(x, "AutoScalingGroupARN", arn);
	template_xml(c, x, c->t->launch_templates[a->template].name);
	xml_elemf(x, "MinSize", "%u", a->min);
	xml_elemf(x, "MaxSize", "%u", a->max);
	xml_elemf(x, "DesiredCapacity", "%lld", json_is_integer(d) ? (long long)json_integer_value(d) : a->desired);
	xml_elemf(x, "DefaultCooldown", "%u", a->cooldown_s);
	xml_open(x, "AvailabilityZones", NULL);
	char zones[VL_ASG_GROUP_SUBNETS][64];
	size_t nz = 0;
	for (uint16_t k = 0; k < a->subnet_count; k++) {
		api_zone(zone, c->region, c->t->subnets[a->subnets[k]].az);
		bool dup = false;
		for (size_t z = 0; z < nz; z++)
			dup |= !strcmp(zones[z], zone);
		if (dup)
			continue;
		snprintf(zones[nz++], 64, "%s", zone);
		xml_elem(x, "member", zone);
	}
	xml_close(x);
	xml_elem(x, "LoadBalancerNames", NULL);
	xml_open(x, "TargetGroupARNs", NULL);
	for (uint16_t k = 0; k < a->tg_count; k++) {
		elb_tg_arn(tg, c, c->t->tgs[a->tgs[k]].name);
		xml_elem(x, "member", tg);
	}
	xml_close(x);
	xml_elem(x, "HealthCheckType", a->health == VL_ASG_HEALTH_ELB ? "ELB" : "EC2");
	xml_elemf(x, "HealthCheckGracePeriod", "%u", a->grace_s);
	instances_xml(c, x, rg);
	xml_elem(x, "CreatedTime", created);
	xml_elem(x, "SuspendedProcesses", NULL);
	char subnets[VL_ASG_GROUP_SUBNETS * 48] = "";
	size_t at = 0;
	for (uint16_t k = 0; k < a->subnet_count && at < sizeof(subnets); k++) {
		char id[48];
		api_id(id, c->lab, "subnet", c->t->subnets[a->subnets[k]].name);
		at += (size_t)snprintf(subnets + at, sizeof(subnets) - at, "%s%s", k ? "," : "", id);
	}
	xml_elem(x, "VPCZoneIdentifier", subnets);
	xml_elem(x, "EnabledMetrics", NULL);
	xml_open(x, "Tags", NULL);
	xml_close(x);
	xml_open(x, "TerminationPolicies", NULL);
	xml_elem(x, "member", "Default");
	xml_close(x);
	xml_bool(x, "NewInstancesProtectedFromScaleIn", 0);
	xml_elemf(x, "ServiceLinkedRoleARN",
		  "arn:aws:iam::%s:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
		  API_ACCOUNT);
	xml_bool(x, "CapacityRebalance", 0);
	xml_close(x);
}

int as_describe_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *names[MAX_ASKED];
	size_t nn = api_list(r, "AutoScalingGroupNames.member", names, MAX_ASKED);
	if (nn > MAX_ASKED)
		return api_fail(o, 400, "ValidationError", "Too many group names (at most %d)", MAX_ASKED);
	json_t *ans = NULL, *groups = r->other_region ? NULL : router_groups(c, &ans);
	struct xml *x = &o->x;
	xml_open(x, "AutoScalingGroups", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region; v++)
		for (size_t k = 0; k < c->m->vpcs[v].n_asgs; k++) {
			const struct lab_asg *g = &c->m->vpcs[v].asgs[k];
			if (!g->name.s || g->gidx >= c->t->n_asgs || !asked(g->name.s, names, nn))
				continue;
			group_xml(c, x, g, group_of(groups, g->name.s));
		}
	xml_close(x);
	json_decref(ans);
	return 0;
}

/* The router names instances; AWS's descriptions carry their ids ("Launching a new EC2
 * instance: i-..."). */
static const char *with_id(const struct api_ctx *c, const char *desc, char *buf, size_t cap)
{
	static const char *const heads[] = {"Launching a new EC2 instance: ", "Terminating EC2 instance: "};
	for (size_t k = 0; desc && k < 2; k++) {
		size_t n = strlen(heads[k]);
		if (strncmp(desc, heads[k], n) || strchr(desc + n, ' ') || !desc[n])
			continue;
		char id[48];
		api_id(id, c->lab, "i", desc + n);
		snprintf(buf, cap, "%s%s", heads[k], id);
		return buf;
	}
	return desc;
}

int as_describe_activities(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *only = api_param(r, "AutoScalingGroupName");
	const char *ids[MAX_ASKED];
	size_t ni = api_list(r, "ActivityIds.member", ids, MAX_ASKED);
	const char *max_s = api_param(r, "MaxRecords");
	long max = max_s ? strtol(max_s, NULL, 10) : 100;
	if (max < 1 || max > 100)
		return api_fail(o, 400, "ValidationError", "MaxRecords must be between 1 and 100");
	json_t *ans = NULL, *groups = r->other_region ? NULL : router_groups(c, &ans), *g, *e;
	struct xml *x = &o->x;
	long n = 0;
	size_t i, k;
	xml_open(x, "Activities", NULL);
	json_array_foreach(groups, i, g) {
		const char *name = json_string_value(json_object_get(g, "name"));
		if (!name || (only && strcmp(only, name)))
			continue;
		char arn[320];
		asg_arn(arn, c, name);
		json_array_foreach(json_object_get(g, "activities"), k, e) {
			const char *t = json_string_value(json_object_get(e, "time"));
			const char *st = json_string_value(json_object_get(e, "status"));
			const char *desc = json_string_value(json_object_get(e, "description"));
			const char *cause = json_string_value(json_object_get(e, "cause"));
			const char *det = json_string_value(json_object_get(e, "details"));
			char key[1200], id[40];
			snprintf(key, sizeof(key), "%s|%s|%s|%s", name, t ? t : "", desc ? desc : "", cause ? cause : "");
			uuid_of(id, c, "activity", key);
			if (!asked(id, ids, ni) || n >= max)
				continue;
			n++;
			bool done = st && strcmp(st, "InProgress") != 0;
			xml_open(x, "member", NULL);
			xml_elem(x, "ActivityId", id);
			xml_elem(x, "AutoScalingGroupName", name);
			char dbuf[160];
			xml_elem(x, "Description", with_id(c, desc, dbuf, sizeof(dbuf)));
			xml_elem(x, "Cause", cause);
			xml_elem(x, "StartTime", t);
			if (done)
				xml_elem(x, "EndTime", t);
			xml_elem(x, "StatusCode", st);
			xml_elem(x, "Progress", done ? "100" : "50");
			xml_elem(x, "Details", det ? det : "{}");
			xml_elem(x, "AutoScalingGroupARN", arn);
			xml_close(x);
		}
	}
	xml_close(x);
	json_decref(ans);
	if (only && !r->other_region && !find_asg(c->m, only))
		return api_fail(o, 400, "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", only);
	return 0;
}

static const char *metric_type(uint8_t m)
{
	switch (m) {
	case VL_ASG_CPU: return "ASGAverageCPUUtilization";
	case VL_ASG_ALB_REQUESTS: return "ALBRequestCountPerTarget";
	case VL_ASG_NET_IN: return "ASGAverageNetworkIn";
	default: return "ASGAverageNetworkOut";
	}
}

int as_describe_policies(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *only = api_param(r, "AutoScalingGroupName");
	const char *names[MAX_ASKED];
	size_t nn = api_list(r, "PolicyNames.member", names, MAX_ASKED);
	struct xml *x = &o->x;
	xml_open(x, "ScalingPolicies", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region; v++)
		for (size_t k = 0; k < c->m->vpcs[v].n_asgs; k++) {
			const struct lab_asg *g = &c->m->vpcs[v].asgs[k];
			if (!g->name.s || (only && strcmp(only, g->name.s)))
				continue;
			for (size_t p = 0; p < g->n_policies; p++) {
				const struct lab_asg_policy *q = &g->policies[p];
				if (!q->name.s || !asked(q->name.s, names, nn))
					continue;
				char key[200], id[40];
				snprintf(key, sizeof(key), "%s/%s", g->name.s, q->name.s);
				uuid_of(id, c, "policy", key);
				xml_open(x, "member", NULL);
				xml_elem(x, "AutoScalingGroupName", g->name.s);
				xml_elem(x, "PolicyName", q->name.s);
				xml_elemf(x, "PolicyARN", "arn:aws:autoscaling:%s:%s:scalingPolicy:%s:autoScalingGroupName/%s:policyName/%s",
					  c->region, API_ACCOUNT, id, g->name.s, q->name.s);
				xml_elem(x, "PolicyType", "TargetTrackingScaling");
				xml_open(x, "StepAdjustments", NULL);
				xml_close(x);
				xml_open(x, "Alarms", NULL);
				xml_close(x);
				xml_open(x, "TargetTrackingConfiguration", NULL);
				xml_open(x, "PredefinedMetricSpecification", NULL);
				xml_elem(x, "PredefinedMetricType", metric_type(q->metric_k));
				if (q->metric_k == VL_ASG_ALB_REQUESTS && q->tg != VL_NONE && q->tg < c->t->n_tgs) {
					const struct lab_tg *tg = lab_find_tg(c->m, c->t->tgs[q->tg].name);
					const struct lab_lb *b = tg ? elb_lb_of(c, tg->lb) : NULL;
					if (b) {
						char lb[17], tgh[17];
						elb_hex16(lb, c->lab, "lb", b->name.s);
						elb_hex16(tgh, c->lab, "tg", tg->name.s);
						xml_elemf(x, "ResourceLabel", "app/%s/%s/targetgroup/%s/%s", b->name.s, lb,
							  tg->name.s, tgh);
					}
				}
				xml_close(x);
				xml_elemf(x, "TargetValue", "%llu.%03llu", (unsigned long long)(q->target_milli / 1000),
					  (unsigned long long)(q->target_milli % 1000));
				xml_bool(x, "DisableScaleIn", 0);
				xml_close(x);
				xml_bool(x, "Enabled", 1);
				xml_close(x);
			}
		}
	xml_close(x);
	return 0;
}

/* A non-negative integer parameter: 1 (in *v), 0 when absent, -1 after api_fail. */
static int int_param(const struct api_req *r, const char *name, long *v, struct api_out *o)
{
	const char *s = api_param(r, name);
	if (!s)
		return 0;
	char *end;
	*v = strtol(s, &end, 10);
	if (!*s || *end || *v < 0 || *v > 1000000)
		return api_fail(o, 400, "ValidationError",
				"Value '%s' at '%s' failed to satisfy constraint: Member must be a non-negative integer",
				s, name);
	return 1;
}

static int runtime_desired(const struct api_ctx *c, const char *name, long dflt)
{
	json_t *ans = NULL, *g = group_of(router_groups(c, &ans), name);
	json_t *d = json_object_get(g, "desired");
	long v = json_is_integer(d) ? (long)json_integer_value(d) : dflt;
	json_decref(ans);
	return (int)v;
}

static int set_desired(struct api_ctx *c, const char *name, long n, struct api_out *o)
{
	char req[200];
	snprintf(req, sizeof(req), "%s %s %ld", VL_CTL_ASG_SET_DESIRED, name, n);
	json_t *ans = NULL;
	int rc = ctl_request(c->lab, req, &ans);
	if (rc < 0)
		return api_fail(o, 500, "InternalError", "the lab's router did not answer: %s", strerror(-rc));
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err) {
		rc = api_fail(o, 400, "ValidationError", "%s", err);
		json_decref(ans);
		return rc;
	}
	json_decref(ans);
	return 0;
}

int as_set_desired(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *name = api_param(r, "AutoScalingGroupName");
	long n = 0;
	int have = int_param(r, "DesiredCapacity", &n, o);
	if (have < 0)
		return -1;
	if (!name || !have)
		return api_fail(o, 400, "ValidationError", "%s is required",
				!name ? "AutoScalingGroupName" : "DesiredCapacity");
	if (r->other_region || !find_asg(c->m, name))
		return api_fail(o, 400, "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", name);
	return set_desired(c, name, n, o);
}

struct update {
	char name[128];
	long min, max, desired, cooldown, grace;
	bool has_min, has_max, has_desired, has_cooldown, has_grace;
	const char *type;            /* "ec2" | "elb" | NULL */
};

static void set_int(struct lab_int *f, long v, struct loc at)
{
	*f = (struct lab_int){.v = v, .set = true, .at = at};
}

static int change_group(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	(void)c;
	const struct update *u = arg;
	struct lab_asg *g = find_asg(m, u->name);
	if (!g)
		return api_fail(o, 400, "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", u->name);
	set_int(&g->min, u->min, g->at);
	set_int(&g->max, u->max, g->at);
	set_int(&g->desired, u->desired, g->at);
	if (u->has_cooldown)
		set_int(&g->cooldown, u->cooldown, g->at);
	if (u->has_grace || u->type) {
		struct lab_asg_health *h = &g->health_check;
		if (!h->set) {
			h->at = g->at;
			h->set = true;
		}
		if (u->has_grace)
			set_int(&h->grace_period, u->grace, g->at);
		if (u->type) {
			h->type = (struct lab_str){.s = lab_strdup(m, u->type), .at = g->at};
			if (!h->type.s)
				return api_fail(o, 500, "InternalError", "out of memory");
		}
	}
	return 0;
}

int as_update_group(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *name = api_param(r, "AutoScalingGroupName");
	if (!name)
		return api_fail(o, 400, "ValidationError", "AutoScalingGroupName is required");
	struct update u = {0};
	int a, b, d, e, f;
	if ((a = int_param(r, "MinSize", &u.min, o)) < 0 || (b = int_param(r, "MaxSize", &u.max, o)) < 0 ||
	    (d = int_param(r, "DesiredCapacity", &u.desired, o)) < 0 ||
	    (e = int_param(r, "DefaultCooldown", &u.cooldown, o)) < 0 ||
	    (f = int_param(r, "HealthCheckGracePeriod", &u.grace, o)) < 0)
		return -1;
	u.has_min = a, u.has_max = b, u.has_desired = d, u.has_cooldown = e, u.has_grace = f;
	const char *type = api_param(r, "HealthCheckType");
	if (type && strcmp(type, "EC2") && strcmp(type, "ELB"))
		return api_fail(o, 400, "ValidationError", "Health check type must be EC2 or ELB, not %s", type);
	u.type = !type ? NULL : strcmp(type, "ELB") == 0 ? "elb" : "ec2";
	const struct lab_asg *g = r->other_region ? NULL : find_asg(c->m, name);
	if (!g || g->gidx >= c->t->n_asgs)
		return api_fail(o, 400, "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", name);
	snprintf(u.name, sizeof(u.name), "%s", name);
	const struct vl_asg *t = &c->t->asgs[g->gidx];
	if (!u.has_min)
		u.min = t->min;
	if (!u.has_max)
		u.max = t->max;
	if (u.min > u.max)
		return api_fail(o, 400, "ValidationError", "Max bound, %ld, must be greater than or equal to min bound, %ld",
				u.max, u.min);
	long now = runtime_desired(c, name, t->desired);
	if (u.has_desired && (u.desired < u.min || u.desired > u.max))
		return api_fail(o, 400, "ValidationError",
				"Desired capacity:%ld must be between the specified min size:%ld and max size:%ld",
				u.desired, u.min, u.max);
	/* AWS: new limits imply a desired capacity inside them */
	if (!u.has_desired)
		u.desired = now < u.min ? u.min : now > u.max ? u.max : now;
	if (api_change(c, change_group, &u, o) < 0) {
		if (strcmp(o->code, "InvalidParameterValue") == 0)
			snprintf(o->code, sizeof(o->code), "ValidationError");
		return -1;
	}
	/* the file's desired may not have changed while the router's had (SetDesiredCapacity) */
	if (runtime_desired(c, name, u.desired) != u.desired)
		return set_desired(c, name, u.desired, o);
	return 0;
}
