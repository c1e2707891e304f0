/* The compiled form of the VPC resolver's data and Route 53 (rule-file.md "The VPC resolver and
 * Route 53"), part of struct vl_tables (tables.h). Per-VPC attributes live in struct vl_vpc
 * (dns_support, dns_hostnames); private hosted zones, their record sets and Route 53 health
 * checks are the flat arrays below. Names are fully qualified, lower-case, without the final
 * dot; addresses host byte order; every index field uses VL_NONE for "none". */
#ifndef VPCLAB_TABLES_DNS_H
#define VPCLAB_TABLES_DNS_H

#include <stdint.h>

#define VL_DNS_NAME_MAX 256      /* 253 characters of presentation name, NUL, spare */
#define VL_DNS_TEXT_MAX 600      /* one value's RDATA text: a TXT string of 255 bytes escaped */
#define VL_ZONE_VPCS 32          /* VPCs one zone may be associated with (a lab limit) */
#define VL_DNS_DEFAULT_TTL 300   /* the lab's default; Route 53 itself requires one */
#define VL_DNS_ALIAS_TTL 60      /* an alias answers with its target's TTL: ELB names use 60 */

/* Record types the lab serves; vl_rr_wire gives the wire number (RFC 1035, 3596, 2782). */
enum vl_rr_type { VL_RR_A, VL_RR_AAAA, VL_RR_CNAME, VL_RR_TXT, VL_RR_MX, VL_RR_SRV };

static inline uint16_t vl_rr_wire(uint8_t type)
{
	static const uint16_t wire[] = { 1, 28, 5, 16, 15, 33 };
	return type < sizeof(wire) / sizeof(wire[0]) ? wire[type] : 0;
}

static inline const char *vl_rr_name(uint8_t type)
{
	static const char *const names[] = { "A", "AAAA", "CNAME", "TXT", "MX", "SRV" };
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

/* Route 53 failover routing: the primary answers while its health check passes, else the
 * secondary (and when both are unhealthy, Route 53 answers the primary). */
enum vl_failover { VL_FO_NONE, VL_FO_PRIMARY, VL_FO_SECONDARY };

/* One value of a record set, as zone-file RDATA text ready for ldns_rr_new_frm_str after
 * "OWNER. TTL IN TYPE ": A "10.0.2.10"; AAAA canonical ("fd00::1"); CNAME "www.corp.internal.";
 * MX "10 mail.corp.internal."; SRV "1 5 80 web.corp.internal." (host names absolute, with the
 * final dot); TXT one quoted string "\"v=lab\"" (quotes and backslashes escaped). A and AAAA
 * also come parsed. */
struct vl_dns_value {
	uint32_t a;                  /* A: the address (host byte order) */
	uint8_t aaaa[16];            /* AAAA: the address (network byte order, as inet_pton) */
	char text[VL_DNS_TEXT_MAX];
};

/* A record set: (owner name, type) with its values, or an alias, or one half of a failover
 * pair (the two halves are two record sets with the same name and type, primary first). */
struct vl_dns_record {
	char name[VL_DNS_NAME_MAX];  /* owner, fully qualified: "db.corp.internal"; apex = zone */
	uint16_t zone;               /* tables.zones index */
	uint8_t type;                /* enum vl_rr_type */
	uint8_t failover;            /* enum vl_failover */
	uint32_t ttl;                /* seconds; VL_DNS_ALIAS_TTL for an alias */
	uint16_t alias;              /* tables.lbs index (type A only): answer its nodes' addresses */
	uint16_t health_check;       /* tables.r53_checks index or VL_NONE (failover records only) */
	uint32_t value_first, value_count;   /* into tables.dns_values; 0 values for an alias */
};

/* A private hosted zone. Its record sets are contiguous in tables.records, sorted by owner name
 * (strcmp) then type then failover role, so a lookup may binary-search them. */
struct vl_zone {
	char name[VL_DNS_NAME_MAX];  /* "corp.internal" */
	uint16_t n_vpcs;
	uint16_t vpcs[VL_ZONE_VPCS]; /* associated VPCs (tables.vpcs indexes), ascending */
	uint32_t record_first, record_count;
};

static inline int vl_zone_has_vpc(const struct vl_zone *z, uint16_t vpc)
{
	for (uint16_t i = 0; i < z->n_vpcs && i < VL_ZONE_VPCS; i++)
		if (z->vpcs[i] == vpc)
			return 1;
	return 0;
}

/* A Route 53 health check (top-level `health_checks`). Route 53's rules: healthy after
 * failure_threshold consecutive passes, unhealthy after as many failures; TCP passes when the
 * connection opens within 10 s, HTTP when a 2xx/3xx status arrives within 2 s of connecting. */
struct vl_r53_check {
	char name[VL_NAME_MAX];
	uint32_t ip;
	uint16_t vpc;                /* VL_NONE: checked from the internet side (a public address);
				      * else the VPC whose CIDR holds ip, checked from inside it */
	uint16_t port;
	uint8_t proto;               /* enum vl_hc_proto (tables_lb.h): VL_HC_TCP or VL_HC_HTTP */
	uint8_t failure_threshold;   /* 1..10, default 3 */
	uint16_t interval_s;         /* 10 or 30 (default 30) */
	char path[128];              /* HTTP: the request path ("/" by default) */
};


/* The resolver on the packet path (reference aws-elb §4). One port of kind VL_PORT_RESOLVER,
 * named VL_RESOLVER_NAME (a reserved name), in namespace LAB-amazon-dns, holds the lab's
 * resolver: an internet host at 192.0.2.53 (the internet's resolver: internet hosts and anything
 * that routes to the internet reach it as any internet host) which also owns, by a local route,
 * 169.254.253.0/24: one address per VPC and per address the VPC asks at. The router
 *  - takes a UDP/TCP packet to port 53 from a VPC's interface (instance or load balancer node)
 *    to the VPC's base+2 or 169.254.169.253, before security groups and ACLs (AWS filters
 *    neither), and sends it to the resolver port with its destination rewritten to
 *    vl_resolver_addr(vpc, at) (dropped DNS_DISABLED when the VPC's dns_support is off,
 *    DNS_THROTTLED past VL_RESOLVER_PPS packets a second from one interface);
 *  - takes a packet from the resolver port whose source is in VL_RESOLVER_NET: the VPC is
 *    vl_resolver_vpc(src); a reply from port 53 gets its source back (base+2 or .253), and it
 *    goes to the interface of that VPC owning the destination, with no security group or ACL;
 *    any other packet from there (a Route 53 health check of a private address) keeps its
 *    source, and the interface's answers to VL_RESOLVER_NET addresses go back to the resolver
 *    port the same way (not filtered either: the lab's checkers stand in for Route 53's). */
#define VL_RESOLVER_NAME "amazon-dns"
#define VL_RESOLVER_PUBLIC 0xC0000235u   /* 192.0.2.53 */
#define VL_RESOLVER_LINK 0xA9FEA9FDu     /* 169.254.169.253 */
#define VL_RESOLVER_NET 0xA9FEFD00u      /* 169.254.253.0/24 */
#define VL_RESOLVER_MAX_VPCS 125         /* VPCs the resolver serves (the first ones) */
#define VL_RESOLVER_PPS 1024u            /* AWS: packets a second per interface to the resolver */

enum vl_resolver_at { VL_AT_BASE2, VL_AT_LINK };

/* 169.254.253.(2 vpc + 2 + at): even = base+2, odd = 169.254.169.253. */
static inline uint32_t vl_resolver_addr(uint16_t vpc, enum vl_resolver_at at)
{
	return VL_RESOLVER_NET | (uint32_t)(2u * vpc + 2u + (unsigned)at);
}

/* The VPC a VL_RESOLVER_NET address stands for, VL_NONE when it stands for none; *at gets
 * which address it stands for. */
static inline uint16_t vl_resolver_vpc(uint32_t a, enum vl_resolver_at *at)
{
	uint32_t x = a & 0xffu;
	if ((a & 0xffffff00u) != VL_RESOLVER_NET || x < 2 || (x - 2u) / 2u >= VL_RESOLVER_MAX_VPCS)
		return 0xffffu;
	if (at)
		*at = (x & 1u) ? VL_AT_LINK : VL_AT_BASE2;
	return (uint16_t)((x - 2u) / 2u);
}

#endif
