/* The resolver's attributes and Route 53 in the lab model (load_dns.c, check_dns.c,
 * check_dns_value.c, compile_dns.c): a lab with zones, records of every type, an alias and a
 * failover pair compiles into tables_dns.h with Route 53's defaults and values as RDATA text;
 * every check reports its error at the right FILE:LINE:COL; `vpclab check` prints the zones.
 * The plan of a change is tests/unit/labs/diff/dns.*. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/lab/check.h"
#include "labtest.h"

Suite *suite_dns_model(void);

/* Lines 1-13: two VPCs (the second with DNS support off), an instance, a network load
 * balancer; lines 14-15 (HCS): one health check on a public address. What a test adds starts
 * at line 16. */
#define BASE                                                                                 \
	"name: dns\n"                                                                        \
	"vpcs:\n"                                                                            \
	"  - name: main\n"                                                                   \
	"    cidr: 10.0.0.0/16\n"                                                            \
	"    subnets:\n"                                                                     \
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"                                    \
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"                                    \
	"    instances: [ { name: web, subnet: a, ip: 10.0.1.30 } ]\n"                       \
	"    target_groups: [ { name: tg, protocol: tcp, port: 80, targets: [web] } ]\n"     \
	"    load_balancers: [ { name: nlb, type: network, subnets: [a, b], listeners: [ { protocol: tcp, port: 80, forward: tg } ] } ]\n" \
	"  - name: off\n"                                                                    \
	"    cidr: 10.1.0.0/16\n"                                                            \
	"    dns: { support: false }\n"
#define HCS                                                                                  \
	"health_checks:\n"                                                                   \
	"  - { name: hc, ip: 203.0.113.30 }\n"

/* Lines 16-19: a zone of main; a test's records start at line 20. */
#define ZONE                                                                                 \
	"hosted_zones:\n"                                                                    \
	"  - name: Corp.Internal.\n"                                                         \
	"    vpcs: [main]\n"                                                                 \
	"    records:\n"

#define LAB                                                                                  \
	BASE HCS ZONE                                                                            \
	"      - { name: www, type: A, alias: nlb }\n"                                       \
	"      - { name: db, type: A, values: [10.0.2.10, 10.0.2.11], ttl: 60 }\n"           \
	"      - { name: app, type: A, failover: secondary, values: [10.0.1.31] }\n"         \
	"      - { name: app, type: A, failover: primary, values: [10.0.1.30], health_check: hc }\n" \
	"      - { name: \"@\", type: TXT, values: ['say \"hi\" \\ bye', two] }\n"             \
	"      - { name: \"@\", type: MX, values: [\"10 Mail.corp.internal\"] }\n"           \
	"      - { name: _http._tcp, type: SRV, values: [\"1 5 8080 web.corp.internal.\"] }\n" \
	"      - { name: api, type: CNAME, values: [www.corp.internal] }\n"                  \
	"      - { name: v6, type: aaaa, values: [\"FD00:0:0::0001\"] }\n"                   \
	"      - { name: abs.corp.internal., type: A, values: [10.0.2.12] }\n"               \
	"  - name: other.internal\n"                                                         \
	"    vpcs: [main]\n"                                                                 \
	"    records: []\n"                                                                  \
	"  - { name: empty.internal, vpcs: [main] }\n"                                       \
	"  - { name: hc2.internal, vpcs: [main], records: [ { name: x, type: A, failover: primary, values: [10.0.1.1], health_check: tcp }, { name: x, type: A, failover: secondary, values: [10.0.1.2] } ] }\n" \
	"  - { name: z, vpcs: [main] }\n"                                                    \
	"  - { name: y, vpcs: [main] }\n"                                                    \
	"  - { name: w, vpcs: [main] }\n"                                                    \
	"  - { name: v, vpcs: [main] }\n"                                                    \
	"  - { name: u, vpcs: [main] }\n"                                                    \
	"  - { name: t, vpcs: [main] }\n"                                                    \
	"  - { name: s, vpcs: [main] }\n"

static struct vl_tables *compile_text(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static const struct vl_dns_record *rec(const struct vl_tables *t, const char *name, uint8_t type,
				       uint8_t role)
{
	for (uint32_t i = 0; i < t->n_records; i++)
		if (!strcmp(t->records[i].name, name) && t->records[i].type == type &&
		    t->records[i].failover == role)
			return &t->records[i];
	ck_abort_msg("no record %s %s", name, vl_rr_name(type));
	return NULL;
}

static const char *val(const struct vl_tables *t, const struct vl_dns_record *r, uint32_t k)
{
	ck_assert_uint_lt(k, r->value_count);
	return t->dns_values[r->value_first + k].text;
}

START_TEST(zones_records_and_values)
{
	struct lt r = { 0 };
	char yaml[8192];
	/* A second health check (tcp, in the VPC) for hc2.internal's failover pair. */
	snprintf(yaml, sizeof(yaml), "%s", LAB);
	char *p = strstr(yaml, "  - { name: hc, ip: 203.0.113.30 }\n");
	ck_assert_ptr_nonnull(p);
	memmove(p + 57, p, strlen(p) + 1);
	memcpy(p, "  - { name: tcp, ip: 10.0.1.1, protocol: tcp, port: 22 }\n", 57);
	struct vl_tables *t = compile_text(&r, yaml);
	ck_assert_str_eq(t->region, "us-east-1");
	/* VPC attributes: both on by default; support off takes hostnames with it. */
	ck_assert_uint_eq(t->vpcs[0].dns_support, 1);
	ck_assert_uint_eq(t->vpcs[0].dns_hostnames, 1);
	ck_assert_uint_eq(t->vpcs[1].dns_support, 0);
	ck_assert_uint_eq(t->vpcs[1].dns_hostnames, 0);
	/* Zones in file order, lower-case without the final dot, their VPCs. */
	ck_assert_uint_eq(t->n_zones, 11);
	const struct vl_zone *z = &t->zones[0];
	ck_assert_str_eq(z->name, "corp.internal");
	ck_assert_uint_eq(z->n_vpcs, 1);
	ck_assert_uint_eq(z->vpcs[0], 0);
	ck_assert(vl_zone_has_vpc(z, 0));
	ck_assert(!vl_zone_has_vpc(z, 1));
	ck_assert_uint_eq(z->record_first, 0);
	ck_assert_uint_eq(z->record_count, 10);
	ck_assert_uint_eq(t->zones[1].record_count, 0);
	ck_assert_uint_eq(t->zones[3].record_first, 10);
	ck_assert_uint_eq(t->zones[3].record_count, 2);
	ck_assert_uint_eq(t->n_records, 12);
	/* Sorted by name, then type, then failover role (primary first). */
	for (uint32_t i = z->record_first + 1; i < z->record_first + z->record_count; i++) {
		const struct vl_dns_record *a = &t->records[i - 1], *b = &t->records[i];
		int c = strcmp(a->name, b->name);
		ck_assert_msg(c < 0 || (c == 0 && (a->type < b->type ||
			      (a->type == b->type && a->failover < b->failover))),
			      "records %u and %u out of order", i - 1, i);
		ck_assert_uint_eq(b->zone, 0);
	}
	/* An alias: the load balancer, no values, ELB's TTL. */
	const struct vl_dns_record *x = rec(t, "www.corp.internal", VL_RR_A, VL_FO_NONE);
	ck_assert_uint_eq(x->alias, 0);
	ck_assert_str_eq(t->lbs[x->alias].name, "nlb");
	ck_assert_uint_eq(x->value_count, 0);
	ck_assert_uint_eq(x->ttl, VL_DNS_ALIAS_TTL);
	ck_assert_uint_eq(x->health_check, VL_NONE);
	/* A: parsed and as text; ttl as given. */
	x = rec(t, "db.corp.internal", VL_RR_A, VL_FO_NONE);
	ck_assert_uint_eq(x->ttl, 60);
	ck_assert_uint_eq(x->alias, VL_NONE);
	ck_assert_uint_eq(x->value_count, 2);
	ck_assert_str_eq(val(t, x, 0), "10.0.2.10");
	ck_assert_uint_eq(t->dns_values[x->value_first + 1].a, 0x0a00020bu);
	/* Failover: primary with its health check, secondary without. */
	x = rec(t, "app.corp.internal", VL_RR_A, VL_FO_PRIMARY);
	ck_assert_uint_eq(x->ttl, VL_DNS_DEFAULT_TTL);
	ck_assert_str_eq(t->r53_checks[x->health_check].name, "hc");
	ck_assert_ptr_eq(x + 1, rec(t, "app.corp.internal", VL_RR_A, VL_FO_SECONDARY));
	ck_assert_uint_eq(x[1].health_check, VL_NONE);
	/* The apex; TXT quoted and escaped; MX and SRV hosts absolute and lower-case. */
	x = rec(t, "corp.internal", VL_RR_TXT, VL_FO_NONE);
	ck_assert_str_eq(val(t, x, 0), "\"say \\\"hi\\\" \\\\ bye\"");
	ck_assert_str_eq(val(t, x, 1), "\"two\"");
	ck_assert_str_eq(val(t, rec(t, "corp.internal", VL_RR_MX, VL_FO_NONE), 0),
			 "10 mail.corp.internal.");
	ck_assert_str_eq(val(t, rec(t, "_http._tcp.corp.internal", VL_RR_SRV, VL_FO_NONE), 0),
			 "1 5 8080 web.corp.internal.");
	ck_assert_str_eq(val(t, rec(t, "api.corp.internal", VL_RR_CNAME, VL_FO_NONE), 0),
			 "www.corp.internal.");
	/* AAAA canonical, and parsed in network order; an absolute owner name. */
	x = rec(t, "v6.corp.internal", VL_RR_AAAA, VL_FO_NONE);
	ck_assert_str_eq(val(t, x, 0), "fd00::1");
	ck_assert_uint_eq(t->dns_values[x->value_first].aaaa[0], 0xfd);
	ck_assert_uint_eq(t->dns_values[x->value_first].aaaa[15], 1);
	rec(t, "abs.corp.internal", VL_RR_A, VL_FO_NONE);
	/* Health checks: Route 53's defaults; where they are made from. */
	ck_assert_uint_eq(t->n_r53_checks, 2);
	const struct vl_r53_check *h = &t->r53_checks[0], *h2 = &t->r53_checks[1];
	ck_assert_str_eq(h->name, "tcp");
	ck_assert_uint_eq(h->proto, VL_HC_TCP);
	ck_assert_uint_eq(h->port, 22);
	ck_assert_str_eq(h->path, "");
	ck_assert_uint_eq(h->vpc, 0);
	ck_assert_str_eq(h2->name, "hc");
	ck_assert_uint_eq(h2->proto, VL_HC_HTTP);
	ck_assert_uint_eq(h2->ip, 0xcb00711eu);
	ck_assert_uint_eq(h2->port, 80);
	ck_assert_str_eq(h2->path, "/");
	ck_assert_uint_eq(h2->interval_s, 30);
	ck_assert_uint_eq(h2->failure_threshold, 3);
	ck_assert_uint_eq(h2->vpc, VL_NONE);
	ck_assert_uint_eq(rec(t, "x.hc2.internal", VL_RR_A, VL_FO_PRIMARY)->health_check, 0);
	ck_assert_uint_eq(r.warnings, 1);   /* tcp checks a private address: Route 53 cannot */
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(a_lab_without_zones_has_no_dns_arrays)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, "region: eu-west-3\n" BASE HCS);
	ck_assert_str_eq(t->region, "eu-west-3");
	ck_assert_uint_eq(t->n_zones, 0);
	ck_assert_uint_eq(t->n_records, 0);
	ck_assert_ptr_null(t->zones);
	ck_assert_ptr_null(t->records);
	ck_assert_ptr_null(t->dns_values);
	ck_assert_uint_eq(t->n_r53_checks, 1);
	ck_assert(lab_has_zones(r.m));   /* a health check alone is Route 53 too */
	vl_tables_free(t);
	lt_done(&r);
	lt_run(&r, "vpcs: [ { name: v, cidr: 10.0.0.0/16, dns: { support: true, hostnames: false } } ]\n");
	ck_assert_msg(r.errors == 0, "%s", r.out);
	ck_assert(!lab_has_zones(r.m));
	t = lab_compile(r.m);
	ck_assert_uint_eq(t->vpcs[0].dns_support, 1);
	ck_assert_uint_eq(t->vpcs[0].dns_hostnames, 0);
	ck_assert_ptr_null(t->r53_checks);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(check_prints_zones_and_health_checks)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE HCS ZONE
		"      - { name: app, type: A, failover: primary, values: [10.0.1.30], health_check: hc }\n"
		"      - { name: app, type: A, failover: secondary, values: [10.0.1.31] }\n"
		"      - { name: www, type: A, alias: nlb }\n");
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	check_print_dns(t, f);
	fclose(f);
	ck_assert_str_eq(s,
		"  hosted zone corp.internal (private, vpcs main): 3 record sets\n"
		"    app.corp.internal 300 A 10.0.1.30 (failover primary, health check hc)\n"
		"    app.corp.internal 300 A 10.0.1.31 (failover secondary)\n"
		"    www.corp.internal 60 A alias nlb\n"
		"  health check hc: http 203.0.113.30:80/ every 30 s, unhealthy after 3 failures, "
		"from the internet\n");
	free(s);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* Names: RFC 1035's lengths, host-name characters, one final dot allowed. */
START_TEST(dns_names)
{
	char out[VL_DNS_NAME_MAX], label[70], longname[300];
	ck_assert_ptr_null(ck_dns_name("A-b_c.Example.", out, sizeof(out)));
	ck_assert_str_eq(out, "a-b_c.example");
	memset(label, 'a', 63);
	label[63] = '\0';
	ck_assert_ptr_null(ck_dns_name(label, out, sizeof(out)));
	label[63] = 'a', label[64] = '\0';
	ck_assert_str_eq(ck_dns_name(label, out, sizeof(out)), "a label is longer than 63 characters");
	/* 4 labels of 63 and one of 1: 253 characters, the most. */
	snprintf(longname, sizeof(longname), "%.63s.%.63s.%.63s.%.59s.a", label, label, label, label);
	ck_assert_uint_eq(strlen(longname), 253);
	ck_assert_ptr_null(ck_dns_name(longname, out, sizeof(out)));
	strcat(longname, "b");
	ck_assert_str_eq(ck_dns_name(longname, out, sizeof(out)), "it is longer than 253 characters");
	ck_assert_str_eq(ck_dns_name("", out, sizeof(out)), "it is empty");
	ck_assert_str_eq(ck_dns_name(".", out, sizeof(out)), "it is empty");
	ck_assert_str_eq(ck_dns_name("a..b", out, sizeof(out)), "it has an empty label");
	ck_assert_str_eq(ck_dns_name("-a.b", out, sizeof(out)), "a label starts with '-'");
	ck_assert_str_eq(ck_dns_name("a-.b", out, sizeof(out)), "a label ends with '-'");
	ck_assert_str_eq(ck_dns_name("a.b-", out, sizeof(out)), "a label ends with '-'");
	ck_assert_str_eq(ck_dns_name("a b", out, sizeof(out)), "labels are letters, digits, '-' and '_'");
	ck_assert_str_eq(ck_dns_name("*.a", out, sizeof(out)), "wildcard names are not served by the lab");
}
END_TEST

struct bad {
	const char *yaml;   /* from line 16 on */
	const char *want;
};

#define R ZONE "      - "

static const struct bad bad[] = {
	/* The loader: unknown keys, wrong shapes. */
	{ R "{ name: db, type: A, values: [10.0.0.1], vaules: [] }\n",
	  "20:50: error: unknown key 'vaules' in record" },
	{ ZONE "      - { name: db, values: [10.0.0.1] }\n",
	  "20:9: error: missing required key 'type' in record" },
	{ "hosted_zones: [ { name: a.b, vpc: [main] } ]\n", "16:30: error: unknown key 'vpc' in hosted zone" },
	{ "hosted_zones: { name: a.b }\n", "16:15: error: 'hosted_zones' in lab must be a list, not a mapping" },
	{ "  - { name: h2, ip: 203.0.113.1, intervall: 10 }\n",
	  "16:34: error: unknown key 'intervall' in health check" },
	/* Zones. */
	{ "hosted_zones: [ { name: a..b, vpcs: [main] } ]\n",
	  "16:25: error: hosted zone name 'a..b' is not a valid DNS name: it has an empty label" },
	{ "hosted_zones: [ { name: a.b, vpcs: [nope] } ]\n", "16:37: error: unknown vpc 'nope'" },
	{ "hosted_zones: [ { name: a.b, vpcs: [] } ]\n",
	  "16:36: error: a private hosted zone needs at least one vpc (the lab has no public hosted "
	  "zones)" },
	{ "hosted_zones: [ { name: a.b, vpcs: [main, main] } ]\n",
	  "16:43: error: vpc 'main' is listed twice" },
	{ "hosted_zones: [ { name: a.b, vpcs: [off] } ]\n",
	  "16:37: error: private hosted zone 'a.b' needs 'dns: { support: true, hostnames: true }' in "
	  "vpc 'off': AWS answers a private zone only in VPCs with enableDnsSupport and "
	  "enableDnsHostnames" },
	{ "hosted_zones: [ { name: a.b, vpcs: [main] }, { name: A.B., vpcs: [main] } ]\n",
	  "16:54: error: hosted zone 'a.b' is already defined at 16:25" },
	/* Record names. */
	{ R "{ name: db.corp.internal, type: A, values: [10.0.0.1] }\n",
	  "20:17: error: record name 'db.corp.internal' would be 'db.corp.internal.corp.internal': "
	  "names are relative to the zone; write 'db' (or 'db.corp.internal.' with a final dot)" },
	{ R "{ name: corp.internal, type: A, values: [10.0.0.1] }\n",
	  "20:17: error: record name 'corp.internal' would be 'corp.internal.corp.internal': names "
	  "are relative to the zone; write '@' (or 'corp.internal.' with a final dot)" },
	{ R "{ name: db.other., type: A, values: [10.0.0.1] }\n",
	  "20:17: error: record name 'db.other.' is not inside zone 'corp.internal'" },
	{ R "{ name: \"*\", type: A, values: [10.0.0.1] }\n",
	  "20:17: error: record name '*' is not a valid DNS name: wildcard names are not served by "
	  "the lab" },
	/* Types and values. */
	{ R "{ name: db, type: PTR, values: [a.b] }\n",
	  "20:27: error: record type 'PTR' is not one the lab serves (A, AAAA, CNAME, TXT, MX, SRV)" },
	{ R "{ name: db, type: A, values: [10.0.0.256] }\n",
	  "20:39: error: A value '10.0.0.256' is not an ipv4 address" },
	{ R "{ name: db, type: A, values: [10.0.1] }\n",
	  "20:39: error: A value '10.0.1' is not an ipv4 address" },
	{ R "{ name: db, type: AAAA, values: [10.0.0.1] }\n",
	  "20:42: error: AAAA value '10.0.0.1' is not an ipv6 address" },
	{ R "{ name: db, type: A, values: [10.0.0.1, 10.0.0.1] }\n",
	  "20:49: error: value '10.0.0.1' is already in this record at 20:39" },
	{ R "{ name: db, type: A }\n", "20:9: error: record 'db' needs 'values' (or 'alias')" },
	{ R "{ name: db, type: A, values: [] }\n", "20:38: error: record 'db' needs 'values' (or 'alias')" },
	{ R "{ name: db, type: CNAME, values: [a.b, c.d] }\n",
	  "20:42: error: a CNAME record has exactly one value" },
	{ R "{ name: db, type: CNAME, values: [a..b] }\n",
	  "20:43: error: 'a..b' is not a valid host name in this value: it has an empty label" },
	{ R "{ name: db, type: MX, values: [\"mail.a.b\"] }\n",
	  "20:40: error: MX value 'mail.a.b' is not \"PRIORITY HOST\" (numbers 0..65535)" },
	{ R "{ name: db, type: MX, values: [\"70000 mail.a.b\"] }\n",
	  "20:40: error: MX value '70000 mail.a.b' is not \"PRIORITY HOST\" (numbers 0..65535)" },
	{ R "{ name: db, type: MX, values: [\"10 mail a\"] }\n",
	  "20:40: error: MX value '10 mail a' is not \"PRIORITY HOST\"" },
	{ R "{ name: db, type: SRV, values: [\"1 2 web.a.b\"] }\n",
	  "20:41: error: SRV value '1 2 web.a.b' is not \"PRIORITY WEIGHT PORT HOST\" (numbers "
	  "0..65535)" },
	{ R "{ name: db, type: TXT, values: [\"tab\\there\"] }\n",
	  "20:41: error: TXT value 'tab?here' has a character that is not printable ASCII" },
	{ R "{ name: db, type: A, values: [10.0.0.1], ttl: -1 }\n",
	  "20:55: error: ttl -1 is out of range 0..2147483647" },
	/* One record set per name and type; CNAME alone, never at the apex. */
	{ R "{ name: db, type: A, values: [10.0.0.1] }\n"
	  "      - { name: db, type: A, values: [10.0.0.2] }\n",
	  "21:9: error: record 'db.corp.internal' A is already defined at 20:9 (Route 53 keeps one "
	  "record set per name and type: list its values together)" },
	{ R "{ name: db, type: CNAME, values: [a.b] }\n"
	  "      - { name: db, type: TXT, values: [x] }\n",
	  "21:27: error: 'db.corp.internal' has a CNAME record (at 20:9), and a CNAME is alone at its "
	  "name" },
	{ R "{ name: \"@\", type: CNAME, values: [a.b] }\n",
	  "20:28: error: a CNAME cannot be at the zone apex (RFC 1034; Route 53 offers alias records "
	  "there)" },
	/* Aliases. */
	{ R "{ name: db, type: A, alias: nope }\n",
	  "20:37: error: alias 'nope' is not a load balancer of the lab" },
	{ R "{ name: db, type: AAAA, alias: nlb }\n",
	  "20:27: error: an alias to a load balancer is of type A (the lab's load balancers have "
	  "ipv4 addresses only)" },
	{ R "{ name: db, type: A, alias: nlb, values: [10.0.0.1] }\n",
	  "20:50: error: a record has 'alias' or 'values', not both" },
	{ R "{ name: db, type: A, alias: nlb, ttl: 60 }\n",
	  "20:47: error: an alias record has no ttl: Route 53 answers with the load balancer's (60 s)" },
	/* Failover. */
	{ R "{ name: db, type: A, failover: first, values: [10.0.0.1] }\n",
	  "20:40: error: failover 'first' is not primary or secondary" },
	{ R "{ name: db, type: A, failover: primary, values: [10.0.0.1] }\n"
	  "      - { name: db, type: A, failover: secondary, values: [10.0.0.2] }\n",
	  "20:40: error: a failover primary needs a health_check: without one Route 53 never fails "
	  "over to the secondary" },
	{ R "{ name: db, type: A, failover: primary, values: [10.0.0.1], health_check: hc }\n",
	  "20:9: error: failover primary 'db.corp.internal' A has no secondary" },
	{ R "{ name: db, type: A, failover: secondary, values: [10.0.0.1] }\n",
	  "20:9: error: failover secondary 'db.corp.internal' A has no primary" },
	{ R "{ name: db, type: A, failover: secondary, values: [10.0.0.1] }\n"
	  "      - { name: db, type: A, failover: primary, values: [10.0.0.1], health_check: hc }\n"
	  "      - { name: db, type: A, failover: secondary, values: [10.0.0.2] }\n",
	  "22:9: error: a second failover secondary for 'db.corp.internal' A (the first is at 20:9)" },
	{ R "{ name: db, type: A, failover: primary, values: [10.0.0.1], health_check: hc }\n"
	  "      - { name: db, type: A, failover: secondary, values: [10.0.0.2] }\n"
	  "      - { name: db, type: A, values: [10.0.0.3] }\n",
	  "20:9: error: record 'db.corp.internal' A mixes failover and simple routing (the simple "
	  "one is at 22:9): Route 53 refuses it" },
	{ R "{ name: db, type: A, failover: primary, values: [10.0.0.1], health_check: nope }\n"
	  "      - { name: db, type: A, failover: secondary, values: [10.0.0.2] }\n",
	  "20:83: error: unknown health check 'nope'" },
	{ R "{ name: db, type: A, values: [10.0.0.1], health_check: hc }\n",
	  "20:64: error: a health check goes with a failover record (Route 53: a simple record has "
	  "none)" },
	/* Health checks. */
	{ "  - { name: hc, ip: 203.0.113.9 }\n",
	  "16:13: error: health check 'hc' is already defined at 15:13" },
	{ "  - { name: Hc2, ip: 203.0.113.9 }\n",
	  "16:13: error: health check name 'Hc2' must match [a-z][a-z0-9-]*, at most 15 characters" },
	{ "  - { name: h2, ip: 203.0.113 }\n",
	  "16:21: error: '203.0.113' is not a valid ipv4 address" },
	{ "  - { name: h2, ip: 203.0.113.9, protocol: https }\n",
	  "16:44: error: health check protocol 'https' is not tcp or http" },
	{ "  - { name: h2, ip: 203.0.113.9, protocol: tcp }\n",
	  "16:5: error: tcp health check 'h2' needs a port" },
	{ "  - { name: h2, ip: 203.0.113.9, port: 0 }\n",
	  "16:40: error: health check port 0 is out of range 1..65535" },
	{ "  - { name: h2, ip: 203.0.113.9, protocol: tcp, port: 22, path: / }\n",
	  "16:65: error: 'path' is for http health checks; 'h2' is tcp" },
	{ "  - { name: h2, ip: 203.0.113.9, path: health }\n",
	  "16:40: error: health check path 'health' must start with '/' and have at most 127 "
	  "characters" },
	{ "  - { name: h2, ip: 203.0.113.9, interval: 20 }\n",
	  "16:44: error: health check interval 20 is not 10 or 30 (Route 53's standard and fast "
	  "intervals)" },
	{ "  - { name: h2, ip: 203.0.113.9, failure_threshold: 0 }\n",
	  "16:53: error: failure_threshold 0 is out of range 1..10 (Route 53)" },
};

START_TEST(each_check_at_its_place)
{
	const struct bad *b = &bad[_i];
	char yaml[4096];
	struct lt r = { 0 };
	snprintf(yaml, sizeof(yaml), "%s%s%s", BASE, HCS, b->yaml);
	lt_run(&r, yaml);
	ck_assert_msg(lt_has(&r, b->want), "case %d: want\n  %s\ngot\n%s", _i, b->want, r.out);
	ck_assert_msg(r.errors == 1, "case %d: %d errors:\n%s", _i, r.errors, r.out);
	lt_done(&r);
}
END_TEST

/* A VPC's attributes: BASE's VPCs are fixed, so these bring their own. */
START_TEST(vpc_attributes)
{
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n"
	       "  - { name: v, cidr: 10.9.0.0/16, dns: { support: false, hostnames: true } }\n"
	       "  - { name: w, cidr: 10.8.0.0/16, dns: { resolver: true } }\n"
	       "  - { name: x, cidr: 10.7.0.0/16, dns: { hostnames: maybe } }\n");
	ck_assert_msg(lt_has(&r, "2:69: error: vpc 'v': 'hostnames: true' needs 'support: true' "
			     "(AWS: enableDnsHostnames requires enableDnsSupport)"), "%s", r.out);
	ck_assert_msg(lt_has(&r, "3:42: error: unknown key 'resolver' in vpc dns"), "%s", r.out);
	ck_assert_msg(r.errors == 3, "%s", r.out);
	lt_done(&r);
}
END_TEST

Suite *suite_dns_model(void)
{
	Suite *s = suite_create("dns_model");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, zones_records_and_values);
	tcase_add_test(tc, a_lab_without_zones_has_no_dns_arrays);
	tcase_add_test(tc, check_prints_zones_and_health_checks);
	tcase_add_test(tc, dns_names);
	tcase_add_test(tc, vpc_attributes);
	tcase_add_loop_test(tc, each_check_at_its_place, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	suite_add_tcase(s, tc);
	return s;
}
