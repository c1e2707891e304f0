/* `vpclab replay`: frames from a pcap file injected at an interface go through the very
 * pipeline offline; a verdict line per frame and per-egress pcap files come out. The packet
 * timestamps are the clock, so the same input gives the same output every time. */
#ifndef VPCLAB_REPLAY_H
#define VPCLAB_REPLAY_H

#include <stdio.h>

#include "vpclab/tables.h"

/* Replays `in` as sent by interface `from`; verdicts to out; pcaps into outdir (NULL: none).
 * Returns the number of dropped frames (>= 0), or -errno with err set. */
int replay_run(const struct vl_tables *t, const char *from, const char *in, const char *outdir,
	       FILE *out, char *err, size_t errcap);

#endif
