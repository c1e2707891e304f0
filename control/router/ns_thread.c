/* Entering a lab namespace from a router thread (ns_thread.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "control/router/ns_thread.h"

int ns_thread_enter(const char *ns)
{
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	char path[192];
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

void ns_thread_on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	event_base_loopbreak(arg);
}

void ns_thread_accept_pause(struct evconnlistener *lev, struct event *resume, const char *who, bool *said)
{
	int e = EVUTIL_SOCKET_ERROR();
	if (!*said)
		fprintf(stderr, "vpclab: router: %s: cannot accept a connection (%s); pausing 100 ms at each\n",
			who, strerror(e));
	*said = true;
	if (!resume)
		return; /* without a timer, keep accepting (and warning) rather than stop for good */
	evconnlistener_disable(lev);
	struct timeval tv = {0, 100 * 1000};
	evtimer_add(resume, &tv);
}

void ns_thread_accept_resume(evutil_socket_t fd, short what, void *lev)
{
	(void)fd, (void)what;
	evconnlistener_enable(lev);
}
