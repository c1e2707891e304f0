/* The resolver's serving thread (resolver_serve.h): UDP with IP_PKTINFO (the address asked is
 * the address that answers), TCP with RFC 1035's two-byte length before each message, both on
 * one event_base inside the resolver's namespace. Nothing here touches the router's state but
 * the shared snapshot pointer and the counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control/dns/dns_wire.h"
#include "control/router/ns_thread.h"
#include "control/router/resolver_serve.h"

#define DNS_PORT 53
#define UDP_MAX 65535

struct rsv_conn {
	struct rsv_server *srv;
	struct bufferevent *bev;
	uint16_t vpc;
	struct rsv_conn *prev, *next;
};

struct rsv_server {
	char ns[128];
	struct rsv_shared *sh;
	pthread_t th;
	int stop_fd;
	struct event_base *base;
	int udp_fd;
	struct event *udp_ev, *stop_ev;
	struct evconnlistener *tcp;
	struct event *tcp_resume;          /* accepting again after a failed accept (ns_thread.h) */
	bool tcp_said;
	struct rsv_conn *conns;
	unsigned n_conns;
	/* the start handshake: the thread says how binding went */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started;
	int start_rc;
	uint8_t buf[UDP_MAX];
};

struct rsv_snap *rsv_shared_get(struct rsv_shared *sh)
{
	pthread_mutex_lock(&sh->lock);
	struct rsv_snap *s = rsv_snap_ref(sh->cur);
	pthread_mutex_unlock(&sh->lock);
	return s;
}

void rsv_shared_set(struct rsv_shared *sh, struct rsv_snap *s)
{
	pthread_mutex_lock(&sh->lock);
	struct rsv_snap *old = sh->cur;
	sh->cur = s;
	pthread_mutex_unlock(&sh->lock);
	rsv_snap_unref(old);
}

/* Who asks, from the address the query was sent to: a VPC, DNS_FROM_INTERNET, or false for an
 * address that stands for nothing (no answer). */
static bool asker_of(uint32_t local, uint16_t *vpc)
{
	if (local == VL_RESOLVER_PUBLIC) {
		*vpc = DNS_FROM_INTERNET;
		return true;
	}
	*vpc = vl_resolver_vpc(local, NULL);
	return *vpc != VL_NONE;
}

/* One query -> the answer to send (malloc'd) or NULL, counting what happened. */
static uint8_t *answer(struct rsv_server *srv, const uint8_t *q, size_t len, uint16_t vpc,
		       enum dns_transport tr, size_t *out_len)
{
	struct rsv_stats *st = &srv->sh->stats;
	struct rsv_snap *s = rsv_shared_get(srv->sh);
	uint8_t *out = NULL;
	int rc = -ENOENT;
	if (s && (vpc == DNS_FROM_INTERNET || vpc < s->lab->t->n_vpcs))
		rc = dns_answer(s->lab->db, q, len, vpc, tr, &s->health, &out, out_len, NULL);
	rsv_snap_unref(s);
	if (rc == -EBADMSG) {
		atomic_fetch_add(&st->malformed, 1);
	} else if (rc < 0 || !out) {
		atomic_fetch_add(&st->unanswered, 1);
	} else {
		if (*out_len >= 4 && (out[3] & 0x0f) == DNS_FORMERR)
			atomic_fetch_add(&st->malformed, 1);
		atomic_fetch_add(&st->answered, 1);
		return out;
	}
	free(out);
	return NULL;
}

/* ------------------------------------------------------------------ UDP */

static void udp_one(struct rsv_server *srv, ssize_t n, const struct sockaddr_in *from,
		    const struct msghdr *mh)
{
	uint32_t local = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			local = ntohl(((const struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr);
	atomic_fetch_add(&srv->sh->stats.udp, 1);
	uint16_t vpc;
	if (!asker_of(local, &vpc)) {
		atomic_fetch_add(&srv->sh->stats.unanswered, 1);
		return;
	}
	size_t out_len = 0;
	uint8_t *out = answer(srv, srv->buf, (size_t)n, vpc, DNS_UDP, &out_len);
	if (!out)
		return;
	/* From the address asked: the data plane maps it back to base+2 or .253 (or it is
	 * 192.0.2.53 itself). */
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = {0};
	struct iovec iov = {.iov_base = out, .iov_len = out_len};
	struct msghdr rep = {.msg_name = (void *)from, .msg_namelen = sizeof(*from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&rep);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	struct in_pktinfo pi = {.ipi_spec_dst.s_addr = htonl(local)};
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	if (sendmsg(srv->udp_fd, &rep, MSG_DONTWAIT) < 0)
		atomic_fetch_add(&srv->sh->stats.unanswered, 1); /* a full buffer: UDP may lose it */
	free(out);
}

static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct rsv_server *srv = arg;
	(void)what;
	for (int k = 0; k < RSV_UDP_BURST; k++) {
		struct sockaddr_in from;
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = {.iov_base = srv->buf, .iov_len = sizeof(srv->buf)};
		struct msghdr mh = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			return; /* EAGAIN: all read; anything else: the next wake-up tries again */
		if (mh.msg_flags & MSG_TRUNC) {
			atomic_fetch_add(&srv->sh->stats.malformed, 1);
			continue;
		}
		udp_one(srv, n, &from, &mh);
	}
}

/* ------------------------------------------------------------------ TCP */

static void conn_free(struct rsv_conn *c)
{
	struct rsv_server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	bufferevent_free(c->bev);
	free(c);
}

/* Every whole message in the input is answered in order, until the client's unread answers
 * pass RSV_TCP_OUT_MAX: then reading waits for it (on_tcp_write). */
static void on_tcp_read(struct bufferevent *bev, void *arg)
{
	struct rsv_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev), *out = bufferevent_get_output(bev);
	while (evbuffer_get_length(out) < RSV_TCP_OUT_MAX) {
		uint8_t hdr[2];
		if (evbuffer_copyout(in, hdr, 2) < 2)
			return;
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < 2 + len)
			return;
		atomic_fetch_add(&c->srv->sh->stats.tcp, 1);
		uint8_t *q = evbuffer_pullup(in, (ev_ssize_t)(2 + len));
		size_t out_len = 0;
		uint8_t *ans = q ? answer(c->srv, q + 2, len, c->vpc, DNS_TCP, &out_len) : NULL;
		evbuffer_drain(in, 2 + len);
		if (!ans) {
			if (len < 12) { /* not even a header: nothing sensible follows on this stream */
				conn_free(c);
				return;
			}
			continue;
		}
		uint8_t olen[2] = {(uint8_t)(out_len >> 8), (uint8_t)out_len};
		if (out_len > 0xffff || evbuffer_add(out, olen, 2) < 0 || evbuffer_add(out, ans, out_len) < 0) {
			free(ans);
			conn_free(c);
			return;
		}
		free(ans);
	}
	bufferevent_disable(bev, EV_READ);
}

static void on_tcp_write(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0 && !(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		on_tcp_read(bev, arg); /* what waited in the input */
	}
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(arg);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct rsv_server *srv = arg;
	ns_thread_accept_pause(l, srv->tcp_resume, "resolver (TCP)", &srv->tcp_said);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct rsv_server *srv = arg;
	(void)l, (void)sa, (void)salen;
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	uint16_t vpc;
	struct rsv_conn *c = NULL;
	if (srv->n_conns >= RSV_TCP_CONNS) {
		atomic_fetch_add(&srv->sh->stats.tcp_refused, 1);
	} else if (getsockname(fd, (struct sockaddr *)&me, &mlen) < 0 ||
		   !asker_of(ntohl(me.sin_addr.s_addr), &vpc)) {
		atomic_fetch_add(&srv->sh->stats.unanswered, 1);
	} else if ((c = calloc(1, sizeof(*c)))) {
		c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
		if (!c->bev) {
			free(c);
			c = NULL;
		}
	}
	if (!c) {
		evutil_closesocket(fd);
		return;
	}
	c->srv = srv;
	c->vpc = vpc;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	struct timeval idle = {.tv_sec = RSV_TCP_IDLE_S};
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	/* One message at most (and its length) waits in the input: the rest stays in the kernel. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 + 0xffff);
	bufferevent_setcb(c->bev, on_tcp_read, on_tcp_write, on_tcp_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ------------------------------------------------------------------ the thread */

/* Everything the thread needs, in its namespace. 0 or -errno. */
static int serve_open(struct rsv_server *srv)
{
	int rc = ns_thread_enter(srv->ns);
	if (rc < 0)
		return rc;
	srv->base = event_base_new();
	if (!srv->base)
		return -ENOMEM;
	srv->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in any = {.sin_family = AF_INET, .sin_port = htons(DNS_PORT)};
	if (srv->udp_fd < 0 || setsockopt(srv->udp_fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    bind(srv->udp_fd, (struct sockaddr *)&any, sizeof(any)) < 0)
		return -errno;
	srv->tcp = evconnlistener_new_bind(srv->base, on_accept, srv,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
					   64, (struct sockaddr *)&any, sizeof(any));
	if (!srv->tcp)
		return -(errno ? errno : EADDRINUSE);
	srv->tcp_resume = evtimer_new(srv->base, ns_thread_accept_resume, srv->tcp);
	evconnlistener_set_error_cb(srv->tcp, on_accept_error);
	srv->udp_ev = event_new(srv->base, srv->udp_fd, EV_READ | EV_PERSIST, on_udp, srv);
	srv->stop_ev = event_new(srv->base, srv->stop_fd, EV_READ, ns_thread_on_stop, srv->base);
	if (!srv->udp_ev || !srv->stop_ev || event_add(srv->udp_ev, NULL) < 0 || event_add(srv->stop_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static void serve_close(struct rsv_server *srv)
{
	while (srv->conns)
		conn_free(srv->conns);
	if (srv->tcp)
		evconnlistener_free(srv->tcp);
	if (srv->tcp_resume)
		event_free(srv->tcp_resume);
	if (srv->udp_ev)
		event_free(srv->udp_ev);
	if (srv->stop_ev)
		event_free(srv->stop_ev);
	if (srv->udp_fd >= 0)
		close(srv->udp_fd);
	if (srv->base)
		event_base_free(srv->base);
}

static void *serve_main(void *arg)
{
	struct rsv_server *srv = arg;
	int rc = serve_open(srv);
	pthread_mutex_lock(&srv->lock);
	srv->started = true;
	srv->start_rc = rc;
	pthread_cond_signal(&srv->cond);
	pthread_mutex_unlock(&srv->lock);
	if (rc == 0)
		event_base_dispatch(srv->base);
	serve_close(srv);
	return NULL;
}

static void serve_free(struct rsv_server *srv)
{
	if (srv->stop_fd >= 0)
		close(srv->stop_fd);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->cond);
	free(srv);
}

struct rsv_server *rsv_serve_start(const char *ns, struct rsv_shared *sh)
{
	struct rsv_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	snprintf(srv->ns, sizeof(srv->ns), "%s", ns);
	srv->sh = sh;
	srv->udp_fd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	srv->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int rc = srv->stop_fd < 0 ? errno : pthread_create(&srv->th, NULL, serve_main, srv);
	if (rc) {
		serve_free(srv);
		errno = rc;
		return NULL;
	}
	pthread_mutex_lock(&srv->lock);
	while (!srv->started)
		pthread_cond_wait(&srv->cond, &srv->lock);
	rc = srv->start_rc;
	pthread_mutex_unlock(&srv->lock);
	if (rc < 0) {
		pthread_join(srv->th, NULL);
		serve_free(srv);
		errno = -rc;
		return NULL;
	}
	return srv;
}

void rsv_serve_stop(struct rsv_server *srv)
{
	if (!srv)
		return;
	uint64_t one = 1;
	if (write(srv->stop_fd, &one, sizeof(one)) < 0)
		perror("vpclab: router: resolver");
	pthread_join(srv->th, NULL);
	serve_free(srv);
}
