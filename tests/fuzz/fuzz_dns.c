/* libFuzzer target: any bytes as a DNS query to the VPC resolver's answer engine (dns_answer over
 * the lab of tests/unit/dns_fixture.h). Byte 0 picks the asker (a VPC or the internet) and the
 * transport, byte 1 the health of checks and load balancer nodes; the rest is the query.
 * Invariants: nothing but an answer, "send nothing" or "support off"; every answer parses (ldns),
 * is a response with the query's ID and fits its transport. Seeds: tests/fuzz/mkseeds_dns.c. */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "control/dns/dns_wire.h"
#include "tests/unit/dns_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vl_tables *tables;
static struct dns_db *db;
static uint8_t health_bits;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_dns: invariant broken: %s\n", what);
	abort();
}

static int node_up(void *ctx, uint16_t lb, uint16_t port)
{
	(void)ctx;
	return (health_bits >> ((lb + port) & 7)) & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db) {
		tables = df_tables("us-east-1");
		db = dns_db_create(tables);
		if (!db)
			abort();
	}
	if (size < 2)
		return 0;
	uint16_t vpc = data[0] % (DF_NVPCS + 1);
	enum dns_transport tr = data[0] & 0x80 ? DNS_TCP : DNS_UDP;
	uint8_t checks[2] = {(uint8_t)(data[1] & 1), (uint8_t)(data[1] & 2)};
	health_bits = data[1];
	struct dns_health h = {checks, node_up, NULL};
	uint8_t *out = NULL;
	size_t n = 0;
	struct dns_result r;
	int rc = dns_answer(db, data + 2, size - 2, vpc == DF_NVPCS ? DNS_FROM_INTERNET : vpc, tr,
			    data[1] & 0x80 ? NULL : &h, &out, &n, &r);
	if (rc != 0 && rc != -EBADMSG && rc != -ENETUNREACH)
		fail("unexpected return");
	if (r.n_steps > DNS_CHAIN_MAX + 1)
		fail("more steps than the chain allows");
	if (rc == 0) {
		ldns_pkt *p = NULL;
		if (!out || ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
			fail("an answer ldns cannot read");
		if (!ldns_pkt_qr(p) || ldns_pkt_id(p) != ldns_read_uint16(data + 2))
			fail("not a response to this query");
		if (n > (tr == DNS_TCP ? 65535u : DNS_UDP_EDNS_MAX))
			fail("larger than the transport allows");
		ldns_pkt_free(p);
	} else if (out || n) {
		fail("bytes to send with an error");
	}
	free(out);
	dns_result_fini(&r);
	return 0;
}
