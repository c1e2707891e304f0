/* Security group rule requests (control/api/sg_rule.c, ec2_sg_change.c) without a router: both
 * request forms as botocore serializes them (api/sg_fixtures.h) decoded into rules, the model
 * edits they make written back by lab_export and checked again, and the AWS errors a handler
 * gives before it asks the router anything. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/sg_rule.h"
#include "control/lab/export.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "tests/unit/api/sg_fixtures.h"

Suite *suite_api_sg(void);

static const char lab_yaml[] =
	"name: shop\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.1.0/24 }\n"
	"    security_groups:\n"
	"      - name: web\n"
	"        inbound:\n"
	"          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }\n"
	"          - { protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0 }\n"
	"      - name: admin\n"
	"        inbound: []\n"
	"        outbound: []\n"
	"    instances:\n"
	"      - { name: web, subnet: public, security_groups: [web] }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    security_groups:\n"
	"      - { name: far }\n";

static char dir[64];
static struct api_ctx ctx;
static struct xml out;
static int status;
static char sg[48];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpclab-api-sg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(lab_yaml, f);
	fclose(f);
	char err[256];
	ck_assert_msg(api_ctx_open(&ctx, "shop", dir, err, sizeof(err)) == 0, "api_ctx_open: %s", err);
	xml_init(&out);
	sg_group_id(sg, "shop", "main", "web");
}

static void teardown(void)
{
	api_ctx_close(&ctx);
	xml_free(&out);
	char path[128];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/credentials", dir);
	unlink(path);
	rmdir(dir);
}

/* body with every "@K@" (URL-encoded %40K%40) replaced by its value */
static void subst(char *dst, size_t cap, const char *body, const char *const kv[][2], size_t n)
{
	size_t o = 0;
	while (*body && o + 1 < cap) {
		size_t i = 0;
		for (; i < n; i++) {
			char key[32];
			snprintf(key, sizeof(key), "%%40%s%%40", kv[i][0]);
			if (strncmp(body, key, strlen(key)) == 0) {
				o += (size_t)snprintf(dst + o, cap - o, "%s", kv[i][1]);
				body += strlen(key);
				break;
			}
		}
		if (i == n)
			dst[o++] = *body++;
	}
	dst[o < cap ? o : cap - 1] = '\0';
}

static const char *fixture(const char *name)
{
	for (size_t i = 0; i < sizeof(sg_fixtures) / sizeof(sg_fixtures[0]); i++)
		if (strcmp(sg_fixtures[i].name, name) == 0)
			return sg_fixtures[i].body;
	ck_abort_msg("no fixture %s", name);
	return NULL;
}

static void req_of(struct api_req *r, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->svc = API_EC2;
	snprintf(r->region, sizeof(r->region), "us-east-1");
	snprintf(r->request_id, sizeof(r->request_id), "rid-1");
	const char *const kv[][2] = {{"SG", sg}};
	char b[2048];
	subst(b, sizeof(b), body, kv, 1);
	ck_assert_int_eq(api_req_parse(r, b), 0);
	api_req_sort(r);
	r->action = api_param(r, "Action");
}

static size_t decode(const char *name, struct sg_perm *p, struct api_out *o)
{
	struct api_req r;
	req_of(&r, fixture(name));
	size_t n = 0;
	int rc = sg_perms_decode(ctx.m, "shop", &r, p, SG_PERMS_MAX, &n, o);
	api_req_free(&r);
	ck_assert_msg(rc == 0, "%s: %s %s", name, o->code, o->message);
	return n;
}

static void perm_is(const struct sg_perm *p, int proto, int lo, int hi, const char *peer)
{
	char c[20];
	ck_assert_int_eq(p->proto, proto);
	ck_assert_int_eq(p->lo, lo);
	ck_assert_int_eq(p->hi, hi);
	ck_assert_str_eq(p->is_cidr ? prefix_fmt(p->prefix, c) : p->group, peer);
}

START_TEST(decode_both_forms)
{
	struct sg_perm p[SG_PERMS_MAX];
	struct api_out o = {0};
	xml_init(&o.x);
	ck_assert_uint_eq(decode("cli_tcp22", p, &o), 1);
	perm_is(&p[0], 6, 22, 22, "198.51.100.10/32");
	ck_assert_uint_eq(decode("cli_all_group", p, &o), 1);
	perm_is(&p[0], -1, -1, -1, "admin");
	ck_assert_uint_eq(decode("cli_icmp", p, &o), 1);
	perm_is(&p[0], 1, 8, -1, "0.0.0.0/0");
	ck_assert_uint_eq(decode("cli_udp_all", p, &o), 1);
	perm_is(&p[0], 17, 0, 65535, "10.0.0.0/8");
	ck_assert_uint_eq(decode("boto_multi", p, &o), 3);
	perm_is(&p[0], 6, 1000, 2000, "192.0.2.0/24");
	perm_is(&p[1], 6, 1000, 2000, "198.51.100.7/32");
	perm_is(&p[2], 50, -1, -1, "web");
	ck_assert_uint_eq(decode("boto_flat", p, &o), 1);
	perm_is(&p[0], 17, 53, 53, "10.0.0.0/16");
	ck_assert_uint_eq(decode("boto_flat_group", p, &o), 1);
	perm_is(&p[0], -1, -1, -1, "admin");
	ck_assert_uint_eq(decode("egress", p, &o), 1);
	perm_is(&p[0], 6, 443, 443, "0.0.0.0/0");
	xml_free(&o.x);
}
END_TEST

/* A query that must fail decoding with code. */
static void decode_fails(const char *query, const char *code)
{
	struct api_req r;
	req_of(&r, query);
	struct sg_perm p[SG_PERMS_MAX];
	struct api_out o = {0};
	size_t n;
	ck_assert_int_eq(sg_perms_decode(ctx.m, "shop", &r, p, SG_PERMS_MAX, &n, &o), -1);
	ck_assert_msg(strcmp(o.code, code) == 0, "%s: %s (%s), expected %s", query, o.code, o.message, code);
	api_req_free(&r);
}

START_TEST(decode_errors)
{
	decode_fails("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22"
		     "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.5%2F24", "InvalidParameterValue");
	decode_fails("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=30&IpPermissions.1.ToPort=20"
		     "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8", "InvalidParameterValue");
	decode_fails("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8",
		     "InvalidParameterValue");
	decode_fails("IpPermissions.1.IpProtocol=icmp&IpPermissions.1.FromPort=-1&IpPermissions.1.ToPort=3"
		     "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8", "InvalidParameterValue");
	decode_fails("IpPermissions.1.IpProtocol=gre&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8",
		     "InvalidParameterValue");
	decode_fails("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=1&IpPermissions.1.ToPort=1",
		     "MissingParameter");
	decode_fails("IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=sg-00000000000000000",
		     "InvalidGroup.NotFound");
	decode_fails("IpPermissions.1.IpProtocol=-1&IpPermissions.1.Groups.1.GroupId=web", "InvalidGroupId.Malformed");
	decode_fails("IpPermissions.1.IpProtocol=-1&IpPermissions.1.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0",
		     "InvalidParameterValue");
	decode_fails("IpProtocol=tcp&FromPort=1&ToPort=1&CidrIp=10.0.0.0%2F8&IpPermissions.1.IpProtocol=-1"
		     "&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8", "InvalidParameterCombination");
	decode_fails("Action=AuthorizeSecurityGroupIngress", "MissingParameter");
}
END_TEST

/* The model after edits, as lab_export writes it. */
static char *exported(struct lab *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(lab_export(m, f), 0);
	fclose(f);
	return buf;
}

static void has(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) != NULL, "expected %s in %s", s, x);
}

static void lacks(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) == NULL, "did not expect %s in %s", s, x);
}

START_TEST(model_edits)
{
	struct lab *m = NULL;
	char src[256];
	ck_assert_int_eq(api_ctx_copy(&ctx, &m, src, sizeof(src)), 0);
	struct lab_sg *g = lab_find_sg(m, "web", NULL);
	ck_assert_ptr_nonnull(g);
	struct sg_perm p[SG_PERMS_MAX];
	struct api_out o = {0};
	xml_init(&o.x);
	size_t n = decode("boto_multi", p, &o);
	ck_assert_int_eq(sg_rules_add(m, g, false, p, n, &o), 0);
	/* the rules already there, by meaning: tcp 80 0/0 written "80", icmp type 8 all codes */
	struct sg_perm d = {.proto = 6, .lo = 80, .hi = 80, .is_cidr = true, .prefix = {0, 0}};
	ck_assert_int_eq(sg_rules_add(m, g, false, &d, 1, &o), -1);
	ck_assert_str_eq(o.code, "InvalidPermission.Duplicate");
	has(o.message, "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW");
	n = decode("cli_icmp", p, &o);
	ck_assert_int_eq(sg_rules_add(m, g, false, p, n, &o), -1);
	ck_assert_str_eq(o.code, "InvalidPermission.Duplicate");
	/* revoke by meaning; then again: NotFound; then added back (last) */
	ck_assert_int_eq(sg_rules_remove(m, g, false, p, n, &o), 0);
	ck_assert_int_eq(sg_rules_remove(m, g, false, p, n, &o), -1);
	ck_assert_str_eq(o.code, "InvalidPermission.NotFound");
	ck_assert_int_eq(sg_rules_add(m, g, false, p, n, &o), 0);
	/* one request naming a rule twice */
	struct sg_perm two[2] = {d, d};
	two[0].lo = two[0].hi = two[1].lo = two[1].hi = 81;
	ck_assert_int_eq(sg_rules_add(m, g, false, two, 2, &o), -1);
	ck_assert_str_eq(o.code, "InvalidPermission.Duplicate");
	/* egress of a group without `outbound:`: the allow-all is there, then replaced */
	n = decode("revoke_egress_all", p, &o);
	ck_assert_int_eq(sg_rules_add(m, g, true, p, n, &o), -1);
	ck_assert_str_eq(o.code, "InvalidPermission.Duplicate");
	ck_assert_int_eq(sg_rules_remove(m, g, true, p, n, &o), 0);
	ck_assert(g->out_set);
	ck_assert_uint_eq(g->n_out, 0);
	n = decode("egress", p, &o);
	ck_assert_int_eq(sg_rules_add(m, g, true, p, n, &o), 0);
	char *y = exported(m);
	has(y, "{protocol: tcp, ports: 1000-2000, cidr: 192.0.2.0/24}");
	has(y, "{protocol: tcp, ports: 1000-2000, cidr: 198.51.100.7/32}");
	has(y, "{protocol: 50, group: web}");
	has(y, "{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}");
	has(y, "{protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}");
	lacks(y, "ports: 81");
	/* what was written checks again, with the same meaning */
	char d2[64], path[128];
	snprintf(d2, sizeof(d2), "/tmp/vpclab-api-sg2.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d2));
	snprintf(path, sizeof(path), "%s/lab.yaml", d2);
	FILE *f = fopen(path, "w");
	fputs(y, f);
	fclose(f);
	struct api_ctx c2;
	char err[256];
	ck_assert_msg(api_ctx_open(&c2, "shop", d2, err, sizeof(err)) == 0, "%s: %s", err, y);
	struct lab_sg *g2 = lab_find_sg(c2.m, "web", NULL);
	struct sg_perm have[SG_PERMS_MAX];
	ck_assert_uint_eq(sg_rules_of(g2, false, have, SG_PERMS_MAX), 5);
	perm_is(&have[0], 6, 80, 80, "0.0.0.0/0");
	perm_is(&have[3], 50, -1, -1, "web");
	perm_is(&have[4], 1, 8, -1, "0.0.0.0/0");
	ck_assert_uint_eq(sg_rules_of(g2, true, have, SG_PERMS_MAX), 1);
	perm_is(&have[0], 6, 443, 443, "0.0.0.0/0");
	api_ctx_close(&c2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/credentials", d2);
	unlink(path);
	rmdir(d2);
	free(y);
	xml_free(&o.x);
	lab_free(m);
}
END_TEST

static const char *call(const char *body, const char *const kv[][2], size_t n)
{
	struct api_req r;
	memset(&r, 0, sizeof(r));
	r.svc = API_EC2;
	snprintf(r.region, sizeof(r.region), "us-east-1");
	snprintf(r.request_id, sizeof(r.request_id), "rid-1");
	char b[2048];
	subst(b, sizeof(b), body, kv, n);
	ck_assert_int_eq(api_req_parse(&r, b), 0);
	api_req_sort(&r);
	r.action = api_param(&r, "Action");
	api_dispatch(&ctx, &r, &out, &status);
	api_req_free(&r);
	return out.buf;
}

/* The default group written into the model copy with AWS's implicit rules, then changed. */
START_TEST(default_group_declared)
{
	struct lab *m = NULL;
	char src[256];
	ck_assert_int_eq(api_ctx_copy(&ctx, &m, src, sizeof(src)), 0);
	struct lab_vpc *v = &m->vpcs[0];
	size_t before = v->n_sgs;
	struct lab_sg *g = sg_default_declare(m, v);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(v->n_sgs, before + 1);
	ck_assert_ptr_eq(sg_default_declare(m, v), g);
	struct sg_perm have[SG_PERMS_MAX];
	ck_assert_uint_eq(sg_rules_of(g, false, have, SG_PERMS_MAX), 1);
	perm_is(&have[0], -1, -1, -1, "default");
	ck_assert_uint_eq(sg_rules_of(g, true, have, SG_PERMS_MAX), 1);
	perm_is(&have[0], -1, -1, -1, "0.0.0.0/0");
	struct api_out o = {0};
	xml_init(&o.x);
	struct sg_perm p = {.proto = 6, .lo = 8080, .hi = 8080, .is_cidr = true, .prefix = {0xc6336400, 24}};
	ck_assert_int_eq(sg_rules_add(m, g, false, &p, 1, &o), 0);
	char *y = exported(m);
	has(y, "- name: default");
	has(y, "{protocol: all, group: default}");
	has(y, "{protocol: tcp, ports: 8080, cidr: 198.51.100.0/24}");
	/* the other VPC's default stays implicit: not written */
	ck_assert_ptr_null(lab_vpc_default_sg(&m->vpcs[1]));
	ck_assert_uint_eq(sg_rules_named(&m->vpcs[1], "default", false, have, SG_PERMS_MAX), 1);
	perm_is(&have[0], -1, -1, -1, "default");
	free(y);
	xml_free(&o.x);
	lab_free(m);
}
END_TEST

START_TEST(handler_errors)
{
	const char *const kv[][2] = {{"SG", sg}, {"R1", "sgr-00000000000000000"}, {"R2", "x"}};
	const char *x = call("Action=AuthorizeSecurityGroupIngress&GroupId=%40SG%40&IpPermissions.1.IpProtocol=tcp"
			     "&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1."
			     "CidrIp=0.0.0.0%2F0", kv, 1);
	ck_assert_int_eq(status, 400);
	has(x, "<Response><Errors><Error><Code>InvalidPermission.Duplicate</Code>");
	/* (a call that passes these checks would ask the lab's router: the sys test's part) */
	x = call("Action=RevokeSecurityGroupIngress&GroupName=web&IpProtocol=tcp&FromPort=81&ToPort=81"
		 "&CidrIp=0.0.0.0%2F0", kv, 1);
	has(x, "<Code>InvalidPermission.NotFound</Code>");
	x = call("Action=AuthorizeSecurityGroupIngress&GroupId=sg-00000000000000000&IpProtocol=-1&CidrIp=1.2.3.4%2F32", kv, 1);
	has(x, "<Code>InvalidGroup.NotFound</Code>");
	x = call("Action=AuthorizeSecurityGroupIngress&GroupName=nope&IpProtocol=-1&CidrIp=1.2.3.4%2F32", kv, 1);
	has(x, "<Code>InvalidGroup.NotFound</Code>");
	x = call("Action=AuthorizeSecurityGroupIngress&IpProtocol=-1&CidrIp=1.2.3.4%2F32", kv, 1);
	has(x, "<Code>MissingParameter</Code>");
	x = call(fixture("revoke_ids"), kv, 3);
	has(x, "<Code>InvalidSecurityGroupRuleId.NotFound</Code>");
	/* a group of another VPC as the peer */
	x = call("Action=AuthorizeSecurityGroupIngress&GroupName=web&SourceSecurityGroupName=far", kv, 1);
	has(x, "<Code>InvalidGroup.NotFound</Code>");
	has(x, "different networks");
	/* the VPC's default group, not in the file, has AWS's implicit rules: all from itself */
	char def[48];
	sg_group_id(def, "shop", "main", "default");
	const char *const kd[][2] = {{"SG", def}};
	x = call("Action=AuthorizeSecurityGroupIngress&GroupId=%40SG%40&IpPermissions.1.IpProtocol=-1"
		 "&IpPermissions.1.Groups.1.GroupId=%40SG%40", kd, 1);
	has(x, "<Code>InvalidPermission.Duplicate</Code>");
	x = call("Action=RevokeSecurityGroupIngress&GroupId=%40SG%40&IpProtocol=tcp&FromPort=22&ToPort=22"
		 "&CidrIp=0.0.0.0%2F0", kd, 1);
	has(x, "<Code>InvalidPermission.NotFound</Code>");
	/* (a change passes the checks and asks the lab's router: the sys test's part) */
	x = call(fixture("cli_tcp22"), kd, 1);
	lacks(x, "UnsupportedOperation");
	/* DryRun: nothing done */
	x = call("Action=AuthorizeSecurityGroupIngress&DryRun=true&GroupName=web&IpProtocol=-1&CidrIp=1.2.3.4%2F32", kv, 1);
	ck_assert_int_eq(status, 412);
}
END_TEST

START_TEST(rule_ids_and_xml)
{
	struct sg_perm a = {.proto = 6, .lo = 22, .hi = 22, .is_cidr = true, .prefix = {0xc633640a, 32}};
	struct sg_perm b = a;
	char ia[48], ib[48];
	sg_rule_id(ia, "shop", "main", sg, false, &a);
	sg_rule_id(ib, "shop", "main", sg, false, &b);
	ck_assert_str_eq(ia, ib);
	/* the key DescribeSecurityGroupRules hashes from the compiled rule, so that its ids revoke */
	char key[160], want[48];
	snprintf(key, sizeof(key), "%s/in/6/22-22/-1/-1/198.51.100.10/32", sg);
	api_id(want, "shop", "sgr", key);
	ck_assert_str_eq(ia, want);
	struct sg_perm e = {.proto = 1, .lo = 8, .hi = -1, .is_cidr = false, .group = "default"};
	char def[48];
	sg_group_id(def, "shop", "main", "default");
	sg_rule_id(ib, "shop", "main", sg, true, &e);
	snprintf(key, sizeof(key), "%s/out/1/0-65535/8/-1/%s", sg, def);
	api_id(want, "shop", "sgr", key);
	ck_assert_str_eq(ib, want);
	ck_assert_uint_eq(strlen(ia), 21);
	ck_assert(strncmp(ia, "sgr-", 4) == 0);
	sg_rule_id(ib, "shop", "main", sg, true, &b);
	ck_assert_str_ne(ia, ib);
	b.hi = 23;
	sg_rule_id(ib, "shop", "main", sg, false, &b);
	ck_assert_str_ne(ia, ib);
	struct xml x;
	xml_init(&x);
	sg_rule_xml(&x, "shop", "main", "web", false, &a);
	ck_assert_int_eq(xml_finish(&x), 0);
	has(x.buf, "<securityGroupRuleId>");
	has(x.buf, ia);
	has(x.buf, "<isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort>"
		   "<cidrIpv4>198.51.100.10/32</cidrIpv4>");
	xml_free(&x);
}
END_TEST

Suite *suite_api_sg(void)
{
	Suite *s = suite_create("api_sg");
	TCase *t = tcase_create("sg");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, decode_both_forms);
	tcase_add_test(t, decode_errors);
	tcase_add_test(t, model_edits);
	tcase_add_test(t, handler_errors);
	tcase_add_test(t, default_group_declared);
	tcase_add_test(t, rule_ids_and_xml);
	suite_add_tcase(s, t);
	return s;
}
