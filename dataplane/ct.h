/* Connection tracking, one table per interface, as AWS security groups track flows per ENI.
 * Fixed capacity chosen at creation (a bounded pool: a full table is a named drop, never an
 * allocation on the packet path). Keys are canonical (lower endpoint first) so both directions
 * of a flow find the same entry. Time is the caller's `now` in nanoseconds: nothing here reads a
 * clock. Timeouts follow AWS where documented (reference 4.5), DESIGN choices otherwise. */
#ifndef VPCLAB_CT_H
#define VPCLAB_CT_H

#include <stdbool.h>
#include <stdint.h>

#include "frag.h"
#include "pkt.h"

#define NS_PER_S 1000000000ull

/* Idle timeouts in seconds. */
#define CT_TCP_ESTABLISHED_S 432000u /* AWS default: 5 days */
#define CT_TCP_HANDSHAKE_S 120u      /* DESIGN (AWS: undocumented) */
#define CT_TCP_CLOSING_S 120u        /* DESIGN: FIN seen */
#define CT_TCP_CLOSED_S 10u          /* DESIGN: after RST or both FINs acknowledged */
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
	CT_CLOSED,      /* RST, or closing finished; a new SYN starts over (rules evaluated again) */
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
	uint8_t in_use;
	uint8_t pickup;          /* tracked from mid-stream: established once the other side answers */
	uint32_t rule;           /* sg_rules index that admitted the flow (for flows/trace) */
	uint8_t rule_dir;        /* 0 ingress, 1 egress: which side of the SG admitted it */
	uint64_t created, last_seen;  /* ns */
	uint64_t packets[2], bytes[2]; /* per enum ct_dir */
	uint32_t next;           /* hash chain / free list */
};

/* Later fragments carry no ports: they belong to the flow whose first fragment passed with the
 * same (source, destination, protocol, IP id). A small cache (frag.h) remembers that. */
#define CT_FRAG_SLOTS 256
#define CT_FRAG_S FRAG_TIMEOUT_S

struct ct_table {
	struct frag_slot frags[CT_FRAG_SLOTS];
	uint32_t capacity, used;
	uint32_t mask;           /* buckets - 1 */
	uint32_t *buckets;       /* entry index + 1; 0 = empty */
	struct ct_entry *entries;
	uint32_t free_head;      /* entry index + 1; 0 = none */
	uint32_t sweep_pos;
};

/* capacity > 0. Returns NULL with errno set. */
struct ct_table *ct_create(uint32_t capacity);
void ct_destroy(struct ct_table *ct);
/* A deep copy (a live trace runs on copies, never on the router's own state). NULL + errno. */
struct ct_table *ct_clone(const struct ct_table *ct);

/* The key of p (ICMP echo keyed by identifier; other ICMP and other protocols by address pair). */
void ct_key_of(const struct pkt *p, struct ct_key *k, int *side);

/* Finds p's live flow. Returns the entry index and sets *dir, or -1. An expired entry, or a
 * closed TCP entry meeting a fresh SYN, is removed and reported absent, so the caller evaluates
 * rules again as for a new connection. */
int32_t ct_lookup(struct ct_table *ct, const struct pkt *p, uint64_t now, enum ct_dir *dir);

/* Starts tracking p as the first packet of a flow (p's sender is the originator).
 * Returns the entry index or -ENOSPC when the table is full. */
int32_t ct_insert(struct ct_table *ct, const struct pkt *p, uint64_t now);

/* Accounts p on entry idx and advances the TCP state machine. */
void ct_update(struct ct_table *ct, int32_t idx, const struct pkt *p, enum ct_dir dir, uint64_t now);

/* True when entry idx has been idle past its timeout at now. */
bool ct_expired(const struct ct_table *ct, int32_t idx, uint64_t now);
uint64_t ct_timeout_ns(const struct ct_entry *e);

/* Frees expired entries, visiting at most budget buckets from where the last sweep stopped.
 * Returns how many entries were freed. */
uint32_t ct_sweep(struct ct_table *ct, uint64_t now, uint32_t budget);

/* Removes every entry (e.g. an elastic IP moved: AWS drops the old mapping's connections). */
void ct_flush(struct ct_table *ct);

const char *ct_state_name(enum ct_tcp_state s);



/* Remembers that the first fragment p belongs to flow idx. */
void ct_frag_note(struct ct_table *ct, const struct pkt *p, int32_t idx, uint64_t now);
/* The flow of later fragment p, or -1 (its first fragment was not seen passing here). */
int32_t ct_frag_flow(struct ct_table *ct, const struct pkt *p, uint64_t now);

/* Removes every entry for which drop(entry, arg) is true. Returns how many. */
uint32_t ct_flush_if(struct ct_table *ct, bool (*drop)(const struct ct_entry *e, void *arg), void *arg);

#endif
