/* The Auto Scaling controller in the router (reference aws-elb §3): a group's instances are
 * launched and terminated through the apply path (apply_members), their health and lifecycle
 * followed, their metrics sampled every metric period and target tracking decided on them
 * (asg_decide.h, pure), every decision kept as an activity in AWS's wording. It ticks once a
 * second on the router's loop and never blocks it: what is slow runs in the apply's worker. */
#ifndef VPCLAB_ROUTER_ASG_H
#define VPCLAB_ROUTER_ASG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control/host/run.h"
#include "control/lab/asg_members.h"

struct router;
struct lab;

/* After `up`: the groups of r->t with the instances `up` launched (members, whose `run`
 * processes are among runs). 0, or -errno (said on stderr: the lab runs without scaling). */
int asg_start(struct router *r, const struct lab_member *members, size_t n, const struct run_spec *runs,
	      size_t n_runs);

/* The tables of an apply were published with the groups' instances `members` (the controller's
 * own list for a user's apply, the new one for the controller's): groups follow the file (new,
 * removed, changed limits), launched instances exist, removed ones are gone. */
void asg_published(struct router *r, const struct lab_member *members, size_t n);

/* The controller's apply ended: published or not, rc/err what went wrong. */
void asg_apply_done(struct router *r, bool published, int rc, const char *err);

/* An instance's `run` command started as process pid (its exit makes it unhealthy, type ec2). */
void asg_run_started(struct router *r, uint16_t port, pid_t pid);

/* The groups' instances now (an apply loads every model with them); NULL and 0 when none. */
const struct lab_member *asg_members(const struct router *r, size_t *n);

/* The group instance `name` belongs to, or NULL (status marks group instances). */
const char *asg_group_of(const struct router *r, const char *name);

/* Stops the controller (down). */
void asg_free(struct router *r);

/* The `asg [NAME]` and `asg-set-desired NAME N` answers (include/vpclab/ctl.h). New
 * references. */
json_t *ctl_handle_asg(struct router *r, const char *name);
json_t *ctl_handle_asg_set_desired(struct router *r, const char *name, const char *n);

/* For `up` and `vpclab test`: the instances the groups of m (checked) start with, `desired` of
 * each spread as a launch spreads them, and m loaded again from path with them (checked; its
 * diagnostics on stderr). NULL with *errors set when that fails; m itself when m has no
 * group. *members is a new array (free) of *n. */
struct lab *asg_up_model(struct lab *m, const char *path, struct lab_member **members, size_t *n, int *errors);

#endif
