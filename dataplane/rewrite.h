/* Header rewrites (NAT at the internet and NAT gateways): the bytes and the descriptor change
 * together, and every checksum stays valid (incremental updates, full or partial per the vnet
 * header). */
#ifndef VPCLAB_REWRITE_H
#define VPCLAB_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"

/* Rewrites p's source (src = true) or destination address to `to`, patching the IPv4 header
 * checksum and the TCP/UDP checksum (full or partial, per the vnet header). */
void rewrite_addr(struct pkt *p, bool src, uint32_t to);
/* Rewrites p's source or destination port (TCP/UDP) or ICMP echo identifier. */
void rewrite_port(struct pkt *p, bool src, uint16_t to);

#endif
