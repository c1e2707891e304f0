/* `vpclab asg` as text: the router's answer to `asg [NAME]` (include/vpclab/ctl.h: each group's
 * configuration, policies with the last period's metric, instances with their lifecycle and
 * health, activities in AWS's wording) in the human view. Only jansson, so that a canned
 * answer can be printed in a unit test. */
#ifndef VPCLAB_ASG_PRINT_H
#define VPCLAB_ASG_PRINT_H

#include <jansson.h>
#include <stdio.h>

/* Every group of ans ({"groups": [...]}), one block each, a blank line between them; "no auto
 * scaling groups" when there is none. Missing, null or mistyped fields print as "-" (or are
 * left out when they are lists): an older or newer router's answer still prints. */
void asg_print(const json_t *ans, FILE *out);

#endif
