/* A lab for the resolver's tests (test_dns_*.c, tests/fuzz/fuzz_dns.c), built by hand as
 * compile lays the tables out (records sorted by name, type, failover role inside each zone).
 * Plain C (no Check): the fuzz target shares it. VPCs: main 10.0.0.0/16, other 10.0.0.0/16
 * (overlapping on purpose), off (DNS support off), nohost (hostnames off). Instances web
 * 10.0.1.10 (public 203.0.113.10), db 10.0.2.10, twin 10.0.1.10 in other (public 203.0.113.11),
 * nh 10.1.0.10 in nohost (public 203.0.113.20); internet host ext. Load balancers web-alb
 * (internet-facing, nodes 10.0.1.100/203.0.113.100 and 10.0.2.100/203.0.113.101) and api-nlb
 * (internal, node 10.0.1.200). Zones: corp.internal (main), a.corp.internal (main, more
 * specific), corp.internal again for other; health check app-hc. */
#ifndef VPCLAB_TEST_DNS_FIXTURE_H
#define VPCLAB_TEST_DNS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpclab/addr.h"
#include "vpclab/tables.h"

enum { DF_MAIN, DF_OTHER, DF_OFF, DF_NOHOST, DF_NVPCS };
enum { DF_WEB, DF_DB, DF_TWIN, DF_NH, DF_EXT, DF_ALB1, DF_ALB2, DF_NLB1, DF_HOLE, DF_NPORTS };
enum { DF_ALB, DF_NLB };

static inline uint32_t df_ip(const char *s)
{
	uint32_t a = 0;
	if (addr_parse(s, &a) < 0)
		abort();
	return a;
}

static inline void df_port(struct vl_tables *t, int i, const char *name, uint8_t kind, uint16_t vpc,
			   const char *ip, const char *pub)
{
	struct vl_port *p = &t->ports[i];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->kind = kind;
	p->vpc = vpc;
	p->subnet = vpc == VL_NONE ? VL_NONE : 0;
	p->ip = df_ip(ip);
	p->public_ip = pub ? df_ip(pub) : 0;
	p->lb = VL_NONE;
	p->eip = VL_NONE;
}

/* One record set with up to three values; alias and health check VL_NONE unless given. */
struct df_rec {
	const char *name;
	uint8_t type, failover;
	uint16_t alias, hc;
	const char *v[3];
};

static inline int df_rec_cmp(const void *a, const void *b)
{
	const struct vl_dns_record *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->type != y->type)
		return x->type - y->type;
	return x->failover - y->failover;
}

static inline void df_zone(struct vl_tables *t, uint16_t z, const char *name, uint16_t vpc,
			   const struct df_rec *recs, size_t n)
{
	struct vl_zone *zz = &t->zones[z];
	snprintf(zz->name, sizeof(zz->name), "%s", name);
	zz->n_vpcs = 1;
	zz->vpcs[0] = vpc;
	zz->record_first = t->n_records;
	zz->record_count = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct vl_dns_record *r = &t->records[t->n_records++];
		if (!strcmp(recs[i].name, "@"))
			snprintf(r->name, sizeof(r->name), "%s", name);
		else
			snprintf(r->name, sizeof(r->name), "%s.%s", recs[i].name, name);
		r->zone = z;
		r->type = recs[i].type;
		r->failover = recs[i].failover;
		r->alias = recs[i].alias ? (uint16_t)(recs[i].alias - 1) : (uint16_t)VL_NONE;   /* 0 = none, k = lb k-1 */
		r->health_check = recs[i].hc ? (uint16_t)(recs[i].hc - 1) : (uint16_t)VL_NONE;  /* 0 = none, k = check k-1 */
		r->ttl = r->alias != VL_NONE ? VL_DNS_ALIAS_TTL : VL_DNS_DEFAULT_TTL;
		r->value_first = t->n_dns_values;
		for (int v = 0; v < 3 && recs[i].v[v]; v++) {
			struct vl_dns_value *val = &t->dns_values[t->n_dns_values++];
			snprintf(val->text, sizeof(val->text), "%s", recs[i].v[v]);
			if (r->type == VL_RR_A)
				val->a = df_ip(recs[i].v[v]);
			r->value_count++;
		}
	}
	qsort(&t->records[zz->record_first], n, sizeof(struct vl_dns_record), df_rec_cmp);
}

#define DF_X10 "xxxxxxxxxx"
#define DF_X50 DF_X10 DF_X10 DF_X10 DF_X10 DF_X10
#define DF_TXT250 "\"" DF_X50 DF_X50 DF_X50 DF_X50 DF_X50 "\""   /* 3 of them pass 512 bytes */
#define DF_LONG(i, next) {"long" #i, VL_RR_CNAME, 0, 0, 0, {next}}

static inline struct vl_tables *df_tables(const char *region)
{
	static const struct df_rec corp[] = {
		{"@", VL_RR_TXT, 0, 0, 0, {"\"lab\""}},
		{"*.wild", VL_RR_A, 0, 0, 0, {"10.0.9.9"}},
		{"_http._tcp", VL_RR_SRV, 0, 0, 0, {"1 5 80 web.corp.internal."}},
		{"api", VL_RR_CNAME, 0, 0, 0, {"www.corp.internal."}},
		{"app", VL_RR_A, VL_FO_SECONDARY, 0, 2, {"10.0.1.31"}},
		{"app", VL_RR_A, VL_FO_PRIMARY, 0, 1, {"10.0.1.30"}},
		{"db", VL_RR_A, 0, 0, 0, {"10.0.2.10"}},
		{"db", VL_RR_AAAA, 0, 0, 0, {"fd00::10"}},
		{"deep.ent", VL_RR_A, 0, 0, 0, {"10.0.3.3"}},
		{"ext", VL_RR_CNAME, 0, 0, 0, {"ec2-203-0-113-10.compute-1.amazonaws.com."}},
		{"gone", VL_RR_CNAME, 0, 0, 0, {"nothing.corp.internal."}},
		{"multi", VL_RR_A, 0, 0, 0, {"10.0.7.1", "10.0.7.2", "10.0.7.3"}},
		{"loop1", VL_RR_CNAME, 0, 0, 0, {"loop2.corp.internal."}},
		{"loop2", VL_RR_CNAME, 0, 0, 0, {"LOOP1.corp.internal."}},
		{"mail", VL_RR_MX, 0, 0, 0, {"10 mx.corp.internal."}},
		{"nlb", VL_RR_CNAME, 0, 0, 0, {"api-nlb-0123456789.elb.us-east-1.amazonaws.com."}},
		{"www", VL_RR_A, 0, DF_ALB + 1, 0, {NULL}},
		{"y.a", VL_RR_A, 0, 0, 0, {"10.0.6.6"}},
		DF_LONG(0, "long1.corp.internal."), DF_LONG(1, "long2.corp.internal."),
		DF_LONG(2, "long3.corp.internal."), DF_LONG(3, "long4.corp.internal."),
		DF_LONG(4, "long5.corp.internal."), DF_LONG(5, "long6.corp.internal."),
		DF_LONG(6, "long7.corp.internal."), DF_LONG(7, "long8.corp.internal."),
		DF_LONG(8, "long9.corp.internal."), DF_LONG(9, "db.corp.internal."),
		{"big", VL_RR_TXT, 0, 0, 0, {DF_TXT250, DF_TXT250, DF_TXT250}},
	};
	static const struct df_rec sub[] = {
		{"x", VL_RR_A, 0, 0, 0, {"10.0.5.5"}},
	};
	static const struct df_rec other[] = {
		{"db", VL_RR_A, 0, 0, 0, {"10.9.9.9"}},
	};
	struct vl_tables *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	snprintf(t->lab, sizeof(t->lab), "dnslab");
	snprintf(t->region, sizeof(t->region), "%s", region);
	t->n_vpcs = DF_NVPCS;
	t->vpcs = calloc(DF_NVPCS, sizeof(*t->vpcs));
	const char *vn[] = {"main", "other", "off", "nohost"};
	const char *vc[] = {"10.0.0.0/16", "10.0.0.0/16", "10.2.0.0/16", "10.1.0.0/16"};
	for (int i = 0; i < DF_NVPCS; i++) {
		snprintf(t->vpcs[i].name, sizeof(t->vpcs[i].name), "%s", vn[i]);
		if (prefix_parse(vc[i], &t->vpcs[i].cidr, false) < 0)
			abort();
		t->vpcs[i].dns_support = i != DF_OFF;
		t->vpcs[i].dns_hostnames = i != DF_OFF && i != DF_NOHOST;
	}
	t->n_ports = DF_NPORTS;
	t->ports = calloc(DF_NPORTS, sizeof(*t->ports));
	df_port(t, DF_WEB, "web", VL_PORT_INSTANCE, DF_MAIN, "10.0.1.10", "203.0.113.10");
	df_port(t, DF_DB, "db", VL_PORT_INSTANCE, DF_MAIN, "10.0.2.10", NULL);
	df_port(t, DF_TWIN, "twin", VL_PORT_INSTANCE, DF_OTHER, "10.0.1.10", "203.0.113.11");
	df_port(t, DF_NH, "nh", VL_PORT_INSTANCE, DF_NOHOST, "10.1.0.10", "203.0.113.20");
	df_port(t, DF_EXT, "ext", VL_PORT_INET_HOST, VL_NONE, "198.51.100.10", NULL);
	df_port(t, DF_ALB1, "web-alb", VL_PORT_LB_NODE, DF_MAIN, "10.0.1.100", "203.0.113.100");
	df_port(t, DF_ALB2, "web-alb", VL_PORT_LB_NODE, DF_MAIN, "10.0.2.100", "203.0.113.101");
	df_port(t, DF_NLB1, "api-nlb", VL_PORT_LB_NODE, DF_MAIN, "10.0.1.200", NULL);
	t->ports[DF_ALB1].lb = t->ports[DF_ALB2].lb = DF_ALB;
	t->ports[DF_NLB1].lb = DF_NLB;
	/* DF_HOLE stays empty: a removed instance's slot */
	t->n_lbs = 2;
	t->lbs = calloc(2, sizeof(*t->lbs));
	snprintf(t->lbs[DF_ALB].name, VL_NAME_MAX, "web-alb");
	snprintf(t->lbs[DF_ALB].dns, sizeof(t->lbs[DF_ALB].dns), "web-alb-1a2b3c4d5e6f7a8b.elb.%s.amazonaws.com", region);
	t->lbs[DF_ALB].internet_facing = 1;
	t->lbs[DF_ALB].type = VL_LB_APPLICATION;
	t->lbs[DF_ALB].node_first = 0;
	t->lbs[DF_ALB].node_count = 2;
	snprintf(t->lbs[DF_NLB].name, VL_NAME_MAX, "api-nlb");
	snprintf(t->lbs[DF_NLB].dns, sizeof(t->lbs[DF_NLB].dns), "api-nlb-0123456789.elb.%s.amazonaws.com", region);
	t->lbs[DF_NLB].node_first = 2;
	t->lbs[DF_NLB].node_count = 1;
	t->n_lb_nodes = 3;
	t->lb_nodes = calloc(3, sizeof(uint16_t));
	t->lb_nodes[0] = DF_ALB1, t->lb_nodes[1] = DF_ALB2, t->lb_nodes[2] = DF_NLB1;
	t->n_r53_checks = 2;
	t->r53_checks = calloc(2, sizeof(*t->r53_checks));
	snprintf(t->r53_checks[0].name, VL_NAME_MAX, "app-hc");
	snprintf(t->r53_checks[1].name, VL_NAME_MAX, "app2-hc");
	size_t nrec = sizeof(corp) / sizeof(corp[0]) + 2;
	t->n_zones = 3;
	t->zones = calloc(3, sizeof(*t->zones));
	t->records = calloc(nrec, sizeof(*t->records));
	t->dns_values = calloc(nrec * 3, sizeof(*t->dns_values));
	if (!t->vpcs || !t->ports || !t->lbs || !t->lb_nodes || !t->r53_checks || !t->zones || !t->records ||
	    !t->dns_values)
		abort();
	df_zone(t, 0, "corp.internal", DF_MAIN, corp, sizeof(corp) / sizeof(corp[0]));
	df_zone(t, 1, "a.corp.internal", DF_MAIN, sub, 1);
	df_zone(t, 2, "corp.internal", DF_OTHER, other, 1);
	return t;
}

#endif
