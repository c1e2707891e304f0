/* Packet capture (capture.h). The only file that includes pcap.h on the packet side: libpcap
 * compiles and runs the BPF filters; the pcapng blocks are written here because each packet
 * carries a comment (libpcap writes no pcapng). Writes are non-blocking: a slow reader loses
 * packets (counted), the data plane never waits for it. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "capture.h"
#include "rewrite.h"
#include "parse.h"
#include "tap.h"

#define CAP_MAX 8
#define CAP_SNAP 262144u

#define CAP_PENDING_MAX (1u << 20) /* what may wait for a slow reader before packets are lost */

struct capture_session {
	int fd;                  /* -1 = free */
	uint8_t done;            /* count reached or reader gone: emits nothing, waits for release */
	uint8_t *pending;        /* the unsent tail of a block: the stream never has half a block */
	size_t pending_len;
	struct capture_spec spec;
	struct bpf_program prog;
	uint8_t has_prog;
	uint32_t sent, lost;
};

struct capture_state {
	struct capture_session sess[CAP_MAX];
	int active;
	uint8_t orig[TAP_FRAME_MAX];
	uint8_t scratch[TAP_FRAME_MAX];
	uint8_t block[TAP_FRAME_MAX + 512];
};


int capture_stage_parse(const char *name)
{
	for (int i = 0; i <= EX_FRAGMENT; i++)
		if (strcmp(name, explain_stage_name((enum explain_stage)i)) == 0)
			return i;
	if (strcmp(name, explain_stage_name(EX_DNS)) == 0)
		return EX_DNS;
	return strcmp(name, explain_stage_name(EX_LB)) == 0 ? EX_LB : -1;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4); /* pcapng is written in the host's byte order; the SHB says which */
}

static void put16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, 2);
}

/* Sends what waits, then the block; a tail the socket cannot take now waits in `pending`, so
 * the reader always sees whole blocks. A block that finds data still waiting is lost (counted).
 * -1 when the reader is gone. */
static int cap_send(struct capture_session *cs, const uint8_t *b, size_t len)
{
	if (cs->pending_len) {
		ssize_t n = send(cs->fd, cs->pending, cs->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (n > 0) {
			memmove(cs->pending, cs->pending + n, cs->pending_len - (size_t)n);
			cs->pending_len -= (size_t)n;
		}
		if (cs->pending_len) {
			cs->lost++;
			return 0;
		}
	}
	ssize_t n = send(cs->fd, b, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	if (n == (ssize_t)len)
		return 0;
	if (n <= 0) {
		cs->lost++;
		return 0;
	}
	size_t rest = len - (size_t)n;
	if (!cs->pending)
		cs->pending = malloc(CAP_PENDING_MAX);
	if (!cs->pending || rest > CAP_PENDING_MAX)
		return -1; /* half a block is out: the stream cannot go on */
	memcpy(cs->pending, b + n, rest);
	cs->pending_len = rest;
	return 0;
}

static int cap_headers(struct capture_session *cs)
{
	uint8_t b[64];
	memset(b, 0, sizeof(b));
	/* Section header block: type, length, byte-order magic, version 1.0, section length -1. */
	put32(b, 0x0A0D0D0A);
	put32(b + 4, 28);
	put32(b + 8, 0x1A2B3C4D);
	put16(b + 12, 1);
	put16(b + 14, 0);
	memset(b + 16, 0xff, 8);
	put32(b + 24, 28);
	/* Interface description block: Ethernet, snaplen. */
	put32(b + 28, 1);
	put32(b + 32, 20);
	put16(b + 36, 1); /* LINKTYPE_ETHERNET */
	put32(b + 40, CAP_SNAP);
	put32(b + 44, 20);
	ssize_t n = send(cs->fd, b, 48, MSG_NOSIGNAL);
	return n == 48 ? 0 : -EIO;
}

/* Ends a session's stream: the reader sees EOF; the loop then sees the socket readable and
 * calls capture_release, which frees the slot (so the loop never watches a closed fd). */
static void cap_finish(struct capture_session *cs)
{
	cs->done = 1;
	shutdown(cs->fd, SHUT_RDWR);
}

static void cap_free(struct capture_state *c, struct capture_session *cs)
{
	close(cs->fd);
	cs->fd = -1;
	if (cs->has_prog)
		pcap_freecode(&cs->prog);
	cs->has_prog = 0;
	free(cs->pending);
	cs->pending = NULL;
	cs->pending_len = 0;
	c->active--;
}

void capture_release(struct dp_state *s, int fd)
{
	for (int i = 0; s->capture && i < CAP_MAX; i++)
		if (s->capture->sess[i].fd == fd)
			cap_free(s->capture, &s->capture->sess[i]);
}

/* One enhanced packet block with an opt_comment. */
static void cap_emit(struct capture_state *c, struct capture_session *cs, const uint8_t *data,
		     uint32_t len, const char *comment)
{
	if (cs->has_prog) {
		struct pcap_pkthdr h = {.caplen = len, .len = len};
		if (!pcap_offline_filter(&cs->prog, &h, data))
			return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	size_t clen = strlen(comment), total = 28 + pad4(len) + (clen ? 4 + pad4(clen) + 4 : 0) + 4;
	uint8_t *b = c->block;
	memset(b, 0, total);
	put32(b, 6);
	put32(b + 4, (uint32_t)total);
	put32(b + 8, 0);
	put32(b + 12, (uint32_t)(us >> 32));
	put32(b + 16, (uint32_t)us);
	put32(b + 20, len);
	put32(b + 24, len);
	memcpy(b + 28, data, len);
	size_t o = 28 + pad4(len);
	if (clen) {
		put16(b + o, 1); /* opt_comment */
		put16(b + o + 2, (uint16_t)clen);
		memcpy(b + o + 4, comment, clen);
		o += 4 + pad4(clen) + 4; /* opt_endofopt: zeros */
	}
	put32(b + o, (uint32_t)total);
	if (cap_send(cs, b, total) < 0 || (cs->spec.count && ++cs->sent >= cs->spec.count))
		cap_finish(cs);
}

int capture_start(struct dp_state *s, int fd, const struct capture_spec *spec, char *err, size_t cap)
{
	if (!s->capture) {
		s->capture = calloc(1, sizeof(*s->capture));
		if (!s->capture)
			return -ENOMEM;
		for (int i = 0; i < CAP_MAX; i++)
			s->capture->sess[i].fd = -1;
	}
	struct capture_state *c = s->capture;
	struct capture_session *cs = NULL;
	for (int i = 0; i < CAP_MAX && !cs; i++)
		if (c->sess[i].fd < 0)
			cs = &c->sess[i];
	if (!cs) {
		snprintf(err, cap, "too many captures running (at most %d)", CAP_MAX);
		return -ENOSPC;
	}
	memset(cs, 0, sizeof(*cs));
	cs->spec = *spec;
	if (spec->filter[0]) {
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, CAP_SNAP);
		int rc = dead ? pcap_compile(dead, &cs->prog, spec->filter, 1, PCAP_NETMASK_UNKNOWN) : -1;
		if (rc < 0)
			snprintf(err, cap, "filter: %s", dead ? pcap_geterr(dead) : "out of memory");
		if (dead)
			pcap_close(dead);
		if (rc < 0)
			return -EINVAL;
		cs->has_prog = 1;
	}
	cs->fd = fd;
	c->active++;
	if (cap_headers(cs) < 0) {
		cs->fd = -1; /* the caller still owns fd on failure */
		c->active--;
		if (cs->has_prog)
			pcap_freecode(&cs->prog);
		cs->has_prog = 0;
		return -EIO;
	}
	return 0;
}

void capture_stop_all(struct dp_state *s)
{
	if (!s->capture)
		return;
	for (int i = 0; i < CAP_MAX; i++)
		if (s->capture->sess[i].fd >= 0)
			cap_free(s->capture, &s->capture->sess[i]);
	free(s->capture);
	s->capture = NULL;
}

/* The original frame with the addresses and ports of `hop` (a rewrite hop's header), so that a
 * stage capture shows the packet as it was at that point of the path. */
static uint32_t cap_synth(struct capture_state *c, const uint8_t *orig, uint32_t len,
			  const struct explain_hop *hop)
{
	memcpy(c->scratch, orig, len);
	if (!hop)
		return len;
	struct pkt q;
	if (pkt_parse(&q, c->scratch, len, NULL, 0) != STAGE_PASS || q.ethertype != ETHTYPE_IPV4)
		return len;
	if (q.src != hop->src)
		rewrite_addr(&q, true, hop->src);
	if (q.dst != hop->dst)
		rewrite_addr(&q, false, hop->dst);
	if ((q.flags & PKT_L4) && q.sport != hop->sport)
		rewrite_port(&q, true, hop->sport);
	if ((q.flags & PKT_L4) && !(q.flags & PKT_ECHO) && q.dport != hop->dport)
		rewrite_port(&q, false, hop->dport);
	return len;
}

static void hop_comment(const struct vl_tables *t, const struct explain_hop *h, const char *when,
			char *buf, size_t cap)
{
	char rule[48] = "";
	if (h->rule >= 0 && (h->stage == EX_NACL_IN || h->stage == EX_NACL_OUT))
		snprintf(rule, sizeof(rule), " rule %u", t->acl_rules[h->rule].number);
	else if (h->rule >= 0 && (h->stage == EX_SG_IN || h->stage == EX_SG_OUT))
		snprintf(rule, sizeof(rule), " rule %u", t->sg_rules[h->rule].index);
	else if (h->stage == EX_NACL_IN || h->stage == EX_NACL_OUT)
		snprintf(rule, sizeof(rule), " rule *");
	else if (h->flags & EXF_TRACKED)
		snprintf(rule, sizeof(rule), " tracked");
	snprintf(buf, cap, "%s%s%s: %s%s%s", explain_stage_name((enum explain_stage)h->stage), when[0] ? " " : "", when,
		 h->verdict == STAGE_PASS ? "pass" : "drop ",
		 h->verdict == STAGE_PASS ? "" : drop_reason_name((enum drop_reason)h->verdict), rule);
}

static void cap_stage(struct dp_state *s, struct capture_session *cs, const uint8_t *orig,
		      uint32_t len, const struct explain *ex)
{
	struct capture_state *c = s->capture;
	const struct explain_hop *prev = NULL;
	char com[160];
	for (unsigned i = 0; i < ex->n && cs->fd >= 0 && !cs->done; i++) {
		const struct explain_hop *h = &ex->hop[i];
		bool mine = h->stage == cs->spec.stage && (cs->spec.obj == VL_NONE || h->obj == cs->spec.obj);
		bool rewrite = h->stage == EX_NAT || h->stage == EX_IGW || h->stage == EX_LB ||
			       h->stage == EX_DNS;
		if (mine) {
			hop_comment(s->t, h, rewrite ? "before" : "", com, sizeof(com));
			cap_emit(c, cs, c->scratch, cap_synth(c, orig, len, prev), com);
			if (rewrite && h->has_hdr && h->verdict == STAGE_PASS && cs->fd >= 0 && !cs->done) {
				hop_comment(s->t, h, "after", com, sizeof(com));
				cap_emit(c, cs, c->scratch, cap_synth(c, orig, len, h), com);
			}
		}
		if (h->has_hdr && rewrite)
			prev = h;
	}
}

static void cap_drop(struct dp_state *s, struct capture_session *cs, const uint8_t *orig,
		     uint32_t len, const struct pkt *p, const struct verdict *v, const struct explain *ex)
{
	if (cs->spec.port != VL_NONE && p->in_port != cs->spec.port)
		return;
	char com[200], where[160] = "";
	if (ex->n && ex->hop[ex->n - 1].verdict != STAGE_PASS)
		hop_comment(s->t, &ex->hop[ex->n - 1], "", where, sizeof(where));
	const char *code = drop_reason_code((enum drop_reason)v->reason);
	snprintf(com, sizeof(com), "drop %s%s%s%s from %s%s%s",
		 drop_reason_name((enum drop_reason)v->reason), code[0] ? " (" : "", code, code[0] ? ")" : "",
		 p->in_port < s->t->n_ports ? s->t->ports[p->in_port].name : "?", where[0] ? " at " : "", where);
	cap_emit(s->capture, cs, orig, len, com);
}

void capture_packet(struct dp_state *s, const uint8_t *orig, uint32_t orig_len, const struct pkt *p,
		    const struct verdict *v, const struct explain *ex)
{
	struct capture_state *c = s->capture;
	for (int i = 0; c && i < CAP_MAX; i++) {
		struct capture_session *cs = &c->sess[i];
		if (cs->fd < 0 || cs->done)
			continue;
		switch (cs->spec.kind) {
		case CAP_PORT:
			if (p->in_port == cs->spec.port)
				cap_emit(c, cs, orig, orig_len, "rx");
			if (cs->fd >= 0 && !cs->done && v->action != VERDICT_DROP && v->out_port == cs->spec.port)
				cap_emit(c, cs, p->frame, p->len, v->action == VERDICT_REPLY ? "tx (router reply)" : "tx");
			break;
		case CAP_DROPS:
			if (v->action == VERDICT_DROP)
				cap_drop(s, cs, orig, orig_len, p, v, ex);
			break;
		default:
			cap_stage(s, cs, orig, orig_len, ex);
		}
	}
}

/* Keeps a copy of the frame as read, before any stage rewrites it. */
const uint8_t *capture_save(struct dp_state *s, const uint8_t *frame, uint32_t len)
{
	if (!s->capture || !s->capture->active || len > sizeof(s->capture->orig))
		return NULL;
	memcpy(s->capture->orig, frame, len);
	return s->capture->orig;
}

struct capture_file {
	pcap_t *dead;
	pcap_dumper_t *dump;
};

int capture_file_read(const char *path, int (*fn)(void *ctx, uint8_t *frame, uint32_t len, uint64_t ts_ns),
		      void *ctx, char *err, size_t errcap)
{
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!pc) {
		snprintf(err, errcap, "%s", perr);
		return -EINVAL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		snprintf(err, errcap, "%s: not an Ethernet capture", path);
		pcap_close(pc);
		return -EINVAL;
	}
	static uint8_t buf[TAP_FRAME_MAX];
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = 0, n;
	while (rc == 0 && (n = pcap_next_ex(pc, &h, &data)) == 1) {
		uint32_t len = h->caplen < sizeof(buf) ? h->caplen : (uint32_t)sizeof(buf);
		memcpy(buf, data, len);
		rc = fn(ctx, buf, len, (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec);
	}
	pcap_close(pc);
	return rc;
}

struct capture_file *capture_file_create(const char *path)
{
	struct capture_file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, CAP_SNAP, PCAP_TSTAMP_PRECISION_NANO);
	f->dump = f->dead ? pcap_dump_open(f->dead, path) : NULL;
	if (!f->dump) {
		if (f->dead)
			pcap_close(f->dead);
		free(f);
		errno = EIO;
		return NULL;
	}
	return f;
}

void capture_file_write(struct capture_file *f, const uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	struct pcap_pkthdr h = {.caplen = len, .len = len};
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull); /* nanoseconds: the file says so */
	pcap_dump((u_char *)f->dump, &h, frame);
}

void capture_file_close(struct capture_file *f)
{
	if (!f)
		return;
	pcap_dump_close(f->dump);
	pcap_close(f->dead);
	free(f);
}
