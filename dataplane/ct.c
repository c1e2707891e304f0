/* Connection tracking (ct.h): one lab-wide pool of entries in chunks that never move, and per
 * interface a chained hash over that interface's entries (AWS tracks flows per ENI). Used by
 * sg.c on both sides of every packet. Only a new flow may allocate (a chunk, a larger index); a
 * full pool or an exhausted share first evicts a finished or half-open entry (ct.h), and is
 * DROP_CT_FULL for the new flow only when there is none. The TCP state machine decides timeouts,
 * eviction lists and when a closed flow may start over; it never drops a packet itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ct.h"

#define CT_BUCKETS_MIN 16u

/* An opener's eviction lists (ct.h), in the order they are tried; ct_entry.ev_kind is EV_x + 1. */
enum { EV_DONE, EV_HALF, EV_LISTS };

/* The fragment slots of a table that has no flow: all empty, never written (ct_frag_note only
 * runs for a flow of the table, and a table gets slots of its own with its first flow). */
static struct frag_slot ct_no_frags[CT_FRAG_SLOTS];

struct ct_table {
	struct ct_pool *pool;
	struct frag_slot *frags;   /* CT_FRAG_SLOTS: ct_no_frags until the table's first flow */
	uint32_t *buckets;       /* entry index + 1; 0 = empty; NULL before the first flow */
	uint32_t mask;           /* buckets - 1 (0 without buckets) */
	uint32_t used;           /* entries in this table */
	uint32_t charged;        /* entries this interface opened (here or at the other end) */
	uint64_t full;           /* flows it opened that were refused */
	uint64_t evicted;        /* entries it opened that were evicted */
	uint32_t ev_head[EV_LISTS], ev_tail[EV_LISTS]; /* its evictable entries: index + 1 */
	uint16_t port;
};

struct ct_pool {
	uint32_t limit;          /* entries at most */
	uint32_t used;           /* entries in use */
	uint32_t top;            /* entries [0, top) have been handed out at least once */
	uint32_t free_head;      /* freed entries: index + 1; 0 = none (then top grows) */
	uint32_t sweep_pos;      /* next entry the sweep looks at */
	uint32_t n_chunks;       /* room in chunks[] */
	uint16_t n_ports;
	uint16_t hog;            /* the opener last seen charged with the most entries */
	uint64_t evict_work;     /* entries visited by evictions */
	struct ct_entry **chunks; /* CT_CHUNK entries each, NULL until the pool reaches them */
	struct ct_table *ports;  /* n_ports tables */
	const struct ct_pool *parent; /* a trace's view (ct_pool_clone): flows are copied from here */
	struct ct_seen *seen;    /* the (table, key)s already looked for in parent */
	uint32_t n_seen, cap_seen;
};

struct ct_seen {
	struct ct_key key;
	uint16_t port;
};

static uint32_t bit_reverse32(uint32_t v)
{
	v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
	v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
	v = ((v >> 4) & 0x0f0f0f0fu) | ((v & 0x0f0f0f0fu) << 4);
	v = ((v >> 8) & 0x00ff00ffu) | ((v & 0x00ff00ffu) << 8);
	return (v >> 16) | (v << 16);
}

static inline struct ct_entry *pool_entry(const struct ct_pool *pool, uint32_t idx)
{
	return &pool->chunks[idx / CT_CHUNK][idx % CT_CHUNK];
}

struct ct_entry *ct_entry_at(const struct ct_table *ct, int32_t idx)
{
	return pool_entry(ct->pool, (uint32_t)idx);
}

static void ct_table_wire(struct ct_pool *pool, uint16_t i)
{
	pool->ports[i].pool = pool;
	pool->ports[i].port = i;
	pool->ports[i].frags = ct_no_frags;
}

/* Gives back what the table's flows made it allocate: its index and fragment slots. */
static void ct_table_free(struct ct_table *ct)
{
	free(ct->buckets);
	ct->buckets = NULL;
	ct->mask = 0;
	if (ct->frags != ct_no_frags)
		free(ct->frags);
	ct->frags = ct_no_frags;
}

/* The pool's shell: limits, an empty chunk directory, the tables. NULL + errno. */
static struct ct_pool *pool_alloc(uint16_t n_ports, uint32_t limit)
{
	struct ct_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->limit = limit;
	pool->n_ports = n_ports;
	pool->n_chunks = (limit + CT_CHUNK - 1) / CT_CHUNK;
	size_t np = n_ports ? n_ports : 1;
	pool->chunks = calloc(pool->n_chunks, sizeof(*pool->chunks));
	pool->ports = calloc(np, sizeof(*pool->ports));
	if (!pool->chunks || !pool->ports) {
		ct_pool_destroy(pool);
		errno = ENOMEM;
		return NULL;
	}
	for (uint16_t i = 0; i < n_ports; i++)
		ct_table_wire(pool, i);
	return pool;
}

struct ct_pool *ct_pool_create(uint16_t n_ports, uint32_t limit)
{
	if (limit == 0)
		limit = CT_LIMIT_DEFAULT;
	if (limit > CT_LIMIT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	return pool_alloc(n_ports, limit);
}

int ct_pool_grow(struct ct_pool *pool, uint16_t n_ports)
{
	if (n_ports <= pool->n_ports)
		return 0;
	struct ct_table *ports = calloc(n_ports, sizeof(*ports));
	if (!ports)
		return -ENOMEM;
	memcpy(ports, pool->ports, pool->n_ports * sizeof(*ports));
	free(pool->ports);
	pool->ports = ports;
	for (uint16_t i = pool->n_ports; i < n_ports; i++)
		ct_table_wire(pool, i);
	pool->n_ports = n_ports;
	return 0;
}

void ct_pool_destroy(struct ct_pool *pool)
{
	if (!pool)
		return;
	for (uint32_t c = 0; pool->chunks && c < pool->n_chunks; c++)
		free(pool->chunks[c]);
	for (uint16_t i = 0; pool->ports && i < pool->n_ports; i++)
		ct_table_free(&pool->ports[i]);
	free(pool->chunks);
	free(pool->ports);
	free(pool->seen);
	free(pool);
}

struct ct_table *ct_port(struct ct_pool *pool, uint16_t port)
{
	return &pool->ports[port];
}

const struct ct_table *ct_port_const(const struct ct_pool *pool, uint16_t port)
{
	return &pool->ports[port];
}

uint32_t ct_pool_used(const struct ct_pool *pool)
{
	return pool->used;
}

uint32_t ct_pool_limit(const struct ct_pool *pool)
{
	return pool->limit;
}

uint64_t ct_pool_evict_work(const struct ct_pool *pool)
{
	return pool->evict_work;
}

void ct_stats(const struct ct_table *ct, struct ct_stats *st)
{
	*st = (struct ct_stats){.used = ct->used, .charged = ct->charged, .full = ct->full,
				.evicted = ct->evicted};
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

static uint32_t *ct_bucket(const struct ct_table *ct, const struct ct_key *k)
{
	return &ct->buckets[ct_hash(k) & ct->mask];
}

/* Which eviction list entry e belongs on (EV_x + 1), 0 for none: finished TCP flows and
 * half-open ones; established ones, FIN_WAIT (half-closed: data may still flow the other way)
 * and other protocols never. */
static uint8_t ev_kind_of(const struct ct_entry *e)
{
	if (e->key.proto != IPPROTO_TCP_)
		return 0;
	switch (e->state) {
	case CT_SYN_SENT:
	case CT_SYN_RECV: return EV_HALF + 1;
	case CT_CLOSING:
	case CT_CLOSED: return EV_DONE + 1;
	default: return 0;
	}
}

/* Takes entry idx off its opener's eviction list, if it is on one. */
static void ev_unlink(struct ct_pool *pool, uint32_t idx)
{
	struct ct_entry *e = pool_entry(pool, idx);
	if (!e->ev_kind)
		return;
	struct ct_table *t = &pool->ports[e->charge];
	unsigned k = e->ev_kind - 1u;
	if (e->ev_prev)
		pool_entry(pool, e->ev_prev - 1)->ev_next = e->ev_next;
	else
		t->ev_head[k] = e->ev_next;
	if (e->ev_next)
		pool_entry(pool, e->ev_next - 1)->ev_prev = e->ev_prev;
	else
		t->ev_tail[k] = e->ev_prev;
	e->ev_prev = e->ev_next = 0;
	e->ev_kind = 0;
}

/* Puts entry idx on the list its state calls for (at the tail: the newest), if that changed. */
static void ev_sync(struct ct_pool *pool, uint32_t idx)
{
	struct ct_entry *e = pool_entry(pool, idx);
	uint8_t kind = ev_kind_of(e);
	if (kind == e->ev_kind)
		return;
	ev_unlink(pool, idx);
	if (!kind)
		return;
	struct ct_table *t = &pool->ports[e->charge];
	unsigned k = kind - 1u;
	e->ev_kind = kind;
	e->ev_prev = t->ev_tail[k];
	e->ev_next = 0;
	if (t->ev_tail[k])
		pool_entry(pool, t->ev_tail[k] - 1)->ev_next = idx + 1;
	else
		t->ev_head[k] = idx + 1;
	t->ev_tail[k] = idx + 1;
}

/* Returns entry idx (already unlinked from its chain) to the pool's free list. */
static void pool_free(struct ct_pool *pool, uint32_t idx)
{
	struct ct_entry *e = pool_entry(pool, idx);
	ev_unlink(pool, idx);
	pool->ports[e->port].used--;
	pool->ports[e->charge].charged--;
	pool->used--;
	memset(e, 0, sizeof(*e));
	e->next = pool->free_head;
	pool->free_head = idx + 1;
}

/* Unlinks the entry that *link points at and frees it. */
static void ct_unlink(struct ct_table *ct, uint32_t *link)
{
	uint32_t idx = *link - 1;
	*link = pool_entry(ct->pool, idx)->next;
	pool_free(ct->pool, idx);
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
	const struct ct_entry *e = ct_entry_at(ct, idx);
	return now > e->last_seen && now - e->last_seen > ct_timeout_ns(e);
}

static bool ct_restarts(const struct ct_entry *e, const struct pkt *p)
{
	bool syn = (p->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) == TCPF_SYN;
	return e->key.proto == IPPROTO_TCP_ && syn && (e->state == CT_CLOSED || e->state == CT_CLOSING);
}

static void ct_copy_in(struct ct_table *ct, const struct ct_key *k);

int32_t ct_lookup(struct ct_table *ct, const struct pkt *p, uint64_t now, enum ct_dir *dir)
{
	struct ct_key k;
	int side;
	ct_key_of(p, &k, &side);
	if (ct->pool->parent)
		ct_copy_in(ct, &k);
	if (!ct->buckets)
		return -1;
	uint32_t *link = ct_bucket(ct, &k);
	while (*link) {
		int32_t idx = (int32_t)*link - 1;
		struct ct_entry *e = ct_entry_at(ct, idx);
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

/* A table's first flow: its index and fragment slots. 0 or -ENOMEM (then neither). */
static int ct_first(struct ct_table *ct)
{
	ct->buckets = calloc(CT_BUCKETS_MIN, sizeof(*ct->buckets));
	ct->frags = calloc(CT_FRAG_SLOTS, sizeof(*ct->frags));
	if (ct->buckets && ct->frags) {
		ct->mask = CT_BUCKETS_MIN - 1;
		return 0;
	}
	if (!ct->frags)
		ct->frags = ct_no_frags;
	ct_table_free(ct);
	return -ENOMEM;
}

/* Doubles ct's index (or creates it) once it holds as many entries as buckets. On failure the
 * old index stays: longer chains, still correct. */
static int ct_grow(struct ct_table *ct)
{
	if (!ct->buckets)
		return ct_first(ct);
	if (ct->used < ct->mask + 1)
		return 0;
	uint32_t nb = (ct->mask + 1) * 2;
	uint32_t *b = calloc(nb, sizeof(*b));
	if (!b)
		return 0;
	for (uint32_t i = 0; i <= ct->mask; i++) {
		uint32_t at = ct->buckets[i];
		while (at) {
			struct ct_entry *e = pool_entry(ct->pool, at - 1);
			uint32_t next = e->next;
			uint32_t *head = &b[ct_hash(&e->key) & (nb - 1)];
			e->next = *head;
			*head = at;
			at = next;
		}
	}
	free(ct->buckets);
	ct->buckets = b;
	ct->mask = nb - 1;
	return 0;
}

/* A fresh entry: a freed one, else the next one past top (with a new chunk at each CT_CHUNK).
 * -ENOMEM when that chunk cannot be had. */
static int64_t pool_take(struct ct_pool *pool)
{
	if (pool->free_head) {
		uint32_t idx = pool->free_head - 1;
		pool->free_head = pool_entry(pool, idx)->next;
		return idx;
	}
	uint32_t c = pool->top / CT_CHUNK;
	if (!pool->chunks[c]) {
		pool->chunks[c] = calloc(CT_CHUNK, sizeof(struct ct_entry));
		if (!pool->chunks[c])
			return -ENOMEM;
	}
	return pool->top++;
}

/* The fairness rule (ct.h): the opener's charged entries must stay below what is free. */
static bool pool_admits(const struct ct_pool *pool, const struct ct_table *opener)
{
	uint32_t free_now = pool->limit - pool->used;
	return free_now > 0 && opener->charged < free_now;
}

static bool ev_any(const struct ct_table *t)
{
	return t->ev_head[EV_DONE] || t->ev_head[EV_HALF];
}

/* The oldest evictable entry opened by t: finished before half-open. */
static uint32_t ev_oldest(const struct ct_table *t)
{
	return (t->ev_head[EV_DONE] ? t->ev_head[EV_DONE] : t->ev_head[EV_HALF]) - 1;
}

/* Frees entry idx, the oldest evictable one opened by victim: its hash chain up to it, whatever
 * the pool holds. */
static void ev_evict(struct ct_pool *pool, struct ct_table *victim, uint32_t idx)
{
	struct ct_table *home = &pool->ports[pool_entry(pool, idx)->port];
	uint32_t *link = ct_bucket(home, &pool_entry(pool, idx)->key);
	pool->evict_work++;
	while (*link != idx + 1) {
		link = &pool_entry(pool, *link - 1)->next;
		pool->evict_work++;
	}
	ct_unlink(home, link);
	victim->evicted++;
}

/* Under pressure (ct.h): makes room by evicting from the heaviest opener when it holds more
 * than this one, else from this one. False when neither has an evictable entry, or when the
 * only one is the entry of this very flow at its other end (p's first packet, tracked a stage
 * earlier): evicting it would cut the flow in silence, refusing it is counted. */
static bool pool_make_room(struct ct_pool *pool, struct ct_table *opener, const struct pkt *p)
{
	struct ct_table *hog = &pool->ports[pool->hog];
	struct ct_table *victim = hog != opener && hog->charged > opener->charged && ev_any(hog)
					  ? hog
					  : opener;
	if (!ev_any(victim))
		return false;
	uint32_t idx = ev_oldest(victim);
	struct ct_key k;
	int side;
	ct_key_of(p, &k, &side);
	if (ct_key_eq(&pool_entry(pool, idx)->key, &k))
		return false;
	ev_evict(pool, victim, idx);
	return true;
}

int32_t ct_insert(struct ct_table *ct, const struct pkt *p, uint64_t now)
{
	struct ct_pool *pool = ct->pool;
	struct ct_table *opener = p->in_port < pool->n_ports ? &pool->ports[p->in_port] : ct;
	/* after an eviction the new flow takes the freed entry: the pool does not grow */
	if (!pool_admits(pool, opener) && !pool_make_room(pool, opener, p)) {
		opener->full++;
		return -ENOSPC;
	}
	int rc = ct_grow(ct);
	int64_t got = rc < 0 ? rc : pool_take(pool);
	if (got < 0) {
		opener->full++;
		return (int32_t)got;
	}
	uint32_t idx = (uint32_t)got;
	struct ct_entry *e = pool_entry(pool, idx);
	int side;
	memset(e, 0, sizeof(*e));
	ct_key_of(p, &e->key, &side);
	e->orig_side = (uint8_t)side;
	e->in_use = 1;
	e->port = ct->port;
	e->charge = opener->port;
	e->created = e->last_seen = now;
	if (p->proto == IPPROTO_TCP_) {
		bool syn = (p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN;
		/* A flow picked up mid-stream (e.g. after its entry expired) gets the handshake
		 * timeout until the other side answers: a stream of bare ACKs from one sender must
		 * not fill the table with 5-day entries. */
		e->state = syn ? CT_SYN_SENT : CT_SYN_RECV;
		e->pickup = !syn;
	}
	uint32_t *bucket = ct_bucket(ct, &e->key);
	e->next = *bucket;
	*bucket = idx + 1;
	ct->used++;
	opener->charged++;
	pool->used++;
	if (opener->charged > pool->ports[pool->hog].charged)
		pool->hog = opener->port;
	ev_sync(pool, idx);
	return (int32_t)idx;
}

static void ct_tcp_advance(struct ct_entry *e, uint8_t flags, enum ct_dir dir)
{
	if (flags & TCPF_RST) {
		e->state = CT_CLOSED;
		return;
	}
	if (e->state == CT_CLOSING && (flags & (TCPF_ACK | TCPF_FIN | TCPF_SYN)) == TCPF_ACK &&
	    dir != e->fin_last) {
		e->state = CT_CLOSED; /* the last ACK: the close is complete */
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
		uint8_t before = e->fin_seen;
		e->fin_seen |= (uint8_t)(1u << dir);
		if (e->fin_seen == 3 && before != 3) {
			e->state = CT_CLOSING;
			e->fin_last = (uint8_t)dir;
		}
		else if (e->state == CT_ESTABLISHED || e->state == CT_SYN_RECV)
			e->state = CT_FIN_WAIT;
	}
}

/* Unlinks and frees entry idx of table ct: its chain is found again from its key. */
static void ct_remove(struct ct_table *ct, uint32_t idx)
{
	uint32_t *link = ct_bucket(ct, &pool_entry(ct->pool, idx)->key);
	while (*link && *link != idx + 1)
		link = &pool_entry(ct->pool, *link - 1)->next;
	if (*link)
		ct_unlink(ct, link);
}

bool ct_update(struct ct_table *ct, int32_t idx, const struct pkt *p, enum ct_dir dir, uint64_t now)
{
	struct ct_entry *e = ct_entry_at(ct, idx);
	e->packets[dir]++;
	e->bytes[dir] += p->len > ETH_HLEN_ ? p->len - ETH_HLEN_ : 0;
	if (now > e->last_seen)
		e->last_seen = now;
	if (e->key.proto != IPPROTO_TCP_ || !(p->flags & PKT_L4))
		return true;
	ct_tcp_advance(e, p->tcp_flags, dir);
	if (p->tcp_flags & TCPF_RST) {
		/* nothing more can come on a reset connection: its entry is free at once */
		ct_remove(ct, (uint32_t)idx);
		return false;
	}
	ev_sync(ct->pool, (uint32_t)idx);
	return true;
}

uint32_t ct_sweep(struct ct_pool *pool, uint64_t now, uint32_t budget)
{
	uint32_t freed = 0;
	if (pool->top == 0)
		return 0;
	for (uint32_t n = 0; n < budget && n < pool->top; n++) {
		uint32_t idx = pool->sweep_pos;
		pool->sweep_pos = idx + 1 < pool->top ? idx + 1 : 0;
		struct ct_table *ct = &pool->ports[pool_entry(pool, idx)->port];
		if (pool_entry(pool, idx)->in_use && ct_expired(ct, (int32_t)idx, now)) {
			ct_remove(ct, idx);
			freed++;
		}
	}
	return freed;
}

uint32_t ct_flush_if(struct ct_table *ct, bool (*drop)(struct ct_entry *e, void *arg), void *arg)
{
	uint32_t freed = 0;
	for (uint32_t b = 0; ct->buckets && b <= ct->mask; b++) {
		uint32_t *link = &ct->buckets[b];
		while (*link) {
			struct ct_entry *e = pool_entry(ct->pool, *link - 1);
			if (!drop || drop(e, arg)) {
				ct_unlink(ct, link);
				freed++;
			} else {
				link = &e->next;
			}
		}
	}
	return freed;
}

void ct_flush(struct ct_table *ct)
{
	ct_flush_if(ct, NULL, NULL);
	ct_table_free(ct);
}

void ct_foreach(const struct ct_table *ct, uint64_t now,
		void (*fn)(const struct ct_entry *e, void *arg), void *arg)
{
	for (uint32_t b = 0; ct->buckets && b <= ct->mask; b++) {
		for (uint32_t at = ct->buckets[b]; at; at = pool_entry(ct->pool, at - 1)->next) {
			if (!ct_expired(ct, (int32_t)(at - 1), now))
				fn(pool_entry(ct->pool, at - 1), arg);
		}
	}
}

const char *ct_state_name(enum ct_tcp_state s)
{
	static const char *const names[] = {"-", "SYN_SENT", "SYN_RECV", "ESTABLISHED",
					    "FIN_WAIT", "CLOSING", "CLOSED"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

bool ct_foreach_slice(const struct ct_table *ct, uint64_t now, uint32_t *cursor, uint32_t budget,
		      void (*fn)(const struct ct_entry *e, void *arg), void *arg)
{
	if (!ct->buckets) {
		*cursor = 0;
		return true;
	}
	uint32_t v = *cursor, m = ct->mask;
	for (uint32_t n = 0; n < budget; n++) {
		for (uint32_t at = ct->buckets[v & m]; at; at = pool_entry(ct->pool, at - 1)->next)
			if (!ct_expired(ct, (int32_t)(at - 1), now))
				fn(pool_entry(ct->pool, at - 1), arg);
		/* The next bucket in bit-reversed order: buckets an index doubling splits this
		 * one into come after every bucket already visited. */
		v |= ~m;
		v = bit_reverse32(bit_reverse32(v) + 1);
		if (v == 0) {
			*cursor = 0;
			return true;
		}
	}
	*cursor = v;
	return false;
}

/* The entry of key k in table ct, or -1 (whether expired or not). */
static int32_t ct_find(const struct ct_table *ct, const struct ct_key *k)
{
	if (!ct->buckets)
		return -1;
	for (uint32_t at = *ct_bucket(ct, k); at; at = pool_entry(ct->pool, at - 1)->next)
		if (ct_key_eq(&pool_entry(ct->pool, at - 1)->key, k))
			return (int32_t)at - 1;
	return -1;
}

/* A trace's view: the parent's flow of key k in table ct, copied in the first time the key is
 * looked for there (later the view's own copy, or its removal, is what counts). It is already
 * counted in the pool's and its opener's numbers, which the view copied. */
static void ct_copy_in(struct ct_table *ct, const struct ct_key *k)
{
	struct ct_pool *pool = ct->pool;
	for (uint32_t i = 0; i < pool->n_seen; i++)
		if (pool->seen[i].port == ct->port && ct_key_eq(&pool->seen[i].key, k))
			return;
	if (pool->n_seen == pool->cap_seen) {
		uint32_t cap = pool->cap_seen ? pool->cap_seen * 2 : 16;
		struct ct_seen *ns = realloc(pool->seen, cap * sizeof(*ns));
		if (!ns)
			return;
		pool->seen = ns;
		pool->cap_seen = cap;
	}
	pool->seen[pool->n_seen++] = (struct ct_seen){.key = *k, .port = ct->port};
	const struct ct_table *from = &pool->parent->ports[ct->port];
	int32_t src = ct_find(from, k);
	if (src < 0 || ct_grow(ct) < 0)
		return;
	int64_t got = pool_take(pool);
	if (got < 0)
		return;
	struct ct_entry *e = pool_entry(pool, (uint32_t)got);
	*e = *pool_entry(pool->parent, (uint32_t)src);
	e->ev_kind = 0; /* its list links are the parent's: in the view it is on no list yet */
	e->ev_prev = e->ev_next = 0;
	uint32_t *bucket = ct_bucket(ct, k);
	e->next = *bucket;
	*bucket = (uint32_t)got + 1;
	ct->used++;
}

struct ct_pool *ct_pool_clone(const struct ct_pool *pool)
{
	struct ct_pool *c = pool_alloc(pool->n_ports, pool->limit);
	if (!c)
		return NULL;
	c->parent = pool;
	c->used = pool->used;
	c->hog = pool->hog;
	for (uint16_t i = 0; i < pool->n_ports; i++) {
		c->ports[i].charged = pool->ports[i].charged;
		c->ports[i].full = pool->ports[i].full;
		c->ports[i].evicted = pool->ports[i].evicted;
	}
	return c;
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
	const struct ct_entry *e = ct_entry_at(ct, f->flow);
	bool same = e->key.proto == p->proto && ((e->key.ip[0] == p->src && e->key.ip[1] == p->dst) ||
						 (e->key.ip[1] == p->src && e->key.ip[0] == p->dst));
	if (!e->in_use || !same || e->port != ct->port || ct_expired(ct, f->flow, now))
		return -1; /* the entry was freed, or reused by another flow */
	return f->flow;
}
