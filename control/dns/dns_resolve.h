/* The VPC resolver's answer engine without the wire format: a question (name, type) asked from a
 * VPC or from the internet, against one snapshot of the tables (dns_db.h) and the health the
 * router observes, gives the records AWS's resolver would answer, the response code, and which
 * record decided (the explain steps `vpclab dns` prints). dns_wire.c wraps it in DNS messages.
 * Order (AWS): the most specific private hosted zone associated with the asking VPC; else the
 * names AWS makes (instances' private and public names, PTR, load balancers), the lab's short
 * instance names; else NXDOMAIN. CNAMEs are followed through all of these, DNS_CHAIN_MAX deep. */
#ifndef VPCLAB_DNS_RESOLVE_H
#define VPCLAB_DNS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "control/dns/dns_db.h"

#define DNS_FROM_INTERNET VL_NONE  /* the asker: an internet host (the lab's public resolver) */
#define DNS_CHAIN_MAX 8            /* CNAMEs followed before SERVFAIL (BIND follows 16, unbound 11) */
#define DNS_INSTANCE_TTL 60        /* instances' names; load balancers' use VL_DNS_ALIAS_TTL */

/* Response codes (RFC 1035 4.1.1) and the types the engine knows besides tables_dns.h's. */
enum { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3, DNS_NOTIMP = 4,
       DNS_REFUSED = 5 };
enum { DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12, DNS_T_MX = 15,
       DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33, DNS_T_ANY = 255 };

/* What the router knows about health. Route 53's checks by tables.r53_checks index; a load
 * balancer's node answers while it may take traffic (AWS: its zone has a healthy target, or no
 * zone of the load balancer has one: then every node, failing open). */
struct dns_health {
	const uint8_t *check_ok;     /* [n_r53_checks]: nonzero = passing; NULL: every check passes */
	int (*lb_node_up)(void *ctx, uint16_t lb, uint16_t port);  /* NULL: every node is up */
	void *ctx;
};

/* One resource record, ready for zone-file parsing: "OWNER. TTL IN TYPE RDATA". */
struct dns_rr {
	char owner[VL_DNS_NAME_MAX]; /* canonical: lower-case, no final dot */
	uint16_t type;               /* wire number */
	uint32_t ttl;
	char rdata[VL_DNS_TEXT_MAX];
};

/* Where a step's answer came from. */
enum dns_src {
	DNS_SRC_NONE,        /* nothing the resolver knows holds the name: NXDOMAIN */
	DNS_SRC_ZONE,        /* a private hosted zone (record, or the zone's NXDOMAIN/NODATA) */
	DNS_SRC_PRIVATE,     /* an instance's private name ip-…internal */
	DNS_SRC_PUBLIC,      /* an instance's public name ec2-…amazonaws.com */
	DNS_SRC_PTR,         /* a reverse name of an instance's private or public address */
	DNS_SRC_LB,          /* a load balancer's DNS name */
	DNS_SRC_SHORT,       /* the lab's short instance name */
};

/* One name looked up: the question's, then each CNAME target's. */
struct dns_step {
	char name[VL_DNS_NAME_MAX];
	uint8_t src;                 /* enum dns_src */
	uint8_t rcode;               /* this name's outcome (NOERROR with no records = NODATA) */
	uint16_t zone;               /* DNS_SRC_ZONE: tables.zones index, else VL_NONE */
	uint32_t record;             /* the tables.records entry that answered, or UINT32_MAX */
	uint16_t port, lb;           /* the instance or load balancer that answered, or VL_NONE */
	char why[256];               /* one line for people: what decided and why */
};

struct dns_result {
	uint8_t rcode;
	uint16_t qtype;
	struct dns_rr *an, *ns;      /* answer and authority records (malloc'd; dns_result_fini) */
	uint32_t n_an, n_ns, cap_an, cap_ns;
	uint32_t n_steps;
	struct dns_step steps[DNS_CHAIN_MAX + 1];
	char note[128];              /* what ended the chain early (a loop, too long), else "" */
};

/* Answers (name, qtype) asked from VPC `vpc` (tables.vpcs index) or DNS_FROM_INTERNET, into r
 * (initialised here; the caller runs dns_result_fini whatever the return). name is a
 * presentation name in any case, final dot optional; h may be NULL (everything healthy).
 * Returns 0 (r->rcode says NOERROR, NXDOMAIN, SERVFAIL ...), -ENETUNREACH when the VPC's DNS
 * support is off (nothing answers there: r->steps[0].why says so), -EINVAL for a bad vpc,
 * -ENOMEM. */
int dns_resolve(const struct dns_db *db, const char *name, uint16_t qtype, uint16_t vpc,
		const struct dns_health *h, struct dns_result *r);
void dns_result_fini(struct dns_result *r);

/* Appends one record to r's answer (an) or authority (ns) section. 0 or -ENOMEM. */
int dns_result_add(struct dns_result *r, int authority, const char *owner, uint16_t type,
		   uint32_t ttl, const char *rdata);

/* The names instance port i has (what `status` and `vpclab dns` list): its private name and its
 * public name, each "" when it has none (its VPC's hostnames off; no public IP). 0, or -EINVAL
 * when i is no instance. */
int dns_instance_names(const struct vl_tables *t, uint16_t i, char priv[VL_DNS_NAME_MAX],
		       char pub[VL_DNS_NAME_MAX]);

/* The explanation as text for people, one line per step then the outcome, into buf[cap]
 * (cut when short). Returns buf. */
const char *dns_explain(const struct dns_result *r, char *buf, size_t cap);

/* "A", "NXDOMAIN" ...: mnemonics of a type and a response code ("TYPE65" style for others;
 * the buffer holds 16 bytes). */
const char *dns_type_name(uint16_t type, char buf[16]);
const char *dns_rcode_name(uint8_t rcode);

#endif
