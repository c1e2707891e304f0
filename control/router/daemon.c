/* The router process (daemon.h). Order matters for cleanup: every namespace is recorded in the
 * state directory before it is created, so `down` can undo a crash at any point; the parent of
 * a background `up` hears "ok" only once every tap is configured and the loop is about to run. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/router/daemon.h"
#include "dataplane/flowlog.h"
#include "dataplane/loop.h"
#include "dataplane/natgw.h"
#include "dataplane/tables.h"
#include "dataplane/tap.h"
#include "control/host/link_stats.h"
#include "control/host/parallel.h"
#include "control/host/progress.h"
#include "control/host/provision.h"
#include "control/router/apply.h"
#include "control/router/asg.h"
#include "control/router/ctl_dump.h"
#include "control/router/lb_health.h"
#include "control/router/ports.h"
#include "control/router/resolver.h"
#include "control/router/router.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "control/router/status.h"
#include "vpclab/ctl.h"

/* The lab's connection limit: CT_LIMIT_DEFAULT, or VPCLAB_CT_LIMIT (tests use a small pool to
 * reach DROP_CT_FULL with a few hundred flows). 0 or -EINVAL for a value that is not 1..max. */
static int ct_limit_env(uint32_t *limit)
{
	const char *v = getenv("VPCLAB_CT_LIMIT");
	*limit = CT_LIMIT_DEFAULT;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || *end || v[0] == '-' || n == 0 || n > CT_LIMIT_MAX)
		return -EINVAL;
	*limit = (uint32_t)n;
	return 0;
}


/* The `up` waiting for this router (0 in the foreground, where there is none). */
static pid_t router_parent;

/* Whether provisioning must stop and undo itself: SIGTERM or SIGINT is pending (they are blocked
 * until the loop reads them from its signalfd: `down`, Ctrl-C of a foreground up, or the death
 * of the waiting `up` through PR_SET_PDEATHSIG), or that `up` is gone (it died before the
 * death signal was armed). */
static bool router_stop_asked(void)
{
	sigset_t pending;
	if (sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
		return true;
	return router_parent && getppid() != router_parent;
}

/* Every namespace of the lab (ports.h); on failure r->err says why. */
static int provision_all(struct router *r, int ready_fd)
{
	uint16_t n = r->t->n_ports;
	uint16_t *which = malloc(sizeof(*which) * (n ? n : 1));
	if (!which)
		return -ENOMEM;
	for (uint16_t i = 0; i < n; i++)
		which[i] = i;
	struct ports_job job = {.t = r->t, .which = which, .n = n, .taps = r->taps,
				.tap_nl = r->tap_nl, .ready_fd = ready_fd, .show = ready_fd < 0,
				.stop = router_stop_asked,
				.err = r->err, .errcap = sizeof(r->err)};
	int rc = ports_provision(&job);
	free(which);
	return rc;
}

/* The answer goes out without waiting: the socket's send buffer is made large enough for any
 * answer, and a client too slow to take it loses it. The data plane never blocks on a client. */
static void ctl_answer(struct router *r, int fd, char *req)
{
	json_t *ans = ctl_handle(r, req);
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	if (text) {
		size_t len = strlen(text);
		int sz = (int)(len + 4096 < (64u << 20) ? len + 4096 : (64u << 20));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		if (send(fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
			fprintf(stderr, "vpclab: control: a client did not take its %zu-byte answer\n", len);
	}
	free(text);
	json_decref(ans);
}

/* Set when a client asked for `down`: that client removes the namespaces itself once the
 * router is gone (state_cleanup, drawing its progress on the client's terminal), so the router
 * only closes. Stopped any other way (a signal, Ctrl-C) the router cleans up as before. */
static bool down_by_client;

/* A whole request line arrived (or the buffer is full): answer it, or hand fd to a capture. */
static void ctl_request_done(struct router *r, int fd, char *req)
{
	req[strcspn(req, "\r\n")] = '\0';
	if (strcmp(req, VL_CTL_DOWN) == 0)
		down_by_client = true;
	const char *spec = ctl_arg(req, VL_CTL_CAPTURE), *apply = ctl_arg(req, VL_CTL_APPLY);
	bool flows = strcmp(req, VL_CTL_FLOWS) == 0, status = strcmp(req, VL_CTL_STATUS) == 0;
	if (spec) {
		if (ctl_capture(r, fd, spec) == 0)
			return; /* the capture owns fd now */
	} else if (apply) {
		int rc = apply_start(r, fd, apply);
		if (rc == -EBUSY && apply_wait(r, fd, apply) == 0)
			return; /* starts when the group's change ends */
		if (rc == 0)
			return; /* answered when it ends */
		char msg[160];
		int len = snprintf(msg, sizeof(msg), "{\"error\": \"%s\"}",
				   rc == -EBUSY ? "another apply is in progress: try again when it ends"
				   : rc == -EINVAL ? "a bad apply request" : strerror(-rc));
		if (send(fd, msg, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			fprintf(stderr, "vpclab: control: a client did not take its answer\n");
	} else if (flows || status) {
		if (ctl_dump_start(r, fd, flows ? CTL_DUMP_FLOWS : CTL_DUMP_STATUS) == 0)
			return; /* streamed in slices; the dump owns fd now */
		static const char busy[] = "{\"error\": \"the router is busy: try again\"}";
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			fprintf(stderr, "vpclab: control: a client did not take its answer\n");
	} else {
		ctl_answer(r, fd, req);
	}
	close(fd);
}

static struct ctl_client *ctl_client_of(struct router *r, int fd)
{
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (r->clients[i].fd == fd)
			return &r->clients[i];
	return NULL;
}

/* More of a request from a client that did not send it at once. */
static void ctl_client_ready(void *ctx, int fd)
{
	struct router *r = ctx;
	struct ctl_client *c = ctl_client_of(r, fd);
	if (!c)
		return;
	ssize_t n = recv(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	loop_del_fd(r->loop, fd);
	c->fd = -1;
	if (n <= 0) {
		close(fd);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (!strchr(c->buf, '\n') && c->len < sizeof(c->buf) - 1) {
		c->fd = fd; /* still incomplete: keep waiting */
		loop_add_fd(r->loop, fd, ctl_client_ready, r);
		return;
	}
	ctl_request_done(r, fd, c->buf);
}

/* Waits for the rest of a request without blocking the loop. At most CTL_CLIENTS wait at once;
 * a new one pushes out the longest waiting, so silent clients cannot pile up. */
static void ctl_client_park(struct router *r, int fd, const char *got, size_t len)
{
	struct ctl_client *c = ctl_client_of(r, -1);
	if (!c) {
		c = &r->clients[r->next_evict++ % CTL_CLIENTS];
		loop_del_fd(r->loop, c->fd);
		close(c->fd);
	}
	c->fd = fd;
	c->len = len;
	memcpy(c->buf, got, len);
	if (loop_add_fd(r->loop, fd, ctl_client_ready, r) < 0) {
		c->fd = -1;
		close(fd);
	}
}

/* One request per connection. Nothing here waits for a client. */
static void ctl_ready(void *ctx, int lfd)
{
	struct router *r = ctx;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	char req[VL_CTL_MAX_LINE];
	ssize_t n = recv(fd, req, sizeof(req) - 1, 0);
	if (n < 0 && errno == EAGAIN) {
		ctl_client_park(r, fd, "", 0);
		return;
	}
	if (n <= 0) {
		close(fd);
		return;
	}
	req[n] = '\0';
	if (!strchr(req, '\n') && (size_t)n < sizeof(req) - 1)
		ctl_client_park(r, fd, req, (size_t)n);
	else
		ctl_request_done(r, fd, req);
}

static int ctl_listen(struct router *r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (state_path(sa.sun_path, sizeof(sa.sun_path), r->t->lab, "ctl") < 0)
		return -ENAMETOOLONG;
	unlink(sa.sun_path);
	r->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->ctl_fd < 0)
		return -errno;
	if (bind(r->ctl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(r->ctl_fd, 16) < 0)
		return -errno;
	return loop_add_fd(r->loop, r->ctl_fd, ctl_ready, r);
}

/* Moves NAME.log to NAME.log.1 (the one rotated file kept), counting what the .1 it replaces
 * held: flow logs live in /run, which is memory, so they may not grow without limit. */
static void flowlog_rotate(struct router *r, uint16_t port, const char *path)
{
	struct flowlog_file *f = &r->flowlog_sizes[port];
	char old[320];
	snprintf(old, sizeof(old), "%s.1", path);
	r->flowlog_stats.discarded_records += f->old_lines;
	r->flowlog_stats.discarded_bytes += f->old_bytes;
	fclose(r->flowlog_files[port]);
	r->flowlog_files[port] = NULL;
	if (rename(path, old) < 0) {
		unlink(path); /* cannot keep it: start over rather than grow */
		r->flowlog_stats.discarded_records += f->lines;
		r->flowlog_stats.discarded_bytes += f->bytes;
		f->lines = f->bytes = 0;
	}
	*f = (struct flowlog_file){.old_lines = f->lines, .old_bytes = f->bytes};
	r->flowlog_stats.rotations++;
}

/* A record for one instance's file, opened at its first record: creating 1,000 files at up
 * costs more than half a second where /run is a disk file system. A file past flowlog_max is
 * rotated first. */
static void flowlog_write(void *ctx, uint16_t port, const char *line)
{
	struct router *r = ctx;
	if (!r->flowlog_files || port >= r->t->n_ports || r->t->ports[port].kind != VL_PORT_INSTANCE)
		return;
	char path[300];
	if (state_path(path, sizeof(path) - 64, r->t->lab, "flowlogs") < 0)
		return;
	snprintf(path + strlen(path), 64, "/%s.log", r->t->ports[port].name);
	size_t len = strlen(line) + 1;
	struct flowlog_file *f = &r->flowlog_sizes[port];
	if (f->bytes && f->bytes + len > r->flowlog_max) {
		if (!r->flowlog_files[port])
			r->flowlog_files[port] = fopen(path, "ae");
		if (r->flowlog_files[port])
			flowlog_rotate(r, port, path);
	}
	if (!r->flowlog_files[port]) {
		r->flowlog_files[port] = fopen(path, "ae");
		if (!r->flowlog_files[port])
			return;
		/* Every line is written out at once anyway: no 4 KB stdio buffer per instance. */
		setvbuf(r->flowlog_files[port], NULL, _IONBF, 0);
	}
	if (fprintf(r->flowlog_files[port], "%s\n", line) > 0) {
		f->bytes += len;
		f->lines++;
	}
}

/* Flow log files, one per instance interface, appended window after window. */
static int flowlog_open(struct router *r)
{
	char dir[256];
	state_path(dir, sizeof(dir), r->t->lab, "flowlogs");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	r->flowlog_files = calloc(r->t->n_ports ? r->t->n_ports : 1, sizeof(FILE *));
	r->flowlog_sizes = calloc(r->t->n_ports ? r->t->n_ports : 1, sizeof(*r->flowlog_sizes));
	r->s->flowlog = flowlog_create(r->t->n_ports, r->flowlog_interval_s, (uint32_t)time(NULL));
	if (!r->flowlog_files || !r->flowlog_sizes || !r->s->flowlog)
		return -ENOMEM;
	r->s->flowlog_emit = flowlog_write;
	r->s->flowlog_ctx = r;
	return 0;
}

static void router_free(struct router *r)
{
	asg_free(r);
	resolver_free(r); /* its threads first: they read its snapshot, write to its pipe */
	lbh_free(r); /* its threads first: they write to a pipe the loop owns */
	ctl_dump_close_all(r);
	for (uint16_t i = 0; r->tap_nl && i < r->t->n_ports; i++)
		if (r->tap_nl[i] >= 0)
			close(r->tap_nl[i]);
	free(r->tap_nl);
	free(r->flowlog_sizes);
	for (uint16_t i = 0; r->flowlog_files && i < r->t->n_ports; i++)
		if (r->flowlog_files[i])
			fclose(r->flowlog_files[i]);
	free(r->flowlog_files);
	for (uint16_t i = 0; r->taps && i < r->t->n_ports; i++)
		if (r->taps[i] >= 0)
			close(r->taps[i]);
	if (r->ctl_fd >= 0)
		close(r->ctl_fd);
	loop_destroy(r->loop);
	dp_state_destroy(r->s);
	free(r->taps);
	vl_tables_free(r->t);
}

/* Everything up to "traffic can flow". On failure r->err says why; the caller cleans up. */
static int router_start(struct router *r, int ready_fd)
{
	uint32_t ct_limit;
	if (ct_limit_env(&ct_limit) < 0) {
		snprintf(r->err, sizeof(r->err), "VPCLAB_CT_LIMIT: not a number of entries 1..%u",
			 CT_LIMIT_MAX);
		return -EINVAL;
	}
	/* NAT: the lab's translation limit and, for tests, a narrower port range */
	struct nat_limits nat = {NAT_LIMIT_DEFAULT, NAT_PORT_LO, NAT_PORT_HI};
	if (nat_limits_parse(&nat, getenv("VPCLAB_NAT_PORTS"), getenv("VPCLAB_NAT_LIMIT")) < 0) {
		snprintf(r->err, sizeof(r->err), "VPCLAB_NAT_PORTS (LO-HI within %u-%u) or "
			 "VPCLAB_NAT_LIMIT (1..%u): not valid", NAT_PORT_LO, NAT_PORT_HI, NAT_LIMIT_MAX);
		return -EINVAL;
	}
	r->taps = malloc(sizeof(int) * (r->t->n_ports ? r->t->n_ports : 1));
	r->tap_nl = malloc(sizeof(int) * (r->t->n_ports ? r->t->n_ports : 1));
	if (!r->taps || !r->tap_nl)
		return -ENOMEM;
	for (uint16_t i = 0; i < r->t->n_ports; i++)
		r->taps[i] = r->tap_nl[i] = -1;
	int prc = provision_all(r, ready_fd);
	if (prc < 0)
		return prc;
	r->s = dp_state_create(r->t, ct_limit);
	r->nat_limits = nat;
	if (r->s)
		nat_configure(r->s, &nat); /* checked above; no translation yet */
	if (r->s)
		r->loop = loop_create(r->s, r->taps, r->t->n_ports);
	if (!r->s || !r->loop) {
		snprintf(r->err, sizeof(r->err), "data plane: %s", strerror(errno));
		return -errno;
	}
	int rc = flowlog_open(r);
	if (rc < 0) {
		snprintf(r->err, sizeof(r->err), "flow logs: %s", strerror(-rc));
		return rc;
	}
	rc = ctl_listen(r);
	if (rc == 0)
		rc = state_write_pid(r->t->lab, getpid());
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "control socket: %s", strerror(-rc));
	return rc;
}

/* SIGHUP (a closed terminal, a stray `kill -HUP`) must not take a lab down unannounced:
 * the router says so in its log and goes on; `vpclab down` stops it. */
static void on_sighup(int sig)
{
	static const char msg[] = "vpclab: router: SIGHUP ignored ('vpclab down' stops the lab)\n";
	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		return;
}

static void report(int fd, const char *msg)
{
	if (fd >= 0 && write(fd, msg, strlen(msg)) < 0)
		return; /* the parent went away: nothing to tell */
}

/* Runs in the router process. ready_fd: where to say "ok" or the error (-1 in foreground).
 * parent: the `up` waiting for "ok" (0 in foreground); while it waits, its death is this
 * lab's end. The lock fd is shared with that parent until "ok": only a router that is the last
 * holder removes the lock file (state_unlock). */
/* A tap per interface, the load balancers' and the resolver's connections: a lab of 1,000
 * instances needs more than the usual soft limit of 1024 descriptors. The hard limit bounds
 * them (and a listener pauses when even that runs out: ns_thread.h). */
static void more_files(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (1u << 20)) {
		rl.rlim_cur = rl.rlim_max < (1u << 20) ? rl.rlim_max : (1u << 20);
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int router_main(struct vl_tables *t, int ready_fd, const struct daemon_opts *o, int lock,
		       pid_t parent)
{
	bool foreground = o->foreground;
	struct router r = {.t = t, .ctl_fd = -1, .apply_wait_fd = -1, .flowlog_interval_s = o->flowlog_interval_s,
			   .flowlog_max = o->flowlog_max ? o->flowlog_max : FLOWLOG_MAX_DEFAULT};
	r.flowlog_stats.max_bytes = r.flowlog_max;
	for (int i = 0; i < CTL_CLIENTS; i++)
		r.clients[i].fd = -1;
	for (int i = 0; i < CTL_DUMPS; i++)
		r.dumps[i].fd = -1;
	signal(SIGPIPE, SIG_IGN); /* a client (or an `up` parent) that went away must never kill it */
	more_files();
	sigaction(SIGHUP, &(struct sigaction){.sa_handler = on_sighup, .sa_flags = SA_RESTART}, NULL);
	/* Blocked before the pool's threads exist (they inherit it): a stop request waits, pending,
	 * for router_stop_asked or the loop's signalfd, and never kills the router half way. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	router_parent = parent;
	if (parent)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	char lab[sizeof(t->lab)];
	snprintf(lab, sizeof(lab), "%s", t->lab);
	/* The pid first (again when ready: its time is the lab's start): `down` finds this router
	 * while it provisions, too. */
	int rc = state_write_pid(lab, getpid());
	if (rc == 0)
		rc = router_start(&r, ready_fd);
	/* User data once the lab is up (rule-file.md): before "ok", so that `up` returns with
	 * every command started and a failure to start one is the up's error. */
	if (rc == 0)
		rc = run_start(r.t, o->runs, o->n_runs, r.err, sizeof(r.err));
	/* Health checks once the targets' commands are started: a target is `initial` until its
	 * first check, so no connection goes to a server not yet listening but by failing open. */
	if (rc == 0) {
		lbh_sync(&r); /* a failure is said in the log; the lab runs on */
		resolver_sync(&r); /* likewise: the lab runs on without names */
		asg_start(&r, o->members, o->n_members, o->runs, o->n_runs); /* likewise, unscaled */
	}
	if (rc == 0 && parent) {
		prctl(PR_SET_PDEATHSIG, 0); /* from "ok" on, the lab outlives its `up` */
		if (router_stop_asked()) {
			snprintf(r.err, sizeof(r.err), "interrupted before the lab was ready");
			rc = -EINTR;
		}
	}
	if (rc < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "error: %s\n", r.err[0] ? r.err : strerror(-rc));
		report(ready_fd, msg);
		router_free(&r);
		int left = state_cleanup(lab);
		if (foreground) {
			msg[strcspn(msg, "\n")] = '\0';
			fprintf(stderr, "vpclab: up: %s; %s\n", msg + 7,
				left < 0 ? "not all was removed ('vpclab down' tries again)"
					 : "nothing of the lab is left");
			state_unlock(lab, lock);
		} else {
			close(lock); /* the waiting `up`, when alive, removes the file after us */
		}
		return rc;
	}
	report(ready_fd, "ok\n");
	if (ready_fd >= 0)
		close(ready_fd);
	if (foreground)
		printf("lab %s is up; Ctrl-C takes it down\n", lab), fflush(stdout);
	rc = loop_run(r.loop);
	apply_stop(&r);
	router_free(&r);
	if (!down_by_client) {
		state_cleanup(lab);
		state_unlock(lab, lock);
	} else {
		close(lock); /* that `down` takes the lock next, cleans up and removes the file */
	}
	return rc;
}

static void daemon_detach(const char *lab)
{
	char path[256];
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int log = state_path(path, sizeof(path), lab, "log") == 0
			  ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)
			  : -1;
	if (null >= 0)
		dup2(null, 0);
	if (log >= 0) {
		dup2(log, 1);
		dup2(log, 2);
	}
}

/* The router of the `up` in progress, for the signal handler below. */
static volatile pid_t up_child;
static volatile sig_atomic_t up_interrupted;

/* Ctrl-C (or SIGTERM, SIGHUP) of a waiting `up`: the router is told to undo the lab, and `up`
 * waits until it has, so nothing runs on when the prompt comes back. */
static void up_on_signal(int sig)
{
	(void)sig;
	up_interrupted = 1;
	if (up_child > 0)
		kill(up_child, SIGTERM);
}

/* The parent of a background `up`: wait for the router's word ("ok" or "error: ..."), drawing
 * its "progress DONE TOTAL" lines on the terminal meanwhile. On failure the router is reaped,
 * whatever it left is removed, and then the lock file: this parent is its last holder. */
static int daemon_wait_ready(int fd, pid_t child, const char *lab, int lock, sigset_t *saved)
{
	char buf[512];
	size_t got = 0;
	ssize_t n;
	struct progress pg;
	progress_begin(&pg, "provisioning", 0);
	for (;;) {
		char *nl;
		while ((nl = memchr(buf, '\n', got)) && strncmp(buf, "progress ", 9) == 0) {
			size_t done, total, len = (size_t)(nl - buf) + 1;
			*nl = '\0';
			if (sscanf(buf + 9, "%zu %zu", &done, &total) == 2) {
				pg.total = total;
				progress_show(&pg, done);
			}
			memmove(buf, nl + 1, got - len);
			got -= len;
		}
		if (got >= sizeof(buf) - 1)
			break;
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	progress_end(&pg);
	buf[got] = '\0';
	close(fd);
	/* From here a signal waits (and then finds its old action): one that came after the look
	 * below must not take down a lab this `up` reports as up, nor cut its cleanup short. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, saved);
	bool ok = strncmp(buf, "ok\n", 3) == 0;
	if (ok && !up_interrupted) {
		close(lock); /* the router holds it through its inherited copy */
		return 0;
	}
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (ok) {
		/* The signal came with "ok" and still reached the running router: it took the lab
		 * down itself and removed the lock file, which is no longer ours to touch. */
		close(lock);
		fprintf(stderr, "vpclab: up: interrupted; the lab was taken down again\n");
		return -EINTR;
	}
	buf[strcspn(buf, "\n")] = '\0';
	const char *why = got ? buf + (strncmp(buf, "error: ", 7) ? 0 : 7)
			      : "the router exited before the lab was ready";
	struct state_left left;
	char what[512];
	if (state_cleanup_left(lab, &left) < 0 && state_left_text(&left, lab, what, sizeof(what)) < 0) {
		fprintf(stderr, "vpclab: up: %s; left: %s ('vpclab down %s' tries again)\n", why, what, lab);
		close(lock);
	} else {
		fprintf(stderr, "vpclab: up: %s; nothing of the lab is left\n", why);
		state_unlock(lab, lock);
	}
	return up_interrupted ? -EINTR : -EIO;
}

int daemon_up(struct vl_tables *t, const char *source, const struct daemon_opts *o)
{
	bool foreground = o->foreground;
	if (dp_tables_prepare(t) < 0) {
		fprintf(stderr, "vpclab: up: %s\n", strerror(ENOMEM));
		vl_tables_free(t);
		return -ENOMEM;
	}
	char lab[sizeof(t->lab)];
	snprintf(lab, sizeof(lab), "%s", t->lab);
	/* The lock first: two `up`s of one lab at once must not clean up each other's work. */
	int lock = state_lock(lab);
	if (lock < 0) {
		if (lock == -EBUSY)
			fprintf(stderr, "vpclab: up: lab %s is already running ('vpclab down %s' first)\n", lab, lab);
		else
			fprintf(stderr, "vpclab: up: %s/%s.lock: %s\n", VL_RUN_DIR, lab, strerror(-lock));
		vl_tables_free(t);
		return lock;
	}
	state_cleanup(lab); /* what a crashed run left behind, if anything */
	int rc = state_create(lab);
	if (rc < 0) {
		fprintf(stderr, "vpclab: up: %s/%s: %s\n", VL_RUN_DIR, lab, strerror(-rc));
		vl_tables_free(t);
		state_unlock(lab, lock);
		return rc;
	}
	if (source) {
		state_write_source(lab, source); /* for `vpclab list`; a lab runs without it */
		state_keep_file(lab, source);    /* for `apply` and `status`; likewise optional */
	}
	if (foreground) {
		return router_main(t, -1, o, lock, 0); /* it releases the lock */
	}
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		state_cleanup(lab);
		state_unlock(lab, lock);
		return rc;
	}
	/* Set before the fork: a signal from then on reaches the router once its pid is known. */
	struct sigaction on = {.sa_handler = up_on_signal}, old[3];
	static const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
	sigemptyset(&on.sa_mask);
	up_child = 0;
	up_interrupted = 0;
	for (int i = 0; i < 3; i++) /* one ignored (nohup) stays ignored */
		if (sigaction(sigs[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &on, NULL);
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		state_cleanup(lab);
		state_unlock(lab, lock);
		return rc;
	}
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		close(pfd[0]);
		daemon_detach(lab);
		_exit(router_main(t, pfd[1], o, lock, parent) < 0 ? 1 : 0);
	}
	up_child = pid;
	if (up_interrupted)
		kill(pid, SIGTERM); /* it came between the fork and the line above */
	close(pfd[1]);
	vl_tables_free(t);
	sigset_t saved;
	rc = daemon_wait_ready(pfd[0], pid, lab, lock, &saved);
	up_child = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return rc;
}
