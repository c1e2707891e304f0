/* Real traffic for checks (probe.h). The order is fixed: listeners first (in every namespace
 * that may receive the flow; where the lab's own software has or may take the port, a raw
 * observer in that namespace instead), then the clients, then one poll loop that ends when every
 * client has its answer, a refusal, or its timeout. Every packet carries its client's nonce, so
 * a listener credits the right check and concurrent probes never mistake each other's packets;
 * TCP toward a watched destination sends no nonce (a server there would read it) and is told by
 * the SYN's source port instead. Comes before: labtest.c (which namespaces, which addresses);
 * after: labtest.c compares each result with the trace. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/icmp.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/labtest/listening.h"
#include "control/labtest/probe.h"

#define PB_SLICE_MS 50         /* longest wait before looking at *stop again */
#define PB_RESEND_MS 250       /* UDP and ICMP: datagrams may be lost, send again */
#define PB_MSG 16              /* 8-byte tag + 8-byte nonce */
/* TCP toward a watched destination: a SYN that reached it unanswered (a server whose accept
 * queue is full drops it) may wait for its retransmission, 1 s after the first. */
#define PB_SYN_RETRY_MS 1600
#define PB_SPORT_TRIES 16      /* source ports drawn until one is unique in the probe */

struct pb_cl {
	struct probe_client *c;
	int fd;
	bool started, connected, done;
	uint16_t seq;
	int64_t t0, deadline;
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
	/* Where a destination is watched (ext), every destination gets a raw TCP or UDP observer:
	 * arrivals are told there, not by the nonce at a listener. */
	bool ext[PROBE_MAX_LISTEN], observe;
	int ofd[PROBE_MAX_LISTEN];
	bool oext[PROBE_MAX_LISTEN];
	size_t n_o, n_started;
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
static int pb_socket_in(const struct probe_req *r, const char *path, int family, int type,
			int proto, struct probe_res *res)
{
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return pb_fail(res, -errno, "open namespace", path);
	if (setns(ns, CLONE_NEWNET) < 0) {
		int e = -errno;
		close(ns);
		return pb_fail(res, e, "enter namespace", path);
	}
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
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

/* The port at the destinations (a load balancer's targets may listen on another). */
static uint16_t pb_lport(const struct probe_req *r)
{
	return r->listen_port ? r->listen_port : r->port;
}

static int pb_listen_one(struct pb *p, const char *path, struct probe_res *res)
{
	const struct probe_req *r = p->r;
	int fd = pb_socket_in(r, path, AF_INET, pb_type(r->proto) | SOCK_NONBLOCK,
			      r->proto == IPPROTO_ICMP ? IPPROTO_ICMP : 0, res);
	if (fd < 0)
		return fd;
	if (r->proto == IPPROTO_ICMP) {
		pb_icmp_only(fd, ICMP_ECHO);   /* the kernel answers; this only watches */
		p->lfd[p->n_l++] = fd;
		return 0;
	}
	int one = 1, rc = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(pb_lport(r)) };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = pb_fail(res, -errno, "bind", path);
	else if (r->proto == IPPROTO_TCP && listen(fd, 64) < 0)
		rc = pb_fail(res, -errno, "listen", path);
	if (rc < 0)
		close(fd);
	else
		p->lfd[p->n_l++] = fd;
	return rc;
}

/* 1 when a server of the namespace's own has the port, 0 when not, < 0 when the kernel cannot
 * say (then the probe binds as if nothing were there). */
static int pb_existing(const struct pb *p, const char *path)
{
	struct probe_res ignored;
	int nl = pb_socket_in(p->r, path, AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG, &ignored);
	if (nl < 0)
		return nl;
	int rc = listening_on(nl, p->r->proto, pb_lport(p->r));
	close(nl);
	return rc;
}

/* Destination i: watched (the lab's own software: a `run` instance, whose command may still be
 * starting its server, or a server already on the port), else the probe's listener. */
static int pb_destination(struct pb *p, size_t i, struct probe_res *res)
{
	const struct probe_req *r = p->r;
	const char *path = r->dst_ns[i];
	if (r->proto != IPPROTO_ICMP && (r->watch_only[i] || pb_existing(p, path) == 1)) {
		p->ext[i] = true;
		return 0;
	}
	int rc = pb_listen_one(p, path, res);
	if (rc == -EADDRINUSE && pb_existing(p, path) == 1) {   /* it came up just now */
		memset(res, 0, sizeof(*res));
		p->ext[i] = true;
		rc = 0;
	}
	return rc;
}

/* A raw observer of the probed protocol in every destination, once one is watched: it sees each
 * packet as the namespace receives it, before any socket does (and whether one listens or not). */
static int pb_observers(struct pb *p, struct probe_res *res)
{
	const struct probe_req *r = p->r;
	for (size_t i = 0; i < r->n_dst && i < PROBE_MAX_LISTEN; i++)
		p->observe |= p->ext[i];
	if (!p->observe)
		return 0;
	for (size_t i = 0; i < r->n_dst && i < PROBE_MAX_LISTEN; i++) {
		int fd = pb_socket_in(r, r->dst_ns[i], AF_INET, SOCK_RAW | SOCK_NONBLOCK, r->proto, res);
		if (fd < 0)
			return fd;
		p->oext[p->n_o] = p->ext[i];
		p->ofd[p->n_o++] = fd;
	}
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

/* Client c is finished: its time, and its socket closed (a server of the lab's own that takes
 * one connection at a time goes on to the next at once). */
static void pb_done(struct pb_cl *c, int64_t now)
{
	c->done = true;
	c->c->res.elapsed_ms = (int)(now - c->t0);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The started TCP or UDP client of the probe (other than but) with this source port. Finished
 * ones count too: a refused client's SYN may be read after its refusal. */
static struct pb_cl *pb_by_sport(struct pb *p, uint16_t sport, const struct pb_cl *but)
{
	for (size_t i = 0; i < p->n_started; i++)
		if (&p->cl[i] != but && p->cl[i].c->res.sport == sport && p->cl[i].c->res.rc == 0)
			return &p->cl[i];
	return NULL;
}

/* A bound TCP or UDP client socket in its namespace, its source port in res (unique in the
 * probe when observers tell clients by it); the fd or a negative errno (in res). */
static int pb_client_socket(struct pb *p, struct pb_cl *c)
{
	const struct probe_req *r = p->r;
	struct probe_res *res = &c->c->res;
	for (int tries = 1;; tries++) {
		int fd = pb_socket_in(r, c->c->src_ns, AF_INET, pb_type(r->proto) | SOCK_NONBLOCK, 0, res);
		if (fd < 0)
			return fd;
		struct sockaddr_in sa = { .sin_family = AF_INET }, me;
		socklen_t len = sizeof(me);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = pb_fail(res, -errno, "bind", c->c->src_ns);
			close(fd);
			return e;
		}
		if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
			res->sport = ntohs(me.sin_port);
		if (!p->observe || tries == PB_SPORT_TRIES || !pb_by_sport(p, res->sport, c))
			return fd;
		close(fd);
	}
}

/* Makes and starts one client; a failure is its own (res.rc), the others go on. */
static void pb_client(struct pb *p, struct pb_cl *c, int64_t now)
{
	const struct probe_req *r = p->r;
	struct probe_res *res = &c->c->res;
	c->started = true;
	c->t0 = now;
	c->deadline = now + r->timeout_ms;
	if (r->proto == IPPROTO_ICMP) {
		c->fd = pb_socket_in(r, c->c->src_ns, AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP,
				     res);
		if (c->fd < 0) {
			pb_done(c, now);
			return;
		}
		pb_icmp_only(c->fd, ICMP_ECHOREPLY);
		res->sport = (uint16_t)(c->c->nonce ^ (c->c->nonce >> 16));
		pb_send_datagram(p, c);
		return;
	}
	c->fd = pb_client_socket(p, c);
	if (c->fd < 0) {
		pb_done(c, now);
		return;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET };
	if (r->proto == IPPROTO_UDP) {
		pb_send_datagram(p, c);
		return;
	}
	sa.sin_port = htons(r->port);
	sa.sin_addr.s_addr = htonl(c->c->dst);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		res->client_err = -errno;   /* refused at once: a network answer, not a failure */
		pb_done(c, now);
	}
}

/* Starts every client, in order (a TCP client's source port must differ from those before it
 * where observers tell clients apart by it). */
static void pb_start(struct pb *p, int64_t now)
{
	while (p->n_started < p->n_cl) {
		struct pb_cl *c = &p->cl[p->n_started++];
		pb_client(p, c, now);
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
		pb_done(c, pb_now_ms());
		return;
	}
	c->connected = c->c->res.reply = true;
	if (p->observe)
		return;                    /* a server of the lab's own must not read a nonce */
	uint8_t msg[PB_MSG];
	pb_msg(msg, "VPCLABT", c->c->nonce);
	send(c->fd, msg, sizeof(msg), MSG_NOSIGNAL);
	if (p->n_l == 0)
		pb_done(c, pb_now_ms());
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

/* A raw observer's packets: the probed port's TCP SYNs (whose: the client with that source
 * port) or UDP requests (whose: the nonce), and where they came from. */
static void pb_observe(struct pb *p, size_t o)
{
	const struct probe_req *r = p->r;
	uint8_t b[256];
	ssize_t n;
	while ((n = recv(p->ofd[o], b, sizeof(b), 0)) > 0) {
		size_t ihl = (size_t)(b[0] & 15) * 4;
		if (n < 20 || (size_t)n < ihl + 14 || ((b[6] & 0x1f) | b[7]))
			continue;                  /* short, or not a first fragment */
		const uint8_t *l4 = b + ihl;
		if ((uint16_t)(l4[2] << 8 | l4[3]) != pb_lport(r))
			continue;
		struct pb_cl *c;
		if (r->proto == IPPROTO_TCP) {
			uint8_t flags = l4[13];
			if (!(flags & 0x02) || (flags & 0x10))
				continue;          /* a SYN, not the SYN-ACK nor the rest */
			c = pb_by_sport(p, (uint16_t)(l4[0] << 8 | l4[1]), NULL);
		} else {
			c = pb_whose(p, l4 + 8, (size_t)n - ihl - 8, "VPCLABU?");
		}
		if (!c)
			continue;
		struct probe_res *res = &c->c->res;
		uint32_t src;
		memcpy(&src, b + 12, 4);
		res->arrived = true;
		res->seen = ntohl(src);
		res->watched |= p->oext[o];
		if (r->proto == IPPROTO_UDP)
			res->allowed = true;
		/* At a busy server, a SYN may wait in vain for room: its retransmission may not. */
		if (r->proto == IPPROTO_TCP && p->oext[o] && !c->done && !c->connected &&
		    c->deadline < c->t0 + PB_SYN_RETRY_MS)
			c->deadline = c->t0 + PB_SYN_RETRY_MS;
	}
}

/* Finished when there is nothing more to learn: TCP once a listener saw the nonce or an observer
 * the SYN (or at once with neither), or refused, UDP once the answer came back (or the request
 * reached a watched destination: its answer is the instance's own), ICMP on the reply (the
 * observer saw the request before the kernel answered it, so its copy is already queued: one
 * more read). */
static void pb_settle(struct pb *p, int64_t now)
{
	uint8_t proto = p->r->proto;
	for (size_t i = 0; i < p->n_started; i++) {
		struct pb_cl *c = &p->cl[i];
		struct probe_res *res = &c->c->res;
		if (c->done)
			continue;
		bool done = false;
		if (proto == IPPROTO_TCP && c->connected && res->arrived)
			done = true;
		if (proto == IPPROTO_UDP && res->arrived && (res->reply || res->watched))
			done = true;
		if (proto == IPPROTO_ICMP && res->reply) {
			for (size_t l = 0; l < p->n_l && !res->arrived; l++)
				pb_icmp_read(p, p->lfd[l], false);
			done = true;
		}
		if (done)
			pb_done(c, now);
		else if (now >= c->deadline)
			pb_done(c, c->deadline);   /* its time is its timeout, however late this looks */
	}
}

/* fds: clients, then listeners, then observers, then accepted connections (as pb_fill laid them
 * out). */
static void pb_events(struct pb *p, size_t n)
{
	uint8_t proto = p->r->proto;
	size_t lis = p->n_cl, obs = lis + p->n_l, acc = obs + p->n_o;
	for (size_t i = 0; i < n; i++) {
		if (!p->fds[i].revents)
			continue;
		if (i < lis) {
			struct pb_cl *c = &p->cl[i];
			if (c->fd < 0)
				continue;
			if (proto == IPPROTO_TCP && !c->connected)
				pb_tcp_client(p, c);
			else if (proto == IPPROTO_UDP)
				pb_udp_client(p, c);
			else if (proto == IPPROTO_ICMP)
				pb_icmp_read(p, c->fd, true);
		} else if (i < obs) {
			int fd = p->fds[i].fd;
			if (proto == IPPROTO_TCP)
				pb_tcp_accept(p, fd);
			else if (proto == IPPROTO_UDP)
				pb_udp_listener(p, fd);
			else
				pb_icmp_read(p, fd, false);
		} else if (i < acc) {
			pb_observe(p, i - obs);
		} else {
			pb_tcp_conn(p, &p->conn[i - acc]);
		}
	}
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
	for (size_t i = 0; i < p->n_o; i++)
		p->fds[(*n)++] = (struct pollfd){ p->ofd[i], POLLIN, 0 };
	for (size_t i = 0; i < p->n_conn; i++)
		p->fds[(*n)++] = (struct pollfd){ p->conn[i].read ? -1 : p->conn[i].fd, POLLIN, 0 };
	return any;
}

/* How long poll may sleep: until the earliest timeout, the next resend, and at most
 * PB_SLICE_MS (the stop flag). */
static int pb_wait(const struct pb *p, int64_t now, int64_t resend)
{
	int64_t until = now + PB_SLICE_MS;
	for (size_t i = 0; i < p->n_started; i++)
		if (!p->cl[i].done && p->cl[i].deadline < until)
			until = p->cl[i].deadline;
	if (p->r->proto != IPPROTO_TCP && resend < until)
		until = resend;
	return until > now ? (int)(until - now) : 0;
}

static void pb_loop(struct pb *p)
{
	int64_t resend = p->start + PB_RESEND_MS;
	bool datagrams = p->r->proto != IPPROTO_TCP;
	size_t n;
	pb_start(p, p->start);
	for (;;) {
		int64_t now = pb_now_ms();
		pb_settle(p, now);
		if (!pb_fill(p, &n) || (p->r->stop && *p->r->stop))
			break;
		if (datagrams && now >= resend) {
			for (size_t i = 0; i < p->n_started; i++)
				if (!p->cl[i].done && !p->cl[i].c->res.reply)
					pb_send_datagram(p, &p->cl[i]);
			resend = now + PB_RESEND_MS;
		}
		if (poll(p->fds, n, pb_wait(p, now, resend)) > 0)
			pb_events(p, n);
	}
}

/* What each client's numbers add up to. Reaching the address is not enough where listeners
 * were set: the flow must reach one of them, or a destination's namespace where an observer
 * watched (an overlapping VPC may hold the same address elsewhere, and answer). At a watched
 * destination where nothing listens, the kernel's RST is the answer: it crosses the same rules
 * back as a SYN-ACK would. */
static void pb_finish(struct pb *p)
{
	int64_t now = pb_now_ms();
	bool watched = p->n_l > 0 || p->n_o > 0;
	for (size_t o = 0; o < p->n_o; o++)
		pb_observe(p, o);   /* a SYN copy still queued behind its client's refusal */
	for (size_t i = 0; i < p->n_cl; i++) {
		struct pb_cl *c = &p->cl[i];
		struct probe_res *res = &c->c->res;
		if (res->rc < 0)
			continue;
		if (!c->done)
			res->elapsed_ms = (int)(now - (c->started ? c->t0 : p->start));
		if (p->r->proto == IPPROTO_TCP && !c->connected && !res->client_err)
			res->client_err = -ETIMEDOUT;
		if (p->r->proto == IPPROTO_TCP && res->watched && res->client_err == -ECONNREFUSED)
			res->reply = true;
		if (p->r->proto != IPPROTO_UDP)
			res->allowed = res->reply && (!watched || res->arrived);
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
	p.fds = calloc(r->n_clients + 2 * PROBE_MAX_LISTEN + p.cap_conn, sizeof(*p.fds));
	if (!p.cl || !p.conn || !p.fds)
		rc = pb_fail(&setup, -ENOMEM, "probe", NULL);
	for (size_t i = 0; rc == 0 && i < r->n_clients; i++) {
		memset(&r->clients[i].res, 0, sizeof(r->clients[i].res));
		p.cl[i] = (struct pb_cl){ .c = &r->clients[i], .fd = -1 };
	}
	for (size_t i = 0; rc == 0 && i < r->n_dst && i < PROBE_MAX_LISTEN; i++)
		rc = pb_destination(&p, i, &setup);
	if (rc == 0)
		rc = pb_observers(&p, &setup);
	p.start = pb_now_ms();
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
	for (size_t i = 0; i < p.n_o; i++)
		close(p.ofd[i]);
	for (size_t i = 0; i < p.n_conn; i++)
		close(p.conn[i].fd);
	free(p.cl);
	free(p.conn);
	free(p.fds);
	return rc;
}
