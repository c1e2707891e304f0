/* The data plane's event loop: epoll over every tap, a timer for connection-table sweeps,
 * signals, and any extra descriptor the daemon registers (its control socket). Single-threaded:
 * the pipeline and its state are only ever touched from here. */
#ifndef VPCLAB_LOOP_H
#define VPCLAB_LOOP_H

#include <stdint.h>

#include "pipeline.h"

struct dp_loop;

/* taps[i] is the fd of port i (t->n_ports of them). The loop owns neither s nor the fds.
 * NULL with errno set. */
struct dp_loop *loop_create(struct dp_state *s, const int *taps, uint16_t n_taps);
void loop_destroy(struct dp_loop *l);

/* Calls fn(ctx, fd) whenever fd is readable. 0 or -errno. */
int loop_add_fd(struct dp_loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx);
/* The same when fd is writable: an answer streamed in slices, one per turn, while its reader
 * takes it. */
int loop_add_fd_out(struct dp_loop *l, int fd, void (*fn)(void *ctx, int fd), void *ctx);
int loop_del_fd(struct dp_loop *l, int fd);

/* For apply, between two packets: taps (n_taps of them; -1 for a hole or a port not made yet)
 * may have moved and grown. A port's fd is read from loop_watch_tap (0 or -errno) until
 * loop_unwatch_tap (before its fd is closed). */
void loop_set_taps(struct dp_loop *l, const int *taps, uint16_t n_taps);
int loop_watch_tap(struct dp_loop *l, uint16_t port);
void loop_unwatch_tap(struct dp_loop *l, uint16_t port);

/* Runs until loop_stop or SIGTERM/SIGINT. 0 or -errno. */
int loop_run(struct dp_loop *l);
void loop_stop(struct dp_loop *l);

/* CLOCK_MONOTONIC in ns: the `now` every stage is given. */
uint64_t loop_now(void);

#endif
