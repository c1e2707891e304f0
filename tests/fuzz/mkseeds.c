/* Writes the pipeline fuzzer's seed corpus (tests/fuzz/corpus_pipeline, fuzz_pipeline.c's record
 * format): the replay pcaps' frames, and crafted conversations through tests/fuzz/lab.yaml's NAT
 * gateway, internet gateway, appliance, fragmentation and GSO. Each frame also runs through the
 * real pipeline here, so that replies answer what was actually delivered (the NAT port).
 * Usage (tests/fuzz/mkseeds.sh builds it): mkseeds LAB OUTDIR PCAP... */
#include <linux/virtio_net.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/lab.h"
#include "control/tools/craft.h"
#include "dataplane/bytes.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"

#define VNET_LEN 10
#define CTL_NEEDS_CSUM 0x01
#define CTL_GSO_TCP (1 << 1)
#define CTL_GSO_UDP (2 << 1)
#define CTL_FIX 0x08

static const struct vl_tables *T;
static struct dp_state *S;
static FILE *out;
static uint8_t buf[VNET_LEN + 70000];
static uint8_t last[70000];      /* the last frame the pipeline sent, and where */
static uint32_t last_len;
static uint16_t last_port;

static int capture(void *ctx, uint16_t port, const struct pkt *p)
{
	(void)ctx;
	memcpy(last, p->frame, p->len);
	last_len = p->len;
	last_port = port;
	return 0;
}

static uint16_t port_of(const char *name)
{
	for (uint16_t i = 0; i < T->n_ports; i++)
		if (!strcmp(T->ports[i].name, name))
			return i;
	fprintf(stderr, "mkseeds: no port %s\n", name);
	exit(1);
}

static uint32_t ip4(const char *s)
{
	unsigned a, b, c, d;
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		exit(1);
	return a << 24 | b << 16 | c << 8 | d;
}

/* A record: ms milliseconds after the previous one, from port, with the vnet fields given. */
struct vnet_in {
	uint8_t ctl;
	uint16_t gso_size, hdr_len;
};

static void emit(uint16_t port, uint32_t ms, struct vnet_in v, const uint8_t *f, uint32_t len)
{
	static uint64_t now = 1000000000ull;
	/* tick << 3e ns: e = 7 gives units of 2.1 ms, e = 10 of 1.07 s */
	uint8_t e = ms >= 1000 ? 10 : 7;
	uint32_t tick = e == 10 ? ms / 1074 + 1 : ms / 2 + (ms > 0);
	if (tick > 255)
		tick = 255;
	uint8_t ctl = (uint8_t)(v.ctl | CTL_FIX | (ms ? e << 4 : 0));
	uint8_t h[13] = {(uint8_t)port, ctl, (uint8_t)(ms ? tick : 0),
			 (uint8_t)v.gso_size, (uint8_t)(v.gso_size >> 8),
			 (uint8_t)v.hdr_len, (uint8_t)(v.hdr_len >> 8), 0, 0, 0, 0,
			 (uint8_t)(len >> 8), (uint8_t)len};
	fwrite(h, 1, sizeof(h), out);
	fwrite(f, 1, len, out);
	/* the same frame through the pipeline, as the fuzzer will see it (checksums fixed here by
	 * craft already; a partial one is patched below like the fuzzer does) */
	now += ms ? (uint64_t)tick << (3 * e) : 0;
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
	memset(vh, 0, VNET_LEN);
	vh->flags = v.ctl & CTL_NEEDS_CSUM ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
	vh->gso_type = v.ctl & CTL_GSO_TCP ? VIRTIO_NET_HDR_GSO_TCPV4 :
		       v.ctl & CTL_GSO_UDP ? VIRTIO_NET_HDR_GSO_UDP : VIRTIO_NET_HDR_GSO_NONE;
	vh->gso_size = v.gso_size;
	vh->hdr_len = v.hdr_len;
	memcpy(buf + VNET_LEN, f, len);
	last_len = 0;
	struct verdict vd = pipeline_process(S, buf + VNET_LEN, len, sizeof(buf) - VNET_LEN, vh, port, now);
	if (getenv("MKSEEDS_VERBOSE"))
		fprintf(stderr, "  %s len %u: %s %s\n", T->ports[port].name, len,
			vd.action == VERDICT_DROP ? "drop" : "to",
			vd.action == VERDICT_DROP ? drop_reason_name(vd.reason) : T->ports[vd.out_port].name);
}

static const struct vnet_in plain = {0, 0, 0};

static uint32_t mk(uint8_t *f, uint16_t from, uint32_t src, uint32_t dst, uint8_t proto,
		   uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload)
{
	struct craft c = {.src = src, .dst = dst, .proto = proto, .sport = sport, .dport = dport,
			  .tcp_flags = flags, .payload = payload};
	memcpy(c.dst_mac, T->router_mac, 6);
	memcpy(c.src_mac, T->ports[from].mac, 6);
	if (proto == IPPROTO_ICMP_)
		c.icmp_type = ICMP_ECHO_REQUEST;
	return (uint32_t)craft_frame(f, 70000, &c);
}

/* From port to dst: a packet whose L4 is proto/ports/flags, payload zero bytes. */
static void send_(const char *from, const char *src, const char *dst, uint8_t proto,
		  uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload, uint32_t ms)
{
	static uint8_t f[70000];
	uint16_t p = port_of(from);
	uint32_t len = mk(f, p, ip4(src), ip4(dst), proto, sport, dport, flags, payload);
	emit(p, ms, plain, f, len);
}

/* The answer to the last delivered frame, from where it was delivered: addresses and ports
 * swapped, TCP flags given (ICMP echo: a reply). 0, or -1 when nothing was delivered. */
static int reply(uint8_t flags, uint32_t ms)
{
	static uint8_t f[70000];
	if (!last_len || rd16(last + 12) != ETHTYPE_IPV4)
		return -1;
	const uint8_t *ip = last + ETH_HLEN_, *l4 = ip + (ip[0] & 15) * 4;
	uint8_t proto = ip[9];
	uint16_t sport = rd16(l4), dport = rd16(l4 + 2);
	uint32_t len = mk(f, last_port, rd32(ip + 16), rd32(ip + 12), proto, dport, sport, flags, 0);
	if (proto == IPPROTO_ICMP_) {
		uint8_t *il4 = f + ETH_HLEN_ + 20;
		il4[0] = ICMP_ECHO_REPLY;
		wr16(il4 + 4, rd16(l4 + 4));
	}
	emit(last_port, ms, plain, f, len);
	return 0;
}

/* An ICMP error (type/code) about the last delivered frame, from where it was delivered. */
static int icmp_error(uint8_t type, uint8_t code, uint32_t ms)
{
	static uint8_t f[70000];
	if (!last_len || rd16(last + 12) != ETHTYPE_IPV4)
		return -1;
	const uint8_t *ip = last + ETH_HLEN_;
	uint32_t quote = (ip[0] & 15u) * 4u + 8u;
	uint32_t len = mk(f, last_port, rd32(ip + 16), rd32(ip + 12), IPPROTO_UDP_, 0, 0, 0,
			  (uint16_t)(quote));
	uint8_t *oip = f + ETH_HLEN_;
	oip[9] = IPPROTO_ICMP_;
	uint8_t *icmp = oip + 20;
	memset(icmp, 0, 8);
	icmp[0] = type;
	icmp[1] = code;
	if (type == ICMP_UNREACH && code == 4)
		wr16(icmp + 6, 1400);
	memcpy(icmp + 8, ip, quote); /* checksums are completed by the fuzzer (CTL_FIX) */
	emit(last_port, ms, plain, f, len);
	return 0;
}

static void arp_request(const char *from, const char *src, const char *target)
{
	uint8_t f[42] = {0};
	uint16_t p = port_of(from);
	memset(f, 0xff, 6);
	memcpy(f + 6, T->ports[p].mac, 6);
	wr16(f + 12, ETHTYPE_ARP);
	uint8_t *a = f + 14;
	wr16(a, 1);
	wr16(a + 2, ETHTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, 1);
	memcpy(a + 8, T->ports[p].mac, 6);
	wr32(a + 14, ip4(src));
	wr32(a + 24, ip4(target));
	emit(p, 1, plain, f, sizeof(f));
}

/* A GSO super-frame: TCP (or UDP) of payload bytes with NEEDS_CSUM. */
static void gso(const char *from, const char *src, const char *dst, uint8_t proto,
		uint16_t sport, uint16_t dport, uint16_t payload, uint16_t seg)
{
	static uint8_t f[70000];
	uint16_t p = port_of(from);
	uint32_t len = mk(f, p, ip4(src), ip4(dst), proto, sport, dport, TCPF_ACK, payload);
	uint8_t hl = proto == IPPROTO_TCP_ ? 54 : 42;
	struct vnet_in v = {(uint8_t)(CTL_NEEDS_CSUM | (proto == IPPROTO_TCP_ ? CTL_GSO_TCP : CTL_GSO_UDP)),
			    seg, hl};
	emit(p, 1, v, f, len);
}

/* A TCP or UDP packet whose checksum the kernel left partial (NEEDS_CSUM, no GSO). */
static void partial(const char *from, const char *src, const char *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport, uint8_t flags, uint16_t payload)
{
	static uint8_t f[70000];
	uint16_t p = port_of(from);
	uint32_t len = mk(f, p, ip4(src), ip4(dst), proto, sport, dport, flags, payload);
	struct vnet_in v = {CTL_NEEDS_CSUM, 0, 0};
	emit(p, 1, v, f, len);
}

/* A TCP segment (SYN) of payload bytes from `from`, cut into IPv4 fragments of at most 1480 bytes
 * of data, sent last fragment first when reverse. */
static void fragments(const char *from, const char *src, const char *dst, uint16_t dport,
		      uint16_t payload, int reverse)
{
	static uint8_t whole[70000], f[2000];
	uint16_t p = port_of(from);
	uint32_t len = mk(whole, p, ip4(src), ip4(dst), IPPROTO_TCP_, 40000, dport, TCPF_SYN, payload);
	uint32_t data = len - ETH_HLEN_ - 20, n = (data + 1479) / 1480;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = reverse ? n - 1 - k : k, off = i * 1480;
		uint32_t chunk = data - off < 1480 ? data - off : 1480;
		memcpy(f, whole, ETH_HLEN_ + 20);
		memcpy(f + ETH_HLEN_ + 20, whole + ETH_HLEN_ + 20 + off, chunk);
		wr16(f + ETH_HLEN_ + 2, (uint16_t)(20 + chunk));
		wr16(f + ETH_HLEN_ + 6, (uint16_t)((i + 1 < n ? 0x2000 : 0) | off / 8));
		emit(p, 1, plain, f, ETH_HLEN_ + 20 + chunk);
	}
}

static void seed_begin(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (S)
		dp_state_destroy(S);
	S = dp_state_create(T, 4096); /* every seed starts from an empty lab */
	S->send = capture;
	out = fopen(path, "wb");
	if (getenv("MKSEEDS_VERBOSE"))
		fprintf(stderr, "%s\n", name);
	if (!out) {
		perror(path);
		exit(1);
	}
}

static void seed_end(void)
{
	fclose(out);
}

/* One seed per pcap: its frames in order from port `from` (the file's name). */
static void seed_pcap(const char *dir, const char *path)
{
	char err[PCAP_ERRBUF_SIZE], name[256];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(name, sizeof(name), "%s", base);
	char *dot = strrchr(name, '.');
	if (dot)
		*dot = 0;
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc) {
		fprintf(stderr, "mkseeds: %s\n", err);
		exit(1);
	}
	uint16_t port = port_of(name);
	char seed[300];
	snprintf(seed, sizeof(seed), "replay-%s", name);
	seed_begin(dir, seed);
	struct pcap_pkthdr *h;
	const u_char *d;
	for (int n = 0; n < 60 && pcap_next_ex(pc, &h, &d) == 1; n++)
		emit(port, 2, plain, d, h->caplen);
	seed_end();
	pcap_close(pc);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: mkseeds LAB OUTDIR PCAP...\n");
		return 2;
	}
	struct diag *d = diag_create();
	struct lab *m = lab_load(argv[1], d);
	struct vl_tables *t = m && lab_check(m, d) == 0 ? lab_compile(m) : NULL;
	if (!t || dp_tables_prepare(t) < 0) {
		fprintf(stderr, "mkseeds: %s does not compile\n", argv[1]);
		return 1;
	}
	T = t;
	const char *dir = argv[2];
	for (int i = 3; i < argc; i++)
		seed_pcap(dir, argv[i]);

	const char *APP = "10.1.1.10", *WEB = "10.1.0.10", *EXT = "198.51.100.10";
	seed_begin(dir, "nat-tcp-handshake-fin");
	send_("app", APP, EXT, IPPROTO_TCP_, 40001, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	send_("app", APP, EXT, IPPROTO_TCP_, 40001, 80, TCPF_ACK, 0, 1);
	send_("app", APP, EXT, IPPROTO_TCP_, 40001, 80, TCPF_FIN | TCPF_ACK, 0, 1);
	reply(TCPF_FIN | TCPF_ACK, 1);
	send_("app", APP, EXT, IPPROTO_TCP_, 40001, 80, TCPF_ACK, 0, 1);
	seed_end();

	seed_begin(dir, "nat-tcp-rst");
	send_("app", APP, EXT, IPPROTO_TCP_, 40002, 443, TCPF_SYN, 0, 1);
	reply(TCPF_RST | TCPF_ACK, 1);
	send_("app", APP, EXT, IPPROTO_TCP_, 40002, 443, TCPF_SYN, 0, 1);
	seed_end();

	seed_begin(dir, "igw-tcp-in");
	send_("ext", EXT, "203.0.113.10", IPPROTO_TCP_, 50000, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	send_("ext", EXT, "203.0.113.10", IPPROTO_TCP_, 50000, 80, TCPF_ACK, 100, 1);
	send_("ext", EXT, "203.0.113.10", IPPROTO_TCP_, 50000, 80, TCPF_RST, 0, 1);
	send_("ext", EXT, "203.0.113.10", IPPROTO_TCP_, 50001, 22, TCPF_SYN, 0, 1);
	seed_end();

	seed_begin(dir, "igw-tcp-out");
	send_("web", WEB, EXT, IPPROTO_TCP_, 41000, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	send_("web", WEB, EXT, IPPROTO_TCP_, 41000, 80, TCPF_ACK, 0, 1);
	send_("locked", "10.1.0.12", EXT, IPPROTO_TCP_, 41001, 443, TCPF_SYN, 0, 1);
	send_("nopub", "10.1.0.11", EXT, IPPROTO_TCP_, 41002, 80, TCPF_SYN, 0, 1);
	seed_end();

	seed_begin(dir, "udp-nat-expire");
	send_("app", APP, EXT, IPPROTO_UDP_, 40053, 53, 0, 40, 1);
	reply(0, 1);
	send_("app", APP, EXT, IPPROTO_UDP_, 40053, 53, 0, 40, 1);
	reply(0, 40000); /* after the UDP timeout */
	seed_end();

	seed_begin(dir, "udp-local");
	send_("app", APP, WEB, IPPROTO_UDP_, 40100, 5353, 0, 20, 1);
	reply(0, 1);
	send_("web", WEB, APP, IPPROTO_UDP_, 5353, 40101, 0, 20, 1);
	send_("iso", "10.1.2.10", APP, IPPROTO_UDP_, 40102, 53, 0, 20, 1);
	seed_end();

	seed_begin(dir, "icmp-echo");
	send_("web", WEB, EXT, IPPROTO_ICMP_, 7, 7, 0, 56, 1);
	reply(0, 1);
	send_("app", APP, EXT, IPPROTO_ICMP_, 8, 8, 0, 56, 1);
	reply(0, 1);
	send_("ext", EXT, "203.0.113.10", IPPROTO_ICMP_, 9, 9, 0, 56, 1);
	send_("web", WEB, "10.1.0.1", IPPROTO_ICMP_, 10, 10, 0, 56, 1);
	seed_end();

	seed_begin(dir, "icmp-errors");
	send_("app", APP, EXT, IPPROTO_UDP_, 40200, 33434, 0, 10, 1);
	icmp_error(ICMP_UNREACH, 3, 1);
	send_("web", WEB, EXT, IPPROTO_TCP_, 41100, 80, TCPF_SYN, 0, 1);
	icmp_error(ICMP_UNREACH, 4, 1);
	send_("app", APP, EXT, IPPROTO_TCP_, 40201, 80, TCPF_SYN, 0, 1);
	icmp_error(ICMP_TIME_EXCEEDED, 0, 1);
	seed_end();

	seed_begin(dir, "ttl-and-df");
	{
		static uint8_t f[70000];
		uint16_t p = port_of("web");
		uint32_t len = mk(f, p, ip4(WEB), ip4(EXT), IPPROTO_UDP_, 41200, 33434, 0, 10);
		f[ETH_HLEN_ + 8] = 1; /* TTL 1: time exceeded from the router */
		emit(p, 1, plain, f, len);
		len = mk(f, p, ip4(WEB), ip4(EXT), IPPROTO_TCP_, 41201, 80, TCPF_ACK, 3000);
		f[ETH_HLEN_ + 6] = 0x40; /* DF over the gateway's MTU: fragmentation needed */
		emit(p, 1, plain, f, len);
	}
	seed_end();

	seed_begin(dir, "frag-out");
	send_("web", WEB, EXT, IPPROTO_UDP_, 41300, 9000, 0, 4000, 1);
	send_("app", APP, EXT, IPPROTO_UDP_, 40300, 9000, 0, 3000, 1);
	send_("web", WEB, APP, IPPROTO_UDP_, 41301, 40301, 0, 8000, 1);
	seed_end();

	seed_begin(dir, "frag-in");
	fragments("ext", EXT, "203.0.113.10", 80, 4000, 0);
	fragments("ext", EXT, "203.0.113.12", 22, 3000, 1);
	fragments("app", APP, EXT, 80, 3000, 0);
	fragments("app", APP, WEB, 443, 2000, 1);
	seed_end();

	seed_begin(dir, "gso-tcp");
	send_("web", WEB, EXT, IPPROTO_TCP_, 41400, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	gso("web", WEB, EXT, IPPROTO_TCP_, 41400, 80, 6000, 1448);
	send_("app", APP, EXT, IPPROTO_TCP_, 40400, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	gso("app", APP, EXT, IPPROTO_TCP_, 40400, 80, 6000, 1448);
	seed_end();

	seed_begin(dir, "gso-tcp-local");
	gso("web", WEB, APP, IPPROTO_TCP_, 41401, 5432, 14000, 8948);
	seed_end();

	seed_begin(dir, "partial-csum");
	partial("app", APP, EXT, IPPROTO_TCP_, 40450, 80, TCPF_SYN, 0);
	reply(TCPF_SYN | TCPF_ACK, 1);
	partial("app", APP, EXT, IPPROTO_TCP_, 40450, 80, TCPF_ACK, 1000);
	partial("web", WEB, EXT, IPPROTO_UDP_, 41450, 9000, 0, 3000);
	partial("app", APP, EXT, IPPROTO_UDP_, 40451, 9000, 0, 200);
	partial("ext", EXT, "203.0.113.10", IPPROTO_TCP_, 50450, 80, TCPF_SYN, 0);
	partial("web", WEB, APP, IPPROTO_TCP_, 41451, 5432, TCPF_SYN, 100);
	seed_end();

	seed_begin(dir, "gso-udp");
	gso("web", WEB, EXT, IPPROTO_UDP_, 41500, 9000, 4000, 1472);
	gso("app", APP, EXT, IPPROTO_UDP_, 40500, 9000, 6000, 1472);
	gso("ext", EXT, "203.0.113.10", IPPROTO_UDP_, 50500, 5353, 3000, 1472);
	seed_end();

	seed_begin(dir, "appliance");
	send_("dmz", "10.1.3.10", EXT, IPPROTO_TCP_, 42000, 80, TCPF_SYN, 0, 1);
	send_("appl", "10.1.3.10", EXT, IPPROTO_TCP_, 42000, 80, TCPF_SYN, 0, 1);
	send_("appl", "10.1.0.30", EXT, IPPROTO_TCP_, 42001, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 1);
	send_("app", APP, "198.51.100.70", IPPROTO_UDP_, 40600, 53, 0, 10, 1);
	send_("appl", APP, "198.51.100.70", IPPROTO_UDP_, 40600, 53, 0, 10, 1);
	send_("fw", APP, "198.51.100.200", IPPROTO_TCP_, 40601, 80, TCPF_SYN, 0, 1);
	send_("dmz", "10.1.3.10", "192.0.2.66", IPPROTO_ICMP_, 11, 11, 0, 8, 1);
	seed_end();

	seed_begin(dir, "arp");
	arp_request("web", WEB, "10.1.0.1");
	arp_request("app", APP, "10.1.1.1");
	arp_request("ext", EXT, "198.51.100.1");
	arp_request("iso", "10.1.2.10", "10.1.2.99");
	seed_end();

	seed_begin(dir, "ct-expiry");
	send_("app", APP, EXT, IPPROTO_TCP_, 40700, 80, TCPF_SYN, 0, 1);
	reply(TCPF_SYN | TCPF_ACK, 200000); /* after the handshake timeout */
	send_("web", WEB, EXT, IPPROTO_TCP_, 41700, 80, TCPF_SYN, 0, 1);
	reply(TCPF_RST, 1);
	send_("web", WEB, EXT, IPPROTO_TCP_, 41700, 80, TCPF_ACK, 0, 20000);
	seed_end();

	dp_state_destroy(S);
	vl_tables_free(t);
	lab_free(m);
	diag_destroy(d);
	return 0;
}
