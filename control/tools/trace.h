/* `vpclab trace`: one packet through the very pipeline the router runs, with the explain
 * recorder on, on a private copy of the tables and fresh connection state (offline: no root,
 * no namespaces). The explanation cannot disagree with the data plane: it is the data plane. */
#ifndef VPCLAB_TRACE_H
#define VPCLAB_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "dataplane/pipeline.h"
#include "vpclab/tables.h"

struct trace_req {
	const char *lab;         /* --live: the running lab (NULL: the only one) */
	const char *from;        /* instance or internet host */
	const char *to;          /* instance, internet host, elastic IP, NAT gateway or address */
	uint8_t proto;           /* 6, 17, 1, or another IP protocol */
	uint16_t port;           /* destination port (TCP/UDP) */
	uint16_t sport;          /* source port; 0 = 40000 */
	int icmp_type;           /* ICMP: -1 = echo request */
	bool with_return;        /* also trace the reply, through the state the request created */
	uint32_t size;   /* IP packet size in bytes, 0 = default */
	bool df;   /* set Don't Fragment */
};

struct trace_path {
	struct explain ex;
	struct verdict v;
	uint32_t src, dst;       /* the header as delivered (after any NAT) */
	uint16_t sport, dport;
	char decided[200];       /* the hop that decided, as printed */
};

struct trace_result {
	struct trace_path fwd, ret;
	bool has_return;
	uint32_t dst_ip;         /* what --to resolved to */
};

/* Runs the trace on t (prepared). 0, or -ENOENT/-EINVAL with err set (unknown names). */
int trace_flow(const struct vl_tables *t, const struct trace_req *r, struct trace_result *res,
	       char *err, size_t errcap);

/* The same on a given data plane state (a live trace: a dp_state_clone of the router's) at
 * time now. */
int trace_flow_in(struct dp_state *s, uint64_t now, const struct trace_req *r,
		  struct trace_result *res, char *err, size_t errcap);

/* Prints a trace as numbered hops, or as JSON. */
void trace_print(const struct vl_tables *t, const struct trace_req *r, const struct trace_result *res,
		 bool json, FILE *out);

/* The hop that decided tp, as its trace line words it ("sg db ingress rule 2 tcp 22 0.0.0.0/0
 * allow", "nacl private-acl in rule * deny"): the drop hop, or for a delivered packet the
 * security group hop that admitted it (ingress, else egress), else the delivery. Into buf. */
void trace_decider(const struct vl_tables *t, const struct trace_path *tp, char *buf, size_t cap);

/* The address `name` stands for as seen from port `from` (VL_NONE: from the internet):
 * instance private IP inside its VPC, its public IP from outside; EIP; host; literal. 0/-ENOENT. */
int trace_resolve(const struct vl_tables *t, uint16_t from, const char *name, uint32_t *ip);

#endif
