/* csum.c and the header rewrites of rewrite.c (rewrite_addr, rewrite_port): incremental checksum
 * updates must equal a full recomputation done by the reference in fixture.h, for complemented
 * checksums (IPv4 header, TCP, UDP, ICMP) and for virtio NEEDS_CSUM partial sums (the field holds
 * the uncomplemented pseudo-header sum). UDP checksum 0 means "none" and must stay 0. */
#include <check.h>
#include <linux/virtio_net.h>

#include "dataplane/csum.h"
#include "dataplane/rewrite.h"
#include "fixture.h"

Suite *suite_csum(void);

enum { ROUNDS = 5000 };

START_TEST(full_sum_matches_reference)
{
	struct rng r;
	rng_seed(&r, 1);
	uint8_t buf[300];
	for (int i = 0; i < ROUNDS; i++) {
		size_t len = rng_below(&r, sizeof(buf) + 1);
		rng_bytes(&r, buf, len);
		uint32_t init = rng_below(&r, 4) ? 0 : rng_u32(&r) & 0xffffff;
		uint16_t want = ref_csum(buf, len, init);
		ck_assert_uint_eq(csum_finish(csum_add_bytes(init, buf, len)), want);
		ck_assert_uint_eq(csum_fold(csum_add_bytes(init, buf, len)), (uint16_t)~want);
	}
	ck_assert_uint_eq(csum_fold(0xffffffffu), 0xffff);
	ck_assert_uint_eq(csum_fold(0x0001ffffu), 0x0001);
	ck_assert_uint_eq(csum_finish(0), 0xffff);
}
END_TEST

/* A buffer with a checksum at [10,12) (as in an IPv4 header): change a 16-bit-aligned 32-bit word
 * and patch incrementally; the result must be the checksum a full recomputation gives. */
static void replace_round(struct rng *r, int width)
{
	uint8_t buf[128];
	size_t len = 16 + 2 * rng_below(r, 56); /* even lengths: words stay aligned */
	if (rng_below(r, 4) == 0)
		len++;                           /* odd tail */
	rng_bytes(r, buf, len);
	buf[0] |= 0x40;                          /* never all-zero data */
	buf[10] = buf[11] = 0;
	ref_wr16(buf + 10, ref_csum(buf, len, 0));
	size_t off;
	do {
		off = 2 * rng_below(r, (uint32_t)((len - (size_t)width) / 2 + 1));
	} while (off < 12 && off + (size_t)width > 10);
	uint32_t from = width == 4 ? ref_rd32(buf + off) : ref_rd16(buf + off);
	uint32_t to;
	switch (rng_below(r, 8)) {
	case 0: to = 0; break;
	case 1: to = width == 4 ? 0xffffffffu : 0xffff; break;
	case 2: to = from; break;
	case 3: to = ~from & (width == 4 ? 0xffffffffu : 0xffff); break;
	default: to = width == 4 ? rng_u32(r) : rng_u32(r) & 0xffff; break;
	}
	if (width == 4) {
		ref_wr32(buf + off, to);
		csum_replace4(buf + 10, from, to);
	} else {
		ref_wr16(buf + off, (uint16_t)to);
		csum_replace2(buf + 10, (uint16_t)from, (uint16_t)to);
	}
	uint16_t got = ref_rd16(buf + 10);
	buf[10] = buf[11] = 0;
	uint16_t want = ref_csum(buf, len, 0);
	ck_assert_msg(got == want, "width %d len %zu off %zu %08x->%08x: incremental %04x, full %04x",
		      width, len, off, from, to, got, want);
}

START_TEST(replace4_equals_full_recomputation)
{
	struct rng r;
	rng_seed(&r, 4);
	for (int i = 0; i < ROUNDS; i++)
		replace_round(&r, 4);
}
END_TEST

START_TEST(replace2_equals_full_recomputation)
{
	struct rng r;
	rng_seed(&r, 2);
	for (int i = 0; i < ROUNDS; i++)
		replace_round(&r, 2);
}
END_TEST

/* The edge of one's-complement arithmetic: a change that makes the data sum 0xffff (checksum
 * 0x0000), and one from there to something else. */
START_TEST(replace_at_the_zero_edge)
{
	struct rng r;
	rng_seed(&r, 9);
	for (int i = 0; i < 500; i++) {
		uint8_t buf[40];
		rng_bytes(&r, buf, sizeof(buf));
		buf[0] |= 0x40;
		buf[10] = buf[11] = 0;
		ref_wr16(buf + 10, ref_csum(buf, sizeof(buf), 0));
		uint16_t from = ref_rd16(buf + 20);
		/* the word at 20 that makes the rest sum to 0xffff */
		buf[20] = buf[21] = 0;
		uint8_t tmp[40];
		memcpy(tmp, buf, sizeof(tmp));
		tmp[10] = tmp[11] = 0;
		uint16_t to = (uint16_t)~ref_sum(tmp, sizeof(tmp), 0);
		ref_wr16(buf + 20, to);
		csum_replace2(buf + 10, from, to);
		ck_assert_uint_eq(ref_rd16(buf + 10), 0x0000);
		/* and back */
		ref_wr16(buf + 20, from);
		csum_replace2(buf + 10, to, from);
		memcpy(tmp, buf, sizeof(tmp));
		tmp[10] = tmp[11] = 0;
		ck_assert_uint_eq(ref_rd16(buf + 10), ref_csum(tmp, sizeof(tmp), 0));
	}
}
END_TEST

/* The partial variants: the field holds fold(sum) uncomplemented. */
START_TEST(replace_partial_keeps_the_pseudo_sum)
{
	struct rng r;
	rng_seed(&r, 5);
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t src = rng_u32(&r), dst = rng_u32(&r), to = rng_u32(&r);
		uint16_t len = (uint16_t)(20 + rng_below(&r, 1400));
		uint8_t field[2];
		ref_wr16(field, (uint16_t)ref_pseudo(src, dst, 6, len));
		csum_replace4_partial(field, src, to);
		ck_assert_uint_eq(ref_rd16(field), ref_pseudo(to, dst, 6, len));
		uint16_t nlen = (uint16_t)(20 + rng_below(&r, 1400));
		csum_replace2_partial(field, len, nlen);
		ck_assert_uint_eq(ref_rd16(field), ref_pseudo(to, dst, 6, nlen));
	}
}
END_TEST

/* ---------------------------------------------------------------- rewrite_addr / rewrite_port */

struct built {
	uint8_t buf[2048];
	size_t len;
	struct pkt p;
	struct virtio_net_hdr vnet;
};

static void random_frame(struct rng *r, struct built *b, uint8_t proto, bool partial, bool udp_none)
{
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	f.dst_mac[0] = 2;
	f.src_mac[0] = 2;
	f.proto = proto;
	f.ihl = (uint8_t)(rng_below(r, 4) ? 5 : 5 + rng_below(r, 11));
	f.ttl = (uint8_t)(1 + rng_below(r, 255));
	f.frag = rng_below(r, 2) ? 0x4000 : 0;
	f.src = rng_u32(r);
	f.dst = rng_u32(r);
	f.sport = (uint16_t)rng_u32(r);
	f.dport = (uint16_t)rng_u32(r);
	f.tcp_flags = (uint8_t)rng_u32(r);
	f.icmp_type = rng_below(r, 2) ? 8 : 0;
	f.icmp_id = (uint16_t)rng_u32(r);
	f.icmp_seq = (uint16_t)rng_u32(r);
	f.payload = (uint16_t)rng_below(r, 1200);
	f.udp_no_csum = udp_none;
	b->len = fx_build(b->buf, sizeof(b->buf), &f);
	/* random payload bytes rather than the builder's pattern, then checksums again */
	size_t hdr = 14 + f.ihl * 4u + fx_l4_hdr_len(proto);
	rng_bytes(r, b->buf + hdr, b->len - hdr);
	size_t coff = ref_l4_csum_off(b->buf);
	ref_wr16(b->buf + coff, udp_none ? 0 : ref_l4_csum(b->buf));
	memset(&b->vnet, 0, sizeof(b->vnet));
	if (partial) {
		b->vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		b->vnet.csum_start = (uint16_t)(14 + f.ihl * 4u);
		b->vnet.csum_offset = (uint16_t)(coff - b->vnet.csum_start);
		uint32_t l4len = (uint32_t)(b->len - b->vnet.csum_start);
		ref_wr16(b->buf + coff, (uint16_t)ref_pseudo(f.src, f.dst, proto, l4len));
	}
	void *vnet = partial || rng_below(r, 2) ? &b->vnet : NULL; /* a plain vnet header or none */
	ck_assert_int_eq(pkt_parse(&b->p, b->buf, (uint32_t)b->len, vnet, 0), STAGE_PASS);
	ck_assert(b->p.flags & PKT_L4);
}

/* What the kernel does with a NEEDS_CSUM packet: sum from csum_start to the end (the field
 * included) and store the complement. The result must be the full checksum. */
static uint16_t complete_partial(const struct built *b)
{
	size_t start = b->vnet.csum_start;
	uint16_t c = ref_csum(b->buf + start, b->len - start, 0);
	if (b->buf[14 + 9] == 17 && c == 0)
		c = 0xffff;
	return c;
}

static void check_full(const struct built *b, const char *what, int round)
{
	ck_assert_msg(ref_ip_csum_ok(b->buf), "%s round %d: IPv4 header checksum wrong", what, round);
	ck_assert_msg(ref_l4_csum_ok(b->buf), "%s round %d: L4 checksum %04x, want %04x", what, round,
		      ref_rd16(b->buf + ref_l4_csum_off(b->buf)), ref_l4_csum(b->buf));
}

static void nat_full_rounds(uint8_t proto, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	static struct built b;
	for (int i = 0; i < ROUNDS / 2; i++) {
		random_frame(&r, &b, proto, false, false);
		check_full(&b, "built", i);
		uint32_t ns = rng_u32(&r), nd = rng_u32(&r);
		uint16_t nsp = (uint16_t)rng_u32(&r), ndp = (uint16_t)rng_u32(&r);
		rewrite_addr(&b.p, true, ns);
		check_full(&b, "src addr", i);
		ck_assert_uint_eq(b.p.src, ns);
		ck_assert_uint_eq(ref_rd32(b.buf + 14 + 12), ns);
		rewrite_addr(&b.p, false, nd);
		check_full(&b, "dst addr", i);
		ck_assert_uint_eq(b.p.dst, nd);
		ck_assert_uint_eq(ref_rd32(b.buf + 14 + 16), nd);
		rewrite_port(&b.p, true, nsp);
		check_full(&b, "src port", i);
		rewrite_port(&b.p, false, ndp);
		check_full(&b, "dst port", i);
		const uint8_t *l4 = b.buf + b.p.l4_off;
		if (proto == 1) {
			ck_assert_uint_eq(ref_rd16(l4 + 4), ndp); /* the identifier, both times */
			ck_assert_uint_eq(b.p.sport, ndp);
			ck_assert_uint_eq(b.p.dport, ndp);
		} else {
			ck_assert_uint_eq(ref_rd16(l4), nsp);
			ck_assert_uint_eq(ref_rd16(l4 + 2), ndp);
			ck_assert_uint_eq(b.p.sport, nsp);
			ck_assert_uint_eq(b.p.dport, ndp);
		}
		/* the descriptor still agrees with a fresh parse */
		struct pkt q;
		ck_assert_int_eq(pkt_parse(&q, b.buf, (uint32_t)b.len, NULL, 0), STAGE_PASS);
		ck_assert_uint_eq(q.src, b.p.src);
		ck_assert_uint_eq(q.dst, b.p.dst);
		ck_assert_uint_eq(q.sport, b.p.sport);
		ck_assert_uint_eq(q.dport, b.p.dport);
	}
}

START_TEST(nat_full_tcp)
{
	nat_full_rounds(6, 60);
}
END_TEST

START_TEST(nat_full_udp)
{
	nat_full_rounds(17, 170);
}
END_TEST

START_TEST(nat_full_icmp_echo)
{
	nat_full_rounds(1, 10);
}
END_TEST

START_TEST(nat_udp_without_checksum_stays_zero)
{
	struct rng r;
	rng_seed(&r, 17);
	static struct built b;
	for (int i = 0; i < 1000; i++) {
		random_frame(&r, &b, 17, false, true);
		rewrite_addr(&b.p, true, rng_u32(&r));
		rewrite_addr(&b.p, false, rng_u32(&r));
		rewrite_port(&b.p, true, (uint16_t)rng_u32(&r));
		rewrite_port(&b.p, false, (uint16_t)rng_u32(&r));
		ck_assert(ref_ip_csum_ok(b.buf));
		ck_assert_uint_eq(ref_rd16(b.buf + ref_l4_csum_off(b.buf)), 0);
	}
}
END_TEST

/* RFC 768: a computed UDP checksum of 0 is sent as 0xffff (0 means "no checksum"). A UDP packet
 * whose translated checksum comes out as 0 must carry 0xffff, not 0. */
START_TEST(nat_udp_checksum_never_becomes_zero)
{
	static struct built b;
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	f.dst_mac[0] = 2;
	f.proto = 17;
	f.src = fx_ip("10.0.1.10");
	f.dst = fx_ip("198.51.100.10");
	f.sport = 5000;
	f.dport = 53;
	f.payload = 20;
	uint32_t pub = fx_ip("203.0.113.10");
	/* make the post-translation sum 0xffff: build as translated, tune the first payload word */
	f.src = pub;
	b.len = fx_build(b.buf, sizeof(b.buf), &f);
	uint8_t *pl = b.buf + 14 + 20 + 8;
	pl[0] = pl[1] = 0;
	b.buf[14 + 20 + 6] = b.buf[14 + 20 + 7] = 0;
	uint32_t s = ref_sum(b.buf + 34, b.len - 34, ref_pseudo(pub, f.dst, 17, (uint32_t)(b.len - 34)));
	ref_wr16(pl, (uint16_t)~s);
	ck_assert_uint_eq(ref_l4_csum(b.buf), 0xffff); /* computed 0, sent as 0xffff */
	/* now the same datagram with the private source, correct checksum */
	ref_wr32(b.buf + 14 + 12, f.src = fx_ip("10.0.1.10"));
	ref_wr16(b.buf + 24, 0);
	ref_wr16(b.buf + 24, ref_ip_csum(b.buf));
	ref_wr16(b.buf + 40, ref_l4_csum(b.buf));
	ck_assert(ref_l4_csum_ok(b.buf));
	ck_assert_uint_ne(ref_rd16(b.buf + 40), 0);
	ck_assert_int_eq(pkt_parse(&b.p, b.buf, (uint32_t)b.len, NULL, 0), STAGE_PASS);
	rewrite_addr(&b.p, true, pub);
	ck_assert(ref_ip_csum_ok(b.buf));
	ck_assert_msg(ref_rd16(b.buf + 40) == 0xffff,
		      "UDP checksum after rewrite_addr is %04x: a computed 0 must be sent as ffff",
		      ref_rd16(b.buf + 40));
}
END_TEST

/* The same through a port rewrite. */
START_TEST(nat_udp_port_checksum_never_becomes_zero)
{
	static struct built b;
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	f.dst_mac[0] = 2;
	f.proto = 17;
	f.src = fx_ip("10.0.1.10");
	f.dst = fx_ip("198.51.100.10");
	f.sport = 1024;
	f.dport = 53;
	f.payload = 20;
	b.len = fx_build(b.buf, sizeof(b.buf), &f);
	uint8_t *pl = b.buf + 14 + 20 + 8;
	pl[0] = pl[1] = 0;
	b.buf[40] = b.buf[41] = 0;
	uint32_t s = ref_sum(b.buf + 34, b.len - 34, ref_pseudo(f.src, f.dst, 17, (uint32_t)(b.len - 34)));
	ref_wr16(pl, (uint16_t)~s); /* with source port 1024 the sum is 0xffff */
	ck_assert_uint_eq(ref_l4_csum(b.buf), 0xffff);
	ref_wr16(b.buf + 34, 40000); /* send with port 40000, correct checksum */
	ref_wr16(b.buf + 40, ref_l4_csum(b.buf));
	ck_assert_int_eq(pkt_parse(&b.p, b.buf, (uint32_t)b.len, NULL, 0), STAGE_PASS);
	rewrite_port(&b.p, true, 1024);
	ck_assert_msg(ref_rd16(b.buf + 40) == 0xffff,
		      "UDP checksum after rewrite_port is %04x: a computed 0 must be sent as ffff",
		      ref_rd16(b.buf + 40));
}
END_TEST

static void nat_partial_rounds(uint8_t proto, uint64_t seed)
{
	struct rng r;
	rng_seed(&r, seed);
	static struct built b;
	for (int i = 0; i < ROUNDS / 2; i++) {
		random_frame(&r, &b, proto, true, false);
		size_t coff = ref_l4_csum_off(b.buf);
		uint32_t l4len = (uint32_t)(b.len - b.vnet.csum_start);
		uint32_t ns = rng_u32(&r), nd = rng_u32(&r);
		rewrite_addr(&b.p, true, ns);
		ck_assert(ref_ip_csum_ok(b.buf));
		ck_assert_uint_eq(ref_rd16(b.buf + coff), ref_pseudo(ns, b.p.dst, proto, l4len));
		rewrite_addr(&b.p, false, nd);
		ck_assert(ref_ip_csum_ok(b.buf));
		ck_assert_uint_eq(ref_rd16(b.buf + coff), ref_pseudo(ns, nd, proto, l4len));
		/* ports are not in the pseudo header: the partial sum stays */
		rewrite_port(&b.p, true, (uint16_t)rng_u32(&r));
		rewrite_port(&b.p, false, (uint16_t)rng_u32(&r));
		ck_assert_uint_eq(ref_rd16(b.buf + coff), ref_pseudo(ns, nd, proto, l4len));
		/* and the kernel's completion gives the right checksum */
		ck_assert_uint_eq(complete_partial(&b), ref_l4_csum(b.buf));
	}
}

START_TEST(nat_partial_tcp)
{
	nat_partial_rounds(6, 66);
}
END_TEST

START_TEST(nat_partial_udp)
{
	nat_partial_rounds(17, 1717);
}
END_TEST

/* A later fragment has no L4 header: only the IPv4 header (and its checksum) may change. */
START_TEST(nat_later_fragment_touches_only_ip_header)
{
	struct rng r;
	rng_seed(&r, 3);
	static struct built b, orig;
	static const uint8_t protos[] = {6, 17, 1};
	for (int i = 0; i < 300; i++) {
		struct fx_frame f;
		memset(&f, 0, sizeof(f));
		f.dst_mac[0] = 2;
		f.proto = protos[i % 3];
		f.frag = (uint16_t)(1 + rng_below(&r, 0x1ffe)) | (rng_below(&r, 2) ? 0x2000 : 0);
		f.src = rng_u32(&r);
		f.dst = rng_u32(&r);
		f.payload = (uint16_t)(8 + rng_below(&r, 600));
		b.len = fx_build(b.buf, sizeof(b.buf), &f);
		rng_bytes(&r, b.buf + 34, b.len - 34);
		memcpy(&orig, &b, sizeof(b));
		ck_assert_int_eq(pkt_parse(&b.p, b.buf, (uint32_t)b.len, NULL, 0), STAGE_PASS);
		ck_assert(b.p.flags & PKT_LATER_FRAG);
		rewrite_addr(&b.p, true, rng_u32(&r));
		rewrite_addr(&b.p, false, rng_u32(&r));
		rewrite_port(&b.p, true, 1234);
		rewrite_port(&b.p, false, 4321);
		ck_assert(ref_ip_csum_ok(b.buf));
		ck_assert_msg(memcmp(b.buf + 34, orig.buf + 34, b.len - 34) == 0,
			      "round %d: payload of a later fragment changed", i);
	}
}
END_TEST

Suite *suite_csum(void)
{
	Suite *s = suite_create("csum");
	TCase *a = tcase_create("arith");
	tcase_add_test(a, full_sum_matches_reference);
	tcase_add_test(a, replace4_equals_full_recomputation);
	tcase_add_test(a, replace2_equals_full_recomputation);
	tcase_add_test(a, replace_at_the_zero_edge);
	tcase_add_test(a, replace_partial_keeps_the_pseudo_sum);
	suite_add_tcase(s, a);
	TCase *n = tcase_create("nat");
	tcase_set_timeout(n, 60);
	tcase_add_test(n, nat_full_tcp);
	tcase_add_test(n, nat_full_udp);
	tcase_add_test(n, nat_full_icmp_echo);
	tcase_add_test(n, nat_udp_without_checksum_stays_zero);
	tcase_add_test(n, nat_udp_checksum_never_becomes_zero);
	tcase_add_test(n, nat_udp_port_checksum_never_becomes_zero);
	tcase_add_test(n, nat_partial_tcp);
	tcase_add_test(n, nat_partial_udp);
	tcase_add_test(n, nat_later_fragment_touches_only_ip_header);
	suite_add_tcase(s, n);
	return s;
}
