/* The compiled form of Elastic Load Balancing (rule-file.md "Load balancers and target
 * groups"), part of struct vl_tables (tables.h). A load balancer has a node in each of its
 * subnets: an interface (a port of kind VL_PORT_LB_NODE, its `lb` field naming the load
 * balancer) with a private IP there, a public one when internet-facing, the load balancer's
 * security groups, and a namespace of its own (LAB-LBNAME-SUBNET) where its health checks run
 * (and an application load balancer's proxy). All addresses host byte order; every index field
 * uses VL_NONE for "none", like the rest of the tables. */
#ifndef VPCLAB_TABLES_LB_H
#define VPCLAB_TABLES_LB_H

#include <stdint.h>

enum vl_lb_type { VL_LB_NETWORK, VL_LB_APPLICATION };
enum vl_lb_proto { VL_LBP_TCP, VL_LBP_UDP, VL_LBP_TCP_UDP, VL_LBP_HTTP };
enum vl_hc_proto { VL_HC_TCP, VL_HC_HTTP };

/* AWS's defaults are filled in by compile (reference: target group health checks). */
struct vl_health_check {
	uint8_t proto;               /* enum vl_hc_proto */
	uint8_t healthy, unhealthy;  /* consecutive results that turn a target healthy/unhealthy */
	uint16_t port;               /* 0: the target's traffic port */
	uint16_t interval_s, timeout_s;
	uint16_t match_lo, match_hi; /* HTTP: the status codes that pass */
	char path[128];              /* HTTP: the request path */
};

/* A registered target: an instance's interface and the port traffic goes to on it. */
struct vl_lb_target {
	uint16_t port;               /* ports index (an instance of the group's VPC) */
	uint16_t tport;
};

struct vl_tg {
	char name[VL_NAME_MAX];
	uint16_t vpc;
	uint8_t proto;               /* enum vl_lb_proto */
	uint8_t preserve_client_ip;  /* network: the target sees the client's address */
	uint16_t port;               /* the default traffic port */
	uint32_t target_first, target_count;   /* into tables.targets */
	uint32_t dereg_delay_s;      /* draining: how long a removed target keeps its connections */
	uint32_t sticky_s;           /* application: lb_cookie duration, 0 = off */
	uint8_t algorithm;           /* application: enum vl_lb_algo */
	struct vl_health_check hc;
};

enum vl_lb_action { VL_LBA_FORWARD, VL_LBA_FIXED, VL_LBA_REDIRECT };
enum vl_lb_algo { VL_ALGO_ROUND_ROBIN, VL_ALGO_LEAST_OUTSTANDING };

/* A listener rule's condition value (AWS: host-header, path-pattern, http-request-method,
 * http-header, query-string, source-ip). Values with the same `group` are alternatives (one
 * must match); every group must match. host, header values and query keys/values compare
 * case-insensitively, path and method case-sensitively; all but method and source_ip take
 * AWS's wildcards * and ?. */
enum vl_lb_cond_kind { VL_LBC_HOST, VL_LBC_PATH, VL_LBC_METHOD, VL_LBC_HEADER, VL_LBC_QUERY,
		       VL_LBC_SOURCE };
#define VL_LB_RULE_CONDS 5       /* AWS's quota: condition values per rule */

struct vl_lb_cond {
	uint8_t kind;                /* enum vl_lb_cond_kind */
	uint8_t group;
	struct prefix4 source;       /* source_ip: the client's address (the TCP peer) */
	char name[64];               /* header: its name; query: the key ("" = any key) */
	char value[128];             /* host, path, method, header value, query value */
};

/* A redirect's parts; each may use #{protocol}, #{host}, #{port}, #{path}, #{query} (AWS),
 * and each defaults to its own placeholder ("/#{path}" for the path). */
struct vl_lb_redirect {
	char protocol[12], port[8];  /* "HTTP", "HTTPS" or "#{protocol}"; "1".."65535" or "#{port}" */
	char host[128], path[128], query[128];
};

/* An application listener's rule: lowest priority first; every condition group must match. */
struct vl_lb_rule {
	uint16_t priority;
	uint8_t action;              /* enum vl_lb_action */
	uint8_t n_conds;
	uint16_t tg;                 /* forward */
	uint16_t status;             /* fixed_response: 200-599; redirect: 301 or 302 */
	struct vl_lb_cond conds[VL_LB_RULE_CONDS];
	char content_type[48];       /* fixed_response (AWS's default text/plain) */
	char body[1025];             /* fixed_response (AWS: at most 1024 characters) */
	struct vl_lb_redirect redirect;
};

struct vl_listener {
	uint8_t proto;               /* enum vl_lb_proto */
	uint16_t port;
	uint16_t tg;                 /* the default action: forward to this group */
	uint32_t idle_timeout_s;
	uint32_t rule_first, rule_count;  /* into tables.lb_rules, in priority order */
};

struct vl_lb {
	char name[VL_NAME_MAX];
	uint16_t vpc;
	uint8_t type;                /* enum vl_lb_type */
	uint8_t internet_facing;
	uint8_t cross_zone;          /* network: a node may pick targets of other zones */
	uint32_t listener_first, listener_count;  /* into tables.listeners */
	uint32_t node_first, node_count;          /* into tables.lb_nodes: its nodes' port indices */
	char dns[128];               /* NAME-ID.elb.REGION.amazonaws.com (rule-file.md) */
};

#endif
