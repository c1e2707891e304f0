/* The router's threads that live in a lab namespace (health checkers, application load
 * balancer proxies, the resolver): setns acts on the calling thread only, so each enters its
 * namespace itself, and leaves every signal to the router loop (its signalfd, the SIGCHLD
 * reaper). Each runs its own event_base, stopped through an eventfd. */
#ifndef VPCLAB_NS_THREAD_H
#define VPCLAB_NS_THREAD_H

#include <event2/event.h>

/* Blocks every signal on the calling thread and moves it into the network namespace
 * /run/netns/NS. 0 or -errno. */
int ns_thread_enter(const char *ns);

/* An event callback for the thread's stop eventfd: arg is the event_base to leave. */
void ns_thread_on_stop(evutil_socket_t fd, short what, void *arg);

#endif
