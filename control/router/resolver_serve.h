/* The resolver's sockets (reference aws-elb §4): a router thread in LAB-amazon-dns with its own
 * event_base serves DNS on UDP and TCP 53. The address asked tells who asks: 192.0.2.53 the
 * internet, 169.254.253.x the VPC vl_resolver_vpc(x) (the data plane's rewrite of base+2 and
 * 169.254.169.253); the answer leaves from it. Answers: control/dns's dns_answer on the snapshot
 * the router published last (resolver_snap.h). */
#ifndef VPCLAB_RESOLVER_SERVE_H
#define VPCLAB_RESOLVER_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "control/router/resolver_snap.h"

#define RSV_TCP_CONNS 64         /* open TCP connections at once; more are closed at accept */
#define RSV_TCP_IDLE_S 10        /* a TCP connection with no whole query for this long closes */
#define RSV_TCP_OUT_MAX 65536    /* answers a TCP client has not read: reading waits past this */
#define RSV_UDP_BURST 64         /* datagrams read per wake-up, so TCP is served between */

/* Counters, written by the serving thread, read by anyone. */
struct rsv_stats {
	atomic_ullong udp, tcp;          /* queries received */
	atomic_ullong answered;          /* answers sent */
	atomic_ullong malformed;         /* answered FORMERR, or nothing (not a query at all) */
	atomic_ullong unanswered;        /* no answer: support off, an unknown address, no snapshot */
	atomic_ullong tcp_refused;       /* connections closed at accept: RSV_TCP_CONNS open */
};

/* Between the router thread (writes cur) and the serving thread (takes references). */
struct rsv_shared {
	pthread_mutex_t lock;
	struct rsv_snap *cur;            /* NULL: nothing is answered */
	struct rsv_stats stats;
};

/* A reference to the current snapshot (NULL when none); the caller unrefs it. */
struct rsv_snap *rsv_shared_get(struct rsv_shared *sh);
/* Makes s (whose reference the call takes over) the current one; the old one is unref'd. */
void rsv_shared_set(struct rsv_shared *sh, struct rsv_snap *s);

struct rsv_server;

/* Starts the thread in namespace /run/netns/NS and waits until its sockets are bound: the
 * server, or NULL with errno (the namespace cannot be entered, port 53 cannot be bound). */
struct rsv_server *rsv_serve_start(const char *ns, struct rsv_shared *sh);
/* Stops the thread (connections are closed) and frees it. */
void rsv_serve_stop(struct rsv_server *s);

#endif
