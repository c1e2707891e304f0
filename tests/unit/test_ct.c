/* ct.c: connection tracking. Canonical keys (both directions one entry, ORIG/REPLY right), the
 * TCP state machine, idle timeouts checked exactly at their boundary with the `now` argument
 * (nanoseconds), ct_sweep (frees the expired and nothing else), the bounded pool and ct_flush. */
#include <check.h>
#include <errno.h>

#include "dataplane/ct.h"
#include "fixture.h"

Suite *suite_ct(void);

static struct ct_table *ct;

static void setup(void)
{
	ct = ct_create(64);
	ck_assert_ptr_nonnull(ct);
}

static void teardown(void)
{
	ct_destroy(ct);
	ct = NULL;
}

static uint32_t A, B;

static void addrs(void)
{
	A = fx_ip("10.0.1.10");
	B = fx_ip("10.0.2.20");
}

/* Inserts p as a new flow and accounts it, as sg_stage does. */
static int32_t start(const struct pkt *p, uint64_t now)
{
	int32_t i = ct_insert(ct, p, now);
	ck_assert_int_ge(i, 0);
	ct_update(ct, i, p, CT_ORIG, now);
	return i;
}

/* Looks p up (must be found, in direction want) and accounts it. */
static void step(int32_t idx, const struct pkt *p, enum ct_dir want, uint64_t now)
{
	enum ct_dir d = want == CT_ORIG ? CT_REPLY : CT_ORIG;
	ck_assert_int_eq(ct_lookup(ct, p, now, &d), idx);
	ck_assert_int_eq(d, want);
	ct_update(ct, idx, p, d, now);
}

static bool keys_equal(const struct ct_key *a, const struct ct_key *b)
{
	return a->ip[0] == b->ip[0] && a->ip[1] == b->ip[1] && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1] && a->proto == b->proto;
}

START_TEST(canonical_key_both_directions)
{
	addrs();
	struct {
		uint32_t s, d;
		uint16_t sp, dp;
	} cases[] = {
		{A, B, 40000, 80}, {B, A, 40000, 80}, {A, A, 5, 9}, {A, A, 9, 5}, {A, B, 7, 7},
		{0, 0xffffffffu, 0, 65535}, {0xffffffffu, 0, 65535, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt p = fx_pkt(6, cases[i].s, cases[i].sp, cases[i].d, cases[i].dp, TCPF_SYN);
		struct pkt r = fx_pkt_reverse(&p, TCPF_SYN | TCPF_ACK);
		struct ct_key k1, k2;
		int s1, s2;
		ct_key_of(&p, &k1, &s1);
		ct_key_of(&r, &k2, &s2);
		ck_assert_msg(keys_equal(&k1, &k2), "case %zu: keys differ", i);
		ck_assert_msg(k1.ip[0] < k1.ip[1] || (k1.ip[0] == k1.ip[1] && k1.port[0] <= k1.port[1]),
			      "case %zu: key not canonical", i);
		if (!(p.src == p.dst && p.sport == p.dport))
			ck_assert_int_ne(s1, s2);
		ck_assert_uint_eq(k1.proto, 6);
	}
}
END_TEST

START_TEST(lookup_finds_one_entry_with_direction)
{
	addrs();
	/* the originator may be the higher or the lower address */
	struct pkt p1 = fx_pkt(6, A, 40000, B, 80, TCPF_SYN);
	struct pkt p2 = fx_pkt(6, B, 40000, A, 80, TCPF_SYN);
	int32_t i1 = start(&p1, FX_S(1));
	int32_t i2 = start(&p2, FX_S(1));
	ck_assert_int_ne(i1, i2);
	ck_assert_uint_eq(ct->used, 2);
	struct pkt r1 = fx_pkt_reverse(&p1, TCPF_SYN | TCPF_ACK);
	struct pkt r2 = fx_pkt_reverse(&p2, TCPF_SYN | TCPF_ACK);
	step(i1, &p1, CT_ORIG, FX_S(2));
	step(i1, &r1, CT_REPLY, FX_S(2));
	step(i2, &p2, CT_ORIG, FX_S(2));
	step(i2, &r2, CT_REPLY, FX_S(2));
	ck_assert_uint_eq(ct->entries[i1].packets[CT_ORIG], 2);
	ck_assert_uint_eq(ct->entries[i1].packets[CT_REPLY], 1);
	ck_assert_uint_eq(ct->entries[i1].bytes[CT_ORIG], 2 * (100 - 14));
	ck_assert_uint_eq(ct->entries[i1].created, FX_S(1));
	ck_assert_uint_eq(ct->entries[i1].last_seen, FX_S(2));
}
END_TEST

START_TEST(different_tuples_are_different_flows)
{
	addrs();
	struct pkt base = fx_pkt(6, A, 40000, B, 80, TCPF_SYN);
	int32_t i = start(&base, FX_S(1));
	enum ct_dir d;
	struct pkt p = base;
	p.sport = 40001;
	ck_assert_int_eq(ct_lookup(ct, &p, FX_S(1), &d), -1);
	p = base;
	p.dport = 81;
	ck_assert_int_eq(ct_lookup(ct, &p, FX_S(1), &d), -1);
	p = base;
	p.proto = 17;
	ck_assert_int_eq(ct_lookup(ct, &p, FX_S(1), &d), -1);
	p = base;
	p.dst = B + 1;
	ck_assert_int_eq(ct_lookup(ct, &p, FX_S(1), &d), -1);
	/* swapping only the ports is not the reply */
	p = base;
	p.sport = 80;
	p.dport = 40000;
	ck_assert_int_eq(ct_lookup(ct, &p, FX_S(1), &d), -1);
	ck_assert_int_eq(ct_lookup(ct, &base, FX_S(1), &d), i);
}
END_TEST

/* ICMP echo is keyed by identifier; other ICMP and other protocols by address pair. */
START_TEST(icmp_and_other_protocol_keys)
{
	addrs();
	struct pkt e1 = fx_pkt_icmp(A, B, 8, 0, 100);
	struct pkt e2 = fx_pkt_icmp(A, B, 8, 0, 101);
	int32_t i1 = start(&e1, FX_S(1));
	enum ct_dir d;
	ck_assert_int_eq(ct_lookup(ct, &e2, FX_S(1), &d), -1);
	struct pkt rep = fx_pkt_icmp(B, A, 0, 0, 100);
	step(i1, &rep, CT_REPLY, FX_S(1));

	struct pkt u1 = fx_pkt_icmp(B, A, 3, 1, 0);
	int32_t iu = start(&u1, FX_S(1));
	struct pkt u2 = fx_pkt_icmp(A, B, 11, 0, 0); /* another type, same pair: same entry */
	step(iu, &u2, CT_REPLY, FX_S(1));

	struct pkt g = fx_pkt(47, A, 0, B, 0, 0);
	int32_t ig = start(&g, FX_S(1));
	struct pkt gr = fx_pkt(47, B, 0, A, 0, 0);
	step(ig, &gr, CT_REPLY, FX_S(1));
	ck_assert_int_ne(ig, iu);
	ck_assert_uint_eq(ct->used, 3);
	struct ct_key k;
	int side;
	ct_key_of(&g, &k, &side);
	ck_assert_uint_eq(k.port[0], 0);
	ck_assert_uint_eq(k.port[1], 0);
	ck_assert_uint_eq(k.proto, 47);
}
END_TEST

START_TEST(tcp_handshake_and_close)
{
	addrs();
	struct pkt syn = fx_pkt(6, A, 40000, B, 443, TCPF_SYN);
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK);
	struct pkt ack = syn, fin = syn, ack_r = synack, fin_r = synack;
	ack.tcp_flags = TCPF_ACK;
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	ack_r.tcp_flags = TCPF_ACK;
	fin_r.tcp_flags = TCPF_FIN | TCPF_ACK;
	int32_t i = start(&syn, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_SENT);
	/* a SYN-ACK from the originator's side is not the answer */
	struct pkt odd = syn;
	odd.tcp_flags = TCPF_SYN | TCPF_ACK;
	step(i, &odd, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_SENT);
	/* nor is a bare ACK from the responder before its SYN-ACK */
	step(i, &ack_r, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_SENT);
	step(i, &synack, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_RECV);
	step(i, &ack_r, CT_REPLY, FX_S(1)); /* the responder's ACK does not complete it */
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_RECV);
	step(i, &ack, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_ESTABLISHED);
	step(i, &ack_r, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_ESTABLISHED);
	step(i, &fin, CT_ORIG, FX_S(2));
	ck_assert_int_eq(ct->entries[i].state, CT_FIN_WAIT);
	step(i, &ack_r, CT_REPLY, FX_S(2));
	ck_assert_int_eq(ct->entries[i].state, CT_FIN_WAIT);
	step(i, &fin_r, CT_REPLY, FX_S(3));
	ck_assert_int_eq(ct->entries[i].state, CT_CLOSING);
	ck_assert_str_eq(ct_state_name(CT_CLOSING), "CLOSING");
	ck_assert_str_eq(ct_state_name(CT_ESTABLISHED), "ESTABLISHED");
}
END_TEST

/* The FIN may come from the responder first. */
START_TEST(tcp_fin_from_responder_first)
{
	addrs();
	struct pkt syn = fx_pkt(6, A, 40000, B, 443, TCPF_SYN);
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK);
	struct pkt ack = syn, fin = syn, fin_r = synack;
	ack.tcp_flags = TCPF_ACK;
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	fin_r.tcp_flags = TCPF_FIN | TCPF_ACK;
	int32_t i = start(&syn, 0);
	step(i, &synack, CT_REPLY, 0);
	step(i, &ack, CT_ORIG, 0);
	step(i, &fin_r, CT_REPLY, 0);
	ck_assert_int_eq(ct->entries[i].state, CT_FIN_WAIT);
	step(i, &fin, CT_ORIG, 0);
	ck_assert_int_eq(ct->entries[i].state, CT_CLOSING);
}
END_TEST

START_TEST(tcp_rst_closes_from_any_state)
{
	addrs();
	static const uint8_t rst_flags[] = {TCPF_RST, TCPF_RST | TCPF_ACK};
	for (int who = 0; who < 2; who++) {
		for (size_t f = 0; f < 2; f++) {
			struct pkt syn = fx_pkt(6, A, (uint16_t)(1000 + who * 10 + f), B, 22, TCPF_SYN);
			int32_t i = start(&syn, FX_S(1));
			struct pkt rst = who ? fx_pkt_reverse(&syn, rst_flags[f]) : syn;
			rst.tcp_flags = rst_flags[f];
			step(i, &rst, who ? CT_REPLY : CT_ORIG, FX_S(1));
			ck_assert_int_eq(ct->entries[i].state, CT_CLOSED);
		}
	}
	/* RST on an established flow */
	struct pkt syn = fx_pkt(6, A, 2000, B, 22, TCPF_SYN);
	int32_t i = start(&syn, FX_S(1));
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK), ack = syn;
	ack.tcp_flags = TCPF_ACK;
	step(i, &synack, CT_REPLY, FX_S(1));
	step(i, &ack, CT_ORIG, FX_S(1));
	struct pkt rst = fx_pkt_reverse(&syn, TCPF_RST);
	step(i, &rst, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_CLOSED);
}
END_TEST

/* A flow picked up mid-stream (e.g. after its entry expired) keeps the short handshake timeout
 * until the other side answers, so bare ACKs from one sender cannot fill the table with 5-day
 * entries; more packets from the same side do not promote it. */
START_TEST(tcp_midstream_is_established)
{
	addrs();
	struct pkt ack = fx_pkt(6, A, 40000, B, 443, TCPF_ACK);
	int32_t i = start(&ack, 0);
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_RECV);
	ck_assert_uint_eq(ct_timeout_ns(&ct->entries[i]), (uint64_t)CT_TCP_HANDSHAKE_S * NS_PER_S);
	step(i, &ack, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_SYN_RECV);
	struct pkt back = fx_pkt_reverse(&ack, TCPF_ACK);
	step(i, &back, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_ESTABLISHED);
}
END_TEST

/* A fresh SYN on a CLOSED entry is reported absent and the entry freed (rules evaluated again);
 * anything else on it still finds it; a SYN on a live flow is not a restart. */
START_TEST(tcp_fresh_syn_restarts_closed_entry)
{
	addrs();
	struct pkt syn = fx_pkt(6, A, 40000, B, 443, TCPF_SYN);
	int32_t i = start(&syn, FX_S(1));
	enum ct_dir d;
	ck_assert_int_eq(ct_lookup(ct, &syn, FX_S(1), &d), i); /* retransmitted SYN: same flow */
	struct pkt rst = fx_pkt_reverse(&syn, TCPF_RST | TCPF_ACK);
	step(i, &rst, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct->entries[i].state, CT_CLOSED);
	struct pkt late = syn;
	late.tcp_flags = TCPF_ACK;
	ck_assert_int_eq(ct_lookup(ct, &late, FX_S(2), &d), i);
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK); /* not a fresh SYN */
	ck_assert_int_eq(ct_lookup(ct, &synack, FX_S(2), &d), i);
	ck_assert_uint_eq(ct->used, 1);
	ck_assert_int_eq(ct_lookup(ct, &syn, FX_S(2), &d), -1);
	ck_assert_uint_eq(ct->used, 0);
	ck_assert_int_eq(ct_lookup(ct, &late, FX_S(2), &d), -1);
	/* it starts over */
	int32_t j = start(&syn, FX_S(3));
	ck_assert_int_eq(ct->entries[j].state, CT_SYN_SENT);
	ck_assert_uint_eq(ct->entries[j].packets[CT_REPLY], 0);
}
END_TEST

/* Expired exactly one nanosecond after the idle timeout, not at it; ct_lookup agrees. */
static void check_boundary(int32_t i, const struct pkt *p, uint64_t last, uint32_t seconds)
{
	uint64_t edge = last + FX_S(seconds);
	ck_assert_uint_eq(ct_timeout_ns(&ct->entries[i]), FX_S(seconds));
	ck_assert(!ct_expired(ct, i, edge - 1));
	ck_assert(!ct_expired(ct, i, edge));
	ck_assert(ct_expired(ct, i, edge + 1));
	enum ct_dir d;
	/* lookups do not refresh the entry (only ct_update does) */
	ck_assert_int_eq(ct_lookup(ct, p, edge, &d), i);
	ck_assert_int_eq(ct_lookup(ct, p, edge + 1, &d), -1);
}

START_TEST(timeout_udp_single)
{
	addrs();
	struct pkt q = fx_pkt(17, A, 33000, B, 53, 0);
	int32_t i = start(&q, FX_S(100));
	check_boundary(i, &q, FX_S(100), 30);
}
END_TEST

START_TEST(timeout_udp_request_response)
{
	addrs();
	struct pkt q = fx_pkt(17, A, 33000, B, 53, 0);
	struct pkt r = fx_pkt_reverse(&q, 0);
	int32_t i = start(&q, FX_S(100));
	step(i, &r, CT_REPLY, FX_S(101));
	check_boundary(i, &q, FX_S(101), 30);
}
END_TEST

/* One direction only, however many packets: still 30 s. */
START_TEST(timeout_udp_one_direction)
{
	addrs();
	struct pkt q = fx_pkt(17, A, 33000, B, 514, 0);
	int32_t i = start(&q, FX_S(100));
	for (int k = 1; k <= 5; k++)
		step(i, &q, CT_ORIG, FX_S(100 + k));
	check_boundary(i, &q, FX_S(105), 30);
}
END_TEST

START_TEST(timeout_udp_stream)
{
	addrs();
	struct pkt q = fx_pkt(17, A, 33000, B, 53, 0);
	struct pkt r = fx_pkt_reverse(&q, 0);
	int32_t i = start(&q, FX_S(100));
	step(i, &r, CT_REPLY, FX_S(101));
	step(i, &q, CT_ORIG, FX_S(102));
	check_boundary(i, &q, FX_S(102), 180);
}
END_TEST

START_TEST(timeout_icmp)
{
	addrs();
	struct pkt e = fx_pkt_icmp(A, B, 8, 0, 1);
	struct pkt r = fx_pkt_icmp(B, A, 0, 0, 1);
	int32_t i = start(&e, FX_S(7));
	step(i, &r, CT_REPLY, FX_S(8));
	step(i, &e, CT_ORIG, FX_S(9));
	check_boundary(i, &e, FX_S(9), 30);
}
END_TEST

START_TEST(timeout_tcp_established)
{
	addrs();
	struct pkt syn = fx_pkt(6, A, 40000, B, 443, TCPF_SYN);
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK), ack = syn;
	ack.tcp_flags = TCPF_ACK;
	int32_t i = start(&syn, FX_S(1));
	check_boundary(i, &ack, FX_S(1), CT_TCP_HANDSHAKE_S);
	i = start(&syn, FX_S(2));
	step(i, &synack, CT_REPLY, FX_S(2));
	step(i, &ack, CT_ORIG, FX_S(3));
	ck_assert_int_eq(ct->entries[i].state, CT_ESTABLISHED);
	check_boundary(i, &ack, FX_S(3), 432000);
}
END_TEST

START_TEST(timeout_tcp_closing_and_closed)
{
	addrs();
	struct pkt ack = fx_pkt(6, A, 40000, B, 443, TCPF_ACK);
	struct pkt fin = ack, fin_r = fx_pkt_reverse(&ack, TCPF_FIN | TCPF_ACK);
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	int32_t i = start(&ack, FX_S(1));
	step(i, &fin, CT_ORIG, FX_S(2));
	check_boundary(i, &ack, FX_S(2), CT_TCP_CLOSING_S);
	i = start(&ack, FX_S(3));
	step(i, &fin, CT_ORIG, FX_S(3));
	step(i, &fin_r, CT_REPLY, FX_S(4));
	check_boundary(i, &ack, FX_S(4), CT_TCP_CLOSING_S);
	i = start(&ack, FX_S(5));
	struct pkt rst = ack;
	rst.tcp_flags = TCPF_RST;
	step(i, &rst, CT_ORIG, FX_S(6));
	check_boundary(i, &ack, FX_S(6), CT_TCP_CLOSED_S);
}
END_TEST

START_TEST(timeout_other_protocol)
{
	addrs();
	struct pkt g = fx_pkt(47, A, 0, B, 0, 0);
	int32_t i = start(&g, FX_S(10));
	check_boundary(i, &g, FX_S(10), 600);
}
END_TEST

/* The idle clock restarts with every packet; a `now` older than last_seen neither expires the
 * entry nor moves last_seen back. */
START_TEST(idle_clock_and_time_going_back)
{
	addrs();
	struct pkt q = fx_pkt(17, A, 1, B, 2, 0);
	int32_t i = start(&q, FX_S(100));
	step(i, &q, CT_ORIG, FX_S(125));
	ck_assert(!ct_expired(ct, i, FX_S(155)));
	ck_assert(ct_expired(ct, i, FX_S(155) + 1));
	step(i, &q, CT_ORIG, FX_S(50));
	ck_assert_uint_eq(ct->entries[i].last_seen, FX_S(125));
	ck_assert(!ct_expired(ct, i, FX_S(1)));
	ck_assert(!ct_expired(ct, i, 0));
}
END_TEST

START_TEST(sweep_frees_expired_only)
{
	addrs();
	struct ct_table *big = ct_create(512);
	ck_assert_ptr_nonnull(big);
	struct ct_table *keep = ct;
	ct = big;
	int32_t idx[300];
	struct pkt pk[300];
	/* 300 UDP flows, last seen at 0..299 s */
	for (int k = 0; k < 300; k++) {
		pk[k] = fx_pkt(17, A + (uint32_t)k, (uint16_t)(1000 + k), B, 53, 0);
		idx[k] = start(&pk[k], FX_S(k));
	}
	ck_assert_uint_eq(ct->used, 300);
	/* at 130 s + 1 ns the flows seen at 0..100 s are past 30 s */
	uint64_t now = FX_S(130) + 1;
	ck_assert_uint_eq(ct_sweep(ct, now, ct->mask + 1), 101);
	ck_assert_uint_eq(ct->used, 199);
	enum ct_dir d;
	for (int k = 0; k < 300; k++) {
		int32_t got = ct_lookup(ct, &pk[k], now, &d);
		if (k <= 100)
			ck_assert_int_eq(got, -1);
		else
			ck_assert_int_eq(got, idx[k]);
	}
	/* a second sweep at the same time finds nothing */
	ck_assert_uint_eq(ct_sweep(ct, now, ct->mask + 1), 0);
	/* small budgets: all buckets visited over successive calls */
	uint32_t freed = 0;
	now = FX_S(1000);
	for (uint32_t n = 0; n <= ct->mask; n++)
		freed += ct_sweep(ct, now, 1);
	ck_assert_uint_eq(freed, 199);
	ck_assert_uint_eq(ct->used, 0);
	ct = keep;
	ct_destroy(big);
}
END_TEST

/* A budget of 0 visits nothing; sweeping an empty table frees nothing. */
START_TEST(sweep_budget_zero_and_empty)
{
	addrs();
	ck_assert_uint_eq(ct_sweep(ct, FX_S(1000), ct->mask + 1), 0);
	struct pkt q = fx_pkt(17, A, 1, B, 2, 0);
	start(&q, 0);
	ck_assert_uint_eq(ct_sweep(ct, FX_S(1000), 0), 0);
	ck_assert_uint_eq(ct->used, 1);
	ck_assert_uint_eq(ct_sweep(ct, FX_S(1000), ct->mask + 1), 1);
}
END_TEST

START_TEST(pool_capacity_and_reuse)
{
	static const uint32_t caps[] = {1, 2, 5, 16, 17, 1000};
	addrs();
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t n = caps[c];
		struct ct_table *tab = ct_create(n);
		ck_assert_ptr_nonnull(tab);
		ck_assert_uint_eq(tab->capacity, n);
		uint8_t *seen = calloc(n, 1);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = fx_pkt(6, A, (uint16_t)(1024 + k), B, 80, TCPF_SYN);
			int32_t i = ct_insert(tab, &p, FX_S(1));
			ck_assert_int_ge(i, 0);
			ck_assert_int_lt(i, (int32_t)n);
			ck_assert(!seen[i]);
			seen[i] = 1;
		}
		ck_assert_uint_eq(tab->used, n);
		struct pkt extra = fx_pkt(6, A, 9, B, 80, TCPF_SYN);
		ck_assert_int_eq(ct_insert(tab, &extra, FX_S(1)), -ENOSPC);
		ck_assert_int_eq(ct_insert(tab, &extra, FX_S(1)), -ENOSPC);
		/* all expire (handshake timeout): a sweep returns the whole pool */
		uint64_t later = FX_S(1) + FX_S(CT_TCP_HANDSHAKE_S) + 1;
		ck_assert_uint_eq(ct_sweep(tab, later, tab->mask + 1), n);
		ck_assert_uint_eq(tab->used, 0);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = fx_pkt(6, B, (uint16_t)(1024 + k), A, 80, TCPF_SYN);
			ck_assert_int_ge(ct_insert(tab, &p, later), 0);
		}
		ck_assert_int_eq(ct_insert(tab, &extra, later), -ENOSPC);
		/* one freed by lookup (expired) makes room for exactly one */
		struct pkt first = fx_pkt(6, B, 1024, A, 80, TCPF_SYN);
		enum ct_dir d;
		uint64_t later2 = later + FX_S(CT_TCP_HANDSHAKE_S) + 1;
		ck_assert_int_eq(ct_lookup(tab, &first, later2, &d), -1);
		ck_assert_uint_eq(tab->used, n - 1);
		ck_assert_int_ge(ct_insert(tab, &extra, later2), 0);
		ck_assert_int_eq(ct_insert(tab, &first, later2), -ENOSPC);
		/* flush: empty, full capacity again, old flows gone */
		ct_flush(tab);
		ck_assert_uint_eq(tab->used, 0);
		ck_assert_int_eq(ct_lookup(tab, &extra, later2, &d), -1);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = fx_pkt(17, A, (uint16_t)k, B, 53, 0);
			ck_assert_int_ge(ct_insert(tab, &p, later2), 0);
		}
		ck_assert_int_eq(ct_insert(tab, &extra, later2), -ENOSPC);
		free(seen);
		ct_destroy(tab);
	}
}
END_TEST

START_TEST(create_rejects_zero_capacity)
{
	errno = 0;
	ck_assert_ptr_null(ct_create(0));
	ck_assert_int_eq(errno, EINVAL);
	ct_destroy(NULL);
}
END_TEST

/* Many flows in a table: every one found after inserts and deletes (a reference set). */
START_TEST(many_flows_against_reference)
{
	struct ct_table *tab = ct_create(2048);
	ck_assert_ptr_nonnull(tab);
	struct rng r;
	rng_seed(&r, 77);
	enum { N = 2000 };
	static struct pkt flows[N];
	static int32_t where[N];
	for (int k = 0; k < N; k++) {
		/* small address and port space: collisions in buckets, distinct keys */
		flows[k] = fx_pkt(rng_below(&r, 2) ? 6 : 17, 0x0a000000u + (uint32_t)k / 7, (uint16_t)k,
				  0x0a000100u + rng_below(&r, 3), 80, TCPF_SYN);
		if (rng_below(&r, 2))
			flows[k] = fx_pkt_reverse(&flows[k], TCPF_SYN);
		where[k] = ct_insert(tab, &flows[k], FX_S(k % 10));
		ck_assert_int_ge(where[k], 0);
	}
	enum ct_dir d;
	for (int k = 0; k < N; k++) {
		struct pkt rev = fx_pkt_reverse(&flows[k], TCPF_ACK);
		ck_assert_int_eq(ct_lookup(tab, &flows[k], FX_S(10), &d), where[k]);
		ck_assert_int_eq(d, CT_ORIG);
		ck_assert_int_eq(ct_lookup(tab, &rev, FX_S(10), &d), where[k]);
		ck_assert_int_eq(d, CT_REPLY);
	}
	/* expire those started at even seconds: UDP after 30 s, TCP handshake after 120 s */
	uint64_t now = FX_S(200);
	uint32_t expect_freed = 0;
	for (int k = 0; k < N; k++)
		if (k % 2 == 0)
			expect_freed++;
	for (int k = 0; k < N; k++)
		if (k % 2)
			ct_update(tab, where[k], &flows[k], CT_ORIG, FX_S(199));
	ck_assert_uint_eq(ct_sweep(tab, now, tab->mask + 1), expect_freed);
	for (int k = 0; k < N; k++)
		ck_assert_int_eq(ct_lookup(tab, &flows[k], now, &d), k % 2 ? where[k] : -1);
	ct_destroy(tab);
}
END_TEST

Suite *suite_ct(void)
{
	Suite *s = suite_create("ct");
	TCase *k = tcase_create("keys");
	tcase_add_checked_fixture(k, setup, teardown);
	tcase_add_test(k, canonical_key_both_directions);
	tcase_add_test(k, lookup_finds_one_entry_with_direction);
	tcase_add_test(k, different_tuples_are_different_flows);
	tcase_add_test(k, icmp_and_other_protocol_keys);
	suite_add_tcase(s, k);
	TCase *tcp = tcase_create("tcp");
	tcase_add_checked_fixture(tcp, setup, teardown);
	tcase_add_test(tcp, tcp_handshake_and_close);
	tcase_add_test(tcp, tcp_fin_from_responder_first);
	tcase_add_test(tcp, tcp_rst_closes_from_any_state);
	tcase_add_test(tcp, tcp_midstream_is_established);
	tcase_add_test(tcp, tcp_fresh_syn_restarts_closed_entry);
	suite_add_tcase(s, tcp);
	TCase *to = tcase_create("timeouts");
	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, timeout_udp_single);
	tcase_add_test(to, timeout_udp_request_response);
	tcase_add_test(to, timeout_udp_one_direction);
	tcase_add_test(to, timeout_udp_stream);
	tcase_add_test(to, timeout_icmp);
	tcase_add_test(to, timeout_tcp_established);
	tcase_add_test(to, timeout_tcp_closing_and_closed);
	tcase_add_test(to, timeout_other_protocol);
	tcase_add_test(to, idle_clock_and_time_going_back);
	suite_add_tcase(s, to);
	TCase *pool = tcase_create("pool");
	tcase_add_checked_fixture(pool, setup, teardown);
	tcase_add_test(pool, sweep_frees_expired_only);
	tcase_add_test(pool, sweep_budget_zero_and_empty);
	tcase_add_test(pool, pool_capacity_and_reuse);
	tcase_add_test(pool, create_rejects_zero_capacity);
	tcase_add_test(pool, many_flows_against_reference);
	suite_add_tcase(s, pool);
	return s;
}
