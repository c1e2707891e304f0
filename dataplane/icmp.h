/* The packet quoted inside an ICMP error (types 3, 4, 11, 12): parsed, and rewritten when the
 * error crosses a translation (the internet gateway, a NAT gateway) so that it quotes the packet
 * as its receiver sent it. */
#ifndef VPCLAB_ICMP_H
#define VPCLAB_ICMP_H

#include <stdint.h>

#include "pkt.h"

struct icmp_inner {
	uint8_t *ip;             /* its IPv4 header inside p->frame */
	uint32_t avail;          /* bytes of it present */
	unsigned ihl;
	uint8_t proto;
	uint32_t src, dst;
	uint16_t sport, dport;   /* ICMP echo: both the identifier */
	uint8_t has_ports;
};

/* True, with *in filled, when p is an ICMP error quoting at least an IP header and 8 bytes. */
int icmp_inner_parse(struct pkt *p, struct icmp_inner *in);

/* Rewrites the quoted packet's source (src = 1) or destination address and port, fixing the
 * quoted IP checksum, the quoted L4 checksum where it is present, and the outer ICMP checksum. */
void icmp_inner_rewrite(struct pkt *p, struct icmp_inner *in, int src, uint32_t ip, uint16_t port);

#endif
