/* The loader's schemas for EC2 Auto Scaling inside a VPC: `launch_templates:` and
 * `auto_scaling_groups:` (rule-file.md "Auto scaling groups (per VPC)"). Structure only, like
 * load_vpc.c; a policy's `target` is read as text (it may be a decimal: 12.5) and, with every
 * other meaning and default, is check_asg.c's. */
#include <stddef.h>

#include "control/lab/load.h"

static const struct ld_field lt_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_launch_template, name), NULL },
	{ "security_groups", LD_NAMES, false, offsetof(struct lab_launch_template, security_groups),
	  NULL },
	{ "run", LD_STR, false, offsetof(struct lab_launch_template, run), NULL },
	{ "public_ip", LD_BOOL, false, offsetof(struct lab_launch_template, public_ip), NULL },
	{ "source_dest_check", LD_BOOL, false,
	  offsetof(struct lab_launch_template, source_dest_check), NULL },
};
const struct ld_schema ld_lt_schema = { "launch template", lt_fields, LD_N(lt_fields) };

static const struct ld_field health_fields[] = {
	{ "type", LD_STR, false, offsetof(struct lab_asg_health, type), NULL },
	{ "grace_period", LD_INT, false, offsetof(struct lab_asg_health, grace_period), NULL },
};
static const struct ld_schema health_schema = { "auto scaling health check", health_fields,
						 LD_N(health_fields) };

static const struct ld_field policy_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_asg_policy, name), NULL },
	{ "type", LD_STR, true, offsetof(struct lab_asg_policy, type), NULL },
	{ "metric", LD_STR, true, offsetof(struct lab_asg_policy, metric), NULL },
	{ "target", LD_STR, true, offsetof(struct lab_asg_policy, target), NULL },
};
static const struct ld_schema policy_schema = { "scaling policy", policy_fields,
						 LD_N(policy_fields) };

static void ld_asg_health(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_asg *g = obj;
	g->health_check.set = ld_object(l, n, &health_schema, &g->health_check);
}

static void ld_asg_policies(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_asg *g = obj;
	g->policies = ld_seq(l, n, "policies", "auto scaling group", &policy_schema,
			     sizeof(*g->policies), &g->n_policies);
}

static const struct ld_field asg_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_asg, name), NULL },
	{ "launch_template", LD_STR, true, offsetof(struct lab_asg, launch_template), NULL },
	{ "subnets", LD_NAMES, true, offsetof(struct lab_asg, subnets), NULL },
	{ "min", LD_INT, true, offsetof(struct lab_asg, min), NULL },
	{ "max", LD_INT, true, offsetof(struct lab_asg, max), NULL },
	{ "desired", LD_INT, false, offsetof(struct lab_asg, desired), NULL },
	{ "target_groups", LD_NAMES, false, offsetof(struct lab_asg, target_groups), NULL },
	{ "health_check", LD_CALL, false, 0, ld_asg_health },
	{ "metric_period", LD_INT, false, offsetof(struct lab_asg, metric_period), NULL },
	{ "cooldown", LD_INT, false, offsetof(struct lab_asg, cooldown), NULL },
	{ "policies", LD_CALL, false, 0, ld_asg_policies },
};
const struct ld_schema ld_asg_schema = { "auto scaling group", asg_fields, LD_N(asg_fields) };
