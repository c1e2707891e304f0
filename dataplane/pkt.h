/* The packet descriptor: parse.c fills it once with bounds-checked offsets and the 5-tuple;
 * every later stage reads it instead of the bytes. A rewrite (NAT) updates both the bytes and
 * the descriptor. Stage functions return STAGE_PASS or an enum drop_reason. */
#ifndef VPCLAB_PKT_H
#define VPCLAB_PKT_H

#include <stdint.h>

#include "vpclab/drop.h"

#define ETH_HLEN_ 14
#define ETHTYPE_IPV4 0x0800
#define ETHTYPE_ARP 0x0806

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

#define ICMP_ECHO_REPLY 0
#define ICMP_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

enum pkt_flags {
	PKT_FRAG = 1 << 0,       /* a fragment (MF set or offset non-zero) */
	PKT_LATER_FRAG = 1 << 1, /* offset non-zero: no L4 header in this one */
	PKT_DF = 1 << 2,         /* don't-fragment set */
	PKT_L4 = 1 << 3,         /* sport/dport (or ICMP type/code/id) are valid */
	PKT_ECHO = 1 << 4,       /* ICMP echo request/reply: sport = dport = identifier */
	PKT_GSO = 1 << 5,        /* vnet header says this is a GSO super-packet */
};

struct pkt {
	uint8_t *frame;          /* Ethernet header */
	uint32_t len;            /* bytes from frame[0] */
	uint32_t cap;            /* room at frame[0] for a reply built in place (>= len) */
	void *vnet;              /* struct virtio_net_hdr before frame, or NULL */
	uint16_t in_port;        /* the tap it arrived on */
	uint16_t origin_port;    /* the interface that put it into the VPC fabric (SG references) */
	uint16_t ethertype;
	uint16_t l3_off, l4_off; /* from frame[0] */
	uint16_t ip_len;         /* IPv4 total length (0 for GSO frames longer than 65535) */
	uint8_t proto, ttl, tcp_flags, icmp_type, icmp_code;
	uint8_t flags;           /* enum pkt_flags */
	uint32_t src, dst;       /* host order */
	uint16_t sport, dport;   /* host order; ICMP echo: both the identifier; other ICMP: 0 */
	uint16_t ip_id;          /* IPv4 identification: ties later fragments to the first */
};

#endif
