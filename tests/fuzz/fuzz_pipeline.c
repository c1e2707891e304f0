/* libFuzzer target: a sequence of frames, each with a virtio-net header (partial checksums, GSO)
 * and an arrival port, through the whole pipeline of tests/fuzz/lab.yaml (NAT gateway, internet
 * gateway with elastic IPs, appliances, ACLs), with time advancing between them so that expiry
 * runs. After every frame the invariants below are checked; a break aborts (`make fuzz`).
 * The state lives across RENEW_EVERY inputs (a fresh one costs the NAT table's 131,072 slots,
 * ~8 ms under ASan): flows of earlier inputs meet later ones, so a crash may need predecessors.
 * Input format (tests/fuzz/mkseeds.c writes it): records of a 13-byte header + frame, see rec_*. */
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/lab.h"
#include "dataplane/bytes.h"
#include "dataplane/csum.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One record: port (mod n_ports); ctl; tick; gso_size, hdr_len, csum_start, csum_offset (little
 * endian, as the tap gives them); frame length (big endian, cut to what is left); the frame. */
#define REC_HDR 13
#define CTL_NEEDS_CSUM 0x01
#define CTL_GSO_SHIFT 1    /* 2 bits: none, TCPv4, UDP, the raw value of hdr_len's high byte */
#define CTL_FIX 0x08       /* complete the IPv4 and L4 checksums (partial ones for NEEDS_CSUM) */
#define CTL_TIME_SHIFT 4   /* 4 bits e: time advances tick << 3e ns before this frame */
#define MAX_PACKETS 64
#define CT_LIMIT 256       /* a small pool: ct_full and eviction paths are reachable */
#define RENEW_EVERY 1024   /* inputs on one state before a fresh one */
#define VNET_LEN 10

static const struct vl_tables *tables;
static uint8_t buf[VNET_LEN + 70000];

/* What the frame being processed promised, for the checks on what leaves. */
static struct {
	uint16_t in_port;
	int ip_valid;      /* its IPv4 header checksum was right */
	int l4_valid;      /* its whole TCP/UDP/ICMP checksum was right (not partial, not GSO) */
	int partial_valid; /* NEEDS_CSUM (not GSO) with csum_start/offset at its TCP/UDP checksum,
			    * holding the pseudo-header sum */
	unsigned sent;
} cur;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_pipeline: invariant broken: %s\n", what);
	abort();
}

static const struct vl_tables *setup(void)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load("tests/fuzz/lab.yaml", d);
	if (!m || lab_check(m, d) > 0)
		abort();
	struct vl_tables *t = lab_compile(m);
	if (!t || dp_tables_prepare(t) < 0)
		abort();
	lab_free(m);
	diag_destroy(d);
	return t;
}

/* The IPv4 header of frame[0..len) when it has a whole one: its length, else 0. */
static unsigned ip_header(const uint8_t *f, uint32_t len)
{
	if (len < ETH_HLEN_ + 20 || rd16(f + 12) != ETHTYPE_IPV4 || (f[14] >> 4) != 4)
		return 0;
	unsigned ihl = (f[14] & 15u) * 4u;
	return ihl >= 20 && ETH_HLEN_ + ihl <= len ? ihl : 0;
}

/* Offset of the L4 checksum field inside the L4 header, or -1. */
static int l4_csum_at(uint8_t proto)
{
	return proto == IPPROTO_TCP_ ? 16 : proto == IPPROTO_UDP_ ? 6 : proto == IPPROTO_ICMP_ ? 2 : -1;
}

/* The one's-complement sum of the L4 segment of an IPv4 frame (pseudo header included for
 * TCP/UDP), or -1 when the frame has no whole unfragmented L4 segment. */
static int64_t l4_sum(const uint8_t *f, uint32_t len, int pseudo_only)
{
	unsigned ihl = ip_header(f, len);
	if (!ihl)
		return -1;
	const uint8_t *ip = f + ETH_HLEN_;
	uint32_t tot = rd16(ip + 2);
	int at = l4_csum_at(ip[9]);
	if (at < 0 || (rd16(ip + 6) & 0x3fff) || tot < ihl + (unsigned)at + 2 ||
	    ETH_HLEN_ + tot > len)
		return -1;
	uint32_t l4len = tot - ihl, sum = 0;
	if (ip[9] != IPPROTO_ICMP_) {
		sum = csum_add_bytes(sum, ip + 12, 8);
		sum += ip[9] + l4len;
	}
	if (!pseudo_only)
		sum = csum_add_bytes(sum, ip + ihl, l4len);
	return sum;
}

/* Makes the frame's checksums right: full ones, or the pseudo-header sum with csum_start and
 * csum_offset pointing at it when the vnet header says NEEDS_CSUM. */
static void fix_checksums(uint8_t *f, uint32_t len, struct virtio_net_hdr *vh)
{
	unsigned ihl = ip_header(f, len);
	if (!ihl)
		return;
	uint8_t *ip = f + ETH_HLEN_;
	wr16(ip + 10, 0);
	wr16(ip + 10, csum_finish(csum_add_bytes(0, ip, ihl)));
	int at = l4_csum_at(ip[9]);
	if (at < 0 || l4_sum(f, len, 1) < 0)
		return;
	uint8_t *field = ip + ihl + at;
	wr16(field, 0);
	if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && ip[9] != IPPROTO_ICMP_) {
		vh->csum_start = (uint16_t)(ETH_HLEN_ + ihl);
		vh->csum_offset = (uint16_t)at;
		wr16(field, csum_fold((uint32_t)l4_sum(f, len, 1)));
		return;
	}
	uint16_t c = csum_finish((uint32_t)l4_sum(f, len, 0));
	wr16(field, c == 0 && ip[9] == IPPROTO_UDP_ ? 0xffff : c);
}

static int ip_csum_ok(const uint8_t *f, uint32_t len)
{
	unsigned ihl = ip_header(f, len);
	return ihl && csum_fold(csum_add_bytes(0, f + ETH_HLEN_, ihl)) == 0xffff;
}

static int l4_csum_ok(const uint8_t *f, uint32_t len)
{
	int64_t s = l4_sum(f, len, 0);
	if (s < 0)
		return 0;
	const uint8_t *ip = f + ETH_HLEN_;
	if (ip[9] == IPPROTO_UDP_ && rd16(ip + (ip[0] & 15u) * 4u + 6) == 0)
		return 0; /* no checksum: nothing to keep */
	return csum_fold((uint32_t)s) == 0xffff;
}

/* A partial checksum as the kernel leaves it: the vnet header points at the TCP/UDP checksum
 * field, which holds the folded pseudo-header sum. */
static int partial_ok(const uint8_t *f, uint32_t len, const struct virtio_net_hdr *vh)
{
	unsigned ihl = ip_header(f, len);
	int64_t ps = l4_sum(f, len, 1);
	if (!ihl || ps < 0 || f[ETH_HLEN_ + 9] == IPPROTO_ICMP_)
		return 0;
	int at = l4_csum_at(f[ETH_HLEN_ + 9]);
	return vh->csum_start == ETH_HLEN_ + ihl && vh->csum_offset == at &&
	       rd16(f + ETH_HLEN_ + ihl + at) == csum_fold((uint32_t)ps);
}

/* Every frame the pipeline sends: a valid port, inside its buffer, checksums kept. */
static int check_send(void *ctx, uint16_t port, const struct pkt *p)
{
	const struct dp_state *s = ctx;
	cur.sent++;
	if (port >= s->t->n_ports)
		fail("send to a port that does not exist");
	const uint8_t *f = p->frame;
	int in_buf = f >= buf + VNET_LEN && f + p->len <= buf + sizeof(buf);
	int in_frag = f >= s->frag_buf && f + p->len <= s->frag_buf + sizeof(s->frag_buf);
	if (!in_buf && !in_frag)
		fail("sent frame outside its buffer");
	if (p->len < ETH_HLEN_ || p->len > p->cap)
		fail("sent frame length out of bounds");
	const struct virtio_net_hdr *vh = p->vnet;
	int gso = vh && vh->gso_type != VIRTIO_NET_HDR_GSO_NONE;
	int partial = vh && (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	if (in_frag && (gso || p->len - ETH_HLEN_ > VL_IGW_MTU))
		fail("a fragment larger than the gateway's MTU, or still GSO");
	if (ip_header(f, p->len) && cur.ip_valid && !ip_csum_ok(f, p->len))
		fail("IPv4 header checksum broken on the way");
	if (cur.l4_valid && !partial && !gso && !in_frag && l4_sum(f, p->len, 0) >= 0 &&
	    !l4_csum_ok(f, p->len))
		fail("L4 checksum broken on the way");
	if (cur.partial_valid && partial && !gso && !in_frag && l4_sum(f, p->len, 1) >= 0 &&
	    !partial_ok(f, p->len, vh))
		fail("partial L4 checksum (NEEDS_CSUM) broken on the way");
	return 0;
}

static uint64_t outcomes(const struct dp_state *s)
{
	uint64_t n = s->forwarded + s->arp_replies;
	for (int r = 0; r < DROP__COUNT; r++)
		n += s->drops[r];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_state *s;
	static uint64_t now, inputs;
	if (!tables)
		tables = setup();
	if (s && ++inputs % RENEW_EVERY == 0) {
		dp_state_destroy(s);
		s = NULL;
	}
	if (!s) {
		now = 1000000000ull;
		s = dp_state_create(tables, CT_LIMIT);
		if (!s)
			abort();
		s->send = check_send;
		s->send_ctx = s;
	}
	for (int n = 0; n < MAX_PACKETS && size >= REC_HDR; n++) {
		uint8_t ctl = data[1];
		now += (uint64_t)data[2] << (3 * (ctl >> CTL_TIME_SHIFT));
		struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
		memset(vh, 0, VNET_LEN);
		vh->flags = ctl & CTL_NEEDS_CSUM ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
		static const uint8_t gso[] = {VIRTIO_NET_HDR_GSO_NONE, VIRTIO_NET_HDR_GSO_TCPV4,
					      VIRTIO_NET_HDR_GSO_UDP};
		unsigned g = (ctl >> CTL_GSO_SHIFT) & 3u;
		vh->gso_type = g < 3 ? gso[g] : data[6];
		vh->gso_size = (uint16_t)(data[3] | data[4] << 8);
		vh->hdr_len = (uint16_t)(data[5] | data[6] << 8);
		vh->csum_start = (uint16_t)(data[7] | data[8] << 8);
		vh->csum_offset = (uint16_t)(data[9] | data[10] << 8);
		uint32_t len = (uint32_t)rd16(data + 11);
		uint16_t port = (uint16_t)(data[0] % s->t->n_ports);
		data += REC_HDR;
		size -= REC_HDR;
		if (len > size)
			len = (uint32_t)size;
		uint8_t *frame = buf + VNET_LEN;
		memcpy(frame, data, len);
		data += len;
		size -= len;
		if (ctl & CTL_FIX)
			fix_checksums(frame, len, vh);
		cur.in_port = port;
		cur.sent = 0;
		cur.ip_valid = ip_csum_ok(frame, len);
		cur.l4_valid = !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
			       vh->gso_type == VIRTIO_NET_HDR_GSO_NONE && l4_csum_ok(frame, len);
		cur.partial_valid = (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
				    vh->gso_type == VIRTIO_NET_HDR_GSO_NONE && partial_ok(frame, len, vh);
		uint64_t before = outcomes(s);
		struct verdict v = pipeline_process(s, frame, len, sizeof(buf) - VNET_LEN, vh, port, now);
		if (v.action == VERDICT_DROP) {
			if (v.reason >= DROP__COUNT)
				fail("drop reason out of range");
			if (cur.sent && v.reason != DROP_TAP_WRITE && v.reason != DROP_MTU_EXCEEDED)
				fail("dropped after sending");
		} else {
			if (v.out_port >= s->t->n_ports)
				fail("verdict out_port does not exist");
			if (v.action == VERDICT_REPLY && v.out_port != port)
				fail("a reply leaves by another port than it came in");
			if (!cur.sent)
				fail("forwarded but nothing sent");
		}
		if (v.replaced >= DROP__COUNT)
			fail("replaced reason out of range");
		if (outcomes(s) - before != 1u + (v.replaced >= 0))
			fail("a frame was not counted exactly once");
	}
	return 0;
}
