/* The Auto Scaling controller (asg.h). Each second, per group: what its instances' health and
 * lifecycle are now, the metric period's samples and target tracking when a period ends, then
 * asg_reconcile's launches and terminations. A change of the groups' instances is one apply
 * (apply_members) and stays tentative until it is published: a failed apply undoes it and
 * says so in the activity history. A termination is two applies: deregistration (the target
 * drains for its group's deregistration delay), then the instance goes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "control/router/apply.h"
#include "control/router/asg.h"
#include "control/router/asg_ctl.h"
#include "control/router/lb_health.h"
#include "control/router/router.h"
#include "dataplane/lb.h"

#define RETRY_S 10               /* after a failed change, before the next try */

static uint64_t now_s(void)
{
	return (uint64_t)time(NULL);
}

uint16_t asg_port_of(const struct router *r, const char *name)
{
	for (uint16_t i = 0; i < r->t->n_ports; i++)
		if (r->t->ports[i].kind == VL_PORT_INSTANCE && !strcmp(r->t->ports[i].name, name))
			return i;
	return VL_NONE;
}

/* ---------------------------------------------------------------- activities */

void asg_act_add(struct asg_group *g, uint64_t t, const char *status, const char *instance,
		 const char *desc, const char *cause, const char *details)
{
	struct asg_entry *a = &g->acts[g->act_head];
	g->act_head = (g->act_head + 1) % ASG_ACTS;
	if (g->n_acts < ASG_ACTS)
		g->n_acts++;
	*a = (struct asg_entry){.t = t};
	snprintf(a->status, sizeof(a->status), "%s", status);
	snprintf(a->instance, sizeof(a->instance), "%s", instance ? instance : "");
	snprintf(a->desc, sizeof(a->desc), "%s", desc);
	snprintf(a->cause, sizeof(a->cause), "%s", cause);
	snprintf(a->details, sizeof(a->details), "%s", details ? details : "");
}

/* The newest InProgress activity of `instance` ends as status (details added when given). */
static void act_end(struct asg_group *g, const char *instance, const char *status, const char *details)
{
	for (size_t k = 0; k < g->n_acts; k++) {
		struct asg_entry *a = &g->acts[(g->act_head + ASG_ACTS - 1 - k) % ASG_ACTS];
		if (strcmp(a->instance, instance) || strcmp(a->status, "InProgress"))
			continue;
		snprintf(a->status, sizeof(a->status), "%s", status);
		if (details && details[0])
			snprintf(a->details, sizeof(a->details), "%s", details);
		return;
	}
}

/* ---------------------------------------------------------------- groups */

static struct asg_group *group_find(struct asg *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->g[i].name, name))
			return &c->g[i];
	return NULL;
}

/* The decisions' view of group gi of t. */
static void config_of(const struct vl_tables *t, uint16_t gi, struct asg_config *cfg)
{
	const struct vl_asg *a = &t->asgs[gi];
	*cfg = (struct asg_config){.min = a->min, .max = a->max, .metric_period_s = a->metric_period_s,
				   .cooldown_s = a->cooldown_s, .grace_s = a->grace_s,
				   .health_type = a->health == VL_ASG_HEALTH_ELB ? ASG_HC_ELB : ASG_HC_EC2};
	snprintf(cfg->name, sizeof(cfg->name), "%s", a->name);
	for (uint32_t p = 0; p < a->policy_count && cfg->n_policies < ASG_POLICIES_MAX; p++) {
		const struct vl_asg_policy *vp = &t->asg_policies[a->policy_first + p];
		struct asg_policy *d = &cfg->policies[cfg->n_policies++];
		snprintf(d->name, sizeof(d->name), "%s", vp->name);
		d->metric = vp->metric; /* enum vl_asg_metric and enum asg_metric share their order */
		d->target = (double)vp->target_milli / 1000.0;
	}
}

static uint16_t group_index(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_asgs; i++)
		if (!strcmp(t->asgs[i].name, name))
			return i;
	return VL_NONE;
}

void asg_member_of(const struct vl_tables *t, const struct vl_asg *a, const char *name, uint16_t sn,
		   struct lab_member *m)
{
	const struct vl_launch_template *lt = &t->launch_templates[a->template];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->group, sizeof(m->group), "%s", a->name);
	snprintf(m->subnet, sizeof(m->subnet), "%s", t->subnets[sn].name);
	snprintf(m->template_name, sizeof(m->template_name), "%s", lt->name);
	m->registered = a->tg_count > 0;
	m->public_ip = lt->public_ip;
	m->src_dst_check = lt->src_dst_check;
	m->n_sgs = lt->sg_count;
	for (uint16_t k = 0; k < lt->sg_count && k < VL_MAX_PORT_SGS; k++)
		snprintf(m->sgs[k], sizeof(m->sgs[k]), "%s", t->sgs[lt->sgs[k]].name);
	snprintf(m->run, sizeof(m->run), "%s", lt->run);
}

static struct asg_inst *inst_add(struct asg_group *g)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		struct asg_inst *v = realloc(g->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		g->v = v;
		g->cap = cap;
	}
	struct asg_inst *x = &g->v[g->n++];
	memset(x, 0, sizeof(*x));
	return x;
}

/* N of GROUP-N, or 0. */
static uint32_t seq_of(const char *group, const char *name)
{
	size_t l = strlen(group);
	if (strncmp(name, group, l) || name[l] != '-')
		return 0;
	return (uint32_t)strtoul(name + l + 1, NULL, 10);
}

/* A removed group's next N, kept: a group made again under its name goes on counting (names
 * are never reused in a lab's run). */
static void retire_seq(struct asg *c, const struct asg_group *g)
{
	for (size_t i = 0; i < c->n_retired; i++)
		if (!strcmp(c->retired[i].name, g->name)) {
			c->retired[i].next_seq = g->next_seq;
			return;
		}
	void *v = realloc(c->retired, (c->n_retired + 1) * sizeof(*c->retired));
	if (!v)
		return;
	c->retired = v;
	snprintf(c->retired[c->n_retired].name, sizeof(c->retired[0].name), "%s", g->name);
	c->retired[c->n_retired++].next_seq = g->next_seq;
}

static uint32_t retired_seq(const struct asg *c, const char *name)
{
	for (size_t i = 0; i < c->n_retired; i++)
		if (!strcmp(c->retired[i].name, name))
			return c->retired[i].next_seq;
	return 1;
}

static bool policies_changed(const struct asg_config *a, const struct asg_config *b)
{
	if (a->n_policies != b->n_policies)
		return true;
	for (int p = 0; p < a->n_policies; p++)
		if (strcmp(a->policies[p].name, b->policies[p].name) || a->policies[p].metric != b->policies[p].metric ||
		    a->policies[p].target != b->policies[p].target)
			return true;
	return false;
}

/* The groups as t says: new ones made, removed ones dropped, limits and desired followed. */
static int groups_sync(struct router *r, uint64_t now)
{
	struct asg *c = r->asg;
	const struct vl_tables *t = r->t;
	for (size_t i = 0; i < c->n;) {
		if (group_index(t, c->g[i].name) != VL_NONE) {
			i++;
			continue;
		}
		retire_seq(c, &c->g[i]);
		free(c->g[i].v);
		c->g[i] = c->g[--c->n];
	}
	for (uint16_t gi = 0; gi < t->n_asgs; gi++) {
		const struct vl_asg *a = &t->asgs[gi];
		struct asg_group *g = group_find(c, a->name);
		if (!g) {
			struct asg_group *v = realloc(c->g, (c->n + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			c->g = v;
			g = &c->g[c->n++];
			memset(g, 0, sizeof(*g));
			snprintf(g->name, sizeof(g->name), "%s", a->name);
			g->next_seq = retired_seq(c, a->name);
			g->desired = g->file_desired = a->desired;
			g->period_start_s = now;
			g->fresh = true;
			/* AWS logs no activity of its own for it: the first launches carry it */
			asg_create_cause(a->desired, now, g->pending_cause, sizeof(g->pending_cause));
		}
		g->gi = gi;
		uint32_t from = g->desired;
		if (a->desired != g->file_desired)
			g->desired = a->desired; /* the file set it: as update-auto-scaling-group does */
		g->file_desired = a->desired;
		struct asg_config old = g->cfg;
		config_of(t, gi, &g->cfg);
		if (g->fresh || policies_changed(&old, &g->cfg)) {
			/* new alarms: no streak carries over, and counting starts from now */
			memset(&g->tt.high, 0, sizeof(g->tt.high));
			memset(&g->tt.low, 0, sizeof(g->tt.low));
			memset(g->last, 0, sizeof(g->last));
			asg_period_begin(r, g, now);
		}
		g->desired = asg_clamp(&g->cfg, g->desired);
		if (g->desired != from && !g->fresh) {
			char cause[ASG_CAUSE_MAX];
			asg_update_cause(a->min, a->max, from, g->desired, now, cause, sizeof(cause));
			snprintf(g->pending_cause, sizeof(g->pending_cause), "%s", cause);
			g->pending_details[0] = '\0';
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- start and stop */

static void on_tick(void *ctx, int fd);

static int ctl_create(struct router *r)
{
	if (r->asg)
		return 0;
	struct asg *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec each = {.it_interval = {1, 0}, .it_value = {1, 0}};
	if (c->tfd < 0 || timerfd_settime(c->tfd, 0, &each, NULL) < 0 ||
	    loop_add_fd(r->loop, c->tfd, on_tick, r) < 0) {
		int rc = -errno;
		if (c->tfd >= 0)
			close(c->tfd);
		free(c);
		return rc ? rc : -ENOMEM;
	}
	r->asg = c;
	return 0;
}

/* Members become instances of their groups (up and user applies name them; their state is
 * the controller's from then on). */
static void members_adopt(struct router *r, const struct lab_member *members, size_t n, uint64_t now,
			  bool launched)
{
	for (size_t k = 0; k < n; k++) {
		struct asg_group *g = group_find(r->asg, members[k].group);
		if (!g)
			continue;
		bool have = false;
		for (size_t i = 0; i < g->n && !have; i++)
			have = !strcmp(g->v[i].m.name, members[k].name);
		struct asg_inst *x = have ? NULL : inst_add(g);
		if (!x)
			continue;
		x->m = members[k];
		x->seq = seq_of(g->name, x->m.name);
		x->launch_s = now;
		x->life = ASG_PENDING;
		if (x->seq >= g->next_seq)
			g->next_seq = x->seq + 1;
		if (!launched)
			continue;
		struct asg_action a = {.act = ASG_A_LAUNCH, .why = ASG_W_CAPACITY, .from = (uint32_t)g->n - 1,
				       .to = (uint32_t)g->n};
		snprintf(a.name, sizeof(a.name), "%s", x->m.name);
		char desc[ASG_DESC_MAX], cause[ASG_CAUSE_MAX], both[2 * ASG_CAUSE_MAX];
		asg_action_cause(&a, now, cause, sizeof(cause));
		snprintf(both, sizeof(both), "%s%s%s", g->pending_cause, g->pending_cause[0] ? " " : "", cause);
		asg_act_add(g, now, "Successful", x->m.name, asg_action_description(&a, desc, sizeof(desc)),
			    both, NULL);
	}
	for (size_t i = 0; launched && i < r->asg->n; i++)
		if (r->asg->g[i].n)
			r->asg->g[i].pending_cause[0] = '\0';
}

int asg_start(struct router *r, const struct lab_member *members, size_t n, const struct run_spec *runs,
	      size_t n_runs)
{
	if (!r->t->n_asgs)
		return 0;
	int rc = ctl_create(r);
	uint64_t now = now_s();
	if (rc == 0)
		rc = groups_sync(r, now);
	if (rc < 0) {
		fprintf(stderr, "vpclab: auto scaling: %s; the groups do not scale\n", strerror(-rc));
		return rc;
	}
	members_adopt(r, members, n, now, true);
	for (size_t i = 0; i < r->asg->n; i++)
		r->asg->g[i].fresh = false;
	for (size_t k = 0; k < n_runs; k++)
		asg_run_started(r, runs[k].port, runs[k].pid);
	return 0;
}

void asg_free(struct router *r)
{
	struct asg *c = r->asg;
	if (!c)
		return;
	loop_del_fd(r->loop, c->tfd);
	close(c->tfd);
	for (size_t i = 0; i < c->n; i++)
		free(c->g[i].v);
	free(c->g);
	free(c->list);
	free(c->retired);
	free(c);
	r->asg = NULL;
}

/* ---------------------------------------------------------------- the member list */

/* c->list: every instance of every group that the next apply keeps (what is being removed
 * left out), as lab_members. */
static int list_build(struct asg *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++)
		n += c->g[i].n;
	struct lab_member *v = realloc(c->list, (n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->list = v;
	c->n_list = 0;
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < c->g[i].n; k++)
			if (c->g[i].v[k].pend != ASG_P_REMOVE)
				v[c->n_list++] = c->g[i].v[k].m;
	return 0;
}

const struct lab_member *asg_members(const struct router *r, size_t *n)
{
	*n = 0;
	if (!r->asg || list_build(r->asg) < 0)
		return NULL;
	/* the list as the running tables have it: launches not yet published are left out */
	struct asg *c = r->asg;
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		for (size_t j = 0; j < c->g[i].n; j++) {
			const struct asg_inst *x = &c->g[i].v[j];
			if (x->pend == ASG_P_LAUNCH)
				continue;
			c->list[k] = x->m;
			if (x->pend == ASG_P_DEREG)
				c->list[k].registered = true;
			k++;
		}
	*n = k;
	return c->list;
}

const char *asg_group_of(const struct router *r, const char *name)
{
	if (!r->asg)
		return NULL;
	for (size_t i = 0; i < r->asg->n; i++)
		for (size_t k = 0; k < r->asg->g[i].n; k++)
			if (!strcmp(r->asg->g[i].v[k].m.name, name))
				return r->asg->g[i].name;
	return NULL;
}

/* ---------------------------------------------------------------- after an apply */

void asg_published(struct router *r, const struct lab_member *members, size_t n)
{
	uint64_t now = now_s();
	if (!r->asg && r->t->n_asgs && ctl_create(r) < 0) {
		fprintf(stderr, "vpclab: auto scaling: out of memory; the groups do not scale\n");
		return;
	}
	if (!r->asg)
		return;
	if (groups_sync(r, now) < 0)
		fprintf(stderr, "vpclab: auto scaling: out of memory\n");
	struct asg *c = r->asg;
	if (!c->busy) { /* a user's apply: a new group's first instances come at the next tick */
		members_adopt(r, members, n, now, false);
		for (size_t i = 0; i < c->n; i++)
			c->g[i].fresh = false;
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		struct asg_group *g = &c->g[i];
		g->fresh = false;
		for (size_t k = 0; k < g->n;) {
			struct asg_inst *x = &g->v[k];
			if (x->pend == ASG_P_REMOVE) {
				act_end(g, x->m.name, "Successful", NULL);
				g->v[k] = g->v[--g->n];
				continue;
			}
			if (x->pend == ASG_P_LAUNCH)
				act_end(g, x->m.name, "Successful", NULL);
			x->pend = ASG_P_NONE;
			k++;
		}
	}
	c->published = true;
}

void asg_apply_done(struct router *r, bool published, int rc, const char *err)
{
	struct asg *c = r->asg;
	if (!c)
		return;
	c->busy = false;
	if (published) {
		c->launch_cap = 0;
		return; /* a warning (a namespace left) was said in the router's log */
	}
	char why[ASG_DETAILS_MAX];
	snprintf(why, sizeof(why), "%s", err ? err : strerror(-rc));
	why[strcspn(why, "\n")] = '\0';
	fprintf(stderr, "vpclab: auto scaling: a change failed: %s\n", why);
	c->retry_s = now_s() + RETRY_S;
	c->launch_cap = 1; /* launch one at a time until one succeeds: what fits, fits */
	for (size_t i = 0; i < c->n; i++) {
		struct asg_group *g = &c->g[i];
		for (size_t k = 0; k < g->n;) {
			struct asg_inst *x = &g->v[k];
			if (x->pend == ASG_P_LAUNCH) {
				act_end(g, x->m.name, "Failed", why);
				if (x->seq && x->seq < g->next_seq)
					g->next_seq = x->seq; /* it never ran: its name is free again */
				g->v[k] = g->v[--g->n];
				continue;
			}
			if (x->pend == ASG_P_DEREG) { /* not deregistered: it serves on */
				act_end(g, x->m.name, "Failed", why);
				x->life = x->life_before;
				x->m.registered = true;
				x->drain_end_s = 0;
			}
			x->pend = ASG_P_NONE; /* a removal is tried again at the next tick */
			k++;
		}
	}
}

/* ---------------------------------------------------------------- run processes */

/* The start time of process pid (field 22 of /proc/PID/stat), or 0. */
static unsigned long long proc_start(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command may hold spaces and parentheses */
	unsigned long long start = 0;
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			&start) != 1)
		start = 0;
	return start;
}

void asg_run_started(struct router *r, uint16_t port, pid_t pid)
{
	if (!r->asg || port >= r->t->n_ports || pid <= 0)
		return;
	const char *name = r->t->ports[port].name;
	for (size_t i = 0; i < r->asg->n; i++)
		for (size_t k = 0; k < r->asg->g[i].n; k++) {
			struct asg_inst *x = &r->asg->g[i].v[k];
			if (strcmp(x->m.name, name))
				continue;
			x->run_pid = pid;
			x->run_start = proc_start(pid);
			x->run_exited = x->run_start == 0;
		}
}

/* Whether x's run process is gone (reaped, or its pid now another process's). */
static bool run_gone(const struct asg_inst *x)
{
	return x->run_pid > 0 && (x->run_exited || proc_start(x->run_pid) != x->run_start);
}

/* ---------------------------------------------------------------- health and lifecycle */

/* Healthy in every target group (n_tgs 0: true); *unhealthy when one says unhealthy. */
static bool tg_health(const struct router *r, const struct vl_asg *a, const char *name, bool *unhealthy)
{
	bool all = true;
	*unhealthy = false;
	for (uint16_t k = 0; k < a->tg_count; k++) {
		const struct vl_tg *tg = &r->t->tgs[a->tgs[k]];
		const struct lbh_target *e = lbh_find(r, tg->name, name, tg->port);
		/* a target group no load balancer uses checks nothing: it holds no one back */
		all &= e && (e->state == LB_T_HEALTHY || e->state == LB_T_UNUSED);
		*unhealthy |= e && e->state == LB_T_UNHEALTHY;
	}
	return all;
}

/* The group's instances observed: exited run processes, target health, Pending -> InService,
 * drained instances marked for removal. */
static void observe(struct router *r, const struct asg *c, struct asg_group *g, uint64_t now)
{
	const struct vl_asg *a = &r->t->asgs[g->gi];
	for (size_t k = 0; k < g->n; k++) {
		struct asg_inst *x = &g->v[k];
		if (x->life == ASG_TERMINATING) {
			if (now >= x->drain_end_s && x->pend == ASG_P_NONE && !c->busy)
				x->pend = ASG_P_REMOVE; /* not into an apply already under way */
			continue;
		}
		if (asg_port_of(r, x->m.name) == VL_NONE)
			continue; /* not made yet */
		x->run_exited = run_gone(x);
		bool bad;
		bool healthy = tg_health(r, a, x->m.name, &bad);
		x->elb_unhealthy = bad;
		if (x->life == ASG_PENDING && !x->run_exited &&
		    (healthy || (g->cfg.health_type == ASG_HC_EC2 && now >= x->launch_s + g->cfg.grace_s)))
			x->life = ASG_IN_SERVICE;
	}
}

/* ---------------------------------------------------------------- reconcile */

/* asg_reconcile's actions made tentative in the group: launches added, terminations begun. */
static void act_on(struct router *r, struct asg *c, struct asg_group *g, uint64_t now)
{
	const struct vl_tables *t = r->t;
	const struct vl_asg *a = &t->asgs[g->gi];
	struct asg_subnet sn[VL_ASG_GROUP_SUBNETS];
	for (uint16_t s = 0; s < a->subnet_count; s++) {
		snprintf(sn[s].name, sizeof(sn[s].name), "%s", t->subnets[a->subnets[s]].name);
		snprintf(sn[s].az, sizeof(sn[s].az), "%s", t->subnets[a->subnets[s]].az[0]
			 ? t->subnets[a->subnets[s]].az : t->subnets[a->subnets[s]].name);
	}
	struct asg_instance *in = calloc(g->n ? g->n : 1, sizeof(*in));
	size_t *of = calloc(g->n ? g->n : 1, sizeof(*of));
	struct asg_action act[2 * VL_ASG_MAX_SIZE + 8];
	if (!in || !of) {
		free(in), free(of);
		return;
	}
	size_t n = 0;
	for (size_t k = 0; k < g->n; k++) {
		const struct asg_inst *x = &g->v[k];
		if (x->pend == ASG_P_REMOVE)
			continue;
		struct asg_instance *d = &in[n];
		snprintf(d->name, sizeof(d->name), "%s", x->m.name);
		d->life = x->life;
		d->subnet = -1;
		for (uint16_t s = 0; s < a->subnet_count; s++)
			if (!strcmp(sn[s].name, x->m.subnet))
				d->subnet = s;
		d->launch_s = x->launch_s;
		d->seq = x->seq;
		d->run_exited = x->run_exited;
		d->elb_unhealthy = x->elb_unhealthy;
		of[n++] = k;
	}
	uint32_t seq0 = g->next_seq;
	int na = asg_reconcile(&g->cfg, sn, a->subnet_count, in, n, g->desired, now, &g->next_seq, act,
			       sizeof(act) / sizeof(act[0]));
	/* AWS terminates first and launches after: a replacement may need the address or the room
	 * the instance it replaces holds. Launches wait for a tick without terminations, and after a
	 * failure go one at a time. */
	int terms = 0, launches = 0;
	for (int i = 0; i < na; i++)
		terms += act[i].act == ASG_A_TERMINATE;
	int keep = 0, deferred = 0;
	for (int i = 0; i < na; i++) {
		if (act[i].act == ASG_A_LAUNCH && (terms || (c->launch_cap && launches >= (int)c->launch_cap))) {
			deferred++;
			continue;
		}
		launches += act[i].act == ASG_A_LAUNCH;
		act[keep++] = act[i];
	}
	if (na > 0) {
		g->next_seq = seq0;
		for (int i = 0; i < keep; i++)
			if (act[i].act == ASG_A_LAUNCH)
				g->next_seq = seq_of(g->name, act[i].name) + 1;
		na = keep;
	}
	for (int i = 0; i < na; i++) {
		char desc[ASG_DESC_MAX], cause[ASG_CAUSE_MAX], both[2 * ASG_CAUSE_MAX];
		asg_action_description(&act[i], desc, sizeof(desc));
		asg_action_cause(&act[i], now, cause, sizeof(cause));
		bool decided = act[i].why == ASG_W_CAPACITY && g->pending_cause[0];
		snprintf(both, sizeof(both), "%s%s%s", decided ? g->pending_cause : "", decided ? " " : "", cause);
		if (act[i].act == ASG_A_LAUNCH) {
			struct asg_inst *x = inst_add(g);
			if (!x)
				break;
			asg_member_of(t, a, act[i].name, a->subnets[act[i].subnet], &x->m);
			x->seq = seq_of(g->name, x->m.name);
			x->launch_s = now;
			x->life = ASG_PENDING;
			x->pend = ASG_P_LAUNCH;
			asg_act_add(g, now, "InProgress", x->m.name, desc, both,
				    decided ? g->pending_details : NULL);
			continue;
		}
		struct asg_inst *x = &g->v[of[act[i].instance]];
		x->life_before = x->life;
		x->life = ASG_TERMINATING;
		x->pend = ASG_P_DEREG;
		uint32_t delay = 0;
		for (uint16_t k = 0; x->m.registered && k < a->tg_count; k++)
			if (t->tgs[a->tgs[k]].dereg_delay_s > delay)
				delay = t->tgs[a->tgs[k]].dereg_delay_s;
		x->m.registered = false;
		x->drain_end_s = now + delay;
		asg_act_add(g, now, "InProgress", x->m.name, desc, both, decided ? g->pending_details : NULL);
	}
	/* a cause is for the actions this tick brings; none came, none is owed (the next ones
	 * have their own) */
	if (na >= 0 && !deferred)
		g->pending_cause[0] = g->pending_details[0] = '\0';
	if (na < 0)
		fprintf(stderr, "vpclab: auto scaling: %s: %s\n", g->name, strerror(-na));
	free(in), free(of);
}

static bool pending_change(const struct asg *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < c->g[i].n; k++)
			if (c->g[i].v[k].pend != ASG_P_NONE)
				return true;
	return false;
}

/* The groups' tentative changes go out as one apply. */
static void launch_apply(struct router *r)
{
	struct asg *c = r->asg;
	size_t n_old;
	const struct lab_member *cur = asg_members(r, &n_old);
	struct lab_member *old = malloc((n_old ? n_old : 1) * sizeof(*old));
	int rc = old ? 0 : -ENOMEM;
	if (old && n_old)
		memcpy(old, cur, n_old * sizeof(*old));
	if (rc == 0)
		rc = list_build(c);
	if (rc == 0) {
		c->busy = true;
		c->published = false;
		rc = apply_members(r, old, n_old, c->list, c->n_list);
	}
	free(old);
	if (rc < 0) {
		c->busy = true; /* asg_apply_done undoes and says why */
		asg_apply_done(r, false, rc, NULL);
	}
}

static void on_tick(void *ctx, int fd)
{
	struct router *r = ctx;
	uint64_t expired;
	if (read(fd, &expired, sizeof(expired)) < 0)
		return;
	struct asg *c = r->asg;
	uint64_t now = now_s();
	if (!c)
		return;
	/* observed and measured every second: a period is as long as it says */
	for (size_t i = 0; i < c->n; i++) {
		struct asg_group *g = &c->g[i];
		observe(r, c, g, now);
		asg_period(r, g, now);
	}
	/* one change at a time, and a user's apply first */
	if (c->busy || r->apply || r->apply_wait_fd >= 0 || now < c->retry_s)
		return;
	for (size_t i = 0; i < c->n; i++)
		act_on(r, c, &c->g[i], now);
	if (pending_change(c))
		launch_apply(r);
}
