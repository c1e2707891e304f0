/* Header rewrites for the translating edges (igw.c, natgw.c) and for fragments that follow their
 * first fragment (pipeline.c): addresses, ports and ICMP echo identifiers, with the IPv4 and L4
 * checksums patched incrementally (RFC 1624), full or partial per the vnet header. */
#include <linux/virtio_net.h>

#include "bytes.h"
#include "csum.h"
#include "rewrite.h"

/* Where the L4 checksum lives, or 0 when this packet has none to patch. */
static uint16_t l4_csum_off(const struct pkt *p)
{
	if (!(p->flags & PKT_L4))
		return 0;
	if (p->proto == IPPROTO_TCP_)
		return (uint16_t)(p->l4_off + 16);
	if (p->proto == IPPROTO_UDP_)
		return (uint16_t)(p->l4_off + 6);
	return 0;
}

static bool csum_is_partial(const struct pkt *p)
{
	const struct virtio_net_hdr *v = p->vnet;
	return v && (v->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && v->csum_start == p->l4_off;
}

/* RFC 768: a UDP checksum that computes to zero is sent as all ones (zero means "none").
 * Only for a full checksum: a partial one is finished by the kernel. */
static void udp_csum_fixup(const struct pkt *p, uint8_t *c)
{
	if (p->proto == IPPROTO_UDP_ && !csum_is_partial(p) && rd16(c) == 0)
		wr16(c, 0xffff);
}

void rewrite_addr(struct pkt *p, bool src, uint32_t to)
{
	uint8_t *ip = p->frame + p->l3_off;
	uint8_t *field = ip + (src ? 12 : 16);
	uint32_t from = rd32(field);
	wr32(field, to);
	csum_replace4(ip + 10, from, to);
	uint16_t off = l4_csum_off(p);
	if (off && off + 2u <= p->len) {
		uint8_t *c = p->frame + off;
		if (csum_is_partial(p))
			csum_replace4_partial(c, from, to);
		else if (!(p->proto == IPPROTO_UDP_ && rd16(c) == 0)) { /* UDP: 0 = no checksum */
			csum_replace4(c, from, to);
			udp_csum_fixup(p, c);
		}
	}
	if (src)
		p->src = to;
	else
		p->dst = to;
}

void rewrite_port(struct pkt *p, bool src, uint16_t to)
{
	if (!(p->flags & PKT_L4))
		return;
	uint8_t *l4 = p->frame + p->l4_off;
	if (p->flags & PKT_ECHO) {
		/* ICMP checksum covers the message only, never a pseudo header. */
		uint16_t from = rd16(l4 + 4);
		wr16(l4 + 4, to);
		csum_replace2(l4 + 2, from, to);
		p->sport = p->dport = to;
		return;
	}
	uint8_t *field = l4 + (src ? 0 : 2);
	uint16_t from = rd16(field);
	wr16(field, to);
	uint16_t off = l4_csum_off(p);
	/* Ports are not in the pseudo header: a partial sum stays as it is. */
	if (off && !csum_is_partial(p) && !(p->proto == IPPROTO_UDP_ && rd16(p->frame + off) == 0)) {
		csum_replace2(p->frame + off, from, to);
		udp_csum_fixup(p, p->frame + off);
	}
	if (src)
		p->sport = to;
	else
		p->dport = to;
}
