/* Writes fuzz_dns's seeds: a query (made with libldns) for each kind of name the resolver knows,
 * each type, with and without EDNS, asked from each VPC and the internet, into DIR/NAME.
 * Format (fuzz_dns.c): asker/transport byte, health byte, the query. Run by mkseeds.sh. */
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static const char *names[] = {
		"ip-10-0-2-10.ec2.internal", "ec2-203-0-113-10.compute-1.amazonaws.com",
		"10.2.0.10.in-addr.arpa", "web", "web-alb-1a2b3c4d5e6f7a8b.elb.us-east-1.amazonaws.com",
		"api.corp.internal", "app.corp.internal", "x.a.corp.internal", "foo.wild.corp.internal",
		"loop1.corp.internal", "long2.corp.internal", "big.corp.internal", "corp.internal",
		"nope.example.com",
	};
	static const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA, LDNS_RR_TYPE_TXT,
					     LDNS_RR_TYPE_PTR, LDNS_RR_TYPE_ANY, LDNS_RR_TYPE_SOA};
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds_dns DIR\n");
		return 2;
	}
	int n = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
			ldns_pkt *q = NULL;
			if (ldns_pkt_query_new_frm_str(&q, names[i], types[k], LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
				return 1;
			ldns_pkt_set_id(q, (uint16_t)(i * 16 + k));
			if (k & 1)
				ldns_pkt_set_edns_udp_size(q, 1232);
			uint8_t *w = NULL;
			size_t len = 0;
			if (ldns_pkt2wire(&w, q, &len) != LDNS_STATUS_OK)
				return 1;
			char path[4096];
			snprintf(path, sizeof(path), "%s/%02zu-%s-%zu", argv[1], i, names[i], k);
			FILE *f = fopen(path, "wb");
			uint8_t head[2] = {(uint8_t)((i + k) % 5 | (k == 5 ? 0x80 : 0)), (uint8_t)(k * 37)};
			if (!f || fwrite(head, 1, 2, f) != 2 || fwrite(w, 1, len, f) != len || fclose(f))
				return 1;
			free(w);
			ldns_pkt_free(q);
			n++;
		}
	printf("mkseeds_dns: %d seeds in %s\n", n, argv[1]);
	return 0;
}
