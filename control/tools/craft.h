/* Frames built from a description, for `vpclab trace` (the packet a user asks about) and for
 * tests: Ethernet + IPv4 + TCP/UDP/ICMP with valid checksums. */
#ifndef VPCLAB_CRAFT_H
#define VPCLAB_CRAFT_H

#include <stddef.h>
#include <stdint.h>

struct craft {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src, dst;       /* host order */
	uint8_t proto;           /* 6, 17, 1 or any other IP protocol */
	uint16_t sport, dport;   /* TCP/UDP; ICMP echo: sport is the identifier */
	uint8_t tcp_flags;       /* TCP */
	uint8_t icmp_type, icmp_code;
	uint8_t ttl;             /* 0 means 64 */
	uint8_t df;              /* set don't-fragment */
	uint16_t payload;        /* bytes of zero payload after the L4 header */
};

/* Writes the frame into buf; its length, or 0 when cap is too small. */
size_t craft_frame(uint8_t *buf, size_t cap, const struct craft *c);

#endif
