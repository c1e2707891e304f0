/* Instance names as AWS builds them (dns_names.h): ip-A-B-C-D.ec2.internal or
 * ip-A-B-C-D.REGION.compute.internal, ec2-A-B-C-D.compute-1.amazonaws.com or
 * ec2-A-B-C-D.REGION.compute.amazonaws.com, D.C.B.A.in-addr.arpa. A parser takes a name apart and
 * checks it by building it again, so the two directions cannot disagree. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "control/dns/dns_names.h"

static const char *region_or_default(const char *region)
{
	return region && *region ? region : DNS_DEFAULT_REGION;
}

static int put(size_t cap, int n)
{
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int us_east_1(const char *region)
{
	return strcmp(region_or_default(region), DNS_DEFAULT_REGION) == 0;
}

#define OCTETS(ip) (ip) >> 24, ((ip) >> 16) & 255u, ((ip) >> 8) & 255u, (ip) & 255u

int dns_private_name(uint32_t ip, const char *region, char *buf, size_t cap)
{
	if (us_east_1(region))
		return put(cap, snprintf(buf, cap, "ip-%u-%u-%u-%u.ec2.internal", OCTETS(ip)));
	return put(cap, snprintf(buf, cap, "ip-%u-%u-%u-%u.%s.compute.internal", OCTETS(ip),
				      region_or_default(region)));
}

int dns_public_name(uint32_t ip, const char *region, char *buf, size_t cap)
{
	if (us_east_1(region))
		return put(cap, snprintf(buf, cap, "ec2-%u-%u-%u-%u.compute-1.amazonaws.com", OCTETS(ip)));
	return put(cap, snprintf(buf, cap, "ec2-%u-%u-%u-%u.%s.compute.amazonaws.com", OCTETS(ip),
				      region_or_default(region)));
}

int dns_ptr_name(uint32_t ip, char *buf, size_t cap)
{
	return put(cap, snprintf(buf, cap, "%u.%u.%u.%u.in-addr.arpa", ip & 255u, (ip >> 8) & 255u,
				      (ip >> 16) & 255u, ip >> 24));
}

/* Four decimal octets separated by sep, starting at s: the address and where it ends, or NULL.
 * Leading zeros are refused by the rebuild in the callers, not here. */
static const char *octets(const char *s, char sep, uint32_t *ip)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned oct = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			oct = oct * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || oct > 255)
			return NULL;
		v = (v << 8) | oct;
		if (i < 3 && *s++ != sep)
			return NULL;
	}
	*ip = v;
	return s;
}

/* name = prefix + A-B-C-D + anything: parse the address, rebuild with build(), compare. */
static int parse_with(const char *name, const char *prefix, const char *region, uint32_t *ip,
		      int (*build)(uint32_t, const char *, char *, size_t))
{
	size_t pl = strlen(prefix);
	uint32_t a;
	char again[256];
	if (strncasecmp(name, prefix, pl) || !octets(name + pl, '-', &a) ||
	    build(a, region, again, sizeof(again)) < 0 || strcasecmp(again, name))
		return -ENOENT;
	*ip = a;
	return 0;
}

int dns_parse_private_name(const char *name, const char *region, uint32_t *ip)
{
	return parse_with(name, "ip-", region, ip, dns_private_name);
}

int dns_parse_public_name(const char *name, const char *region, uint32_t *ip)
{
	return parse_with(name, "ec2-", region, ip, dns_public_name);
}

int dns_parse_ptr_name(const char *name, uint32_t *ip)
{
	uint32_t r;
	char again[64];
	if (!octets(name, '.', &r))
		return -ENOENT;
	uint32_t a = ((r & 255u) << 24) | ((r >> 8 & 255u) << 16) | ((r >> 16 & 255u) << 8) | (r >> 24);
	if (dns_ptr_name(a, again, sizeof(again)) < 0 || strcasecmp(again, name))
		return -ENOENT;
	*ip = a;
	return 0;
}

int dns_name_canon(const char *name, char *buf, size_t cap)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '.')
		n--;
	if (n >= cap)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	return 0;
}

int dns_name_under(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);
	if (z == 0)
		return 1; /* the root holds every name */
	if (n < z || strcmp(name + n - z, zone))
		return 0;
	return n == z || name[n - z - 1] == '.';
}
