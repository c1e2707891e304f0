/* The resolver on tables the lab compiles (rules/private-dns.yaml through lab_load, lab_check,
 * lab_compile), not hand-made ones: the zone only where associated, its alias to an internal
 * network load balancer, the failover pair, the apex, instances' names and views, and the
 * messages for them made and read with libldns. */
#include <check.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "control/dns/dns_wire.h"
#include "labtest.h"

Suite *suite_dns_lab(void);

static struct lt lab;
static struct vl_tables *t;
static struct dns_db *db;
static struct dns_result R;
static uint8_t check_ok[4];

static uint16_t vpc(const char *name)
{
	for (uint16_t i = 0; i < t->n_vpcs; i++)
		if (!strcmp(t->vpcs[i].name, name))
			return i;
	ck_abort_msg("no vpc %s", name);
	return VL_NONE;
}

static void setup(void)
{
	memset(&lab, 0, sizeof(lab));
	lt_run_path(&lab, "rules/private-dns.yaml");
	ck_assert_msg(lab.errors == 0, "%s", lab.out);
	t = lab_compile(lab.m);
	ck_assert_ptr_nonnull(t);
	db = dns_db_create(t);
	ck_assert_ptr_nonnull(db);
	memset(check_ok, 1, sizeof(check_ok));
	memset(&R, 0, sizeof(R));
}

static void teardown(void)
{
	dns_result_fini(&R);
	dns_db_destroy(db);
	vl_tables_free(t);
	lt_done(&lab);
}

static const char *ask(const char *name, uint16_t type, uint16_t from)
{
	static char buf[1024];
	const struct dns_health h = {check_ok, NULL, NULL};
	size_t w = 0;
	dns_result_fini(&R);
	ck_assert_int_eq(dns_resolve(db, name, type, from, &h, &R), 0);
	snprintf(buf, sizeof(buf), "%s", dns_rcode_name(R.rcode));
	w = strlen(buf);
	for (uint32_t i = 0; i < R.n_an; i++)
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, " %s", R.an[i].rdata);
	return buf;
}

START_TEST(zone_where_associated)
{
	uint16_t main_ = vpc("main"), other = vpc("other");
	ck_assert_str_eq(t->region, "us-east-1");
	ck_assert_str_eq(ask("db.corp.internal", DNS_T_A, main_), "NOERROR 10.0.3.10");
	ck_assert_str_eq(ask("db.corp.internal", DNS_T_A, other), "NXDOMAIN");
	ck_assert_str_eq(ask("db.corp.internal", DNS_T_A, DNS_FROM_INTERNET), "NXDOMAIN");
	ck_assert_str_eq(ask("corp.internal", DNS_T_TXT, main_), "NOERROR \"private zone of vpc main\"");
	ck_assert_uint_eq(R.an[0].ttl, 60);
	ck_assert_str_eq(ask("_postgres._tcp.corp.internal", DNS_T_SRV, main_), "NOERROR 0 0 5432 db.corp.internal.");
	ck_assert_str_eq(ask("db.corp.internal", DNS_T_AAAA, main_), "NOERROR");
	ck_assert_uint_eq(R.n_ns, 1);
}
END_TEST

START_TEST(alias_and_load_balancer_name)
{
	uint16_t main_ = vpc("main");
	const struct vl_lb *nlb = &t->lbs[0];
	ck_assert_str_eq(nlb->name, "web-nlb");
	ck_assert_uint_eq(nlb->node_count, 2);
	char want[128], a0[16], a1[16];
	snprintf(want, sizeof(want), "NOERROR %s %s", addr_fmt(t->ports[t->lb_nodes[nlb->node_first]].ip, a0),
		 addr_fmt(t->ports[t->lb_nodes[nlb->node_first + 1]].ip, a1));
	ck_assert_str_eq(ask("www.corp.internal", DNS_T_A, main_), want);
	ck_assert_str_eq(ask(nlb->dns, DNS_T_A, main_), want);
	ck_assert_str_eq(ask(nlb->dns, DNS_T_A, vpc("other")), want);
	ck_assert_str_eq(ask(nlb->dns, DNS_T_A, DNS_FROM_INTERNET), "NXDOMAIN"); /* internal */
}
END_TEST

START_TEST(failover_pair)
{
	uint16_t main_ = vpc("main");
	ck_assert_uint_eq(t->n_r53_checks, 1);
	ck_assert_str_eq(ask("app.corp.internal", DNS_T_A, main_), "NOERROR 10.0.1.10");
	check_ok[0] = 0;
	ck_assert_str_eq(ask("app.corp.internal", DNS_T_A, main_), "NOERROR 10.0.2.10");
	check_ok[0] = 1;
	ck_assert_str_eq(ask("app.corp.internal", DNS_T_A, main_), "NOERROR 10.0.1.10");
}
END_TEST

START_TEST(instance_names_and_views)
{
	uint16_t main_ = vpc("main"), other = vpc("other");
	ck_assert_str_eq(ask("ip-10-0-3-10.ec2.internal", DNS_T_A, main_), "NOERROR 10.0.3.10");
	ck_assert_str_eq(ask("ip-10-0-3-10.ec2.internal", DNS_T_A, other), "NXDOMAIN");
	ck_assert_str_eq(ask("ip-10-1-1-10.ec2.internal", DNS_T_A, other), "NOERROR 10.1.1.10");
	ck_assert_str_eq(ask("ec2-203-0-113-10.compute-1.amazonaws.com", DNS_T_A, main_), "NOERROR 10.0.1.10");
	ck_assert_str_eq(ask("ec2-203-0-113-10.compute-1.amazonaws.com", DNS_T_A, other), "NOERROR 203.0.113.10");
	ck_assert_str_eq(ask("ec2-203-0-113-11.compute-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET),
			 "NOERROR 203.0.113.11");
	ck_assert_str_eq(ask("11.113.0.203.in-addr.arpa", DNS_T_PTR, DNS_FROM_INTERNET),
			 "NOERROR ec2-203-0-113-11.compute-1.amazonaws.com.");
	ck_assert_str_eq(ask("outsider", DNS_T_A, other), "NOERROR 10.1.1.10");
	ck_assert_str_eq(ask("outsider", DNS_T_A, main_), "NXDOMAIN");
	ck_assert_str_eq(ask("web1", DNS_T_A, main_), "NOERROR 10.0.1.10");
}
END_TEST

START_TEST(messages)
{
	ldns_pkt *q = NULL, *a = NULL;
	uint8_t *w = NULL, *out = NULL;
	size_t len = 0, n = 0;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, "_postgres._tcp.corp.internal.", LDNS_RR_TYPE_SRV,
						     LDNS_RR_CLASS_IN, LDNS_RD), LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt2wire(&w, q, &len), LDNS_STATUS_OK);
	ck_assert_int_eq(dns_answer(db, w, len, vpc("main"), DNS_TCP, NULL, &out, &n, NULL), 0);
	ck_assert_int_eq(ldns_wire2pkt(&a, out, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_ancount(a), 1);
	char *s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(a), 0));
	ck_assert_str_eq(s, "_postgres._tcp.corp.internal.\t300\tIN\tSRV\t0 0 5432 db.corp.internal.\n");
	free(s);
	ldns_pkt_free(a);
	free(out);
	free(w);
	ldns_pkt_free(q);
}
END_TEST

Suite *suite_dns_lab(void)
{
	Suite *s = suite_create("dns_lab");
	TCase *tc = tcase_create("private-dns");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, zone_where_associated);
	tcase_add_test(tc, alias_and_load_balancer_name);
	tcase_add_test(tc, failover_pair);
	tcase_add_test(tc, instance_names_and_views);
	tcase_add_test(tc, messages);
	suite_add_tcase(s, tc);
	return s;
}
