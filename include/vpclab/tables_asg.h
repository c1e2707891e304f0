/* The compiled form of EC2 Auto Scaling (rule-file.md "Auto scaling groups (per VPC)"), part of
 * struct vl_tables (tables.h): launch templates, groups and their target tracking policies as
 * flat arrays with first/count, like tables_lb.h. Compile fills AWS's defaults; the controller
 * that launches GROUP-N instances reads these. Every index field uses VL_NONE for "none". */
#ifndef VPCLAB_TABLES_ASG_H
#define VPCLAB_TABLES_ASG_H

#include <stdint.h>

#define VL_ASG_NAME_MAX 10       /* a group's name: GROUP-N must keep the 15-character rule */
#define VL_ASG_MAX_SIZE 32       /* a lab limit on max: every instance is a namespace */
#define VL_ASG_RUN_MAX 4097      /* LAB_RUN_MAX bytes and the NUL */
#define VL_ASG_MIN_PERIOD 5      /* shortest metric_period a lab may use (AWS: 60) */

/* AWS's defaults (reference section 3): health type EC2, grace 300 s (the console's), the
 * default cooldown 300 s, 1-minute metrics. */
#define VL_ASG_DEFAULT_GRACE 300
#define VL_ASG_DEFAULT_COOLDOWN 300
#define VL_ASG_DEFAULT_PERIOD 60

/* A template's public_ip: AWS's AssociatePublicIpAddress, or (left out) the subnet's
 * map_public_ip decides, as for an instance. */
enum vl_lt_public { VL_LT_PUBLIC_NO, VL_LT_PUBLIC_YES, VL_LT_PUBLIC_SUBNET };

/* A launch template: what every instance the group launches gets (the instance keys that are
 * not about placement: subnet and ip come from the group). */
struct vl_launch_template {
	char name[VL_NAME_MAX];
	uint16_t vpc;
	uint8_t public_ip;           /* enum vl_lt_public: whether instances get a public IP */
	uint8_t src_dst_check;       /* 1 = on (AWS default) */
	uint16_t sg_count;
	uint16_t sgs[VL_MAX_PORT_SGS];   /* tables.sgs indices */
	char run[VL_ASG_RUN_MAX];    /* user data: the `sh -c` line started at launch; "" = none */
};

enum vl_asg_health { VL_ASG_HEALTH_EC2, VL_ASG_HEALTH_ELB };
enum vl_asg_policy_type { VL_ASG_TARGET_TRACKING };
/* AWS's predefined metrics: ASGAverageCPUUtilization, ALBRequestCountPerTarget,
 * ASGAverageNetworkIn, ASGAverageNetworkOut. */
enum vl_asg_metric { VL_ASG_CPU, VL_ASG_ALB_REQUESTS, VL_ASG_NET_IN, VL_ASG_NET_OUT };

static inline const char *vl_asg_metric_name(uint8_t m)
{
	static const char *const names[] = { "cpu", "alb_request_count_per_target", "network_in",
					     "network_out" };
	return m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

/* A scaling policy. target is the metric's value to keep: percent of one core (cpu), requests
 * per target per period, bytes per instance per period; in thousandths (target_milli) so that
 * the compiled tables hold no floating point (100 -> 100000, 12.5 -> 12500). */
struct vl_asg_policy {
	char name[VL_NAME_MAX];
	uint8_t type;                /* enum vl_asg_policy_type */
	uint8_t metric;              /* enum vl_asg_metric */
	uint16_t tg;                 /* alb_request_count_per_target: its target group (tables.tgs),
				      * the group's first one behind an application LB; else VL_NONE */
	uint64_t target_milli;
};

#define VL_ASG_GROUP_TGS 8       /* target groups one group may register with (a lab limit) */
#define VL_ASG_GROUP_SUBNETS 16

struct vl_asg {
	char name[VL_NAME_MAX];      /* at most VL_ASG_NAME_MAX characters */
	uint16_t vpc;
	uint16_t template;           /* tables.launch_templates index */
	uint16_t min, desired, max;  /* 0 <= min <= desired <= max <= VL_ASG_MAX_SIZE */
	uint16_t subnet_count;
	uint16_t subnets[VL_ASG_GROUP_SUBNETS];  /* tables.subnets, in the file's order */
	uint16_t tg_count;
	uint16_t tgs[VL_ASG_GROUP_TGS];          /* tables.tgs (instance target groups) */
	uint8_t health;              /* enum vl_asg_health */
	uint32_t grace_s;            /* health check grace period */
	uint32_t cooldown_s;         /* before another scale-in */
	uint32_t metric_period_s;    /* seconds per metric sample */
	uint32_t policy_first, policy_count;  /* into tables.asg_policies */
};

#endif
