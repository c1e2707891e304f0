/* Packet capture from inside the router: what an interface sees (rx and tx), what a stage
 * sees (before and after a NAT or IGW rewrite; what reached a NACL or an SG, with its verdict),
 * and every dropped packet with its reason. Streams pcapng (reasons and verdicts are packet
 * comments, which Wireshark and tcpdump -v show) to a socket; BPF filters through libpcap.
 * When no capture runs, the data plane pays one pointer test per packet. */
#ifndef VPCLAB_CAPTURE_H
#define VPCLAB_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

enum capture_kind { CAP_PORT, CAP_STAGE, CAP_DROPS };

struct capture_spec {
	uint8_t kind;            /* enum capture_kind */
	uint16_t port;           /* CAP_PORT: the interface; CAP_DROPS: VL_NONE or only this one */
	uint8_t stage;           /* CAP_STAGE: enum explain_stage (EX_NAT, EX_IGW, EX_NACL_IN, ...) */
	uint16_t obj;            /* CAP_STAGE: one component (natgw, acl, port index), VL_NONE = all */
	uint32_t count;          /* stop after this many packets, 0 = no limit */
	char filter[256];        /* BPF expression, "" = everything */
};

/* Starts streaming captures matching spec to fd, which the capture then owns (closed when the
 * capture ends). 0, or -EINVAL with err set for a bad filter, -ENOSPC when too many run. */
int capture_start(struct dp_state *s, int fd, const struct capture_spec *spec, char *err, size_t cap);

/* Frees the session streaming to fd once its reader has gone or it has finished (the loop saw
 * fd readable: EOF). Closes fd. */
void capture_release(struct dp_state *s, int fd);

/* Stops every capture (router shutdown). */
void capture_stop_all(struct dp_state *s);

/* Called by pipeline_process for each frame while any capture runs: orig is the frame as read,
 * p/v/ex what the pipeline made of it. */
void capture_packet(struct dp_state *s, const uint8_t *orig, uint32_t orig_len, const struct pkt *p,
		    const struct verdict *v, const struct explain *ex);

/* A copy of the frame as read (NULL when no capture runs): the hook's `orig`. */
const uint8_t *capture_save(struct dp_state *s, const uint8_t *frame, uint32_t len);

/* Parses a stage name ("nat", "igw", "nacl-in", "nacl-out", "sg-in", "sg-out", "route",
 * "deliver") into enum explain_stage; -1 when unknown. */
int capture_stage_parse(const char *name);


/* Capture files (libpcap's classic format), for replay: read every frame of path, calling
 * fn(ctx, frame, len, ts_ns) for each; 0 or -errno (err says why). */
int capture_file_read(const char *path, int (*fn)(void *ctx, uint8_t *frame, uint32_t len, uint64_t ts_ns),
		      void *ctx, char *err, size_t errcap);

struct capture_file;
/* NULL with errno set. */
struct capture_file *capture_file_create(const char *path);
void capture_file_write(struct capture_file *f, const uint8_t *frame, uint32_t len, uint64_t ts_ns);
void capture_file_close(struct capture_file *f);

#endif
