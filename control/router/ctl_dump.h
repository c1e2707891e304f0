/* Answers too large to make in one go (`flows`, `status` of a large lab), streamed to their
 * reader in slices between the loop's turns: each turn the socket can take more, at most a
 * bounded number of flows or interfaces is written. The text is the JSON object the one-go
 * answer would be (include/vpclab/ctl.h), so clients read it as before. */
#ifndef VPCLAB_CTL_DUMP_H
#define VPCLAB_CTL_DUMP_H

#include "control/router/router.h"

/* Streams the answer of kind to fd, which it then owns (closed at the end). 0 or -errno (the
 * caller keeps fd). With CTL_DUMPS running, the oldest is cut for this one. */
int ctl_dump_start(struct router *r, int fd, enum ctl_dump_kind kind);
/* At the router's end: every dump is cut and its fd closed. */
void ctl_dump_close_all(struct router *r);

#endif
