/* The event loop (loop.h). Frames are read in batches per ready tap into one buffer, run
 * through pipeline_process (which sends), and the next is read: no queue, no copy, no
 * allocation per packet. A 1 s timer sweeps a slice of the connection pool. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "flowlog.h"
#include "lb.h"
#include "natgw.h"
#include "tap.h"

#define LOOP_BATCH 64            /* frames read from one tap before looking at the others */
#define LOOP_MAX_EXTRA 24      /* the control socket, waiting clients, captures, dumps */
#define SWEEP_ENTRIES 65536      /* of the lab's pool per tick: bounded work, all of it over time */

struct loop_extra {
	int fd;
	void (*fn)(void *ctx, int fd);
	void *ctx;
};

struct dp_loop {
	struct dp_state *s;
	const int *taps;
	uint16_t n_taps;
	int epfd, timerfd, sigfd;
	int stop;
	uint32_t flowlog_due;    /* wall-clock second the current flow log window ends */
	struct loop_extra extra[LOOP_MAX_EXTRA];
	uint8_t buf[TAP_VNET_LEN + TAP_FRAME_MAX];
};

/* epoll data: tap index, or one of these tags above the port range. */
#define TAG_TIMER 0x10000u
#define TAG_SIGNAL 0x10001u
#define TAG_EXTRA 0x20000u

uint64_t loop_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int loop_send(void *ctx, uint16_t port, const struct pkt *p)
{
	struct dp_loop *l = ctx;
	if (port >= l->n_taps || l->taps[port] < 0)
		return -EINVAL; /* a hole an apply left, or a port whose namespace is not made yet */
	/* The vnet header sits right before the frame (tap_read put it there); a rewrite never
	 * moves the frame, so header and frame go out in one write. */
	return tap_write(l->taps[port], p->frame - TAP_VNET_LEN, p->len + TAP_VNET_LEN);
}

static int epoll_add_ev(int epfd, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u32 = tag};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int epoll_add(int epfd, int fd, uint32_t tag)
{
	return epoll_add_ev(epfd, fd, tag, EPOLLIN);
}

static int loop_setup_fds(struct dp_loop *l)
{
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
	if (l->timerfd < 0 || timerfd_settime(l->timerfd, 0, &its, NULL) < 0)
		return -errno;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	int rc = epoll_add(l->epfd, l->timerfd, TAG_TIMER);
	if (rc == 0)
		rc = epoll_add(l->epfd, l->sigfd, TAG_SIGNAL);
	for (uint16_t i = 0; rc == 0 && i < l->n_taps; i++)
		if (l->taps[i] >= 0)
			rc = epoll_add(l->epfd, l->taps[i], i);
	return rc;
}

struct dp_loop *loop_create(struct dp_state *s, const int *taps, uint16_t n_taps)
{
	struct dp_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->s = s;
	l->taps = taps;
	l->n_taps = n_taps;
	l->timerfd = l->sigfd = -1;
	for (int i = 0; i < LOOP_MAX_EXTRA; i++)
		l->extra[i].fd = -1;
	s->send = loop_send;
	s->send_ctx = l;
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	s->wall_offset_ns = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - (int64_t)loop_now();
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	int rc = l->epfd < 0 ? -errno : loop_setup_fds(l);
	if (rc < 0) {
		loop_destroy(l);
		errno = -rc;
		return NULL;
	}
	return l;
}

void loop_destroy(struct dp_loop *l)
{
	if (!l)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	l->s->send = NULL;
	free(l);
}

static int loop_add_fd_ev(struct dp_loop *l, int fd, uint32_t events, void (*fn)(void *ctx, int fd),
			  void *ctx)
{
	for (uint32_t i = 0; i < LOOP_MAX_EXTRA; i++) {
		if (l->extra[i].fd >= 0)
			continue;
		int rc = epoll_add_ev(l->epfd, fd, TAG_EXTRA + i, events);
		if (rc == 0)
			l->extra[i] = (struct loop_extra){.fd = fd, .fn = fn, .ctx = ctx};
		return rc;
	}
	return -ENOSPC;
}

int loop_add_fd(struct dp_loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx)
{
	return loop_add_fd_ev(l, fd, EPOLLIN, fn, ctx);
}

int loop_add_fd_out(struct dp_loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx)
{
	return loop_add_fd_ev(l, fd, EPOLLOUT, fn, ctx);
}

int loop_del_fd(struct dp_loop *l, int fd)
{
	for (int i = 0; i < LOOP_MAX_EXTRA; i++)
		if (l->extra[i].fd == fd)
			l->extra[i].fd = -1;
	return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

void loop_set_taps(struct dp_loop *l, const int *taps, uint16_t n_taps)
{
	l->taps = taps;
	l->n_taps = n_taps;
}

int loop_watch_tap(struct dp_loop *l, uint16_t port)
{
	return port < l->n_taps && l->taps[port] >= 0 ? epoll_add(l->epfd, l->taps[port], port) : -EBADF;
}

void loop_unwatch_tap(struct dp_loop *l, uint16_t port)
{
	if (port < l->n_taps && l->taps[port] >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->taps[port], NULL);
}

void loop_stop(struct dp_loop *l)
{
	l->stop = 1;
}

static void loop_drain_tap(struct dp_loop *l, uint16_t port)
{
	uint64_t now = loop_now();
	for (int i = 0; i < LOOP_BATCH; i++) {
		ssize_t n = tap_read(l->taps[port], l->buf, sizeof(l->buf));
		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n < 0) {
			/* The device is gone (its namespace was deleted under the lab): stop watching
			 * it rather than spin on an fd that will never read again. */
			fprintf(stderr, "vpclab: port %u: %s; no longer watched\n", port, strerror((int)-n));
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->taps[port], NULL);
			return;
		}
		if (n < TAP_VNET_LEN)
			continue;
		pipeline_process(l->s, l->buf + TAP_VNET_LEN, (uint32_t)(n - TAP_VNET_LEN),
				 TAP_FRAME_MAX, l->buf, port, now);
	}
}

static void loop_tick(struct dp_loop *l)
{
	uint64_t expirations;
	if (read(l->timerfd, &expirations, sizeof(expirations)) < 0)
		return;
	uint64_t now = loop_now();
	ct_sweep(l->s->ct, now, SWEEP_ENTRIES);
	nat_sweep(l->s, now);
	lb_sweep(l->s, now);
	struct dp_state *s = l->s;
	if (s->flowlog && s->flowlog_emit) {
		uint32_t now_s = dp_wall_s(s, now);
		if (!l->flowlog_due)
			l->flowlog_due = now_s + flowlog_interval(s->flowlog);
		if (now_s >= l->flowlog_due) {
			flowlog_flush(s->flowlog, s->t, now_s, s->flowlog_emit, s->flowlog_ctx);
			l->flowlog_due = now_s + flowlog_interval(s->flowlog);
		}
	}
}

static void loop_dispatch(struct dp_loop *l, uint32_t tag)
{
	if (tag < l->n_taps && l->taps[tag] >= 0) {
		loop_drain_tap(l, (uint16_t)tag);
	} else if (tag == TAG_TIMER) {
		loop_tick(l);
	} else if (tag == TAG_SIGNAL) {
		struct signalfd_siginfo si;
		if (read(l->sigfd, &si, sizeof(si)) > 0)
			l->stop = 1;
	} else if (tag >= TAG_EXTRA && tag < TAG_EXTRA + LOOP_MAX_EXTRA) {
		struct loop_extra *x = &l->extra[tag - TAG_EXTRA];
		if (x->fd >= 0)
			x->fn(x->ctx, x->fd);
	}
}

int loop_run(struct dp_loop *l)
{
	struct epoll_event evs[64];
	while (!l->stop) {
		int n = epoll_wait(l->epfd, evs, 64, 1000);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->stop; i++)
			loop_dispatch(l, evs[i].data.u32);
	}
	return 0;
}
