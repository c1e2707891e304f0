/* ct.c: connection tracking. Canonical keys (both directions one entry, ORIG/REPLY right), the
 * TCP state machine, idle timeouts checked exactly at their boundary with the `now` argument
 * (nanoseconds), ct_sweep (frees the expired and nothing else, entries reused), the lab-wide
 * pool (grows on demand, its limit, fairness between interfaces, eviction of finished and
 * half-open flows under pressure with bounded work), ct_flush, ct_pool_clone (a private view),
 * ct_foreach_slice. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/ct.h"
#include "fixture.h"

Suite *suite_ct(void);

static struct ct_pool *pool;
static struct ct_table *ct;

static void setup(void)
{
	pool = ct_pool_create(2, 64);
	ck_assert_ptr_nonnull(pool);
	ct = ct_port(pool, 0);
}

static void teardown(void)
{
	ct_pool_destroy(pool);
	pool = NULL;
	ct = NULL;
}

static uint32_t used_of(const struct ct_table *t)
{
	struct ct_stats st;
	ct_stats(t, &st);
	return st.used;
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
	ck_assert_uint_eq(used_of(ct), 2);
	struct pkt r1 = fx_pkt_reverse(&p1, TCPF_SYN | TCPF_ACK);
	struct pkt r2 = fx_pkt_reverse(&p2, TCPF_SYN | TCPF_ACK);
	step(i1, &p1, CT_ORIG, FX_S(2));
	step(i1, &r1, CT_REPLY, FX_S(2));
	step(i2, &p2, CT_ORIG, FX_S(2));
	step(i2, &r2, CT_REPLY, FX_S(2));
	ck_assert_uint_eq(ct_entry_at(ct, i1)->packets[CT_ORIG], 2);
	ck_assert_uint_eq(ct_entry_at(ct, i1)->packets[CT_REPLY], 1);
	ck_assert_uint_eq(ct_entry_at(ct, i1)->bytes[CT_ORIG], 2 * (100 - 14));
	ck_assert_uint_eq(ct_entry_at(ct, i1)->created, FX_S(1));
	ck_assert_uint_eq(ct_entry_at(ct, i1)->last_seen, FX_S(2));
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
	ck_assert_uint_eq(used_of(ct), 3);
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
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_SENT);
	/* a SYN-ACK from the originator's side is not the answer */
	struct pkt odd = syn;
	odd.tcp_flags = TCPF_SYN | TCPF_ACK;
	step(i, &odd, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_SENT);
	/* nor is a bare ACK from the responder before its SYN-ACK */
	step(i, &ack_r, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_SENT);
	step(i, &synack, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_RECV);
	step(i, &ack_r, CT_REPLY, FX_S(1)); /* the responder's ACK does not complete it */
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_RECV);
	step(i, &ack, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_ESTABLISHED);
	step(i, &ack_r, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_ESTABLISHED);
	step(i, &fin, CT_ORIG, FX_S(2));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_FIN_WAIT);
	step(i, &ack_r, CT_REPLY, FX_S(2));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_FIN_WAIT);
	step(i, &fin_r, CT_REPLY, FX_S(3));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSING);
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
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_FIN_WAIT);
	step(i, &fin, CT_ORIG, 0);
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSING);
}
END_TEST

/* Looks p up (must be found, in direction want) and accounts it: p is a RST, so ct_update
 * reports the flow over and the entry is free at once. */
static void step_rst(int32_t idx, const struct pkt *p, enum ct_dir want, uint64_t now)
{
	enum ct_dir d = want == CT_ORIG ? CT_REPLY : CT_ORIG;
	uint32_t before = used_of(ct);
	ck_assert_int_eq(ct_lookup(ct, p, now, &d), idx);
	ck_assert_int_eq(d, want);
	ck_assert(!ct_update(ct, idx, p, d, now));
	ck_assert_uint_eq(used_of(ct), before - 1);
	ck_assert_int_eq(ct_lookup(ct, p, now, &d), -1);
	ck_assert(!ct_entry_at(ct, idx)->in_use);
}

/* A RST from either side, with or without ACK, in any state, gives the entry back at once. */
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
			step_rst(i, &rst, who ? CT_REPLY : CT_ORIG, FX_S(1));
		}
	}
	ck_assert_uint_eq(ct_pool_used(pool), 0);
	/* RST on an established flow, and on one that is closing */
	struct pkt syn = fx_pkt(6, A, 2000, B, 22, TCPF_SYN);
	int32_t i = start(&syn, FX_S(1));
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK), ack = syn;
	ack.tcp_flags = TCPF_ACK;
	step(i, &synack, CT_REPLY, FX_S(1));
	step(i, &ack, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_ESTABLISHED);
	struct pkt rst = fx_pkt_reverse(&syn, TCPF_RST);
	step_rst(i, &rst, CT_REPLY, FX_S(1));
	i = start(&ack, FX_S(2));
	struct pkt fin = ack;
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	step(i, &fin, CT_ORIG, FX_S(2));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_FIN_WAIT);
	step_rst(i, &rst, CT_REPLY, FX_S(2));
	/* a RST that is the first packet seen: tracked, and free again at once */
	i = ct_insert(ct, &rst, FX_S(3));
	ck_assert_int_ge(i, 0);
	ck_assert(!ct_update(ct, i, &rst, CT_ORIG, FX_S(3)));
	ck_assert_uint_eq(ct_pool_used(pool), 0);
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
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_RECV);
	ck_assert_uint_eq(ct_timeout_ns(ct_entry_at(ct, i)), (uint64_t)CT_TCP_HANDSHAKE_S * NS_PER_S);
	step(i, &ack, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_SYN_RECV);
	struct pkt back = fx_pkt_reverse(&ack, TCPF_ACK);
	step(i, &back, CT_REPLY, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_ESTABLISHED);
}
END_TEST

/* A fresh SYN on a CLOSED entry (both FINs and the last ACK) is reported absent and the entry freed (rules evaluated again);
 * anything else on it still finds it; a SYN on a live flow is not a restart. */
START_TEST(tcp_fresh_syn_restarts_closed_entry)
{
	addrs();
	struct pkt syn = fx_pkt(6, A, 40000, B, 443, TCPF_SYN);
	int32_t i = start(&syn, FX_S(1));
	enum ct_dir d;
	ck_assert_int_eq(ct_lookup(ct, &syn, FX_S(1), &d), i); /* retransmitted SYN: same flow */
	struct pkt synack0 = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK), ack0 = syn, fin0 = syn;
	ack0.tcp_flags = TCPF_ACK;
	fin0.tcp_flags = TCPF_FIN | TCPF_ACK;
	struct pkt fin_r0 = fx_pkt_reverse(&syn, TCPF_FIN | TCPF_ACK);
	step(i, &synack0, CT_REPLY, FX_S(1));
	step(i, &ack0, CT_ORIG, FX_S(1));
	step(i, &fin0, CT_ORIG, FX_S(1));
	step(i, &fin_r0, CT_REPLY, FX_S(1));
	step(i, &ack0, CT_ORIG, FX_S(1));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSED);
	struct pkt late = syn;
	late.tcp_flags = TCPF_ACK;
	ck_assert_int_eq(ct_lookup(ct, &late, FX_S(2), &d), i);
	struct pkt synack = fx_pkt_reverse(&syn, TCPF_SYN | TCPF_ACK); /* not a fresh SYN */
	ck_assert_int_eq(ct_lookup(ct, &synack, FX_S(2), &d), i);
	ck_assert_uint_eq(used_of(ct), 1);
	ck_assert_int_eq(ct_lookup(ct, &syn, FX_S(2), &d), -1);
	ck_assert_uint_eq(used_of(ct), 0);
	ck_assert_int_eq(ct_lookup(ct, &late, FX_S(2), &d), -1);
	/* it starts over */
	int32_t j = start(&syn, FX_S(3));
	ck_assert_int_eq(ct_entry_at(ct, j)->state, CT_SYN_SENT);
	ck_assert_uint_eq(ct_entry_at(ct, j)->packets[CT_REPLY], 0);
}
END_TEST

/* Expired exactly one nanosecond after the idle timeout, not at it; ct_lookup agrees. */
static void check_boundary(int32_t i, const struct pkt *p, uint64_t last, uint32_t seconds)
{
	uint64_t edge = last + FX_S(seconds);
	ck_assert_uint_eq(ct_timeout_ns(ct_entry_at(ct, i)), FX_S(seconds));
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
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_ESTABLISHED);
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
	/* the last ACK (from the side whose FIN came first) completes the close; the other side's
	 * ACK, or a retransmitted FIN, does not */
	struct pkt ack_r = fx_pkt_reverse(&ack, TCPF_ACK);
	i = start(&ack, FX_S(5));
	step(i, &fin, CT_ORIG, FX_S(5));
	step(i, &fin_r, CT_REPLY, FX_S(5));
	step(i, &ack_r, CT_REPLY, FX_S(6));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSING);
	step(i, &fin, CT_ORIG, FX_S(6));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSING);
	step(i, &ack, CT_ORIG, FX_S(7));
	ck_assert_int_eq(ct_entry_at(ct, i)->state, CT_CLOSED);
	check_boundary(i, &ack, FX_S(7), CT_TCP_CLOSED_S);
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
	ck_assert_uint_eq(ct_entry_at(ct, i)->last_seen, FX_S(125));
	ck_assert(!ct_expired(ct, i, FX_S(1)));
	ck_assert(!ct_expired(ct, i, 0));
}
END_TEST

/* A pool of its own (limit entries for n_ports interfaces) in place of the fixture's. */
static void use_pool(uint16_t n_ports, uint32_t limit)
{
	ct_pool_destroy(pool);
	pool = ct_pool_create(n_ports, limit);
	ck_assert_ptr_nonnull(pool);
	ct = ct_port(pool, 0);
}

/* A flow opened by interface opener (its in_port). */
static struct pkt opened_by(uint16_t opener, uint8_t proto, uint32_t src, uint16_t sport)
{
	struct pkt p = fx_pkt(proto, src, sport, B, 80, proto == 6 ? TCPF_SYN : 0);
	p.in_port = opener;
	p.origin_port = opener;
	return p;
}

START_TEST(sweep_frees_expired_only)
{
	addrs();
	use_pool(1, 1024);
	int32_t idx[300];
	struct pkt pk[300];
	/* 300 UDP flows, last seen at 0..299 s */
	for (int k = 0; k < 300; k++) {
		pk[k] = fx_pkt(17, A + (uint32_t)k, (uint16_t)(1000 + k), B, 53, 0);
		idx[k] = start(&pk[k], FX_S(k));
	}
	ck_assert_uint_eq(used_of(ct), 300);
	ck_assert_uint_eq(ct_pool_used(pool), 300);
	/* at 130 s + 1 ns the flows seen at 0..100 s are past 30 s */
	uint64_t now = FX_S(130) + 1;
	ck_assert_uint_eq(ct_sweep(pool, now, UINT32_MAX), 101);
	ck_assert_uint_eq(used_of(ct), 199);
	ck_assert_uint_eq(ct_pool_used(pool), 199);
	enum ct_dir d;
	for (int k = 0; k < 300; k++) {
		int32_t got = ct_lookup(ct, &pk[k], now, &d);
		if (k <= 100)
			ck_assert_int_eq(got, -1);
		else
			ck_assert_int_eq(got, idx[k]);
	}
	/* a second sweep at the same time finds nothing */
	ck_assert_uint_eq(ct_sweep(pool, now, UINT32_MAX), 0);
	/* small budgets: every entry looked at over successive calls (300 were handed out) */
	uint32_t freed = 0;
	now = FX_S(1000);
	for (uint32_t n = 0; n < 300; n++)
		freed += ct_sweep(pool, now, 1);
	ck_assert_uint_eq(freed, 199);
	ck_assert_uint_eq(used_of(ct), 0);
	ck_assert_uint_eq(ct_pool_used(pool), 0);
}
END_TEST

/* A budget of 0 looks at nothing; sweeping an empty pool frees nothing. */
START_TEST(sweep_budget_zero_and_empty)
{
	addrs();
	ck_assert_uint_eq(ct_sweep(pool, FX_S(1000), UINT32_MAX), 0);
	struct pkt q = fx_pkt(17, A, 1, B, 2, 0);
	start(&q, 0);
	ck_assert_uint_eq(ct_sweep(pool, FX_S(1000), 0), 0);
	ck_assert_uint_eq(used_of(ct), 1);
	ck_assert_uint_eq(ct_sweep(pool, FX_S(1000), UINT32_MAX), 1);
}
END_TEST

/* The pool's limit is exact (each flow from another opener, so fairness never stops them):
 * -ENOSPC past it and DROP_CT_FULL counted at the opener; freed entries (sweep, lookup of an
 * expired flow, flush) are reused, and the pool does not grow past what it handed out. */
START_TEST(pool_limit_and_reuse)
{
	static const uint32_t caps[] = {1, 2, 5, 16, 17, 1000, 1025, 2500};
	addrs();
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t n = caps[c];
		use_pool((uint16_t)(n + 1), n);
		ck_assert_uint_eq(ct_pool_limit(pool), n);
		uint8_t *seen = calloc(n, 1);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = opened_by((uint16_t)k, 17, A, (uint16_t)(1024 + k));
			int32_t i = ct_insert(ct, &p, FX_S(1));
			ck_assert_int_ge(i, 0);
			ck_assert_int_lt(i, (int32_t)n);
			ck_assert(!seen[i]);
			seen[i] = 1;
		}
		ck_assert_uint_eq(used_of(ct), n);
		ck_assert_uint_eq(ct_pool_used(pool), n);
		struct pkt extra = opened_by((uint16_t)n, 17, A, 9);
		ck_assert_int_eq(ct_insert(ct, &extra, FX_S(1)), -ENOSPC);
		ck_assert_int_eq(ct_insert(ct_port(pool, (uint16_t)n), &extra, FX_S(1)), -ENOSPC);
		struct ct_stats st;
		ct_stats(ct_port(pool, (uint16_t)n), &st);
		ck_assert_uint_eq(st.full, 2); /* counted at the opener, whichever table refused */
		ct_stats(ct, &st);
		ck_assert_uint_eq(st.full, 0);
		/* all expire (UDP timeout): a sweep returns the whole pool */
		uint64_t later = FX_S(1) + FX_S(CT_UDP_S) + 1;
		ck_assert_uint_eq(ct_sweep(pool, later, UINT32_MAX), n);
		ck_assert_uint_eq(ct_pool_used(pool), 0);
		memset(seen, 0, n);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = opened_by((uint16_t)k, 17, A + 1, (uint16_t)(1024 + k));
			int32_t i = ct_insert(ct, &p, later);
			ck_assert_int_ge(i, 0);
			ck_assert_int_lt(i, (int32_t)n); /* reused: nothing past the first n */
			ck_assert(!seen[i]);
			seen[i] = 1;
		}
		ck_assert_int_eq(ct_insert(ct, &extra, later), -ENOSPC);
		/* one freed by lookup (expired) makes room for exactly one */
		struct pkt first = opened_by(0, 17, A + 1, 1024);
		enum ct_dir d;
		uint64_t later2 = later + FX_S(CT_UDP_S) + 1;
		ck_assert_int_eq(ct_lookup(ct, &first, later2, &d), -1);
		ck_assert_uint_eq(used_of(ct), n - 1);
		ck_assert_int_ge(ct_insert(ct, &extra, later2), 0);
		ck_assert_int_eq(ct_insert(ct, &first, later2), -ENOSPC);
		/* flush: empty, the whole limit again, old flows gone */
		ct_flush(ct);
		ck_assert_uint_eq(used_of(ct), 0);
		ck_assert_uint_eq(ct_pool_used(pool), 0);
		ck_assert_int_eq(ct_lookup(ct, &extra, later2, &d), -1);
		for (uint32_t k = 0; k < n; k++) {
			struct pkt p = opened_by((uint16_t)k, 17, A, (uint16_t)k);
			ck_assert_int_ge(ct_insert(ct, &p, later2), 0);
		}
		ck_assert_int_eq(ct_insert(ct, &extra, later2), -ENOSPC);
		free(seen);
	}
}
END_TEST

START_TEST(create_limits)
{
	errno = 0;
	ck_assert_ptr_null(ct_pool_create(4, CT_LIMIT_MAX + 1));
	ck_assert_int_eq(errno, EINVAL);
	ct_pool_destroy(NULL);
	/* 0: the default; the largest limit costs nothing up front */
	use_pool(4, 0);
	ck_assert_uint_eq(ct_pool_limit(pool), CT_LIMIT_DEFAULT);
	use_pool(1000, CT_LIMIT_MAX);
	ck_assert_uint_eq(ct_pool_used(pool), 0);
	/* a pool for no interface at all */
	use_pool(0, 16);
	ck_assert_uint_eq(ct_pool_limit(pool), 16);
}
END_TEST

/* The pool grows by chunks and each table's index by doubling, on insertion: thousands of
 * flows over several chunks and tables, every one found in both directions after inserts and
 * deletes (a reference set), entry addresses stable while the pool grows. */
START_TEST(many_flows_against_reference)
{
	use_pool(64, 1u << 20);
	struct rng r;
	rng_seed(&r, 77);
	enum { N = 6000 };
	static struct pkt flows[N];
	static int32_t where[N];
	static const struct ct_entry *addr[N];
	for (int k = 0; k < N; k++) {
		/* small address and port space: collisions in buckets, distinct keys */
		flows[k] = fx_pkt(rng_below(&r, 2) ? 6 : 17, 0x0a000000u + (uint32_t)k / 7, (uint16_t)k,
				  0x0a000100u + rng_below(&r, 3), 80, TCPF_SYN);
		if (rng_below(&r, 2))
			flows[k] = fx_pkt_reverse(&flows[k], TCPF_SYN);
		flows[k].in_port = (uint16_t)(k % 64);
		where[k] = ct_insert(ct_port(pool, (uint16_t)(k % 3)), &flows[k], FX_S(k % 10));
		ck_assert_int_ge(where[k], 0);
		addr[k] = ct_entry_at(ct, where[k]);
		ck_assert_uint_eq(addr[k]->port, k % 3);
		ck_assert_uint_eq(addr[k]->charge, k % 64);
	}
	ck_assert_uint_eq(ct_pool_used(pool), N);
	enum ct_dir d;
	for (int k = 0; k < N; k++) {
		struct ct_table *tab = ct_port(pool, (uint16_t)(k % 3));
		struct pkt rev = fx_pkt_reverse(&flows[k], TCPF_ACK);
		ck_assert_int_eq(ct_lookup(tab, &flows[k], FX_S(10), &d), where[k]);
		ck_assert_int_eq(d, CT_ORIG);
		ck_assert_int_eq(ct_lookup(tab, &rev, FX_S(10), &d), where[k]);
		ck_assert_int_eq(d, CT_REPLY);
		ck_assert_ptr_eq(ct_entry_at(tab, where[k]), addr[k]);
		/* another interface's table does not hold it */
		ck_assert_int_eq(ct_lookup(ct_port(pool, (uint16_t)(k % 3 + 3)), &flows[k], FX_S(10), &d), -1);
	}
	/* expire those started at even seconds: UDP after 30 s, TCP handshake after 120 s */
	uint64_t now = FX_S(200);
	uint32_t expect_freed = 0;
	for (int k = 0; k < N; k++)
		if (k % 2 == 0)
			expect_freed++;
	for (int k = 0; k < N; k++)
		if (k % 2)
			ct_update(ct_port(pool, (uint16_t)(k % 3)), where[k], &flows[k], CT_ORIG, FX_S(199));
	ck_assert_uint_eq(ct_sweep(pool, now, UINT32_MAX), expect_freed);
	for (int k = 0; k < N; k++)
		ck_assert_int_eq(ct_lookup(ct_port(pool, (uint16_t)(k % 3)), &flows[k], now, &d),
				 k % 2 ? where[k] : -1);
	/* charged to their openers: k % 64 == 5 are all odd (kept), k % 64 == 4 all even (freed) */
	struct ct_stats st;
	ct_stats(ct_port(pool, 5), &st);
	ck_assert_uint_eq(st.charged, 94);
	ct_stats(ct_port(pool, 4), &st);
	ck_assert_uint_eq(st.charged, 0);
}
END_TEST

/* Fairness: a flooding interface stops at its share, at both ends of its flows; the pool keeps
 * room, and a third interface still opens flows to the flood's target. */
START_TEST(fairness_flood_does_not_starve)
{
	addrs();
	enum { L = 1000, FLOOD = 0, TARGET = 1, THIRD = 2 };
	use_pool(3, L);
	struct ct_table *fl = ct_port(pool, FLOOD), *tg = ct_port(pool, TARGET), *th = ct_port(pool, THIRD);
	uint32_t opened = 0, refused = 0;
	for (uint32_t k = 0; k < L; k++) {
		/* tracked twice, as sg.c does: the flooder's egress, then the target's ingress */
		struct pkt p = opened_by(FLOOD, 17, A, (uint16_t)(1000 + k));
		int32_t i = ct_insert(fl, &p, FX_S(1));
		if (i >= 0 && ct_insert(tg, &p, FX_S(1)) >= 0)
			opened++;
		else
			refused++;
	}
	struct ct_stats sf, st;
	ct_stats(fl, &sf);
	ct_stats(tg, &st);
	/* charged < free: 2n < L - 2n, so n stops at L/4 */
	ck_assert_uint_eq(opened, L / 4);
	ck_assert_uint_eq(sf.charged, L / 2);
	ck_assert_uint_eq(sf.used + st.used, L / 2);
	ck_assert_uint_eq(st.charged, 0);
	ck_assert_uint_eq(sf.full, refused);
	ck_assert_uint_ge(refused, 1);
	ck_assert_uint_eq(st.full, 0);
	/* the third opens flows to the target, both ends tracked */
	for (uint16_t k = 0; k < 50; k++) {
		struct pkt p = opened_by(THIRD, 6, B + 1, (uint16_t)(2000 + k));
		ck_assert_int_ge(ct_insert(th, &p, FX_S(2)), 0);
		ck_assert_int_ge(ct_insert(tg, &p, FX_S(2)), 0);
	}
	/* the flooder is still refused, and its freed flows give it room again */
	struct pkt more = opened_by(FLOOD, 17, A, 9);
	ck_assert_int_eq(ct_insert(fl, &more, FX_S(2)), -ENOSPC);
	ck_assert_uint_eq(ct_sweep(pool, FX_S(1) + FX_S(CT_UDP_S) + 1, UINT32_MAX), L / 2);
	ck_assert_int_ge(ct_insert(fl, &more, FX_S(40)), 0);
	/* two flooders (each into its own table): k of them stop at k/(k+1) of the pool */
	use_pool(3, 900);
	for (uint32_t k = 0; k < 900; k++) {
		for (uint16_t f = 0; f < 2; f++) {
			struct pkt p = opened_by(f, 17, A + f, (uint16_t)(1000 + k));
			ct_insert(ct_port(pool, f), &p, FX_S(1));
		}
	}
	ck_assert_uint_eq(ct_pool_used(pool), 600);
	struct pkt p = opened_by(THIRD, 17, A + 2, 1);
	ck_assert_int_ge(ct_insert(ct_port(pool, THIRD), &p, FX_S(1)), 0);
}
END_TEST

/* Tracks p in table tab as sg.c would for its first packet; the new entry's index or < 0. */
static int32_t track(struct ct_table *tab, const struct pkt *p, uint64_t now)
{
	int32_t i = ct_insert(tab, p, now);
	if (i >= 0)
		ck_assert(ct_update(tab, i, p, CT_ORIG, now));
	return i;
}

/* Drives flow p (already tracked in tab at idx) through the rest of the handshake. */
static void establish(struct ct_table *tab, int32_t idx, const struct pkt *p, uint64_t now)
{
	struct pkt synack = fx_pkt_reverse(p, TCPF_SYN | TCPF_ACK), ack = *p;
	ack.tcp_flags = TCPF_ACK;
	ct_update(tab, idx, &synack, CT_REPLY, now);
	ct_update(tab, idx, &ack, CT_ORIG, now);
	ck_assert_int_eq(ct_entry_at(tab, idx)->state, CT_ESTABLISHED);
}

static bool tracked(struct ct_table *tab, const struct pkt *p, uint64_t now)
{
	enum ct_dir d;
	return ct_lookup(tab, p, now, &d) >= 0;
}

/* An opener at its share: a new flow replaces its oldest half-open entry instead of being
 * refused (the pool does not grow), the evicted flow is gone and counted; established flows are
 * never evicted, so an opener with only established flows is refused (ct_full). */
START_TEST(evict_half_open_at_share)
{
	addrs();
	enum { L = 20 }; /* one table: charged < free admits 10 flows (c < 20 - c) */
	use_pool(2, L);
	struct pkt p[16];
	for (uint16_t k = 0; k < 16; k++)
		p[k] = opened_by(0, 6, A, (uint16_t)(1000 + k));
	for (uint16_t k = 0; k < 10; k++)
		ck_assert_int_ge(track(ct, &p[k], FX_S(1) + k), 0);
	/* p[0..9] half-open; p[1] and p[2] become established */
	enum ct_dir d;
	establish(ct, ct_lookup(ct, &p[1], FX_S(2), &d), &p[1], FX_S(2));
	establish(ct, ct_lookup(ct, &p[2], FX_S(2), &d), &p[2], FX_S(2));
	ck_assert_int_ge(track(ct, &p[10], FX_S(3)), 0);
	ck_assert_uint_eq(ct_pool_used(pool), 10);
	ck_assert(!tracked(ct, &p[0], FX_S(3)));   /* the oldest half-open went */
	ck_assert(tracked(ct, &p[1], FX_S(3)) && tracked(ct, &p[2], FX_S(3)));
	ck_assert(tracked(ct, &p[10], FX_S(3)));
	ck_assert_int_ge(track(ct, &p[11], FX_S(3)), 0);
	ck_assert(!tracked(ct, &p[3], FX_S(3)));   /* next oldest half-open, not p[1]/p[2] */
	ck_assert(tracked(ct, &p[1], FX_S(3)) && tracked(ct, &p[2], FX_S(3)));
	struct ct_stats st;
	ct_stats(ct, &st);
	ck_assert_uint_eq(st.evicted, 2);
	ck_assert_uint_eq(st.full, 0);
	/* all established: nothing to evict, the new flow is refused */
	use_pool(2, L);
	for (uint16_t k = 0; k < 10; k++)
		establish(ct, track(ct, &p[k], FX_S(1)), &p[k], FX_S(1));
	ck_assert_int_eq(ct_insert(ct, &p[10], FX_S(2)), -ENOSPC);
	for (uint16_t k = 0; k < 10; k++)
		ck_assert(tracked(ct, &p[k], FX_S(2)));
	ct_stats(ct, &st);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(st.full, 1);
	/* the only evictable entry is this very flow at its other end: refused, not cut */
	use_pool(2, L);
	for (uint16_t k = 0; k < 9; k++)
		establish(ct, track(ct, &p[k], FX_S(1)), &p[k], FX_S(1));
	ck_assert_int_ge(track(ct, &p[9], FX_S(2)), 0);
	ck_assert_int_eq(ct_insert(ct_port(pool, 1), &p[9], FX_S(2)), -ENOSPC);
	ck_assert(tracked(ct, &p[9], FX_S(2)));
	/* UDP, ICMP and other protocols are never evicted either */
	use_pool(2, L);
	for (uint16_t k = 0; k < 10; k++) {
		struct pkt u = opened_by(0, (uint8_t)(k % 2 ? 17 : 47), A + k, (uint16_t)k);
		ck_assert_int_ge(track(ct, &u, FX_S(1)), 0);
	}
	ck_assert_int_eq(ct_insert(ct, &p[0], FX_S(2)), -ENOSPC);
}
END_TEST

/* A finished flow (both FINs, or FIN/FIN/ACK) goes before a half-open one, even an older one;
 * a half-closed flow (one FIN: data may still come the other way) is not evicted. */
START_TEST(evict_finished_before_half_open)
{
	addrs();
	use_pool(2, 20);
	struct pkt p[12];
	int32_t idx[12];
	enum ct_dir d;
	for (uint16_t k = 0; k < 12; k++)
		p[k] = opened_by(0, 6, A, (uint16_t)(2000 + k));
	idx[0] = track(ct, &p[0], FX_S(1)); /* half-open, the oldest */
	for (uint16_t k = 1; k < 10; k++)
		establish(ct, idx[k] = track(ct, &p[k], FX_S(2)), &p[k], FX_S(2));
	struct pkt fin = p[1], fin_r = fx_pkt_reverse(&p[1], TCPF_FIN | TCPF_ACK), ack = p[1];
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	ack.tcp_flags = TCPF_ACK;
	ct_update(ct, idx[1], &fin, CT_ORIG, FX_S(3));          /* p[1]: FIN_WAIT */
	fin = p[2];
	fin.tcp_flags = TCPF_FIN | TCPF_ACK;
	fin_r = fx_pkt_reverse(&p[2], TCPF_FIN | TCPF_ACK);
	ack = p[2];
	ack.tcp_flags = TCPF_ACK;
	ct_update(ct, idx[2], &fin, CT_ORIG, FX_S(3));
	ct_update(ct, idx[2], &fin_r, CT_REPLY, FX_S(3));
	ct_update(ct, idx[2], &ack, CT_ORIG, FX_S(3));          /* p[2]: CLOSED */
	ck_assert_int_eq(ct_entry_at(ct, idx[2])->state, CT_CLOSED);
	ck_assert_int_ge(track(ct, &p[10], FX_S(4)), 0);
	ck_assert(!tracked(ct, &p[2], FX_S(4)));
	ck_assert(tracked(ct, &p[0], FX_S(4)) && tracked(ct, &p[1], FX_S(4)));
	ck_assert_int_ge(track(ct, &p[11], FX_S(4)), 0);
	ck_assert(!tracked(ct, &p[0], FX_S(4)));
	ck_assert(tracked(ct, &p[1], FX_S(4)));
	ck_assert_int_eq(ct_lookup(ct, &p[1], FX_S(4), &d), idx[1]);
	ck_assert_int_eq(ct_entry_at(ct, idx[1])->state, CT_FIN_WAIT);
	/* now only established and half-closed ones, besides the two new half-open */
	struct pkt more = opened_by(0, 6, A, 3000);
	ck_assert_int_ge(track(ct, &more, FX_S(5)), 0);
	ck_assert(!tracked(ct, &p[10], FX_S(5)));
	ck_assert(tracked(ct, &p[1], FX_S(5)));
}
END_TEST

/* A flood of half-open flows at one target (tracked at both ends, charged to the flooder) stops
 * at its share; the flooder goes on by replacing its own oldest half-open entries, and never
 * holds more. A client of the target that reaches its share evicts the flooder's half-open
 * entries (the heaviest opener) until it holds as many as the flooder: 75 flows where the
 * fairness rule alone gave it 50 (c < L - 200 - c). Its established flows are never evicted. */
START_TEST(evict_flood_keeps_room_for_clients)
{
	addrs();
	enum { L = 400, FLOOD = 0, TARGET = 1, CLIENT = 2 };
	use_pool(3, L);
	struct ct_table *fl = ct_port(pool, FLOOD), *tg = ct_port(pool, TARGET), *cl = ct_port(pool, CLIENT);
	for (uint32_t k = 0; k < 1000; k++) {
		struct pkt p = opened_by(FLOOD, 6, A, (uint16_t)(1000 + k));
		ck_assert_int_ge(track(fl, &p, FX_S(1)), 0);
		ck_assert_int_ge(track(tg, &p, FX_S(1)), 0);
	}
	struct ct_stats sf;
	ct_stats(fl, &sf);
	ck_assert_uint_eq(sf.charged, L / 2);  /* its share: 2n < L - 2n */
	ck_assert_uint_eq(sf.full, 0);
	ck_assert_uint_eq(sf.evicted, 2000 - L / 2);
	/* the client opens established flows to the target well past its own share */
	uint32_t opened = 0;
	for (uint16_t k = 0; k < 150; k++) {
		struct pkt p = opened_by(CLIENT, 6, A + 1, (uint16_t)(5000 + k));
		int32_t a = track(cl, &p, FX_S(2)), b = a >= 0 ? track(tg, &p, FX_S(2)) : -1;
		if (a < 0 || b < 0)
			break;
		establish(cl, a, &p, FX_S(2));
		establish(tg, b, &p, FX_S(2));
		opened++;
	}
	ck_assert_uint_eq(opened, 75);
	struct ct_stats sc;
	ct_stats(cl, &sc);
	ct_stats(fl, &sf);
	ck_assert_uint_eq(sc.full, 1);
	ck_assert_uint_eq(sc.evicted, 0);
	ck_assert_uint_eq(sc.charged, 150);
	ck_assert_uint_eq(sf.charged, 150);
	ck_assert_uint_eq(sf.evicted, 2000 - L / 2 + 50);
	ck_assert_uint_eq(ct_pool_used(pool), 300);
	/* the flooder, now the lighter one, only recycles its own */
	struct pkt f = opened_by(FLOOD, 6, A, 9);
	ck_assert_int_ge(track(fl, &f, FX_S(3)), 0);
	ct_stats(cl, &sc);
	ck_assert_uint_eq(sc.charged, 150);
	/* every client flow is still there */
	for (uint16_t k = 0; k < 75; k++) {
		struct pkt p = opened_by(CLIENT, 6, A + 1, (uint16_t)(5000 + k));
		ck_assert(tracked(cl, &p, FX_S(3)) && tracked(tg, &p, FX_S(3)));
	}
}
END_TEST

/* The work of an eviction does not grow with the pool: 3,000 evictions in a pool holding
 * 50,000 established entries visit a few entries each (the list head, a short hash chain). */
START_TEST(evict_work_is_bounded)
{
	addrs();
	enum { L = 100000, BIG = 1, FLOOD = 0, N = 3000 };
	use_pool(2, L);
	struct ct_table *big = ct_port(pool, BIG);
	for (uint32_t k = 0; k < 40000; k++) {
		struct pkt p = opened_by(BIG, 6, A + 1 + k / 60000, (uint16_t)k);
		int32_t i = track(big, &p, FX_S(1));
		ck_assert_int_ge(i, 0);
		establish(big, i, &p, FX_S(1));
	}
	/* the flooder's share: c < L - 40000 - c */
	uint32_t k = 0;
	struct ct_stats st;
	for (;; k++) {
		struct pkt p = opened_by(FLOOD, 6, A, (uint16_t)k);
		p.src = A + 100 + k / 60000;
		ck_assert_int_ge(track(ct, &p, FX_S(2)), 0);
		ct_stats(ct, &st);
		if (st.evicted)
			break;
	}
	ck_assert_uint_eq(st.charged, (L - 40000) / 2);
	uint64_t work0 = ct_pool_evict_work(pool), max = 0;
	for (uint32_t n = 0; n < N; n++) {
		k++;
		struct pkt p = opened_by(FLOOD, 6, A + 100 + k / 60000, (uint16_t)k);
		uint64_t before = ct_pool_evict_work(pool);
		ck_assert_int_ge(track(ct, &p, FX_S(3)), 0);
		uint64_t w = ct_pool_evict_work(pool) - before;
		if (w > max)
			max = w;
	}
	ct_stats(ct, &st);
	ck_assert_uint_eq(st.evicted, N + 1);
	ck_assert_uint_le(ct_pool_evict_work(pool) - work0, 3 * N); /* about 1-2 each */
	ck_assert_uint_le(max, 16);
	ck_assert_uint_ge(ct_pool_used(pool), 70000);
}
END_TEST

struct count_arg {
	uint32_t n;
	uint16_t port;
	int bad;
};

static void count_entry(const struct ct_entry *e, void *arg)
{
	struct count_arg *c = arg;
	c->n++;
	if (!e->in_use || e->port != c->port)
		c->bad++;
}

/* ct_foreach visits the live entries of one table, not the expired, not another table's. */
START_TEST(foreach_visits_live_entries)
{
	addrs();
	use_pool(2, 256);
	for (uint16_t k = 0; k < 40; k++) {
		struct pkt p = fx_pkt(17, A, (uint16_t)(100 + k), B, 53, 0);
		ck_assert_int_ge(ct_insert(ct_port(pool, k % 2), &p, FX_S(k < 10 ? 1 : 50)), 0);
	}
	struct count_arg c = {.port = 0};
	ct_foreach(ct_port(pool, 0), FX_S(60), count_entry, &c);
	ck_assert_uint_eq(c.n, 15); /* 20 in table 0, the 5 seen at 1 s expired at 60 s */
	ck_assert_int_eq(c.bad, 0);
	c = (struct count_arg){.port = 1};
	ct_foreach(ct_port(pool, 1), FX_S(2), count_entry, &c);
	ck_assert_uint_eq(c.n, 20);
	ck_assert_int_eq(c.bad, 0);
	c = (struct count_arg){.port = 0};
	ct_flush(ct_port(pool, 0));
	ct_foreach(ct_port(pool, 0), FX_S(2), count_entry, &c);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_uint_eq(ct_pool_used(pool), 20);
}
END_TEST

/* A clone is a private view: it sees the original's flows, its changes never show in the
 * original, and it copies only the flows it looks up. */
START_TEST(clone_is_a_private_view)
{
	addrs();
	use_pool(2, 4096);
	struct pkt pk[1500];
	int32_t idx[1500];
	for (int k = 0; k < 1500; k++) {
		pk[k] = fx_pkt(6, A, (uint16_t)(1000 + k), B, 443, TCPF_SYN);
		idx[k] = start(&pk[k], FX_S(1));
	}
	struct ct_pool *c = ct_pool_clone(pool);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(ct_pool_used(c), 1500);
	struct ct_table *cc = ct_port(c, 0);
	ck_assert_uint_eq(used_of(cc), 0); /* nothing copied yet */
	enum ct_dir d;
	/* the clone's flow advances; the original's does not */
	struct pkt synack = fx_pkt_reverse(&pk[7], TCPF_SYN | TCPF_ACK);
	int32_t ci = ct_lookup(cc, &synack, FX_S(2), &d);
	ck_assert_int_ge(ci, 0);
	ck_assert_int_eq(d, CT_REPLY);
	ct_update(cc, ci, &synack, d, FX_S(2));
	ck_assert_int_eq(ct_entry_at(cc, ci)->state, CT_SYN_RECV);
	ck_assert_int_eq(ct_entry_at(ct, idx[7])->state, CT_SYN_SENT);
	ck_assert_int_eq(ct_lookup(cc, &synack, FX_S(2), &d), ci); /* copied once */
	ck_assert_uint_eq(used_of(cc), 1);
	/* a flow new in the clone is not in the original */
	struct pkt fresh = fx_pkt(17, A, 5, B, 53, 0);
	ck_assert_int_ge(ct_insert(cc, &fresh, FX_S(2)), 0);
	ck_assert_int_eq(ct_lookup(ct, &fresh, FX_S(2), &d), -1);
	ck_assert_uint_eq(ct_pool_used(c), 1501);
	ck_assert_uint_eq(ct_pool_used(pool), 1500);
	/* a flow removed in the clone (closed, then a fresh SYN) is not copied again */
	struct pkt rst = fx_pkt(6, A, 1009, B, 443, TCPF_RST);
	ci = ct_lookup(cc, &rst, FX_S(2), &d);
	ck_assert_int_ge(ci, 0);
	ct_update(cc, ci, &rst, d, FX_S(2));
	ck_assert_int_eq(ct_lookup(cc, &pk[9], FX_S(2), &d), -1);
	ck_assert_int_eq(ct_lookup(cc, &rst, FX_S(2), &d), -1);
	ck_assert_uint_eq(ct_pool_used(c), 1500);
	ck_assert_int_eq(ct_lookup(ct, &pk[9], FX_S(2), &d), idx[9]);
	ct_pool_destroy(c);
	for (int k = 0; k < 1500; k++)
		ck_assert_int_eq(ct_entry_at(ct, idx[k])->state, CT_SYN_SENT);
	ck_assert_uint_eq(ct_pool_used(pool), 1500);
}
END_TEST

/* A clone decides limits as its original: a full original makes a refusing clone. */
START_TEST(clone_keeps_the_limit)
{
	addrs();
	use_pool(2, 2048);
	for (int k = 0; ; k++) {
		struct pkt p = fx_pkt(17, A, (uint16_t)(1000 + k), B, 53, 0);
		if (ct_insert(ct, &p, FX_S(1)) < 0)
			break;
	}
	struct ct_pool *c = ct_pool_clone(pool);
	ck_assert_ptr_nonnull(c);
	struct pkt p = fx_pkt(17, A, 999, B, 53, 0);
	ck_assert_int_eq(ct_insert(ct_port(c, 0), &p, FX_S(1)), -ENOSPC);
	ct_pool_destroy(c);
}
END_TEST

struct seen_arg {
	uint8_t *seen;
	int bad;
};

static void mark_seen(const struct ct_entry *e, void *arg)
{
	struct seen_arg *sa = arg;
	uint16_t k = (uint16_t)(e->key.port[0] == 443 ? e->key.port[1] : e->key.port[0]) - 1000;
	if (k >= 3000 || sa->seen[k]++)
		sa->bad++;
}

/* A walk in slices visits every entry present throughout exactly once, though the table's
 * index doubles several times between slices. */
START_TEST(foreach_slice_survives_growth)
{
	addrs();
	use_pool(2, 8192);
	static uint8_t seen[3000];
	memset(seen, 0, sizeof(seen));
	for (int k = 0; k < 100; k++) {
		struct pkt p = fx_pkt(6, A, (uint16_t)(1000 + k), B, 443, TCPF_SYN);
		start(&p, FX_S(1));
	}
	struct seen_arg sa = {.seen = seen};
	uint32_t cursor = 0;
	int added = 100, slices = 0;
	while (!ct_foreach_slice(ct, FX_S(2), &cursor, 3, mark_seen, &sa)) {
		slices++;
		for (int j = 0; j < 10 && added < 3000; j++, added++) {
			struct pkt p = fx_pkt(6, A, (uint16_t)(1000 + added), B, 443, TCPF_SYN);
			start(&p, FX_S(1));
		}
	}
	ck_assert_int_gt(slices, 10);
	ck_assert_int_eq(sa.bad, 0);
	for (int k = 0; k < 100; k++)
		ck_assert_int_eq(seen[k], 1);
	/* and a table with nothing is done at once */
	cursor = 0;
	ck_assert(ct_foreach_slice(ct_port(pool, 1), FX_S(2), &cursor, 3, mark_seen, &sa));
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
	TCase *pc = tcase_create("pool");
	tcase_add_checked_fixture(pc, setup, teardown);
	tcase_add_test(pc, sweep_frees_expired_only);
	tcase_add_test(pc, sweep_budget_zero_and_empty);
	tcase_add_test(pc, pool_limit_and_reuse);
	tcase_add_test(pc, create_limits);
	tcase_add_test(pc, many_flows_against_reference);
	tcase_add_test(pc, fairness_flood_does_not_starve);
	tcase_add_test(pc, evict_half_open_at_share);
	tcase_add_test(pc, evict_finished_before_half_open);
	tcase_add_test(pc, evict_flood_keeps_room_for_clients);
	tcase_add_test(pc, evict_work_is_bounded);
	tcase_add_test(pc, foreach_visits_live_entries);
	tcase_add_test(pc, clone_is_a_private_view);
	tcase_add_test(pc, clone_keeps_the_limit);
	tcase_add_test(pc, foreach_slice_survives_growth);
	suite_add_tcase(s, pc);
	return s;
}
