/* The VPC's edges: the internet gateway (stateless 1:1 translation between an interface's
 * private IP and its public or elastic IP) and NAT gateways (source NAT with port allocation).
 * pipeline.c hands a packet here when a route targets igw or a NAT gateway, or when it comes
 * from the internet side; these functions continue the path with pipeline_route/cross/deliver. */
#ifndef VPCLAB_NAT_H
#define VPCLAB_NAT_H

#include <stdbool.h>

#include "natgw.h"
#include "pipeline.h"

/* Rewrites p's source (src = true) or destination address to `to`, patching the IPv4 header
 * checksum and the TCP/UDP checksum (full or partial, per the vnet header). */
void nat_set_addr(struct pkt *p, bool src, uint32_t to);
/* Rewrites p's source or destination port (TCP/UDP) or ICMP echo identifier. */
void nat_set_port(struct pkt *p, bool src, uint16_t to);

/* A packet in subnet `from` routed to the internet gateway. */
struct verdict nat_igw_out(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
			   struct explain *ex);
/* A packet from an internet host: to another host, or through the IGW into a VPC. */
struct verdict nat_from_internet(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex);
/* A packet in subnet `from` routed to NAT gateway natgw (the outbound leg). */
struct verdict nat_gw_in(struct dp_state *s, struct pkt *p, uint16_t from, uint16_t natgw,
			 uint64_t now, struct explain *ex);
/* A packet addressed to a NAT gateway's private IP from inside the VPC. */
struct verdict nat_gw_private(struct dp_state *s, struct pkt *p, uint16_t from, uint16_t natgw,
			      uint64_t now, struct explain *ex);

/* A packet from the internet to a NAT gateway's elastic IP, already mapped to its private IP. */
struct verdict nat_gw_from_igw(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now,
			       struct explain *ex);

/* An ICMP error built by the router about a packet a NAT gateway had translated: translated
 * back and routed to the instance behind it. */
struct verdict nat_gw_error_back(struct dp_state *s, struct pkt *p, uint16_t natgw, uint64_t now,
				 struct explain *ex);

int nat_state_init(struct dp_state *s);
/* dst (whose nat is unset) gets a copy of src's translations. 0 or -ENOMEM. */
int nat_state_copy(struct dp_state *dst, const struct dp_state *src);
void nat_state_fini(struct dp_state *s);
/* Expires idle translations (called once a second by the loop). */
void nat_sweep(struct dp_state *s, uint64_t now);

#endif
