/* Checks of `vpclab test` as real traffic (labtest.c decides what to probe; trace.c says what
 * should happen): listeners in the namespaces that should receive a flow, clients in the source
 * namespaces, and one poll loop until every answer or the timeout. No outside tools: the sockets
 * are made inside the namespaces (setns around socket(); a socket stays in the namespace it was
 * created in) and the calling thread returns to its own namespace before it waits. setns is per
 * thread, so several probes may run at once in different threads. Checks aimed at the same
 * listener (namespace, protocol, port) share one probe: each client carries its own nonce, so
 * the listener tells whose packet it got. Where the destination runs the lab's own software (an
 * instance with `run`, or a server already on the port), the probe never binds the port there: it
 * watches what arrives in that namespace with a raw socket instead (TCP: the client's SYN, told by
 * its source port; UDP: the datagram and its nonce). */
#ifndef VPCLAB_PROBE_H
#define VPCLAB_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_LISTEN 8     /* namespaces that may hold the destination address */

struct probe_res {
	bool allowed;       /* TCP: connected, and the nonce reached a listener (a watched
			     * destination: the SYN reached its namespace and the server's SYN-ACK or
			     * the kernel's RST came back); UDP: the request reached a listener or a
			     * watched namespace; ICMP: the echo reply came back and a listener's
			     * namespace saw the request. With no listener: connected / replied. */
	bool arrived;       /* a listener got the request (TCP: the nonce over the connection), or
			     * an observer saw it arrive (TCP: the SYN) */
	bool reply;         /* the answer came back: TCP connected, UDP the listener's answer,
			     * ICMP the echo reply */
	bool watched;       /* it arrived at a watched destination (not at the probe's listener);
			     * UDP: the reply, if any, is the instance's own and is not judged */
	uint32_t seen;      /* the source address the receiving end observed, 0 when none */
	uint16_t sport;     /* the client's source port (TCP/UDP) or echo identifier (ICMP) */
	int client_err;     /* why the client gave up: -ETIMEDOUT, -ECONNREFUSED, ... or 0 */
	int elapsed_ms;
	int rc;             /* 0, or a negative errno when the probe could not be made (see err) */
	char err[160];
};

/* One flow: from a namespace to an address, recognised by its nonce. */
struct probe_client {
	const char *src_ns;          /* /run/netns/LAB-NAME of the client */
	uint32_t dst;                /* the address it sends to, host order */
	uint64_t nonce;              /* unique among every probe running */
	struct probe_res res;        /* filled by probe_run */
};

struct probe_req {
	const char *dst_ns[PROBE_MAX_LISTEN];    /* where listeners go (none: nobody should get it) */
	size_t n_dst;
	/* The destination runs the lab's own software (a `run` command, which may still be starting
	 * its server): never bind the port there, only watch. Elsewhere the probe watches only
	 * where a server already listens on the port, and binds its own listener otherwise. */
	bool watch_only[PROBE_MAX_LISTEN];
	int home_ns;                             /* fd of the namespace to come back to */
	uint8_t proto;                           /* 6, 17 or 1 */
	uint16_t port;                           /* TCP/UDP destination port */
	uint16_t listen_port;                    /* where listeners bind and what is watched: the
						  * targets' port behind a load balancer; 0: port */
	int timeout_ms;
	volatile sig_atomic_t *stop;             /* set (by a signal): give up at once; may be NULL */
	struct probe_client *clients;
	size_t n_clients;
};

/* Runs the probe in the calling thread: the listeners, then every client at once. 0 with each
 * client's res filled (whatever the network said; a client that could not be made has res.rc
 * < 0), or a negative errno when the listeners could not be made (then every res.rc says so). */
int probe_run(const struct probe_req *r);

#endif
