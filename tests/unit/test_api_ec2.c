/* The EC2 handlers over a lab loaded as `vpclab api` loads it (api_ctx_open on a directory that
 * holds the kept copy, no root): AWS's XML shapes, ids, filters, NotFound errors, another
 * region's empty world, DryRun, InvalidAction and the reload after the kept copy changes. A
 * handler added later gets its test here the same way: call(), then look at the XML. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"

Suite *suite_api_ec2(void);

static const char lab_yaml[] =
	"name: shop\n"
	"region: eu-west-3\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.1.0/24, az: a, map_public_ip: true }\n"
	"      - { name: private, cidr: 10.0.2.0/24, az: b }\n"
	"    instances:\n"
	"      - { name: web, subnet: public }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    subnets:\n"
	"      - { name: o1, cidr: 10.1.1.0/28 }\n";

static char dir[64];
static struct api_ctx ctx;
static struct xml out;
static int status;

static void write_lab(const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpclab-api-ec2.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_lab(lab_yaml);
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

/* One request: svc, region of its scope, the query string; the answer in out/status. */
static const char *call(enum api_service svc, const char *region, const char *query)
{
	struct api_req r = {.svc = svc};
	snprintf(r.region, sizeof(r.region), "%s", region);
	r.other_region = strcmp(region, ctx.region) != 0;
	snprintf(r.request_id, sizeof(r.request_id), "rid-1");
	ck_assert_int_eq(api_req_parse(&r, query), 0);
	api_req_sort(&r);
	r.action = api_param(&r, "Action");
	api_dispatch(&ctx, &r, &out, &status);
	api_req_free(&r);
	return out.buf;
}

static void has(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) != NULL, "expected %s in %s", s, x);
}

static void lacks(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) == NULL, "did not expect %s in %s", s, x);
}

START_TEST(describe_vpcs)
{
	char id[48];
	api_id(id, "shop", "vpc", "main");
	const char *x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&Version=2016-11-15");
	ck_assert_int_eq(status, 200);
	ck_assert(strncmp(x, "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
			     "<requestId>rid-1</requestId><vpcSet><item>", 110) == 0);
	has(x, "<vpcId>");
	has(x, id);
	has(x, "<cidrBlock>10.0.0.0/16</cidrBlock>");
	has(x, "<isDefault>false</isDefault>");
	has(x, "<tagSet><item><key>Name</key><value>main</value></item></tagSet>");
	has(x, "<value>other</value>");
	/* by id */
	char q[256];
	snprintf(q, sizeof(q), "Action=DescribeVpcs&VpcId.1=%s", id);
	x = call(API_EC2, "eu-west-3", q);
	has(x, "10.0.0.0/16");
	lacks(x, "10.1.0.0/16");
	/* an id the lab does not have */
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&VpcId.1=vpc-0000");
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(x, "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID "
			    "&apos;vpc-0000&apos; does not exist</Message></Error></Errors><RequestID>rid-1</RequestID>"
			    "</Response>");
	/* filters: tag:Name with a wildcard, cidr */
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&Filter.1.Name=tag%3AName&Filter.1.Value.1=ma*");
	has(x, "10.0.0.0/16");
	lacks(x, "10.1.0.0/16");
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&Filter.1.Name=cidr&Filter.1.Value.1=10.1.0.0%2F16");
	lacks(x, "10.0.0.0/16");
	has(x, "10.1.0.0/16");
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&Filter.1.Name=colour&Filter.1.Value.1=x");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidParameterValue</Code>");
}
END_TEST

START_TEST(describe_subnets)
{
	char vpc[48], sub[48];
	api_id(vpc, "shop", "vpc", "main");
	api_id(sub, "shop", "subnet", "public");
	char q[256];
	snprintf(q, sizeof(q), "Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1=%s", vpc);
	const char *x = call(API_EC2, "eu-west-3", q);
	ck_assert_int_eq(status, 200);
	has(x, "<subnetSet><item><subnetId>");
	has(x, sub);
	has(x, "<availabilityZone>eu-west-3a</availabilityZone>");
	has(x, "<availabilityZone>eu-west-3b</availabilityZone><availabilityZoneId>euw3-az2</availabilityZoneId>");
	has(x, "<mapPublicIpOnLaunch>true</mapPublicIpOnLaunch>");
	has(x, "<availableIpAddressCount>250</availableIpAddressCount>"); /* 256 - 5 - web */
	lacks(x, "10.1.1.0/28");
	x = call(API_EC2, "eu-west-3", "Action=DescribeSubnets&Filter.1.Name=availability-zone&Filter.1.Value.1="
				      "eu-west-3a&Filter.2.Name=cidr-block&Filter.2.Value.1=10.*");
	has(x, "10.1.1.0/28"); /* no az: the region's first zone */
	has(x, "10.0.1.0/24");
	lacks(x, "10.0.2.0/24");
	x = call(API_EC2, "eu-west-3", "Action=DescribeSubnets&SubnetId.1=subnet-0123");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidSubnetID.NotFound</Code>");
}
END_TEST

START_TEST(regions_and_zones)
{
	const char *x = call(API_EC2, "eu-west-3", "Action=DescribeRegions");
	has(x, "<regionInfo><item><regionName>eu-west-3</regionName><regionEndpoint>ec2.eu-west-3.amazonaws.com"
	       "</regionEndpoint>");
	x = call(API_EC2, "eu-west-3", "Action=DescribeRegions&RegionName.1=us-east-1");
	has(x, "<regionInfo></regionInfo>");
	x = call(API_EC2, "eu-west-3", "Action=DescribeAvailabilityZones");
	has(x, "<zoneName>eu-west-3a</zoneName><zoneState>available</zoneState><regionName>eu-west-3</regionName>"
	       "<zoneId>euw3-az1</zoneId>");
	has(x, "<zoneName>eu-west-3b</zoneName>");
	x = call(API_EC2, "eu-west-3", "Action=DescribeAvailabilityZones&ZoneName.1=eu-west-3c");
	ck_assert_int_eq(status, 400);
}
END_TEST

START_TEST(other_region_dryrun_unknown)
{
	const char *x = call(API_EC2, "us-west-2", "Action=DescribeVpcs");
	ck_assert_int_eq(status, 200);
	has(x, "<vpcSet></vpcSet>");
	x = call(API_EC2, "us-west-2", "Action=DescribeSubnets");
	has(x, "<subnetSet></subnetSet>");
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs&DryRun=true");
	ck_assert_int_eq(status, 412);
	has(x, "<Code>DryRunOperation</Code>");
	x = call(API_EC2, "eu-west-3", "Action=DescribeNothing");
	ck_assert_int_eq(status, 400);
	has(x, "<Code>InvalidAction</Code>");
	x = call(API_EC2, "eu-west-3", "Version=2016-11-15");
	has(x, "<Code>MissingAction</Code>");
	x = call(API_ELB, "eu-west-3", "Action=CreateLoadBalancer");
	ck_assert_int_eq(status, 400);
	has(x, "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender"
	       "</Type><Code>InvalidAction</Code>");
}
END_TEST

START_TEST(reload_after_apply)
{
	const char *x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs");
	lacks(x, "10.9.0.0/16");
	/* an apply replaces the kept copy (a new file: another inode) */
	char path[128], tmp[136];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	fprintf(f, "%s  - name: added\n    cidr: 10.9.0.0/16\n", lab_yaml);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0);
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs");
	has(x, "10.9.0.0/16");
	/* a copy that no longer checks: the model in use stays */
	write_lab("name: shop\nvpcs: [ { name: x, cidr: nonsense } ]\n");
	x = call(API_EC2, "eu-west-3", "Action=DescribeVpcs");
	ck_assert_int_eq(status, 200);
	has(x, "10.9.0.0/16");
}
END_TEST

Suite *suite_api_ec2(void)
{
	Suite *s = suite_create("api_ec2");
	TCase *tc = tcase_create("api_ec2");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, describe_vpcs);
	tcase_add_test(tc, describe_subnets);
	tcase_add_test(tc, regions_and_zones);
	tcase_add_test(tc, other_region_dryrun_unknown);
	tcase_add_test(tc, reload_after_apply);
	suite_add_tcase(s, tc);
	return s;
}
