/* `vpclab apply` in the router: the file the CLI checked and staged becomes the running lab,
 * with AWS's rules for open connections (apply.c says how, rule-file.md what). */
#ifndef VPCLAB_ROUTER_APPLY_H
#define VPCLAB_ROUTER_APPLY_H

#include <stdbool.h>
#include <stddef.h>

struct router;

/* Starts an apply for the request {"staged": PATH, "source": PATH, "dry_run": bool}; fd (the
 * client) is answered when it ends, with the plan and what was done, or {"error", "input"}.
 * 0: fd is the apply's now. -EBUSY (another apply runs), -EINVAL (a bad request), -errno:
 * the caller answers and closes fd. */
int apply_start(struct router *r, int fd, const char *json_spec);

struct lab_member;
/* An auto scaling group's change (asg.h): the kept copy with the groups' instances mold
 * replaced by mnew (copied), through the same plan, provisioning and publication as a user's
 * apply; asg_apply_done hears the end. 0, or -EBUSY (an apply runs or waits), -errno. */
int apply_members(struct router *r, const struct lab_member *mold, size_t n_mold,
		  const struct lab_member *mnew, size_t n_mnew);

/* A user's apply that came while a group's change runs: it waits and starts when that ends
 * (0: fd is held), instead of being told to try again; -EBUSY when it cannot wait (the apply
 * running is a user's, or another waits). */
int apply_wait(struct router *r, int fd, const char *json_spec);

/* Whether the apply in progress is an auto scaling group's. */
bool apply_internal(const struct router *r);

/* The lab goes down: an apply in progress waits for its worker's step to end (whatever it
 * made is in the lab's state, for down to remove), answers an error, and is freed. */
void apply_stop(struct router *r);

#endif
