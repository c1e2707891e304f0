/* The lab model of the VPC resolver's attributes and Route 53 (rule-file.md "The VPC resolver
 * and Route 53"): a VPC's `dns:`, top-level `hosted_zones:` and `health_checks:`. Loaded by
 * load_dns.c, checked by check_dns.c, compiled by compile_dns.c into tables_dns.h. Included by
 * model.h (struct lab and struct lab_vpc hold these); fields under "check:" are lab_check's. */
#ifndef VPCLAB_MODEL_DNS_H
#define VPCLAB_MODEL_DNS_H

/* A VPC's `dns: { support, hostnames }` (AWS's enableDnsSupport, enableDnsHostnames). */
struct lab_vpc_dns {
	struct loc at;
	struct lab_bool support, hostnames;
	bool set;
};

/* The attributes in effect: both default on (a VPC made in the console); `support: false`
 * alone turns hostnames off too, as hostnames need support. */
static inline bool lab_vpc_dns_support(const struct lab_vpc_dns *d)
{
	return !d->support.set || d->support.v;
}

static inline bool lab_vpc_dns_hostnames(const struct lab_vpc_dns *d)
{
	return d->hostnames.set ? d->hostnames.v : lab_vpc_dns_support(d);
}

/* One value of a record, checked: what compile copies into struct vl_dns_value. */
struct lab_dns_value {
	uint32_t a;
	uint8_t aaaa[16];
	const char *text;              /* RDATA presentation (tables_dns.h) */
};

struct lab_record {
	struct loc at;
	struct lab_str name, type, alias, failover, health_check;
	struct lab_names values;
	struct lab_int ttl;
	char *fqdn;                    /* check: the owner, fully qualified, lower-case */
	uint8_t rtype;                 /* check: enum vl_rr_type (valid when type_ok) */
	bool type_ok;
	uint8_t role;                  /* check: enum vl_failover */
	uint16_t lb, hc;               /* check: tables.lbs / tables.r53_checks index or VL_NONE */
	struct lab_dns_value *vals;    /* check: values.n of them */
	uint16_t zone;                 /* check: its zone's index */
};

struct lab_zone {
	struct loc at;
	struct lab_str name;
	struct lab_names vpcs;
	struct lab_record *records;
	size_t n_records;
	char *fqdn;                    /* check: the name, lower-case, without the final dot */
	uint16_t vpc_idx[VL_ZONE_VPCS];/* check: associated VPCs, ascending */
	uint16_t n_vpc_idx;
	uint16_t gidx;                 /* check: position in the file */
	size_t *order;                 /* check: records by fqdn, type, failover role (tables order) */
};

struct lab_r53_check {
	struct loc at;
	struct lab_str name, ip, protocol, path;
	struct lab_int port, interval, failure_threshold;
	uint16_t gidx;                 /* check: tables.r53_checks index (file order) */
	uint32_t addr;                 /* check: */
	uint16_t vpc;                  /* check: the VPC whose CIDR holds addr, or VL_NONE */
	uint8_t proto;                 /* check: enum vl_hc_proto */
};

#endif
