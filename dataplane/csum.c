/* Checksum arithmetic for the NAT stages (nat.c); RFC 1071 sums and RFC 1624 updates. */
#include "bytes.h"
#include "csum.h"

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
