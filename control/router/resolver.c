/* The resolver in the router (resolver.h): snapshots made here and handed to the serving thread
 * through struct rsv_shared; Route 53 check results read from the checker's pipe and a one-second
 * timer for the load balancer nodes, both in the router's loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "control/dns/dns_json.h"
#include "control/router/lb_check.h"
#include "control/router/resolver.h"
#include "control/router/resolver_serve.h"
#include "control/router/resolver_snap.h"
#include "control/router/router.h"
#include "dataplane/lb.h"
#include "dataplane/loop.h"

#define R53_TIMEOUT_TCP_S 10     /* Route 53: a TCP check passes when it connects within 10 s */
#define R53_TIMEOUT_HTTP_S 6     /* HTTP: 4 s to connect, then 2 s for the status line */

/* One Route 53 check's state, kept across applies while the check stays the same. */
struct r53_entry {
	char key[256];
	struct r53_state st;
};

struct resolver {
	struct rsv_shared sh;
	struct rsv_server *srv;
	uint16_t port;               /* the resolver port the server was started for */
	struct rsv_lab *lab;         /* the router's reference to the current lab part */
	uint8_t *node_up;            /* [lab->t->n_ports] as last published */
	struct r53_entry *checks;    /* [lab->t->n_r53_checks] */
	uint8_t *check_ok;           /* the same, as dns_health wants it */
	struct lb_checker *checker;
	char *checker_desc;
	uint32_t checker_id;
	int rfd, wfd;                /* the checker's results */
	int timer_fd;
};

static int target_state(void *ctx, uint16_t tg, uint32_t k)
{
	return (int)lb_target_state(ctx, tg, k);
}

/* A new snapshot from the current lab part and health. */
static int publish(struct resolver *res)
{
	struct rsv_snap *s = rsv_snap_new(res->lab, res->check_ok, res->node_up);
	if (!s)
		return -ENOMEM;
	rsv_shared_set(&res->sh, s);
	return 0;
}

static void on_timer(void *ctx, int fd)
{
	struct router *r = ctx;
	struct resolver *res = r->resolver;
	uint64_t ticks;
	if (read(fd, &ticks, sizeof(ticks)) < 0 || !res || !res->lab)
		return;
	const struct vl_tables *t = res->lab->t;
	if (!t->n_lbs || t->generation != r->t->generation)
		return;
	uint8_t *up = malloc(t->n_ports ? t->n_ports : 1);
	if (!up)
		return;
	rsv_nodes_up(t, target_state, r->s, up);
	if (memcmp(up, res->node_up, t->n_ports) != 0) {
		memcpy(res->node_up, up, t->n_ports);
		if (publish(res) < 0)
			fprintf(stderr, "vpclab: router: resolver: %s\n", strerror(ENOMEM));
	}
	free(up);
}

static void on_results(void *ctx, int fd)
{
	struct router *r = ctx;
	struct resolver *res = r->resolver;
	struct lbc_result v[64];
	ssize_t got;
	bool changed = false;
	while ((got = read(fd, v, sizeof(v))) > 0) {
		for (size_t i = 0; res && res->lab && i < (size_t)got / sizeof(v[0]); i++) {
			const struct vl_tables *t = res->lab->t;
			if (v[i].checker != res->checker_id || v[i].check >= t->n_r53_checks)
				continue; /* from a checker stopped since */
			const struct vl_r53_check *c = &t->r53_checks[v[i].check];
			struct r53_entry *e = &res->checks[v[i].check];
			if (!r53_step(&e->st, c->failure_threshold, v[i].outcome == LBC_PASS))
				continue;
			res->check_ok[v[i].check] = e->st.ok;
			changed = true;
			fprintf(stderr, "vpclab: router: route 53 health check %s: %s\n", c->name,
				e->st.ok ? "healthy" : "unhealthy");
		}
	}
	if (changed && publish(res) < 0)
		fprintf(stderr, "vpclab: router: resolver: %s\n", strerror(ENOMEM));
}

static struct resolver *create(struct router *r)
{
	struct resolver *res = calloc(1, sizeof(*res));
	int p[2] = {-1, -1};
	if (!res)
		return NULL;
	pthread_mutex_init(&res->sh.lock, NULL);
	res->rfd = res->wfd = res->timer_fd = -1;
	res->port = VL_NONE;
	r->resolver = res;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	res->rfd = p[0];
	res->wfd = p[1];
	res->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec every = {.it_interval = {1, 0}, .it_value = {1, 0}};
	if (res->timer_fd < 0 || timerfd_settime(res->timer_fd, 0, &every, NULL) < 0)
		goto fail;
	if (loop_add_fd(r->loop, res->rfd, on_results, r) < 0 ||
	    loop_add_fd(r->loop, res->timer_fd, on_timer, r) < 0)
		goto fail;
	return res;
fail:
	resolver_free(r);
	return NULL;
}

/* A check's identity: a change of any of it is a new check (Route 53 has no in-place edit of
 * these but the threshold and interval, which keep the state here too). */
static void check_key(const struct vl_r53_check *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %08x %u %u %u %s", c->name, c->ip, c->vpc, c->port, c->proto, c->path);
}

/* The states for t's checks: kept by key, new ones healthy. 0 or -ENOMEM. */
static int sync_states(struct resolver *res, const struct vl_tables *t)
{
	size_t n = t->n_r53_checks;
	struct r53_entry *v = calloc(n ? n : 1, sizeof(*v));
	uint8_t *ok = malloc(n ? n : 1);
	if (!v || !ok) {
		free(v), free(ok);
		return -ENOMEM;
	}
	size_t old_n = res->lab ? res->lab->t->n_r53_checks : 0;
	for (size_t i = 0; i < n; i++) {
		check_key(&t->r53_checks[i], v[i].key, sizeof(v[i].key));
		v[i].st = (struct r53_state){.ok = 1};
		for (size_t k = 0; k < old_n; k++)
			if (!strcmp(res->checks[k].key, v[i].key))
				v[i].st = res->checks[k].st;
		ok[i] = v[i].st.ok;
	}
	free(res->checks);
	free(res->check_ok);
	res->checks = v;
	res->check_ok = ok;
	return 0;
}

/* The checker for t's checks, restarted when they changed (its results then go to the new
 * indexes). 0 or -errno. */
static int sync_checker(struct resolver *res, const struct vl_tables *t, const char *ns)
{
	size_t n = t->n_r53_checks, len = 0;
	char *desc = NULL;
	FILE *d = open_memstream(&desc, &len);
	struct lbc_check *checks = calloc(n ? n : 1, sizeof(*checks));
	if (!d || !checks) {
		if (d)
			fclose(d);
		free(desc), free(checks);
		return -ENOMEM;
	}
	fprintf(d, "%s;", ns);
	for (size_t i = 0; i < n; i++) {
		const struct vl_r53_check *c = &t->r53_checks[i];
		bool http = c->proto == VL_HC_HTTP;
		uint16_t timeout = http ? R53_TIMEOUT_HTTP_S : R53_TIMEOUT_TCP_S;
		checks[i] = (struct lbc_check){.ip = c->ip, .port = c->port, .http = http,
					       .interval_s = c->interval_s ? c->interval_s : 30,
					       .timeout_s = timeout, .match_lo = 200, .match_hi = 399,
					       .route53 = 1};
		/* Route 53 checks a private address from inside its VPC: from the resolver's
		 * address there, which the data plane lets through as Route 53's (tables_dns.h). */
		if (c->vpc != VL_NONE && c->vpc < VL_RESOLVER_MAX_VPCS)
			checks[i].src = vl_resolver_addr(c->vpc, VL_AT_BASE2);
		snprintf(checks[i].path, sizeof(checks[i].path), "%s", c->path[0] ? c->path : "/");
		fprintf(d, "%08x %u %u %u %u %08x %s;", c->ip, c->port, http, checks[i].interval_s,
			c->failure_threshold, checks[i].src, checks[i].path);
	}
	int rc = fclose(d) == 0 ? 0 : -ENOMEM;
	if (rc == 0 && res->checker && res->checker_desc && !strcmp(res->checker_desc, desc)) {
		free(desc), free(checks);
		return 0;
	}
	lbc_stop(res->checker);
	res->checker = NULL;
	free(res->checker_desc);
	res->checker_desc = desc;
	res->checker_id++; /* the stopped one's results still in the pipe are stale */
	if (rc == 0 && n) {
		res->checker = lbc_start(ns, res->checker_id, checks, n, res->wfd);
		if (!res->checker)
			rc = -errno;
	}
	free(checks);
	return rc;
}

/* The lab part, node health and check states for r->t, published. 0 or -errno. */
static int sync_snapshot(struct router *r, struct resolver *res)
{
	const struct vl_tables *t = r->t;
	struct rsv_lab *lab = rsv_lab_new(t);
	uint8_t *up = lab ? malloc(t->n_ports ? t->n_ports : 1) : NULL;
	if (!up || sync_states(res, lab->t) < 0) {
		free(up);
		rsv_lab_unref(lab);
		return -ENOMEM;
	}
	rsv_nodes_up(lab->t, target_state, r->s, up);
	free(res->node_up);
	res->node_up = up;
	rsv_lab_unref(res->lab);
	res->lab = lab;
	return publish(res);
}

int resolver_sync(struct router *r)
{
	const struct vl_tables *t = r->t;
	uint16_t port = t->resolver_port;
	if (port >= t->n_ports || t->ports[port].kind != VL_PORT_RESOLVER) {
		resolver_free(r); /* no VPC any more: nothing answers */
		return 0;
	}
	struct resolver *res = r->resolver;
	if (!res && !(res = create(r))) {
		fprintf(stderr, "vpclab: router: resolver: %s\n", strerror(errno));
		return -errno;
	}
	int rc = 0;
	if (!res->lab || res->lab->t->generation != t->generation)
		rc = sync_snapshot(r, res);
	char ns[128];
	vl_port_netns(t, port, ns, sizeof(ns));
	bool tap_up = r->taps && r->taps[port] >= 0;
	if (res->srv && res->port != port) {
		rsv_serve_stop(res->srv);
		res->srv = NULL;
	}
	if (!res->srv && tap_up) {
		res->srv = rsv_serve_start(ns, &res->sh);
		res->port = port;
		if (!res->srv) {
			fprintf(stderr, "vpclab: router: resolver in %s: %s\n", ns, strerror(errno));
			rc = rc ? rc : -errno;
		}
	}
	int crc = tap_up && res->lab ? sync_checker(res, res->lab->t, ns) : 0;
	if (crc < 0)
		fprintf(stderr, "vpclab: router: route 53 health checks: %s\n", strerror(-crc));
	if (rc < 0)
		fprintf(stderr, "vpclab: router: resolver: %s\n", strerror(-rc));
	return rc ? rc : crc;
}

void resolver_free(struct router *r)
{
	struct resolver *res = r->resolver;
	if (!res)
		return;
	rsv_serve_stop(res->srv); /* first: it reads the snapshot */
	lbc_stop(res->checker);   /* then the checker: it writes to the pipe */
	if (r->loop && res->rfd >= 0)
		loop_del_fd(r->loop, res->rfd);
	if (r->loop && res->timer_fd >= 0)
		loop_del_fd(r->loop, res->timer_fd);
	if (res->rfd >= 0)
		close(res->rfd);
	if (res->wfd >= 0)
		close(res->wfd);
	if (res->timer_fd >= 0)
		close(res->timer_fd);
	rsv_shared_set(&res->sh, NULL);
	pthread_mutex_destroy(&res->sh.lock);
	rsv_lab_unref(res->lab);
	free(res->node_up);
	free(res->checks);
	free(res->check_ok);
	free(res->checker_desc);
	free(res);
	r->resolver = NULL;
}

int resolver_lookup(struct router *r, const char *name, uint16_t qtype, uint16_t vpc, json_t **out)
{
	*out = NULL;
	struct resolver *res = r->resolver;
	struct rsv_snap *s = res ? rsv_shared_get(&res->sh) : NULL;
	if (!s)
		return -ENOENT;
	struct dns_result dr;
	int rc = dns_resolve(s->lab->db, name, qtype, vpc, &s->health, &dr);
	if (rc == 0 || rc == -ENETUNREACH) {
		*out = dns_result_json(&dr, s->lab->t);
		if (!*out)
			rc = -ENOMEM;
	}
	dns_result_fini(&dr);
	rsv_snap_unref(s);
	return rc;
}

json_t *resolver_stats_json(struct router *r)
{
	struct resolver *res = r->resolver;
	if (!res)
		return NULL;
	struct rsv_stats *st = &res->sh.stats;
	json_t *checks = json_array();
	for (size_t i = 0; res->lab && i < res->lab->t->n_r53_checks; i++)
		json_array_append_new(checks, json_pack("{s:s, s:b, s:i, s:i}", "name",
				      res->lab->t->r53_checks[i].name, "healthy", res->checks[i].st.ok,
				      "passes", res->checks[i].st.passes, "fails", res->checks[i].st.fails));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			 "queries_udp", (json_int_t)atomic_load(&st->udp),
			 "queries_tcp", (json_int_t)atomic_load(&st->tcp),
			 "answered", (json_int_t)atomic_load(&st->answered),
			 "malformed", (json_int_t)atomic_load(&st->malformed),
			 "unanswered", (json_int_t)atomic_load(&st->unanswered),
			 "tcp_refused", (json_int_t)atomic_load(&st->tcp_refused),
			 "health_checks", checks);
}
