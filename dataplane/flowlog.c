/* Flow log aggregation (flowlog.h). Open addressing over an array per interface that exists only
 * while the interface has records in the window: it is made at the window's first record,
 * doubled as records come (a new record may allocate, as a new connection does; a packet of a
 * known record never does) and freed at the flush, so a quiet interface costs nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowlog.h"

struct fl_rec {
	struct flowlog_key k;
	uint8_t used;
	uint64_t packets, bytes;
	uint32_t start, end;
};

#define FL_SLOTS_MIN 16u
#define FL_SLOTS_MAX (FLOWLOG_CAP * 2) /* half full at most: short probe sequences */

struct fl_port {
	struct fl_rec *recs;     /* slots of them; NULL while the window has no record */
	uint32_t slots, n;
	uint8_t skipped;
};

struct flowlog {
	uint16_t n_ports;
	uint32_t interval_s;
	uint32_t window_start;
	struct fl_port *ports;
};

struct flowlog *flowlog_create(uint16_t n_ports, uint32_t interval_s, uint32_t start_s)
{
	struct flowlog *fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->n_ports = n_ports;
	fl->interval_s = interval_s ? interval_s : 60;
	fl->window_start = start_s;
	fl->ports = calloc(n_ports ? n_ports : 1, sizeof(*fl->ports));
	if (!fl->ports) {
		free(fl);
		errno = ENOMEM;
		return NULL;
	}
	return fl;
}

int flowlog_grow(struct flowlog *fl, uint16_t n_ports)
{
	if (n_ports <= fl->n_ports)
		return 0;
	struct fl_port *ports = calloc(n_ports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	memcpy(ports, fl->ports, fl->n_ports * sizeof(*ports));
	free(fl->ports);
	fl->ports = ports;
	fl->n_ports = n_ports;
	return 0;
}

void flowlog_forget(struct flowlog *fl, uint16_t port)
{
	if (!fl || port >= fl->n_ports)
		return;
	free(fl->ports[port].recs);
	fl->ports[port] = (struct fl_port){0};
}

void flowlog_destroy(struct flowlog *fl)
{
	for (uint16_t p = 0; fl && p < fl->n_ports; p++)
		free(fl->ports[p].recs);
	if (fl)
		free(fl->ports);
	free(fl);
}

uint32_t flowlog_interval(const struct flowlog *fl)
{
	return fl->interval_s;
}

void flowlog_key_of(const struct pkt *p, bool reject, struct flowlog_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src = p->src;
	k->dst = p->dst;
	if ((p->flags & PKT_L4) && (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_)) {
		k->sport = p->sport;
		k->dport = p->dport;
	}
	k->proto = p->proto;
	k->reject = reject;
}

static uint32_t fl_hash(const struct flowlog_key *k)
{
	uint64_t h = ((uint64_t)k->src << 32 | k->dst) * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)k->sport << 24 | (uint64_t)k->dport << 8 | k->proto | (uint64_t)k->reject << 40) *
	     0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h ^ (h >> 32));
}

/* The slot of k in recs (slots a power of two, never full): its record or the free slot. */
static struct fl_rec *fl_slot(struct fl_rec *recs, uint32_t slots, const struct flowlog_key *k)
{
	for (uint32_t i = fl_hash(k) & (slots - 1);; i = (i + 1) & (slots - 1)) {
		struct fl_rec *r = &recs[i];
		if (!r->used || memcmp(&r->k, k, sizeof(*k)) == 0)
			return r;
	}
}

/* Makes room for one more record: doubles fp's array (or makes its first) when half full.
 * False when it cannot (the cap, or no memory): the window then says SKIPDATA. */
static bool fl_room(struct fl_port *fp)
{
	if (fp->recs && (fp->n + 1) * 2 <= fp->slots)
		return true;
	uint32_t slots = fp->recs ? fp->slots * 2 : FL_SLOTS_MIN;
	if (fp->n >= FLOWLOG_CAP || slots > FL_SLOTS_MAX)
		return false;
	struct fl_rec *recs = calloc(slots, sizeof(*recs));
	if (!recs)
		return false;
	for (uint32_t i = 0; fp->recs && i < fp->slots; i++)
		if (fp->recs[i].used)
			*fl_slot(recs, slots, &fp->recs[i].k) = fp->recs[i];
	free(fp->recs);
	fp->recs = recs;
	fp->slots = slots;
	return true;
}

void flowlog_account(struct flowlog *fl, uint16_t port, const struct flowlog_key *k, uint32_t bytes,
		     uint32_t now_s)
{
	if (!fl || port >= fl->n_ports)
		return;
	struct fl_port *fp = &fl->ports[port];
	struct fl_rec *r = fp->recs ? fl_slot(fp->recs, fp->slots, k) : NULL;
	if (!r || !r->used) {
		if (!fl_room(fp)) {
			fp->skipped = 1;
			return;
		}
		r = fl_slot(fp->recs, fp->slots, k); /* the array may have moved */
		r->used = 1;
		r->k = *k;
		r->start = now_s;
		fp->n++;
	}
	r->packets++;
	r->bytes += bytes;
	r->end = now_s;
}

void flowlog_eni_id(const char *lab, const char *name, char out[24])
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over "lab/name" */
	for (const char *s = lab; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	h = (h ^ '/') * 1099511628211ull;
	for (const char *s = name; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	snprintf(out, 24, "eni-%01x%016llx", (unsigned)(h >> 60) ^ 0xa, (unsigned long long)h);
}

void flowlog_flush(struct flowlog *fl, const struct vl_tables *t, uint32_t now_s,
		   void (*emit)(void *ctx, uint16_t port, const char *line), void *ctx)
{
	char line[256], eni[24], a[16], b[16];
	uint32_t start = fl->window_start ? fl->window_start : now_s;
	for (uint16_t p = 0; p < fl->n_ports && p < t->n_ports; p++) {
		if (t->ports[p].kind != VL_PORT_INSTANCE || !vl_port_used(&t->ports[p]))
			continue;
		struct fl_port *fp = &fl->ports[p];
		flowlog_eni_id(t->lab, t->ports[p].name, eni);
		if (fp->n == 0) {
			snprintf(line, sizeof(line), "2 %s %s - - - - - - - %u %u - NODATA", FLOWLOG_ACCOUNT, eni,
				 start, now_s);
			emit(ctx, p, line);
		}
		for (uint32_t i = 0; i < fp->slots && fp->n; i++) {
			const struct fl_rec *r = &fp->recs[i];
			if (!r->used)
				continue;
			snprintf(line, sizeof(line), "2 %s %s %s %s %u %u %u %llu %llu %u %u %s %s",
				 FLOWLOG_ACCOUNT, eni, addr_fmt(r->k.src, a), addr_fmt(r->k.dst, b), r->k.sport,
				 r->k.dport, r->k.proto, (unsigned long long)r->packets,
				 (unsigned long long)r->bytes, r->start, r->end, r->k.reject ? "REJECT" : "ACCEPT",
				 fp->skipped ? "SKIPDATA" : "OK");
			emit(ctx, p, line);
		}
		free(fp->recs);
		memset(fp, 0, sizeof(*fp));
	}
	fl->window_start = now_s;
}
