/* Shared between the resolver's parts (dns_resolve.c, dns_zone.c); not for other callers. */
#ifndef VPCLAB_DNS_IMPL_H
#define VPCLAB_DNS_IMPL_H

#include "control/dns/dns_resolve.h"

/* Route 53's SOA of a private hosted zone: its negative answers carry it (RFC 2308). */
#define DNS_ZONE_SOA "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"
#define DNS_ZONE_SOA_TTL 900
/* and the name servers Route 53 lists at a private zone's apex */
#define DNS_ZONE_NS {"ns-1536.awsdns-00.co.uk.", "ns-0.awsdns-00.com.", "ns-1024.awsdns-00.org.", \
		     "ns-512.awsdns-00.net."}
#define DNS_ZONE_NS_TTL 172800

/* Appends the A records of load balancer lb's nodes that are up (all of them when none is) under
 * owner: public addresses for an internet-facing one, private ones for an internal one. Returns
 * how many, or -ENOMEM; *up says how many nodes were up. */
int dns_lb_addresses(const struct dns_db *db, uint16_t lb, const char *owner,
		     const struct dns_health *h, struct dns_result *r, unsigned *up);

/* Answers name (canonical, inside zone z) from the zone's record sets into r, filling st. When
 * the answer is a CNAME the question did not ask for, its target is written to next (else next
 * is ""). 0 or -ENOMEM. */
int dns_zone_lookup(const struct dns_db *db, uint16_t z, const char *name, uint16_t qtype,
		    const struct dns_health *h, struct dns_result *r, struct dns_step *st,
		    char *next, size_t next_cap);

/* Writes a step's explanation (printf-style; cut to fit). */
void dns_why(struct dns_step *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends "; TEXT" to a step's explanation. */
void dns_why_more(struct dns_step *st, const char *text);

#endif
