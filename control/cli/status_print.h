/* `vpclab status` as a table: the router's status object (control/router/status.c builds it,
 * `status --json` prints it as is) in the human view. Only jansson: no data-plane types. */
#ifndef VPCLAB_STATUS_PRINT_H
#define VPCLAB_STATUS_PRINT_H

#include <jansson.h>
#include <stdio.h>

/* The human view of a status object: the lab, one line per interface, the drops by reason. */
void status_print(const json_t *st, FILE *out);

#endif
