/* Packets the router itself answers with, built in place over the packet that caused them:
 * ICMP errors (time exceeded at a NAT gateway, fragmentation needed at the internet gateway)
 * and the TCP RST a NAT gateway sends for a late packet of a connection it no longer knows.
 * The dispatcher counts the original as dropped and routes the answer like any packet. */
#ifndef VPCLAB_REPLY_H
#define VPCLAB_REPLY_H

#include <stdint.h>

#include "pkt.h"

/* Replaces p with an ICMP error (type, code; mtu for fragmentation-needed) from `from` to p's
 * source, quoting p's IP header and up to 520 bytes after it, and re-parses it (in_port kept).
 * The vnet header, if any, is cleared: this is a plain packet. 0, or -ENOSPC when p->cap is too
 * small, -EINVAL when p must not get an error (an ICMP error itself, a later fragment). */
int reply_icmp_error(struct pkt *p, uint32_t from, uint8_t type, uint8_t code, uint16_t mtu);

/* Replaces TCP segment p with the RST its receiver would send back (addresses and ports
 * swapped, sequence from p's acknowledgement). 0 or -EINVAL (not TCP, or itself a RST). */
int reply_tcp_rst(struct pkt *p);

#endif
