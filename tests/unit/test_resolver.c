/* control/router/resolver_snap.c: the resolver's snapshot (its own copy of the tables, alive
 * after the router freed its own; health copied in; shared lab part counted), Route 53's
 * threshold both ways, and which load balancer nodes are up (zone, cross-zone, application
 * load balancers, rule groups, draining targets); and the lab side of the resolver port. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "control/dns/dns_json.h"
#include "control/router/resolver_snap.h"
#include "dataplane/lb.h"
#include "labtest.h"

Suite *suite_resolver(void);

#define LAB                                                                       \
	"name: rsv\n"                                                             \
	"vpcs:\n"                                                                 \
	"  - name: main\n"                                                        \
	"    cidr: 10.0.0.0/16\n"                                                 \
	"    internet_gateway: true\n"                                            \
	"    subnets:\n"                                                          \
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"                         \
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"                         \
	"    instances:\n"                                                        \
	"      - { name: web1, subnet: a, ip: 10.0.1.10 }\n"                      \
	"      - { name: web2, subnet: b, ip: 10.0.2.10 }\n"                      \
	"    target_groups:\n"                                                    \
	"      - { name: tg, protocol: tcp, port: 80, targets: [web1, web2] }\n"  \
	"      - { name: tg2, protocol: tcp, port: 81, targets: [web1] }\n"       \
	"      - { name: htg, protocol: http, port: 80, targets: [web2] }\n"      \
	"      - { name: rtg, protocol: http, port: 80, targets: [web1] }\n"      \
	"    load_balancers:\n"                                                   \
	"      - name: nlb\n"                                                     \
	"        type: network\n"                                                 \
	"        subnets: [a, b]\n"                                               \
	"        listeners: [ { protocol: tcp, port: 80, forward: tg } ]\n"       \
	"      - name: xnlb\n"                                                    \
	"        type: network\n"                                                 \
	"        cross_zone: true\n"                                              \
	"        subnets: [a, b]\n"                                               \
	"        listeners: [ { protocol: tcp, port: 81, forward: tg2 } ]\n"      \
	"      - name: alb\n"                                                     \
	"        subnets: [a, b]\n"                                               \
	"        listeners:\n"                                                    \
	"          - protocol: http\n"                                            \
	"            port: 80\n"                                                  \
	"            default: htg\n"                                              \
	"            rules: [ { priority: 10, path: /r/*, forward: rtg } ]\n"

/* Target states by (group name, instance): what the data plane would say. */
struct states {
	const struct vl_tables *t;
	int healthy_tg[8][4];    /* [tg][k] = enum lb_target_state */
};

static int state_of(void *ctx, uint16_t tg, uint32_t k)
{
	struct states *s = ctx;
	return tg < 8 && k < 4 ? s->healthy_tg[tg][k] : LB_T_UNUSED;
}

static struct vl_tables *compile_text(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static uint16_t tg_of(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_tgs; i++)
		if (!strcmp(t->tgs[i].name, name))
			return i;
	ck_abort_msg("no group %s", name);
	return VL_NONE;
}

/* The node of load balancer lb in subnet (a or b). */
static uint16_t node_of(const struct vl_tables *t, const char *lb, const char *subnet)
{
	for (uint16_t b = 0; b < t->n_lbs; b++) {
		if (strcmp(t->lbs[b].name, lb))
			continue;
		for (uint32_t k = 0; k < t->lbs[b].node_count; k++) {
			uint16_t p = t->lb_nodes[t->lbs[b].node_first + k];
			if (!strcmp(t->subnets[t->ports[p].subnet].name, subnet))
				return p;
		}
	}
	ck_abort_msg("no node %s/%s", lb, subnet);
	return VL_NONE;
}

static void all(struct states *s, int st)
{
	for (int g = 0; g < 8; g++)
		for (int k = 0; k < 4; k++)
			s->healthy_tg[g][k] = st;
}

START_TEST(nodes_up_by_zone)
{
	struct lt r = {0};
	struct vl_tables *t = compile_text(&r, LAB);
	struct states s = {.t = t};
	uint8_t *up = calloc(t->n_ports, 1);
	all(&s, LB_T_INITIAL);
	rsv_nodes_up(t, state_of, &s, up);
	for (uint16_t i = 0; i < t->n_ports; i++)
		ck_assert_msg(!up[i], "port %s up with no healthy target", t->ports[i].name);
	/* tg: web1 (zone a) healthy: only the nlb's node in a (cross-zone off) */
	s.healthy_tg[tg_of(t, "tg")][0] = LB_T_HEALTHY;
	rsv_nodes_up(t, state_of, &s, up);
	ck_assert(up[node_of(t, "nlb", "a")]);
	ck_assert(!up[node_of(t, "nlb", "b")]);
	/* draining is no target to send to */
	s.healthy_tg[tg_of(t, "tg")][0] = LB_T_DRAINING;
	s.healthy_tg[tg_of(t, "tg")][1] = LB_T_HEALTHY;
	rsv_nodes_up(t, state_of, &s, up);
	ck_assert(!up[node_of(t, "nlb", "a")]);
	ck_assert(up[node_of(t, "nlb", "b")]);
	/* cross-zone: web1 (a) healthy serves both nodes */
	s.healthy_tg[tg_of(t, "tg2")][0] = LB_T_HEALTHY;
	rsv_nodes_up(t, state_of, &s, up);
	ck_assert(up[node_of(t, "xnlb", "a")] && up[node_of(t, "xnlb", "b")]);
	/* an application load balancer is always cross-zone; a rule's group counts too */
	ck_assert(!up[node_of(t, "alb", "a")] && !up[node_of(t, "alb", "b")]);
	s.healthy_tg[tg_of(t, "rtg")][0] = LB_T_HEALTHY;
	rsv_nodes_up(t, state_of, &s, up);
	ck_assert(up[node_of(t, "alb", "a")] && up[node_of(t, "alb", "b")]);
	/* instances are never "nodes" */
	ck_assert(!up[0] && !up[1]);
	free(up);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(route53_threshold)
{
	struct r53_state s = {.ok = 1};
	/* 3 failures to turn unhealthy; a pass between resets the count */
	ck_assert(!r53_step(&s, 3, false));
	ck_assert(!r53_step(&s, 3, false));
	ck_assert(!r53_step(&s, 3, true));
	ck_assert(!r53_step(&s, 3, false));
	ck_assert(!r53_step(&s, 3, false));
	ck_assert(r53_step(&s, 3, false));
	ck_assert_uint_eq(s.ok, 0);
	ck_assert(!r53_step(&s, 3, false));
	/* as many passes to be healthy again */
	ck_assert(!r53_step(&s, 3, true));
	ck_assert(!r53_step(&s, 3, true));
	ck_assert(r53_step(&s, 3, true));
	ck_assert_uint_eq(s.ok, 1);
	/* threshold 1: each result decides */
	ck_assert(r53_step(&s, 1, false));
	ck_assert(r53_step(&s, 1, true));
	/* counters saturate, never wrap */
	struct r53_state f = {.ok = 0};
	for (int i = 0; i < 300; i++)
		r53_step(&f, 10, false);
	ck_assert_uint_eq(f.fails, 255);
	ck_assert_uint_eq(f.ok, 0);
}
END_TEST

START_TEST(snapshot_outlives_router_tables)
{
	struct lt r = {0};
	struct vl_tables *t = compile_text(&r, LAB);
	struct rsv_lab *lab = rsv_lab_new(t);
	ck_assert_ptr_nonnull(lab);
	uint8_t *up = calloc(t->n_ports, 1);
	up[node_of(t, "nlb", "a")] = 1;
	struct rsv_snap *s1 = rsv_snap_new(lab, NULL, up);
	struct rsv_snap *s2 = rsv_snap_new(lab, NULL, NULL);
	ck_assert_ptr_nonnull(s1);
	ck_assert_ptr_nonnull(s2);
	ck_assert_ptr_eq(s1->lab, s2->lab);
	uint16_t na = node_of(t, "nlb", "a"), nb = node_of(t, "nlb", "b");
	rsv_lab_unref(lab); /* the snapshots hold it now */
	up[na] = 0;         /* a copy was taken */
	vl_tables_free(t);  /* the router's own tables go at the next apply */
	free(up);
	/* s1: only node a up -> its address alone; s2: every node up */
	struct dns_result res;
	const struct vl_tables *st = s1->lab->t;
	char name[160];
	snprintf(name, sizeof(name), "%s", st->lbs[0].dns);
	ck_assert_int_eq(dns_resolve(s1->lab->db, name, DNS_T_A, 0, &s1->health, &res), 0);
	ck_assert_uint_eq(res.n_an, 1);
	char ip[16];
	ck_assert_str_eq(res.an[0].rdata, addr_fmt(st->ports[na].ip, ip));
	dns_result_fini(&res);
	ck_assert_int_eq(dns_resolve(s2->lab->db, name, DNS_T_A, 0, &s2->health, &res), 0);
	ck_assert_uint_eq(res.n_an, 2);
	dns_result_fini(&res);
	(void)nb;
	/* a reference taken survives the publisher's unref */
	struct rsv_snap *held = rsv_snap_ref(s1);
	rsv_snap_unref(s1);
	ck_assert_int_eq(dns_resolve(held->lab->db, "web1", DNS_T_A, 0, &held->health, &res), 0);
	ck_assert_str_eq(res.an[0].rdata, "10.0.1.10");
	dns_result_fini(&res);
	rsv_snap_unref(held);
	rsv_snap_unref(s2);
	lt_done(&r);
}
END_TEST

START_TEST(snapshot_check_health)
{
	struct lt r = {0};
	lt_run_path(&r, "rules/private-dns.yaml");
	ck_assert_msg(r.errors == 0, "%s", r.out);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_ge(t->n_r53_checks, 1);
	struct rsv_lab *lab = rsv_lab_new(t);
	uint8_t *bad = calloc(t->n_r53_checks, 1);
	struct rsv_snap *ok = rsv_snap_new(lab, NULL, NULL), *failed = rsv_snap_new(lab, bad, NULL);
	rsv_lab_unref(lab);
	/* the failover record of the file answers the primary, then the secondary */
	const struct vl_dns_record *fo = NULL;
	for (uint32_t i = 0; i < t->n_records && !fo; i++)
		if (t->records[i].failover == VL_FO_PRIMARY)
			fo = &t->records[i];
	ck_assert_ptr_nonnull(fo);
	uint16_t vpc = t->zones[fo->zone].vpcs[0];
	struct dns_result a, b;
	ck_assert_int_eq(dns_resolve(ok->lab->db, fo->name, DNS_T_A, vpc, &ok->health, &a), 0);
	ck_assert_int_eq(dns_resolve(failed->lab->db, fo->name, DNS_T_A, vpc, &failed->health, &b), 0);
	ck_assert_uint_ge(a.n_an, 1);
	ck_assert_uint_ge(b.n_an, 1);
	ck_assert_str_eq(a.an[a.n_an - 1].rdata, t->dns_values[fo->value_first].text);
	ck_assert_str_ne(b.an[b.n_an - 1].rdata, a.an[a.n_an - 1].rdata);
	dns_result_fini(&a);
	dns_result_fini(&b);
	free(bad);
	rsv_snap_unref(ok);
	rsv_snap_unref(failed);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* The lab side: the resolver's port and the reserved name and address. */
START_TEST(lab_reserves_resolver)
{
	struct lt r = {0};
	lt_run(&r, "name: x\n"
		   "vpcs:\n"
		   "  - name: main\n"
		   "    cidr: 10.0.0.0/16\n"
		   "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
		   "    instances: [ { name: amazon-dns, subnet: a } ]\n"
		   "internet:\n"
		   "  hosts:\n"
		   "    - { name: h, ip: 192.0.2.53 }\n");
	ck_assert_int_eq(r.errors, 2);
	ck_assert_msg(lt_has(&r, "6:26: error: instance name 'amazon-dns' is reserved for the "
			     "lab's DNS resolver (its namespace is LAB-amazon-dns)"), "%s", r.out);
	ck_assert_msg(lt_has(&r, "9:22: error: internet host 'h' 192.0.2.53: the address is "
			     "reserved for the lab's public DNS resolver"), "%s", r.out);
	lt_done(&r);
}
END_TEST

Suite *suite_resolver(void)
{
	Suite *s = suite_create("resolver");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, nodes_up_by_zone);
	tcase_add_test(tc, route53_threshold);
	tcase_add_test(tc, snapshot_outlives_router_tables);
	tcase_add_test(tc, snapshot_check_health);
	tcase_add_test(tc, lab_reserves_resolver);
	suite_add_tcase(s, tc);
	return s;
}
