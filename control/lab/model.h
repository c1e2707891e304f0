/* The lab model: what load.c builds from the YAML, check*.c validates and completes (names
 * resolved, addresses assigned, table indexes laid out), and compile.c turns into struct vl_tables.
 * Every node keeps its place in the file (struct loc) so any later error can point at it. All
 * memory (strings, arrays) comes from one arena owned by struct lab: lab_free releases it at once.
 * Fields under "check:" are zero after load and filled by lab_check. */
#ifndef VPCLAB_MODEL_H
#define VPCLAB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/lab/diag.h"
#include "control/lab/lab.h"
#include "vpclab/addr.h"
#include "vpclab/tables.h"

/* A scalar as written. Absent: s == NULL / set == false, and `at` is the enclosing mapping. */
struct lab_str {
	const char *s;
	struct loc at;
};

struct lab_int {
	long long v;
	bool set;
	struct loc at;
};

struct lab_bool {
	bool v, set;
	struct loc at;
};

/* A list of names, e.g. an instance's security_groups. */
struct lab_names {
	struct lab_str *v;
	size_t n;
	bool set;
	struct loc at;
};

#include "control/lab/model_dns.h" /* needs the scalars above */
#include "control/lab/model_asg.h"

/* protocol/ports/icmp of a NACL or SG rule; check fills m as tables.h documents it. */
struct lab_match {
	struct lab_str protocol, ports;
	struct lab_int icmp_type, icmp_code;
	struct vl_match m;             /* check: */
};

struct lab_acl_rule {
	struct loc at;
	struct lab_int rule;
	struct lab_str action, cidr;
	struct lab_match match;
	bool allow;                    /* check: */
	struct prefix4 prefix;         /* check: */
};

struct lab_acl {
	struct loc at;
	struct lab_str name;
	struct lab_acl_rule *in, *out;
	size_t n_in, n_out;
	uint16_t gidx;                 /* check: index in tables.acls */
};

struct lab_sg_rule {
	struct loc at;
	struct lab_match match;
	struct lab_str cidr, group;
	struct prefix4 prefix;         /* check: when cidr is given */
	uint16_t peer;                 /* check: tables.sgs index of `group`, or VL_NONE */
};

struct lab_sg {
	struct loc at;
	struct lab_str name, description;
	struct lab_sg_rule *in, *out;
	size_t n_in, n_out;
	bool out_set;                  /* `outbound:` written (even []): no implicit allow-all */
	uint16_t gidx;                 /* check: */
};

struct lab_route {
	struct loc at;
	struct lab_str destination, target;
	struct prefix4 dst;            /* check: */
	uint8_t kind;                  /* check: enum vl_target */
	uint16_t target_idx;           /* check: natgw or port index, VL_NONE otherwise */
	bool restates_local;           /* check: VPC cidr -> local, already the first route */
};

struct lab_route_table {
	struct loc at;
	struct lab_str name;
	struct lab_bool main;
	struct lab_route *routes;
	size_t n_routes;
	uint16_t gidx;                 /* check: */
};

struct lab_subnet {
	struct loc at;
	struct lab_str name, cidr, az, route_table, network_acl;
	struct lab_bool map_public_ip;
	struct prefix4 prefix;         /* check: valid when prefix_ok */
	bool prefix_ok;
	uint16_t vpc, gidx;            /* check: */
	uint16_t rt, acl;              /* check: tables indexes (defaults resolved) */
};

struct lab_natgw {
	struct loc at;
	struct lab_str name, subnet, elastic_ip, ip;
	uint16_t vpc, gidx;            /* check: */
	uint16_t subnet_idx, eip;      /* check: tables indexes or VL_NONE */
	uint32_t addr;                 /* check: private IP (given or assigned), valid when addr_ok */
	bool addr_ok;
};

struct lab_instance {
	struct loc at;
	struct lab_str name, subnet, ip;
	struct lab_names security_groups;
	struct lab_bool source_dest_check, public_ip;
	struct lab_str run;            /* user data: `sh -c` line started in the namespace, or NULL */
	const char *group;             /* an auto scaling group's instance (lab_add_members): the
					* group's name; NULL for the file's own */
	uint16_t vpc, gidx;            /* check: gidx = port index */
	uint16_t subnet_idx, eip;      /* check: tables indexes or VL_NONE */
	uint16_t sgs[VL_MAX_PORT_SGS]; /* check: tables.sgs indexes ("default" when none named) */
	uint16_t n_sgs;
	uint32_t addr, public_addr;    /* check: private IP; public (EIP or auto) or 0 */
	bool addr_ok;
	/* apply (lab_keep_addresses, pins): the auto-assigned public IP a running instance without
	 * an elastic IP has (0: none); check gives it back while the file still gives it one. */
	bool kept_public_set;
	uint32_t kept_public;
};

/* Elastic Load Balancing (load_lb.c, check_lb.c, compile_lb.c). */

/* One entry of a target group's `targets`: a name, or { instance, port }. */
struct lab_target {
	struct loc at;
	struct lab_str instance;
	struct lab_int port;
	uint16_t port_idx;             /* check: the instance's port index, or VL_NONE */
};

struct lab_health_check {
	struct loc at;
	struct lab_str protocol, path, matcher;
	struct lab_int port, interval, timeout, healthy, unhealthy;
	bool set;
};

struct lab_stickiness {
	struct loc at;
	struct lab_str type;
	struct lab_int duration;
	bool set;
};

struct lab_tg {
	struct loc at;
	struct lab_str name, protocol;
	struct lab_int port, deregistration_delay;
	struct lab_target *targets;
	size_t n_targets;
	struct lab_health_check health_check;
	struct lab_bool preserve_client_ip;
	struct lab_stickiness stickiness;
	struct lab_str algorithm;
	uint8_t algo;                  /* check: enum vl_lb_algo */
	uint16_t vpc, gidx;            /* check: */
	uint8_t proto;                 /* check: enum vl_lb_proto (valid when proto_ok) */
	bool proto_ok;
	struct vl_health_check hc;     /* check: with AWS's defaults filled in */
	uint16_t lb;                   /* check: the load balancer that uses it, or VL_NONE */
};

struct lab_fixed_response {
	struct loc at;
	struct lab_int status;
	struct lab_str body, content_type;
	bool set;
};

/* `redirect`: every part optional but status; AWS's placeholders fill the rest (compile). */
struct lab_redirect {
	struct loc at;
	struct lab_str status, protocol, host, port, path, query;
	bool set;
	uint16_t code;                 /* check: 301 or 302 */
	const char *proto;             /* check: "HTTP", "HTTPS" or "#{protocol}" */
};

/* `header: { name, value }`: value a string or a list of strings. */
struct lab_lb_header {
	struct loc at;
	struct lab_str name;
	struct lab_names value;
	bool set;
};

/* One pair of `query`: a missing key matches any key. */
struct lab_lb_query {
	struct loc at;
	struct lab_str key, value;
};

/* A listener rule. Each condition key holds one or more values (a string is a list of one):
 * the values of one key are alternatives, every key given must match (AWS). */
struct lab_lb_rule {
	struct loc at;
	struct lab_int priority;
	struct lab_names host, path, method, source_ip;
	struct lab_lb_header header;
	struct lab_lb_query *query;
	size_t n_query;
	bool query_set;
	struct loc query_at;
	bool conds_given;              /* a condition key was written, even a wrong one */
	struct lab_str forward;
	struct lab_fixed_response fixed_response;
	struct lab_redirect redirect;
	uint16_t tg;                   /* check: forward's tables.tgs index, or VL_NONE */
	struct prefix4 sources[VL_LB_RULE_CONDS];   /* check: source_ip's prefixes */
};

struct lab_listener {
	struct loc at;
	struct lab_str protocol, forward, dflt;   /* `forward` (network) or `default` (application) */
	struct lab_int port, idle_timeout;
	struct lab_lb_rule *rules;
	size_t n_rules;
	bool rules_set;
	uint8_t proto;                 /* check: enum vl_lb_proto */
	bool proto_ok;
	uint16_t tg;                   /* check: the default action's group, or VL_NONE */
	uint32_t idle_s;               /* check: given or AWS's default */
};

/* A node: one entry of `subnets` (a name, or { subnet, ip }). */
struct lab_lb_node {
	struct loc at;
	struct lab_str subnet, ip;
	uint16_t vpc, gidx;            /* check: gidx = port index (after every host) */
	uint16_t lb;                   /* check: its load balancer's tables.lbs index */
	uint16_t subnet_idx, eip;      /* check: tables indexes or VL_NONE */
	uint32_t addr, public_addr;    /* check: private IP; public (elastic or pool) or 0 */
	bool addr_ok;
	const struct lab_str *eip_ref; /* check: the elastic_ips entry naming its elastic ip */
};

/* One entry of `elastic_ips: { SUBNET: EIP }`. */
struct lab_lb_eip {
	struct lab_str subnet, eip;
};

struct lab_lb {
	struct loc at;
	struct lab_str name, type, scheme;
	struct lab_lb_node *nodes;
	size_t n_nodes;
	bool nodes_set;
	struct loc nodes_at;
	struct lab_lb_eip *eips;
	size_t n_eips;
	struct loc eips_at;
	struct lab_names security_groups;
	struct lab_bool cross_zone;
	struct lab_listener *listeners;
	size_t n_listeners;
	uint16_t vpc, gidx;            /* check: */
	uint8_t kind;                  /* check: enum vl_lb_type */
	bool internet_facing;          /* check: */
	uint16_t sgs[VL_MAX_PORT_SGS]; /* check: tables.sgs indexes; none = no SG check (network) */
	uint16_t n_sgs;
	char dns[128];                 /* check: NAME-ID.elb.REGION.amazonaws.com (rule-file.md) */
};

struct lab_vpc {
	struct loc at;
	struct lab_str name, cidr;
	struct lab_bool internet_gateway;
	struct lab_vpc_dns dns;
	struct lab_subnet *subnets;
	struct lab_route_table *route_tables;
	struct lab_acl *acls;
	struct lab_sg *sgs;
	struct lab_natgw *natgws;
	struct lab_instance *instances;
	struct lab_tg *tgs;
	struct lab_lb *lbs;
	struct lab_launch_template *templates;   /* Auto Scaling (model_asg.h) */
	struct lab_asg *asgs;
	size_t n_subnets, n_route_tables, n_acls, n_sgs, n_natgws, n_instances, n_tgs, n_lbs;
	size_t n_templates, n_asgs;
	struct prefix4 prefix;         /* check: valid when prefix_ok */
	bool prefix_ok;
	uint16_t gidx;                 /* check: */
	uint16_t main_rt;              /* check: the table subnets use by default */
	uint16_t implicit_rt;          /* check: the implicit "main" table, or VL_NONE when declared */
	uint16_t default_acl, default_sg; /* check: the implicit "default" ACL and SG */
};

struct lab_eip {
	struct loc at;
	struct lab_str name, ip, instance;
	uint32_t addr;                 /* check: given or assigned */
	bool addr_ok;
	uint16_t gidx, port, natgw;    /* check: associations or VL_NONE */
};

struct lab_host {
	struct loc at;
	struct lab_str name, ip;
	uint32_t addr;                 /* check: valid when addr_ok */
	bool addr_ok;
	uint16_t gidx;                 /* check: port index (after every instance) */
};

/* What a check's `to` / `seen_as` named. */
enum lab_ref_kind { LAB_REF_NONE, LAB_REF_PORT, LAB_REF_EIP, LAB_REF_ADDR, LAB_REF_LB,
		    LAB_REF_NAME /* a DNS name, resolved when the check runs */ };

struct lab_check {
	struct loc at;
	struct lab_str from, to, protocol, expect, seen_as;
	struct lab_int port;
	uint16_t from_port;            /* check: port index */
	uint8_t to_kind, seen_kind;    /* check: enum lab_ref_kind */
	uint16_t to_idx, seen_idx;     /* check: port, eip or load balancer index */
	uint32_t to_addr, seen_addr;   /* check: LAB_REF_ADDR */
	int16_t proto;                 /* check: 6, 17 or 1 */
	bool expect_allow;             /* check: */
};

struct lab_arena_block;

struct lab {
	struct loc at;                 /* the root mapping; first, like every node's (load.c) */
	struct lab_arena_block *arena;
	const char *file;              /* the path as given to lab_load */
	const char *stem;              /* the file name without directory and extension */
	struct lab_str name;
	struct lab_vpc *vpcs;
	struct lab_eip *eips;
	struct lab_host *hosts;
	struct lab_check *checks;
	size_t n_vpcs, n_eips, n_hosts, n_checks;
	bool vpcs_empty;               /* `vpcs: []` (vpcs_at: where) */
	struct loc vpcs_at;
	struct lab_str public_pool;
	struct lab_str region;         /* as written; lab_region() gives the default */
	struct prefix4 pool;           /* check: public_pool or 203.0.113.0/24 */
	struct lab_zone *zones;        /* Route 53 (model_dns.h) */
	struct lab_r53_check *r53_checks;
	size_t n_zones, n_r53_checks;
	uint32_t n_records, n_dns_values;   /* check: sizes for compile */
	/* check: table sizes laid out for compile */
	uint16_t n_subnets, n_rts, n_acls, n_sgs, n_natgws, n_instances;
	uint16_t n_tgs, n_lbs, n_nodes;
	uint32_t n_targets, n_listeners, n_lb_rules;
	uint16_t n_templates, n_asgs;  /* check: Auto Scaling's table sizes (check_asg.c) */
	uint32_t n_asg_policies;
	int load_errors;               /* reported by lab_load */
	bool checked_ok;               /* check: ran and found no error, load included */
};

/* Arena allocation, zeroed; NULL when memory runs out. */
void *lab_alloc(struct lab *m, size_t size);
char *lab_strdup(struct lab *m, const char *s);

/* A printable, bounded copy of user text for messages (non-ASCII shown as '?'); returns buf. */
const char *lab_show(const char *s, char *buf, size_t size);

/* Name lookups over the whole lab (names are unique per kind); NULL when absent. */
struct lab_subnet *lab_find_subnet(const struct lab *m, const char *name);
struct lab_sg *lab_find_sg(const struct lab *m, const char *name, uint16_t *vpc);
struct lab_natgw *lab_find_natgw(const struct lab *m, const char *name);

/* The VPC's declared `default` group/ACL (it replaces the implicit one); NULL when not declared. */
struct lab_sg *lab_vpc_default_sg(const struct lab_vpc *v);
struct lab_acl *lab_vpc_default_acl(const struct lab_vpc *v);
struct lab_instance *lab_find_instance(const struct lab *m, const char *name);
struct lab_eip *lab_find_eip(const struct lab *m, const char *name);
struct lab_host *lab_find_host(const struct lab *m, const char *name);
struct lab_tg *lab_find_tg(const struct lab *m, const char *name);
struct lab_lb *lab_find_lb(const struct lab *m, const char *name);

/* compile_asg.c, for lab_compile: launch templates, groups and policies, AWS's defaults filled. */
int lab_compile_asg(const struct lab *m, struct vl_tables *t);

/* `region:` or AWS's default us-east-1. */
const char *lab_region(const struct lab *m);

/* compile_lb.c, for lab_compile: fills the load balancing arrays of t, which it sized. */
void lab_compile_lb(const struct lab *m, struct vl_tables *t);
/* One checked listener rule in its compiled form, AWS's defaults filled in (also diff_lb.c,
 * which compares rules in this form). */
void lab_compile_rule(const struct lab_lb_rule *r, struct vl_lb_rule *d);

/* compile_dns.c, for lab_compile: the VPCs' DNS attributes, zones, records, health checks. */
int lab_compile_dns(const struct lab *m, struct vl_tables *t);

/* Longest `run` command line, in bytes (a shell line, not a script: put scripts in files). */
#define LAB_RUN_MAX 4096

/* The default public pool, AWS documentation's TEST-NET-3. */
#define LAB_DEFAULT_POOL ((struct prefix4){ 0xcb007100u, 24 })

#endif
