/* The labs on this machine, as /run/vpclab shows them: a lab runs while a process holds its
 * lock (/run/vpclab/LAB.lock); a state directory without that holder is what a crashed router
 * left. Also where a running lab came from (`source`, written by `up`). */
#ifndef VPCLAB_STATE_LABS_H
#define VPCLAB_STATE_LABS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define STATE_LABS_MAX 64      /* labs a listing reports; more are counted, not named */

struct state_lab {
	char name[64];
	bool running;          /* its lock is held */
};

/* Every lab that runs or left a state directory, sorted by name, at most cap in out[].
 * Returns how many there are (possibly more than cap); 0 when /run/vpclab does not exist. */
size_t state_labs(struct state_lab *out, size_t cap);

/* state_running (kept for its callers): a look that never takes the lock, never creates it. */
bool state_lab_running(const char *lab);

/* Records the absolute path of the lab file in /run/vpclab/LAB/source. 0 or -errno. */
int state_write_source(const char *lab, const char *path);
/* A copy of the lab file as `up` loaded it, /run/vpclab/LAB/lab.yaml: what `apply` diffs
 * against and `status` compares with the file on disk, even after the user edited it. */
#define STATE_KEPT_FILE "lab.yaml"
/* Beside it once an apply ran: the addresses the lab gave what the file leaves without one
 * (control/lab/pins.h), pinned whenever the kept copy is loaded. */
#define STATE_PINS_FILE "lab.addresses"
int state_keep_file(const char *lab, const char *path);
/* The recorded lab file into dst ("" when none). 0 or -errno. */
int state_source(const char *lab, char *dst, size_t cap);
/* 1 when the file at path differs from what running lab `lab` runs (its kept copy), 0 when it
 * is the same, -1 when either cannot be read. */
int state_kept_differs(const char *lab, const char *path);
/* When the router said it was ready (the pid file's time); 0 when unknown. */
time_t state_since(const char *lab);

#endif
