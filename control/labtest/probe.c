/* Real traffic for checks (probe.h). The order is fixed: listeners first (in every namespace
 * that may receive the flow), then the clients, then one poll loop that ends when every client
 * has its answer, a refusal, or at the timeout. Every packet carries its client's nonce, so a
 * listener credits the right check and concurrent probes never mistake each other's packets.
 * Comes before: labtest.c (which namespaces, which addresses); after: labtest.c compares each
 * result with the trace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/labtest/probe.h"

#define PB_SLICE_MS 50         /* longest wait before looking at *stop again */
#define PB_RESEND_MS 250       /* UDP and ICMP: datagrams may be lost, send again */
#define PB_MSG 16              /* 8-byte tag + 8-byte nonce */

struct pb_cl {
	struct probe_client *c;
	int fd;
	bool connected, done;
	uint16_t seq;
};

struct pb_conn {               /* an accepted TCP connection */
	int fd;
	uint32_t peer;
	bool read;                 /* read once: EOF would keep poll busy */
};

struct pb {
	const struct probe_req *r;
	struct pb_cl *cl;
	size_t n_cl;
	int lfd[PROBE_MAX_LISTEN];           /* listeners: TCP listen, UDP bound, ICMP raw observers */
	size_t n_l;
	struct pb_conn *conn;
	size_t n_conn, cap_conn;
	struct pollfd *fds;
	int64_t start;
};

static int64_t pb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* tag ("VPCLABT", "VPCLABU?" ...) + a nonce: what travels and what is recognised. */
static void pb_msg(uint8_t *buf, const char *tag, uint64_t nonce)
{
	memset(buf, 0, 8);
	memcpy(buf, tag, strlen(tag) < 8 ? strlen(tag) : 8);
	memcpy(buf + 8, &nonce, 8);
}

/* The client whose nonce buf carries after tag, or NULL. */
static struct pb_cl *pb_whose(struct pb *p, const uint8_t *buf, size_t len, const char *tag)
{
	uint8_t want[PB_MSG];
	if (len < PB_MSG)
		return NULL;
	for (size_t i = 0; i < p->n_cl; i++) {
		pb_msg(want, tag, p->cl[i].c->nonce);
		if (memcmp(buf, want, PB_MSG) == 0)
			return &p->cl[i];
	}
	return NULL;
}

static int pb_fail(struct probe_res *res, int err, const char *what, const char *ns)
{
	snprintf(res->err, sizeof(res->err), "%s%s%s: %s", what, ns ? " in " : "", ns ? ns : "",
		 strerror(-err));
	res->rc = err;
	return err;
}

/* A socket made inside the namespace at path: enter, socket(), come back. The fd, or a negative
 * errno reported in res. */
static int pb_socket_in(const struct probe_req *r, const char *path, int type, int proto,
			struct probe_res *res)
{
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return pb_fail(res, -errno, "open namespace", path);
	if (setns(ns, CLONE_NEWNET) < 0) {
		int e = -errno;
		close(ns);
		return pb_fail(res, e, "enter namespace", path);
	}
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int e = fd < 0 ? -errno : 0;
	close(ns);
	/* Cannot really fail (home_ns is our own); if it did, this thread stays elsewhere, which
	 * harms no later probe: each enters its namespace explicitly before making a socket. */
	if (setns(r->home_ns, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		return pb_fail(res, -errno, "leave namespace", path);
	}
	return fd < 0 ? pb_fail(res, e, "socket", path) : fd;
}

static int pb_type(uint8_t proto)
{
	return proto == IPPROTO_TCP ? SOCK_STREAM : proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_RAW;
}

/* ICMP raw sockets see every ICMP packet of their namespace: let only one type through. */
static void pb_icmp_only(int fd, int type)
{
	struct icmp_filter f = { ~(1u << type) };
	setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
}

static int pb_listen_one(struct pb *p, const char *path, struct probe_res *res)
{
	const struct probe_req *r = p->r;
	int fd = pb_socket_in(r, path, pb_type(r->proto), r->proto == IPPROTO_ICMP ? IPPROTO_ICMP : 0,
			      res);
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
		return pb_fail(res, -errno, "bind", path);
	if (r->proto == IPPROTO_TCP && listen(fd, 64) < 0)
		return pb_fail(res, -errno, "listen", path);
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
static void pb_send_datagram(struct pb *p, struct pb_cl *c)
{
	const struct probe_req *r = p->r;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(r->port),
				  .sin_addr.s_addr = htonl(c->c->dst) };
	uint8_t buf[8 + PB_MSG];
	if (r->proto == IPPROTO_UDP) {
		pb_msg(buf, "VPCLABU?", c->c->nonce);
		sendto(c->fd, buf, PB_MSG, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
		return;
	}
	uint16_t id = c->c->res.sport;
	sa.sin_port = 0;
	memset(buf, 0, 8);
	buf[0] = ICMP_ECHO;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(c->seq >> 8);
	buf[7] = (uint8_t)c->seq;
	c->seq++;
	pb_msg(buf + 8, "VPCLABI", c->c->nonce);
	uint16_t sum = pb_csum(buf, sizeof(buf));
	buf[2] = (uint8_t)(sum >> 8);
	buf[3] = (uint8_t)sum;
	sendto(c->fd, buf, sizeof(buf), MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
}

/* Makes and starts one client; a failure is its own (res.rc), the others go on. */
static void pb_client(struct pb *p, struct pb_cl *c)
{
	const struct probe_req *r = p->r;
	struct probe_res *res = &c->c->res;
	c->fd = pb_socket_in(r, c->c->src_ns, pb_type(r->proto),
			     r->proto == IPPROTO_ICMP ? IPPROTO_ICMP : 0, res);
	if (c->fd < 0) {
		c->done = true;
		return;
	}
	if (r->proto == IPPROTO_ICMP) {
		pb_icmp_only(c->fd, ICMP_ECHOREPLY);
		res->sport = (uint16_t)(c->c->nonce ^ (c->c->nonce >> 16));
		pb_send_datagram(p, c);
		return;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET }, me;
	socklen_t len = sizeof(me);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		pb_fail(res, -errno, "bind", c->c->src_ns);
		c->done = true;
		return;
	}
	if (getsockname(c->fd, (struct sockaddr *)&me, &len) == 0)
		res->sport = ntohs(me.sin_port);
	if (r->proto == IPPROTO_UDP) {
		pb_send_datagram(p, c);
		return;
	}
	sa.sin_port = htons(r->port);
	sa.sin_addr.s_addr = htonl(c->c->dst);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		res->client_err = -errno;   /* refused at once: a network answer, not a failure */
		c->done = true;
	}
}

/* TCP client writable: connected (send the nonce) or refused. */
static void pb_tcp_client(struct pb *p, struct pb_cl *c)
{
	int err = 0;
	socklen_t len = sizeof(err);
	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		c->c->res.client_err = -err;
		c->done = true;
		return;
	}
	uint8_t msg[PB_MSG];
	pb_msg(msg, "VPCLABT", c->c->nonce);
	c->connected = c->c->res.reply = true;
	send(c->fd, msg, sizeof(msg), MSG_NOSIGNAL);
	c->done = p->n_l == 0;
}

static void pb_tcp_accept(struct pb *p, int lfd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd;
	while ((fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (p->n_conn == p->cap_conn) {
			close(fd);   /* more than every client twice over: not ours */
			continue;
		}
		p->conn[p->n_conn++] = (struct pb_conn){ fd, ntohl(peer.sin_addr.s_addr), false };
		len = sizeof(peer);
	}
}

static void pb_tcp_conn(struct pb *p, struct pb_conn *k)
{
	uint8_t buf[64];
	ssize_t n = recv(k->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	k->read = true;
	struct pb_cl *c = n > 0 ? pb_whose(p, buf, (size_t)n, "VPCLABT") : NULL;
	if (c) {
		c->c->res.arrived = true;
		c->c->res.seen = k->peer;
	}
}

/* UDP listener: note each request and its sender, answer it. */
static void pb_udp_listener(struct pb *p, int fd)
{
	uint8_t buf[64];
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	ssize_t n;
	while ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len)) > 0) {
		struct pb_cl *c = pb_whose(p, buf, (size_t)n, "VPCLABU?");
		if (c) {
			c->c->res.arrived = c->c->res.allowed = true;
			c->c->res.seen = ntohl(peer.sin_addr.s_addr);
			pb_msg(buf, "VPCLABU!", c->c->nonce);
			sendto(fd, buf, PB_MSG, MSG_NOSIGNAL, (struct sockaddr *)&peer, len);
		}
		len = sizeof(peer);
	}
}

static void pb_udp_client(struct pb *p, struct pb_cl *c)
{
	uint8_t buf[64];
	ssize_t n;
	while ((n = recv(c->fd, buf, sizeof(buf), 0)) > 0)
		if (pb_whose(p, buf, (size_t)n, "VPCLABU!") == c)
			c->c->res.reply = true;
}

/* ICMP off a raw socket (observer or client): whose echo it carries, and its source. */
static void pb_icmp_read(struct pb *p, int fd, bool client)
{
	uint8_t b[256];
	ssize_t n;
	while ((n = recv(fd, b, sizeof(b), 0)) > 0) {
		size_t ihl = (size_t)(b[0] & 15) * 4;
		if (n < 20 || (size_t)n < ihl + 8 + PB_MSG ||
		    b[ihl] != (client ? ICMP_ECHOREPLY : ICMP_ECHO))
			continue;
		struct pb_cl *c = pb_whose(p, b + ihl + 8, (size_t)n - ihl - 8, "VPCLABI");
		if (!c)
			continue;
		if (client) {
			c->c->res.reply = true;
		} else {
			uint32_t src;
			memcpy(&src, b + 12, 4);
			c->c->res.arrived = true;
			c->c->res.seen = ntohl(src);
		}
	}
}

/* Finished when there is nothing more to learn: TCP once a listener saw the nonce (or at once
 * with no listener), UDP once the answer came back, ICMP on the reply (the observer saw the
 * request before the kernel answered it, so its copy is already queued: one more read). */
static void pb_settle(struct pb *p)
{
	uint8_t proto = p->r->proto;
	for (size_t i = 0; i < p->n_cl; i++) {
		struct pb_cl *c = &p->cl[i];
		struct probe_res *res = &c->c->res;
		if (c->done)
			continue;
		if (proto == IPPROTO_TCP && c->connected && res->arrived)
			c->done = true;
		if (proto == IPPROTO_UDP && res->arrived && res->reply)
			c->done = true;
		if (proto == IPPROTO_ICMP && res->reply) {
			for (size_t l = 0; l < p->n_l && !res->arrived; l++)
				pb_icmp_read(p, p->lfd[l], false);
			c->done = true;
		}
		if (c->done)
			res->elapsed_ms = (int)(pb_now_ms() - p->start);
	}
}

/* fds: clients, then listeners, then accepted connections (as pb_fill laid them out). */
static void pb_events(struct pb *p, size_t n)
{
	uint8_t proto = p->r->proto;
	for (size_t i = 0; i < n; i++) {
		if (!p->fds[i].revents)
			continue;
		if (i < p->n_cl) {
			struct pb_cl *c = &p->cl[i];
			if (proto == IPPROTO_TCP && !c->connected)
				pb_tcp_client(p, c);
			else if (proto == IPPROTO_UDP)
				pb_udp_client(p, c);
			else if (proto == IPPROTO_ICMP)
				pb_icmp_read(p, c->fd, true);
		} else if (i < p->n_cl + p->n_l) {
			int fd = p->fds[i].fd;
			if (proto == IPPROTO_TCP)
				pb_tcp_accept(p, fd);
			else if (proto == IPPROTO_UDP)
				pb_udp_listener(p, fd);
			else
				pb_icmp_read(p, fd, false);
		} else {
			pb_tcp_conn(p, &p->conn[i - p->n_cl - p->n_l]);
		}
	}
	pb_settle(p);
}

/* The poll set; -1 leaves out what has nothing more to say. false when every client is done. */
static bool pb_fill(struct pb *p, size_t *n)
{
	bool tcp = p->r->proto == IPPROTO_TCP, any = false;
	*n = 0;
	for (size_t i = 0; i < p->n_cl; i++) {
		const struct pb_cl *c = &p->cl[i];
		any |= !c->done;
		p->fds[(*n)++] = (struct pollfd){ c->done || (tcp && c->connected) ? -1 : c->fd,
						  tcp ? POLLOUT : POLLIN, 0 };
	}
	for (size_t i = 0; i < p->n_l; i++)
		p->fds[(*n)++] = (struct pollfd){ p->lfd[i], POLLIN, 0 };
	for (size_t i = 0; i < p->n_conn; i++)
		p->fds[(*n)++] = (struct pollfd){ p->conn[i].read ? -1 : p->conn[i].fd, POLLIN, 0 };
	return any;
}

static void pb_loop(struct pb *p)
{
	int64_t deadline = p->start + p->r->timeout_ms, resend = p->start + PB_RESEND_MS;
	bool datagrams = p->r->proto != IPPROTO_TCP;
	size_t n;
	while (pb_fill(p, &n) && !(p->r->stop && *p->r->stop)) {
		int64_t now = pb_now_ms();
		if (now >= deadline)
			break;
		if (datagrams && now >= resend) {
			for (size_t i = 0; i < p->n_cl; i++)
				if (!p->cl[i].done && !p->cl[i].c->res.reply)
					pb_send_datagram(p, &p->cl[i]);
			resend = now + PB_RESEND_MS;
		}
		int64_t wait = deadline - now;
		if (datagrams && resend - now < wait)
			wait = resend - now;
		if (wait > PB_SLICE_MS)
			wait = PB_SLICE_MS;
		if (poll(p->fds, n, (int)(wait > 0 ? wait : 0)) > 0)
			pb_events(p, n);
	}
}

/* What each client's numbers add up to. Reaching the address is not enough where listeners
 * were set: the flow must reach one of them (an overlapping VPC may hold the same address
 * elsewhere, and answer). */
static void pb_finish(struct pb *p)
{
	int elapsed = (int)(pb_now_ms() - p->start);
	for (size_t i = 0; i < p->n_cl; i++) {
		struct pb_cl *c = &p->cl[i];
		struct probe_res *res = &c->c->res;
		if (res->rc < 0)
			continue;
		if (!c->done)
			res->elapsed_ms = elapsed;
		if (p->r->proto == IPPROTO_TCP && !c->connected && !res->client_err)
			res->client_err = -ETIMEDOUT;
		if (p->r->proto != IPPROTO_UDP)
			res->allowed = res->reply && (p->n_l == 0 || res->arrived);
	}
}

int probe_run(const struct probe_req *r)
{
	struct pb p = { .r = r, .n_cl = r->n_clients };
	struct probe_res setup = { 0 };
	int rc = 0;
	p.cap_conn = 2 * r->n_clients + 8;
	p.cl = calloc(r->n_clients ? r->n_clients : 1, sizeof(*p.cl));
	p.conn = calloc(p.cap_conn, sizeof(*p.conn));
	p.fds = calloc(r->n_clients + PROBE_MAX_LISTEN + p.cap_conn, sizeof(*p.fds));
	if (!p.cl || !p.conn || !p.fds)
		rc = pb_fail(&setup, -ENOMEM, "probe", NULL);
	for (size_t i = 0; rc == 0 && i < r->n_clients; i++) {
		memset(&r->clients[i].res, 0, sizeof(r->clients[i].res));
		p.cl[i] = (struct pb_cl){ .c = &r->clients[i], .fd = -1 };
	}
	for (size_t i = 0; rc == 0 && i < r->n_dst && i < PROBE_MAX_LISTEN; i++)
		rc = pb_listen_one(&p, r->dst_ns[i], &setup);
	p.start = pb_now_ms();
	for (size_t i = 0; rc == 0 && i < p.n_cl; i++)
		pb_client(&p, &p.cl[i]);
	if (rc == 0) {
		pb_loop(&p);
		pb_finish(&p);
	} else {
		for (size_t i = 0; i < r->n_clients; i++)
			r->clients[i].res = setup;   /* the listeners failed: nobody was probed */
	}
	for (size_t i = 0; p.cl && i < p.n_cl; i++)
		if (p.cl[i].fd >= 0)
			close(p.cl[i].fd);
	for (size_t i = 0; i < p.n_l; i++)
		close(p.lfd[i]);
	for (size_t i = 0; i < p.n_conn; i++)
		close(p.conn[i].fd);
	free(p.cl);
	free(p.conn);
	free(p.fds);
	return rc;
}
