/* Health checkers (lb_check.h): a thread that enters the node's network namespace (setns acts
 * on the calling thread only) and runs its checks on an event_base of its own; nothing in it
 * touches the router's state but the result pipe. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "control/router/ns_thread.h"
#include "control/router/lb_check.h"

struct lbc_job {
	struct lb_checker *c;
	uint32_t index;
	struct lbc_check k;
	struct event *tick;              /* every interval */
	struct event *deadline;          /* TCP: the check's timeout */
	struct bufferevent *bev;         /* TCP: the connection in flight */
	struct evhttp_connection *evcon; /* HTTP: kept from check to check (it reconnects) */
	bool busy;                       /* a check is in flight: a tick does not start another */
	bool timed_out;                  /* HTTP: the request's error was a timeout */
	struct timespec started;         /* HTTP: when the request was made */
};

struct lb_checker {
	char ns[128];
	uint32_t id;
	int result_fd;
	int stop_fd;             /* eventfd: the router asks the thread to end */
	pthread_t th;
	struct event_base *base;
	struct lbc_job *jobs;
	size_t n;
};

static void report(struct lbc_job *j, enum lbc_outcome o, uint16_t code)
{
	struct lbc_result r = {.checker = j->c->id, .check = j->index, .outcome = (uint8_t)o, .code = code};
	if (write(j->c->result_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		return; /* full (or the router going away): the next interval reports again */
}

/* ------------------------------------------------------------------ TCP: a connect */

static void tcp_done(struct lbc_job *j, enum lbc_outcome o)
{
	if (!j->busy)
		return;
	j->busy = false;
	evtimer_del(j->deadline);
	if (j->bev)
		bufferevent_free(j->bev); /* closes the socket: the check was only the handshake */
	j->bev = NULL;
	report(j, o, 0);
}

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct lbc_job *j = arg;
	if (bev != j->bev)
		return;
	if (what & BEV_EVENT_CONNECTED)
		tcp_done(j, LBC_PASS);
	else if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
		tcp_done(j, LBC_FAILED);
}

static void tcp_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	tcp_done(arg, LBC_TIMEOUT);
}

/* A socket bound to the check's source address (Route 53's checks of private addresses leave
 * from the resolver's address for the VPC), or -1 for the kernel's choice. */
static evutil_socket_t bound_socket(const struct lbc_job *j)
{
	if (!j->k.src)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(j->k.src)};
	if (fd >= 0 && bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		close(fd);
		return -2;
	}
	return fd < 0 ? -2 : fd;
}

static void tcp_start(struct lbc_job *j)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(j->k.port),
				 .sin_addr.s_addr = htonl(j->k.ip)};
	j->busy = true;
	evutil_socket_t fd = bound_socket(j);
	j->bev = fd == -2 ? NULL : bufferevent_socket_new(j->c->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!j->bev && fd >= 0)
		close(fd);
	if (!j->bev) {
		tcp_done(j, LBC_FAILED);
		return;
	}
	bufferevent_setcb(j->bev, NULL, NULL, tcp_event, j);
	struct timeval tv = {.tv_sec = j->k.timeout_s};
	evtimer_add(j->deadline, &tv);
	if (bufferevent_socket_connect(j->bev, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		tcp_done(j, LBC_FAILED); /* a no-op when its event callback already said so */
}

/* ------------------------------------------------------------------ HTTP: a GET */

static void http_error(enum evhttp_request_error e, void *arg)
{
	struct lbc_job *j = arg;
	j->timed_out = e == EVREQ_HTTP_TIMEOUT;
}

static void http_done(struct evhttp_request *req, void *arg)
{
	struct lbc_job *j = arg;
	if (!j->busy)
		return;
	j->busy = false;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	/* A connect that timed out reaches here without the error callback (libevent 2.1 fails
	 * the request without a reason): the time spent tells. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - j->started.tv_sec) * 1000L + (now.tv_nsec - j->started.tv_nsec) / 1000000L;
	if (code <= 0 && ms + 100 >= (long)j->k.timeout_s * 1000L)
		j->timed_out = true;
	if (code <= 0)
		report(j, j->timed_out ? LBC_TIMEOUT : LBC_FAILED, 0);
	else if (code >= j->k.match_lo && code <= j->k.match_hi)
		report(j, LBC_PASS, (uint16_t)code);
	else
		report(j, LBC_CODE, (uint16_t)code);
}

static void http_start(struct lbc_job *j)
{
	char ip[INET_ADDRSTRLEN], host[INET_ADDRSTRLEN + 8];
	struct in_addr a = {.s_addr = htonl(j->k.ip)};
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (!j->evcon) {
		j->evcon = evhttp_connection_base_new(j->c->base, NULL, ip, j->k.port);
		if (!j->evcon) {
			report(j, LBC_FAILED, 0);
			return;
		}
		/* connect, send and the wait for the answer: AWS's health check timeout */
		evhttp_connection_set_timeout(j->evcon, j->k.timeout_s);
		if (j->k.src) {
			char src[INET_ADDRSTRLEN];
			struct in_addr s = {.s_addr = htonl(j->k.src)};
			evhttp_connection_set_local_address(j->evcon, inet_ntop(AF_INET, &s, src, sizeof(src)));
		}
	}
	struct evhttp_request *req = evhttp_request_new(http_done, j);
	if (!req) {
		report(j, LBC_FAILED, 0);
		return;
	}
	evhttp_request_set_error_cb(req, http_error);
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	snprintf(host, sizeof(host), "%s:%u", ip, j->k.port);
	evhttp_add_header(h, "Host", host);
	/* AWS's, as servers log them */
	evhttp_add_header(h, "User-Agent", j->k.route53 ? "Amazon-Route53-Health-Check-Service (ref vpclab; "
			  "report http://amzn.to/1vsZADi)" : "ELB-HealthChecker/2.0");
	evhttp_add_header(h, "Connection", "close");
	j->busy = true;
	j->timed_out = false;
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	if (evhttp_make_request(j->evcon, req, EVHTTP_REQ_GET, j->k.path[0] ? j->k.path : "/") < 0) {
		j->busy = false; /* the request was freed */
		report(j, LBC_FAILED, 0);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lbc_job *j = arg;
	(void)fd, (void)what;
	if (j->busy)
		return; /* AWS: the timeout is shorter than the interval; a slow one is not doubled */
	if (j->k.http)
		http_start(j);
	else
		tcp_start(j);
}

static void *checker_main(void *arg)
{
	struct lb_checker *c = arg;
	int rc = ns_thread_enter(c->ns);
	if (rc < 0) {
		fprintf(stderr, "vpclab: router: health checks of %s: %s\n", c->ns, strerror(-rc));
		return NULL;
	}
	c->base = event_base_new();
	struct event *stop = c->base ? event_new(c->base, c->stop_fd, EV_READ, ns_thread_on_stop, c->base) : NULL;
	if (!stop || event_add(stop, NULL) < 0) {
		fprintf(stderr, "vpclab: router: health checks of %s: no event loop\n", c->ns);
		if (stop)
			event_free(stop);
		if (c->base)
			event_base_free(c->base);
		return NULL;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct lbc_job *j = &c->jobs[i];
		j->tick = event_new(c->base, -1, EV_PERSIST, on_tick, j);
		j->deadline = evtimer_new(c->base, tcp_deadline, j);
		if (!j->tick || !j->deadline)
			continue;
		struct timeval tv = {.tv_sec = j->k.interval_s ? j->k.interval_s : 30};
		event_add(j->tick, &tv);
		/* The first check at once (AWS: at registration), by an event of its own: activating
		 * the persistent one would move its next run a whole interval later. */
		struct timeval now = {0, 0};
		event_base_once(c->base, -1, EV_TIMEOUT, on_tick, j, &now);
	}
	event_base_dispatch(c->base);
	for (size_t i = 0; i < c->n; i++) {
		struct lbc_job *j = &c->jobs[i];
		if (j->bev)
			bufferevent_free(j->bev);
		if (j->evcon)
			evhttp_connection_free(j->evcon); /* frees a request in flight, without its callback */
		if (j->tick)
			event_free(j->tick);
		if (j->deadline)
			event_free(j->deadline);
	}
	event_free(stop);
	event_base_free(c->base);
	return NULL;
}

struct lb_checker *lbc_start(const char *ns, uint32_t id, const struct lbc_check *checks, size_t n,
			     int result_fd)
{
	struct lb_checker *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	c->id = id;
	c->result_fd = result_fd;
	c->n = n;
	c->jobs = calloc(n ? n : 1, sizeof(*c->jobs));
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!c->jobs || c->stop_fd < 0) {
		int e = c->jobs ? errno : ENOMEM;
		if (c->stop_fd >= 0)
			close(c->stop_fd);
		free(c->jobs);
		free(c);
		errno = e;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		c->jobs[i] = (struct lbc_job){.c = c, .index = (uint32_t)i, .k = checks[i]};
	int rc = pthread_create(&c->th, NULL, checker_main, c);
	if (rc) {
		close(c->stop_fd);
		free(c->jobs);
		free(c);
		errno = rc;
		return NULL;
	}
	return c;
}

void lbc_stop(struct lb_checker *c)
{
	if (!c)
		return;
	uint64_t one = 1;
	if (write(c->stop_fd, &one, sizeof(one)) < 0)
		perror("vpclab: router: health checks");
	pthread_join(c->th, NULL);
	close(c->stop_fd);
	free(c->jobs);
	free(c);
}
