/* VPC flow logs: per interface, one record per 5-tuple and action in each aggregation window,
 * in AWS's default format (version 2, reference 9.1):
 *   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
 * pipeline.c accounts every IP packet an interface sends or is handed (ACCEPT) or that is
 * rejected there (REJECT); the loop flushes each window. Memory per interface grows with its
 * records (none while quiet) up to a cap per window: past it the window says SKIPDATA, as AWS
 * does. */
#ifndef VPCLAB_FLOWLOG_H
#define VPCLAB_FLOWLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "vpclab/tables.h"

#define FLOWLOG_ACCOUNT "123456789012"
#define FLOWLOG_CAP 2048         /* records per interface and window */

struct flowlog_key {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, reject;
};

struct flowlog;

/* The first window starts at wall-clock second start_s. NULL with errno set. */
struct flowlog *flowlog_create(uint16_t n_ports, uint32_t interval_s, uint32_t start_s);
void flowlog_destroy(struct flowlog *fl);
/* For apply: windows for n_ports interfaces. 0, or -ENOMEM with fl unchanged. */
int flowlog_grow(struct flowlog *fl, uint16_t n_ports);
/* Drops what port's current window holds (its interface went away). */
void flowlog_forget(struct flowlog *fl, uint16_t port);
uint32_t flowlog_interval(const struct flowlog *fl);

/* The key of p as seen at an interface (ICMP: ports 0). */
void flowlog_key_of(const struct pkt *p, bool reject, struct flowlog_key *k);

/* Adds one packet of bytes to port's record for k at wall-clock second now_s. */
void flowlog_account(struct flowlog *fl, uint16_t port, const struct flowlog_key *k, uint32_t bytes,
		     uint32_t now_s);

/* Ends the window at now_s: calls emit(ctx, port, line) for every record of every instance
 * interface (NODATA when it had none), then starts the next window. */
void flowlog_flush(struct flowlog *fl, const struct vl_tables *t, uint32_t now_s,
		   void (*emit)(void *ctx, uint16_t port, const char *line), void *ctx);

/* "eni-" and 17 hex digits, stable for (lab, interface name): AWS-looking interface ids. */
void flowlog_eni_id(const char *lab, const char *name, char out[24]);

#endif
