/* parse.c: truncation at every length (exact-size heap copies, so ASan sees any over-read),
 * bad IPv4 headers, other ethertypes, broadcast/multicast, every descriptor field, and a
 * random-bytes loop through pkt_parse and pipeline_run on a small lab (run it under `make asan`). */
#include <check.h>
#include <linux/virtio_net.h>
#include <stdio.h>

#include "fixture.h"

Suite *suite_parse(void);

static const uint8_t mac_a[6] = {0x02, 0x56, 0x4c, 0x00, 0x00, 0x01};
static const uint8_t mac_r[6] = FX_ROUTER_MAC;

static struct fx_frame tcp_template(void)
{
	struct fx_frame f;
	memset(&f, 0, sizeof(f));
	memcpy(f.src_mac, mac_a, 6);
	memcpy(f.dst_mac, mac_r, 6);
	f.proto = 6;
	f.src = fx_ip("10.0.1.10");
	f.dst = fx_ip("10.0.2.20");
	f.sport = 40000;
	f.dport = 443;
	f.tcp_flags = TCPF_SYN;
	return f;
}

/* Parses an exact-size heap copy of frame[0..len). */
static int parse_copy(const uint8_t *frame, size_t len, struct pkt *p, void *vnet)
{
	uint8_t *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, frame, len);
	int v = pkt_parse(p, copy, (uint32_t)len, vnet, 3);
	free(copy);
	p->frame = NULL; /* the copy is gone */
	return v;
}

static void truncations(const struct fx_frame *f, const char *what)
{
	uint8_t buf[256];
	size_t full = fx_build(buf, sizeof(buf), f);
	struct pkt p;
	for (size_t len = 0; len < full; len++) {
		int v = parse_copy(buf, len, &p, NULL);
		ck_assert_msg(v == DROP_PARSE_SHORT, "%s truncated to %zu of %zu: got %s", what, len, full,
			      v == STAGE_PASS ? "pass" : drop_reason_name((enum drop_reason)v));
	}
	ck_assert_int_eq(parse_copy(buf, full, &p, NULL), STAGE_PASS);
}

START_TEST(truncated_tcp_udp_icmp)
{
	struct fx_frame f = tcp_template();
	f.payload = 7;
	truncations(&f, "tcp");
	f.proto = 17;
	truncations(&f, "udp");
	f.proto = 1;
	f.icmp_type = 8;
	truncations(&f, "icmp echo");
	f.icmp_type = 3;
	truncations(&f, "icmp unreachable");
	f.proto = 6;
	f.ihl = 15;
	truncations(&f, "tcp with 40 bytes of options");
}
END_TEST

/* The IP total length bounds the L4 header, not the frame (Ethernet padding may follow). */
START_TEST(total_length_bounds_l4)
{
	uint8_t buf[128];
	struct fx_frame f = tcp_template();
	size_t len = fx_build(buf, sizeof(buf), &f);
	struct pkt p;
	/* padded to 100 bytes: still fine, fields from the header */
	memset(buf + len, 0xee, 100 - len);
	ck_assert_int_eq(parse_copy(buf, 100, &p, NULL), STAGE_PASS);
	ck_assert_uint_eq(p.ip_len, 40);
	ck_assert_uint_eq(p.len, 100);
	/* total length says only 10 bytes of TCP: short, even though the frame has more */
	ref_wr16(buf + 16, 30);
	ck_assert_int_eq(parse_copy(buf, 100, &p, NULL), DROP_PARSE_SHORT);
	/* total length larger than the frame: short */
	ref_wr16(buf + 16, 41);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_SHORT);
	/* UDP needs 8 bytes inside the total length */
	f.proto = 17;
	len = fx_build(buf, sizeof(buf), &f);
	ref_wr16(buf + 16, 27);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_SHORT);
	ref_wr16(buf + 16, 28);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), STAGE_PASS);
}
END_TEST

START_TEST(bad_version_and_ihl)
{
	uint8_t buf[128];
	struct fx_frame f = tcp_template();
	struct pkt p;
	for (uint8_t ver = 0; ver < 16; ver++) {
		if (ver == 4)
			continue;
		f.version = ver ? ver : 15;
		size_t len = fx_build(buf, sizeof(buf), &f);
		ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_BAD_IP);
	}
	f.version = 0;
	size_t len = fx_build(buf, sizeof(buf), &f);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		buf[14] = (uint8_t)(0x40 | ihl);
		ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_BAD_IP);
	}
	buf[14] = 0x45;
	ref_wr16(buf + 16, 19); /* total length below the header */
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_BAD_IP);
	ref_wr16(buf + 16, 0);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_PARSE_BAD_IP);
	/* IHL 15 needs 60 header bytes, more than a 20-byte frame body has: short */
	buf[14] = 0x4f;
	ref_wr16(buf + 16, 40);
	ck_assert_int_eq(parse_copy(buf, 14 + 40, &p, NULL), DROP_PARSE_SHORT);
}
END_TEST

START_TEST(other_ethertypes_are_not_ipv4)
{
	uint8_t buf[128];
	struct fx_frame f = tcp_template();
	struct pkt p;
	static const uint16_t types[] = {0x86dd, 0x8100, 0x88cc, 0x05dc, 0x0801, 0xffff};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		f.ethertype = types[i];
		size_t len = fx_build(buf, sizeof(buf), &f);
		ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_NOT_IPV4);
		ck_assert_uint_eq(p.ethertype, types[i]);
	}
	/* 14 bytes of header and nothing more */
	ck_assert_int_eq(parse_copy(buf, 14, &p, NULL), DROP_NOT_IPV4);
}
END_TEST

START_TEST(broadcast_and_multicast)
{
	uint8_t buf[128];
	struct fx_frame f = tcp_template();
	struct pkt p;
	static const uint8_t dsts[][6] = {
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}, /* IPv4 multicast */
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, /* IPv6 multicast */
		{0x03, 0x00, 0x00, 0x00, 0x00, 0x00},
	};
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		memcpy(f.dst_mac, dsts[i], 6);
		f.ethertype = 0;
		size_t len = fx_build(buf, sizeof(buf), &f);
		ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_BROADCAST);
		f.ethertype = 0x86dd;
		len = fx_build(buf, sizeof(buf), &f);
		ck_assert_int_eq(parse_copy(buf, len, &p, NULL), DROP_BROADCAST);
	}
	/* ARP is broadcast and passes, with no L3 fields */
	size_t len = fx_build_arp(buf, mac_a, fx_ip("10.0.1.10"), fx_ip("10.0.1.1"), 1);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), STAGE_PASS);
	ck_assert_uint_eq(p.ethertype, ETHTYPE_ARP);
	ck_assert_uint_eq(p.src, 0);
	ck_assert_uint_eq(p.flags & PKT_L4, 0);
	/* a locally administered unicast address (02:...) is unicast */
	f = tcp_template();
	f.dst_mac[0] = 0x02;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), STAGE_PASS);
}
END_TEST

START_TEST(tcp_fields)
{
	uint8_t buf[256];
	struct fx_frame f = tcp_template();
	f.tcp_flags = TCPF_SYN | TCPF_ACK | 0x08;
	f.ttl = 17;
	f.frag = 0x4000;
	f.payload = 33;
	size_t len = fx_build(buf, sizeof(buf), &f);
	struct pkt p;
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 7), STAGE_PASS);
	ck_assert_ptr_eq(p.frame, buf);
	ck_assert_uint_eq(p.len, len);
	ck_assert_ptr_null(p.vnet);
	ck_assert_uint_eq(p.in_port, 7);
	ck_assert_uint_eq(p.origin_port, 7);
	ck_assert_uint_eq(p.ethertype, ETHTYPE_IPV4);
	ck_assert_uint_eq(p.l3_off, 14);
	ck_assert_uint_eq(p.l4_off, 34);
	ck_assert_uint_eq(p.ip_len, 20 + 20 + 33);
	ck_assert_uint_eq(p.proto, 6);
	ck_assert_uint_eq(p.ttl, 17);
	ck_assert_uint_eq(p.src, fx_ip("10.0.1.10"));
	ck_assert_uint_eq(p.dst, fx_ip("10.0.2.20"));
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 443);
	ck_assert_uint_eq(p.tcp_flags, TCPF_SYN | TCPF_ACK | 0x08);
	ck_assert_uint_eq(p.flags, PKT_DF | PKT_L4);
	/* options move the L4 header */
	f.ihl = 7;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.l4_off, 14 + 28);
	ck_assert_uint_eq(p.sport, 40000);
	ck_assert_uint_eq(p.dport, 443);
}
END_TEST

START_TEST(udp_and_other_protocol_fields)
{
	uint8_t buf[256];
	struct fx_frame f = tcp_template();
	f.proto = 17;
	f.sport = 5353;
	f.dport = 53;
	size_t len = fx_build(buf, sizeof(buf), &f);
	struct pkt p;
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.sport, 5353);
	ck_assert_uint_eq(p.dport, 53);
	ck_assert_uint_eq(p.tcp_flags, 0);
	ck_assert_uint_eq(p.flags, PKT_L4);
	/* GRE: addresses only */
	f.proto = 47;
	f.payload = 4;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.proto, 47);
	ck_assert_uint_eq(p.flags & PKT_L4, 0);
	ck_assert_uint_eq(p.sport, 0);
	ck_assert_uint_eq(p.src, fx_ip("10.0.1.10"));
}
END_TEST

START_TEST(icmp_fields)
{
	uint8_t buf[256];
	struct fx_frame f = tcp_template();
	f.proto = 1;
	f.icmp_type = 8;
	f.icmp_id = 0xbeef;
	f.icmp_seq = 3;
	size_t len = fx_build(buf, sizeof(buf), &f);
	struct pkt p;
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.icmp_type, 8);
	ck_assert_uint_eq(p.icmp_code, 0);
	ck_assert_uint_eq(p.sport, 0xbeef);
	ck_assert_uint_eq(p.dport, 0xbeef);
	ck_assert_uint_eq(p.flags, PKT_L4 | PKT_ECHO);
	f.icmp_type = 0;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.sport, 0xbeef);
	ck_assert(p.flags & PKT_ECHO);
	/* not an echo: type/code only, no identifier */
	f.icmp_type = 3;
	f.icmp_code = 4;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.icmp_type, 3);
	ck_assert_uint_eq(p.icmp_code, 4);
	ck_assert_uint_eq(p.sport, 0);
	ck_assert_uint_eq(p.dport, 0);
	ck_assert_uint_eq(p.flags, PKT_L4);
}
END_TEST

START_TEST(fragments)
{
	uint8_t buf[256];
	struct fx_frame f = tcp_template();
	f.payload = 16;
	struct pkt p;
	/* first fragment (MF, offset 0): has the L4 header */
	f.frag = 0x2000;
	size_t len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.flags, PKT_FRAG | PKT_L4);
	ck_assert_uint_eq(p.dport, 443);
	/* later fragment (offset 185, MF): no L4 header even though bytes follow */
	f.frag = 0x2000 | 185;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.flags, PKT_FRAG | PKT_LATER_FRAG);
	ck_assert_uint_eq(p.sport, 0);
	ck_assert_uint_eq(p.dport, 0);
	ck_assert_uint_eq(p.tcp_flags, 0);
	ck_assert_uint_eq(p.src, fx_ip("10.0.1.10"));
	/* last fragment (offset, no MF), with DF noise and a 1-byte payload */
	f.frag = 1;
	f.payload = 1;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.flags, PKT_FRAG | PKT_LATER_FRAG);
	/* DF alone is not a fragment */
	f.frag = 0x4000;
	f.payload = 0;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_int_eq(pkt_parse(&p, buf, (uint32_t)len, NULL, 0), STAGE_PASS);
	ck_assert_uint_eq(p.flags, PKT_DF | PKT_L4);
	/* a later fragment with no payload at all still parses */
	f.frag = 0x0010;
	len = fx_build(buf, sizeof(buf), &f);
	ck_assert_uint_eq(len, 34);
	ck_assert_int_eq(parse_copy(buf, len, &p, NULL), STAGE_PASS);
	/* a first fragment too short for its L4 header is short */
	f.frag = 0x2000;
	f.proto = 17;
	len = fx_build(buf, sizeof(buf), &f);
	ref_wr16(buf + 16, 24);
	ck_assert_int_eq(parse_copy(buf, 14 + 24, &p, NULL), DROP_PARSE_SHORT);
}
END_TEST

/* A GSO super-packet from a tap: the total length may be 0; the frame is trusted. */
START_TEST(gso_frames)
{
	uint8_t buf[256];
	struct fx_frame f = tcp_template();
	f.payload = 100;
	size_t len = fx_build(buf, sizeof(buf), &f);
	ref_wr16(buf + 16, 0);
	struct virtio_net_hdr v;
	memset(&v, 0, sizeof(v));
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	v.gso_size = 1448;
	struct pkt p;
	ck_assert_int_eq(parse_copy(buf, len, &p, &v), STAGE_PASS);
	ck_assert(p.flags & PKT_GSO);
	ck_assert(p.flags & PKT_L4);
	ck_assert_uint_eq(p.dport, 443);
	/* without the GSO mark the same frame is a bad header */
	v.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	ck_assert_int_eq(parse_copy(buf, len, &p, &v), DROP_PARSE_BAD_IP);
	/* GSO, but cut inside the TCP header */
	v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	ck_assert_int_eq(parse_copy(buf, 14 + 20 + 19, &p, &v), DROP_PARSE_SHORT);
}
END_TEST

/* Truncated ARP parses (ARP has no L3 fields to check), and the ARP stage refuses it safely. */
START_TEST(arp_truncations_do_not_crash)
{
	struct fx *fx = fx_new();
	uint16_t v = fx_vpc(fx, "a", "10.0.0.0/16", false);
	uint16_t sn = fx_subnet(fx, v, "s", "10.0.1.0/24", VL_NONE, VL_NONE);
	uint16_t port = fx_instance(fx, sn, "a", "10.0.1.10", NULL);
	struct vl_tables *t = fx_done(fx);
	struct dp_state *s = dp_state_create(t, 16);
	ck_assert_ptr_nonnull(s);
	uint8_t buf[64];
	size_t full = fx_build_arp(buf, t->ports[port].mac, fx_ip("10.0.1.10"), fx_ip("10.0.1.1"), 1);
	for (size_t len = 0; len <= full; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, buf, len);
		struct pkt p;
		int pv = pkt_parse(&p, copy, (uint32_t)len, NULL, port);
		ck_assert_int_eq(pv, len < 14 ? DROP_PARSE_SHORT : STAGE_PASS);
		if (pv == STAGE_PASS) {
			struct verdict vd = pipeline_run(s, &p, FX_S(1), NULL);
			if (len < full) {
				ck_assert_int_eq(vd.action, VERDICT_DROP);
				ck_assert_int_eq(vd.reason, DROP_BAD_ARP);
			} else {
				ck_assert_int_eq(vd.action, VERDICT_REPLY);
			}
		}
		free(copy);
	}
	dp_state_destroy(s);
	fx_free(fx);
}
END_TEST

/* ---------------------------------------------------------------- random bytes */

static struct fx *fz;
static struct vl_tables *ft;
static struct dp_state *fs;

/* Two VPCs, an IGW, an appliance route, a blackhole, internet hosts: enough branches to reach. */
static void fuzz_setup(void)
{
	fz = fx_new();
	uint16_t va = fx_vpc(fz, "a", "10.0.0.0/16", true);
	uint16_t vb = fx_vpc(fz, "b", "10.0.0.0/16", false);
	uint16_t rt = fx_route_table(fz, va, "pub");
	uint16_t acl = fx_acl(fz, va, "nacl");
	fx_acl_rule(fz, acl, FX_IN, 100, true, fx_m(6, 0, 65535), "0.0.0.0/0");
	fx_acl_rule(fz, acl, FX_OUT, 100, true, fx_m_all(), "0.0.0.0/0");
	uint16_t s1 = fx_subnet(fz, va, "s1", "10.0.1.0/24", rt, VL_NONE);
	uint16_t rt2 = fx_route_table(fz, va, "priv");
	uint16_t s2 = fx_subnet(fz, va, "s2", "10.0.2.0/24", rt2, acl);
	uint16_t s3 = fx_subnet(fz, vb, "s3", "10.0.1.0/24", VL_NONE, VL_NONE);
	uint16_t sg = fx_sg(fz, va, "open");
	fx_sg_open(fz, sg);
	uint16_t a1 = fx_instance(fz, s1, "a1", "10.0.1.10", "203.0.113.10");
	fx_instance(fz, s1, "a2", "10.0.1.11", NULL);
	uint16_t a3 = fx_instance(fz, s2, "a3", "10.0.2.10", "203.0.113.11");
	uint16_t app = fx_instance(fz, s2, "app", "10.0.2.50", NULL);
	fx_instance(fz, s3, "b1", "10.0.1.10", NULL);
	fx_inet_host(fz, "h1", "198.51.100.10");
	fx_inet_host(fz, "h2", "172.16.0.5");
	fx_port_sg(fz, a1, sg);
	fx_port_sg(fz, a3, sg);
	fz->t->ports[app].src_dst_check = 0;
	fx_route(fz, rt, "0.0.0.0/0", VL_T_IGW, VL_NONE);
	fx_route(fz, rt, "192.0.2.0/24", VL_T_BLACKHOLE, VL_NONE);
	fx_route(fz, rt, "10.9.0.0/16", VL_T_PORT, app);
	uint16_t eip = fx_eip(fz, "nat-eip", "203.0.113.50", VL_NONE, 0);
	uint16_t nat = fx_natgw(fz, s1, "nat", "10.0.1.5", eip);
	fx_route(fz, rt2, "0.0.0.0/0", VL_T_NATGW, nat);
	ft = fx_done(fz);
	fs = dp_state_create(ft, 1024);
	ck_assert_ptr_nonnull(fs);
}

static void fuzz_teardown(void)
{
	dp_state_destroy(fs);
	fx_free(fz);
}

static uint32_t fuzz_addr(struct rng *r)
{
	static const char *const known[] = {"10.0.1.10", "10.0.1.11", "10.0.2.10", "10.0.2.50",
					    "198.51.100.10", "172.16.0.5", "203.0.113.10", "203.0.113.11",
					    "10.0.1.1", "192.0.2.1", "10.9.1.1", "8.8.8.8",
					    "203.0.113.50", "203.0.113.99", "10.0.1.5"};
	uint32_t k = rng_below(r, 19);
	if (k < 15)
		return fx_ip(known[k]);
	return rng_u32(r);
}

/* Mostly plausible frames (so the pipeline's deeper stages run), some garbage. */
static size_t fuzz_frame(struct rng *r, uint8_t *buf, size_t cap, uint16_t *in_port)
{
	uint32_t k = rng_below(r, 4);
	size_t len = k == 0 ? rng_below(r, 80) : k == 3 ? rng_below(r, (uint32_t)cap + 1) : rng_below(r, 200);
	rng_bytes(r, buf, len);
	*in_port = (uint16_t)rng_below(r, ft->n_ports + 1);
	if (len >= 14 && rng_below(r, 8)) {
		buf[0] &= 0xfe;
		uint32_t kind = rng_below(r, 10);
		ref_wr16(buf + 12, kind == 0 ? 0x0806 : kind == 1 ? (uint16_t)rng_u32(r) : 0x0800);
		if (kind == 0 && len >= 42) {
			ref_wr16(buf + 14, 1);
			ref_wr16(buf + 16, 0x0800);
			buf[18] = 6;
			buf[19] = 4;
			ref_wr16(buf + 20, (uint16_t)(rng_below(r, 4) ? 1 : rng_below(r, 3)));
			ref_wr32(buf + 28, *in_port < ft->n_ports && rng_below(r, 4) ? ft->ports[*in_port].ip
										     : fuzz_addr(r));
			ref_wr32(buf + 38, fuzz_addr(r));
		} else if (kind > 1 && len >= 34) {
			static const uint8_t protos[] = {6, 17, 1, 47};
			buf[14] = (uint8_t)(rng_below(r, 8) ? 0x45 : 0x40 | rng_below(r, 16));
			uint32_t tot = rng_below(r, 4) ? (uint32_t)len - 14 : rng_below(r, 70000);
			ref_wr16(buf + 16, (uint16_t)tot);
			if (rng_below(r, 2))
				ref_wr16(buf + 20, (uint16_t)(rng_below(r, 4) ? 0x4000 : rng_u32(r)));
			buf[23] = protos[rng_below(r, 4)];
			ref_wr32(buf + 26, *in_port < ft->n_ports && rng_below(r, 2) ? ft->ports[*in_port].ip
										      : fuzz_addr(r));
			ref_wr32(buf + 30, fuzz_addr(r));
			if (len >= 48 && buf[23] == 1)
				buf[34] = (uint8_t)(rng_below(r, 2) ? 8 : rng_below(r, 20));
		}
	}
	return len;
}

START_TEST(random_frames_never_crash)
{
	struct rng r;
	rng_seed(&r, 0xf022);
	enum { CAP = 1600 };
	uint64_t passes = 0, forwarded = 0, replies = 0;
	uint32_t reasons[DROP__COUNT] = {0};
	for (int i = 0; i < 100000; i++) {
		uint8_t tmp[CAP];
		uint16_t in_port;
		size_t len = fuzz_frame(&r, tmp, CAP, &in_port);
		/* an exact-size heap copy (sometimes with room for a reply built in place, as
		 * pipeline_process allows): ASan sees any byte read or written past it */
		size_t room = len + (rng_below(&r, 2) ? rng_below(&r, 700) : 0);
		uint8_t *frame = malloc(room ? room : 1);
		ck_assert_ptr_nonnull(frame);
		memcpy(frame, tmp, len);
		struct virtio_net_hdr v;
		memset(&v, 0, sizeof(v));
		if (rng_below(&r, 8) == 0)
			v.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		if (rng_below(&r, 8) == 0) {
			v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			v.csum_start = 34;
			v.csum_offset = 16;
		}
		struct pkt p;
		int pv = pkt_parse(&p, frame, (uint32_t)len, rng_below(&r, 2) ? &v : NULL, in_port);
		ck_assert(pv == STAGE_PASS || (pv >= 0 && pv < DROP__COUNT));
		if (pv == STAGE_PASS && in_port < ft->n_ports) {
			passes++;
			p.cap = (uint32_t)room;
			struct explain ex;
			memset(&ex, 0, sizeof(ex));
			uint64_t now = FX_S(1) + (uint64_t)i * 10000000u; /* 10 ms apart */
			struct verdict vd = pipeline_run(fs, &p, now, &ex);
			if (i % 1000 == 0)
				ct_sweep(fs->ct, now, UINT32_MAX);
			ck_assert(vd.action <= VERDICT_DROP);
			if (vd.action == VERDICT_DROP) {
				ck_assert_uint_lt(vd.reason, DROP__COUNT);
				reasons[vd.reason]++;
			} else {
				ck_assert_uint_lt(vd.out_port, ft->n_ports);
				ck_assert_uint_le(p.len, room);
				ck_assert_ptr_eq(p.frame, frame);
				if (vd.action == VERDICT_FORWARD)
					forwarded++;
				else
					replies++;
			}
			ck_assert_uint_le(ex.n, EXPLAIN_MAX);
		}
		free(frame);
	}
	/* the generator must reach the pipeline, and some of it must get through */
	ck_assert_uint_gt(passes, 20000);
	ck_assert_uint_gt(forwarded, 100);
	ck_assert_uint_gt(replies, 100);
	unsigned distinct = 0;
	for (int k = 0; k < DROP__COUNT; k++) {
		distinct += reasons[k] != 0;
		if (getenv("VL_FUZZ_STATS"))
			fprintf(stderr, "%-18s %u\n", drop_reason_name((enum drop_reason)k), reasons[k]);
	}
	if (getenv("VL_FUZZ_STATS"))
		fprintf(stderr, "passes %lu forwarded %lu replies %lu\n", (unsigned long)passes,
			(unsigned long)forwarded, (unsigned long)replies);
	ck_assert_uint_ge(distinct, 16);
}
END_TEST

Suite *suite_parse(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, truncated_tcp_udp_icmp);
	tcase_add_test(tc, total_length_bounds_l4);
	tcase_add_test(tc, bad_version_and_ihl);
	tcase_add_test(tc, other_ethertypes_are_not_ipv4);
	tcase_add_test(tc, broadcast_and_multicast);
	tcase_add_test(tc, tcp_fields);
	tcase_add_test(tc, udp_and_other_protocol_fields);
	tcase_add_test(tc, icmp_fields);
	tcase_add_test(tc, fragments);
	tcase_add_test(tc, gso_frames);
	tcase_add_test(tc, arp_truncations_do_not_crash);
	suite_add_tcase(s, tc);
	TCase *fzc = tcase_create("fuzz");
	tcase_add_checked_fixture(fzc, fuzz_setup, fuzz_teardown);
	tcase_set_timeout(fzc, 300);
	tcase_add_test(fzc, random_frames_never_crash);
	suite_add_tcase(s, fzc);
	return s;
}
