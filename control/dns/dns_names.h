/* The names AWS gives instances, as the VPC resolver answers them (rule-file.md "The VPC resolver
 * and Route 53"): private names per region, public names, reverse (PTR) names. Pure string work:
 * the resolver (dns_resolve.c) parses a question with these and `vpclab dns`/`status` print them.
 * Every name here is lower-case, fully qualified, without the final dot. */
#ifndef VPCLAB_DNS_NAMES_H
#define VPCLAB_DNS_NAMES_H

#include <stddef.h>
#include <stdint.h>

#define DNS_DEFAULT_REGION "us-east-1"

/* Each builder writes a NUL-terminated name into buf[cap] and returns 0, or -ENAMETOOLONG (buf
 * holds a cut name). A NULL or empty region means us-east-1. */

/* ip-10-0-2-10.ec2.internal (us-east-1), ip-10-0-2-10.REGION.compute.internal elsewhere. */
int dns_private_name(uint32_t ip, const char *region, char *buf, size_t cap);

/* ec2-203-0-113-5.compute-1.amazonaws.com (us-east-1), ec2-….REGION.compute.amazonaws.com. */
int dns_public_name(uint32_t public_ip, const char *region, char *buf, size_t cap);

/* 10.2.0.10.in-addr.arpa for 10.0.2.10. */
int dns_ptr_name(uint32_t ip, char *buf, size_t cap);

/* The reverse of the builders: 0 with *ip set when name is exactly what the builder makes for
 * some address in this region (case-insensitive; decimal octets without leading zeros), else
 * -ENOENT. */
int dns_parse_private_name(const char *name, const char *region, uint32_t *ip);
int dns_parse_public_name(const char *name, const char *region, uint32_t *ip);
int dns_parse_ptr_name(const char *name, uint32_t *ip);

/* Lower-cases a presentation name into buf[cap] and drops one final dot ("Web.Corp.Internal." ->
 * "web.corp.internal"); "." becomes "". 0, or -ENAMETOOLONG. */
int dns_name_canon(const char *name, char *buf, size_t cap);

/* 1 when name equals zone or lies under it ("a.b.zone" under "zone"; "xzone" is not), both
 * canonical. */
int dns_name_under(const char *name, const char *zone);

#endif
