/* A lab's AWS API server (`vpclab api`, control/api), as its state records it: api.pid and
 * api-url under /run/vpclab/LAB. `down` and the crash cleanup stop it with the lab. */
#ifndef VPCLAB_STATE_API_H
#define VPCLAB_STATE_API_H

#include <sys/types.h>

/* api.pid holds "PID STARTTIME" (the start time of /proc/PID/stat, in clock ticks since boot).
 * The server's pid when that process still runs, else 0 (a stale file, or a pid reused by
 * another program, is never signalled). */
pid_t state_api_pid(const char *lab);
/* Stops it: SIGTERM, SIGKILL after grace_ms, waited for until gone (pidfd); then api.pid,
 * api-url, api.log and the credentials go. 0, or -errno when it could not be stopped. */
int state_api_stop(const char *lab, int grace_ms);
/* The start time of process pid (field 22 of /proc/PID/stat), 0 when it is gone or a zombie. */
unsigned long long state_proc_start(pid_t pid);

#endif
