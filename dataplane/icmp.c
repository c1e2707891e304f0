/* The packet quoted inside an ICMP error (icmp.h): reading it, and rewriting it when the error
 * crosses a translation (IGW, NAT gateway), so that the sender recognises its own packet. */
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "icmp.h"

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
