/* control/dns/dns_resolve.c, dns_zone.c and dns_db.c on the hand-made lab of dns_fixture.h:
 * instances' names per region and per view (inside the VPC, another VPC, the internet), PTR,
 * DNS attributes, short names, load balancers and their nodes' health, private hosted zones
 * (association, most specific zone, wildcards, apex, empty non-terminals), NXDOMAIN vs NODATA,
 * CNAME chains (followed, bounded, loops), failover by health check, and the explanation. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "control/dns/dns_json.h"
#include "control/dns/dns_resolve.h"
#include "tests/unit/dns_fixture.h"

Suite *suite_dns_resolve(void);

static struct vl_tables *t;
static struct dns_db *db;
static struct dns_result R;
static uint8_t check_ok[2];
static uint8_t node_up[DF_NPORTS];

static int up_cb(void *ctx, uint16_t lb, uint16_t port)
{
	(void)lb;
	return ((const uint8_t *)ctx)[port];
}

static const struct dns_health health = {check_ok, up_cb, node_up};

static void setup_region(const char *region)
{
	t = df_tables(region);
	db = dns_db_create(t);
	ck_assert_ptr_nonnull(db);
	memset(check_ok, 1, sizeof(check_ok));
	memset(node_up, 1, sizeof(node_up));
	memset(&R, 0, sizeof(R));
}

static void setup(void)
{
	setup_region("us-east-1");
}

static void teardown(void)
{
	dns_result_fini(&R);
	dns_db_destroy(db);
	vl_tables_free(t);
}

/* Asks and checks the return code; the result stays in R. */
static void ask_from(const char *name, uint16_t type, uint16_t vpc)
{
	dns_result_fini(&R);
	ck_assert_int_eq(dns_resolve(db, name, type, vpc, &health, &R), 0);
}

/* The answer section's RDATA, space-separated. */
static const char *answers(void)
{
	static char buf[4096];
	size_t w = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < R.n_an; i++)
		w += (size_t)snprintf(buf + w, sizeof(buf) - w, "%s%s", i ? " " : "", R.an[i].rdata);
	return buf;
}

static void expect(const char *name, uint16_t type, uint16_t vpc, uint8_t rcode, const char *ans)
{
	ask_from(name, type, vpc);
	ck_assert_msg(R.rcode == rcode, "%s from %u: rcode %s, expected %s (%s)", name, vpc,
		      dns_rcode_name(R.rcode), dns_rcode_name(rcode), R.steps[R.n_steps - 1].why);
	ck_assert_str_eq(answers(), ans);
}

START_TEST(private_names_inside_the_vpc)
{
	expect("ip-10-0-2-10.ec2.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_PRIVATE);
	ck_assert_uint_eq(R.steps[0].port, DF_DB);
	ck_assert_uint_eq(R.an[0].ttl, DNS_INSTANCE_TTL);
	ck_assert_str_eq(R.an[0].owner, "ip-10-0-2-10.ec2.internal");
	expect("IP-10-0-2-10.Ec2.Internal.", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	/* overlapping VPCs: the same address names the instance of the asking VPC */
	expect("ip-10-0-1-10.ec2.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.10");
	ck_assert_uint_eq(R.steps[0].port, DF_WEB);
	expect("ip-10-0-1-10.ec2.internal", DNS_T_A, DF_OTHER, DNS_NOERROR, "10.0.1.10");
	ck_assert_uint_eq(R.steps[0].port, DF_TWIN);
	expect("ip-10-0-2-10.ec2.internal", DNS_T_A, DF_OTHER, DNS_NXDOMAIN, "");
	expect("ip-10-0-2-10.ec2.internal", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("ip-10-0-2-99.ec2.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	/* a load balancer node's address is no instance */
	expect("ip-10-0-1-100.ec2.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	/* the name exists, the type does not */
	expect("ip-10-0-2-10.ec2.internal", DNS_T_AAAA, DF_MAIN, DNS_NOERROR, "");
	expect("ip-10-0-2-10.ec2.internal", DNS_T_ANY, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	/* another region's form */
	expect("ip-10-0-2-10.us-east-1.compute.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(names_of_another_region)
{
	teardown();
	setup_region("eu-west-1");
	expect("ip-10-0-2-10.eu-west-1.compute.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	expect("ip-10-0-2-10.ec2.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	expect("ec2-203-0-113-10.eu-west-1.compute.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR,
	       "203.0.113.10");
	expect("ec2-203-0-113-10.compute-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("10.2.0.10.in-addr.arpa", DNS_T_PTR, DF_MAIN, DNS_NOERROR, "ip-10-0-2-10.eu-west-1.compute.internal.");
	expect("web-alb-1a2b3c4d5e6f7a8b.elb.eu-west-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR,
	       "203.0.113.100 203.0.113.101");
}
END_TEST

START_TEST(public_names_private_inside_public_outside)
{
	const char *pub = "ec2-203-0-113-10.compute-1.amazonaws.com";
	expect(pub, DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.10");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_PUBLIC);
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "private address from inside its VPC"));
	expect(pub, DNS_T_A, DF_OTHER, DNS_NOERROR, "203.0.113.10");
	expect(pub, DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR, "203.0.113.10");
	ck_assert_uint_eq(R.steps[0].port, DF_WEB);
	expect(pub, DNS_T_AAAA, DNS_FROM_INTERNET, DNS_NOERROR, "");
	/* the twin in the other VPC: private inside its own VPC */
	expect("ec2-203-0-113-11.compute-1.amazonaws.com", DNS_T_A, DF_OTHER, DNS_NOERROR, "10.0.1.10");
	ck_assert_uint_eq(R.steps[0].port, DF_TWIN);
	/* no instance has it; hostnames off in the owner's VPC: no public name either */
	expect("ec2-203-0-113-99.compute-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("ec2-203-0-113-20.compute-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	/* a load balancer node's public address has no instance name */
	expect("ec2-203-0-113-100.compute-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(reverse_names)
{
	expect("10.2.0.10.in-addr.arpa", DNS_T_PTR, DF_MAIN, DNS_NOERROR, "ip-10-0-2-10.ec2.internal.");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_PTR);
	expect("10.1.0.10.in-addr.arpa", DNS_T_PTR, DF_OTHER, DNS_NOERROR, "ip-10-0-1-10.ec2.internal.");
	ck_assert_uint_eq(R.steps[0].port, DF_TWIN);
	expect("10.2.0.10.in-addr.arpa", DNS_T_PTR, DF_OTHER, DNS_NXDOMAIN, "");
	expect("10.2.0.10.in-addr.arpa", DNS_T_PTR, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("10.113.0.203.in-addr.arpa", DNS_T_PTR, DNS_FROM_INTERNET, DNS_NOERROR,
	       "ec2-203-0-113-10.compute-1.amazonaws.com.");
	expect("10.113.0.203.in-addr.arpa", DNS_T_PTR, DF_OTHER, DNS_NOERROR,
	       "ec2-203-0-113-10.compute-1.amazonaws.com.");
	expect("10.2.0.10.in-addr.arpa", DNS_T_A, DF_MAIN, DNS_NOERROR, "");
	expect("2.0.10.in-addr.arpa", DNS_T_PTR, DF_MAIN, DNS_NXDOMAIN, "");
	/* hostnames off: no reverse name for its instances, inside or out */
	expect("10.0.1.10.in-addr.arpa", DNS_T_PTR, DF_NOHOST, DNS_NXDOMAIN, "");
	expect("20.113.0.203.in-addr.arpa", DNS_T_PTR, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(dns_attributes)
{
	expect("ip-10-1-0-10.ec2.internal", DNS_T_A, DF_NOHOST, DNS_NXDOMAIN, "");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "hostnames off"));
	expect("nh", DNS_T_A, DF_NOHOST, DNS_NXDOMAIN, "");
	/* load balancer names are public DNS: they answer there */
	expect("api-nlb-0123456789.elb.us-east-1.amazonaws.com", DNS_T_A, DF_NOHOST, DNS_NOERROR, "10.0.1.200");
	dns_result_fini(&R);
	ck_assert_int_eq(dns_resolve(db, "ip-10-2-0-10.ec2.internal", DNS_T_A, DF_OFF, &health, &R), -ENETUNREACH);
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "support off"));
	dns_result_fini(&R);
	ck_assert_int_eq(dns_resolve(db, "x", DNS_T_A, DF_NVPCS, &health, &R), -EINVAL);
}
END_TEST

START_TEST(short_names)
{
	expect("web", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.10");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_SHORT);
	expect("WEB.", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.10");
	expect("twin", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	expect("twin", DNS_T_A, DF_OTHER, DNS_NOERROR, "10.0.1.10");
	expect("web", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("ext", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");     /* an internet host is no instance */
	expect("web-alb", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, ""); /* nor a load balancer node */
	expect("web", DNS_T_TXT, DF_MAIN, DNS_NOERROR, "");
	expect("", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(load_balancers)
{
	const char *alb = "web-alb-1a2b3c4d5e6f7a8b.elb.us-east-1.amazonaws.com";
	const char *nlb = "api-nlb-0123456789.elb.us-east-1.amazonaws.com";
	expect(alb, DNS_T_A, DF_MAIN, DNS_NOERROR, "203.0.113.100 203.0.113.101");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_LB);
	ck_assert_uint_eq(R.steps[0].lb, DF_ALB);
	ck_assert_uint_eq(R.an[0].ttl, VL_DNS_ALIAS_TTL);
	expect("WEB-ALB-1a2b3c4d5e6f7a8b.ELB.us-east-1.amazonaws.com.", DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR,
	       "203.0.113.100 203.0.113.101");
	node_up[DF_ALB2] = 0;
	expect(alb, DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR, "203.0.113.100");
	node_up[DF_ALB1] = 0; /* none up: every node answers (AWS fails open) */
	expect(alb, DNS_T_A, DNS_FROM_INTERNET, DNS_NOERROR, "203.0.113.100 203.0.113.101");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "fails open"));
	expect(alb, DNS_T_AAAA, DF_MAIN, DNS_NOERROR, "");
	expect(nlb, DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.200");
	expect(nlb, DNS_T_A, DF_OTHER, DNS_NOERROR, "10.0.1.200");
	expect(nlb, DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "internal load balancer"));
	expect("x.elb.us-east-1.amazonaws.com", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(zones_answer_where_associated)
{
	expect("db.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_ZONE);
	ck_assert_uint_eq(R.steps[0].zone, 0);
	ck_assert_uint_eq(R.an[0].ttl, VL_DNS_DEFAULT_TTL);
	expect("DB.Corp.Internal.", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.2.10");
	expect("db.corp.internal", DNS_T_A, DF_OTHER, DNS_NOERROR, "10.9.9.9"); /* its own zone */
	ck_assert_uint_eq(R.steps[0].zone, 2);
	expect("db.corp.internal", DNS_T_A, DF_NOHOST, DNS_NXDOMAIN, "");
	expect("db.corp.internal", DNS_T_A, DNS_FROM_INTERNET, DNS_NXDOMAIN, "");
	expect("db.corp.internal", DNS_T_AAAA, DF_MAIN, DNS_NOERROR, "fd00::10");
	expect("db.corp.internal", DNS_T_ANY, DF_MAIN, DNS_NOERROR, "10.0.2.10 fd00::10");
	expect("mail.corp.internal", DNS_T_MX, DF_MAIN, DNS_NOERROR, "10 mx.corp.internal.");
	expect("_http._tcp.corp.internal", DNS_T_SRV, DF_MAIN, DNS_NOERROR, "1 5 80 web.corp.internal.");
	expect("corp.internal", DNS_T_TXT, DF_MAIN, DNS_NOERROR, "\"lab\"");
	expect("multi.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.7.1 10.0.7.2 10.0.7.3");
	expect("www.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "203.0.113.100 203.0.113.101");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "alias to load balancer web-alb"));
	ck_assert_uint_eq(R.an[0].ttl, VL_DNS_ALIAS_TTL);
}
END_TEST

START_TEST(most_specific_zone_wins)
{
	expect("x.a.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.5.5");
	ck_assert_uint_eq(R.steps[0].zone, 1);
	/* corp.internal has y.a, but a.corp.internal is the zone of that name: NXDOMAIN */
	expect("y.a.corp.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	ck_assert_uint_eq(R.steps[0].zone, 1);
	ck_assert_uint_eq(R.n_ns, 1);
	ck_assert_str_eq(R.ns[0].owner, "a.corp.internal");
	/* a private zone hides what the resolver would otherwise answer below it: none here */
	expect("a.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "");
	/* the other VPC has only its corp.internal */
	expect("x.a.corp.internal", DNS_T_A, DF_OTHER, DNS_NXDOMAIN, "");
	ck_assert_uint_eq(R.steps[0].zone, 2);
}
END_TEST

START_TEST(nxdomain_versus_nodata)
{
	expect("nope.corp.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	ck_assert_uint_eq(R.n_ns, 1);
	ck_assert_uint_eq(R.ns[0].type, DNS_T_SOA);
	ck_assert_str_eq(R.ns[0].owner, "corp.internal");
	expect("db.corp.internal", DNS_T_TXT, DF_MAIN, DNS_NOERROR, "");
	ck_assert_uint_eq(R.n_ns, 1);
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "NODATA"));
	expect("ent.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, ""); /* empty non-terminal */
	expect("deep.ent.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.3.3");
	expect("corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "");      /* the apex */
	expect("corp.internal", DNS_T_SOA, DF_MAIN, DNS_NOERROR,
	       "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400");
	ck_assert_uint_eq(R.n_ns, 0);
	expect("corp.internal", DNS_T_NS, DF_MAIN, DNS_NOERROR, "ns-1536.awsdns-00.co.uk. ns-0.awsdns-00.com. "
	       "ns-1024.awsdns-00.org. ns-512.awsdns-00.net.");
	expect("corp.internal", DNS_T_ANY, DF_MAIN, DNS_NOERROR, "\"lab\" ns-1536.awsdns-00.co.uk. awsdns-hostmaster."
	       "amazon.com. 1 7200 900 1209600 86400 ns-1536.awsdns-00.co.uk. ns-0.awsdns-00.com. "
	       "ns-1024.awsdns-00.org. ns-512.awsdns-00.net.");
	expect("a.corp.internal", DNS_T_SOA, DF_MAIN, DNS_NOERROR,
	       "ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400");
	ck_assert_str_eq(R.an[0].owner, "a.corp.internal");
	expect("db.corp.internal", DNS_T_NS, DF_MAIN, DNS_NOERROR, "");
	expect("nothing.example.com", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
	ck_assert_uint_eq(R.n_ns, 0);
	ck_assert_uint_eq(R.steps[0].src, DNS_SRC_NONE);
}
END_TEST

START_TEST(wildcards)
{
	expect("foo.wild.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.9.9");
	ck_assert_str_eq(R.an[0].owner, "foo.wild.corp.internal");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "via *.wild.corp.internal"));
	expect("a.b.wild.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.9.9");
	expect("foo.wild.corp.internal", DNS_T_TXT, DF_MAIN, DNS_NOERROR, "");
	expect("wild.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "");  /* exists: no wildcard */
	expect("x.deep.ent.corp.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "");
}
END_TEST

START_TEST(cname_chains)
{
	expect("api.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR,
	       "www.corp.internal. 203.0.113.100 203.0.113.101");
	ck_assert_uint_eq(R.an[0].type, DNS_T_CNAME);
	ck_assert_str_eq(R.an[0].owner, "api.corp.internal");
	ck_assert_str_eq(R.an[1].owner, "www.corp.internal");
	ck_assert_uint_eq(R.n_steps, 2);
	expect("api.corp.internal", DNS_T_CNAME, DF_MAIN, DNS_NOERROR, "www.corp.internal.");
	ck_assert_uint_eq(R.n_steps, 1);
	expect("api.corp.internal", DNS_T_TXT, DF_MAIN, DNS_NOERROR, "www.corp.internal.");
	/* out of the zone into the names AWS makes: the public name, private inside the VPC */
	expect("ext.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR,
	       "ec2-203-0-113-10.compute-1.amazonaws.com. 10.0.1.10");
	ck_assert_uint_eq(R.steps[1].src, DNS_SRC_PUBLIC);
	expect("nlb.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR,
	       "api-nlb-0123456789.elb.us-east-1.amazonaws.com. 10.0.1.200");
	/* a target that is not there: the chain with the last name's code */
	expect("gone.corp.internal", DNS_T_A, DF_MAIN, DNS_NXDOMAIN, "nothing.corp.internal.");
	ck_assert_uint_eq(R.n_ns, 1);
	/* eight CNAMEs are followed, nine are not */
	expect("long2.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR,
	       "long3.corp.internal. long4.corp.internal. long5.corp.internal. long6.corp.internal. "
	       "long7.corp.internal. long8.corp.internal. long9.corp.internal. db.corp.internal. 10.0.2.10");
	ck_assert_uint_eq(R.n_steps, DNS_CHAIN_MAX + 1);
	expect("long1.corp.internal", DNS_T_A, DF_MAIN, DNS_SERVFAIL, "");
	ck_assert_ptr_nonnull(strstr(R.note, "more than 8 CNAMEs"));
	expect("loop1.corp.internal", DNS_T_A, DF_MAIN, DNS_SERVFAIL, "");
	ck_assert_ptr_nonnull(strstr(R.note, "CNAME loop"));
	ck_assert_uint_eq(R.n_steps, 2);
}
END_TEST

START_TEST(failover_follows_health)
{
	expect("app.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.30");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "primary answers (health check app-hc passing)"));
	check_ok[0] = 0;
	expect("app.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.31");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "secondary answers"));
	check_ok[1] = 0; /* both failing: Route 53 answers the primary */
	expect("app.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.30");
	ck_assert_ptr_nonnull(strstr(R.steps[0].why, "both health checks failing"));
	check_ok[0] = 1;
	expect("app.corp.internal", DNS_T_A, DF_MAIN, DNS_NOERROR, "10.0.1.30");
	/* no health input: every check passes */
	dns_result_fini(&R);
	ck_assert_int_eq(dns_resolve(db, "app.corp.internal", DNS_T_A, DF_MAIN, NULL, &R), 0);
	ck_assert_str_eq(answers(), "10.0.1.30");
	expect("app.corp.internal", DNS_T_AAAA, DF_MAIN, DNS_NOERROR, "");
}
END_TEST

START_TEST(explain_text)
{
	char buf[2048];
	ask_from("api.corp.internal", DNS_T_A, DF_MAIN);
	dns_explain(&R, buf, sizeof(buf));
	ck_assert_str_eq(buf,
		"api.corp.internal A: private hosted zone corp.internal: api CNAME www.corp.internal.\n"
		"  then www.corp.internal A: private hosted zone corp.internal: www A, alias to load balancer "
		"web-alb (2 of 2 nodes up)\n"
		"NOERROR, 3 answers\n");
	ask_from("loop1.corp.internal", DNS_T_A, DF_MAIN);
	dns_explain(&R, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "CNAME loop back to loop1.corp.internal: SERVFAIL\nSERVFAIL, 0 answers\n"));
	dns_explain(&R, buf, 10); /* cut, still a string */
	ck_assert_uint_eq(strlen(buf), 9);
	char tn[16];
	ck_assert_str_eq(dns_type_name(65, tn), "TYPE65");
	ck_assert_str_eq(dns_rcode_name(9), "RCODE?");
}
END_TEST

START_TEST(explain_json)
{
	check_ok[0] = 0;
	ask_from("App.corp.internal", DNS_T_A, DF_MAIN);
	json_t *j = dns_result_json(&R, t);
	ck_assert_ptr_nonnull(j);
	char *s = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"type\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{\"name\":\"app.corp.internal\","
			 "\"type\":\"A\",\"ttl\":300,\"data\":\"10.0.1.31\"}],\"authority\":[],\"steps\":[{\"name\":"
			 "\"app.corp.internal\",\"source\":\"zone\",\"rcode\":\"NOERROR\",\"why\":\"private hosted zone "
			 "corp.internal: app A, failover: secondary answers (primary's health check app-hc failing)\","
			 "\"zone\":\"corp.internal\",\"record\":{\"name\":\"app.corp.internal\",\"type\":\"A\","
			 "\"failover\":\"secondary\"}}]}");
	free(s);
	json_decref(j);
	ask_from("loop1.corp.internal", DNS_T_A, DF_MAIN);
	j = dns_result_json(&R, t);
	ck_assert_str_eq(json_string_value(json_object_get(j, "note")), "CNAME loop back to loop1.corp.internal: SERVFAIL");
	json_decref(j);
	ask_from("web", DNS_T_A, DF_MAIN);
	j = dns_result_json(&R, t);
	json_t *st = json_array_get(json_object_get(j, "steps"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(st, "source")), "short_name");
	ck_assert_str_eq(json_string_value(json_object_get(st, "instance")), "web");
	json_decref(j);
	ask_from("web-alb-1a2b3c4d5e6f7a8b.elb.us-east-1.amazonaws.com", DNS_T_A, DF_MAIN);
	j = dns_result_json(&R, t);
	st = json_array_get(json_object_get(j, "steps"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(st, "load_balancer")), "web-alb");
	json_decref(j);
	ck_assert_str_eq(dns_src_name(200), "none");
}
END_TEST

START_TEST(instance_names)
{
	char priv[VL_DNS_NAME_MAX], pub[VL_DNS_NAME_MAX];
	ck_assert_int_eq(dns_instance_names(t, DF_WEB, priv, pub), 0);
	ck_assert_str_eq(priv, "ip-10-0-1-10.ec2.internal");
	ck_assert_str_eq(pub, "ec2-203-0-113-10.compute-1.amazonaws.com");
	ck_assert_int_eq(dns_instance_names(t, DF_DB, priv, pub), 0);
	ck_assert_str_eq(priv, "ip-10-0-2-10.ec2.internal");
	ck_assert_str_eq(pub, "");
	ck_assert_int_eq(dns_instance_names(t, DF_NH, priv, pub), 0); /* hostnames off */
	ck_assert_str_eq(priv, "");
	ck_assert_str_eq(pub, "");
	ck_assert_int_eq(dns_instance_names(t, DF_EXT, priv, pub), -EINVAL);
	ck_assert_int_eq(dns_instance_names(t, DF_HOLE, priv, pub), -EINVAL);
	ck_assert_int_eq(dns_instance_names(t, DF_NPORTS, priv, pub), -EINVAL);
	/* the names it gives resolve to the instance */
	ck_assert_int_eq(dns_instance_names(t, DF_TWIN, priv, pub), 0);
	ask_from(priv, DNS_T_A, DF_OTHER);
	ck_assert_uint_eq(R.steps[0].port, DF_TWIN);
	ask_from(pub, DNS_T_A, DNS_FROM_INTERNET);
	ck_assert_uint_eq(R.steps[0].port, DF_TWIN);
}
END_TEST

START_TEST(db_index)
{
	ck_assert_uint_eq(dns_db_instance(db, DF_MAIN, df_ip("10.0.1.10")), DF_WEB);
	ck_assert_uint_eq(dns_db_instance(db, DF_OTHER, df_ip("10.0.1.10")), DF_TWIN);
	ck_assert_uint_eq(dns_db_instance(db, DF_MAIN, df_ip("10.0.1.100")), VL_NONE);
	ck_assert_uint_eq(dns_db_public(db, df_ip("203.0.113.11")), DF_TWIN);
	ck_assert_uint_eq(dns_db_public(db, 0), VL_NONE);
	ck_assert_uint_eq(dns_db_named(db, "DB"), DF_DB);
	ck_assert_uint_eq(dns_db_named(db, ""), VL_NONE);
	ck_assert_uint_eq(dns_db_zone(db, "q.x.a.corp.internal", DF_MAIN), 1);
	ck_assert_uint_eq(dns_db_zone(db, "corp.internal", DF_OTHER), 2);
	ck_assert_uint_eq(dns_db_zone(db, "xcorp.internal", DF_MAIN), VL_NONE);
	ck_assert_uint_eq(dns_db_zone(db, "db.corp.internal", DNS_FROM_INTERNET), VL_NONE);
	ck_assert_uint_eq(db->n_by_ip, 4); /* the hole, hosts and nodes are left out */
	struct vl_tables empty = {0};
	struct dns_db *e = dns_db_create(&empty);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(dns_db_zone(e, "a.b", 0), VL_NONE);
	ck_assert_uint_eq(dns_db_lb(e, "a.b"), VL_NONE);
	dns_db_destroy(e);
}
END_TEST

Suite *suite_dns_resolve(void)
{
	Suite *s = suite_create("dns_resolve");
	TCase *tc = tcase_create("resolve");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, private_names_inside_the_vpc);
	tcase_add_test(tc, names_of_another_region);
	tcase_add_test(tc, public_names_private_inside_public_outside);
	tcase_add_test(tc, reverse_names);
	tcase_add_test(tc, dns_attributes);
	tcase_add_test(tc, short_names);
	tcase_add_test(tc, load_balancers);
	tcase_add_test(tc, zones_answer_where_associated);
	tcase_add_test(tc, most_specific_zone_wins);
	tcase_add_test(tc, nxdomain_versus_nodata);
	tcase_add_test(tc, wildcards);
	tcase_add_test(tc, cname_chains);
	tcase_add_test(tc, failover_follows_health);
	tcase_add_test(tc, explain_text);
	tcase_add_test(tc, explain_json);
	tcase_add_test(tc, instance_names);
	tcase_add_test(tc, db_index);
	suite_add_tcase(s, tc);
	return s;
}
