/* The EC2 Describe handlers beyond VPCs and subnets over a lab with one object of every kind,
 * loaded as `vpclab api` loads it (a fixture directory, no router: the model's instances only):
 * AWS's XML shapes, ids consistent across calls (and equal to the flow logs' eni ids), filters,
 * the implicit default group / ACL / main table of each VPC, and AWS's NotFound codes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"

Suite *suite_api_describe(void);

static const char lab_yaml[] =
	"name: shop\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    dns: { hostnames: true }\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.0.0/24, az: a, route_table: public, map_public_ip: true }\n"
	"      - { name: private, cidr: 10.0.1.0/24, az: b, network_acl: locked }\n"
	"      - { name: mid, cidr: 10.0.2.0/24, az: b, route_table: private }\n"
	"    route_tables:\n"
	"      - name: public\n"
	"        routes:\n"
	"          - { destination: 0.0.0.0/0, target: igw }\n"
	"      - name: private\n"
	"        main: true\n"
	"        routes:\n"
	"          - { destination: 0.0.0.0/0, target: nat }\n"
	"          - { destination: 192.0.2.0/24, target: blackhole }\n"
	"          - { destination: 198.51.100.0/24, target: fw }\n"
	"    network_acls:\n"
	"      - name: locked\n"
	"        inbound:\n"
	"          - { rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.0.0/24 }\n"
	"          - { rule: 90, action: deny, protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0 }\n"
	"        outbound:\n"
	"          - { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 }\n"
	"    security_groups:\n"
	"      - name: web\n"
	"        description: web servers\n"
	"        inbound:\n"
	"          - { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 }\n"
	"          - { protocol: tcp, ports: 80, cidr: 198.51.100.0/24 }\n"
	"          - { protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0 }\n"
	"      - name: db\n"
	"        inbound:\n"
	"          - { protocol: tcp, ports: 5432, group: web }\n"
	"        outbound:\n"
	"          - { protocol: udp, ports: 53, cidr: 10.0.0.2/32 }\n"
	"    nat_gateways:\n"
	"      - { name: nat, subnet: public, elastic_ip: nat-eip }\n"
	"    instances:\n"
	"      - { name: web, subnet: public, ip: 10.0.0.10, security_groups: [web] }\n"
	"      - { name: auto, subnet: public, ip: 10.0.0.11 }\n"
	"      - { name: db, subnet: private, ip: 10.0.1.10, security_groups: [db, web] }\n"
	"      - { name: fw, subnet: mid, ip: 10.0.2.10, source_dest_check: false }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    dns: { hostnames: false }\n"
	"    subnets:\n"
	"      - { name: o1, cidr: 10.1.1.0/24 }\n"
	"elastic_ips:\n"
	"  - { name: nat-eip, ip: 203.0.113.20 }\n"
	"  - { name: web-eip, ip: 203.0.113.60, instance: web }\n"
	"  - { name: spare, ip: 203.0.113.70 }\n";

static char dir[64];
static struct api_ctx ctx;
static struct xml out;
static int status;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpclab-api-desc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(lab_yaml, f);
	fclose(f);
	char err[256];
	int rc = api_ctx_open(&ctx, "shop", dir, err, sizeof(err));
	ck_assert_msg(rc == 0, "api_ctx_open: %s", err);
	xml_init(&out);
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

static const char *call(const char *query)
{
	struct api_req r = {.svc = API_EC2};
	snprintf(r.region, sizeof(r.region), "%s", ctx.region);
	snprintf(r.request_id, sizeof(r.request_id), "rid-1");
	ck_assert_int_eq(api_req_parse(&r, query), 0);
	api_req_sort(&r);
	r.action = api_param(&r, "Action");
	api_dispatch(&ctx, &r, &out, &status);
	api_req_free(&r);
	if (getenv("API_DESCRIBE_SHOW"))
		fprintf(stderr, "%s\n%s\n\n", query, out.buf);
	return out.buf;
}

/* call() with one id of kind NAME spliced in for %s. */
static const char *callf(const char *fmt, const char *prefix, const char *name)
{
	char id[48], q[512];
	api_id(id, "shop", prefix, name);
	snprintf(q, sizeof(q), fmt, id);
	return call(q);
}

static void has(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) != NULL, "expected %s in %s", s, x);
}

static void lacks(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) == NULL, "did not expect %s in %s", s, x);
}

static int count(const char *x, const char *s)
{
	int n = 0;
	for (const char *p = strstr(x, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

static void has_id(const char *x, const char *elem, const char *prefix, const char *name)
{
	char id[48], s[128];
	api_id(id, "shop", prefix, name);
	snprintf(s, sizeof(s), "<%s>%s</%s>", elem, id, elem);
	has(x, s);
}

START_TEST(security_groups)
{
	char sgweb[48], main_default[48], other_default[48];
	api_id(sgweb, "shop", "sg", "web");
	api_id(main_default, "shop", "sg", "main/default");
	api_id(other_default, "shop", "sg", "other/default");
	const char *x = call("Action=DescribeSecurityGroups");
	ck_assert_int_eq(status, 200);
	has(x, "<securityGroupInfo><item><ownerId>123456789012</ownerId><groupId>");
	/* each VPC's default group, its own id; members admit each other, all out */
	has(x, main_default);
	has(x, other_default);
	ck_assert_int_eq(count(x, "<groupName>default</groupName><groupDescription>default VPC security group"), 2);
	char s[512];
	snprintf(s, sizeof(s), "<ipPermissions><item><ipProtocol>-1</ipProtocol><groups><item><userId>123456789012"
		 "</userId><groupId>%s</groupId></item></groups><ipRanges></ipRanges>", main_default);
	has(x, s);
	/* two tcp 80 rules: one permission, two ranges; icmp echo: type 8, any code */
	has(x, "<groupName>web</groupName><groupDescription>web servers</groupDescription>");
	has(x, "<ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort><groups></groups><ipRanges>"
	       "<item><cidrIp>0.0.0.0/0</cidrIp></item><item><cidrIp>198.51.100.0/24</cidrIp></item></ipRanges>");
	has(x, "<ipProtocol>icmp</ipProtocol><fromPort>8</fromPort><toPort>-1</toPort>");
	/* db: from the group web; outbound only udp 53 (no implicit allow-all) */
	snprintf(s, sizeof(s), "<ipProtocol>tcp</ipProtocol><fromPort>5432</fromPort><toPort>5432</toPort><groups><item>"
		 "<userId>123456789012</userId><groupId>%s</groupId></item></groups>", sgweb);
	has(x, s);
	has(x, "<ipPermissionsEgress><item><ipProtocol>udp</ipProtocol><fromPort>53</fromPort><toPort>53</toPort>"
	       "<groups></groups><ipRanges><item><cidrIp>10.0.0.2/32</cidrIp>");
	/* by name, by id, by filter */
	x = call("Action=DescribeSecurityGroups&GroupName.1=default");
	ck_assert_int_eq(count(x, "<groupName>default</groupName>"), 2);
	x = callf("Action=DescribeSecurityGroups&GroupId.1=%s", "sg", "web");
	ck_assert_int_eq(count(x, "<groupId>"), 1);
	has(x, "<groupName>web</groupName>");
	x = callf("Action=DescribeSecurityGroups&Filter.1.Name=vpc-id&Filter.1.Value.1=%s", "vpc", "other");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	has(x, other_default);
	x = call("Action=DescribeSecurityGroups&Filter.1.Name=group-name&Filter.1.Value.1=d*"
		 "&Filter.2.Name=tag%3AName&Filter.2.Value.1=db");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	has(x, "<groupName>db</groupName>");
	x = callf("Action=DescribeSecurityGroups&Filter.1.Name=group-id&Filter.1.Value.1=%s", "sg", "web");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	/* by their rules: who admits tcp 5432, who admits from web, who sends udp out */
	x = call("Action=DescribeSecurityGroups&Filter.1.Name=ip-permission.from-port&Filter.1.Value.1=5432");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	has(x, "<groupName>db</groupName>");
	x = call("Action=DescribeSecurityGroups&Filter.1.Name=ip-permission.group-name&Filter.1.Value.1=web");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	x = call("Action=DescribeSecurityGroups&Filter.1.Name=ip-permission.cidr&Filter.1.Value.1=198.51.100.0%2F24"
		 "&Filter.2.Name=ip-permission.protocol&Filter.2.Value.1=icmp");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	has(x, "<groupName>web</groupName>");
	x = call("Action=DescribeSecurityGroups&Filter.1.Name=egress.ip-permission.protocol&Filter.1.Value.1=udp");
	ck_assert_int_eq(count(x, "<groupName>"), 1);
	has(x, "<groupName>db</groupName>");
	/* unknown: AWS's code */
	x = call("Action=DescribeSecurityGroups&GroupId.1=sg-00000000000000000");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidGroup.NotFound</Code><Message>The security group &apos;sg-00000000000000000&apos; does not exist");
	x = call("Action=DescribeSecurityGroups&GroupName.1=nope");
	has(x, "<Code>InvalidGroup.NotFound</Code>");
}
END_TEST

START_TEST(security_group_rules)
{
	const char *x = callf("Action=DescribeSecurityGroupRules&Filter.1.Name=group-id&Filter.1.Value.1=%s", "sg", "web");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<securityGroupRuleId>sgr-"), 4); /* 3 in, the implicit all out */
	has(x, "<isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>80</toPort>"
	       "<cidrIpv4>198.51.100.0/24</cidrIpv4>");
	has(x, "<isEgress>true</isEgress><ipProtocol>-1</ipProtocol><fromPort>-1</fromPort><toPort>-1</toPort>"
	       "<cidrIpv4>0.0.0.0/0</cidrIpv4>");
	/* the same ids at every call; one rule by its id */
	char first[64];
	const char *p = strstr(x, "<securityGroupRuleId>") + strlen("<securityGroupRuleId>");
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(p, "<"), p);
	char q[256];
	snprintf(q, sizeof(q), "Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=%s", first);
	x = call(q);
	ck_assert_int_eq(count(x, "<securityGroupRuleId>"), 1);
	has(x, first);
	x = callf("Action=DescribeSecurityGroupRules&Filter.1.Name=group-id&Filter.1.Value.1=%s", "sg", "db");
	has(x, "<referencedGroupInfo><groupId>");
	x = call("Action=DescribeSecurityGroupRules&SecurityGroupRuleId.1=sgr-0");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidSecurityGroupRuleId.NotFound</Code>");
}
END_TEST

START_TEST(instances)
{
	const char *x = call("Action=DescribeInstances");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<reservationId>r-"), 4);
	has(x, "<reservationSet><item><reservationId>");
	has(x, "<instancesSet><item><instanceId>");
	has(x, "<instanceState><code>16</code><name>running</name></instanceState>"
	       "<privateDnsName>ip-10-0-0-10.ec2.internal</privateDnsName>"
	       "<dnsName>ec2-203-0-113-60.compute-1.amazonaws.com</dnsName>");
	has(x, "<instanceType>t3.micro</instanceType>");
	has(x, "<placement><availabilityZone>us-east-1b</availabilityZone>");
	has(x, "<privateIpAddress>10.0.0.10</privateIpAddress><ipAddress>203.0.113.60</ipAddress>"
	       "<sourceDestCheck>true</sourceDestCheck>");
	has(x, "<privateIpAddress>10.0.2.10</privateIpAddress><sourceDestCheck>false</sourceDestCheck>");
	has(x, "<tagSet><item><key>Name</key><value>fw</value></item></tagSet>");
	/* its interface: the flow logs' id (api_id "eni" is flowlog_eni_id: test_api.c) */
	has_id(x, "networkInterfaceId", "eni", "web");
	has_id(x, "instanceId", "i", "db");
	has_id(x, "subnetId", "subnet", "mid");
	has_id(x, "vpcId", "vpc", "main");
	/* db is in two groups */
	char s[256], web[48], db[48];
	api_id(web, "shop", "sg", "web");
	api_id(db, "shop", "sg", "db");
	snprintf(s, sizeof(s), "<groupSet><item><groupId>%s</groupId><groupName>db</groupName></item><item>"
		 "<groupId>%s</groupId><groupName>web</groupName></item></groupSet>", db, web);
	has(x, s);
	/* filters */
	x = call("Action=DescribeInstances&Filter.1.Name=instance-state-name&Filter.1.Value.1=running"
		 "&Filter.2.Name=private-ip-address&Filter.2.Value.1=10.0.1.10");
	ck_assert_int_eq(count(x, "<instanceId>"), 1);
	has(x, "<value>db</value>");
	x = call("Action=DescribeInstances&Filter.1.Name=instance-state-name&Filter.1.Value.1=stopped");
	has(x, "<reservationSet></reservationSet>");
	x = call("Action=DescribeInstances&Filter.1.Name=tag%3AName&Filter.1.Value.1=web&Filter.1.Value.2=fw");
	ck_assert_int_eq(count(x, "<instanceId>"), 2);
	x = callf("Action=DescribeInstances&Filter.1.Name=subnet-id&Filter.1.Value.1=%s", "subnet", "public");
	ck_assert_int_eq(count(x, "<instanceId>"), 2);
	x = call("Action=DescribeInstances&Filter.1.Name=availability-zone&Filter.1.Value.1=us-east-1b");
	ck_assert_int_eq(count(x, "<instanceId>"), 2);
	x = callf("Action=DescribeInstances&Filter.1.Name=instance.group-id&Filter.1.Value.1=%s", "sg", "web");
	ck_assert_int_eq(count(x, "<instanceId>"), 2);
	x = callf("Action=DescribeInstances&Filter.1.Name=network-interface.network-interface-id&Filter.1.Value.1=%s",
		  "eni", "fw");
	ck_assert_int_eq(count(x, "<instanceId>"), 1);
	x = call("Action=DescribeInstances&Filter.1.Name=ip-address&Filter.1.Value.1=203.0.113.*");
	ck_assert_int_eq(count(x, "<instanceId>"), 2); /* web's elastic IP, auto's public IP */
	x = callf("Action=DescribeInstances&InstanceId.1=%s", "i", "auto");
	ck_assert_int_eq(count(x, "<instanceId>"), 1);
	has(x, "<ipAddress>203.0.113.");
	x = call("Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &apos;i-0123456789abcdef0&apos; does "
	       "not exist");
	x = call("Action=DescribeInstances&Filter.1.Name=flavour&Filter.1.Value.1=x");
	ck_assert_int_eq(status, 400);
}
END_TEST

START_TEST(network_interfaces)
{
	const char *x = call("Action=DescribeNetworkInterfaces");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<networkInterfaceId>"), 5); /* 4 instances, the NAT gateway */
	has(x, "<interfaceType>nat_gateway</interfaceType>");
	has(x, "<description>Interface for NAT Gateway nat-");
	x = callf("Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=%s", "eni", "web");
	ck_assert_int_eq(count(x, "<networkInterfaceId>"), 1);
	has_id(x, "instanceId", "i", "web");
	has_id(x, "allocationId", "eipalloc", "web-eip");
	has(x, "<publicIp>203.0.113.60</publicIp>");
	x = callf("Action=DescribeNetworkInterfaces&Filter.1.Name=attachment.instance-id&Filter.1.Value.1=%s", "i", "db");
	ck_assert_int_eq(count(x, "<networkInterfaceId>"), 1);
	has(x, "<privateIpAddress>10.0.1.10</privateIpAddress>");
	x = callf("Action=DescribeNetworkInterfaces&Filter.1.Name=group-id&Filter.1.Value.1=%s", "sg", "db");
	ck_assert_int_eq(count(x, "<networkInterfaceId>"), 1);
	x = call("Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=eni-1");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidNetworkInterfaceID.NotFound</Code>");
}
END_TEST

START_TEST(route_tables)
{
	const char *x = call("Action=DescribeRouteTables");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<routeTableId>rtb-"), 3 + 4); /* tables, and their associations' */
	has(x, "<routeSet><item><destinationCidrBlock>10.0.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId>"
	       "<state>active</state><origin>CreateRouteTable</origin></item>");
	char s[512], igw[48], nat[48], fw[48], eni[48];
	api_id(igw, "shop", "igw", "main");
	api_id(nat, "shop", "nat", "nat");
	api_id(fw, "shop", "i", "fw");
	api_id(eni, "shop", "eni", "fw");
	snprintf(s, sizeof(s), "<destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>%s</gatewayId>", igw);
	has(x, s);
	snprintf(s, sizeof(s), "<destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><natGatewayId>%s</natGatewayId>", nat);
	has(x, s);
	snprintf(s, sizeof(s), "<destinationCidrBlock>198.51.100.0/24</destinationCidrBlock><instanceId>%s</instanceId>"
		 "<instanceOwnerId>123456789012</instanceOwnerId><networkInterfaceId>%s</networkInterfaceId>"
		 "<state>active</state>", fw, eni);
	has(x, s);
	has(x, "<destinationCidrBlock>192.0.2.0/24</destinationCidrBlock><state>blackhole</state>");
	/* private is main (no subnet) and mid's; private (the subnet) uses it implicitly: no row */
	x = call("Action=DescribeRouteTables&Filter.1.Name=association.main&Filter.1.Value.1=true");
	ck_assert_int_eq(count(x, "<main>true</main>"), 2); /* each VPC's main table */
	x = callf("Action=DescribeRouteTables&Filter.1.Name=association.subnet-id&Filter.1.Value.1=%s", "subnet", "mid");
	ck_assert_int_eq(count(x, "<item><routeTableId>"), 1);
	has(x, "<main>true</main>");
	has_id(x, "subnetId", "subnet", "mid");
	x = callf("Action=DescribeRouteTables&Filter.1.Name=association.subnet-id&Filter.1.Value.1=%s", "subnet", "private");
	has(x, "<routeTableSet></routeTableSet>");
	x = callf("Action=DescribeRouteTables&Filter.1.Name=vpc-id&Filter.1.Value.1=%s", "vpc", "other");
	ck_assert_int_eq(count(x, "<item><routeTableId>"), 1);
	has_id(x, "routeTableId", "rtb", "other/main");
	x = callf("Action=DescribeRouteTables&Filter.1.Name=route.nat-gateway-id&Filter.1.Value.1=%s", "nat", "nat");
	ck_assert_int_eq(count(x, "<item><routeTableId>"), 1);
	x = callf("Action=DescribeRouteTables&RouteTableId.1=%s", "rtb", "public");
	has(x, "<value>public</value>");
	x = call("Action=DescribeRouteTables&RouteTableId.1=rtb-1");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidRouteTableID.NotFound</Code>");
}
END_TEST

START_TEST(network_acls)
{
	const char *x = callf("Action=DescribeNetworkAcls&NetworkAclId.1=%s", "acl", "main/default");
	ck_assert_int_eq(status, 200);
	has(x, "<default>true</default><entrySet><item><ruleNumber>100</ruleNumber><protocol>-1</protocol>"
	       "<ruleAction>allow</ruleAction><egress>true</egress><cidrBlock>0.0.0.0/0</cidrBlock></item><item>"
	       "<ruleNumber>32767</ruleNumber><protocol>-1</protocol><ruleAction>deny</ruleAction><egress>true</egress>");
	ck_assert_int_eq(count(x, "<networkAclAssociationId>aclassoc-"), 2); /* public, mid */
	has_id(x, "subnetId", "subnet", "mid");
	x = callf("Action=DescribeNetworkAcls&NetworkAclId.1=%s", "acl", "locked");
	has(x, "<default>false</default>");
	has(x, "<ruleNumber>90</ruleNumber><protocol>1</protocol><ruleAction>deny</ruleAction><egress>false</egress>"
	       "<cidrBlock>0.0.0.0/0</cidrBlock><icmpTypeCode><code>-1</code><type>8</type></icmpTypeCode>");
	has(x, "<ruleNumber>100</ruleNumber><protocol>6</protocol><ruleAction>allow</ruleAction><egress>false</egress>"
	       "<cidrBlock>10.0.0.0/24</cidrBlock><portRange><from>5432</from><to>5432</to></portRange>");
	ck_assert_int_eq(count(x, "<ruleNumber>32767</ruleNumber>"), 2);
	has_id(x, "subnetId", "subnet", "private");
	x = call("Action=DescribeNetworkAcls&Filter.1.Name=default&Filter.1.Value.1=true");
	ck_assert_int_eq(count(x, "<networkAclId>acl-"), 2 + 3); /* ACLs, and their associations' */
	x = callf("Action=DescribeNetworkAcls&Filter.1.Name=association.subnet-id&Filter.1.Value.1=%s", "subnet", "private");
	has(x, "<value>locked</value>");
	lacks(x, "<value>default</value>");
	x = call("Action=DescribeNetworkAcls&Filter.1.Name=entry.rule-number&Filter.1.Value.1=90");
	has(x, "<value>locked</value>");
	lacks(x, "<value>default</value>");
	x = call("Action=DescribeNetworkAcls&NetworkAclId.1=acl-1");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidNetworkAclID.NotFound</Code>");
}
END_TEST

START_TEST(addresses_gateways)
{
	const char *x = call("Action=DescribeAddresses");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<allocationId>eipalloc-"), 3);
	char s[512], i[48], e[48], a[48], natni[48];
	api_id(i, "shop", "i", "web");
	api_id(e, "shop", "eni", "web");
	api_id(a, "shop", "eipassoc", "web-eip");
	snprintf(s, sizeof(s), "<publicIp>203.0.113.60</publicIp><allocationId>%s</allocationId><domain>vpc</domain>"
		 "<instanceId>%s</instanceId><associationId>%s</associationId><networkInterfaceId>%s</networkInterfaceId>",
		 (api_id(natni, "shop", "eipalloc", "web-eip"), natni), i, a, e);
	has(x, s);
	has(x, "<privateIpAddress>10.0.0.10</privateIpAddress>");
	has(x, "<publicIp>203.0.113.70</publicIp><allocationId>eipalloc-");
	/* the NAT gateway's: its interface, as DescribeNatGateways and DescribeNetworkInterfaces say */
	x = call("Action=DescribeAddresses&PublicIp.1=203.0.113.20");
	ck_assert_int_eq(count(x, "<allocationId>"), 1);
	const char *p = strstr(x, "<networkInterfaceId>");
	ck_assert_ptr_nonnull(p);
	snprintf(natni, sizeof(natni), "%.*s", 20 + 21, p);
	x = call("Action=DescribeNatGateways");
	has(x, natni);
	has(x, "<publicIp>203.0.113.20</publicIp>");
	has(x, "<state>available</state>");
	has_id(x, "natGatewayId", "nat", "nat");
	has_id(x, "subnetId", "subnet", "public");
	x = call("Action=DescribeNetworkInterfaces&Filter.1.Name=interface-type&Filter.1.Value.1=nat_gateway");
	has(x, natni);
	x = callf("Action=DescribeAddresses&Filter.1.Name=instance-id&Filter.1.Value.1=%s", "i", "web");
	ck_assert_int_eq(count(x, "<allocationId>"), 1);
	x = call("Action=DescribeAddresses&AllocationId.1=eipalloc-1");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidAllocationID.NotFound</Code>");
	x = call("Action=DescribeAddresses&PublicIp.1=192.0.2.1");
	has(x, "<Code>InvalidAddress.NotFound</Code>");
	x = call("Action=DescribeNatGateways&NatGatewayId.1=nat-1");
	has(x, "<Code>NatGatewayNotFound</Code>");
	x = callf("Action=DescribeNatGateways&Filter.1.Name=vpc-id&Filter.1.Value.1=%s", "vpc", "other");
	has(x, "<natGatewaySet></natGatewaySet>");
	/* internet gateways: main's only */
	x = call("Action=DescribeInternetGateways");
	ck_assert_int_eq(count(x, "<internetGatewayId>"), 1);
	api_id(i, "shop", "vpc", "main");
	snprintf(s, sizeof(s), "<attachmentSet><item><vpcId>%s</vpcId><state>available</state></item></attachmentSet>", i);
	has(x, s);
	x = callf("Action=DescribeInternetGateways&Filter.1.Name=attachment.vpc-id&Filter.1.Value.1=%s", "vpc", "other");
	has(x, "<internetGatewaySet></internetGatewaySet>");
	x = call("Action=DescribeInternetGateways&InternetGatewayId.1=igw-1");
	has(x, "<Code>InvalidInternetGatewayID.NotFound</Code>");
}
END_TEST

START_TEST(vpc_attribute_and_tags)
{
	const char *x = callf("Action=DescribeVpcAttribute&Attribute=enableDnsHostnames&VpcId=%s", "vpc", "main");
	ck_assert_int_eq(status, 200);
	has(x, "<enableDnsHostnames><value>true</value></enableDnsHostnames>");
	x = callf("Action=DescribeVpcAttribute&Attribute=enableDnsHostnames&VpcId=%s", "vpc", "other");
	has(x, "<enableDnsHostnames><value>false</value></enableDnsHostnames>");
	x = callf("Action=DescribeVpcAttribute&Attribute=enableDnsSupport&VpcId=%s", "vpc", "other");
	has(x, "<enableDnsSupport><value>true</value></enableDnsSupport>");
	x = callf("Action=DescribeVpcAttribute&Attribute=colour&VpcId=%s", "vpc", "other");
	ck_assert_int_eq(status, 400);
	x = call("Action=DescribeVpcAttribute&Attribute=enableDnsSupport&VpcId=vpc-1");
	has(x, "<Code>InvalidVpcID.NotFound</Code>");
	x = call("Action=DescribeVpcAttribute&Attribute=enableDnsSupport");
	has(x, "<Code>MissingParameter</Code>");
	/* tags: every kind, by type and by resource */
	x = call("Action=DescribeTags");
	ck_assert_int_eq(status, 200);
	const char *types[] = {"vpc", "subnet", "security-group", "route-table", "network-acl", "natgateway",
			       "elastic-ip", "instance", "network-interface", "internet-gateway"};
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		char s[96];
		snprintf(s, sizeof(s), "<resourceType>%s</resourceType>", types[k]);
		has(x, s);
	}
	x = call("Action=DescribeTags&Filter.1.Name=resource-type&Filter.1.Value.1=instance");
	ck_assert_int_eq(count(x, "<resourceId>i-"), 4);
	x = callf("Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1=%s", "subnet", "mid");
	ck_assert_int_eq(count(x, "<item>"), 1);
	has(x, "<key>Name</key><value>mid</value>");
	x = call("Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=Name&Filter.2.Name=value&Filter.2.Value.1=web*");
	ck_assert_int_eq(count(x, "<item>"), 4); /* group web, instance web and its eni, eip web-eip */
}
END_TEST

START_TEST(other_region)
{
	const char *acts[] = {"DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeInstances",
			      "DescribeNetworkInterfaces", "DescribeRouteTables", "DescribeNetworkAcls",
			      "DescribeAddresses", "DescribeInternetGateways", "DescribeNatGateways",
			      "DescribeTags"};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		char q[128];
		snprintf(q, sizeof(q), "Action=%s", acts[i]);
		struct api_req r = {.svc = API_EC2, .other_region = true};
		snprintf(r.region, sizeof(r.region), "eu-north-1");
		ck_assert_int_eq(api_req_parse(&r, q), 0);
		api_req_sort(&r);
		r.action = api_param(&r, "Action");
		api_dispatch(&ctx, &r, &out, &status);
		api_req_free(&r);
		ck_assert_int_eq(status, 200);
		lacks(out.buf, "<item>");
	}
}
END_TEST

/* A load balancer's nodes are interfaces too: requester-managed, named as the flow logs name
 * them (LB-SUBNET), in the groups of their load balancer. */
START_TEST(load_balancer_nodes)
{
	char path[128], tmp[136];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fputs("name: shop\n"
	      "vpcs:\n"
	      "  - name: main\n"
	      "    cidr: 10.0.0.0/16\n"
	      "    internet_gateway: true\n"
	      "    subnets:\n"
	      "      - { name: pub, cidr: 10.0.1.0/24, az: a, route_table: public }\n"
	      "      - { name: priv, cidr: 10.0.11.0/24, az: a }\n"
	      "    route_tables:\n"
	      "      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }\n"
	      "    security_groups:\n"
	      "      - { name: lb, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }\n"
	      "    instances:\n"
	      "      - { name: web1, subnet: priv, ip: 10.0.11.10 }\n"
	      "    target_groups:\n"
	      "      - { name: tg, protocol: tcp, port: 80, targets: [web1] }\n"
	      "    load_balancers:\n"
	      "      - name: front\n"
	      "        type: network\n"
	      "        scheme: internet-facing\n"
	      "        subnets: [pub]\n"
	      "        security_groups: [lb]\n"
	      "        listeners: [ { protocol: tcp, port: 80, forward: tg } ]\n", f);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0);
	const char *x = call("Action=DescribeNetworkInterfaces&Filter.1.Name=requester-managed&Filter.1.Value.1=true");
	ck_assert_int_eq(status, 200);
	ck_assert_int_eq(count(x, "<networkInterfaceId>"), 1);
	has_id(x, "networkInterfaceId", "eni", "front-pub");
	has(x, "<interfaceType>network_load_balancer</interfaceType>");
	has(x, "<description>ELB net/front</description>");
	has_id(x, "groupId", "sg", "lb");
	has(x, "<association><ipOwnerId>amazon</ipOwnerId>");
	x = call("Action=DescribeTags&Filter.1.Name=resource-type&Filter.1.Value.1=network-interface");
	ck_assert_int_eq(count(x, "<item>"), 2); /* web1's, the node's */
}
END_TEST

Suite *suite_api_describe(void)
{
	Suite *s = suite_create("api_describe");
	TCase *tc = tcase_create("api_describe");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, security_groups);
	tcase_add_test(tc, security_group_rules);
	tcase_add_test(tc, instances);
	tcase_add_test(tc, network_interfaces);
	tcase_add_test(tc, route_tables);
	tcase_add_test(tc, network_acls);
	tcase_add_test(tc, addresses_gateways);
	tcase_add_test(tc, vpc_attribute_and_tags);
	tcase_add_test(tc, other_region);
	tcase_add_test(tc, load_balancer_nodes);
	suite_add_tcase(s, tc);
	return s;
}
