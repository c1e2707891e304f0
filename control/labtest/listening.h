/* Whether a namespace already has a server on a port (an instance's `run` command), asked of the
 * kernel's socket table (sock_diag): `vpclab test` then probes that server instead of binding
 * its own listener, which would fail or take the port from it. */
#ifndef VPCLAB_LISTENING_H
#define VPCLAB_LISTENING_H

#include <stdint.h>

/* nl: a NETLINK_SOCK_DIAG socket made in the namespace to ask about. 1 when a TCP socket listens
 * on port (proto 6), or an unconnected UDP socket is bound to it (proto 17), on every address or
 * on one that is not loopback, IPv4 or dual-stack IPv6; 0 when none; -errno when the kernel
 * cannot say (no udp_diag, say). */
int listening_on(int nl, uint8_t proto, uint16_t port);

#endif
