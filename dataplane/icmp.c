/* Router-built packets (icmp.h). They are written over the frame that caused them, so no
 * buffer is allocated on the packet path; pkt.cap says how much room there is. */
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "icmp.h"
#include "parse.h"

#define ICMP_QUOTE_MAX 520       /* 20 + 8 + 520 + 28 stays under 576, as RFC 1812 asks */

void ipv4_csum_full(struct pkt *p)
{
	uint8_t *ip = p->frame + p->l3_off;
	unsigned ihl = p->l4_off - p->l3_off;
	uint16_t tot = rd16(ip + 2);
	wr16(ip + 10, 0);
	wr16(ip + 10, csum_finish(csum_add_bytes(0, ip, ihl)));
	uint8_t *l4 = p->frame + p->l4_off;
	uint32_t l4len = tot - ihl;
	if (p->proto == IPPROTO_ICMP_) {
		wr16(l4 + 2, 0);
		wr16(l4 + 2, csum_finish(csum_add_bytes(0, l4, l4len)));
		return;
	}
	unsigned off = p->proto == IPPROTO_TCP_ ? 16 : p->proto == IPPROTO_UDP_ ? 6 : 0;
	if (!off)
		return;
	uint32_t sum = csum_add_bytes(0, ip + 12, 8);
	sum += p->proto + l4len;
	wr16(l4 + off, 0);
	sum = csum_add_bytes(sum, l4, l4len);
	uint16_t c = csum_finish(sum);
	wr16(l4 + off, p->proto == IPPROTO_UDP_ && c == 0 ? 0xffff : c);
}

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

int icmp_error_build(struct pkt *p, uint32_t from, uint8_t type, uint8_t code, uint16_t mtu)
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
	ipv4_csum_full(p);
	return 0;
}

int tcp_rst_build(struct pkt *p)
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
	ipv4_csum_full(p);
	return 0;
}

int icmp_inner_parse(struct pkt *p, struct icmp_inner *in)
{
	if (p->proto != IPPROTO_ICMP_ || !(p->flags & PKT_L4) || (p->flags & PKT_ECHO))
		return 0;
	if (p->icmp_type != 3 && p->icmp_type != 4 && p->icmp_type != 11 && p->icmp_type != 12)
		return 0;
	uint32_t start = p->l4_off + 8u;
	uint32_t end = p->l3_off + (uint32_t)p->ip_len; /* not the Ethernet padding after it */
	if (end > p->len || end < start + 20)
		return 0;
	memset(in, 0, sizeof(*in));
	in->ip = p->frame + start;
	in->avail = end - start;
	in->ihl = (in->ip[0] & 15u) * 4u;
	if ((in->ip[0] >> 4) != 4 || in->ihl < 20 || in->avail < in->ihl + 8)
		return 0;
	in->proto = in->ip[9];
	in->src = rd32(in->ip + 12);
	in->dst = rd32(in->ip + 16);
	const uint8_t *l4 = in->ip + in->ihl;
	if (in->proto == IPPROTO_TCP_ || in->proto == IPPROTO_UDP_) {
		in->sport = rd16(l4);
		in->dport = rd16(l4 + 2);
		in->has_ports = 1;
	} else if (in->proto == IPPROTO_ICMP_ && (l4[0] == ICMP_ECHO_REQUEST || l4[0] == ICMP_ECHO_REPLY)) {
		in->sport = in->dport = rd16(l4 + 4);
		in->has_ports = 1;
	}
	return 1;
}

void icmp_inner_rewrite(struct pkt *p, struct icmp_inner *in, int src, uint32_t ip, uint16_t port)
{
	uint8_t *addr = in->ip + (src ? 12 : 16);
	uint32_t old_ip = rd32(addr);
	wr32(addr, ip);
	csum_replace4(in->ip + 10, old_ip, ip);
	uint8_t *l4 = in->ip + in->ihl;
	uint32_t l4avail = in->avail - in->ihl;
	if (in->proto == IPPROTO_ICMP_ && in->has_ports) {
		uint16_t old = rd16(l4 + 4);
		wr16(l4 + 4, port);
		if (l4avail >= 4)
			csum_replace2(l4 + 2, old, port);
		in->sport = in->dport = port;
	} else if (in->has_ports) {
		uint8_t *pf = l4 + (src ? 0 : 2);
		uint16_t old = rd16(pf);
		wr16(pf, port);
		unsigned coff = in->proto == IPPROTO_TCP_ ? 16 : 6;
		if (l4avail >= coff + 2 && !(in->proto == IPPROTO_UDP_ && rd16(l4 + coff) == 0)) {
			csum_replace4(l4 + coff, old_ip, ip);
			csum_replace2(l4 + coff, old, port);
		}
		if (src)
			in->sport = port;
		else
			in->dport = port;
	}
	if (src)
		in->src = ip;
	else
		in->dst = ip;
	/* The outer ICMP checksum covers all of the quote: recompute it. */
	uint8_t *icmp = p->frame + p->l4_off;
	int64_t icmp_len = (int64_t)p->ip_len - (p->l4_off - p->l3_off);
	if (icmp_len < 0)
		icmp_len = 0;
	if (p->l4_off + icmp_len > p->len)
		icmp_len = p->len - p->l4_off;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, csum_finish(csum_add_bytes(0, icmp, (size_t)icmp_len)));
}
