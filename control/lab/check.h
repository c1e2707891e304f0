/* The checker's shared context and helpers, private to check.c (names, layout, CIDRs, references),
 * check_rules.c (routes, network ACL and security group rules), check_addr.c (private, public
 * and elastic addresses, the internet, warnings, `checks:`) and check_lb.c (load balancers). */
#ifndef VPCLAB_CHECK_H
#define VPCLAB_CHECK_H

#include "control/lab/model.h"

struct ck {
	struct lab *m;
	struct diag *d;
	/* tables index -> model node, built by the layout (NULL for implicit tables) */
	struct lab_subnet **subnets;
	struct lab_route_table **rts;
	struct lab_instance **instances;
	struct lab_natgw **natgws;
	struct lab_sg **sgs;
	struct lab_tg **tgs;
	struct lab_lb **lbs;
	struct lab_lb_node **nodes;    /* node k is port n_instances + n_hosts + k */
	bool oom;
};

/* For duplicate detection by sorting: key, then position in file order. */
struct ck_key {
	uint64_t key;
	size_t idx;
};

/* Sorts k and calls dup(ctx, later, first) for each entry whose key an earlier idx has. */
void ck_dups(struct ck_key *k, size_t n, void (*dup)(void *ctx, size_t later, size_t first),
	     void *ctx);

/* Messages quote user text through these: bounded and printable. */
#define CK_SHOW(s) lab_show((s), (char[72]){ 0 }, 72)

/* Parses a CIDR: reports "not a valid cidr" or "host bits set; did you mean" at s. */
bool ck_cidr(struct ck *c, const struct lab_str *s, struct prefix4 *out);
/* Parses an IPv4 address, reporting at s. */
bool ck_ip(struct ck *c, const struct lab_str *s, uint32_t *out);
/* The name of VPC v for messages ("?" when it has none). */
const char *ck_vpc_name(const struct ck *c, uint16_t v);
/* Compares a location's order in the file. */
int ck_loc_cmp(struct loc a, struct loc b);

/* A reference of kind found in found_vpc (< 0: no such name) from VPC vpc: gidx, or VL_NONE
 * after reporting "unknown KIND 'x'" or "KIND 'x' is in vpc 'b', not in vpc 'a'" at ref. */
uint16_t ck_resolve(struct ck *c, const struct lab_str *ref, const char *kind, uint16_t vpc,
		    int found_vpc, uint16_t gidx);
/* A security group by name ("default": the VPC's implicit one) in VPC in; VL_NONE if reported. */
uint16_t ck_ref_sg(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in);

void ck_route_tables(struct ck *c, struct lab_vpc *v);
void ck_acls(struct ck *c, struct lab_vpc *v);
void ck_sgs(struct ck *c, struct lab_vpc *v);
void ck_addresses(struct ck *c);
void ck_public(struct ck *c);
void ck_warnings(struct ck *c);
void ck_checks(struct ck *c);
void ck_lbs(struct ck *c);
/* check_asg.c: launch templates, auto scaling groups, their policies (after ck_lbs). */
void ck_asgs(struct ck *c);
/* check_dns.c: VPC DNS attributes, hosted zones, records, Route 53 health checks (after ck_lbs). */
void ck_dns_all(struct ck *c);
/* check_dns_value.c: a DNS name s -> out (lower-case, no final dot): NULL, or why it is not one. */
const char *ck_dns_name(const char *s, char *out, size_t cap);
/* One value of a record of type (enum vl_rr_type) -> out, reporting at v; false if reported. */
bool ck_dns_value(struct ck *c, uint8_t type, const struct lab_str *v, struct lab_dns_value *out);

/* check_lb.c, for check_lb_rules.c: v in [lo, hi], else "KEY V is out of range LO..HI" at v
 * (unset: true); a forward action's target group (VL_NONE after reporting). */
bool ck_range(struct ck *c, const struct lab_int *v, const char *key, long long lo, long long hi);
uint16_t ck_lb_forward(struct ck *c, const struct lab_str *ref, struct lab_lb *b,
		       const struct lab_listener *x);
/* check_lb_rules.c: rule i of application listener x of b. */
void ck_lb_rule(struct ck *c, struct lab_lb *b, struct lab_listener *x, size_t i);

#endif
