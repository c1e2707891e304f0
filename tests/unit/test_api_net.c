/* The EC2 changing calls for routes, network ACL entries, elastic IPs and instances, decoded
 * from requests as botocore serializes them (api/net_fixtures.h, gen_net_fixtures.py): each
 * model edit runs on a copy of a fixture lab (no router), the edited lab is exported, loaded
 * and checked again, and the file says what changed; the errors AWS gives come before any
 * apply, through api_dispatch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/ec2_change.h"
#include "control/api/ec2_find.h"
#include "control/lab/export.h"
#include "control/lab/lab.h"
#include "tests/unit/api/net_fixtures.h"

Suite *suite_api_net(void);

static const char lab_yaml[] =
	"name: net\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.1.0/24, route_table: pub, network_acl: pacl }\n"
	"      - { name: private, cidr: 10.0.2.0/24 }\n"
	"    route_tables:\n"
	"      - name: pub\n"
	"        routes:\n"
	"          - { destination: 192.0.2.0/24, target: blackhole }\n"
	"    network_acls:\n"
	"      - name: pacl\n"
	"        inbound:\n"
	"          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n"
	"        outbound:\n"
	"          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n"
	"    security_groups:\n"
	"      - name: web\n"
	"        inbound:\n"
	"          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }\n"
	"    nat_gateways:\n"
	"      - { name: nat-a, subnet: public, elastic_ip: nat-eip }\n"
	"    instances:\n"
	"      - { name: web, subnet: public, ip: 10.0.1.10, security_groups: [web] }\n"
	"      - { name: app, subnet: public, ip: 10.0.1.20, source_dest_check: false }\n"
	"elastic_ips:\n"
	"  - { name: web-eip, ip: 203.0.113.50 }\n"
	"  - { name: nat-eip, ip: 203.0.113.51 }\n"
	"checks:\n"
	"  - { from: app, to: web, protocol: tcp, port: 80, expect: allow }\n";

static char dir[64];
static struct api_ctx ctx;

static void put(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpclab-api-net.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put("lab.yaml", lab_yaml);
	char err[256];
	int rc = api_ctx_open(&ctx, "net", dir, err, sizeof(err));
	ck_assert_msg(rc == 0, "api_ctx_open: %s", err);
}

static void teardown(void)
{
	api_ctx_close(&ctx);
	const char *files[] = {"lab.yaml", "credentials", "edited.yaml"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void parse(struct api_req *r, const char *body)
{
	memset(r, 0, sizeof(*r));
	r->svc = API_EC2;
	snprintf(r->request_id, sizeof(r->request_id), "rid-7");
	ck_assert_int_eq(api_req_parse(r, body), 0);
	api_req_sort(r);
	r->action = api_param(r, "Action");
}

/* The edit fn with arg on a copy of the running model: the exported lab (malloc'd; it passed
 * load and check), or NULL with the error's code in code. */
static char *edit(api_change_fn fn, void *arg, char code[64])
{
	struct lab *m = NULL;
	char src[256];
	ck_assert_int_eq(api_ctx_copy(&ctx, &m, src, sizeof(src)), 0);
	struct api_out o = {.status = 0};
	xml_init(&o.x);
	int rc = fn(&ctx, m, arg, &o);
	snprintf(code, 64, "%s", rc < 0 ? o.code : "");
	xml_free(&o.x);
	if (rc < 0) {
		lab_free(m);
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_int_eq(lab_export(m, f), 0);
	fclose(f);
	lab_free(m);
	struct diag *d = diag_create();
	struct lab *again = lab_load_buffer("edited.yaml", text, len, d);
	ck_assert_ptr_nonnull(again);
	int errs = lab_check(again, d);
	if (errs || diag_errors(d))
		diag_print(d, stderr);
	ck_assert_msg(diag_errors(d) == 0, "the edited lab does not check:\n%s", text);
	lab_free(again);
	diag_destroy(d);
	return text;
}

static char *edit_req(api_change_fn fn, const char *body, char code[64])
{
	struct api_req r;
	parse(&r, body);
	char *t = edit(fn, &r, code);
	api_req_free(&r);
	return t;
}

static void has(const char *x, const char *s)
{
	ck_assert_msg(x && strstr(x, s) != NULL, "expected %s in %s", s, x ? x : "(null)");
}

static void lacks(const char *x, const char *s)
{
	ck_assert_msg(x && strstr(x, s) == NULL, "did not expect %s in %s", s, x ? x : "(null)");
}

/* An error the call gives before it changes anything (api_dispatch, no router needed). */
static void fails(const char *body, const char *code)
{
	struct api_req r;
	parse(&r, body);
	struct xml out;
	int status = 0;
	xml_init(&out);
	api_dispatch(&ctx, &r, &out, &status);
	ck_assert_int_eq(status, 400);
	char want[96];
	snprintf(want, sizeof(want), "<Code>%s</Code>", code);
	has(out.buf, want);
	has(out.buf, "<Response><Errors><Error>");
	xml_free(&out);
	api_req_free(&r);
}

START_TEST(routes)
{
	char code[64];
	char *t = edit_req(ec2_route_edit, NET_ROUTE_IGW, code);
	has(t, "{destination: 0.0.0.0/0, target: igw}");
	has(t, "{destination: 192.0.2.0/24, target: blackhole}");
	free(t);
	/* the implicit main table is written out, named main, with main: true */
	t = edit_req(ec2_route_edit, NET_ROUTE_MAIN_NAT, code);
	has(t, "- name: main\n    main: true\n    routes:\n    - {destination: 198.51.100.0/24, target: nat-a}");
	free(t);
	t = edit_req(ec2_route_edit, "Action=ReplaceRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=192.0.2.0/24"
		     "&GatewayId=" NET_ID_NAT, code);
	has(t, "{destination: 192.0.2.0/24, target: nat-a}");
	free(t);
	t = edit_req(ec2_route_edit, NET_ROUTE_ENI, code);
	has(t, "{destination: 192.0.2.0/24, target: app}");
	free(t);
	t = edit_req(ec2_route_edit, NET_ROUTE_DELETE, code);
	lacks(t, "192.0.2.0/24");
	free(t);
	fails(NET_ROUTE_DUP, "RouteAlreadyExists");
	fails(NET_ROUTE_BADGW, "InvalidGatewayID.NotFound");
	fails("Action=CreateRoute&RouteTableId=rtb-00000000000000000&DestinationCidrBlock=0.0.0.0/0&GatewayId="
	      NET_ID_IGW, "InvalidRouteTableID.NotFound");
	fails("Action=DeleteRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=10.9.0.0/16", "InvalidRoute.NotFound");
	fails("Action=DeleteRoute&RouteTableId=" NET_ID_MAIN "&DestinationCidrBlock=0.0.0.0/0", "InvalidRoute.NotFound");
	fails("Action=CreateRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=10.300.0.0/16&GatewayId=" NET_ID_IGW,
	      "InvalidParameterValue");
	fails("Action=CreateRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=10.0.0.0/16&GatewayId=" NET_ID_IGW,
	      "RouteAlreadyExists");
	fails("Action=CreateRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=10.9.0.0/16", "MissingParameter");
	fails("Action=CreateRoute&RouteTableId=" NET_ID_RTB "&DestinationCidrBlock=10.9.0.0/16&InstanceId=i-00000000000000000",
	      "InvalidInstanceID.NotFound");
}
END_TEST

START_TEST(acl_entries)
{
	char code[64];
	char *t = edit_req(ec2_acl_edit, NET_ACL_TCP, code);
	has(t, "- {rule: 90, action: deny, protocol: tcp, ports: 1000-2000, cidr: 198.51.100.7/32}\n"
	       "    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}");
	free(t);
	t = edit_req(ec2_acl_edit, NET_ACL_ICMP, code);
	has(t, "outbound:\n    - {rule: 50, action: deny, protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}");
	free(t);
	t = edit_req(ec2_acl_edit, NET_ACL_REPLACE, code);
	has(t, "inbound:\n    - {rule: 100, action: deny, protocol: all, cidr: 10.0.0.0/8}");
	free(t);
	t = edit_req(ec2_acl_edit, NET_ACL_DELETE, code);
	has(t, "outbound: []");
	free(t);
	fails(NET_ACL_DUP, "NetworkAclEntryAlreadyExists");
	fails("Action=DeleteNetworkAclEntry&NetworkAclId=" NET_ID_ACL "&RuleNumber=7&Egress=false",
	      "InvalidNetworkAclEntry.NotFound");
	fails("Action=DeleteNetworkAclEntry&NetworkAclId=acl-00000000000000000&RuleNumber=7&Egress=false",
	      "InvalidNetworkAclID.NotFound");
	fails("Action=CreateNetworkAclEntry&NetworkAclId=" NET_ID_ACL "&RuleNumber=7&Egress=false&Protocol=-1"
	      "&RuleAction=permit&CidrBlock=0.0.0.0/0", "InvalidParameterValue");
	fails("Action=CreateNetworkAclEntry&NetworkAclId=" NET_ID_ACL "&RuleNumber=40000&Egress=false&Protocol=-1"
	      "&RuleAction=allow&CidrBlock=0.0.0.0/0", "InvalidParameterValue");
}
END_TEST

/* The VPC's default ACL (not in the file) is written with AWS's rule 100 both ways, then changed. */
START_TEST(default_acl_entries)
{
	char code[64], id[48], body[256];
	ec2_model_acl_id(id, "net", &ctx.m->vpcs[0], "default");
	snprintf(body, sizeof(body), "Action=CreateNetworkAclEntry&NetworkAclId=%s&RuleNumber=50&Egress=false"
		 "&Protocol=6&RuleAction=deny&CidrBlock=198.51.100.7/32&PortRange.From=22&PortRange.To=22", id);
	char *t = edit_req(ec2_acl_edit, body, code);
	ck_assert_msg(t != NULL, "%s", code);
	has(t, "- name: default\n    inbound:\n    - {rule: 50, action: deny, protocol: tcp, ports: 22, "
	       "cidr: 198.51.100.7/32}\n    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n"
	       "    outbound:\n    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}");
	free(t);
	snprintf(body, sizeof(body), "Action=CreateNetworkAclEntry&NetworkAclId=%s&RuleNumber=100&Egress=true"
		 "&Protocol=-1&RuleAction=deny&CidrBlock=0.0.0.0/0", id);
	fails(body, "NetworkAclEntryAlreadyExists");
	snprintf(body, sizeof(body), "Action=DeleteNetworkAclEntry&NetworkAclId=%s&RuleNumber=100&Egress=true", id);
	t = edit_req(ec2_acl_edit, body, code);
	ck_assert_msg(t != NULL, "%s", code);
	has(t, "- name: default\n    inbound:\n    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n"
	       "    outbound: []");
	free(t);
}
END_TEST

START_TEST(addresses)
{
	char code[64];
	char *t = edit_req(ec2_assoc_edit, NET_ASSOC, code);
	has(t, "{name: web-eip, ip: 203.0.113.50, instance: web}");
	free(t);
	/* by address and interface; AllowReassociation=false does not stop an unassociated one */
	t = edit_req(ec2_assoc_edit, NET_ASSOC_IP_ENI, code);
	has(t, "{name: web-eip, ip: 203.0.113.50, instance: app}");
	free(t);
	/* a NAT gateway's address does not move */
	fails("Action=AssociateAddress&PublicIp=203.0.113.51&InstanceId=" NET_ID_WEB, "Resource.AlreadyAssociated");
	fails("Action=AssociateAddress&AllocationId=eipalloc-00000000000000000&InstanceId=" NET_ID_WEB,
	      "InvalidAllocationID.NotFound");
	fails("Action=AssociateAddress&AllocationId=" NET_ID_EIP "&InstanceId=i-00000000000000000",
	      "InvalidInstanceID.NotFound");
	fails(NET_DISASSOC, "InvalidAssociationID.NotFound"); /* not associated yet */
}
END_TEST

/* Reassociation and disassociation on a lab whose elastic IP is already web's. */
START_TEST(addresses_associated)
{
	char *y = strdup(lab_yaml);
	char *p = strstr(y, "{ name: web-eip, ip: 203.0.113.50 }");
	ck_assert_ptr_nonnull(p);
	char text[4096];
	snprintf(text, sizeof(text), "%.*s{ name: web-eip, ip: 203.0.113.50, instance: web }%s", (int)(p - y), y,
		 p + strlen("{ name: web-eip, ip: 203.0.113.50 }"));
	free(y);
	put("lab.yaml", text);
	ck_assert_int_eq(api_ctx_refresh(&ctx), 0);
	char code[64];
	char *t = edit_req(ec2_disassoc_edit, NET_DISASSOC, code);
	has(t, "{name: web-eip, ip: 203.0.113.50}");
	free(t);
	fails(NET_ASSOC_IP_ENI, "Resource.AlreadyAssociated"); /* AllowReassociation=false */
	/* absent: it moves */
	t = edit_req(ec2_assoc_edit, "Action=AssociateAddress&AllocationId=" NET_ID_EIP "&InstanceId=i-x", code);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(code, "InvalidInstanceID.NotFound");
	struct api_req r;
	parse(&r, NET_ASSOC_IP_ENI);
	for (size_t i = 0; i < r.n; i++)
		if (strcmp(r.p[i].name, "AllowReassociation") == 0)
			strcpy(r.p[i].value, "true"); /* "false" held 6 bytes */
	t = edit(ec2_assoc_edit, &r, code);
	api_req_free(&r);
	has(t, "{name: web-eip, ip: 203.0.113.50, instance: app}");
	free(t);
}
END_TEST

START_TEST(run_and_terminate)
{
	char code[64];
	struct api_req r;
	parse(&r, NET_RUN);
	struct ec2_run run = {.r = &r};
	char *t = edit(ec2_run_edit, &run, code);
	api_req_free(&r);
	ck_assert_int_eq(run.n, 2);
	ck_assert_str_eq(run.names[0], "api");
	ck_assert_str_eq(run.names[1], "api-2");
	has(t, "- name: api\n    subnet: public\n    security_groups: [web]\n    run: python3 -m http.server 80");
	has(t, "- name: api-2\n");
	free(t);
	/* no Name tag: i- and 8 hex digits, a valid lab name */
	parse(&r, "Action=RunInstances&MinCount=1&MaxCount=1&ImageId=ami-1&SubnetId=subnet-39578c4bc832f3ca2"
		  "&PrivateIpAddress=10.0.1.99");
	struct ec2_run run2 = {.r = &r};
	t = edit(ec2_run_edit, &run2, code);
	api_req_free(&r);
	ck_assert_int_eq(run2.n, 1);
	ck_assert_int_eq(strlen(run2.names[0]), 10);
	ck_assert(strncmp(run2.names[0], "i-", 2) == 0);
	has(t, "ip: 10.0.1.99");
	free(t);
	fails(NET_RUN_BADSG, "InvalidGroup.NotFound");
	fails("Action=RunInstances&MinCount=1&MaxCount=1&SubnetId=subnet-00000000000000000", "InvalidSubnetID.NotFound");
	fails("Action=RunInstances&MinCount=1&MaxCount=1&SubnetId=subnet-39578c4bc832f3ca2&UserData=abc",
	      "InvalidUserData.Malformed");
	fails("Action=RunInstances&MinCount=1&MaxCount=1&SubnetId=subnet-39578c4bc832f3ca2"
	      "&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name"
	      "&TagSpecification.1.Tag.1.Value=web", "InvalidParameterValue"); /* taken */
	/* terminate: its elastic IP, routes, checks let go as AWS lets them */
	t = edit_req(ec2_terminate_edit, NET_TERMINATE, code);
	lacks(t, "name: web,");
	lacks(t, "from: app");
	has(t, "- {name: app,");
	free(t);
	fails("Action=TerminateInstances&InstanceId.1=i-00000000000000000", "InvalidInstanceID.NotFound");
}
END_TEST

/* A terminated instance lets go of what named it: a route to it stays as a blackhole, its
 * elastic IP stays allocated, unassociated. */
static char *swap(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	ck_assert_ptr_nonnull(p);
	char *r = malloc(strlen(text) + strlen(to) + 1);
	sprintf(r, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return r;
}

START_TEST(terminate_lets_go)
{
	char *a = swap(lab_yaml, "target: blackhole", "target: app");
	char *b = swap(a, "{ name: web-eip, ip: 203.0.113.50 }", "{ name: web-eip, ip: 203.0.113.50, instance: app }");
	put("lab.yaml", b);
	free(a);
	free(b);
	ck_assert_int_eq(api_ctx_refresh(&ctx), 0);
	char code[64];
	char *t = edit_req(ec2_terminate_edit, "Action=TerminateInstances&InstanceId.1=i-x", code);
	ck_assert_ptr_null(t);
	ck_assert_str_eq(code, "InvalidInstanceID.NotFound");
	char id[48];
	api_id(id, "net", "i", "app");
	char body[160];
	/* named twice: terminated once */
	snprintf(body, sizeof(body), "Action=TerminateInstances&InstanceId.1=%s&InstanceId.2=%s", id, id);
	t = edit_req(ec2_terminate_edit, body, code);
	has(t, "{destination: 192.0.2.0/24, target: blackhole}");
	has(t, "{name: web-eip, ip: 203.0.113.50}");
	lacks(t, "name: app");
	has(t, "name: web,");
	free(t);
}
END_TEST

Suite *suite_api_net(void)
{
	Suite *s = suite_create("api_net");
	TCase *tc = tcase_create("changes");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, acl_entries);
	tcase_add_test(tc, default_acl_entries);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, addresses_associated);
	tcase_add_test(tc, run_and_terminate);
	tcase_add_test(tc, terminate_lets_go);
	suite_add_tcase(s, tc);
	return s;
}
