/* Connection tracking tables, one per interface (AWS tracks flows per ENI). Used by sg.c on both
 * sides of every packet. A fixed pool of entries and a chained hash over it: nothing allocates
 * after ct_create, a full table is DROP_CT_FULL for the new flow only. The TCP state machine only
 * decides timeouts and when a closed flow may start over; it never drops a packet itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"

struct ct_table *ct_create(uint32_t capacity)
{
	if (capacity == 0 || capacity > (1u << 26)) {
		errno = EINVAL;
		return NULL;
	}
	struct ct_table *ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	uint32_t nb = 16;
	while (nb < capacity)
		nb <<= 1;
	ct->capacity = capacity;
	ct->mask = nb - 1;
	ct->buckets = calloc(nb, sizeof(*ct->buckets));
	ct->entries = calloc(capacity, sizeof(*ct->entries));
	if (!ct->buckets || !ct->entries) {
		ct_destroy(ct);
		errno = ENOMEM;
		return NULL;
	}
	ct_flush(ct);
	return ct;
}

void ct_destroy(struct ct_table *ct)
{
	if (!ct)
		return;
	free(ct->buckets);
	free(ct->entries);
	free(ct);
}

void ct_flush(struct ct_table *ct)
{
	memset(ct->frags, 0, sizeof(ct->frags));
	memset(ct->buckets, 0, (ct->mask + 1) * sizeof(*ct->buckets));
	memset(ct->entries, 0, ct->capacity * sizeof(*ct->entries));
	for (uint32_t i = 0; i < ct->capacity; i++)
		ct->entries[i].next = i + 2 <= ct->capacity ? i + 2 : 0;
	ct->free_head = 1;
	ct->used = 0;
	ct->sweep_pos = 0;
}

void ct_key_of(const struct pkt *p, struct ct_key *k, int *side)
{
	bool ports = (p->flags & PKT_L4) &&
		     (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_ || (p->flags & PKT_ECHO));
	uint16_t sp = ports ? p->sport : 0, dp = ports ? p->dport : 0;
	bool src_first = p->src < p->dst || (p->src == p->dst && sp <= dp);
	k->ip[0] = src_first ? p->src : p->dst;
	k->ip[1] = src_first ? p->dst : p->src;
	k->port[0] = src_first ? sp : dp;
	k->port[1] = src_first ? dp : sp;
	k->proto = p->proto;
	*side = src_first ? 0 : 1;
}

static uint32_t ct_hash(const struct ct_key *k)
{
	uint64_t h = (uint64_t)k->ip[0] * 0x9e3779b97f4a7c15ull;
	h ^= (uint64_t)k->ip[1] * 0xc2b2ae3d27d4eb4full;
	h ^= ((uint64_t)k->port[0] << 24 | (uint64_t)k->port[1] << 8 | k->proto) * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	return (uint32_t)h ^ (uint32_t)(h >> 32);
}

static bool ct_key_eq(const struct ct_key *a, const struct ct_key *b)
{
	return a->ip[0] == b->ip[0] && a->ip[1] == b->ip[1] && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1] && a->proto == b->proto;
}

/* Unlinks the entry that *link points at and returns it to the free list. */
static void ct_unlink(struct ct_table *ct, uint32_t *link)
{
	uint32_t idx = *link - 1;
	struct ct_entry *e = &ct->entries[idx];
	*link = e->next;
	memset(e, 0, sizeof(*e));
	e->next = ct->free_head;
	ct->free_head = idx + 1;
	ct->used--;
}

uint64_t ct_timeout_ns(const struct ct_entry *e)
{
	uint32_t s;
	switch (e->key.proto) {
	case IPPROTO_TCP_:
		switch (e->state) {
		case CT_ESTABLISHED: s = CT_TCP_ESTABLISHED_S; break;
		case CT_FIN_WAIT:
		case CT_CLOSING: s = CT_TCP_CLOSING_S; break;
		case CT_CLOSED: s = CT_TCP_CLOSED_S; break;
		default: s = CT_TCP_HANDSHAKE_S; break;
		}
		break;
	case IPPROTO_UDP_:
		s = e->packets[CT_REPLY] && e->packets[CT_ORIG] + e->packets[CT_REPLY] > 2 ? CT_UDP_STREAM_S
											    : CT_UDP_S;
		break;
	case IPPROTO_ICMP_: s = CT_ICMP_S; break;
	default: s = CT_OTHER_S; break;
	}
	return (uint64_t)s * NS_PER_S;
}

bool ct_expired(const struct ct_table *ct, int32_t idx, uint64_t now)
{
	const struct ct_entry *e = &ct->entries[idx];
	return now > e->last_seen && now - e->last_seen > ct_timeout_ns(e);
}

static bool ct_restarts(const struct ct_entry *e, const struct pkt *p)
{
	bool syn = (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
	return e->key.proto == IPPROTO_TCP_ && syn && (e->state == CT_CLOSED || e->state == CT_CLOSING);
}

int32_t ct_lookup(struct ct_table *ct, const struct pkt *p, uint64_t now, enum ct_dir *dir)
{
	struct ct_key k;
	int side;
	ct_key_of(p, &k, &side);
	uint32_t *link = &ct->buckets[ct_hash(&k) & ct->mask];
	while (*link) {
		int32_t idx = (int32_t)*link - 1;
		struct ct_entry *e = &ct->entries[idx];
		if (ct_key_eq(&e->key, &k)) {
			if (ct_expired(ct, idx, now) || ct_restarts(e, p)) {
				ct_unlink(ct, link);
				return -1;
			}
			*dir = side == e->orig_side ? CT_ORIG : CT_REPLY;
			return idx;
		}
		link = &e->next;
	}
	return -1;
}

int32_t ct_insert(struct ct_table *ct, const struct pkt *p, uint64_t now)
{
	if (!ct->free_head)
		return -ENOSPC;
	uint32_t idx = ct->free_head - 1;
	struct ct_entry *e = &ct->entries[idx];
	ct->free_head = e->next;
	int side;
	memset(e, 0, sizeof(*e));
	ct_key_of(p, &e->key, &side);
	e->orig_side = (uint8_t)side;
	e->in_use = 1;
	e->created = e->last_seen = now;
	if (p->proto == IPPROTO_TCP_) {
		bool syn = (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
		/* A flow picked up mid-stream (e.g. after its entry expired) gets the handshake
		 * timeout until the other side answers: a stream of bare ACKs from one sender must
		 * not fill the table with 5-day entries. */
		e->state = syn ? CT_SYN_SENT : CT_SYN_RECV;
		e->pickup = !syn;
	}
	uint32_t *bucket = &ct->buckets[ct_hash(&e->key) & ct->mask];
	e->next = *bucket;
	*bucket = idx + 1;
	ct->used++;
	return (int32_t)idx;
}

static void ct_tcp_advance(struct ct_entry *e, uint8_t flags, enum ct_dir dir)
{
	if (flags & TCPF_RST) {
		e->state = CT_CLOSED;
		return;
	}
	if ((flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) && dir == CT_REPLY &&
	    e->state == CT_SYN_SENT) {
		e->state = CT_SYN_RECV;
	} else if ((flags & TCPF_ACK) && !(flags & TCPF_SYN) && e->state == CT_SYN_RECV &&
		   dir == (e->pickup ? CT_REPLY : CT_ORIG)) {
		e->state = CT_ESTABLISHED;
		e->pickup = 0;
	}
	if (flags & TCPF_FIN) {
		e->fin_seen |= (uint8_t)(1u << dir);
		if (e->fin_seen == 3)
			e->state = CT_CLOSING;
		else if (e->state == CT_ESTABLISHED || e->state == CT_SYN_RECV)
			e->state = CT_FIN_WAIT;
	}
}

void ct_update(struct ct_table *ct, int32_t idx, const struct pkt *p, enum ct_dir dir, uint64_t now)
{
	struct ct_entry *e = &ct->entries[idx];
	e->packets[dir]++;
	e->bytes[dir] += p->len > ETH_HLEN_ ? p->len - ETH_HLEN_ : 0;
	if (now > e->last_seen)
		e->last_seen = now;
	if (e->key.proto == IPPROTO_TCP_ && (p->flags & PKT_L4))
		ct_tcp_advance(e, p->tcp_flags, dir);
}

uint32_t ct_sweep(struct ct_table *ct, uint64_t now, uint32_t budget)
{
	uint32_t freed = 0;
	for (uint32_t n = 0; n < budget && n <= ct->mask; n++) {
		uint32_t *link = &ct->buckets[ct->sweep_pos];
		while (*link) {
			int32_t idx = (int32_t)*link - 1;
			if (ct_expired(ct, idx, now)) {
				ct_unlink(ct, link);
				freed++;
			} else {
				link = &ct->entries[idx].next;
			}
		}
		ct->sweep_pos = (ct->sweep_pos + 1) & ct->mask;
	}
	return freed;
}

const char *ct_state_name(enum ct_tcp_state s)
{
	static const char *const names[] = {"-", "SYN_SENT", "SYN_RECV", "ESTABLISHED",
					    "FIN_WAIT", "CLOSING", "CLOSED"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

uint32_t ct_flush_if(struct ct_table *ct, bool (*drop)(const struct ct_entry *e, void *arg), void *arg)
{
	uint32_t freed = 0;
	for (uint32_t b = 0; b <= ct->mask; b++) {
		uint32_t *link = &ct->buckets[b];
		while (*link) {
			struct ct_entry *e = &ct->entries[*link - 1];
			if (drop(e, arg)) {
				ct_unlink(ct, link);
				freed++;
			} else {
				link = &e->next;
			}
		}
	}
	return freed;
}

void ct_frag_note(struct ct_table *ct, const struct pkt *p, int32_t idx, uint64_t now)
{
	frag_note(ct->frags, CT_FRAG_SLOTS, p, 0, now)->flow = idx;
}

int32_t ct_frag_flow(struct ct_table *ct, const struct pkt *p, uint64_t now)
{
	const struct frag_slot *f = frag_find(ct->frags, CT_FRAG_SLOTS, p, 0, now);
	if (!f || f->flow < 0)
		return -1;
	const struct ct_entry *e = &ct->entries[f->flow];
	bool same = e->key.proto == p->proto && ((e->key.ip[0] == p->src && e->key.ip[1] == p->dst) ||
						 (e->key.ip[1] == p->src && e->key.ip[0] == p->dst));
	if (!e->in_use || !same || ct_expired(ct, f->flow, now))
		return -1; /* the entry was freed, or reused by another flow */
	return f->flow;
}

struct ct_table *ct_clone(const struct ct_table *ct)
{
	struct ct_table *c = ct_create(ct->capacity);
	if (!c)
		return NULL;
	memcpy(c->buckets, ct->buckets, (ct->mask + 1) * sizeof(*c->buckets));
	memcpy(c->entries, ct->entries, ct->capacity * sizeof(*c->entries));
	memcpy(c->frags, ct->frags, sizeof(c->frags));
	c->used = ct->used;
	c->free_head = ct->free_head;
	c->sweep_pos = ct->sweep_pos;
	return c;
}
