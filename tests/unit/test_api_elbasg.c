/* The ELBv2 and Auto Scaling handlers over a lab loaded as `vpclab api` loads it (a fixture
 * directory holding the kept copy; no router answers): AWS's XML shapes, ARNs, NotFound and
 * ValidationError, the decoding of Targets.member.N.Id/.Port (botocore's form), and what each
 * changing call refuses before it changes anything. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/elb.h"

Suite *suite_api_elbasg(void);

static const char lab_yaml[] =
	"name: ebunit\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    subnets:\n"
	"      - { name: pub-a, cidr: 10.0.1.0/24, az: a }\n"
	"      - { name: pub-b, cidr: 10.0.2.0/24, az: b }\n"
	"      - { name: priv, cidr: 10.0.11.0/24, az: a }\n"
	"    security_groups:\n"
	"      - { name: alb-sg, inbound: [ { protocol: tcp, ports: 80, cidr: 0.0.0.0/0 } ] }\n"
	"    instances:\n"
	"      - { name: web1, subnet: priv }\n"
	"      - { name: web2, subnet: priv }\n"
	"    target_groups:\n"
	"      - { name: web-tg, protocol: http, port: 80, targets: [web1],\n"
	"          health_check: { path: /up, interval: 5, timeout: 2, healthy: 2, unhealthy: 3, matcher: 200-299 } }\n"
	"      - { name: tcp-tg, protocol: tcp, port: 8080, targets: [web2] }\n"
	"      - { name: idle-tg, protocol: http, port: 81, targets: [ { instance: web2, port: 8081 } ] }\n"
	"    load_balancers:\n"
	"      - name: web-alb\n"
	"        type: application\n"
	"        scheme: internet-facing\n"
	"        subnets: [pub-a, pub-b]\n"
	"        security_groups: [alb-sg]\n"
	"        listeners: [ { protocol: http, port: 80, default: web-tg } ]\n"
	"      - name: in-nlb\n"
	"        type: network\n"
	"        scheme: internal\n"
	"        subnets: [priv]\n"
	"        listeners: [ { protocol: tcp, port: 8080, forward: tcp-tg } ]\n"
	"    launch_templates:\n"
	"      - { name: lt, security_groups: [alb-sg] }\n"
	"    auto_scaling_groups:\n"
	"      - name: grp\n"
	"        launch_template: lt\n"
	"        subnets: [pub-a, pub-b]\n"
	"        min: 1\n"
	"        desired: 2\n"
	"        max: 3\n"
	"        target_groups: [web-tg]\n"
	"        health_check: { type: elb, grace_period: 45 }\n"
	"        policies:\n"
	"          - { name: rps, type: target_tracking, metric: alb_request_count_per_target, target: 50 }\n"
	"  - name: other\n"
	"    cidr: 10.1.0.0/16\n"
	"    subnets: [ { name: o1, cidr: 10.1.1.0/24 } ]\n"
	"    instances: [ { name: far, subnet: o1 } ]\n";

static char dir[64];
static struct api_ctx ctx;
static struct xml out;
static int status;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vpclab-api-elb.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/lab.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(lab_yaml, f);
	fclose(f);
	char err[256];
	int rc = api_ctx_open(&ctx, "ebunit", dir, err, sizeof(err));
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

static const char *elb(const char *query)
{
	return call(API_ELB, "us-east-1", query);
}

static const char *as(const char *query)
{
	return call(API_AS, "us-east-1", query);
}

static void has(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) != NULL, "expected %s in %s", s, x);
}

static void lacks(const char *x, const char *s)
{
	ck_assert_msg(strstr(x, s) == NULL, "did not expect %s in %s", s, x);
}

/* The error envelope of ELBv2 / Auto Scaling with code. */
static void fails(const char *x, int st, const char *code)
{
	ck_assert_int_eq(status, st);
	has(x, "<ErrorResponse xmlns=");
	has(x, "<Type>Sender</Type>");
	char c[96];
	snprintf(c, sizeof(c), "<Code>%s</Code>", code);
	has(x, c);
}

/* url-encoded ARN of kind (lb/tg) name */
static void arn_q(char *buf, size_t cap, const char *arn)
{
	size_t o = 0;
	for (const char *s = arn; *s && o + 4 < cap; s++) {
		if (*s == ':' || *s == '/')
			o += (size_t)snprintf(buf + o, cap - o, "%%%02X", (unsigned char)*s);
		else
			buf[o++] = *s;
	}
	buf[o] = '\0';
}

START_TEST(describe_load_balancers)
{
	const char *x = elb("Action=DescribeLoadBalancers&Version=2015-12-01");
	ck_assert_int_eq(status, 200);
	static const char head[] = "<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">"
				   "<DescribeLoadBalancersResult><LoadBalancers><member>";
	ck_assert(strncmp(x, head, strlen(head)) == 0);
	has(x, "</LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>rid-1</RequestId>"
	       "</ResponseMetadata></DescribeLoadBalancersResponse>");
	char arn[256], vpc[48], sub[48], sg[48], s[400];
	elb_lb_arn(arn, &ctx, "web-alb", false);
	ck_assert(strncmp(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/", 77) == 0);
	ck_assert_int_eq(strlen(arn), 77 + 16);
	snprintf(s, sizeof(s), "<LoadBalancerArn>%s</LoadBalancerArn>", arn);
	has(x, s);
	has(x, "<LoadBalancerName>web-alb</LoadBalancerName><Scheme>internet-facing</Scheme>");
	has(x, "<CanonicalHostedZoneId>Z35SXDOTRQ7X7K</CanonicalHostedZoneId>");
	has(x, "<DNSName>web-alb-");
	has(x, ".us-east-1.elb.amazonaws.com</DNSName>");
	has(x, "<DNSName>internal-in-nlb-");
	has(x, "<State><Code>active</Code></State><Type>application</Type>");
	has(x, "<Type>network</Type>");
	api_id(vpc, "ebunit", "vpc", "main");
	snprintf(s, sizeof(s), "<VpcId>%s</VpcId>", vpc);
	has(x, s);
	api_id(sub, "ebunit", "subnet", "pub-b");
	snprintf(s, sizeof(s), "<member><ZoneName>us-east-1b</ZoneName><SubnetId>%s</SubnetId></member>", sub);
	has(x, s);
	api_id(sg, "ebunit", "sg", "alb-sg");
	snprintf(s, sizeof(s), "<SecurityGroups><member>%s</member></SecurityGroups>", sg);
	has(x, s);
	/* a network load balancer's addresses: its node's private one (internal) */
	has(x, "<LoadBalancerAddresses><member><PrivateIPv4Address>10.0.11.");
	/* by name, by ARN; both at once is refused */
	x = elb("Action=DescribeLoadBalancers&Names.member.1=in-nlb");
	ck_assert_int_eq(status, 200);
	lacks(x, "web-alb");
	has(x, "in-nlb");
	char q[600], aq[300];
	arn_q(aq, sizeof(aq), arn);
	snprintf(q, sizeof(q), "Action=DescribeLoadBalancers&LoadBalancerArns.member.1=%s", aq);
	x = elb(q);
	ck_assert_int_eq(status, 200);
	has(x, "web-alb");
	lacks(x, "in-nlb");
	x = elb("Action=DescribeLoadBalancers&Names.member.1=web-alb&Names.member.2=nope");
	fails(x, 400, "LoadBalancerNotFound");
	snprintf(q, sizeof(q), "Action=DescribeLoadBalancers&LoadBalancerArns.member.1=%s&Names.member.1=web-alb", aq);
	fails(elb(q), 400, "ValidationError");
	/* another region: an empty world */
	x = call(API_ELB, "eu-west-1", "Action=DescribeLoadBalancers");
	ck_assert_int_eq(status, 200);
	has(x, "<LoadBalancers></LoadBalancers>");
}
END_TEST

START_TEST(describe_target_groups_and_listeners)
{
	char arn[256], lb[256], q[700], aq[300], s[400];
	elb_tg_arn(arn, &ctx, "web-tg");
	elb_lb_arn(lb, &ctx, "web-alb", false);
	const char *x = elb("Action=DescribeTargetGroups&Names.member.1=web-tg");
	ck_assert_int_eq(status, 200);
	snprintf(s, sizeof(s), "<TargetGroupArn>%s</TargetGroupArn><TargetGroupName>web-tg</TargetGroupName>"
			       "<Protocol>HTTP</Protocol><Port>80</Port>", arn);
	has(x, s);
	has(x, "<HealthCheckProtocol>HTTP</HealthCheckProtocol><HealthCheckPort>traffic-port</HealthCheckPort>");
	has(x, "<HealthCheckIntervalSeconds>5</HealthCheckIntervalSeconds>");
	has(x, "<HealthyThresholdCount>2</HealthyThresholdCount><UnhealthyThresholdCount>3</UnhealthyThresholdCount>");
	has(x, "<HealthCheckPath>/up</HealthCheckPath><Matcher><HttpCode>200-299</HttpCode></Matcher>");
	snprintf(s, sizeof(s), "<LoadBalancerArns><member>%s</member></LoadBalancerArns><TargetType>instance</TargetType>", lb);
	has(x, s);
	/* a load balancer's groups */
	char nlb[256];
	elb_lb_arn(nlb, &ctx, "in-nlb", true);
	arn_q(aq, sizeof(aq), nlb);
	snprintf(q, sizeof(q), "Action=DescribeTargetGroups&LoadBalancerArn=%s", aq);
	x = elb(q);
	ck_assert_int_eq(status, 200);
	has(x, "<TargetGroupName>tcp-tg</TargetGroupName><Protocol>TCP</Protocol><Port>8080</Port>");
	has(x, "<HealthCheckProtocol>TCP</HealthCheckProtocol>");
	lacks(x, "web-tg");
	lacks(x, "HealthCheckPath");
	/* all: three, the idle one with no load balancer */
	x = elb("Action=DescribeTargetGroups");
	has(x, "<TargetGroupName>idle-tg</TargetGroupName>");
	has(x, "<LoadBalancerArns></LoadBalancerArns>");
	fails(elb("Action=DescribeTargetGroups&Names.member.1=nope"), 400, "TargetGroupNotFound");
	snprintf(q, sizeof(q), "Action=DescribeTargetGroups&TargetGroupArns.member.1=%sX", arn);
	fails(elb(q), 400, "TargetGroupNotFound");
	/* listeners of the application load balancer */
	arn_q(aq, sizeof(aq), lb);
	snprintf(q, sizeof(q), "Action=DescribeListeners&LoadBalancerArn=%s", aq);
	x = elb(q);
	ck_assert_int_eq(status, 200);
	has(x, "<Port>80</Port><Protocol>HTTP</Protocol><DefaultActions><member><Type>forward</Type>");
	snprintf(s, sizeof(s), "<TargetGroupArn>%s</TargetGroupArn>", arn);
	has(x, s);
	has(x, "<ListenerArn>arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web-alb/");
	fails(elb("Action=DescribeListeners"), 400, "ValidationError");
}
END_TEST

START_TEST(target_health_and_registration_refusals)
{
	char arn[256], aq[300], q[900], w1[48], w2[48], far[48], s[300];
	elb_tg_arn(arn, &ctx, "idle-tg");
	arn_q(aq, sizeof(aq), arn);
	api_id(w1, "ebunit", "i", "web1");
	api_id(w2, "ebunit", "i", "web2");
	api_id(far, "ebunit", "i", "far");
	/* a group no load balancer uses: its target unused */
	snprintf(q, sizeof(q), "Action=DescribeTargetHealth&TargetGroupArn=%s", aq);
	const char *x = elb(q);
	ck_assert_int_eq(status, 200);
	snprintf(s, sizeof(s), "<member><Target><Id>%s</Id><Port>8081</Port></Target><HealthCheckPort>8081</HealthCheckPort>"
			       "<TargetHealth><State>unused</State><Reason>Target.NotInUse</Reason>", w2);
	has(x, s);
	/* asked for a target that is not registered (botocore's Targets.member.N.Id/.Port) */
	snprintf(q, sizeof(q), "Action=DescribeTargetHealth&Version=2015-12-01&TargetGroupArn=%s&Targets.member.1.Id=%s"
			       "&Targets.member.1.Port=8081&Targets.member.2.Id=%s", aq, w2, w1);
	x = elb(q);
	ck_assert_int_eq(status, 200);
	snprintf(s, sizeof(s), "<Target><Id>%s</Id><Port>81</Port></Target><HealthCheckPort>81</HealthCheckPort>"
			       "<TargetHealth><State>unused</State><Reason>Target.NotRegistered</Reason>", w1);
	has(x, s);
	has(x, "Target.NotInUse");
	fails(elb("Action=DescribeTargetHealth"), 400, "ValidationError");
	snprintf(q, sizeof(q), "Action=DescribeTargetHealth&TargetGroupArn=%sX", aq);
	fails(elb(q), 400, "TargetGroupNotFound");
	/* refusals before any change: unknown instance, another VPC's, a bad port, no targets */
	snprintf(q, sizeof(q), "Action=RegisterTargets&TargetGroupArn=%s&Targets.member.1.Id=i-00000000000000000", aq);
	x = elb(q);
	fails(x, 400, "InvalidTarget");
	has(x, "not valid instances: &apos;i-00000000000000000&apos;");
	snprintf(q, sizeof(q), "Action=RegisterTargets&TargetGroupArn=%s&Targets.member.1.Id=%s", aq, far);
	x = elb(q);
	fails(x, 400, "InvalidTarget");
	has(x, "not in the target group&apos;s VPC");
	snprintf(q, sizeof(q), "Action=RegisterTargets&TargetGroupArn=%s&Targets.member.1.Id=%s&Targets.member.1.Port=70000", aq, w1);
	fails(elb(q), 400, "ValidationError");
	snprintf(q, sizeof(q), "Action=RegisterTargets&TargetGroupArn=%s", aq);
	fails(elb(q), 400, "ValidationError");
	fails(elb("Action=DeregisterTargets&Targets.member.1.Id=i-1"), 400, "ValidationError");
	snprintf(q, sizeof(q), "Action=DeregisterTargets&TargetGroupArn=%sX&Targets.member.1.Id=%s", aq, w1);
	fails(elb(q), 400, "TargetGroupNotFound");
}
END_TEST

START_TEST(describe_groups_and_policies)
{
	const char *x = as("Action=DescribeAutoScalingGroups&Version=2011-01-01");
	ck_assert_int_eq(status, 200);
	static const char head[] = "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
				   "<DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>grp</AutoScalingGroupName>"
				   "<AutoScalingGroupARN>arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:";
	ck_assert(strncmp(x, head, strlen(head)) == 0);
	has(x, ":autoScalingGroupName/grp</AutoScalingGroupARN><LaunchTemplate><LaunchTemplateId>lt-");
	has(x, "<LaunchTemplateName>lt</LaunchTemplateName><Version>$Latest</Version></LaunchTemplate>");
	has(x, "<MinSize>1</MinSize><MaxSize>3</MaxSize><DesiredCapacity>2</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>");
	has(x, "<AvailabilityZones><member>us-east-1a</member><member>us-east-1b</member></AvailabilityZones>");
	has(x, "<HealthCheckType>ELB</HealthCheckType><HealthCheckGracePeriod>45</HealthCheckGracePeriod>");
	char tg[256], a[48], b[48], s[400];
	elb_tg_arn(tg, &ctx, "web-tg");
	snprintf(s, sizeof(s), "<TargetGroupARNs><member>%s</member></TargetGroupARNs>", tg);
	has(x, s);
	api_id(a, "ebunit", "subnet", "pub-a");
	api_id(b, "ebunit", "subnet", "pub-b");
	snprintf(s, sizeof(s), "<VPCZoneIdentifier>%s,%s</VPCZoneIdentifier>", a, b);
	has(x, s);
	has(x, "<CreatedTime>");
	/* no router: no instances */
	has(x, "<Instances></Instances>");
	x = as("Action=DescribeAutoScalingGroups&AutoScalingGroupNames.member.1=nope");
	ck_assert_int_eq(status, 200);
	has(x, "<AutoScalingGroups></AutoScalingGroups>");
	x = as("Action=DescribePolicies&AutoScalingGroupName=grp");
	ck_assert_int_eq(status, 200);
	has(x, "<PolicyName>rps</PolicyName>");
	has(x, "<PolicyType>TargetTrackingScaling</PolicyType>");
	has(x, "<PredefinedMetricType>ALBRequestCountPerTarget</PredefinedMetricType><ResourceLabel>app/web-alb/");
	has(x, "<TargetValue>50.000</TargetValue>");
	x = call(API_AS, "eu-west-1", "Action=DescribeAutoScalingGroups");
	has(x, "<AutoScalingGroups></AutoScalingGroups>");
}
END_TEST

START_TEST(group_changes_refused)
{
	const char *x = as("Action=UpdateAutoScalingGroup&AutoScalingGroupName=grp&MinSize=4");
	fails(x, 400, "ValidationError");
	has(x, "Max bound, 3, must be greater than or equal to min bound, 4");
	x = as("Action=UpdateAutoScalingGroup&AutoScalingGroupName=grp&MaxSize=5&DesiredCapacity=6");
	fails(x, 400, "ValidationError");
	has(x, "Desired capacity:6 must be between the specified min size:1 and max size:5");
	x = as("Action=UpdateAutoScalingGroup&AutoScalingGroupName=grp&HealthCheckType=HTTP");
	fails(x, 400, "ValidationError");
	x = as("Action=UpdateAutoScalingGroup&AutoScalingGroupName=grp&MinSize=-1");
	fails(x, 400, "ValidationError");
	x = as("Action=UpdateAutoScalingGroup&AutoScalingGroupName=nope&MinSize=1");
	fails(x, 400, "ValidationError");
	has(x, "AutoScalingGroup name not found");
	fails(as("Action=UpdateAutoScalingGroup"), 400, "ValidationError");
	fails(as("Action=SetDesiredCapacity&AutoScalingGroupName=grp"), 400, "ValidationError");
	fails(as("Action=SetDesiredCapacity&AutoScalingGroupName=grp&DesiredCapacity=x"), 400, "ValidationError");
	x = as("Action=SetDesiredCapacity&AutoScalingGroupName=nope&DesiredCapacity=1");
	fails(x, 400, "ValidationError");
	has(x, "not found");
	fails(as("Action=DescribeScalingActivities&AutoScalingGroupName=nope"), 400, "ValidationError");
	fails(as("Action=DescribeScalingActivities&MaxRecords=0"), 400, "ValidationError");
}
END_TEST

Suite *suite_api_elbasg(void)
{
	Suite *s = suite_create("api_elbasg");
	TCase *tc = tcase_create("api_elbasg");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, describe_load_balancers);
	tcase_add_test(tc, describe_target_groups_and_listeners);
	tcase_add_test(tc, target_health_and_registration_refusals);
	tcase_add_test(tc, describe_groups_and_policies);
	tcase_add_test(tc, group_changes_refused);
	suite_add_tcase(s, tc);
	return s;
}
