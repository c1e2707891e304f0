/* route.c: longest prefix match in a route table's trie (built by dp_tables_prepare), checked
 * against a naive linear scan on random tables, plus the edges (/0, /32, nesting, no match,
 * several tables in one snapshot, absolute indexes). */
#include <check.h>
#include <stdlib.h>

#include "dataplane/route.h"
#include "dataplane/tables.h"
#include "fixture.h"

Suite *suite_route(void);

/* The reference: index (into t->routes) of the longest prefix of table rt that contains dst;
 * on equal length the first one in the table (route.c: "the first wins"); -1 when none. */
static int32_t naive_lookup(const struct vl_tables *t, uint16_t rt, uint32_t dst)
{
	const struct vl_route_table *r = &t->route_tables[rt];
	int32_t best = -1;
	int best_len = -1;
	for (uint32_t k = 0; k < r->route_count; k++) {
		const struct vl_route *x = &t->routes[r->route_first + k];
		if (prefix_contains(x->dst, dst) && (int)x->dst.len > best_len) {
			best = (int32_t)(r->route_first + k);
			best_len = x->dst.len;
		}
	}
	return best;
}

/* A bare snapshot with n_rt route tables of the given sizes; routes left for the caller. */
static struct vl_tables *tables_new(uint16_t n_rt, const uint32_t *counts)
{
	struct vl_tables *t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	uint32_t total = 0;
	for (uint16_t i = 0; i < n_rt; i++)
		total += counts[i];
	t->n_route_tables = n_rt;
	t->route_tables = calloc(n_rt, sizeof(*t->route_tables));
	t->routes = calloc(total ? total : 1, sizeof(*t->routes));
	ck_assert(t->route_tables && t->routes);
	t->n_routes = total;
	uint32_t first = 0;
	for (uint16_t i = 0; i < n_rt; i++) {
		t->route_tables[i].route_first = first;
		t->route_tables[i].route_count = counts[i];
		t->route_tables[i].lpm_root = -1;
		first += counts[i];
	}
	return t;
}

static struct prefix4 random_prefix(struct rng *r)
{
	uint32_t pick = rng_below(r, 100);
	uint8_t len;
	if (pick < 5)
		len = 0;
	else if (pick < 20)
		len = 32;
	else if (pick < 60)
		len = (uint8_t)(8 + rng_below(r, 17)); /* the usual /8../24 */
	else
		len = (uint8_t)rng_below(r, 33);
	/* Cluster the addresses so that prefixes nest and overlap often. */
	uint32_t a = rng_below(r, 4) == 0 ? rng_u32(r) : (0x0a000000u | (rng_u32(r) & 0x0003ffffu));
	return (struct prefix4){a & prefix_mask(len), len};
}

/* An address that falls in (or just beside) one of the table's prefixes. */
static uint32_t derived_addr(struct rng *r, const struct vl_tables *t, uint16_t rt)
{
	const struct vl_route_table *x = &t->route_tables[rt];
	const struct vl_route *route = &t->routes[x->route_first + rng_below(r, x->route_count)];
	uint32_t host = rng_u32(r) & ~prefix_mask(route->dst.len);
	uint32_t a = route->dst.addr | host;
	switch (rng_below(r, 6)) {
	case 0: /* flip the first bit after the prefix: often leaves a more specific route */
		if (route->dst.len < 32)
			a ^= 1u << (31 - route->dst.len);
		break;
	case 1: /* flip the last bit of the prefix: just outside it */
		if (route->dst.len > 0)
			a ^= 1u << (32 - route->dst.len);
		break;
	case 2: a = route->dst.addr; break;                 /* first address */
	case 3: a = route->dst.addr | ~prefix_mask(route->dst.len); break; /* last address */
	default: break;
	}
	return a;
}

START_TEST(lpm_matches_naive_on_random_tables)
{
	struct rng r;
	rng_seed(&r, 0x5eed0001);
	for (int iter = 0; iter < 200; iter++) {
		uint16_t n_rt = (uint16_t)(1 + rng_below(&r, 3));
		uint32_t counts[3];
		for (uint16_t i = 0; i < n_rt; i++)
			counts[i] = 1 + rng_below(&r, 60);
		struct vl_tables *t = tables_new(n_rt, counts);
		for (uint32_t k = 0; k < t->n_routes; k++) {
			t->routes[k].dst = random_prefix(&r);
			t->routes[k].kind = (uint8_t)rng_below(&r, 5);
			t->routes[k].target = VL_NONE;
		}
		ck_assert_int_eq(dp_tables_prepare(t), 0);
		for (uint16_t rt = 0; rt < n_rt; rt++) {
			for (int q = 0; q < 10000; q++) {
				uint32_t a = rng_below(&r, 2) ? rng_u32(&r) : derived_addr(&r, t, rt);
				int32_t got = route_lookup(t, rt, a), want = naive_lookup(t, rt, a);
				if (got != want) {
					char ab[16];
					ck_abort_msg("iter %d table %u addr %s: route_lookup %d, naive %d", iter, rt,
						     addr_fmt(a, ab), got, want);
				}
			}
		}
		vl_tables_free(t);
	}
}
END_TEST

/* The reference itself must be able to tell the trie wrong: a hand-made case it answers. */
START_TEST(lpm_nested_prefixes)
{
	uint32_t counts[1] = {6};
	struct vl_tables *t = tables_new(1, counts);
	const char *pfx[6] = {"10.1.2.3/32", "0.0.0.0/0", "10.1.0.0/16", "10.0.0.0/8", "10.1.2.0/24",
			      "10.1.2.2/31"};
	for (int i = 0; i < 6; i++)
		t->routes[i].dst = fx_pfx(pfx[i]);
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.1.2.3")), 0);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.1.2.2")), 5);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.1.2.4")), 4);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.1.3.4")), 2);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.2.0.0")), 3);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("11.0.0.0")), 1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("0.0.0.0")), 1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("255.255.255.255")), 1);
	vl_tables_free(t);
}
END_TEST

START_TEST(lpm_no_match_is_minus_one)
{
	uint32_t counts[1] = {2};
	struct vl_tables *t = tables_new(1, counts);
	t->routes[0].dst = fx_pfx("10.0.0.0/16");
	t->routes[1].dst = fx_pfx("192.168.1.1/32");
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.1.0.0")), -1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("9.255.255.255")), -1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("192.168.1.0")), -1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("192.168.1.2")), -1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("192.168.1.1")), 1);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.0.255.255")), 0);
	/* a table index past the end is "no route", not a read past the array */
	ck_assert_int_eq(route_lookup(t, 1, fx_ip("10.0.0.1")), -1);
	ck_assert_int_eq(route_lookup(t, VL_NONE, fx_ip("10.0.0.1")), -1);
	vl_tables_free(t);
}
END_TEST

START_TEST(lpm_default_and_host_routes_at_the_edges)
{
	uint32_t counts[1] = {4};
	struct vl_tables *t = tables_new(1, counts);
	t->routes[0].dst = fx_pfx("0.0.0.0/0");
	t->routes[1].dst = fx_pfx("255.255.255.255/32");
	t->routes[2].dst = fx_pfx("0.0.0.0/32");
	t->routes[3].dst = fx_pfx("128.0.0.0/1");
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	ck_assert_int_eq(route_lookup(t, 0, 0xffffffffu), 1);
	ck_assert_int_eq(route_lookup(t, 0, 0xfffffffeu), 3);
	ck_assert_int_eq(route_lookup(t, 0, 0), 2);
	ck_assert_int_eq(route_lookup(t, 0, 1), 0);
	ck_assert_int_eq(route_lookup(t, 0, 0x7fffffffu), 0);
	ck_assert_int_eq(route_lookup(t, 0, 0x80000000u), 3);
	vl_tables_free(t);
}
END_TEST

/* Each table answers from its own routes only, and the answer is an index into t->routes. */
START_TEST(lpm_tables_are_separate_and_indexes_absolute)
{
	uint32_t counts[3] = {2, 3, 1};
	struct vl_tables *t = tables_new(3, counts);
	t->routes[0].dst = fx_pfx("10.0.0.0/16"); /* table 0 */
	t->routes[1].dst = fx_pfx("0.0.0.0/0");
	t->routes[2].dst = fx_pfx("10.0.0.0/16"); /* table 1 */
	t->routes[3].dst = fx_pfx("10.0.5.0/24");
	t->routes[4].dst = fx_pfx("172.16.0.0/12");
	t->routes[5].dst = fx_pfx("10.0.5.7/32"); /* table 2 */
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	uint32_t a = fx_ip("10.0.5.7");
	ck_assert_int_eq(route_lookup(t, 0, a), 0);
	ck_assert_int_eq(route_lookup(t, 1, a), 3);
	ck_assert_int_eq(route_lookup(t, 2, a), 5);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("172.16.0.1")), 1);
	ck_assert_int_eq(route_lookup(t, 1, fx_ip("172.16.0.1")), 4);
	ck_assert_int_eq(route_lookup(t, 2, fx_ip("172.16.0.1")), -1);
	ck_assert_int_eq(route_lookup(t, 2, fx_ip("10.0.5.6")), -1);
	vl_tables_free(t);
}
END_TEST

/* An empty table (no routes at all) and tables after it still work. */
START_TEST(lpm_empty_table)
{
	uint32_t counts[2] = {0, 1};
	struct vl_tables *t = tables_new(2, counts);
	t->routes[0].dst = fx_pfx("0.0.0.0/0");
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("1.2.3.4")), -1);
	ck_assert_int_eq(route_lookup(t, 1, fx_ip("1.2.3.4")), 0);
	vl_tables_free(t);
}
END_TEST

/* The same destination twice (the checker forbids it): route.c documents "the first wins". */
START_TEST(lpm_duplicate_destination_first_wins)
{
	uint32_t counts[1] = {3};
	struct vl_tables *t = tables_new(1, counts);
	t->routes[0].dst = fx_pfx("10.0.0.0/8");
	t->routes[1].dst = fx_pfx("10.9.0.0/16");
	t->routes[2].dst = fx_pfx("10.9.0.0/16");
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	ck_assert_int_eq(route_lookup(t, 0, fx_ip("10.9.1.1")), 1);
	vl_tables_free(t);
}
END_TEST

/* A table built through the fixture (what compile.c produces): local route first, then others. */
START_TEST(lpm_fixture_tables)
{
	struct fx *fx = fx_new();
	uint16_t v = fx_vpc(fx, "a", "10.0.0.0/16", true);
	uint16_t rt = fx_route_table(fx, v, "pub");
	fx_route(fx, rt, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fx, rt, "192.0.2.0/24", VL_T_BLACKHOLE, VL_NONE);
	struct vl_tables *t = fx_done(fx);
	ck_assert_int_eq(route_lookup(t, rt, fx_ip("10.0.3.3")), fx_route_index(fx, rt, 0));
	ck_assert_int_eq(t->routes[route_lookup(t, rt, fx_ip("10.0.3.3"))].kind, VL_T_LOCAL);
	ck_assert_int_eq(route_lookup(t, rt, fx_ip("8.8.8.8")), fx_route_index(fx, rt, 1));
	ck_assert_int_eq(route_lookup(t, rt, fx_ip("192.0.2.9")), fx_route_index(fx, rt, 2));
	ck_assert_int_eq(route_lookup(t, fx->main_rt[v], fx_ip("8.8.8.8")), -1);
	fx_free(fx);
}
END_TEST

Suite *suite_route(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("lpm");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lpm_matches_naive_on_random_tables);
	tcase_add_test(tc, lpm_nested_prefixes);
	tcase_add_test(tc, lpm_no_match_is_minus_one);
	tcase_add_test(tc, lpm_default_and_host_routes_at_the_edges);
	tcase_add_test(tc, lpm_tables_are_separate_and_indexes_absolute);
	tcase_add_test(tc, lpm_empty_table);
	tcase_add_test(tc, lpm_duplicate_destination_first_wins);
	tcase_add_test(tc, lpm_fixture_tables);
	suite_add_tcase(s, tc);
	return s;
}
