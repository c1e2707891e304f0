/* `vpclab lb` as text: the router's answer to `lb [NAME]` (include/vpclab/ctl.h: nodes,
 * listeners, target groups with each target's health and AWS reason, CloudWatch counters) in
 * the human view. Only jansson, so that a canned answer can be printed in a unit test. */
#ifndef VPCLAB_LB_PRINT_H
#define VPCLAB_LB_PRINT_H

#include <jansson.h>
#include <stdio.h>

/* Every load balancer of ans ({"load_balancers": [...]}), one block each; "no load balancers"
 * when the list is empty. */
void lb_print(const json_t *ans, FILE *out);

#endif
