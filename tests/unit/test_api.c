/* The AWS API's pure parts (control/api): SigV4 against AWS's published test vectors and a
 * request signed by botocore, authentication's error codes, the XML writer's escaping, stable
 * ids (eni- as the flow logs name it), the error envelopes, and the parameter decoder fed with
 * botocore's own serializer output (tests/unit/api/gen_fixtures.py). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/server.h"
#include "control/api/sigv4.h"
#include "dataplane/flowlog.h"
#include "tests/unit/api/api_fixtures.h"

Suite *suite_api(void);

#define TS_AK "AKIDEXAMPLE"
#define TS_SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TS_DATE "20150830T123600Z"

/* One case of AWS's SigV4 test suite (aws-sig-v4-test-suite, service "service"). */
static void suite_case(const char *method, const char *query, const char *want)
{
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", TS_DATE}};
	struct sigv4_req r = {method, "/", query, h, 2, "", 0};
	char auth[512];
	snprintf(auth, sizeof(auth), "AWS4-HMAC-SHA256 Credential=" TS_AK "/20150830/us-east-1/service/"
		 "aws4_request, SignedHeaders=host;x-amz-date, Signature=%s", want);
	struct sigv4_auth a;
	ck_assert_int_eq(sigv4_parse_auth(auth, &a), 0);
	char hex[65];
	ck_assert_int_eq(sigv4_signature(&r, &a, TS_DATE, TS_SK, hex), 0);
	ck_assert_str_eq(hex, want);
	ck_assert(sigv4_verify(&r, &a, TS_DATE, TS_SK));
	ck_assert(!sigv4_verify(&r, &a, TS_DATE, "wrong"));
}

START_TEST(sigv4_aws_suite)
{
	suite_case("GET", NULL, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	suite_case("POST", NULL, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
	/* get-vanilla-query-order-key-case: the query is sorted */
	suite_case("GET", "Param2=value2&Param1=value1",
		   "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}
END_TEST

START_TEST(sigv4_canonical_get_vanilla)
{
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", TS_DATE}};
	struct sigv4_req r = {"GET", "/", NULL, h, 2, NULL, 0};
	char *creq = sigv4_canonical_request(&r, "host;x-amz-date");
	ck_assert_ptr_nonnull(creq);
	ck_assert_str_eq(creq, "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	char *sts = sigv4_string_to_sign(TS_DATE, "20150830/us-east-1/service/aws4_request", creq);
	ck_assert_str_eq(sts, "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
			      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
	free(sts);
	free(creq);
	/* a signed header the request does not carry: no canonical request */
	errno = 0;
	ck_assert_ptr_null(sigv4_canonical_request(&r, "host;x-amz-date;x-missing"));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static struct sigv4_req botocore_req(struct sigv4_header *h, const char *body)
{
	size_t n = sizeof(api_fixture_headers) / sizeof(api_fixture_headers[0]);
	for (size_t i = 0; i < n; i++)
		h[i] = (struct sigv4_header){api_fixture_headers[i][0], api_fixture_headers[i][1]};
	return (struct sigv4_req){"POST", "/", NULL, h, n, body, strlen(body)};
}

START_TEST(sigv4_botocore)
{
	struct sigv4_header h[16];
	struct sigv4_req r = botocore_req(h, API_FIXTURE_BODY);
	struct sigv4_auth a;
	ck_assert_int_eq(sigv4_parse_auth(API_FIXTURE_AUTH, &a), 0);
	ck_assert_str_eq(a.access_key, API_FIXTURE_AK);
	ck_assert_str_eq(a.service, "ec2");
	ck_assert_str_eq(a.region, "us-east-1");
	ck_assert_str_eq(a.signed_headers, "content-type;host;x-amz-date");
	ck_assert(sigv4_verify(&r, &a, API_FIXTURE_DATE, API_FIXTURE_SK));
	ck_assert(!sigv4_verify(&r, &a, API_FIXTURE_DATE, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz"));
	/* one byte of the body changed: refused */
	char body[] = API_FIXTURE_BODY;
	body[sizeof(body) - 2] ^= 1;
	r = botocore_req(h, body);
	ck_assert(!sigv4_verify(&r, &a, API_FIXTURE_DATE, API_FIXTURE_SK));
	ck_assert_int_eq(sigv4_parse_auth("AWS4-HMAC-SHA256 Credential=AK/2026/us-east-1/ec2/aws4_request, "
					  "SignedHeaders=host, Signature=00", &a), -EINVAL);
	ck_assert_int_eq(sigv4_parse_auth("AWS AKID:sig", &a), -EINVAL);
	ck_assert_int_eq(sigv4_parse_date("20150830T123600Z"), 1440938160);
	ck_assert_int_eq(sigv4_parse_date("2015-08-30"), -1);
}
END_TEST

static struct api_ctx fixture_ctx(void)
{
	struct api_ctx c;
	memset(&c, 0, sizeof(c));
	snprintf(c.lab, sizeof(c.lab), "shop");
	snprintf(c.region, sizeof(c.region), "us-east-1");
	snprintf(c.access_key, sizeof(c.access_key), API_FIXTURE_AK);
	snprintf(c.secret, sizeof(c.secret), API_FIXTURE_SK);
	c.skew_s = 300;
	return c;
}

static int auth(const struct api_ctx *c, const char *authz, const char *date, const char *version,
		long long now, struct api_req *r, struct api_out *o)
{
	struct sigv4_header h[16];
	struct sigv4_req s = botocore_req(h, API_FIXTURE_BODY);
	memset(r, 0, sizeof(*r));
	memset(o, 0, sizeof(*o));
	return api_authenticate(c, &s, authz, date, version, now, r, o);
}

START_TEST(auth_codes)
{
	struct api_ctx c = fixture_ctx();
	struct api_req r;
	struct api_out o;
	long long when = sigv4_parse_date(API_FIXTURE_DATE);
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when + 10, &r, &o), 0);
	ck_assert_int_eq(r.svc, API_EC2);
	ck_assert(!r.other_region);
	/* another region: served, as an empty world */
	snprintf(c.region, sizeof(c.region), "eu-west-3");
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when, &r, &o), 0);
	ck_assert(r.other_region);
	c = fixture_ctx();
	/* 5 minutes and 1 second late: EC2's RequestExpired */
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when + 301, &r, &o), 400);
	ck_assert_str_eq(o.code, "RequestExpired");
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when - 301, &r, &o), 400);
	/* the wrong secret: EC2 says AuthFailure (moto's model of AWS) */
	snprintf(c.secret, sizeof(c.secret), "0000000000000000000000000000000000000000");
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when, &r, &o), 401);
	ck_assert_str_eq(o.code, "AuthFailure");
	/* an access key that is not the lab's */
	c = fixture_ctx();
	snprintf(c.access_key, sizeof(c.access_key), "AKIAOTHER");
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, API_FIXTURE_DATE, "2016-11-15", when, &r, &o), 401);
	ck_assert_str_eq(o.code, "AuthFailure");
	/* no signature at all */
	c = fixture_ctx();
	ck_assert_int_eq(auth(&c, NULL, API_FIXTURE_DATE, "2016-11-15", when, &r, &o), 403);
	ck_assert_str_eq(o.code, "MissingAuthenticationToken");
	ck_assert_int_eq(auth(&c, NULL, API_FIXTURE_DATE, "2015-12-01", when, &r, &o), 403);
	ck_assert_int_eq(r.svc, API_ELB);
	ck_assert_int_eq(auth(&c, "AWS4-HMAC-SHA256 garbage", API_FIXTURE_DATE, NULL, when, &r, &o), 400);
	ck_assert_str_eq(o.code, "IncompleteSignature");
	/* the scope's date must be the request's */
	ck_assert_int_eq(auth(&c, API_FIXTURE_AUTH, "20261127T010203Z", NULL, when + 86400, &r, &o), 401);
}
END_TEST

/* ELBv2 and Auto Scaling: InvalidClientTokenId for a foreign key, "Signature expired". */
START_TEST(auth_query_services)
{
	struct api_ctx c = fixture_ctx();
	struct sigv4_header h[] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", TS_DATE}};
	struct sigv4_req s = {"GET", "/", NULL, h, 2, "", 0};
	struct sigv4_auth a = {.access_key = TS_AK, .date = "20150830", .region = "us-east-1",
			       .service = "elasticloadbalancing", .signed_headers = "host;x-amz-date"};
	char hex[65], authz[512];
	ck_assert_int_eq(sigv4_signature(&s, &a, TS_DATE, TS_SK, hex), 0);
	snprintf(authz, sizeof(authz), "AWS4-HMAC-SHA256 Credential=" TS_AK "/20150830/us-east-1/"
		 "elasticloadbalancing/aws4_request, SignedHeaders=host;x-amz-date, Signature=%s", hex);
	struct api_req r = {0};
	struct api_out o = {0};
	ck_assert_int_eq(api_authenticate(&c, &s, authz, TS_DATE, NULL, 1440938160, &r, &o), 403);
	ck_assert_str_eq(o.code, "InvalidClientTokenId");
	ck_assert_int_eq(r.svc, API_ELB);
	snprintf(c.access_key, sizeof(c.access_key), TS_AK);
	snprintf(c.secret, sizeof(c.secret), TS_SK);
	ck_assert_int_eq(api_authenticate(&c, &s, authz, TS_DATE, NULL, 1440938160, &r, &o), 0);
	snprintf(c.secret, sizeof(c.secret), "x");
	ck_assert_int_eq(api_authenticate(&c, &s, authz, TS_DATE, NULL, 1440938160, &r, &o), 403);
	ck_assert_str_eq(o.code, "SignatureDoesNotMatch");
	snprintf(c.secret, sizeof(c.secret), TS_SK);
	ck_assert_int_eq(api_authenticate(&c, &s, authz, TS_DATE, NULL, 1440938160 + 3600, &r, &o), 403);
	ck_assert_str_eq(o.code, "SignatureDoesNotMatch");
	ck_assert_ptr_nonnull(strstr(o.message, "Signature expired: 20150830T123600Z is now earlier than"));
}
END_TEST

START_TEST(xml_escaping)
{
	struct xml x;
	xml_init(&x);
	xml_open(&x, "R", "http://ec2.amazonaws.com/doc/2016-11-15/");
	xml_elem(&x, "v", "a&b<c>d\"e'f");
	xml_elem(&x, "c", "t\tn\nr\rz\x01" "end\x7f");
	xml_elem(&x, "e", NULL);
	xml_elemf(&x, "n", "%d", 42);
	xml_bool(&x, "b", 1);
	xml_close(&x);
	ck_assert_int_eq(xml_finish(&x), 0);
	ck_assert_str_eq(x.buf, "<R xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
				"<v>a&amp;b&lt;c&gt;d&quot;e&apos;f</v>"
				"<c>t&#9;n&#10;r&#13;z\xef\xbf\xbd" "end\x7f</c><e/><n>42</n><b>true</b></R>");
	/* an element left open is an error, and so is closing too many */
	xml_reset(&x);
	xml_open(&x, "a", NULL);
	ck_assert_int_eq(xml_finish(&x), -EINVAL);
	xml_reset(&x);
	xml_close(&x);
	ck_assert_int_eq(xml_finish(&x), -EINVAL);
	xml_free(&x);
}
END_TEST

START_TEST(error_envelopes)
{
	struct xml x;
	xml_init(&x);
	ck_assert_int_eq(api_error_xml(&x, API_EC2, "InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist",
				       "rid"), 0);
	ck_assert_str_eq(x.buf, "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID "
				"&apos;vpc-1&apos; does not exist</Message></Error></Errors><RequestID>rid</RequestID>"
				"</Response>");
	ck_assert_int_eq(api_error_xml(&x, API_AS, "ValidationError", "no", "rid"), 0);
	ck_assert_str_eq(x.buf, "<ErrorResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"
				"<Type>Sender</Type><Code>ValidationError</Code><Message>no</Message></Error>"
				"<RequestId>rid</RequestId></ErrorResponse>");
	ck_assert_int_eq(api_error_xml(&x, API_ELB, "InternalFailure", "x", "r"), 0);
	ck_assert_ptr_nonnull(strstr(x.buf, "<Type>Receiver</Type>"));
	xml_free(&x);
}
END_TEST

START_TEST(ids_stable)
{
	char a[48], b[48], eni[24];
	api_id(a, "shop", "eni", "web");
	flowlog_eni_id("shop", "web", eni);
	ck_assert_str_eq(a, eni);
	ck_assert_uint_eq(strlen(a), 4 + 17);
	api_id(a, "shop", "vpc", "main");
	api_id(b, "shop", "vpc", "main");
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(strlen(a), 4 + 17);
	ck_assert(strncmp(a, "vpc-", 4) == 0);
	api_id(b, "shop", "subnet", "main");
	ck_assert_str_ne(a + 4, b + 7); /* a VPC and a subnet of one name differ */
	api_id(b, "other", "vpc", "main");
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(API_ACCOUNT, FLOWLOG_ACCOUNT);
	char z[64];
	api_zone(z, "eu-west-3", "b");
	ck_assert_str_eq(z, "eu-west-3b");
	api_zone(z, "eu-west-3", "eu-west-3c");
	ck_assert_str_eq(z, "eu-west-3c");
	api_zone(z, "us-east-1", NULL);
	ck_assert_str_eq(z, "us-east-1a");
	api_zone_id(z, "us-east-1", "us-east-1c");
	ck_assert_str_eq(z, "use1-az3");
	api_zone_id(z, "ap-southeast-2", "ap-southeast-2a");
	ck_assert_str_eq(z, "apse2-az1");
}
END_TEST

START_TEST(params_botocore)
{
	struct api_req r = {0};
	ck_assert_int_eq(api_req_parse(&r, api_fixture_bodies[0].body), 0);
	api_req_sort(&r);
	ck_assert_str_eq(api_param(&r, "Action"), "DescribeSubnets");
	ck_assert_str_eq(api_param(&r, "Version"), "2016-11-15");
	ck_assert_ptr_null(api_param(&r, "Nothing"));
	const char *ids[4];
	ck_assert_uint_eq(api_list(&r, "SubnetId", ids, 4), 2);
	ck_assert_str_eq(ids[0], "subnet-1");
	ck_assert_str_eq(ids[1], "subnet-2");
	struct api_filter f[4];
	int n = api_filters(&r, f, 4);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++) {
		if (strcmp(f[i].name, "vpc-id") == 0) {
			ck_assert_uint_eq(f[i].n_values, 2);
			ck_assert_str_eq(f[i].values[1], "vpc-b");
			ck_assert(api_filter_match(&f[i], "vpc-a"));
			ck_assert(!api_filter_match(&f[i], "vpc-c"));
		} else {
			ck_assert_str_eq(f[i].name, "tag:Name");
			ck_assert_str_eq(f[i].values[0], "web & db <1>"); /* '+' is a space, %26 an & */
		}
	}
	api_filters_free(f, n);
	api_req_free(&r);

	ck_assert_int_eq(api_req_parse(&r, api_fixture_bodies[2].body), 0);
	api_req_sort(&r);
	ck_assert_str_eq(api_param(&r, "IpPermissions.1.IpRanges.1.CidrIp"), "198.51.100.10/32");
	ck_assert_str_eq(api_param(&r, "IpPermissions.1.IpRanges.1.Description"), "ssh from home");
	api_req_free(&r);

	ck_assert_int_eq(api_req_parse(&r, api_fixture_bodies[3].body), 0);
	api_req_sort(&r);
	ck_assert_str_eq(api_param(&r, "TargetGroupArn"),
			 "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123");
	ck_assert_str_eq(api_param(&r, "Targets.member.2.Id"), "i-2");
	api_req_free(&r);

	ck_assert_int_eq(api_req_parse(&r, api_fixture_bodies[4].body), 0);
	api_req_sort(&r);
	ck_assert_str_eq(api_param(&r, "AutoScalingGroupName"), "web asg");
	api_req_free(&r);
}
END_TEST

START_TEST(params_lists)
{
	struct api_req r = {0};
	/* ordered by N (10 after 2), gaps skipped, look-alikes ignored */
	ck_assert_int_eq(api_req_parse(&r, "VpcId.10=j&VpcId.2=b&VpcId.1=a&VpcId.x=no&VpcId.01=no&VpcIdX.1=no"), 0);
	api_req_sort(&r);
	const char *v[8];
	ck_assert_uint_eq(api_list(&r, "VpcId", v, 8), 3);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "j");
	struct api_filter f[2];
	api_req_free(&r);
	/* a value without its filter's name */
	ck_assert_int_eq(api_req_parse(&r, "Filter.1.Value.1=x"), 0);
	api_req_sort(&r);
	ck_assert_int_eq(api_filters(&r, f, 2), -EINVAL);
	api_req_free(&r);
	ck_assert_int_eq(api_req_parse(&r, "Filter.1.Name=a&Filter.2.Name=b&Filter.3.Name=c"), 0);
	api_req_sort(&r);
	ck_assert_int_eq(api_filters(&r, f, 2), -E2BIG);
	api_req_free(&r);
	/* wildcards as AWS's filters take them */
	const char *vals[] = {"10.0.*", "x?z"};
	struct api_filter w = {"cidr", vals, 2};
	ck_assert(api_filter_match(&w, "10.0.1.0/24"));
	ck_assert(api_filter_match(&w, "xyz"));
	ck_assert(!api_filter_match(&w, "10.1.0.0/16"));
	ck_assert(!api_filter_match(&w, NULL));
}
END_TEST

START_TEST(listen_loopback_only)
{
	char h[64];
	uint16_t p;
	ck_assert_int_eq(api_listen_parse("127.0.0.1:4570", h, sizeof(h), &p), 0);
	ck_assert_str_eq(h, "127.0.0.1");
	ck_assert_uint_eq(p, 4570);
	ck_assert_int_eq(api_listen_parse("127.0.0.2", h, sizeof(h), &p), 0);
	ck_assert_uint_eq(p, 0);
	ck_assert_int_eq(api_listen_parse("[::1]:80", h, sizeof(h), &p), 0);
	ck_assert_int_eq(api_listen_parse("localhost:1", h, sizeof(h), &p), 0);
	ck_assert_int_eq(api_listen_parse("0.0.0.0:4566", h, sizeof(h), &p), -EADDRNOTAVAIL);
	ck_assert_int_eq(api_listen_parse("10.0.0.1:4566", h, sizeof(h), &p), -EADDRNOTAVAIL);
	ck_assert_int_eq(api_listen_parse("[::]:4566", h, sizeof(h), &p), -EADDRNOTAVAIL);
	ck_assert_int_eq(api_listen_parse("127.0.0.1:99999", h, sizeof(h), &p), -EINVAL);
	ck_assert_int_eq(api_listen_parse("nohost:1", h, sizeof(h), &p), -EINVAL);
}
END_TEST

START_TEST(creds_format)
{
	char ak[21], sk[41];
	ck_assert_int_eq(api_creds_new(ak, sk), 0);
	ck_assert_uint_eq(strlen(ak), 20);
	ck_assert(strncmp(ak, "AKIA", 4) == 0);
	ck_assert_uint_eq(strspn(ak + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 16);
	ck_assert_uint_eq(strlen(sk), 40);
	char dir[] = "/tmp/vpclab-api-unit.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char a1[32], s1[64], a2[32], s2[64], path[64];
	ck_assert_int_eq(api_creds_ensure(dir, "shop", a1, sizeof(a1), s1, sizeof(s1)), 0);
	ck_assert_int_eq(api_creds_ensure(dir, "shop", a2, sizeof(a2), s2, sizeof(s2)), 0);
	ck_assert_str_eq(a1, a2); /* kept, not replaced */
	ck_assert_str_eq(s1, s2);
	snprintf(path, sizeof(path), "%s/credentials", dir);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(api_creds_read(path, "other", a2, sizeof(a2), s2, sizeof(s2)), -EINVAL);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *suite_api(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, sigv4_aws_suite);
	tcase_add_test(tc, sigv4_canonical_get_vanilla);
	tcase_add_test(tc, sigv4_botocore);
	tcase_add_test(tc, auth_codes);
	tcase_add_test(tc, auth_query_services);
	tcase_add_test(tc, xml_escaping);
	tcase_add_test(tc, error_envelopes);
	tcase_add_test(tc, ids_stable);
	tcase_add_test(tc, params_botocore);
	tcase_add_test(tc, params_lists);
	tcase_add_test(tc, listen_loopback_only);
	tcase_add_test(tc, creds_format);
	suite_add_tcase(s, tc);
	return s;
}
