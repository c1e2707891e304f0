/* Packets the router itself answers with, built in place over the packet that caused them:
 * ICMP errors (time exceeded at a NAT gateway, fragmentation needed at the internet gateway)
 * and the TCP RST a NAT gateway sends for a late packet of a connection it no longer knows. */
#ifndef VPCLAB_ICMP_H
#define VPCLAB_ICMP_H

#include <stdint.h>

#include "pkt.h"

/* Replaces p with an ICMP error (type, code; mtu for fragmentation-needed) from `from` to p's
 * source, quoting p's IP header and up to 520 bytes after it, and re-parses it (in_port kept).
 * The vnet header, if any, is cleared: this is a plain packet. 0, or -ENOSPC when p->cap is too
 * small, -EINVAL when p must not get an error (an ICMP error itself, a later fragment). */
int icmp_error_build(struct pkt *p, uint32_t from, uint8_t type, uint8_t code, uint16_t mtu);

/* Replaces TCP segment p with the RST its receiver would send back (addresses and ports
 * swapped, sequence from p's acknowledgement). 0 or -EINVAL (not TCP, or itself a RST). */
int tcp_rst_build(struct pkt *p);

/* Full checksum recomputation of the IPv4 header and of the L4 checksum (TCP/UDP with pseudo
 * header, ICMP without), for packets the router builds or whose payload it changed. */
void ipv4_csum_full(struct pkt *p);

#endif

/* The packet quoted inside an ICMP error (types 3, 4, 11, 12). */
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
