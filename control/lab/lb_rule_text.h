/* An application listener rule as text, one line, from its compiled form (tables_lb.h) so that
 * what `vpclab check` shows and what apply plans compare are the same, AWS's defaults filled in.
 * Shared by control/cli/check_print.c and diff_lb.c. */
#ifndef VPCLAB_LB_RULE_TEXT_H
#define VPCLAB_LB_RULE_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "vpclab/tables.h"

/* "host api.example.com path [/a, /b] header X-Env beta query [version=v2, *=v3]
 * source_ip 203.0.113.0/24": a key per condition group, its values in brackets when several;
 * a query without key shows as *=VALUE. Values with spaces or punctuation are quoted. */
void lb_rule_conds(const struct vl_lb_rule *r, FILE *out);

/* "forward TG", "fixed_response 404 text/plain \"gone\"" or
 * "redirect 301 HTTPS://#{host}:443/#{path}?#{query}". body_max: characters of the body shown
 * (then "..." and its length); 0 shows it all. */
void lb_rule_action(const struct vl_lb_rule *r, const char *tg, size_t body_max, FILE *out);

#endif
