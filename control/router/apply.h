/* `vpclab apply` in the router: the file the CLI checked and staged becomes the running lab,
 * with AWS's rules for open connections (apply.c says how, rule-file.md what). */
#ifndef VPCLAB_ROUTER_APPLY_H
#define VPCLAB_ROUTER_APPLY_H

struct router;

/* Starts an apply for the request {"staged": PATH, "source": PATH, "dry_run": bool}; fd (the
 * client) is answered when it ends, with the plan and what was done, or {"error", "input"}.
 * 0: fd is the apply's now. -EBUSY (another apply runs), -EINVAL (a bad request), -errno:
 * the caller answers and closes fd. */
int apply_start(struct router *r, int fd, const char *json_spec);

/* The lab goes down: an apply in progress waits for its worker's step to end (whatever it
 * made is in the lab's state, for down to remove), answers an error, and is freed. */
void apply_stop(struct router *r);

#endif
