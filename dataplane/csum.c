/* Checksum arithmetic for the rewrites (rewrite.c), router-built replies (reply.c) and fragments
 * (frag.c): RFC 1071 sums and RFC 1624 updates. */
#include "bytes.h"
#include "csum.h"
#include "pkt.h"

uint32_t csum_add_bytes(uint32_t sum, const uint8_t *b, size_t len)
{
	uint64_t s = sum;
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		s += (uint32_t)b[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3), over the 16-bit words of the change. */
static uint16_t csum_update(uint16_t hc, uint32_t from, uint32_t to, int words)
{
	uint32_t sum = (uint16_t)~hc;
	for (int i = 0; i < words; i++, from >>= 16, to >>= 16) {
		sum += (uint16_t)~(uint16_t)from;
		sum += (uint16_t)to;
	}
	return (uint16_t)~csum_fold(sum);
}

void csum_replace4(uint8_t *field, uint32_t from, uint32_t to)
{
	wr16(field, csum_update(rd16(field), from, to, 2));
}

void csum_replace2(uint8_t *field, uint16_t from, uint16_t to)
{
	wr16(field, csum_update(rd16(field), from, to, 1));
}

/* A partial sum is stored uncomplemented: complement around the same update. */
void csum_replace4_partial(uint8_t *field, uint32_t from, uint32_t to)
{
	wr16(field, (uint16_t)~csum_update((uint16_t)~rd16(field), from, to, 2));
}

void csum_replace2_partial(uint8_t *field, uint16_t from, uint16_t to)
{
	wr16(field, (uint16_t)~csum_update((uint16_t)~rd16(field), from, to, 1));
}

void csum_ipv4_full(struct pkt *p)
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
