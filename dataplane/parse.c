/* Stage 0: a frame from a tap becomes a struct pkt. Before: tap.c read it (the vnet header is
 * kept aside). After: pipeline.c runs the stages on the descriptor. Every offset is checked
 * against the frame length here, once, so that no later stage reads past the end. */
#include <linux/virtio_net.h>
#include <string.h>

#include "bytes.h"
#include "parse.h"

static int parse_l4(struct pkt *p, const uint8_t *l4, uint32_t avail)
{
	switch (p->proto) {
	case IPPROTO_TCP_:
		if (avail < 20)
			return DROP_PARSE_SHORT;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP_:
		if (avail < 8)
			return DROP_PARSE_SHORT;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		break;
	case IPPROTO_ICMP_:
		if (avail < 8)
			return DROP_PARSE_SHORT;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		if (p->icmp_type == ICMP_ECHO_REQUEST || p->icmp_type == ICMP_ECHO_REPLY) {
			p->sport = p->dport = rd16(l4 + 4);
			p->flags |= PKT_ECHO;
		}
		break;
	default:
		return STAGE_PASS; /* other protocols: addresses only */
	}
	p->flags |= PKT_L4;
	return STAGE_PASS;
}

static int parse_ipv4(struct pkt *p)
{
	const uint8_t *ip = p->frame + ETH_HLEN_;
	uint32_t avail = p->len - ETH_HLEN_;
	if (avail < 20)
		return DROP_PARSE_SHORT;
	unsigned ihl = (ip[0] & 15u) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20)
		return DROP_PARSE_BAD_IP;
	if (avail < ihl)
		return DROP_PARSE_SHORT;
	uint32_t tot = rd16(ip + 2);
	/* A GSO super-packet from a tap may carry total length 0 or a stale one: the frame's
	 * length is the truth then, and every later stage sees that one. */
	if ((p->flags & PKT_GSO) && (tot < ihl || tot > avail))
		tot = avail > 65535 ? 65535 : avail;
	if (tot < ihl)
		return DROP_PARSE_BAD_IP;
	if (tot > avail)
		return DROP_PARSE_SHORT;
	p->ip_len = (uint16_t)tot;
	p->l3_off = ETH_HLEN_;
	p->l4_off = (uint16_t)(ETH_HLEN_ + ihl);
	p->ttl = ip[8];
	p->proto = ip[9];
	p->src = rd32(ip + 12);
	p->dst = rd32(ip + 16);
	p->ip_id = rd16(ip + 4);
	uint16_t frag = rd16(ip + 6);
	if (frag & 0x4000)
		p->flags |= PKT_DF;
	if (frag & 0x3fff)
		p->flags |= PKT_FRAG;
	if (frag & 0x1fff) {
		p->flags |= PKT_LATER_FRAG;
		return STAGE_PASS; /* no L4 header in a later fragment */
	}
	uint32_t l4_avail = (p->flags & PKT_GSO ? avail : tot) - ihl;
	return parse_l4(p, ip + ihl, l4_avail);
}

int pkt_parse(struct pkt *p, uint8_t *frame, uint32_t len, void *vnet, uint16_t in_port)
{
	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->len = len;
	p->cap = len;
	p->vnet = vnet;
	p->in_port = in_port;
	p->origin_port = in_port;
	if (len < ETH_HLEN_)
		return DROP_PARSE_SHORT;
	if (vnet && ((struct virtio_net_hdr *)vnet)->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		p->flags |= PKT_GSO;
	p->ethertype = rd16(frame + 12);
	if (p->ethertype == ETHTYPE_ARP)
		return STAGE_PASS;
	if (frame[0] & 1)
		return DROP_BROADCAST; /* no broadcast or multicast in a VPC (except ARP, answered) */
	if (p->ethertype != ETHTYPE_IPV4)
		return DROP_NOT_IPV4;
	return parse_ipv4(p);
}
