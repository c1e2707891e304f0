/* libFuzzer target: any bytes as what a client sends the AWS API: the request's query string or
 * form body (api_req_parse, then the list and filter views), its Authorization header
 * (sigv4_parse_auth) and its query in a canonical request. Invariants: no crash or leak; every
 * parameter found by name is found again; a list never reports values it did not give.
 * Seeds: tests/fuzz/corpus_api (botocore's serializer output, tests/unit/api/api_fixtures.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/api.h"
#include "control/api/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct api_req r = {0};
	if (api_req_parse(&r, s) == 0) {
		api_req_sort(&r);
		for (size_t i = 0; i < r.n; i++)
			if (!api_param(&r, r.p[i].name))
				abort();
		const char *v[8];
		size_t n = api_list(&r, "Filter", v, 8);
		for (size_t i = 0; i < n && i < 8; i++)
			if (!v[i])
				abort();
		struct api_filter f[8];
		int nf = api_filters(&r, f, 8);
		for (int i = 0; i < nf; i++)
			(void)api_filter_match(&f[i], "10.0.1.0/24");
		if (nf > 0)
			api_filters_free(f, nf);
	}
	api_req_free(&r);
	struct sigv4_auth a;
	(void)sigv4_parse_auth(s, &a);
	struct sigv4_header h[] = {{"Host", "127.0.0.1:4566"}, {"X-Amz-Date", "20261126T010203Z"}};
	struct sigv4_req q = {"GET", "/", s, h, 2, "", 0};
	free(sigv4_canonical_request(&q, "host;x-amz-date"));
	free(s);
	return 0;
}
