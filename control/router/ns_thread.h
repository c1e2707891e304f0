/* The router's threads that live in a lab namespace (health checkers, application load
 * balancer proxies, the resolver): setns acts on the calling thread only, so each enters its
 * namespace itself, and leaves every signal to the router loop (its signalfd, the SIGCHLD
 * reaper). Each runs its own event_base, stopped through an eventfd. */
#ifndef VPCLAB_NS_THREAD_H
#define VPCLAB_NS_THREAD_H

#include <stdbool.h>

#include <event2/event.h>

/* Blocks every signal on the calling thread and moves it into the network namespace
 * /run/netns/NS. 0 or -errno. */
int ns_thread_enter(const char *ns);

/* An event callback for the thread's stop eventfd: arg is the event_base to leave. */
void ns_thread_on_stop(evutil_socket_t fd, short what, void *arg);

/* An accept that fails for want of descriptors (EMFILE, ENFILE) leaves the listening socket
 * readable: the loop would spin on it and libevent warn at every turn. A listener's error
 * callback calls ns_thread_accept_pause, which stops accepting for 100 ms; `resume` is the
 * caller's timer, made with evtimer_new(base, ns_thread_accept_resume, lev) and freed before
 * the listener. Says so on stderr once per listener (*said). */
struct evconnlistener;
void ns_thread_accept_pause(struct evconnlistener *lev, struct event *resume, const char *who, bool *said);
void ns_thread_accept_resume(evutil_socket_t fd, short what, void *lev);

#endif
