/* Frame builder (craft.h). Checksums are computed in full here: this is never on the packet
 * path. */
#include <string.h>

#include "dataplane/bytes.h"
#include "control/tools/craft.h"
#include "dataplane/csum.h"
#include "dataplane/parse.h"

static size_t l4_header_len(uint8_t proto)
{
	return proto == IPPROTO_TCP_ ? 20 : (proto == IPPROTO_UDP_ || proto == IPPROTO_ICMP_) ? 8 : 0;
}

size_t craft_frame(uint8_t *buf, size_t cap, const struct craft *c)
{
	size_t l4len = l4_header_len(c->proto) + c->payload;
	size_t len = ETH_HLEN_ + 20 + l4len;
	if (len > cap || 20 + l4len > 65535)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, c->dst_mac, 6);
	memcpy(buf + 6, c->src_mac, 6);
	wr16(buf + 12, ETHTYPE_IPV4);
	uint8_t *ip = buf + ETH_HLEN_, *l4 = ip + 20;
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + l4len));
	wr16(ip + 4, 0x1234);
	if (c->df)
		wr16(ip + 6, 0x4000);
	ip[8] = c->ttl ? c->ttl : 64;
	ip[9] = c->proto;
	wr32(ip + 12, c->src);
	wr32(ip + 16, c->dst);
	if (c->proto == IPPROTO_TCP_) {
		wr16(l4, c->sport);
		wr16(l4 + 2, c->dport);
		wr32(l4 + 4, 1000);
		if (c->tcp_flags & TCPF_ACK)
			wr32(l4 + 8, 2000);
		l4[12] = 5 << 4;
		l4[13] = c->tcp_flags;
		wr16(l4 + 14, 65535);
	} else if (c->proto == IPPROTO_UDP_) {
		wr16(l4, c->sport);
		wr16(l4 + 2, c->dport);
		wr16(l4 + 4, (uint16_t)l4len);
	} else if (c->proto == IPPROTO_ICMP_) {
		l4[0] = c->icmp_type;
		l4[1] = c->icmp_code;
		wr16(l4 + 4, c->sport);
		wr16(l4 + 6, 1);
	}
	struct pkt p;
	pkt_parse(&p, buf, (uint32_t)len, NULL, 0);
	csum_ipv4_full(&p);
	return len;
}
