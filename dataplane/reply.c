/* Packets the router answers with (reply.h). They are written over the frame that caused them, so
 * no buffer is allocated on the packet path; pkt.cap says how much room there is. */
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "parse.h"
#include "reply.h"

#define ICMP_QUOTE_MAX 520       /* 20 + 8 + 520 + 28 stays under 576, as RFC 1812 asks */

static void vnet_clear(struct pkt *p)
{
	if (p->vnet)
		memset(p->vnet, 0, sizeof(struct virtio_net_hdr));
}

static void ipv4_header(uint8_t *ip, uint16_t tot, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	wr16(ip + 2, tot);
	ip[8] = 64;
	ip[9] = proto;
	wr32(ip + 12, src);
	wr32(ip + 16, dst);
}

static void reparse(struct pkt *p, uint32_t len)
{
	uint16_t in = p->in_port;
	uint32_t cap = p->cap;
	pkt_parse(p, p->frame, len, p->vnet, in);
	p->cap = cap;
}

int reply_icmp_error(struct pkt *p, uint32_t from, uint8_t type, uint8_t code, uint16_t mtu)
{
	if (p->flags & PKT_LATER_FRAG)
		return -EINVAL;
	if (p->proto == IPPROTO_ICMP_ && !(p->flags & PKT_ECHO))
		return -EINVAL; /* never an error about an error */
	uint32_t orig = p->ip_len && p->l3_off + (uint32_t)p->ip_len <= p->len ? p->ip_len : p->len - p->l3_off;
	uint32_t quote = orig < 28 + ICMP_QUOTE_MAX ? orig : 28 + ICMP_QUOTE_MAX;
	uint32_t len = ETH_HLEN_ + 28 + quote;
	if (len > p->cap)
		return -ENOSPC;
	uint32_t to = p->src;
	uint8_t *ip = p->frame + ETH_HLEN_;
	memmove(ip + 28, p->frame + p->l3_off, quote);
	/* A GSO packet's quoted header still says the super-packet's length; fine for an error. */
	ipv4_header(ip, (uint16_t)(28 + quote), IPPROTO_ICMP_, from, to);
	uint8_t *icmp = ip + 20;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP_UNREACH && code == 4)
		wr16(icmp + 6, mtu);
	uint8_t mac[6];
	memcpy(mac, p->frame, 6);
	memcpy(p->frame, p->frame + 6, 6);
	memcpy(p->frame + 6, mac, 6);
	vnet_clear(p);
	reparse(p, len);
	csum_ipv4_full(p);
	return 0;
}

int reply_tcp_rst(struct pkt *p)
{
	if (p->proto != IPPROTO_TCP_ || !(p->flags & PKT_L4) || (p->tcp_flags & TCPF_RST))
		return -EINVAL;
	uint8_t *tcp = p->frame + p->l4_off;
	uint32_t seq = rd32(tcp + 4), ack = rd32(tcp + 8);
	unsigned doff = (unsigned)(tcp[12] >> 4) * 4;
	int64_t seg = (int64_t)p->ip_len - (p->l4_off - p->l3_off) - doff;
	uint32_t seglen = seg > 0 ? (uint32_t)seg : 0;
	uint8_t flags = p->tcp_flags;
	uint32_t src = p->src, dst = p->dst;
	uint16_t sport = p->sport, dport = p->dport;
	uint8_t *ip = p->frame + ETH_HLEN_;
	ipv4_header(ip, 40, IPPROTO_TCP_, dst, src);
	tcp = ip + 20;
	memset(tcp, 0, 20);
	wr16(tcp, dport);
	wr16(tcp + 2, sport);
	if (flags & TCPF_ACK) {
		wr32(tcp + 4, ack); /* RFC 793: <SEQ=SEG.ACK><CTL=RST> */
		tcp[13] = TCPF_RST;
	} else {
		wr32(tcp + 8, seq + seglen + ((flags & TCPF_SYN) ? 1 : 0) + ((flags & TCPF_FIN) ? 1 : 0));
		tcp[13] = TCPF_RST | TCPF_ACK;
	}
	tcp[12] = 5 << 4;
	uint8_t mac[6];
	memcpy(mac, p->frame, 6);
	memcpy(p->frame, p->frame + 6, 6);
	memcpy(p->frame + 6, mac, 6);
	vnet_clear(p);
	reparse(p, ETH_HLEN_ + 40);
	csum_ipv4_full(p);
	return 0;
}
