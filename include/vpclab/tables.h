/* The compiled lab: the only data the control plane hands to the data plane.
 * control/compile.c builds it from the checked model; dataplane/tables.c (dp_tables_prepare) adds
 * the lookup indexes (LPM tries, address maps) before the snapshot is published. After that it is
 * immutable: connection state refers to its entries by index, never by pointer, so a reload can
 * swap the whole snapshot with one pointer store. All addresses are host byte order. */
#ifndef VPCLAB_TABLES_H
#define VPCLAB_TABLES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "vpclab/addr.h"

#define VL_NAME_MAX 16       /* names are at most 15 characters, spec */
#define VL_NONE 0xffffu      /* "no index" in every uint16_t index field */
#define VL_MAX_PORT_SGS 16   /* AWS: at most 16 security groups per interface */
#define VL_VPC_MTU 9001      /* AWS: jumbo frames inside a VPC */
#define VL_IGW_MTU 1500      /* AWS: 1500 through an internet gateway */

#include "vpclab/tables_lb.h" /* needs the limits above */
#include "vpclab/tables_dns.h"
#include "vpclab/tables_asg.h"

/* One match clause, shared by NACL and SG rules. proto -1 = all (then ports/icmp ignored).
 * Ports apply to tcp(6)/udp(17) only and compare the packet's destination port.
 * icmp_type/icmp_code -1 = any; apply to icmp(1) only. */
struct vl_match {
	int16_t proto;
	uint16_t port_lo, port_hi;
	int16_t icmp_type, icmp_code;
};

struct vl_acl_rule {
	uint16_t number;         /* 1..32766; sorted ascending inside its direction */
	uint8_t allow;           /* 1 allow, 0 deny */
	struct vl_match m;
	struct prefix4 cidr;     /* source (inbound) or destination (outbound) */
};

struct vl_acl {
	char name[VL_NAME_MAX];  /* "default" for the VPC's implicit ACL */
	uint16_t vpc;
	uint32_t in_first, in_count;   /* into tables.acl_rules */
	uint32_t out_first, out_count;
};

struct vl_sg_rule {
	struct vl_match m;
	struct prefix4 cidr;     /* used when peer_sg == VL_NONE */
	uint16_t peer_sg;        /* SG reference: matches the private IP of a member interface */
	uint16_t index;          /* 1-based position in its group and direction, for explain/trace */
};

struct vl_sg {
	char name[VL_NAME_MAX];
	uint16_t vpc;
	uint32_t in_first, in_count;   /* into tables.sg_rules */
	uint32_t out_first, out_count;
};

enum vl_target {
	VL_T_LOCAL,      /* within the VPC: deliver to the interface that owns the address */
	VL_T_IGW,        /* the VPC's internet gateway */
	VL_T_NATGW,      /* target = natgw index */
	VL_T_PORT,       /* an instance's interface (appliance); target = port index */
	VL_T_BLACKHOLE,
};

struct vl_route {
	struct prefix4 dst;
	uint8_t kind;            /* enum vl_target */
	uint16_t target;         /* natgw or port index, VL_NONE otherwise */
};

struct vl_lpm_node {             /* binary trie, built by dp_tables_prepare */
	int32_t child[2];        /* node index or -1 */
	int32_t route;           /* index into tables.routes or -1 */
};

struct vl_route_table {
	char name[VL_NAME_MAX];  /* "main" for the implicit main table */
	uint16_t vpc;
	uint32_t route_first, route_count; /* into tables.routes; includes the local route(s) */
	int32_t lpm_root;        /* into tables.lpm_nodes; set by dp_tables_prepare */
};

struct vl_subnet {
	char name[VL_NAME_MAX];
	uint16_t vpc;
	struct prefix4 cidr;
	uint16_t route_table;
	uint16_t acl;
	char az[VL_NAME_MAX];    /* its availability zone ("" when the file names none) */
};

struct vl_vpc {
	char name[VL_NAME_MAX];
	struct prefix4 cidr;
	uint8_t has_igw;
	uint8_t dns_support;     /* enableDnsSupport: the resolver answers at base+2 and .253 */
	uint8_t dns_hostnames;   /* enableDnsHostnames: instances have names (needs support) */
};

enum vl_port_kind {
	VL_PORT_INSTANCE,        /* an instance's eth0 in namespace LAB-NAME */
	VL_PORT_INET_HOST,       /* a simulated internet host, namespace LAB-NAME */
	VL_PORT_LB_NODE,         /* a load balancer's node in one subnet (tables_lb.h) */
	VL_PORT_RESOLVER,        /* the lab's DNS resolver, namespace LAB-amazon-dns (tables_dns.h) */
};

struct vl_port {
	char name[VL_NAME_MAX];
	uint8_t kind;            /* enum vl_port_kind */
	uint8_t src_dst_check;   /* 1 = on (AWS default) */
	uint8_t mac[6];          /* the namespace's eth0 address */
	uint32_t ip;             /* private IP (instance) or its address on the internet (host) */
	uint8_t prefix_len;      /* the subnet's length; 32 for internet hosts (device route) */
	uint32_t gateway;        /* default gateway inside the namespace */
	uint32_t public_ip;      /* 0 = none; an elastic IP or an auto-assigned public IP */
	uint16_t eip;            /* elastic IP index or VL_NONE */
	uint16_t subnet;         /* VL_NONE for internet hosts */
	uint16_t vpc;            /* VL_NONE for internet hosts */
	uint16_t sg_count;
	uint16_t sgs[VL_MAX_PORT_SGS];
	uint16_t mtu;            /* VL_VPC_MTU for instances, VL_IGW_MTU for internet hosts */
	/* Set by dp_tables_prepare: VL_OPEN_* bits of the protocols whose every port the merged
	 * groups admit from (in) / to (out) 0.0.0.0/0, so that "would AWS track this flow?"
	 * (dataplane/sg.c) does not scan the opposite direction's rules. */
	uint8_t open_in, open_out;
	uint16_t lb;             /* VL_PORT_LB_NODE: its load balancer (tables.lbs); else VL_NONE */
};

#define VL_OPEN_TCP 1u
#define VL_OPEN_UDP 2u

struct vl_natgw {
	char name[VL_NAME_MAX];
	uint16_t vpc, subnet;
	uint32_t ip;             /* its private IP in its subnet */
	uint16_t eip;            /* elastic IP index */
};

struct vl_eip {
	char name[VL_NAME_MAX];
	uint32_t ip;
	uint16_t port;           /* associated instance port, or VL_NONE */
	uint16_t natgw;          /* associated NAT gateway, or VL_NONE */
};

struct vl_tables {
	char lab[64];            /* the lab's name: namespaces are LAB-NAME */
	uint64_t generation;     /* bumped by every reload */
	uint8_t router_mac[6];   /* the VPC router's MAC: every ARP answer gives it */
	struct prefix4 public_pool;

	uint16_t n_vpcs, n_subnets, n_route_tables, n_acls, n_sgs, n_ports, n_natgws, n_eips;
	uint32_t n_routes, n_acl_rules, n_sg_rules;

	struct vl_vpc *vpcs;
	struct vl_subnet *subnets;
	struct vl_route_table *route_tables;
	struct vl_route *routes;
	struct vl_acl *acls;
	struct vl_acl_rule *acl_rules;
	struct vl_sg *sgs;
	struct vl_sg_rule *sg_rules;
	struct vl_port *ports;
	struct vl_natgw *natgws;
	struct vl_eip *eips;

	/* Elastic Load Balancing (tables_lb.h); all 0/NULL in a lab without load balancers. */
	uint16_t n_lbs, n_tgs;
	uint32_t n_listeners, n_lb_rules, n_targets, n_lb_nodes;
	struct vl_lb *lbs;
	struct vl_tg *tgs;
	struct vl_listener *listeners;
	struct vl_lb_rule *lb_rules;
	struct vl_lb_target *targets;
	uint16_t *lb_nodes;

	/* Route 53 and the resolver (tables_dns.h); counts 0 and arrays NULL in a lab without
	 * hosted zones or health checks. region shapes the instances' names (default us-east-1). */
	char region[32];
	uint16_t n_zones, n_r53_checks;
	uint16_t resolver_port;  /* the VL_PORT_RESOLVER port (the last one), VL_NONE without VPCs */
	uint32_t n_records, n_dns_values;
	struct vl_zone *zones;
	struct vl_dns_record *records;
	struct vl_dns_value *dns_values;
	struct vl_r53_check *r53_checks;

	/* EC2 Auto Scaling (tables_asg.h); counts 0 and arrays NULL in a lab without groups. */
	uint16_t n_launch_templates, n_asgs;
	uint32_t n_asg_policies;
	struct vl_launch_template *launch_templates;
	struct vl_asg *asgs;
	struct vl_asg_policy *asg_policies;

	/* Derived indexes, filled by dp_tables_prepare (dataplane/tables.c). */
	struct vl_lpm_node *lpm_nodes;
	uint32_t n_lpm_nodes;
	struct vl_addr_slot *addr_map;  /* open addressing: (vpc, ip) -> port */
	uint32_t addr_map_mask;
};

/* (vpc, address) -> what owns it. vpc = VL_NONE is the internet side (public addresses). */
enum vl_owner {
	VL_OWN_FREE = 0, VL_OWN_PORT, VL_OWN_NATGW, VL_OWN_PUBLIC,
	VL_OWN_ROUTER,           /* a subnet's network, router, DNS or reserved address (+0..+3) */
	VL_OWN_IGW,              /* an elastic IP mapped to nothing: the IGW holds it (vpc VL_NONE) */
};
struct vl_addr_slot {
	uint32_t ip;
	uint16_t vpc;
	uint8_t owner;           /* enum vl_owner */
	uint16_t index;          /* port, natgw, or (VL_OWN_PUBLIC) port/natgw per public_is_natgw;
				  * VL_OWN_ROUTER: subnet; VL_OWN_IGW: elastic IP */
	uint8_t public_is_natgw;
};

/* A running lab keeps every interface, NAT gateway and elastic IP at its index across `apply`
 * (connection, NAT and per-interface state refer to them by index: control/lab/align.h); one
 * that went away leaves a hole, an entry with an empty name that a later addition may take.
 * Every walk over ports, NAT gateways or elastic IPs skips holes. */
static inline bool vl_port_used(const struct vl_port *p) { return p->name[0] != '\0'; }
static inline bool vl_natgw_used(const struct vl_natgw *g) { return g->name[0] != '\0'; }
static inline bool vl_eip_used(const struct vl_eip *e) { return e->name[0] != '\0'; }

/* The namespace port i lives in: LAB-NAME for instances and internet hosts, LAB-LBNAME-SUBNET
 * for a load balancer's node (several nodes share their load balancer's name). Every place that
 * names a port's namespace goes through here. 0, or -ENAMETOOLONG (buf holds a cut name). */
static inline int vl_port_netns(const struct vl_tables *t, uint16_t i, char *buf, size_t cap)
{
	const struct vl_port *p = &t->ports[i];
	int n;
	if (p->kind == VL_PORT_LB_NODE && p->lb < t->n_lbs && p->subnet < t->n_subnets)
		n = snprintf(buf, cap, "%s-%s-%s", t->lab, t->lbs[p->lb].name, t->subnets[p->subnet].name);
	else
		n = snprintf(buf, cap, "%s-%s", t->lab, p->name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* An interface's MAC follows its index (unique in the lab, stable while it runs). */
static inline void vl_port_mac(uint8_t mac[6], uint16_t port)
{
	mac[0] = 0x02, mac[1] = 0x56, mac[2] = 0x4c, mac[3] = 0x00;
	mac[4] = (uint8_t)(port >> 8), mac[5] = (uint8_t)port;
}

static inline void vl_tables_free(struct vl_tables *t)
{
	if (!t)
		return;
	free(t->vpcs);
	free(t->subnets);
	free(t->route_tables);
	free(t->routes);
	free(t->acls);
	free(t->acl_rules);
	free(t->sgs);
	free(t->sg_rules);
	free(t->ports);
	free(t->natgws);
	free(t->eips);
	free(t->lbs);
	free(t->tgs);
	free(t->listeners);
	free(t->lb_rules);
	free(t->targets);
	free(t->lb_nodes);
	free(t->zones);
	free(t->records);
	free(t->dns_values);
	free(t->r53_checks);
	free(t->launch_templates);
	free(t->asgs);
	free(t->asg_policies);
	free(t->lpm_nodes);
	free(t->addr_map);
	free(t);
}

#endif
