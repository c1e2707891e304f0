/* control/dns/dns_wire.c: queries built and answers read with libldns (no hand-made wire
 * format): AmazonProvidedDNS's flags (QR, RD copied, RA, no AA), the question and its case kept,
 * SOA in negative answers, EDNS, truncation per transport, and every malformed input answered
 * with FORMERR/NOTIMP/REFUSED/BADVERS or nothing at all, never a crash (also a mutation run). */
#include <check.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "control/dns/dns_wire.h"
#include "tests/unit/dns_fixture.h"
#include "tests/unit/fixture.h"

Suite *suite_dns_wire(void);

static struct vl_tables *t;
static struct dns_db *db;
static ldns_pkt *resp;

static void setup(void)
{
	t = df_tables("us-east-1");
	db = dns_db_create(t);
	ck_assert_ptr_nonnull(db);
	resp = NULL;
}

static void teardown(void)
{
	ldns_pkt_free(resp);
	dns_db_destroy(db);
	vl_tables_free(t);
}

/* A query for name/type with id 0x1234; edns: 0 none, else that UDP size. Wire in *len. */
static uint8_t *query(const char *name, ldns_rr_type type, uint16_t flags, uint16_t edns, size_t *len)
{
	ldns_pkt *q = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, flags), LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 0x1234);
	if (edns)
		ldns_pkt_set_edns_udp_size(q, edns);
	uint8_t *w = NULL;
	ck_assert_int_eq(ldns_pkt2wire(&w, q, len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return w;
}

/* Answers wire q from vpc over tr; checks 0 and parses the response into resp. */
static void answer(uint8_t *q, size_t len, uint16_t vpc, enum dns_transport tr, size_t *out_len)
{
	uint8_t *out = NULL;
	size_t n = 0;
	ldns_pkt_free(resp);
	resp = NULL;
	ck_assert_int_eq(dns_answer(db, q, len, vpc, tr, NULL, &out, &n, NULL), 0);
	ck_assert_int_eq(ldns_wire2pkt(&resp, out, n), LDNS_STATUS_OK);
	ck_assert_uint_eq(ldns_pkt_id(resp), ldns_read_uint16(q));
	ck_assert(ldns_pkt_qr(resp));
	ck_assert(!ldns_pkt_aa(resp));
	if (out_len)
		*out_len = n;
	free(out);
	free(q);
}

static void ask(const char *name, ldns_rr_type type, uint16_t vpc)
{
	size_t len;
	uint8_t *q = query(name, type, LDNS_RD, 0, &len);
	answer(q, len, vpc, DNS_UDP, NULL);
}

static char *rr_text(ldns_pkt_section sec, size_t i)
{
	ldns_rr_list *l = sec == LDNS_SECTION_ANSWER ? ldns_pkt_answer(resp) : ldns_pkt_authority(resp);
	ck_assert_uint_lt(i, ldns_rr_list_rr_count(l));
	return ldns_rr2str(ldns_rr_list_rr(l, i));
}

static void expect_rr(ldns_pkt_section sec, size_t i, const char *text)
{
	char *s = rr_text(sec, i);
	ck_assert_str_eq(s, text);
	free(s);
}

START_TEST(answers_as_amazon_provided_dns)
{
	ask("Db.Corp.Internal.", LDNS_RR_TYPE_A, DF_MAIN);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_NOERROR);
	ck_assert(ldns_pkt_rd(resp));
	ck_assert(ldns_pkt_ra(resp));
	ck_assert_uint_eq(ldns_pkt_qdcount(resp), 1);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 1);
	expect_rr(LDNS_SECTION_ANSWER, 0, "Db.Corp.Internal.\t300\tIN\tA\t10.0.2.10\n");
	char *q = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_question(resp), 0));
	ck_assert_str_eq(q, "Db.Corp.Internal.\tIN\tA\n");
	free(q);
	size_t len;
	uint8_t *w = query("web", LDNS_RR_TYPE_A, 0, 0, &len); /* no RD: none in the answer */
	answer(w, len, DF_MAIN, DNS_UDP, NULL);
	ck_assert(!ldns_pkt_rd(resp));
	expect_rr(LDNS_SECTION_ANSWER, 0, "web.\t60\tIN\tA\t10.0.1.10\n");
}
END_TEST

START_TEST(record_types_on_the_wire)
{
	ask("api.corp.internal", LDNS_RR_TYPE_A, DF_MAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 3);
	expect_rr(LDNS_SECTION_ANSWER, 0, "api.corp.internal.\t300\tIN\tCNAME\twww.corp.internal.\n");
	expect_rr(LDNS_SECTION_ANSWER, 1, "www.corp.internal.\t60\tIN\tA\t203.0.113.100\n");
	ask("db.corp.internal", LDNS_RR_TYPE_AAAA, DF_MAIN);
	expect_rr(LDNS_SECTION_ANSWER, 0, "db.corp.internal.\t300\tIN\tAAAA\tfd00::10\n");
	ask("mail.corp.internal", LDNS_RR_TYPE_MX, DF_MAIN);
	expect_rr(LDNS_SECTION_ANSWER, 0, "mail.corp.internal.\t300\tIN\tMX\t10 mx.corp.internal.\n");
	ask("_http._tcp.corp.internal", LDNS_RR_TYPE_SRV, DF_MAIN);
	expect_rr(LDNS_SECTION_ANSWER, 0, "_http._tcp.corp.internal.\t300\tIN\tSRV\t1 5 80 web.corp.internal.\n");
	ask("corp.internal", LDNS_RR_TYPE_TXT, DF_MAIN);
	expect_rr(LDNS_SECTION_ANSWER, 0, "corp.internal.\t300\tIN\tTXT\t\"lab\"\n");
	ask("10.2.0.10.in-addr.arpa", LDNS_RR_TYPE_PTR, DF_MAIN);
	expect_rr(LDNS_SECTION_ANSWER, 0, "10.2.0.10.in-addr.arpa.\t60\tIN\tPTR\tip-10-0-2-10.ec2.internal.\n");
	ask("ec2-203-0-113-10.compute-1.amazonaws.com", LDNS_RR_TYPE_A, DNS_FROM_INTERNET);
	expect_rr(LDNS_SECTION_ANSWER, 0, "ec2-203-0-113-10.compute-1.amazonaws.com.\t60\tIN\tA\t203.0.113.10\n");
}
END_TEST

START_TEST(negative_answers)
{
	ask("nope.corp.internal", LDNS_RR_TYPE_A, DF_MAIN);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_NXDOMAIN);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 0);
	expect_rr(LDNS_SECTION_AUTHORITY, 0, "corp.internal.\t900\tIN\tSOA\tns-1536.awsdns-00.co.uk. "
			"awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400\n");
	ask("db.corp.internal", LDNS_RR_TYPE_MX, DF_MAIN);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_NOERROR);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 0);
	ck_assert_uint_eq(ldns_pkt_nscount(resp), 1);
	ask("db.corp.internal", LDNS_RR_TYPE_A, DNS_FROM_INTERNET);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_NXDOMAIN);
	ask("loop1.corp.internal", LDNS_RR_TYPE_A, DF_MAIN);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_SERVFAIL);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 0);
}
END_TEST

START_TEST(edns_and_truncation)
{
	size_t len, n;
	uint8_t *q = query("big.corp.internal", LDNS_RR_TYPE_TXT, LDNS_RD, 0, &len);
	answer(q, len, DF_MAIN, DNS_UDP, &n);
	ck_assert(ldns_pkt_tc(resp));
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 0);
	ck_assert_uint_eq(ldns_pkt_qdcount(resp), 1);
	ck_assert_uint_le(n, DNS_UDP_PLAIN);
	q = query("big.corp.internal", LDNS_RR_TYPE_TXT, LDNS_RD, 0, &len);
	answer(q, len, DF_MAIN, DNS_TCP, &n);
	ck_assert(!ldns_pkt_tc(resp));
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 3);
	ck_assert_uint_gt(n, DNS_UDP_PLAIN);
	q = query("big.corp.internal", LDNS_RR_TYPE_TXT, LDNS_RD, 1232, &len);
	answer(q, len, DF_MAIN, DNS_UDP, &n);
	ck_assert(!ldns_pkt_tc(resp));
	ck_assert(ldns_pkt_edns(resp));
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(resp), DNS_UDP_EDNS_MAX);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 3);
	/* an EDNS size under 512 means 512 */
	q = query("big.corp.internal", LDNS_RR_TYPE_TXT, LDNS_RD, 100, &len);
	answer(q, len, DF_MAIN, DNS_UDP, &n);
	ck_assert(ldns_pkt_tc(resp));
	/* EDNS version 1: BADVERS (extended code 1, header code 0) */
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, "db.corp.internal", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN,
						     LDNS_RD), LDNS_STATUS_OK);
	ldns_pkt_set_edns_udp_size(p, 1232);
	ldns_pkt_set_edns_version(p, 1);
	ck_assert_int_eq(ldns_pkt2wire(&q, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	answer(q, len, DF_MAIN, DNS_UDP, NULL);
	ck_assert_uint_eq(ldns_pkt_edns_extended_rcode(resp), 1);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), 0);
	ck_assert_uint_eq(ldns_pkt_ancount(resp), 0);
}
END_TEST

START_TEST(refusals_and_errors)
{
	size_t len;
	ldns_pkt *p = NULL;
	uint8_t *q;
	/* class CH, a zone transfer: REFUSED */
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, "version.bind", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, 0),
			 LDNS_STATUS_OK);
	ck_assert_int_eq(ldns_pkt2wire(&q, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	answer(q, len, DF_MAIN, DNS_UDP, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_REFUSED);
	q = query("corp.internal", LDNS_RR_TYPE_AXFR, 0, 0, &len);
	answer(q, len, DF_MAIN, DNS_TCP, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_REFUSED);
	/* opcode STATUS: NOTIMP, question echoed */
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, "web", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_pkt_set_opcode(p, LDNS_PACKET_STATUS);
	ck_assert_int_eq(ldns_pkt2wire(&q, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	answer(q, len, DF_MAIN, DNS_UDP, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_NOTIMPL);
	ck_assert_uint_eq(ldns_pkt_qdcount(resp), 1);
	/* two questions: FORMERR */
	ck_assert_int_eq(ldns_pkt_query_new_frm_str(&p, "web", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0), LDNS_STATUS_OK);
	ldns_rr *second = NULL;
	ck_assert_int_eq(ldns_rr_new_question_frm_str(&second, "db. IN A", NULL, NULL), LDNS_STATUS_OK);
	ck_assert(ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, second));
	ck_assert_int_eq(ldns_pkt2wire(&q, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	answer(q, len, DF_MAIN, DNS_UDP, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_FORMERR);
	/* no question at all: FORMERR */
	q = query("web", LDNS_RR_TYPE_A, 0, 0, &len);
	answer(q, 12, DF_MAIN, DNS_UDP, NULL); /* header only, claiming one question */
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_FORMERR);
	ck_assert_uint_eq(ldns_pkt_qdcount(resp), 0);
	/* a question cut short */
	q = query("web.corp.internal", LDNS_RR_TYPE_A, 0, 0, &len);
	answer(q, len - 3, DF_MAIN, DNS_UDP, NULL);
	ck_assert_int_eq(ldns_pkt_get_rcode(resp), LDNS_RCODE_FORMERR);
}
END_TEST

START_TEST(nothing_sent_back)
{
	size_t len, n = 1;
	uint8_t *out = (uint8_t *)"x";
	uint8_t *q = query("web", LDNS_RR_TYPE_A, 0, 0, &len);
	ck_assert_int_eq(dns_answer(db, q, 11, DF_MAIN, DNS_UDP, NULL, &out, &n, NULL), -EBADMSG);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(dns_answer(db, NULL, 0, DF_MAIN, DNS_UDP, NULL, &out, &n, NULL), -EBADMSG);
	q[2] |= 0x80; /* a response: answering it could start a loop */
	ck_assert_int_eq(dns_answer(db, q, len, DF_MAIN, DNS_UDP, NULL, &out, &n, NULL), -EBADMSG);
	q[2] &= 0x7f;
	ck_assert_int_eq(dns_answer(db, q, len, DF_OFF, DNS_UDP, NULL, &out, &n, NULL), -ENETUNREACH);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(dns_answer(db, q, len, DF_NVPCS, DNS_UDP, NULL, &out, &n, NULL), -EINVAL);
	struct dns_result r;
	ck_assert_int_eq(dns_answer(db, q, len, DF_MAIN, DNS_UDP, NULL, &out, &n, &r), 0);
	ck_assert_uint_eq(r.n_steps, 1);
	ck_assert_uint_eq(r.steps[0].src, DNS_SRC_SHORT);
	dns_result_fini(&r);
	free(out);
	free(q);
}
END_TEST

/* Every mutation of real queries gets an answer ldns can read (or none), never a crash; run under
 * `make asan` this also shows no leak and no out-of-bounds read. */
START_TEST(mutated_queries)
{
	static const char *names[] = {"api.corp.internal", "web", "10.2.0.10.in-addr.arpa",
				      "web-alb-1a2b3c4d5e6f7a8b.elb.us-east-1.amazonaws.com", "big.corp.internal"};
	struct rng g;
	rng_seed(&g, 12);
	unsigned answered = 0;
	for (int i = 0; i < 4000; i++) {
		size_t len;
		uint8_t *q = query(names[i % 5], i & 1 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_ANY, LDNS_RD,
				   i & 2 ? 1232 : 0, &len);
		uint8_t buf[600];
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		memcpy(buf, q, n);
		free(q);
		for (uint32_t k = 0, flips = 1 + rng_below(&g, 4); k < flips; k++)
			buf[rng_below(&g, (uint32_t)n)] = (uint8_t)rng_u32(&g);
		if (rng_below(&g, 4) == 0)
			n = rng_below(&g, (uint32_t)n + 1);
		uint8_t *out = NULL;
		size_t out_len = 0;
		uint16_t vpc = (uint16_t)rng_below(&g, DF_NVPCS + 1);
		int rc = dns_answer(db, buf, n, vpc == DF_NVPCS ? DNS_FROM_INTERNET : vpc,
				    rng_below(&g, 2) ? DNS_TCP : DNS_UDP, NULL, &out, &out_len, NULL);
		ck_assert_msg(rc == 0 || rc == -EBADMSG || rc == -ENETUNREACH, "rc %d", rc);
		if (rc == 0) {
			ldns_pkt *a = NULL;
			ck_assert_int_eq(ldns_wire2pkt(&a, out, out_len), LDNS_STATUS_OK);
			ck_assert(ldns_pkt_qr(a));
			ck_assert_uint_eq(ldns_pkt_id(a), ldns_read_uint16(buf));
			ldns_pkt_free(a);
			answered++;
		}
		free(out);
	}
	ck_assert_uint_gt(answered, 1000);
}
END_TEST

Suite *suite_dns_wire(void)
{
	Suite *s = suite_create("dns_wire");
	TCase *tc = tcase_create("wire");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, answers_as_amazon_provided_dns);
	tcase_add_test(tc, record_types_on_the_wire);
	tcase_add_test(tc, negative_answers);
	tcase_add_test(tc, edns_and_truncation);
	tcase_add_test(tc, refusals_and_errors);
	tcase_add_test(tc, nothing_sent_back);
	tcase_add_test(tc, mutated_queries);
	suite_add_tcase(s, tc);
	return s;
}
