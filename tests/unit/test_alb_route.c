/* alb_route.c: AWS's wildcards, every condition kind and the group rule (alternatives within,
 * all groups required), priorities, target selection (round robin spread, least outstanding,
 * stickiness, fail open, none -> -1), the AWSALB cookie, redirect Locations, X-Forwarded-For,
 * and AWS's error pages. Rules are built by hand: compile fills only some kinds yet. */
#include <check.h>
#include <errno.h>
#include <sys/queue.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "control/router/alb_route.h"
#include "dataplane/lb.h"

Suite *suite_alb_route(void);

START_TEST(wildcards)
{
	ck_assert(alb_wild_match("*.example.com", "api.example.com", true));
	ck_assert(alb_wild_match("*.example.com", "API.Example.COM", true));
	ck_assert(!alb_wild_match("*.example.com", "API.Example.COM", false));
	ck_assert(!alb_wild_match("*.example.com", "example.com", true));
	ck_assert(alb_wild_match("/img/*", "/img/a/b.png", false));
	ck_assert(!alb_wild_match("/img/*", "/IMG/a.png", false));
	ck_assert(alb_wild_match("/v?/x", "/v2/x", false));
	ck_assert(!alb_wild_match("/v?/x", "/v22/x", false));
	ck_assert(alb_wild_match("*", "", false));
	ck_assert(alb_wild_match("a*b*c", "aXXbYYbZc", false));
	ck_assert(!alb_wild_match("a*b*c", "aXXbYYbZ", false));
	ck_assert(alb_wild_match("exact", "exact", false));
	ck_assert(!alb_wild_match("exact", "exactly", false));
	ck_assert(!alb_wild_match("", "x", false));
}
END_TEST

static struct vl_lb_cond cond(uint8_t kind, uint8_t group, const char *name, const char *value)
{
	struct vl_lb_cond c = {.kind = kind, .group = group};
	snprintf(c.name, sizeof(c.name), "%s", name ? name : "");
	snprintf(c.value, sizeof(c.value), "%s", value ? value : "");
	return c;
}

/* A request: GET http://Api.Example.com:8080/img/a.png?Version=V2&x=1 from 203.0.113.7 with
 * X-Env: beta. */
struct req {
	struct evkeyvalq q, h;
	struct alb_req_view v;
};

static void req_init(struct req *r)
{
	TAILQ_INIT(&r->q);
	TAILQ_INIT(&r->h);
	ck_assert_int_eq(evhttp_parse_query_str("Version=V2&x=1", &r->q), 0);
	evhttp_add_header(&r->h, "Host", "Api.Example.com:8080");
	evhttp_add_header(&r->h, "X-Env", "beta");
	r->v = (struct alb_req_view){.method = "GET", .host = "Api.Example.com", .path = "/img/a.png",
				     .query = &r->q, .headers = &r->h, .client = 0xcb007107};
}

static void req_free(struct req *r)
{
	evhttp_clear_headers(&r->q);
	evhttp_clear_headers(&r->h);
}

START_TEST(every_condition_kind)
{
	struct req r;
	req_init(&r);
	struct vl_lb_cond c;
	c = cond(VL_LBC_HOST, 0, NULL, "api.example.com");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_HOST, 0, NULL, "www.example.com");
	ck_assert(!alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_PATH, 0, NULL, "/img/*");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_PATH, 0, NULL, "/IMG/*");
	ck_assert(!alb_cond_match(&c, &r.v)); /* path: case-sensitive */
	c = cond(VL_LBC_METHOD, 0, NULL, "GET");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_METHOD, 0, NULL, "get");
	ck_assert(!alb_cond_match(&c, &r.v)); /* method: case-sensitive, no wildcards */
	c = cond(VL_LBC_METHOD, 0, NULL, "G*");
	ck_assert(!alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_HEADER, 0, "x-env", "BETA");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_HEADER, 0, "X-Env", "b*");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_HEADER, 0, "X-Other", "beta");
	ck_assert(!alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_QUERY, 0, "version", "v2");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_QUERY, 0, "version", "v3");
	ck_assert(!alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_QUERY, 0, "", "1"); /* no key: any pair's value */
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_QUERY, 0, "x*", "1");
	ck_assert(alb_cond_match(&c, &r.v));
	c = cond(VL_LBC_SOURCE, 0, NULL, NULL);
	c.source = (struct prefix4){.addr = 0xcb007100, .len = 24};
	ck_assert(alb_cond_match(&c, &r.v));
	c.source = (struct prefix4){.addr = 0xc6336400, .len = 24};
	ck_assert(!alb_cond_match(&c, &r.v));
	c.source = (struct prefix4){.addr = 0, .len = 0};
	ck_assert(alb_cond_match(&c, &r.v));
	struct alb_req_view bare = {.method = "GET", .path = "/", .client = 1};
	c = cond(VL_LBC_QUERY, 0, "", "*");
	ck_assert(!alb_cond_match(&c, &bare)); /* no query at all */
	c = cond(VL_LBC_HEADER, 0, "X-Env", "*");
	ck_assert(!alb_cond_match(&c, &bare));
	c = cond(VL_LBC_HOST, 0, NULL, "*");
	ck_assert(alb_cond_match(&c, &bare));
	req_free(&r);
}
END_TEST

START_TEST(groups_and_alternatives)
{
	struct req r;
	req_init(&r);
	struct vl_lb_rule rule = {.priority = 1, .n_conds = 3};
	rule.conds[0] = cond(VL_LBC_PATH, VL_LBC_PATH, NULL, "/api/*");
	rule.conds[1] = cond(VL_LBC_PATH, VL_LBC_PATH, NULL, "/img/*"); /* alternative: matches */
	rule.conds[2] = cond(VL_LBC_HOST, VL_LBC_HOST, NULL, "*.example.com");
	ck_assert(alb_rule_match(&rule, &r.v));
	rule.conds[2] = cond(VL_LBC_HOST, VL_LBC_HOST, NULL, "other.com"); /* one group fails */
	ck_assert(!alb_rule_match(&rule, &r.v));
	rule.n_conds = 1; /* only the /api pattern: the path group fails */
	ck_assert(!alb_rule_match(&rule, &r.v));
	rule.n_conds = 0;
	ck_assert(alb_rule_match(&rule, &r.v));
	/* Two groups of the same kind (AWS: two query conditions) must both match. */
	rule.n_conds = 2;
	rule.conds[0] = cond(VL_LBC_QUERY, 0, "version", "v2");
	rule.conds[1] = cond(VL_LBC_QUERY, 1, "x", "2");
	ck_assert(!alb_rule_match(&rule, &r.v));
	rule.conds[1] = cond(VL_LBC_QUERY, 1, "x", "1");
	ck_assert(alb_rule_match(&rule, &r.v));
	req_free(&r);
}
END_TEST

START_TEST(priorities_and_default)
{
	struct req r;
	req_init(&r);
	struct vl_lb_rule rules[3] = {{.priority = 30, .n_conds = 1}, {.priority = 10, .n_conds = 1},
				      {.priority = 20, .n_conds = 1}};
	rules[0].conds[0] = cond(VL_LBC_PATH, 0, NULL, "/img/*");
	rules[1].conds[0] = cond(VL_LBC_HOST, 0, NULL, "nomatch.example.com");
	rules[2].conds[0] = cond(VL_LBC_METHOD, 0, NULL, "GET");
	uint32_t ev = 0;
	ck_assert_int_eq(alb_route(rules, 3, &r.v, &ev), 2); /* 20 before 30; 10 does not match */
	ck_assert_uint_ge(ev, 2);
	rules[1].conds[0] = cond(VL_LBC_HOST, 0, NULL, "API.example.com");
	ck_assert_int_eq(alb_route(rules, 3, &r.v, NULL), 1);
	rules[1].conds[0] = cond(VL_LBC_HOST, 0, NULL, "x");
	rules[2].conds[0] = cond(VL_LBC_METHOD, 0, NULL, "POST");
	rules[0].conds[0] = cond(VL_LBC_PATH, 0, NULL, "/css/*");
	ck_assert_int_eq(alb_route(rules, 3, &r.v, &ev), -1); /* the default action */
	ck_assert_uint_eq(ev, 3);
	ck_assert_int_eq(alb_route(rules, 0, &r.v, &ev), -1);
	ck_assert_uint_eq(ev, 0);
	req_free(&r);
}
END_TEST

START_TEST(round_robin_spreads_evenly)
{
	struct alb_cand c[3] = {{LB_T_HEALTHY, 0}, {LB_T_HEALTHY, 0}, {LB_T_HEALTHY, 0}};
	uint32_t rr = 0, hits[3] = {0};
	for (int i = 0; i < 300; i++) {
		int k = alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, -1);
		ck_assert_int_ge(k, 0);
		hits[k]++;
	}
	ck_assert_uint_eq(hits[0], 100);
	ck_assert_uint_eq(hits[1], 100);
	ck_assert_uint_eq(hits[2], 100);
	/* Alternation, not runs: two in a row never go to the same target. */
	int prev = alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, -1);
	for (int i = 0; i < 10; i++) {
		int k = alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, -1);
		ck_assert_int_ne(k, prev);
		prev = k;
	}
}
END_TEST

START_TEST(only_healthy_get_requests)
{
	struct alb_cand c[4] = {{LB_T_UNHEALTHY, 0}, {LB_T_HEALTHY, 0}, {LB_T_DRAINING, 0}, {LB_T_INITIAL, 0}};
	uint32_t rr = 0;
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(alb_pick(c, 4, VL_ALGO_ROUND_ROBIN, &rr, -1), 1);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(alb_pick(c, 4, VL_ALGO_LEAST_OUTSTANDING, &rr, -1), 1);
}
END_TEST

START_TEST(fail_open)
{
	/* No healthy target: every one not draining/unused gets requests, spread. */
	struct alb_cand c[4] = {{LB_T_UNHEALTHY, 0}, {LB_T_DRAINING, 0}, {LB_T_INITIAL, 0}, {LB_T_UNUSED, 0}};
	uint32_t rr = 0, hits[4] = {0};
	for (int i = 0; i < 40; i++)
		hits[alb_pick(c, 4, VL_ALGO_ROUND_ROBIN, &rr, -1)]++;
	ck_assert_uint_eq(hits[0], 20);
	ck_assert_uint_eq(hits[2], 20);
	ck_assert_uint_eq(hits[1] + hits[3], 0);
	ck_assert(alb_eligible(&c[0], true));
	ck_assert(!alb_eligible(&c[0], false));
	ck_assert(!alb_eligible(&c[1], true));
	/* Only draining/unused, or no target at all: none (503). */
	struct alb_cand d[2] = {{LB_T_DRAINING, 0}, {LB_T_UNUSED, 0}};
	ck_assert_int_eq(alb_pick(d, 2, VL_ALGO_ROUND_ROBIN, &rr, -1), -1);
	ck_assert_int_eq(alb_pick(d, 2, VL_ALGO_LEAST_OUTSTANDING, &rr, 0), -1);
	ck_assert_int_eq(alb_pick(NULL, 0, VL_ALGO_ROUND_ROBIN, &rr, -1), -1);
}
END_TEST

START_TEST(least_outstanding)
{
	struct alb_cand c[3] = {{LB_T_HEALTHY, 5}, {LB_T_HEALTHY, 1}, {LB_T_HEALTHY, 3}};
	uint32_t rr = 0;
	ck_assert_int_eq(alb_pick(c, 3, VL_ALGO_LEAST_OUTSTANDING, &rr, -1), 1);
	c[1].state = LB_T_UNHEALTHY;
	ck_assert_int_eq(alb_pick(c, 3, VL_ALGO_LEAST_OUTSTANDING, &rr, -1), 2);
	/* Ties go round robin. */
	struct alb_cand t[2] = {{LB_T_HEALTHY, 0}, {LB_T_HEALTHY, 0}};
	rr = 0;
	int a = alb_pick(t, 2, VL_ALGO_LEAST_OUTSTANDING, &rr, -1);
	int b = alb_pick(t, 2, VL_ALGO_LEAST_OUTSTANDING, &rr, -1);
	ck_assert_int_ne(a, b);
}
END_TEST

START_TEST(stickiness)
{
	struct alb_cand c[3] = {{LB_T_HEALTHY, 9}, {LB_T_HEALTHY, 0}, {LB_T_HEALTHY, 0}};
	uint32_t rr = 0;
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, 2), 2);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(alb_pick(c, 3, VL_ALGO_LEAST_OUTSTANDING, &rr, 0), 0);
	/* The cookie's target unhealthy while others are healthy: another. */
	c[2].state = LB_T_UNHEALTHY;
	ck_assert_int_ne(alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, 2), 2);
	/* Draining: never new requests, even sticky ones. */
	c[2].state = LB_T_DRAINING;
	ck_assert_int_ne(alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, 2), 2);
	/* Every target unhealthy: the cookie's still wins (fail open). */
	c[0].state = c[1].state = c[2].state = LB_T_UNHEALTHY;
	ck_assert_int_eq(alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, 2), 2);
	/* Out of range: ignored. */
	ck_assert_int_ge(alb_pick(c, 3, VL_ALGO_ROUND_ROBIN, &rr, 7), 0);
}
END_TEST

START_TEST(cookie_round_trip)
{
	char v[256], tg[VL_NAME_MAX], inst[VL_NAME_MAX];
	uint16_t port = 0;
	int len = alb_cookie_encode("web-tg", "web1", 8080, v, sizeof(v));
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(strlen(v), (size_t)len);
	ck_assert_ptr_null(strstr(v, "web1")); /* opaque */
	ck_assert_int_eq(alb_cookie_decode(v, tg, sizeof(tg), inst, sizeof(inst), &port), 0);
	ck_assert_str_eq(tg, "web-tg");
	ck_assert_str_eq(inst, "web1");
	ck_assert_uint_eq(port, 8080);
	ck_assert_int_eq(alb_cookie_encode("web-tg", "web1", 80, v, 8), -ENOSPC);
	ck_assert_int_eq(alb_cookie_decode("xyz", tg, sizeof(tg), inst, sizeof(inst), &port), -EINVAL);
	ck_assert_int_eq(alb_cookie_decode("414243", tg, sizeof(tg), inst, sizeof(inst), &port), -EINVAL);
	ck_assert_int_eq(alb_cookie_decode("", tg, sizeof(tg), inst, sizeof(inst), &port), -EINVAL);
	/* "a|b|0": port 0 is not a target's */
	ck_assert_int_eq(alb_cookie_decode("617C627C30", tg, sizeof(tg), inst, sizeof(inst), &port), -EINVAL);
	ck_assert_int_eq(alb_cookie_decode("617C627C3830", tg, sizeof(tg), inst, sizeof(inst), &port), 0);
	ck_assert_str_eq(inst, "b");
	/* Found in a Cookie header among others; AWSALBCORS is not AWSALB. */
	char got[64];
	ck_assert(alb_cookie_find("a=1; AWSALBCORS=C0; AWSALB=ABCD; z=2", "AWSALB", got, sizeof(got)));
	ck_assert_str_eq(got, "ABCD");
	ck_assert(alb_cookie_find("AWSALBCORS=C0", "AWSALBCORS", got, sizeof(got)));
	ck_assert_str_eq(got, "C0");
	ck_assert(!alb_cookie_find("AWSALBCORS=C0", "AWSALB", got, sizeof(got)));
	ck_assert(!alb_cookie_find("", "AWSALB", got, sizeof(got)));
	ck_assert(!alb_cookie_find("AWSALB=0123456789", "AWSALB", got, 4));
}
END_TEST

START_TEST(redirects)
{
	char loc[512];
	struct vl_lb_redirect rd = {0}; /* every part its default: the same URL */
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "a.example.com", 80, "/x/y", "q=1", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "http://a.example.com/x/y?q=1");
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "a.example.com", 8080, "/", "", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "http://a.example.com:8080/");
	snprintf(rd.protocol, sizeof(rd.protocol), "HTTPS");
	snprintf(rd.port, sizeof(rd.port), "443");
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "a.example.com", 80, "/old", "", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "https://a.example.com/old");
	rd = (struct vl_lb_redirect){0};
	snprintf(rd.path, sizeof(rd.path), "/new");
	snprintf(rd.host, sizeof(rd.host), "www.#{host}");
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "example.com", 80, "/old", "a=b", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "http://www.example.com/new?a=b");
	snprintf(rd.path, sizeof(rd.path), "/v2/#{path}");
	snprintf(rd.query, sizeof(rd.query), "from=#{port}&#{query}");
	snprintf(rd.port, sizeof(rd.port), "81");
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "h", 80, "/p", "z=1", loc, sizeof(loc)), 0);
	ck_assert_str_eq(loc, "http://www.h:81/v2/p?from=80&z=1");
	ck_assert_int_eq(alb_redirect_location(&rd, "http", "h", 80, "/p", "z=1", loc, 10), -ENOSPC);
}
END_TEST

START_TEST(forwarded_headers_and_pages)
{
	char buf[600];
	ck_assert_int_eq(alb_xff(NULL, 0xcb007107, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "203.0.113.7");
	ck_assert_int_eq(alb_xff("198.51.100.1", 0xcb007107, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "198.51.100.1, 203.0.113.7");
	ck_assert_int_eq(alb_xff("198.51.100.1", 0xcb007107, buf, 8), -ENOSPC);
	uint32_t rnd[3] = {0x1, 0xabcdef, 0xffffffff};
	alb_trace_id(0x5f000000, rnd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Root=1-5f000000-0000000100abcdefffffffff");
	ck_assert(alb_hop_by_hop("connection"));
	ck_assert(alb_hop_by_hop("Transfer-Encoding"));
	ck_assert(alb_hop_by_hop("keep-alive"));
	ck_assert(!alb_hop_by_hop("Host"));
	ck_assert(!alb_hop_by_hop("X-Forwarded-For"));
	alb_host_strip("Api.Example.com:8080", buf, sizeof(buf));
	ck_assert_str_eq(buf, "Api.Example.com");
	alb_host_strip("h", buf, sizeof(buf));
	ck_assert_str_eq(buf, "h");
	alb_host_strip(NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ck_assert_int_gt(alb_error_page(503, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
			      "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n");
	ck_assert_int_gt(alb_error_page(502, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "502 Bad Gateway"));
	ck_assert_int_gt(alb_error_page(504, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "504 Gateway Time-out"));
	ck_assert_str_eq(alb_reason(400), "Bad Request");
	ck_assert_int_eq(alb_error_page(503, buf, 20), -ENOSPC);
}
END_TEST

Suite *suite_alb_route(void)
{
	Suite *s = suite_create("alb_route");
	TCase *tc = tcase_create("alb_route");
	tcase_add_test(tc, wildcards);
	tcase_add_test(tc, every_condition_kind);
	tcase_add_test(tc, groups_and_alternatives);
	tcase_add_test(tc, priorities_and_default);
	tcase_add_test(tc, round_robin_spreads_evenly);
	tcase_add_test(tc, only_healthy_get_requests);
	tcase_add_test(tc, fail_open);
	tcase_add_test(tc, least_outstanding);
	tcase_add_test(tc, stickiness);
	tcase_add_test(tc, cookie_round_trip);
	tcase_add_test(tc, redirects);
	tcase_add_test(tc, forwarded_headers_and_pages);
	suite_add_tcase(s, tc);
	return s;
}
