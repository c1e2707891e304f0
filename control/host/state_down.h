/* Taking a lab down exactly, for `vpclab down` and `vpclab test`: the router is stopped and
 * waited for (on a pidfd, not with sleeps), the lab's lock is taken, everything is removed under
 * it, and only then is the lab down; or the caller learns what is left. */
#ifndef VPCLAB_STATE_DOWN_H
#define VPCLAB_STATE_DOWN_H

#include <stdbool.h>
#include <sys/types.h>

#define STATE_DOWN_GRACE_MS 5000     /* a router asked to stop gets this long before SIGKILL */

struct state_down {
	pid_t router;                /* the router that was stopped; 0 when none ran */
	bool killed;                 /* it had to be SIGKILLed */
	char left[512];              /* on failure: what is left, for the message */
};

/* The router (the pid file's process, trusted only while it holds the lab's lock) is asked
 * over its control socket to stop (SIGTERM when it has none yet: still provisioning), then
 * SIGKILLed after grace_ms, and waited for until gone. Then the lock is taken (waiting, within
 * a bound, for another holder such as an `up` undoing its half-made lab), the lab cleaned up
 * under it (state_cleanup_left) and the lock file removed. 0: nothing of the lab is left.
 * -errno: d->left says what is. */
int state_down(const char *lab, int grace_ms, struct state_down *d);

#endif
