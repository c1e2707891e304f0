/* listening.h: one sock_diag dump per address family (IPv4, then IPv6: `python3 -m http.server`
 * binds a dual-stack :: where the namespace has IPv6), answered from the namespace the netlink
 * socket was made in. Listeners only on loopback do not count: the probe's packets never reach
 * them. */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "control/labtest/listening.h"

/* An IPv6 socket that takes IPv4 too: not IPV6_V6ONLY (the attribute the kernel adds for every
 * IPv6 socket; absent, the system default, dual-stack, is assumed). */
static bool ls_dual_stack(const struct nlmsghdr *h, const struct inet_diag_msg *m)
{
	size_t len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	const struct rtattr *a = (const struct rtattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(a) >= 1)
			return *(const uint8_t *)RTA_DATA(a) == 0;
	return true;
}

/* Whether socket m serves IPv4 packets sent to port from outside the namespace. */
static bool ls_serves(const struct nlmsghdr *h, const struct inet_diag_msg *m, uint8_t proto,
		      uint16_t port)
{
	if (ntohs(m->id.idiag_sport) != port || (proto == IPPROTO_UDP && m->id.idiag_dport != 0))
		return false;
	const uint32_t *src = m->id.idiag_src;
	if (m->idiag_family == AF_INET)
		return ntohl(src[0]) >> 24 != 127;
	if (src[0] || src[1])
		return false;
	if (!src[2] && !src[3])                              /* :: */
		return ls_dual_stack(h, m);
	return ntohl(src[2]) == 0xffff && ntohl(src[3]) >> 24 != 127;  /* ::ffff:a.b.c.d */
}

static int ls_dump(int nl, int family, uint8_t proto, uint16_t port)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 q;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = (uint32_t)family },
		.q = { .sdiag_family = (uint8_t)family, .sdiag_protocol = proto,
		       .idiag_states = proto == IPPROTO_TCP ? 1u << TCP_LISTEN : ~0u },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(nl, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	long buf[8192 / sizeof(long)];
	int found = 0;
	for (;;) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		size_t left = (size_t)n;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return found;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : found;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY &&
			    h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct inet_diag_msg)) &&
			    ls_serves(h, NLMSG_DATA(h), proto, port))
				found = 1;
		}
	}
}

int listening_on(int nl, uint8_t proto, uint16_t port)
{
	int v4 = ls_dump(nl, AF_INET, proto, port);
	if (v4 != 0)
		return v4;
	int v6 = ls_dump(nl, AF_INET6, proto, port);
	return v6 == -EAFNOSUPPORT || v6 == -ENOENT ? 0 : v6;   /* no IPv6: nothing listens there */
}
