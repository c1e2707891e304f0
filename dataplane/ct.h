/* Connection tracking, a table per interface as AWS security groups track flows per ENI, all of
 * them views of one lab-wide pool that grows on demand up to a limit (ARCHITECTURE "Scale by
 * design"): a lab at rest holds no entries. Keys are canonical (lower endpoint first) so both
 * directions of a flow find the same entry. Time is the caller's `now` in nanoseconds: nothing
 * here reads a clock. Timeouts follow AWS where documented (reference 4.5), DESIGN otherwise. */
#ifndef VPCLAB_CT_H
#define VPCLAB_CT_H

#include <stdbool.h>
#include <stdint.h>

#include "frag.h"
#include "pkt.h"

#define NS_PER_S 1000000000ull

/* Idle timeouts in seconds. */
#define CT_TCP_ESTABLISHED_S 432000u /* AWS default: 5 days */
/* AWS documents no TCP timeout but the established one; the others are DESIGN, from Linux's
 * nf_conntrack defaults: SYN_SENT 120 s, FIN_WAIT 120 s, CLOSE 10 s. A RST frees the entry at
 * once (nothing more can come on that connection), and under pressure the closing and
 * half-open entries are the first to go (below), as Linux's early drop does, so these timeouts
 * only bound how long an idle lab keeps them. */
#define CT_TCP_HANDSHAKE_S 120u      /* DESIGN: SYN seen, not yet both ways (Linux syn_sent) */
#define CT_TCP_CLOSING_S 120u        /* DESIGN: a FIN seen, the close not acknowledged (fin_wait) */
#define CT_TCP_CLOSED_S 10u          /* DESIGN: both FINs and the last ACK seen (Linux close) */
#define CT_UDP_S 30u                 /* AWS: one direction or a single request/response */
#define CT_UDP_STREAM_S 180u         /* AWS: more than one request/response */
#define CT_ICMP_S 30u                /* DESIGN (AWS: undocumented) */
#define CT_OTHER_S 600u              /* AWS: other protocols, (IP pair, protocol) */

enum ct_tcp_state {
	CT_NONE,        /* not TCP */
	CT_SYN_SENT,    /* originator's SYN seen */
	CT_SYN_RECV,    /* SYN-ACK seen */
	CT_ESTABLISHED,
	CT_FIN_WAIT,    /* one side sent FIN */
	CT_CLOSING,     /* both sides sent FIN */
	CT_CLOSED,      /* the last FIN acknowledged; a new SYN starts over (rules evaluated again).
			 * A RST does not stay here: it gives the entry back at once. */
};

enum ct_dir { CT_ORIG = 0, CT_REPLY = 1 };

struct ct_key {
	uint32_t ip[2];          /* canonical: (ip[0],port[0]) <= (ip[1],port[1]) */
	uint16_t port[2];
	uint8_t proto;
};

struct ct_entry {
	struct ct_key key;
	uint8_t orig_side;       /* which key side (0/1) sent the first packet */
	uint8_t state;           /* enum ct_tcp_state */
	uint8_t fin_seen;        /* bit per direction */
	uint8_t fin_last;        /* the direction whose FIN came second (CLOSING awaits the other's ACK) */
	uint8_t ev_kind;         /* which eviction list of its opener holds it (ct.c), 0: none */
	uint8_t in_use;
	uint8_t pickup;          /* tracked from mid-stream: established once the other side answers */
	uint8_t untracked;       /* 1: AWS would not track this flow (reference 4.4; sg.c decides when
				  * it starts): rules, not state, admit its packets there, so a rule
				  * change judges it again (sg_recheck) and may cut it */
	uint32_t rule;           /* sg_rules index that admitted the flow (for flows/trace) */
	uint8_t rule_dir;        /* 0 ingress, 1 egress: which side of the SG admitted it */
	uint16_t port;           /* the interface whose table holds it */
	uint16_t charge;         /* the interface that opened the flow (fairness, below) */
	uint32_t next;           /* hash chain / free list: entry index + 1 */
	uint32_t ev_prev, ev_next; /* its opener's eviction list, oldest first: entry index + 1 */
	uint64_t created, last_seen;  /* ns */
	uint64_t packets[2], bytes[2]; /* per enum ct_dir */
};

/* Later fragments carry no ports: they belong to the flow whose first fragment passed with the
 * same (source, destination, protocol, IP id). A small cache (frag.h) remembers that. */
#define CT_FRAG_SLOTS 256
#define CT_FRAG_S FRAG_TIMEOUT_S

/* The lab's pool. Entries live in chunks of CT_CHUNK that are allocated when the pool first needs
 * them and never move (flows are referred to by index), up to `limit` entries for the whole lab.
 * DESIGN: the default limit, 1,048,576 entries (about 100 MB when full), is what a Linux host of
 * a few GB gives nf_conntrack; VPCLAB_CT_LIMIT overrides it for the router (tests use a small
 * one). Fairness: a new flow is charged to the interface it came in from (the one that opened
 * it, at both ends of the path), and an interface may open a flow only while the entries charged
 * to it are fewer than the pool has free. One flooding interface thus stops at half the pool (a
 * quarter for flows tracked at both ends), k of them at k/(k+1): room always remains for the
 * others.
 * Under pressure (the opener at its share, or the pool at its limit) a new flow replaces an old
 * one instead of being refused, as Linux's conntrack early drop does: the oldest evictable entry
 * of the heaviest opener (the interface charged with the most entries, when it holds more than
 * the new flow's opener), else of the opener itself. Evictable are a finished TCP flow's entry
 * (both FINs seen) first, then a half-open one (SYN_SENT or SYN_RECV, which includes flows picked
 * up mid-stream that the other side has not answered); never an established flow, nor UDP, ICMP
 * or other protocols (they have short timeouts of their own). Each opener keeps its evictable
 * entries on two lists in the order they became evictable, so an eviction is one list head and
 * one hash-chain unlink, whatever the pool holds. A flood thus recycles its own half-open
 * entries, and a client of its target that reaches its own share takes the flooder's until it
 * holds as many. A flow for which no entry can be evicted (or whose only candidate is its own
 * entry at the other end of its path, tracked a stage earlier) is refused: DROP_CT_FULL, counted
 * at the interface it was charged to. */
#define CT_LIMIT_DEFAULT 1048576u
#define CT_LIMIT_MAX (1u << 26)
#define CT_CHUNK 1024u           /* entries allocated at a time (about 96 KB) */
struct ct_pool;

/* One interface's connection table: a hash index over its entries in the pool, allocated at
 * its first flow and doubled as it grows (on insertion only). Owned by the pool. */
struct ct_table;

struct ct_stats {
	uint32_t used;           /* entries in the interface's table */
	uint32_t charged;        /* entries it opened, in its table or at the other end */
	uint64_t full;           /* flows it opened that were refused (DROP_CT_FULL) */
	uint64_t evicted;        /* entries it opened that were evicted to make room (above) */
};

/* A pool for n_ports interfaces of at most limit entries (0: CT_LIMIT_DEFAULT); nothing but the
 * per-interface views is allocated until flows arrive. NULL + errno (EINVAL: limit too large). */
struct ct_pool *ct_pool_create(uint16_t n_ports, uint32_t limit);
void ct_pool_destroy(struct ct_pool *pool);
/* Room for n_ports interfaces (an apply added some): the new tables are empty. Tables move, so
 * no struct ct_table pointer may be kept across it (nothing keeps one past a loop turn).
 * 0, or -ENOMEM with the pool unchanged. */
int ct_pool_grow(struct ct_pool *pool, uint16_t n_ports);
/* A private view of pool for a live trace, which must change nothing of the router's: it
 * starts empty but for pool's counters (so limits and fairness decide as in pool), and a
 * lookup that misses copies the flow of that key from pool at that moment (once per key and
 * table). Its cost is what the trace touches, not what pool holds. pool must outlive the
 * clone and stay unchanged while the clone is used. ct_pool_used of the clone counts pool's
 * flows too; ct_stats of its tables, and ct_foreach/ct_sweep, only the copied and new ones.
 * NULL + errno. */
struct ct_pool *ct_pool_clone(const struct ct_pool *pool);
/* The table of interface port (< n_ports): owned by the pool. */
struct ct_table *ct_port(struct ct_pool *pool, uint16_t port);
const struct ct_table *ct_port_const(const struct ct_pool *pool, uint16_t port);
uint32_t ct_pool_used(const struct ct_pool *pool);
void ct_stats(const struct ct_table *ct, struct ct_stats *st);
uint32_t ct_pool_limit(const struct ct_pool *pool);
/* What evictions have cost so far: entries visited (list heads and hash-chain links), for tests
 * that check it stays bounded per eviction. */
uint64_t ct_pool_evict_work(const struct ct_pool *pool);

/* Entry idx (from ct_lookup/ct_insert of any table of the pool). */
struct ct_entry *ct_entry_at(const struct ct_table *ct, int32_t idx);

/* Calls fn for every live (not expired at now) entry of table ct, in no particular order.
 * fn must not change the table. */
void ct_foreach(const struct ct_table *ct, uint64_t now,
		void (*fn)(const struct ct_entry *e, void *arg), void *arg);

/* The same in slices: visits at most budget hash buckets of ct from *cursor (0 to begin) and
 * leaves *cursor where the next slice resumes. Returns true when the walk is complete. Between
 * slices the table may change: an entry present throughout is visited exactly once even when
 * the index doubles meanwhile (the cursor counts in bit-reversed order, as Redis's SCAN). */
bool ct_foreach_slice(const struct ct_table *ct, uint64_t now, uint32_t *cursor, uint32_t budget,
		      void (*fn)(const struct ct_entry *e, void *arg), void *arg);

/* The key of p (ICMP echo keyed by identifier; other ICMP and other protocols by address pair). */
void ct_key_of(const struct pkt *p, struct ct_key *k, int *side);

/* Finds p's live flow. Returns the entry index and sets *dir, or -1. An expired entry, or a
 * closed TCP entry meeting a fresh SYN, is removed and reported absent, so the caller evaluates
 * rules again as for a new connection. */
int32_t ct_lookup(struct ct_table *ct, const struct pkt *p, uint64_t now, enum ct_dir *dir);

/* Starts tracking p as the first packet of a flow (p's sender is the originator), charged to
 * p->in_port. Under pressure it evicts one entry first (above). Returns the entry index, or
 * -ENOSPC when the pool is full or the opener has reached its share and nothing could be
 * evicted (-ENOMEM: no memory for a new chunk): the caller drops as DROP_CT_FULL. The only
 * function here that allocates. */
int32_t ct_insert(struct ct_table *ct, const struct pkt *p, uint64_t now);

/* Accounts p on entry idx and advances the TCP state machine. Returns false when p was a RST:
 * the flow is over and its entry already given back (idx no longer names it). */
bool ct_update(struct ct_table *ct, int32_t idx, const struct pkt *p, enum ct_dir dir, uint64_t now);

/* True when entry idx has been idle past its timeout at now. */
bool ct_expired(const struct ct_table *ct, int32_t idx, uint64_t now);
uint64_t ct_timeout_ns(const struct ct_entry *e);

/* Frees the pool's expired entries, looking at most at budget entries from where the last
 * sweep stopped (bounded work per loop turn; the whole pool over time). Returns how many
 * entries were freed. */
uint32_t ct_sweep(struct ct_pool *pool, uint64_t now, uint32_t budget);

/* Removes every entry of table ct and gives back its index. */
void ct_flush(struct ct_table *ct);

const char *ct_state_name(enum ct_tcp_state s);



/* Remembers that the first fragment p belongs to flow idx. */
void ct_frag_note(struct ct_table *ct, const struct pkt *p, int32_t idx, uint64_t now);
/* The flow of later fragment p, or -1 (its first fragment was not seen passing here). */
int32_t ct_frag_flow(struct ct_table *ct, const struct pkt *p, uint64_t now);

/* Removes every entry for which drop(entry, arg) is true. Returns how many. */
uint32_t ct_flush_if(struct ct_table *ct, bool (*drop)(struct ct_entry *e, void *arg), void *arg);

#endif
