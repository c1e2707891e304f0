/* IPv4 addresses and prefixes as control/ and dataplane/ both see them.
 * Addresses are uint32_t in HOST byte order everywhere above the parser; parse.c converts once.
 * Parsing helpers return 0 or -EINVAL and never print: the loader turns them into FILE:LINE:COL. */
#ifndef VPCLAB_ADDR_H
#define VPCLAB_ADDR_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct prefix4 {
	uint32_t addr; /* host order, canonical: host bits zero */
	uint8_t len;   /* 0..32 */
};

static inline uint32_t prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static inline bool prefix_contains(struct prefix4 p, uint32_t a)
{
	return (a & prefix_mask(p.len)) == p.addr;
}

static inline bool prefix_overlap(struct prefix4 a, struct prefix4 b)
{
	uint8_t len = a.len < b.len ? a.len : b.len;
	return ((a.addr ^ b.addr) & prefix_mask(len)) == 0;
}

/* "a.b.c.d" -> host order. Strict: four decimal octets, no leading junk or trailing text. */
static inline int addr_parse(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned oct = 0, digits = 0;
		while (*s >= '0' && *s <= '9') {
			oct = oct * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || oct > 255)
				return -EINVAL;
		}
		if (digits == 0)
			return -EINVAL;
		v = (v << 8) | oct;
		if (i < 3 && *s++ != '.')
			return -EINVAL;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

/* "a.b.c.d/len". Host bits must be zero unless canonicalise is set (AWS canonicalises
 * 100.68.0.18/18 to 100.68.0.0/18; the lab file is stricter for VPC and subnet CIDRs). */
static inline int prefix_parse(const char *s, struct prefix4 *out, bool canonicalise)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	uint32_t a;
	if (addr_parse(buf, &a) < 0)
		return -EINVAL;
	const char *l = slash + 1;
	unsigned len = 0, digits = 0;
	while (*l >= '0' && *l <= '9') {
		len = len * 10 + (unsigned)(*l++ - '0');
		if (++digits > 2)
			return -EINVAL;
	}
	if (digits == 0 || *l != '\0' || len > 32)
		return -EINVAL;
	if ((a & ~prefix_mask((uint8_t)len)) && !canonicalise)
		return -EINVAL;
	out->addr = a & prefix_mask((uint8_t)len);
	out->len = (uint8_t)len;
	return 0;
}

/* buf must hold 16 bytes; returns buf for use in printf arguments. */
static inline char *addr_fmt(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* buf must hold 19 bytes. */
static inline char *prefix_fmt(struct prefix4 p, char *buf)
{
	char a[16];
	size_t n = strlen(addr_fmt(p.addr, a));
	memcpy(buf, a, n);
	buf[n++] = '/';
	if (p.len >= 10)
		buf[n++] = (char)('0' + p.len / 10 % 10);
	buf[n++] = (char)('0' + p.len % 10);
	buf[n] = '\0';
	return buf;
}

#endif
