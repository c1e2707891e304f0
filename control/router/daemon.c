/* The router process (daemon.h). Order matters for cleanup: every namespace is recorded in the
 * state directory before it is created, so `down` can undo a crash at any point; the parent of
 * a background `up` hears "ok" only once every tap is configured and the loop is about to run. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/router/daemon.h"
#include "dataplane/flowlog.h"
#include "dataplane/loop.h"
#include "dataplane/tables.h"
#include "dataplane/tap.h"
#include "control/host/provision.h"
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


struct tap_open_arg {
	int fd;
};

static int open_eth0(void *arg)
{
	struct tap_open_arg *a = arg;
	a->fd = tap_open("eth0");
	return a->fd < 0 ? a->fd : 0;
}

static int provision_port(struct router *r, uint16_t i)
{
	const struct vl_port *p = &r->t->ports[i];
	char ns[96], path[128];
	snprintf(ns, sizeof(ns), "%s-%s", r->t->lab, p->name);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (access(path, F_OK) == 0) {
		snprintf(r->err, sizeof(r->err), "namespace %s already exists (not this lab's)", ns);
		return -EEXIST;
	}
	int rc = state_add_netns(r->t->lab, ns);
	if (rc == 0)
		rc = prov_netns_add(ns);
	struct tap_open_arg a = {.fd = -1};
	if (rc == 0)
		rc = prov_in_netns(ns, open_eth0, &a);
	r->taps[i] = a.fd;
	if (rc < 0) {
		snprintf(r->err, sizeof(r->err), "namespace %s: %s", ns, strerror(-rc));
		return rc;
	}
	struct prov_if cfg = {.ifname = "eth0", .mtu = p->mtu, .ip = p->ip,
			      .prefix_len = p->prefix_len, .gateway = p->gateway};
	memcpy(cfg.mac, p->mac, 6);
	rc = prov_configure(ns, &cfg);
	if (rc < 0)
		snprintf(r->err, sizeof(r->err), "namespace %s: eth0: %s", ns, prov_last_error());
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

/* A whole request line arrived (or the buffer is full): answer it, or hand fd to a capture. */
static void ctl_request_done(struct router *r, int fd, char *req)
{
	req[strcspn(req, "\r\n")] = '\0';
	const char *spec = ctl_arg(req, VL_CTL_CAPTURE);
	if (spec) {
		if (ctl_capture(r, fd, spec) == 0)
			return; /* the capture owns fd now */
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

static void flowlog_write(void *ctx, uint16_t port, const char *line)
{
	struct router *r = ctx;
	if (r->flowlog_files && r->flowlog_files[port]) {
		fprintf(r->flowlog_files[port], "%s\n", line);
		fflush(r->flowlog_files[port]);
	}
}

/* Flow log files, one per instance interface, appended window after window. */
static int flowlog_open(struct router *r)
{
	char dir[256], path[300];
	state_path(dir, sizeof(dir), r->t->lab, "flowlogs");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	r->flowlog_files = calloc(r->t->n_ports ? r->t->n_ports : 1, sizeof(FILE *));
	r->s->flowlog = flowlog_create(r->t->n_ports, r->flowlog_interval_s, (uint32_t)time(NULL));
	if (!r->flowlog_files || !r->s->flowlog)
		return -ENOMEM;
	for (uint16_t i = 0; i < r->t->n_ports; i++) {
		if (r->t->ports[i].kind != VL_PORT_INSTANCE)
			continue;
		snprintf(path, sizeof(path), "%s/%s.log", dir, r->t->ports[i].name);
		r->flowlog_files[i] = fopen(path, "ae");
		if (!r->flowlog_files[i])
			return -errno;
		/* Every line is written out at once anyway: no 4 KB stdio buffer per instance. */
		setvbuf(r->flowlog_files[i], NULL, _IONBF, 0);
	}
	r->s->flowlog_emit = flowlog_write;
	r->s->flowlog_ctx = r;
	return 0;
}

static void router_free(struct router *r)
{
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
static int router_start(struct router *r)
{
	uint32_t ct_limit;
	if (ct_limit_env(&ct_limit) < 0) {
		snprintf(r->err, sizeof(r->err), "VPCLAB_CT_LIMIT: not a number of entries 1..%u",
			 CT_LIMIT_MAX);
		return -EINVAL;
	}
	r->taps = malloc(sizeof(int) * (r->t->n_ports ? r->t->n_ports : 1));
	if (!r->taps)
		return -ENOMEM;
	for (uint16_t i = 0; i < r->t->n_ports; i++)
		r->taps[i] = -1;
	for (uint16_t i = 0; i < r->t->n_ports; i++) {
		int rc = provision_port(r, i);
		if (rc < 0)
			return rc;
	}
	r->s = dp_state_create(r->t, ct_limit);
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

/* Runs in the router process. ready_fd: where to say "ok" or the error (-1 in foreground). */
static int router_main(struct vl_tables *t, int ready_fd, const struct daemon_opts *o, int lock)
{
	bool foreground = o->foreground;
	struct router r = {.t = t, .ctl_fd = -1, .flowlog_interval_s = o->flowlog_interval_s};
	for (int i = 0; i < CTL_CLIENTS; i++)
		r.clients[i].fd = -1;
	signal(SIGPIPE, SIG_IGN); /* a client (or an `up` parent) that went away must never kill it */
	sigaction(SIGHUP, &(struct sigaction){.sa_handler = on_sighup, .sa_flags = SA_RESTART}, NULL);
	char lab[sizeof(t->lab)];
	snprintf(lab, sizeof(lab), "%s", t->lab);
	int rc = router_start(&r);
	if (rc < 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "error: %s\n", r.err[0] ? r.err : strerror(-rc));
		report(ready_fd, msg);
		if (foreground)
			fputs(msg + 7, stderr);
		router_free(&r);
		state_cleanup(lab);
		state_unlock(lab, lock);
		return rc;
	}
	report(ready_fd, "ok\n");
	if (ready_fd >= 0)
		close(ready_fd);
	if (foreground)
		printf("lab %s is up; Ctrl-C takes it down\n", lab), fflush(stdout);
	rc = loop_run(r.loop);
	router_free(&r);
	state_cleanup(lab);
	state_unlock(lab, lock);
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

/* The parent of a background `up`: wait for the router's word. */
static int daemon_wait_ready(int fd, pid_t child, const char *lab)
{
	char buf[512];
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(buf) - 1 && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	if (strncmp(buf, "ok\n", 3) == 0)
		return 0;
	waitpid(child, NULL, 0);
	fprintf(stderr, "vpclab: up: %s", got ? buf + (strncmp(buf, "error: ", 7) ? 0 : 7)
					     : "the router exited before the lab was ready\n");
	state_cleanup(lab);
	return -EIO;
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
	if (source)
		state_write_source(lab, source); /* for `vpclab list`; a lab runs without it */
	if (foreground) {
		return router_main(t, -1, o, lock); /* it releases the lock */
	}
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = -errno;
		state_cleanup(lab);
		state_unlock(lab, lock);
		return rc;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		rc = -errno;
		state_cleanup(lab);
		state_unlock(lab, lock);
		return rc;
	}
	if (pid == 0) {
		close(pfd[0]);
		daemon_detach(lab);
		_exit(router_main(t, pfd[1], o, lock) < 0 ? 1 : 0);
	}
	close(pfd[1]);
	vl_tables_free(t);
	rc = daemon_wait_ready(pfd[0], pid, lab);
	close(lock); /* the router keeps holding it through its inherited copy (or removed it) */
	return rc;
}
