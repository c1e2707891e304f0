/* Talking to a running lab's router over its control socket (include/vpclab/ctl.h). */
#ifndef VPCLAB_CTL_CLIENT_H
#define VPCLAB_CTL_CLIENT_H

#include <jansson.h>

/* Sends request to lab's router; the answer object (new reference) in *answer. 0 or -errno
 * (-ECONNREFUSED/-ENOENT: no router listening). */
int ctl_request(const char *lab, const char *request, json_t **answer);
/* The same, waiting up to timeout_s seconds for the answer (ctl_request waits 5). */
int ctl_request_wait(const char *lab, const char *request, json_t **answer, int timeout_s);

/* Sends request and returns the connected socket for a streaming answer (capture), or -errno. */
int ctl_open_stream(const char *lab, const char *request);
#endif
