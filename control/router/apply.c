/* `vpclab apply` inside the router (apply.h). Three steps, so that the loop never waits for
 * the slow parts and no packet ever meets half a change:
 *   1. a worker thread loads and checks the file the CLI staged, compiles it beside the running
 *      tables, aligns its indices with them (align.h), diffs the models, and makes the
 *      namespaces of the interfaces it adds;
 *   2. the loop, between two packets, counts the flows the plan ends, makes room, publishes the
 *      tables (publish.h), retires what went away and cuts the untracked flows the new rules no
 *      longer admit;
 *   3. the worker again: the kept copy becomes the applied file (and its pins), the removed
 *      instances' processes and namespaces go, and the added ones whose name a removed one held
 *      are made; then the loop answers the client. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control/host/run.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "control/lab/align.h"
#include "control/lab/diff.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "control/lab/pins.h"
#include "control/lab/asg_members.h"
#include "control/router/apply.h"
#include "control/router/apply_count.h"
#include "control/router/asg.h"
#include "control/router/eip.h"
#include "control/router/lb_health.h"
#include "control/router/ports.h"
#include "control/router/resolver.h"
#include "control/router/router.h"
#include "dataplane/ct.h"
#include "dataplane/publish.h"
#include "dataplane/tables.h"
#include "vpclab/ctl.h"

enum apply_phase { PH_PLAN, PH_RETIRE };

struct apply {
	struct router *r;
	int fd;                  /* the client, answered at the end */
	int efd;                 /* eventfd: the worker finished a phase */
	pthread_t th;
	bool running;            /* th runs (joined in apply_ready, or apply_stop) */
	struct timespec t0;      /* when the loop took the plan: router time counts from here */
	enum apply_phase phase;
	bool dry;
	bool internal;           /* an auto scaling group's change (asg.h): no client, the kept copy
				  * stays as it is, the controller hears the end */
	bool published;
	struct lab_member *mold, *mnew; /* the groups' instances before and after */
	size_t n_mold, n_mnew;
	char staged[256], source[512];
	uint64_t generation;     /* of the new tables */
	struct lab *new_m;
	struct vl_tables *nt;    /* aligned and prepared; the loop's once published */
	struct lab_plan *plan;
	struct apply_count count;
	uint16_t *made, *later;  /* added ports made in step 1, and in step 3 */
	size_t n_made, n_later;
	char (*gone)[96];        /* namespaces of removed ports */
	size_t n_gone;
	int *taps, *tap_nl;      /* per port of nt: the fds of the ports made */
	int rc;
	char *err;               /* what went wrong, in words (a diagnostic list may be long) */
	double router_ms;
	struct dp_retired retired;
	uint32_t cut;            /* untracked flows the new rules no longer admit */
	uint32_t public_ended;   /* flows that went out by a public address that changed */
};

static void set_err(struct apply *a, int rc, const char *fmt, const char *arg)
{
	free(a->err);
	a->err = NULL;
	if (asprintf(&a->err, fmt, arg ? arg : "") < 0)
		a->err = NULL;
	a->rc = rc;
}

/* The whole file, or NULL with errno. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	FILE *o = open_memstream(&buf, len);
	char chunk[8192];
	size_t n;
	while (o && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, o);
	fclose(f);
	if (!o || fclose(o) != 0) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

/* path's content loaded (and checked, keeping old's addresses when old is given; the kept copy
 * (no old) with the addresses that run: the pins written beside it, then the running tables'
 * (running)) as if it were the file `name`. NULL with a->err set. */
static struct lab *load_as(struct apply *a, const char *path, const char *name, const struct lab *old,
			   const struct vl_tables *running, const struct lab_member *members, size_t n_members)
{
	char pins[256];
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf) {
		set_err(a, -errno, "%s: cannot be read", path);
		return NULL;
	}
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load_buffer(name, buf, len, d) : NULL;
	if (m && lab_add_members(m, members, n_members) < 0) {
		lab_free(m);
		m = NULL;
	}
	if (m && !old && state_path(pins, sizeof(pins), a->r->t->lab, STATE_PINS_FILE) == 0 &&
	    lab_pins_load(m, pins) < 0) {
		lab_free(m);
		m = NULL;
	}
	if (m && ((old && lab_keep_addresses(m, old) < 0) || (running && lab_keep_running(m, running) < 0))) {
		lab_free(m);
		m = NULL;
	}
	if (m && (lab_check(m, d) != 0 || (old && lab_diff_check(old, m, d) != 0))) {
		lab_free(m);
		m = NULL;
	}
	if (!m) {
		char *text = NULL;
		size_t tlen = 0;
		FILE *o = open_memstream(&text, &tlen);
		if (o && d) {
			diag_print(d, o);
			fclose(o);
		}
		set_err(a, -EINVAL, "%s", text && text[0] ? text : "out of memory");
		free(text);
	}
	diag_destroy(d);
	free(buf);
	return m;
}

/* Whether name is one of the namespaces that go. */
static bool in_gone(const struct apply *a, const char *ns)
{
	for (size_t i = 0; i < a->n_gone; i++)
		if (strcmp(a->gone[i], ns) == 0)
			return true;
	return false;
}

/* Sorts the changed indices: what goes, what comes now, what comes after what goes. */
static int apply_sort_ports(struct apply *a, const struct vl_tables *ot)
{
	const struct vl_tables *nt = a->nt;
	a->gone = calloc(ot->n_ports ? ot->n_ports : 1, sizeof(*a->gone));
	a->made = calloc(nt->n_ports ? nt->n_ports : 1, sizeof(*a->made));
	a->later = calloc(nt->n_ports ? nt->n_ports : 1, sizeof(*a->later));
	a->taps = malloc(sizeof(int) * (nt->n_ports ? nt->n_ports : 1));
	a->tap_nl = malloc(sizeof(int) * (nt->n_ports ? nt->n_ports : 1));
	if (!a->gone || !a->made || !a->later || !a->taps || !a->tap_nl)
		return -ENOMEM;
	for (uint16_t i = 0; i < nt->n_ports; i++)
		a->taps[i] = a->tap_nl[i] = -1;
	for (uint16_t i = 0; i < ot->n_ports; i++)
		if (dp_port_removed(ot, nt, i))
			vl_port_netns(ot, i, a->gone[a->n_gone++], sizeof(a->gone[0]));
	for (uint16_t i = 0; i < nt->n_ports; i++) {
		if (!dp_port_added(ot, nt, i))
			continue;
		char ns[96];
		vl_port_netns(nt, i, ns, sizeof(ns));
		if (in_gone(a, ns))
			a->later[a->n_later++] = i;
		else
			a->made[a->n_made++] = i;
	}
	return 0;
}

/* The tables the added ports are in: the plan's until it is published, then the router's
 * (which nothing swaps while an apply runs: eip moves wait, see ctl_server.c). */
static const struct vl_tables *tabs(const struct apply *a)
{
	return a->nt ? a->nt : a->r->t;
}

static int make_ports(struct apply *a, const uint16_t *which, size_t n)
{
	char err[256] = "";
	struct ports_job job = {.t = tabs(a), .which = which, .n = n, .taps = a->taps,
				.tap_nl = a->tap_nl, .ready_fd = -1, .err = err, .errcap = sizeof(err)};
	int rc = ports_provision(&job);
	if (rc < 0)
		set_err(a, rc, "%s", err[0] ? err : strerror(-rc));
	return rc;
}

/* Closes the fds of ports made for a plan that is not published, and removes them. */
static void unmake_ports(struct apply *a, const uint16_t *which, size_t n)
{
	const char **names = calloc(n ? n : 1, sizeof(*names));
	char (*buf)[96] = calloc(n ? n : 1, sizeof(*buf));
	for (size_t k = 0; k < n; k++) {
		uint16_t i = which[k];
		if (a->taps[i] >= 0)
			close(a->taps[i]);
		if (a->tap_nl[i] >= 0)
			close(a->tap_nl[i]);
		a->taps[i] = a->tap_nl[i] = -1;
		if (names && buf) {
			vl_port_netns(tabs(a), i, buf[k], sizeof(buf[k]));
			names[k] = buf[k];
		}
	}
	if (names && buf)
		state_remove_netns(tabs(a)->lab, names, n);
	free(names);
	free(buf);
}

/* An elastic IP moved with `vpclab eip` since the file was applied is not in the kept copy, so the
 * models' diff cannot see that the file moves it back: say so in the plan. */
static void note_runtime_moves(struct apply *a, const struct vl_tables *ot)
{
	const struct vl_tables *nt = a->nt;
	for (uint16_t i = 0; i < ot->n_ports && i < nt->n_ports; i++) {
		const struct vl_port *o = &ot->ports[i], *n = &nt->ports[i];
		if (!vl_port_used(o) || !vl_port_used(n) || o->public_ip == n->public_ip)
			continue;
		bool said = false;
		for (size_t k = 0; k < a->plan->n && !said; k++)
			said = !strcmp(a->plan->v[k].kind, "instance") && !strcmp(a->plan->v[k].name, o->name) &&
			       !strncmp(a->plan->v[k].detail, "public_ip", 9);
		if (said)
			continue;
		char detail[160], x[16], y[16];
		snprintf(detail, sizeof(detail), "public_ip %s -> %s (an elastic IP moved by 'vpclab eip' "
			 "goes back to what the file says)", o->public_ip ? addr_fmt(o->public_ip, x) : "none",
			 n->public_ip ? addr_fmt(n->public_ip, y) : "none");
		lab_plan_add(a->plan, LAB_CHANGE, "instance", o->name, detail);
	}
}

/* Step 1, on the worker. The running tables are read, never written: the loop swaps them only
 * in step 2, after this has finished. */
static void plan(struct apply *a)
{
	struct router *r = a->r;
	char kept[256];
	char source[sizeof(a->source)];
	snprintf(source, sizeof(source), "%s", a->source[0] ? a->source : a->staged);
	if (state_path(kept, sizeof(kept), r->t->lab, STATE_KEPT_FILE) < 0) {
		set_err(a, -ENAMETOOLONG, "%s", "state path too long");
		return;
	}
	struct lab *old = load_as(a, kept, source, NULL, r->t, a->mold, a->n_mold);
	if (!old) {
		char *why = a->err;
		a->err = NULL;
		set_err(a, -EIO, "the copy of the running lab no longer checks: %s", why);
		free(why);
		return;
	}
	a->new_m = load_as(a, a->staged, source, old, NULL, a->mnew, a->n_mnew);
	if (!a->new_m) {
		lab_free(old);
		return;
	}
	if (strcmp(lab_name(a->new_m), r->t->lab) != 0) {
		set_err(a, -EINVAL, "the file describes lab %s, not this one", lab_name(a->new_m));
		lab_free(old);
		return;
	}
	a->plan = lab_diff(old, a->new_m);
	lab_free(old);
	a->nt = lab_compile(a->new_m);
	int rc = a->plan && a->nt ? tables_align(a->nt, r->t) : -ENOMEM;
	if (rc == 0 && a->internal)
		eip_keep_moves(a->nt, r->t); /* a group's change moves no elastic IP back */
	if (rc == 0)
		rc = dp_tables_prepare(a->nt);
	if (rc == 0)
		rc = apply_sort_ports(a, r->t);
	if (rc < 0) {
		set_err(a, rc, "%s", rc == -ENOSPC ? "too many interfaces over the lab's life" : strerror(-rc));
		return;
	}
	a->nt->generation = a->generation = r->t->generation + 1;
	note_runtime_moves(a, r->t);
	if (!a->dry && a->n_made)
		make_ports(a, a->made, a->n_made);
}

/* The addresses of what now runs, beside the kept copy (pins.h): the next apply loads the kept
 * copy with them, not renumbered by a fresh check. */
static void write_pins(const struct apply *a)
{
	char path[256], tmp[300];
	if (state_path(path, sizeof(path), a->r->t->lab, STATE_PINS_FILE) < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "we");
	int rc = f ? lab_pins_write(a->new_m, f) : -errno;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		fprintf(stderr, "vpclab: apply: %s: %s\n", path, strerror(-rc));
	}
}

/* What runs is now the staged file: `status` and the next apply compare with it. Files, so step
 * 3 does it, off the loop (2-3 ms in a 1,000-instance lab); no other apply starts before this one
 * answers. */
static void keep_applied(struct apply *a)
{
	char kept[256];
	if (a->internal) { /* the file is the same: only the groups' instances changed */
		write_pins(a);
		return;
	}
	if (state_path(kept, sizeof(kept), a->r->t->lab, STATE_KEPT_FILE) == 0 && rename(a->staged, kept) < 0)
		fprintf(stderr, "vpclab: apply: %s: %s\n", kept, strerror(errno));
	if (a->source[0])
		state_write_source(a->r->t->lab, a->source);
	write_pins(a);
}

/* Step 3, on the worker. */
static void retire(struct apply *a)
{
	keep_applied(a);
	const char **names = calloc(a->n_gone ? a->n_gone : 1, sizeof(*names));
	for (size_t i = 0; names && i < a->n_gone; i++)
		names[i] = a->gone[i];
	if (a->n_gone && names) {
		int rc = state_remove_netns(tabs(a)->lab, names, a->n_gone);
		if (rc < 0)
			set_err(a, rc, "a removed instance's namespace is left ('vpclab down' removes it): %s",
				strerror(-rc));
	}
	free(names);
	if (a->n_later && make_ports(a, a->later, a->n_later) < 0)
		unmake_ports(a, a->later, a->n_later);
}

static void *apply_worker(void *arg)
{
	struct apply *a = arg;
	if (a->phase == PH_PLAN)
		plan(a);
	else
		retire(a);
	uint64_t one = 1;
	if (write(a->efd, &one, sizeof(one)) < 0)
		perror("vpclab: router: apply");
	return NULL;
}

static void apply_next(struct router *r);

static void apply_free(struct apply *a)
{
	if (!a)
		return;
	if (!a->internal)
		unlink(a->staged); /* still there after a dry run or a failure: it never ran */
	if (a->efd >= 0) {
		loop_del_fd(a->r->loop, a->efd);
		close(a->efd);
	}
	if (a->fd >= 0)
		close(a->fd);
	lab_free(a->new_m);
	vl_tables_free(a->nt);
	lab_plan_free(a->plan);
	apply_count_free(&a->count);
	free(a->made), free(a->later), free(a->gone), free(a->taps), free(a->tap_nl);
	struct router *r = a->r;
	if (a->internal)
		asg_apply_done(r, a->published, a->rc, a->err);
	free(a->mold), free(a->mnew);
	free(a->err);
	r->apply = NULL;
	free(a);
	apply_next(r);
}

static void answer(struct apply *a, json_t *ans)
{
	if (a->fd < 0) { /* an internal apply: asg_apply_done hears it */
		json_decref(ans);
		return;
	}
	char *text = ans ? json_dumps(ans, JSON_COMPACT) : NULL;
	if (text) {
		size_t len = strlen(text);
		int sz = (int)(len + 4096 < (64u << 20) ? len + 4096 : (64u << 20));
		setsockopt(a->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		if (send(a->fd, text, len, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)len)
			fprintf(stderr, "vpclab: apply: the client did not take its answer\n");
	}
	free(text);
	json_decref(ans);
}

static void answer_error(struct apply *a)
{
	answer(a, json_pack("{s:s, s:b}", "error", a->err ? a->err : strerror(-a->rc),
			    "input", a->rc == -EINVAL));
}

static json_t *plan_json(const struct apply *a, bool applied)
{
	json_t *changes = json_array();
	uint32_t ends = 0, trans = 0;
	for (size_t i = 0; a->plan && i < a->plan->n; i++) {
		const struct lab_change *c = &a->plan->v[i];
		uint32_t n = i < a->count.n ? a->count.ends[i] : 0;
		if (!strcmp(c->kind, "nat_gateway"))
			trans += n;
		else
			ends += n;
		const char *op = c->op == LAB_ADD ? "add" : c->op == LAB_REMOVE ? "remove" : "change";
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s, s:s, s:i}", "op", op, "kind",
							 c->kind, "name", c->name, "detail", c->detail,
							 "ends", (json_int_t)n));
	}
	json_t *o = json_pack("{s:o, s:b, s:b}", "changes", changes, "dry_run", a->dry, "applied", applied);
	if (applied) {
		json_object_set_new(o, "ended", json_integer(a->retired.flows + a->cut + a->public_ended));
		json_object_set_new(o, "translations_ended", json_integer(a->retired.translations));
		json_object_set_new(o, "router_ms", json_real((double)(long)(a->router_ms * 1000 + 0.5) / 1000));
		json_object_set_new(o, "generation", json_integer((json_int_t)a->generation));
	} else {
		json_object_set_new(o, "ends", json_integer(ends));
		json_object_set_new(o, "translations_ends", json_integer(trans));
	}
	return o;
}

/* Room in the router's per-port arrays for nt's ports. 0 or -ENOMEM, nothing lost. */
static int grow_router(struct router *r, uint16_t n)
{
	uint16_t have = r->t->n_ports;
	if (n <= have)
		return 0;
	int *taps = malloc(n * sizeof(int)), *nl = malloc(n * sizeof(int));
	FILE **files = calloc(n, sizeof(FILE *));
	struct flowlog_file *sizes = calloc(n, sizeof(*sizes));
	if (!taps || !nl || !files || !sizes) {
		free(taps), free(nl), free(files), free(sizes);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < n; i++) {
		taps[i] = i < have ? r->taps[i] : -1;
		nl[i] = i < have ? r->tap_nl[i] : -1;
	}
	if (r->flowlog_files)
		memcpy(files, r->flowlog_files, have * sizeof(FILE *));
	if (r->flowlog_sizes)
		memcpy(sizes, r->flowlog_sizes, have * sizeof(*sizes));
	free(r->taps), free(r->tap_nl), free(r->flowlog_files), free(r->flowlog_sizes);
	r->taps = taps;
	r->tap_nl = nl;
	r->flowlog_files = files;
	r->flowlog_sizes = sizes;
	/* The loop reads the array it was given (publish unwatches removed ports through it): never
	 * the freed one. Its length stays the running tables' until start_ports. */
	loop_set_taps(r->loop, r->taps, have);
	return 0;
}

/* A removed port's fds and files go; it is no longer read. */
static void drop_port(struct router *r, uint16_t i)
{
	loop_unwatch_tap(r->loop, i);
	if (r->taps[i] >= 0)
		close(r->taps[i]);
	if (r->tap_nl[i] >= 0)
		close(r->tap_nl[i]);
	r->taps[i] = r->tap_nl[i] = -1;
	if (r->flowlog_files && r->flowlog_files[i])
		fclose(r->flowlog_files[i]);
	if (r->flowlog_files)
		r->flowlog_files[i] = NULL;
	if (r->flowlog_sizes)
		r->flowlog_sizes[i] = (struct flowlog_file){0};
}

/* The `run` line of instance `name` in m, or NULL. */
static const char *run_of(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
			const struct lab_instance *x = &m->vpcs[v].instances[i];
			if (x->name.s && strcmp(x->name.s, name) == 0)
				return x->run.s;
		}
	return NULL;
}

/* The added ports' taps join the loop and their `run` commands start. */
static void start_ports(struct apply *a, const uint16_t *which, size_t n)
{
	struct router *r = a->r;
	loop_set_taps(r->loop, r->taps, r->t->n_ports);
	struct run_spec *specs = calloc(n ? n : 1, sizeof(*specs));
	size_t k = 0;
	for (size_t j = 0; j < n; j++) {
		uint16_t i = which[j];
		if (a->taps[i] < 0)
			continue; /* not made (its failure was said) */
		r->taps[i] = a->taps[i];
		r->tap_nl[i] = a->tap_nl[i];
		a->taps[i] = a->tap_nl[i] = -1;
		if (loop_watch_tap(r->loop, i) < 0)
			fprintf(stderr, "vpclab: apply: port %s: cannot be watched\n", r->t->ports[i].name);
		const char *cmd = r->t->ports[i].kind == VL_PORT_INSTANCE ? run_of(a->new_m, r->t->ports[i].name) : NULL;
		if (cmd && specs)
			specs[k++] = (struct run_spec){.port = i, .cmd = (char *)cmd};
	}
	char err[256] = "";
	if (k && run_start(r->t, specs, k, err, sizeof(err)) < 0)
		fprintf(stderr, "vpclab: apply: %s\n", err);
	for (size_t j = 0; j < k; j++)
		asg_run_started(r, specs[j].port, specs[j].pid);
	free(specs);
}

/* Step 2, on the loop: from here to the end of the function no packet is read. */
static void publish(struct apply *a)
{
	struct router *r = a->r;
	struct vl_tables *old = r->t, *nt = a->nt;
	for (uint16_t i = 0; i < old->n_ports; i++)
		if (dp_port_removed(old, nt, i))
			drop_port(r, i);
	a->public_ended = apply_end_public(r->s, old, nt);
	dp_state_publish(r->s, nt, &a->retired);
	a->cut = apply_cut_untracked(r->s, old, nt);
	r->t = nt;
	a->nt = NULL; /* the router's now; the old ones go */
	vl_tables_free(old);
	asg_published(r, a->mnew, a->n_mnew); /* before the ports start: their run pids are its */
	a->published = true;
	start_ports(a, a->made, a->n_made);
	lbh_sync(r); /* targets' states at their new indices; checkers of changed nodes anew */
	resolver_sync(r); /* the names and records of the new tables */
}

static int spawn(struct apply *a, enum apply_phase phase)
{
	a->phase = phase;
	int rc = pthread_create(&a->th, NULL, apply_worker, a);
	a->running = rc == 0;
	return rc ? -rc : 0;
}

/* The worker finished a phase: go on with the next step. */
static void apply_ready(void *ctx, int fd)
{
	struct apply *a = ctx;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	pthread_join(a->th, NULL);
	a->running = false;
	struct router *r = a->r;
	/* Router time: counting what the plan ends, making room and publishing, during which the
	 * loop reads no packet. */
	clock_gettime(CLOCK_MONOTONIC, &a->t0);
	if (a->phase == PH_RETIRE) {
		/* The table already names them; their taps join now (a failure was said in err). */
		start_ports(a, a->later, a->n_later);
		lbh_sync(r); /* the checkers of nodes made late (their namespace was a removed one's) */
		resolver_sync(r); /* the resolver's thread when its namespace came late */
		json_t *o = plan_json(a, true);
		if (a->err)
			json_object_set_new(o, "warning", json_string(a->err));
		answer(a, o);
		apply_free(a);
		return;
	}
	if (a->rc == 0 && r->t->generation + 1 != a->generation)
		set_err(a, -EAGAIN, "%s", "the lab changed while the plan was made (an elastic IP "
			"moved); nothing was changed: apply again");
	if (a->rc == 0)
		a->rc = apply_count_plan(&a->count, r->s, r->t, a->nt, a->plan);
	if (a->rc < 0) {
		if (a->n_made)
			unmake_ports(a, a->made, a->n_made);
		answer_error(a);
		apply_free(a);
		return;
	}
	if (a->dry) {
		answer(a, plan_json(a, false));
		apply_free(a);
		return;
	}
	if (dp_state_reserve(r->s, a->nt, &r->nat_limits) < 0 || grow_router(r, a->nt->n_ports) < 0) {
		set_err(a, -ENOMEM, "%s", "out of memory; nothing was changed");
		unmake_ports(a, a->made, a->n_made);
		answer_error(a);
		apply_free(a);
		return;
	}
	publish(a);
	bool worker = spawn(a, PH_RETIRE) == 0;
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->router_ms = (double)(t1.tv_sec - a->t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - a->t0.tv_nsec) / 1e6;
	if (worker)
		return;
	keep_applied(a); /* no thread (rare): the loop does it; removed namespaces stay until down */
	answer(a, plan_json(a, true));
	apply_free(a);
}

/* A new apply with copies of the groups' instances before and after (NULL: the controller's
 * now, both), its worker started. 0 or -errno, nothing left. */
static int apply_begin(struct router *r, struct apply *a, const struct lab_member *mold, size_t n_mold,
		       const struct lab_member *mnew, size_t n_mnew)
{
	a->r = r;
	a->fd = -1;
	if (!mold)
		mold = mnew = asg_members(r, &n_mold), n_mnew = n_mold;
	a->mold = malloc((n_mold ? n_mold : 1) * sizeof(*a->mold));
	a->mnew = malloc((n_mnew ? n_mnew : 1) * sizeof(*a->mnew));
	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!a->mold || !a->mnew || a->efd < 0) {
		if (a->efd >= 0)
			close(a->efd);
		free(a->mold), free(a->mnew);
		free(a);
		return -ENOMEM;
	}
	if (n_mold)
		memcpy(a->mold, mold, n_mold * sizeof(*mold));
	if (n_mnew)
		memcpy(a->mnew, mnew, n_mnew * sizeof(*mnew));
	a->n_mold = n_mold;
	a->n_mnew = n_mnew;
	r->apply = a;
	if (loop_add_fd(r->loop, a->efd, apply_ready, a) < 0 || spawn(a, PH_PLAN) < 0) {
		int rc = errno ? -errno : -EAGAIN;
		bool internal = a->internal;
		a->internal = false; /* the caller hears the failure from the return */
		if (internal)
			a->staged[0] = '\0';
		apply_free(a);
		return rc;
	}
	return 0;
}

int apply_start(struct router *r, int fd, const char *json_spec)
{
	json_error_t jerr;
	json_t *spec = json_loads(json_spec, 0, &jerr);
	const char *staged = NULL, *source = NULL;
	int dry = 0;
	if (!spec || json_unpack(spec, "{s:s, s?s, s?b}", "staged", &staged, "source", &source,
				 "dry_run", &dry) < 0) {
		json_decref(spec);
		return -EINVAL;
	}
	if (r->apply) {
		json_decref(spec);
		return -EBUSY;
	}
	struct apply *a = calloc(1, sizeof(*a));
	if (!a) {
		json_decref(spec);
		return -ENOMEM;
	}
	a->dry = dry;
	snprintf(a->staged, sizeof(a->staged), "%s", staged);
	snprintf(a->source, sizeof(a->source), "%s", source ? source : "");
	json_decref(spec);
	int rc = apply_begin(r, a, NULL, 0, NULL, 0);
	if (rc == 0)
		a->fd = fd;
	return rc;
}

int apply_members(struct router *r, const struct lab_member *mold, size_t n_mold,
		  const struct lab_member *mnew, size_t n_mnew)
{
	if (r->apply || r->apply_wait_fd >= 0)
		return -EBUSY; /* a user's apply goes first */
	struct apply *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->internal = true;
	if (state_path(a->staged, sizeof(a->staged), r->t->lab, STATE_KEPT_FILE) < 0) {
		free(a);
		return -ENAMETOOLONG;
	}
	return apply_begin(r, a, mold, n_mold, mnew, n_mnew);
}

int apply_wait(struct router *r, int fd, const char *json_spec)
{
	if (!r->apply || !r->apply->internal || r->apply_wait_fd >= 0)
		return -EBUSY;
	r->apply_wait_spec = strdup(json_spec);
	if (!r->apply_wait_spec)
		return -ENOMEM;
	r->apply_wait_fd = fd;
	return 0;
}

/* The user's apply that waited for a group's change starts (or is answered why not). */
static void apply_next(struct router *r)
{
	int fd = r->apply_wait_fd;
	char *spec = r->apply_wait_spec;
	if (fd < 0)
		return;
	r->apply_wait_fd = -1;
	r->apply_wait_spec = NULL;
	int rc = apply_start(r, fd, spec);
	free(spec);
	if (rc == 0)
		return;
	json_t *o = json_pack("{s:s}", "error", rc == -EINVAL ? "a bad apply request" : strerror(-rc));
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (text && send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		fprintf(stderr, "vpclab: control: a client did not take its answer\n");
	free(text);
	json_decref(o);
	close(fd);
}

void apply_stop(struct router *r)
{
	struct apply *a = r->apply;
	if (!a)
		return;
	if (a->running)
		pthread_join(a->th, NULL); /* it reads the tables about to be freed */
	a->running = false;
	set_err(a, -ECANCELED, "%s", "the lab was taken down during the apply");
	answer_error(a);
	if (r->apply_wait_fd >= 0) { /* the one waiting does not start now */
		static const char msg[] = "{\"error\": \"the lab was taken down before the apply began\"}";
		if (send(r->apply_wait_fd, msg, sizeof(msg) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			fprintf(stderr, "vpclab: control: a client did not take its answer\n");
		close(r->apply_wait_fd);
		r->apply_wait_fd = -1;
		free(r->apply_wait_spec);
		r->apply_wait_spec = NULL;
	}
	apply_free(a);
}
