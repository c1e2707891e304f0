/* control/dns/dns_names.c: AWS's instance names per region (us-east-1's ec2.internal and
 * compute-1 forms, other regions' REGION.compute forms), reverse names, and parsing them back
 * strictly (case-insensitive, no leading zeros, no other region's form). */
#include <check.h>
#include <errno.h>

#include "control/dns/dns_names.h"
#include "vpclab/addr.h"

Suite *suite_dns_names(void);

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

START_TEST(private_names_per_region)
{
	char b[128];
	ck_assert_int_eq(dns_private_name(ip("10.0.2.10"), "us-east-1", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ip-10-0-2-10.ec2.internal");
	ck_assert_int_eq(dns_private_name(ip("10.0.2.10"), NULL, b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ip-10-0-2-10.ec2.internal");
	ck_assert_int_eq(dns_private_name(ip("172.31.255.1"), "eu-west-1", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ip-172-31-255-1.eu-west-1.compute.internal");
	ck_assert_int_eq(dns_private_name(ip("10.0.2.10"), "us-east-1", b, 10), -ENAMETOOLONG);
}
END_TEST

START_TEST(public_names_per_region)
{
	char b[128];
	ck_assert_int_eq(dns_public_name(ip("203.0.113.5"), "", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ec2-203-0-113-5.compute-1.amazonaws.com");
	ck_assert_int_eq(dns_public_name(ip("198.51.100.200"), "ap-southeast-2", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "ec2-198-51-100-200.ap-southeast-2.compute.amazonaws.com");
}
END_TEST

START_TEST(ptr_names)
{
	char b[64];
	uint32_t a = 0;
	ck_assert_int_eq(dns_ptr_name(ip("10.0.2.10"), b, sizeof(b)), 0);
	ck_assert_str_eq(b, "10.2.0.10.in-addr.arpa");
	ck_assert_int_eq(dns_parse_ptr_name("10.2.0.10.in-addr.arpa", &a), 0);
	ck_assert_uint_eq(a, ip("10.0.2.10"));
	ck_assert_int_eq(dns_parse_ptr_name("10.2.0.10.IN-ADDR.ARPA", &a), 0);
	ck_assert_int_eq(dns_parse_ptr_name("2.0.10.in-addr.arpa", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_ptr_name("010.2.0.10.in-addr.arpa", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_ptr_name("256.2.0.10.in-addr.arpa", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_ptr_name("10.2.0.10.in-addr.arpa.x", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_ptr_name("", &a), -ENOENT);
}
END_TEST

START_TEST(parse_back_strictly)
{
	uint32_t a = 0;
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-10.ec2.internal", "us-east-1", &a), 0);
	ck_assert_uint_eq(a, ip("10.0.2.10"));
	ck_assert_int_eq(dns_parse_private_name("IP-10-0-2-10.EC2.Internal", NULL, &a), 0);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-10.eu-west-1.compute.internal", "eu-west-1", &a), 0);
	/* another region's form is not a name here */
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-10.ec2.internal", "eu-west-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-10.eu-west-1.compute.internal", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-02-10.ec2.internal", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2.ec2.internal", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-1000.ec2.internal", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("x.ip-10-0-2-10.ec2.internal", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_private_name("ip-10-0-2-10.ec2.internal.", "us-east-1", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_public_name("ec2-203-0-113-5.compute-1.amazonaws.com", NULL, &a), 0);
	ck_assert_uint_eq(a, ip("203.0.113.5"));
	ck_assert_int_eq(dns_parse_public_name("ec2-203-0-113-5.us-west-2.compute.amazonaws.com", "us-west-2", &a), 0);
	ck_assert_int_eq(dns_parse_public_name("ec2-203-0-113-5.compute-1.amazonaws.com", "us-west-2", &a), -ENOENT);
	ck_assert_int_eq(dns_parse_public_name("ip-203-0-113-5.ec2.internal", NULL, &a), -ENOENT);
}
END_TEST

START_TEST(round_trip_every_octet)
{
	char b[128];
	for (unsigned o = 0; o < 256; o++) {
		uint32_t a = (o << 24) | (o << 16) | ((255 - o) << 8) | o, back = ~a;
		ck_assert_int_eq(dns_private_name(a, "sa-east-1", b, sizeof(b)), 0);
		ck_assert_int_eq(dns_parse_private_name(b, "sa-east-1", &back), 0);
		ck_assert_uint_eq(back, a);
		ck_assert_int_eq(dns_public_name(a, NULL, b, sizeof(b)), 0);
		ck_assert_int_eq(dns_parse_public_name(b, NULL, &back), 0);
		ck_assert_uint_eq(back, a);
		ck_assert_int_eq(dns_ptr_name(a, b, sizeof(b)), 0);
		ck_assert_int_eq(dns_parse_ptr_name(b, &back), 0);
		ck_assert_uint_eq(back, a);
	}
}
END_TEST

START_TEST(canon_and_under)
{
	char b[64];
	ck_assert_int_eq(dns_name_canon("Web.Corp.Internal.", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "web.corp.internal");
	ck_assert_int_eq(dns_name_canon(".", b, sizeof(b)), 0);
	ck_assert_str_eq(b, "");
	ck_assert_int_eq(dns_name_canon("abcdefgh", b, 8), -ENAMETOOLONG);
	ck_assert(dns_name_under("a.b.corp.internal", "corp.internal"));
	ck_assert(dns_name_under("corp.internal", "corp.internal"));
	ck_assert(!dns_name_under("xcorp.internal", "corp.internal"));
	ck_assert(!dns_name_under("internal", "corp.internal"));
	ck_assert(dns_name_under("anything", ""));
}
END_TEST

Suite *suite_dns_names(void)
{
	Suite *s = suite_create("dns_names");
	TCase *tc = tcase_create("names");
	tcase_add_test(tc, private_names_per_region);
	tcase_add_test(tc, public_names_per_region);
	tcase_add_test(tc, ptr_names);
	tcase_add_test(tc, parse_back_strictly);
	tcase_add_test(tc, round_trip_every_octet);
	tcase_add_test(tc, canon_and_under);
	suite_add_tcase(s, tc);
	return s;
}
