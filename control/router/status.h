/* `vpclab status`, the router's side: one JSON object from its tables and counters; the CLI
 * prints it as is (--json) or as a table (control/cli/status_print.h). One format, so the two
 * views cannot disagree. */
#ifndef VPCLAB_STATUS_H
#define VPCLAB_STATUS_H

#include <jansson.h>
#include <sys/types.h>

#include "dataplane/pipeline.h"
#include "vpclab/tables.h"

/* New reference; NULL on allocation failure. */
json_t *status_build(const struct vl_tables *t, const struct dp_state *s, pid_t pid);

#endif
