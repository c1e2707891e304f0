/* The lab model of EC2 Auto Scaling (rule-file.md "Auto scaling groups (per VPC)"): a VPC's
 * `launch_templates:` and `auto_scaling_groups:` as load_asg.c reads them; check_asg.c fills the
 * fields marked check: and compile_asg.c turns them into tables_asg.h. Included by model.h. */
#ifndef VPCLAB_MODEL_ASG_H
#define VPCLAB_MODEL_ASG_H

struct lab_launch_template {
	struct loc at;
	struct lab_str name, run;
	struct lab_names security_groups;
	struct lab_bool public_ip, source_dest_check;
	uint16_t vpc, gidx;            /* check: */
	uint16_t sgs[VL_MAX_PORT_SGS]; /* check: tables.sgs indexes ("default" when none named) */
	uint16_t n_sgs;
};

struct lab_asg_policy {
	struct loc at;
	struct lab_str name, type, metric, target;
	uint8_t metric_k;              /* check: enum vl_asg_metric */
	uint64_t target_milli;         /* check: target in thousandths */
	uint16_t tg;                   /* check: alb_request_count_per_target's group, or VL_NONE */
};

/* `health_check: { type, grace_period }`. */
struct lab_asg_health {
	struct loc at;
	struct lab_str type;
	struct lab_int grace_period;
	bool set;
};

struct lab_asg {
	struct loc at;
	struct lab_str name, launch_template;
	struct lab_names subnets, target_groups;
	struct lab_int min, desired, max, metric_period, cooldown;
	struct lab_asg_health health_check;
	struct lab_asg_policy *policies;
	size_t n_policies;
	uint16_t vpc, gidx;            /* check: */
	uint16_t template;             /* check: tables.launch_templates index, or VL_NONE */
	uint16_t subnet_idx[VL_ASG_GROUP_SUBNETS];   /* check: tables.subnets */
	uint16_t n_subnet_idx;
	uint16_t tgs[VL_ASG_GROUP_TGS];             /* check: tables.tgs */
	uint16_t n_tgs;
	uint8_t health;                /* check: enum vl_asg_health */
	uint32_t policy_first;         /* check: index of its first policy in tables.asg_policies */
};

#endif
