/* `vpclab status`, the router's side: one JSON object from its tables and counters; the CLI
 * prints it as is (--json) or as a table (control/cli/status_print.h). One format, so the two
 * views cannot disagree. */
#ifndef VPCLAB_STATUS_H
#define VPCLAB_STATUS_H

#include <jansson.h>
#include <sys/types.h>

#include "control/host/link_stats.h"
#include "dataplane/pipeline.h"
#include "vpclab/tables.h"

/* The flow log files' cap and what it discarded (the router's flowlog_write keeps them). */
struct status_flowlogs {
	uint64_t max_bytes;              /* per interface file */
	uint64_t rotations;              /* files moved to NAME.log.1 */
	uint64_t discarded_records;      /* in the NAME.log.1 files a rotation replaced */
	uint64_t discarded_bytes;
};

/* The object is {"lab", "pid", "ports": [status_port...], status_tail's members}, streamed in
 * slices (control/router/ctl_dump.c). One element of "ports" (tap: its tap's counters, NULL
 * when unknown), and the members after "ports": drops by reason, forwarded, arp_replies,
 * flow_logs. New references; NULL on allocation failure. */
json_t *status_port(const struct vl_tables *t, const struct dp_state *s, uint16_t i,
		    const struct link_drops *tap);
json_t *status_tail(const struct dp_state *s, const struct status_flowlogs *fl);

#endif
