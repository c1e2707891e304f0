/* Stage 0 of the packet path: bytes from a tap -> struct pkt. Every later stage trusts what this
 * fills, so it checks every length against the frame before reading. */
#ifndef VPCLAB_PARSE_H
#define VPCLAB_PARSE_H

#include "pkt.h"

/* Fills *p from frame[0..len). vnet is the virtio_net_hdr that preceded the frame, or NULL.
 * Returns STAGE_PASS, or DROP_PARSE_SHORT / DROP_PARSE_BAD_IP / DROP_NOT_IPV4 / DROP_BROADCAST.
 * ARP frames pass with ethertype ETHTYPE_ARP and no L3 fields. */
int pkt_parse(struct pkt *p, uint8_t *frame, uint32_t len, void *vnet, uint16_t in_port);

#endif
