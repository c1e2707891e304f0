/* Internet checksums: full computation and the incremental update of RFC 1624, for NAT
 * rewrites. A tap with offloads hands us TCP/UDP packets whose checksum is only the
 * pseudo-header sum (virtio NEEDS_CSUM, the kernel's CHECKSUM_PARTIAL): that field is not
 * complemented, so it is patched the other way round (csum_replace4_partial). */
#ifndef VPCLAB_CSUM_H
#define VPCLAB_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes added to sum (not folded, not complemented). */
uint32_t csum_add_bytes(uint32_t sum, const uint8_t *b, size_t len);
/* Folds to 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);
/* The checksum to store for data whose sum is `sum`: ~fold(sum). */
static inline uint16_t csum_finish(uint32_t sum)
{
	return (uint16_t)~csum_fold(sum);
}

/* Patches a complemented checksum at field (big-endian, 2 bytes) for a 32/16-bit word changing
 * from `from` to `to` (host order values). */
void csum_replace4(uint8_t *field, uint32_t from, uint32_t to);
void csum_replace2(uint8_t *field, uint16_t from, uint16_t to);
/* The same for a pseudo-header partial sum (not complemented). */
void csum_replace4_partial(uint8_t *field, uint32_t from, uint32_t to);
void csum_replace2_partial(uint8_t *field, uint16_t from, uint16_t to);

struct pkt;
/* Full recomputation of p's IPv4 header checksum and L4 checksum (TCP/UDP with the pseudo
 * header, ICMP without), for packets the router builds or cuts into fragments. */
void csum_ipv4_full(struct pkt *p);

#endif
