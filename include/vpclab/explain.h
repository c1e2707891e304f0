/* The explain format: what the data plane found at each step of one packet's path (trace and
 * capture print it), and the verdict at the end. Shared by dataplane/ (which records it) and
 * control/ (which prints it); plain data, no data-plane internals. */
#ifndef VPCLAB_EXPLAIN_H
#define VPCLAB_EXPLAIN_H

#include <stdint.h>

#include "vpclab/drop.h"

enum explain_stage {
	EX_PARSE,
	EX_ARP,
	EX_SRCDST_OUT,   /* source/destination check of the sending interface */
	EX_SG_OUT,
	EX_ROUTE,
	EX_NACL_OUT,
	EX_NACL_IN,
	EX_SG_IN,
	EX_SRCDST_IN,    /* source/destination check of the receiving interface */
	EX_IGW,
	EX_NAT,
	EX_DELIVER,
	EX_FRAGMENT,     /* a later fragment following its first fragment's verdict */
	EX_DISPATCH,     /* the dispatcher itself (hop budget) */
	EX_LB,           /* a network load balancer: obj = load balancer, rule = tables.targets
			  * index of the chosen target (-1 none), the header after the rewrite */
	EX_DNS,          /* the VPC resolver (dataplane/dns.c): obj = VPC, rule = enum
			  * vl_resolver_at, the header after the rewrite */
	EX_NONE = 0xff,  /* a step that found nothing worth a hop */
};

struct explain_hop {
	uint8_t stage;           /* enum explain_stage */
	uint8_t flags;           /* EXF_* */
	int16_t verdict;         /* STAGE_PASS (-1) or enum drop_reason */
	uint16_t obj;            /* port, subnet, route table, acl ... index the stage looked at */
	int32_t rule;            /* route / acl rule / sg rule index, -1 for none (implicit) */
	uint8_t has_hdr;         /* IGW/NAT: the header after the rewrite follows */
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;
};

#define EXF_NEW_FLOW 1       /* SG: this packet started tracking */
#define EXF_TRACKED 2        /* SG: an existing flow admitted it */
#define EXF_SAME_SUBNET 4    /* ROUTE: same subnet, switched without the route table */
#define EXF_FRAGMENTED 8     /* IGW: over 1500 bytes without DF, it leaves in fragments */

#define EXPLAIN_MAX 24
struct explain {
	uint8_t n;
	struct explain_hop hop[EXPLAIN_MAX];
};

enum verdict_action { VERDICT_FORWARD, VERDICT_REPLY, VERDICT_DROP };

/* A packet's fate, as the dispatcher decided it. */
struct verdict {
	uint8_t action;          /* enum verdict_action */
	uint8_t reason;          /* enum drop_reason when action == VERDICT_DROP */
	uint16_t out_port;       /* FORWARD: where to; REPLY: p->in_port */
	uint16_t target;         /* the interface the packet was headed for when last seen (flow
				  * logs: a drop at its ingress is its record), VL_NONE (0xffff) */
	int16_t replaced;        /* the router answered in place of the packet (ICMP error, RST):
				  * the original's drop reason; -1 none */
	uint16_t mtu;            /* FORWARD: 0, or the packet leaves cut into IPv4 fragments of at
				  * most mtu bytes (the internet gateway fragments) */
};

/* "sg-in", "nacl-out", ... for enum explain_stage. */
const char *explain_stage_name(enum explain_stage st);

#endif
