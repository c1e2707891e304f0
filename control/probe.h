/* One check of `vpclab test` as real traffic (labtest.c decides what to probe; trace.c says what
 * should happen): a listener in each namespace that should receive the flow, a client in the
 * source namespace, and one poll loop until the answer or the timeout. No outside tools: the
 * sockets are made inside the namespaces (setns around socket(); a socket stays in the namespace
 * it was created in) and the calling thread returns to its own namespace before it waits.
 * setns is per thread, so several probes may run at once in different threads. */
#ifndef VPCLAB_PROBE_H
#define VPCLAB_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_LISTEN 8     /* namespaces that may hold the destination address */

struct probe_req {
	const char *src_ns;                      /* /run/netns/LAB-NAME of the client */
	const char *dst_ns[PROBE_MAX_LISTEN];    /* where listeners go (none: nobody should get it) */
	size_t n_dst;
	int home_ns;                             /* fd of the namespace to come back to */
	uint8_t proto;                           /* 6, 17 or 1 */
	uint16_t port;                           /* TCP/UDP destination port */
	uint32_t dst;                            /* the address the client sends to, host order */
	int timeout_ms;
	uint64_t nonce;                          /* tells this probe's packets from any other's */
	volatile sig_atomic_t *stop;             /* set (by a signal): give up at once; may be NULL */
};

struct probe_res {
	bool allowed;       /* TCP: connected, and the nonce reached a listener; UDP: the request
			     * reached a listener; ICMP: the echo reply came back and a listener's
			     * namespace saw the request. With no listener: connected / replied. */
	bool arrived;       /* a listener got the request (TCP: the nonce over the connection) */
	bool reply;         /* the answer came back: TCP connected, UDP the listener's answer,
			     * ICMP the echo reply */
	uint32_t seen;      /* the source address the receiving end observed, 0 when none */
	uint16_t sport;     /* the client's source port (TCP/UDP) or echo identifier (ICMP) */
	int client_err;     /* why the client gave up: -ETIMEDOUT, -ECONNREFUSED, ... or 0 */
	int elapsed_ms;
	char err[160];      /* set when the probe could not be made at all (then probe_run < 0) */
};

/* Runs one probe in the calling thread. 0 with res filled (whatever the network said), or a
 * negative errno when a namespace, socket or bind failed (res->err says which). */
int probe_run(const struct probe_req *r, struct probe_res *res);

#endif
