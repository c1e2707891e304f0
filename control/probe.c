/* Real traffic for one check (probe.h). The order is fixed: listeners first (in every namespace
 * that may receive the flow), then the client, then one poll loop that ends on the answer, on a
 * refusal or at the timeout. Every packet carries the probe's nonce, so a listener counts only
 * its own probe's packets and concurrent probes never mistake each other's. Comes before: labtest.c
 * (which namespaces, which address); after: labtest.c compares with the trace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PB_MAX_CONN 16         /* accepted TCP connections kept per probe */
#define PB_SLICE_MS 50         /* longest wait before looking at *stop again */
#define PB_RESEND_MS 250       /* UDP and ICMP: datagrams may be lost, send again */
#define PB_MSG 16              /* 8-byte tag + 8-byte nonce */

struct pb {
	const struct probe_req *r;
	struct probe_res *res;
	int client;
	int lfd[PROBE_MAX_LISTEN];           /* listeners: TCP listen, UDP bound, ICMP raw observers */
	size_t n_l;
	int conn[PB_MAX_CONN];               /* accepted TCP connections */
	uint32_t conn_peer[PB_MAX_CONN];
	bool conn_read[PB_MAX_CONN];         /* read once: EOF would keep poll busy */
	size_t n_conn;
	bool connected, done;
	uint16_t seq;
};

static int64_t pb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* tag ("VPCLABT", "VPCLABU?" ...) + the probe's nonce: what travels and what is recognised. */
static void pb_msg(uint8_t *buf, const char *tag, uint64_t nonce)
{
	memset(buf, 0, 8);
	memcpy(buf, tag, strlen(tag) < 8 ? strlen(tag) : 8);
	memcpy(buf + 8, &nonce, 8);
}

static bool pb_is(const uint8_t *buf, size_t len, const char *tag, uint64_t nonce)
{
	uint8_t want[PB_MSG];
	pb_msg(want, tag, nonce);
	return len >= PB_MSG && memcmp(buf, want, PB_MSG) == 0;
}

static int pb_fail(struct pb *p, int err, const char *what, const char *ns)
{
	snprintf(p->res->err, sizeof(p->res->err), "%s%s%s: %s", what, ns ? " in " : "",
		 ns ? ns : "", strerror(-err));
	return err;
}

/* A socket made inside the namespace at path: enter, socket(), come back. Returns the fd or a
 * negative errno; -EOWNERDEAD when the thread could not come back (it must not be used again). */
static int pb_socket_in(struct pb *p, const char *path, int type, int proto)
{
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return pb_fail(p, -errno, "open namespace", path);
	if (setns(ns, CLONE_NEWNET) < 0) {
		int e = -errno;
		close(ns);
		return pb_fail(p, e, "enter namespace", path);
	}
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int e = fd < 0 ? -errno : 0;
	close(ns);
	if (setns(p->r->home_ns, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		return pb_fail(p, -EOWNERDEAD, "leave namespace", path);
	}
	return fd < 0 ? pb_fail(p, e, "socket", path) : fd;
}

/* ICMP raw sockets see every ICMP packet of their namespace: let only one type through. */
static void pb_icmp_only(int fd, int type)
{
	struct icmp_filter f = { ~(1u << type) };
	setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
}

static int pb_listen_one(struct pb *p, const char *path)
{
	const struct probe_req *r = p->r;
	int type = r->proto == IPPROTO_TCP ? SOCK_STREAM : r->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_RAW;
	int fd = pb_socket_in(p, path, type, r->proto == IPPROTO_ICMP ? IPPROTO_ICMP : 0);
	if (fd < 0)
		return fd;
	p->lfd[p->n_l++] = fd;
	if (r->proto == IPPROTO_ICMP) {
		pb_icmp_only(fd, ICMP_ECHO);   /* the kernel answers; this only watches */
		return 0;
	}
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(r->port) };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pb_fail(p, -errno, "bind", path);
	if (r->proto == IPPROTO_TCP && listen(fd, 16) < 0)
		return pb_fail(p, -errno, "listen", path);
	return 0;
}

static uint16_t pb_csum(const uint8_t *b, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* UDP request or ICMP echo request; again every PB_RESEND_MS until answered. */
static void pb_send_datagram(struct pb *p)
{
	const struct probe_req *r = p->r;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(r->port),
				  .sin_addr.s_addr = htonl(r->dst) };
	uint8_t buf[8 + PB_MSG];
	if (r->proto == IPPROTO_UDP) {
		pb_msg(buf, "VPCLABU?", r->nonce);
		sendto(p->client, buf, PB_MSG, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
		return;
	}
	sa.sin_port = 0;
	memset(buf, 0, 8);
	buf[0] = ICMP_ECHO;
	buf[4] = (uint8_t)(p->res->sport >> 8);
	buf[5] = (uint8_t)p->res->sport;
	buf[6] = (uint8_t)(p->seq >> 8);
	buf[7] = (uint8_t)p->seq;
	p->seq++;
	pb_msg(buf + 8, "VPCLABI", r->nonce);
	uint16_t c = pb_csum(buf, sizeof(buf));
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
	sendto(p->client, buf, sizeof(buf), MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
}

static int pb_client(struct pb *p)
{
	const struct probe_req *r = p->r;
	int type = r->proto == IPPROTO_TCP ? SOCK_STREAM : r->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_RAW;
	p->client = pb_socket_in(p, r->src_ns, type, r->proto == IPPROTO_ICMP ? IPPROTO_ICMP : 0);
	if (p->client < 0)
		return p->client;
	if (r->proto == IPPROTO_ICMP) {
		pb_icmp_only(p->client, ICMP_ECHOREPLY);
		p->res->sport = (uint16_t)(r->nonce ^ (r->nonce >> 16));
		pb_send_datagram(p);
		return 0;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET }, me;
	socklen_t len = sizeof(me);
	if (bind(p->client, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pb_fail(p, -errno, "bind", r->src_ns);
	if (getsockname(p->client, (struct sockaddr *)&me, &len) == 0)
		p->res->sport = ntohs(me.sin_port);
	if (r->proto == IPPROTO_UDP) {
		pb_send_datagram(p);
		return 0;
	}
	sa.sin_port = htons(r->port);
	sa.sin_addr.s_addr = htonl(r->dst);
	if (connect(p->client, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		p->res->client_err = -errno;   /* refused at once: a network answer, not a failure */
		p->done = true;
	}
	return 0;
}

/* TCP client writable: connected (send the nonce) or refused. */
static void pb_tcp_client(struct pb *p)
{
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(p->client, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		p->res->client_err = -err;
		p->done = true;
		return;
	}
	uint8_t msg[PB_MSG];
	pb_msg(msg, "VPCLABT", p->r->nonce);
	p->connected = p->res->reply = true;
	send(p->client, msg, sizeof(msg), MSG_NOSIGNAL);
	p->done = p->n_l == 0;
}

static void pb_tcp_accept(struct pb *p, int lfd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd;
	while ((fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (p->n_conn == PB_MAX_CONN) {
			close(fd);
			continue;
		}
		p->conn_peer[p->n_conn] = ntohl(peer.sin_addr.s_addr);
		p->conn[p->n_conn++] = fd;
		len = sizeof(peer);
	}
}

static void pb_tcp_conn(struct pb *p, size_t i)
{
	uint8_t buf[64];
	ssize_t n = recv(p->conn[i], buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	p->conn_read[i] = true;
	if (n > 0 && pb_is(buf, (size_t)n, "VPCLABT", p->r->nonce)) {
		p->res->arrived = true;
		p->res->seen = p->conn_peer[i];
	}
}

/* UDP listener: note the request and its sender, answer it. */
static void pb_udp_listener(struct pb *p, int fd)
{
	uint8_t buf[64];
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	ssize_t n;
	while ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len)) > 0) {
		if (pb_is(buf, (size_t)n, "VPCLABU?", p->r->nonce)) {
			p->res->arrived = p->res->allowed = true;
			p->res->seen = ntohl(peer.sin_addr.s_addr);
			pb_msg(buf, "VPCLABU!", p->r->nonce);
			sendto(fd, buf, PB_MSG, MSG_NOSIGNAL, (struct sockaddr *)&peer, len);
		}
		len = sizeof(peer);
	}
}

/* An ICMP packet off a raw socket: its source, and whether its payload is ours. */
static bool pb_icmp_ours(struct pb *p, const uint8_t *b, ssize_t n, int type, uint32_t *src)
{
	if (n < 20)
		return false;
	size_t ihl = (size_t)(b[0] & 15) * 4;
	if ((size_t)n < ihl + 8 + PB_MSG || b[ihl] != type)
		return false;
	memcpy(src, b + 12, 4);
	*src = ntohl(*src);
	return pb_is(b + ihl + 8, (size_t)n - ihl - 8, "VPCLABI", p->r->nonce);
}

static void pb_icmp_read(struct pb *p, int fd, bool client)
{
	uint8_t buf[256];
	ssize_t n;
	uint32_t src;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (!pb_icmp_ours(p, buf, n, client ? ICMP_ECHOREPLY : ICMP_ECHO, &src))
			continue;
		if (client) {
			p->res->reply = true;
		} else {
			p->res->arrived = true;
			p->res->seen = src;
		}
	}
}

static void pb_udp_client(struct pb *p)
{
	uint8_t buf[64];
	ssize_t n;
	while ((n = recv(p->client, buf, sizeof(buf), 0)) > 0)
		if (pb_is(buf, (size_t)n, "VPCLABU!", p->r->nonce))
			p->res->reply = true;
}

/* Handles what poll reported for fds[0..n); fds[0] is the client, then listeners, then
 * accepted connections. */
static void pb_events(struct pb *p, const struct pollfd *fds, size_t n)
{
	uint8_t proto = p->r->proto;
	for (size_t i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (i == 0 && proto == IPPROTO_TCP && !p->connected)
			pb_tcp_client(p);
		else if (i == 0 && proto == IPPROTO_UDP)
			pb_udp_client(p);
		else if (i == 0 && proto == IPPROTO_ICMP)
			pb_icmp_read(p, p->client, true);
		else if (i > p->n_l && proto == IPPROTO_TCP)
			pb_tcp_conn(p, i - 1 - p->n_l);
		else if (i > 0 && i <= p->n_l && proto == IPPROTO_TCP)
			pb_tcp_accept(p, fds[i].fd);
		else if (i > 0 && i <= p->n_l && proto == IPPROTO_UDP)
			pb_udp_listener(p, fds[i].fd);
		else if (i > 0 && i <= p->n_l)
			pb_icmp_read(p, fds[i].fd, false);
	}
	/* Finished when there is nothing more to learn: TCP once the listener saw the nonce, UDP
	 * once the answer came back, ICMP on the reply (the observer saw the request before the
	 * kernel answered it, so its copy is already queued: one more read picks it up). */
	if (proto == IPPROTO_TCP && p->connected && p->res->arrived)
		p->done = true;
	if (proto == IPPROTO_UDP && p->res->arrived && p->res->reply)
		p->done = true;
	if (proto == IPPROTO_ICMP && p->res->reply) {
		for (size_t i = 0; i < p->n_l && !p->res->arrived; i++)
			pb_icmp_read(p, p->lfd[i], false);
		p->done = true;
	}
}

static void pb_loop(struct pb *p)
{
	struct pollfd fds[1 + PROBE_MAX_LISTEN + PB_MAX_CONN];
	int64_t start = pb_now_ms(), deadline = start + p->r->timeout_ms;
	int64_t resend = start + PB_RESEND_MS;
	while (!p->done && !(p->r->stop && *p->r->stop)) {
		int64_t now = pb_now_ms();
		if (now >= deadline)
			break;
		if (p->r->proto != IPPROTO_TCP && now >= resend && !p->res->reply) {
			pb_send_datagram(p);
			resend = now + PB_RESEND_MS;
		}
		size_t n = 0;
		/* a connected TCP client has nothing more to say: -1 leaves it out of poll */
		bool tcp = p->r->proto == IPPROTO_TCP;
		fds[n++] = (struct pollfd){ tcp && p->connected ? -1 : p->client,
					    tcp ? POLLOUT : POLLIN, 0 };
		for (size_t i = 0; i < p->n_l; i++)
			fds[n++] = (struct pollfd){ p->lfd[i], POLLIN, 0 };
		for (size_t i = 0; i < p->n_conn; i++)
			fds[n++] = (struct pollfd){ p->conn_read[i] ? -1 : p->conn[i], POLLIN, 0 };
		int64_t wait = deadline - now;
		if (p->r->proto != IPPROTO_TCP && resend - now < wait)
			wait = resend - now;
		if (wait > PB_SLICE_MS)
			wait = PB_SLICE_MS;
		int got = poll(fds, n, (int)(wait > 0 ? wait : 0));
		if (got > 0)
			pb_events(p, fds, n);
	}
	if (p->r->proto == IPPROTO_TCP && !p->connected && !p->res->client_err)
		p->res->client_err = -ETIMEDOUT;
	/* Reaching the address is not enough where listeners were set: the flow must reach one of
	 * them (an overlapping VPC may hold the same address elsewhere, and answer). */
	bool there = p->n_l == 0 || p->res->arrived;
	if (p->r->proto != IPPROTO_UDP)
		p->res->allowed = p->res->reply && there;
	p->res->elapsed_ms = (int)(pb_now_ms() - start);
}

int probe_run(const struct probe_req *r, struct probe_res *res)
{
	struct pb p = { .r = r, .res = res, .client = -1 };
	memset(res, 0, sizeof(*res));
	int rc = 0;
	for (size_t i = 0; i < r->n_dst && i < PROBE_MAX_LISTEN && rc == 0; i++)
		rc = pb_listen_one(&p, r->dst_ns[i]);
	if (rc == 0)
		rc = pb_client(&p);
	if (rc == 0)
		pb_loop(&p);
	if (p.client >= 0)
		close(p.client);
	for (size_t i = 0; i < p.n_l; i++)
		close(p.lfd[i]);
	for (size_t i = 0; i < p.n_conn; i++)
		close(p.conn[i]);
	return rc;
}
