/* `vpclab test` (labtest.h): load the lab and any checks files (load_checks.c), bring the lab up
 * (daemon.c), probe every selected check with real traffic (probe.c) on a bounded pool of threads,
 * trace each one offline on the same compiled tables (trace.c), compare, report, take the lab
 * down: always, also after a failure or Ctrl-C, unless --keep. Checks aimed at the same listeners
 * (namespaces, protocol, port) share one probe, each client with its own nonce; probes whose
 * listeners overlap otherwise run one after the other; the rest run at once. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "control/labtest/check_name.h"
#include "control/labtest/labtest.h"
#include "control/labtest/probe.h"
#include "control/tools/trace.h"

enum { LT_OK = 0, LT_FAILED = 1, LT_SYSTEM = 3, LT_INTERRUPTED = 130 };

/* The pure parts (labtest.h). */

const char *labtest_check_head(const struct lab_check *k, char *buf, size_t cap)
{
	const char *from = k->from.s ? k->from.s : "?", *to = k->to.s ? k->to.s : "?";
	const char *proto = k->protocol.s ? k->protocol.s : "?";
	if (k->port.set)
		snprintf(buf, cap, "%s -> %s %s/%lld", from, to, proto, k->port.v);
	else
		snprintf(buf, cap, "%s -> %s %s", from, to, proto);
	return buf;
}

const char *labtest_check_text(const struct lab_check *k, char *buf, size_t cap)
{
	char head[128];
	labtest_check_head(k, head, sizeof(head));
	if (k->seen_as.s)
		snprintf(buf, cap, "%s %s seen_as %s", head, k->expect.s ? k->expect.s : "?",
			 k->seen_as.s);
	else
		snprintf(buf, cap, "%s %s", head, k->expect.s ? k->expect.s : "?");
	return buf;
}

bool labtest_selected(const struct lab_check *k, const char *glob)
{
	char text[192];
	labtest_check_text(k, text, sizeof(text));
	return fnmatch(glob, text, 0) == 0 || (k->from.s && fnmatch(glob, k->from.s, 0) == 0);
}

/* Loading: the lab with its own checks, then each checks file; every file's diagnostics are
 * printed together, in its own order. */

static int lt_print_diag(struct diag *d)
{
	int errors = diag_errors(d);
	diag_print(d, stderr);
	diag_destroy(d);
	return errors;
}

/* The checked lab, or NULL after printing every error. */
static struct lab *lt_load(const struct labtest_opts *o)
{
	struct diag *d = diag_create();
	struct diag *fd[LABTEST_MAX_FILES] = { NULL };
	size_t first[LABTEST_MAX_FILES + 1];
	int errors = 0;
	struct lab *m = d ? lab_load(o->lab, d) : NULL;
	for (size_t i = 0; m && i < o->n_files; i++) {
		first[i] = m->n_checks;
		fd[i] = diag_create();
		if (fd[i])
			lab_load_checks(m, o->files[i], fd[i]);   /* errors: in fd[i] */
		else
			errors++;
	}
	if (m) {
		/* The lab's own checks are checked with the lab; each file's against it after. */
		size_t all = m->n_checks;
		m->n_checks = o->n_files ? first[0] : all;
		lab_check(m, d);
		m->n_checks = all;
		for (size_t i = 0; i < o->n_files; i++) {
			size_t end = i + 1 < o->n_files ? first[i + 1] : all;
			if (fd[i])
				lab_check_checks(m, first[i], end - first[i], fd[i]);
		}
	}
	if (d)
		errors += lt_print_diag(d);
	for (size_t i = 0; i < o->n_files; i++)
		if (fd[i])
			errors += lt_print_diag(fd[i]);
	if (!m && !errors)
		errors = 1;         /* out of memory before anything could be said */
	if (errors || !m) {
		fprintf(stderr, "vpclab: test: %d error%s: nothing was run\n", errors,
			errors == 1 ? "" : "s");
		lab_free(m);
		return NULL;
	}
	return m;
}

/* The runs: one item per selected check; items aimed at the same listeners (protocol, port,
 * namespaces) share one probe, a job, whose clients run at once. */

#define LT_GROUP_MAX 32          /* clients in one probe */

enum { JOB_WAITING, JOB_RUNNING, JOB_DONE };

struct lt_item {
	const struct lab_check *k;
	uint16_t from;
	uint16_t listen[PROBE_MAX_LISTEN];   /* port indexes where listeners go */
	size_t n_listen;
	uint32_t dst;                        /* what the client sends to */
	uint16_t lport;                      /* the port at the listeners (targets) */
	char src[128];
	size_t job, slot;                    /* its probe and its client there */
	char to[16];                         /* `to:` a DNS name: the address it resolved to */
	char unresolved[480];                /* `to:` a DNS name that resolves to no address: why */
};

struct lt_job {
	const struct lt_item *first;         /* the listeners, protocol and port are its */
	char dst[PROBE_MAX_LISTEN][144];
	struct probe_client *clients;
	struct probe_req req;
	int state;
};

struct lt_run {
	struct lt_item *items;
	struct lt_job *jobs;
	size_t n_items, n_jobs, next_free;   /* next_free: no job before it is still waiting */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Ports that hold address a, as private or public address. */
static void lt_holders(const struct vl_tables *t, uint32_t a, struct lt_item *it)
{
	for (uint16_t p = 0; p < t->n_ports && it->n_listen < PROBE_MAX_LISTEN; p++)
		if (vl_port_used(&t->ports[p]) && (t->ports[p].ip == a || t->ports[p].public_ip == a))
			it->listen[it->n_listen++] = p;
}

/* A load balancer's listener for the check's protocol and port, or NULL (nothing may answer). */
static const struct vl_listener *lt_listener(const struct vl_tables *t, const struct lab_check *k,
					     uint16_t lb)
{
	const struct vl_lb *b = &t->lbs[lb];
	for (uint32_t i = b->listener_first; i < b->listener_first + b->listener_count; i++) {
		const struct vl_listener *l = &t->listeners[i];
		bool tcp = l->proto == VL_LBP_TCP || l->proto == VL_LBP_TCP_UDP || l->proto == VL_LBP_HTTP;
		bool udp = l->proto == VL_LBP_UDP || l->proto == VL_LBP_TCP_UDP;
		if (l->port == k->port.v && ((k->proto == 6 && tcp) || (k->proto == 17 && udp)))
			return l;
	}
	return NULL;
}

/* Behind a load balancer: every target of the listener's group may get the flow (the hash
 * picks one; with none healthy, any). They listen on the target port; a group whose targets
 * use several ports is probed on the first target's, and the others are left out. */
static void lt_targets(const struct vl_tables *t, const struct lab_check *k, uint16_t lb,
		       struct lt_item *it)
{
	const struct vl_listener *l = lb < t->n_lbs ? lt_listener(t, k, lb) : NULL;
	const struct vl_tg *g = l && l->tg < t->n_tgs ? &t->tgs[l->tg] : NULL;
	for (uint32_t i = 0; g && i < g->target_count && it->n_listen < PROBE_MAX_LISTEN; i++) {
		const struct vl_lb_target *x = &t->targets[g->target_first + i];
		if (!it->lport)
			it->lport = x->tport;
		bool seen = false;
		for (size_t j = 0; j < it->n_listen; j++)
			seen |= it->listen[j] == x->port;
		if (x->tport == it->lport && !seen)
			it->listen[it->n_listen++] = x->port;
	}
}

/* `to:` a DNS name: the address the resolver answers the source (checks run on the lab's
 * tables, every node and health check up); its holders listen, or a load balancer's targets
 * when the name is the load balancer's (or an alias to it). A name with no address is the
 * check's failure, not the run's: it gets no probe. */
static int lt_item_name(const struct vl_tables *t, const struct lab_check *k, struct lt_item *it)
{
	uint16_t lb;
	char why[160];
	int rc = check_name_resolve(t, it->from, k->to.s, &it->dst, &lb, why, sizeof(why));
	if (rc == -ENOENT)
		snprintf(it->unresolved, sizeof(it->unresolved), "'%s' resolves to no address from %s: %s",
			 k->to.s, t->ports[it->from].name, why);
	else if (rc < 0)
		return rc;
	else if (lb != VL_NONE && k->proto != 1)
		lt_targets(t, k, lb, it);
	else
		lt_holders(t, it->dst, it);
	addr_fmt(it->dst, it->to);
	if (!it->lport)
		it->lport = (uint16_t)k->port.v;
	snprintf(it->src, sizeof(it->src), "/run/netns/%s-%s", t->lab, t->ports[it->from].name);
	return 0;
}

/* What to probe: the address the trace resolves `to` to, and the namespaces that should
 * receive it: the instance or host named, the instance holding the elastic IP (none for a NAT
 * gateway's or an unassociated one: nothing may answer), a load balancer's targets, or whoever
 * holds the address. */
static int lt_item_init(const struct vl_tables *t, const struct lab_check *k, struct lt_item *it)
{
	memset(it, 0, sizeof(*it));
	it->k = k;
	it->from = k->from_port;
	if (it->from >= t->n_ports)
		return -ENOENT;
	if (k->to_kind == LAB_REF_NAME)
		return lt_item_name(t, k, it);
	if (trace_resolve(t, it->from, k->to.s, &it->dst) < 0)
		return -ENOENT;
	if (k->to_kind == LAB_REF_PORT && k->to_idx < t->n_ports)
		it->listen[it->n_listen++] = k->to_idx;
	else if (k->to_kind == LAB_REF_EIP && k->to_idx < t->n_eips && t->eips[k->to_idx].port != VL_NONE)
		it->listen[it->n_listen++] = t->eips[k->to_idx].port;
	else if (k->to_kind == LAB_REF_ADDR)
		lt_holders(t, k->to_addr, it);
	else if (k->to_kind == LAB_REF_LB && k->proto != 1 && k->to_idx < t->n_lbs &&
		 t->lbs[k->to_idx].type == VL_LB_APPLICATION)
		lt_holders(t, it->dst, it); /* the proxy ends the connection at the node, as trace shows */
	else if (k->to_kind == LAB_REF_LB && k->proto != 1)
		lt_targets(t, k, k->to_idx, it);
	if (!it->lport)
		it->lport = (uint16_t)k->port.v;
	snprintf(it->src, sizeof(it->src), "/run/netns/%s-%s", t->lab, t->ports[it->from].name);
	return 0;
}

static bool lt_same_listeners(const struct lt_item *a, const struct lt_item *b)
{
	return a->k->proto == b->k->proto && a->k->port.v == b->k->port.v && a->lport == b->lport &&
	       a->n_listen == b->n_listen &&
	       !memcmp(a->listen, b->listen, a->n_listen * sizeof(a->listen[0]));
}

/* Assigns every item its job: the first job with the same listeners and room, else a new one
 * (ICMP binds no port and a probe without listener shares nothing: always their own). */
static void lt_group(struct lt_run *r, size_t *sizes)
{
	r->n_jobs = 0;
	for (size_t i = 0; i < r->n_items; i++) {
		struct lt_item *it = &r->items[i];
		size_t j = r->n_jobs;
		bool shares = it->k->proto != 1 && it->n_listen > 0;
		for (size_t g = 0; shares && g < r->n_jobs && j == r->n_jobs; g++)
			if (sizes[g] < LT_GROUP_MAX && lt_same_listeners(r->jobs[g].first, it))
				j = g;
		if (j == r->n_jobs) {
			r->jobs[j].first = it;
			sizes[r->n_jobs++] = 0;
		}
		it->job = j;
		it->slot = sizes[j]++;
	}
}

/* Which ports (instances) have a `run` command: a new array of t->n_ports, or NULL. */
static bool *lt_runs(const struct vl_tables *t, const struct lab *m)
{
	bool *runs = calloc(t->n_ports ? t->n_ports : 1, sizeof(*runs));
	for (size_t v = 0; runs && v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
			const struct lab_instance *x = &m->vpcs[v].instances[i];
			if (x->run.s && x->gidx < t->n_ports)
				runs[x->gidx] = true;
		}
	return runs;
}

/* The probe of each job, its clients filled from its items. 0 or -ENOMEM. */
static int lt_jobs_init(const struct vl_tables *t, const struct lab *m, struct lt_run *r,
			const struct labtest_opts *o, int home)
{
	bool *runs = lt_runs(t, m);
	if (!runs)
		return -ENOMEM;
	size_t *sizes = calloc(r->n_items, sizeof(*sizes));
	uint64_t base = 0;
	if (!sizes) {
		free(runs);
		return -ENOMEM;
	}
	if (getrandom(&base, sizeof(base), GRND_NONBLOCK) != sizeof(base))
		base = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
	lt_group(r, sizes);
	for (size_t j = 0; j < r->n_jobs; j++) {
		struct lt_job *job = &r->jobs[j];
		const struct lt_item *f = job->first;
		job->clients = calloc(sizes[j], sizeof(*job->clients));
		if (!job->clients) {
			free(sizes);
			free(runs);
			return -ENOMEM;
		}
		job->req = (struct probe_req){ .home_ns = home, .proto = (uint8_t)f->k->proto,
			.port = (uint16_t)f->k->port.v, .listen_port = f->lport, .timeout_ms = o->timeout_ms, .stop = &labtest_stop,
			.clients = job->clients, .n_clients = sizes[j], .n_dst = f->n_listen };
		for (size_t i = 0; i < f->n_listen; i++) {
			char ns[128];
			vl_port_netns(t, f->listen[i], ns, sizeof(ns)); /* a node's is LAB-LBNAME-SUBNET */
			snprintf(job->dst[i], sizeof(job->dst[i]), "/run/netns/%s", ns);
			job->req.dst_ns[i] = job->dst[i];
			/* its ports are its own (an application node's: its proxy's) */
			job->req.watch_only[i] = runs[f->listen[i]] || t->ports[f->listen[i]].kind == VL_PORT_LB_NODE;
		}
	}
	for (size_t i = 0; i < r->n_items; i++) {
		const struct lt_item *it = &r->items[i];
		/* distinct for every client of the run: spread by the golden ratio */
		r->jobs[it->job].clients[it->slot] = (struct probe_client){ .src_ns = it->src,
			.dst = it->dst, .nonce = base + i * 0x9e3779b97f4a7c15ull };
	}
	free(sizes);
	free(runs);
	return 0;
}

/* Two probes that would bind the same port in the same namespace cannot run together. */
static bool lt_clash(const struct lt_job *a, const struct lt_job *b)
{
	const struct lt_item *x = a->first, *y = b->first;
	if (x->k->proto == 1 || x->k->proto != y->k->proto || x->lport != y->lport)
		return false;
	for (size_t i = 0; i < x->n_listen; i++)
		for (size_t k = 0; k < y->n_listen; k++)
			if (x->listen[i] == y->listen[k])
				return true;
	return false;
}

/* Under the lock: a waiting job that clashes with no running one (the earliest), or NULL. */
static struct lt_job *lt_pick(struct lt_run *r, bool *any_waiting)
{
	*any_waiting = false;
	while (r->next_free < r->n_jobs && r->jobs[r->next_free].state != JOB_WAITING)
		r->next_free++;
	for (size_t i = r->next_free; i < r->n_jobs; i++) {
		struct lt_job *j = &r->jobs[i];
		if (j->state != JOB_WAITING)
			continue;
		*any_waiting = true;
		bool busy = false;
		for (size_t k = 0; k < r->n_jobs && !busy; k++)
			busy = r->jobs[k].state == JOB_RUNNING && lt_clash(j, &r->jobs[k]);
		if (!busy)
			return j;
	}
	return NULL;
}

static void *lt_worker(void *arg)
{
	struct lt_run *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		bool waiting = false;
		struct lt_job *j = labtest_stop ? NULL : lt_pick(r, &waiting);
		if (!j && (labtest_stop || !waiting))
			break;
		if (!j) {
			pthread_cond_wait(&r->cv, &r->mu);
			continue;
		}
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&r->mu);
		if (!j->first->unresolved[0])
			probe_run(&j->req);      /* failures are in each client's res */
		pthread_mutex_lock(&r->mu);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Judging: the real result against the expectation and against the trace. */

struct lt_verdict {
	bool allow, reply;       /* the trace's: reaches a listener's port (and comes back) */
	uint32_t seen;           /* the source address as delivered */
	char decider[240];
};

static bool lt_listens(const struct lt_item *it, uint16_t port)
{
	for (size_t i = 0; i < it->n_listen; i++)
		if (it->listen[i] == port)
			return true;
	return false;
}

/* The trace of the same flow, from the same source port, with its return. */
static int lt_trace(const struct vl_tables *t, const struct lt_item *it,
		    const struct probe_res *res, struct lt_verdict *v)
{
	uint8_t proto = (uint8_t)it->k->proto;
	struct trace_req q = { .from = t->ports[it->from].name, .to = it->to[0] ? it->to : it->k->to.s, .proto = proto,
			       .port = (uint16_t)it->k->port.v, .sport = proto == 1 ? 0 : res->sport,
			       .icmp_type = -1, .with_return = true };
	struct trace_result tr;
	char err[160];
	memset(v, 0, sizeof(*v));
	if (it->dst == t->ports[it->from].ip) {
		/* Its own address: the kernel answers itself, nothing reaches the VPC (nor AWS's). */
		*v = (struct lt_verdict){ res->allowed, res->reply, res->seen, "" };
		snprintf(v->decider, sizeof(v->decider), "%s's own address: the packet never leaves it",
			 t->ports[it->from].name);
		return 0;
	}
	if (trace_flow(t, &q, &tr, err, sizeof(err)) < 0) {
		snprintf(v->decider, sizeof(v->decider), "no trace: %s", err);
		return -ENOENT;
	}
	bool fwd = tr.fwd.v.action == VERDICT_FORWARD;
	bool there = fwd && (it->n_listen == 0 || lt_listens(it, tr.fwd.v.out_port));
	v->reply = there && tr.has_return && tr.ret.v.action == VERDICT_FORWARD;
	v->allow = there && (proto == 17 || v->reply);
	v->seen = there ? tr.fwd.src : 0;
	char hop[200];
	if (!fwd) {
		trace_decider(t, &tr.fwd, v->decider, sizeof(v->decider));
	} else if (!there) {
		snprintf(v->decider, sizeof(v->decider), "delivered to %s, not to %s",
			 t->ports[tr.fwd.v.out_port].name, it->k->to.s);
	} else if (!v->reply && proto != 17) {
		trace_decider(t, &tr.ret, hop, sizeof(hop));
		snprintf(v->decider, sizeof(v->decider), "return: %s", hop);
	} else {
		trace_decider(t, &tr.fwd, v->decider, sizeof(v->decider));
	}
	return 0;
}

static void lt_add(char *buf, size_t cap, const char *fmt, const char *a, const char *b)
{
	size_t len = strlen(buf);
	if (len + 2 < cap) {
		if (len)
			strcat(buf, "; ");
		len = strlen(buf);
		snprintf(buf + len, cap - len, fmt, a, b);
	}
}

static const char *lt_word(bool allow)
{
	return allow ? "allow" : "deny";
}

static void lt_judge(const struct vl_tables *t, const struct lt_item *it,
		     const struct probe_res *res, struct lt_outcome *o)
{
	const struct lab_check *k = it->k;
	char why[300] = "", a[16], b[16], trace[256];
	memset(o, 0, sizeof(*o));
	labtest_check_head(k, o->head, sizeof(o->head));
	labtest_check_text(k, o->text, sizeof(o->text));
	snprintf(o->where, sizeof(o->where), "%s:%d:%d", k->at.file, k->at.line, k->at.col);
	o->ms = res->elapsed_ms;
	if (it->unresolved[0]) {
		snprintf(o->message, sizeof(o->message), "%s", it->unresolved);
		return;
	}
	if (res->rc < 0) {
		snprintf(o->message, sizeof(o->message), "cannot probe: %s", res->err);
		return;
	}
	struct lt_verdict v;
	lt_trace(t, it, res, &v);
	snprintf(trace, sizeof(trace), "%s", v.decider);
	uint32_t want = k->seen_kind == LAB_REF_EIP ? t->eips[k->seen_idx].ip : k->seen_addr;
	bool seen_bad = k->seen_as.s && k->expect_allow && res->allowed && res->seen != want;
	if (res->allowed != k->expect_allow) {
		lt_add(why, sizeof(why), "expected %s, got %s", lt_word(k->expect_allow),
		       lt_word(res->allowed));
	} else if (seen_bad) {
		snprintf(why, sizeof(why), "allow, seen as %s, expected %s (%s)",
			 res->seen ? addr_fmt(res->seen, a) : "nothing (no listener saw it)",
			 addr_fmt(want, b), k->seen_as.s);
		if (v.seen)
			snprintf(trace, sizeof(trace), "arrives from %s", addr_fmt(v.seen, a));
	}
	if (res->allowed != v.allow) {
		o->internal = true;
		lt_add(why, sizeof(why), "INTERNAL ERROR: real traffic %s, trace %s",
		       lt_word(res->allowed), lt_word(v.allow));
	} else if (k->proto == 17 && res->allowed && !res->watched && res->reply != v.reply) {
		o->internal = true;
		lt_add(why, sizeof(why), "INTERNAL ERROR: the reply %s, trace %s",
		       res->reply ? "came back" : "was lost", v.reply ? "returns it" : "drops it");
	} else if (res->allowed && res->seen && v.seen && res->seen != v.seen) {
		o->internal = true;
		lt_add(why, sizeof(why), "INTERNAL ERROR: seen as %s, trace says %s",
		       addr_fmt(res->seen, a), addr_fmt(v.seen, b));
	}
	o->pass = !why[0];
	if (!o->pass)
		snprintf(o->message, sizeof(o->message), "%s  (trace: %s)", why, trace);
	else if (k->proto == 17 && res->allowed && res->watched)
		snprintf(o->note, sizeof(o->note), "(delivered to the instance's own port: the reply is not judged)");
	else if (k->proto == 17 && res->allowed && !res->reply)
		snprintf(o->note, sizeof(o->note), "(the reply did not come back)");
}

/* Running and reporting. */

struct lt_totals {
	size_t pass, fail, run, internal;
	bool sys_error;
};

static void lt_report_one(const struct vl_tables *t, const struct labtest_opts *o,
			  const struct lt_run *r, size_t i, struct lt_outcome *out, struct lt_totals *tot)
{
	const struct lt_item *it = &r->items[i];
	const struct probe_res *res = &r->jobs[it->job].clients[it->slot].res;
	lt_judge(t, it, res, out);
	tot->run++;
	if (out->pass)
		tot->pass++;
	else
		tot->fail++;
	if (res->rc < 0 && !it->unresolved[0])
		tot->sys_error = true;
	tot->internal += out->internal;
	if (o->tap)
		labtest_tap(out, tot->run, stdout);
	else
		labtest_line(out, stdout);
	fflush(stdout);
}

/* Waits (under the lock) until job j is done or a signal came; true when done. */
static bool lt_wait_job(struct lt_run *r, size_t j)
{
	pthread_mutex_lock(&r->mu);
	while (r->jobs[j].state != JOB_DONE && !labtest_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;     /* a signal does not wake a condition wait */
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	bool done = r->jobs[j].state == JOB_DONE;
	pthread_mutex_unlock(&r->mu);
	return done && !labtest_stop;
}

/* Starts the workers, then reports the checks in file order as their probes finish. */
static int lt_execute(const struct vl_tables *t, const struct labtest_opts *o, struct lt_run *r,
		      struct lt_outcome *out, struct lt_totals *tot)
{
	size_t n_threads = (size_t)o->jobs < r->n_jobs ? (size_t)o->jobs : r->n_jobs;
	pthread_t th[LABTEST_MAX_JOBS];
	size_t started = 0;
	for (; started < n_threads; started++)
		if (pthread_create(&th[started], NULL, lt_worker, r) != 0)
			break;
	if (!started) {
		fprintf(stderr, "vpclab: test: cannot start a thread\n");
		return -EAGAIN;
	}
	for (size_t i = 0; i < r->n_items && lt_wait_job(r, r->items[i].job); i++)
		lt_report_one(t, o, r, i, &out[tot->run], tot);
	pthread_mutex_lock(&r->mu);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static void lt_write_junit(const struct labtest_opts *o, const char *lab, const struct lt_outcome *v,
			   size_t n, double secs, struct lt_totals *tot)
{
	FILE *f = fopen(o->junit, "w");
	int rc = f ? junit_write(f, lab, v, n, secs) : -errno;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		fprintf(stderr, "vpclab: test: --junit %s: %s\n", o->junit, strerror(-rc));
		tot->sys_error = true;
	}
}

static double lt_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void lt_run_free(struct lt_run *r)
{
	for (size_t j = 0; r->jobs && j < r->n_jobs; j++)
		free(r->jobs[j].clients);
	free(r->jobs);
	free(r->items);
}

/* Everything between up and down. */
static int lt_run_checks(const struct vl_tables *t, const struct lab *m, const struct labtest_opts *o,
			 const size_t *sel, size_t n_sel, struct lt_totals *tot)
{
	struct lt_run r = { .n_items = n_sel };
	struct lt_outcome *out = calloc(n_sel, sizeof(*out));
	r.items = calloc(n_sel, sizeof(*r.items));
	r.jobs = calloc(n_sel, sizeof(*r.jobs));
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int rc = !out || !r.items || !r.jobs || home < 0 ? -ENOMEM : 0;
	for (size_t i = 0; rc == 0 && i < n_sel; i++)
		rc = lt_item_init(t, &m->checks[sel[i]], &r.items[i]);
	if (rc == 0)
		rc = lt_jobs_init(t, m, &r, o, home);
	double t0 = lt_seconds();
	if (rc == 0) {
		pthread_mutex_init(&r.mu, NULL);
		pthread_cond_init(&r.cv, NULL);
		if (o->tap)
			printf("TAP version 13\n1..%zu\n", n_sel);
		rc = lt_execute(t, o, &r, out, tot);
		pthread_cond_destroy(&r.cv);
		pthread_mutex_destroy(&r.mu);
	} else {
		fprintf(stderr, "vpclab: test: cannot prepare the probes: %s\n", strerror(-rc));
	}
	double secs = lt_seconds() - t0;
	if (rc == 0 && o->junit)
		lt_write_junit(o, t->lab, out, tot->run, secs, tot);
	if (rc == 0 && secs > 0 && getenv("VPCLAB_TEST_TIMING"))
		fprintf(stderr, "vpclab: test: %zu checks in %.2f s (%.1f per second), %zu probes\n",
			tot->run, secs, tot->run / secs, r.n_jobs);
	if (home >= 0)
		close(home);
	lt_run_free(&r);
	free(out);
	return rc;
}

/* The selected checks' indexes (all without --only). */
static size_t lt_select(const struct lab *m, const struct labtest_opts *o, size_t *sel)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_checks; i++) {
		bool take = o->n_only == 0;
		for (size_t g = 0; g < o->n_only && !take; g++)
			take = labtest_selected(&m->checks[i], o->only[g]);
		if (take)
			sel[n++] = i;
	}
	return n;
}

/* After the checks: down (unless --keep), the closing words, the exit code. */
static int lt_finish(const struct labtest_opts *o, const char *lab, size_t n_sel, int rc,
		     const struct lt_totals *tot)
{
	bool interrupted = labtest_stop;
	if (o->keep)
		fprintf(stderr, "vpclab: test: lab %s is still up (--keep); 'vpclab down %s' takes it "
			"down\n", lab, lab);
	else
		labtest_down(lab);
	if (interrupted)
		fprintf(stderr, "vpclab: test: interrupted after %zu of %zu checks%s\n", tot->run, n_sel,
			o->keep ? "" : "; the lab is down");
	if (tot->internal)
		fprintf(stderr, "vpclab: test: %zu check%s where the trace and the real traffic disagree: "
			"a vpclab bug, please report it with the lab file\n", tot->internal,
			tot->internal == 1 ? "" : "s");
	printf(o->tap ? "# %zu passed, %zu failed\n" : "%zu passed, %zu failed\n", tot->pass, tot->fail);
	fflush(stdout);
	if (interrupted)
		return LT_INTERRUPTED;
	if (rc < 0 || tot->sys_error)
		return LT_SYSTEM;
	return tot->fail ? LT_FAILED : LT_OK;
}

int labtest_run(const struct labtest_opts *opts)
{
	const struct labtest_opts o = *opts;
	int rc;
	struct lab *m = lt_load(&o);
	if (!m)
		return LT_FAILED;
	size_t *sel = calloc(m->n_checks ? m->n_checks : 1, sizeof(*sel));
	size_t n_sel = sel ? lt_select(m, &o, sel) : 0;
	if (!sel || n_sel == 0) {
		if (!m->n_checks)
			fprintf(stderr, "vpclab: test: %s has no checks (add `checks:` or name a checks "
				"file)\n", o.lab);
		else if (sel)
			fprintf(stderr, "vpclab: test: --only selects none of the %zu checks\n",
				m->n_checks);
		rc = LT_FAILED;
	} else if (geteuid() != 0) {
		fprintf(stderr, "vpclab: test needs root (it creates namespaces and taps)\n");
		rc = LT_SYSTEM;
	} else {
		struct vl_tables *t = NULL;
		rc = labtest_up(m, o.lab, &t) < 0 ? LT_SYSTEM : 0;
		if (rc == 0) {
			/* The lab is up: every way out goes through lt_finish's teardown. */
			signal(SIGPIPE, SIG_IGN);   /* `vpclab test | head` must not skip it */
			struct lt_totals tot = { 0 };
			rc = lt_run_checks(t, m, &o, sel, n_sel, &tot);
			rc = lt_finish(&o, t->lab, n_sel, rc, &tot);
		}
		vl_tables_free(t);
	}
	free(sel);
	lab_free(m);
	return rc;
}
