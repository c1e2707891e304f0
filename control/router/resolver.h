/* The lab's DNS resolver in the router (reference aws-elb §4), all on the router's thread: the
 * snapshot it answers from (rebuilt after up, apply, elastic IP moves), its serving thread
 * (resolver_serve.h), its health inputs: load balancer nodes up from their targets' health (each
 * second) and Route 53's checks, run by lb_check.h from the resolver's namespace (a private
 * address from the VPC's resolver address, as Route 53's checkers would reach it). */
#ifndef VPCLAB_RESOLVER_H
#define VPCLAB_RESOLVER_H

#include <jansson.h>
#include <stdint.h>

struct router;

/* After up and after every publish of new tables: the snapshot anew (when the tables changed),
 * the health checks as the tables say (a check that stays keeps its state), the serving thread
 * started once the resolver's tap is up; everything stopped when the lab has no resolver port
 * any more. 0 or -errno (said on stderr: the lab runs on). */
int resolver_sync(struct router *r);
/* Stops the thread and the checks, frees it all (down). */
void resolver_free(struct router *r);

/* `vpclab dns`: how the resolver answers (name, qtype) asked from VPC vpc (tables.vpcs index)
 * or DNS_FROM_INTERNET (dns_resolve.h), on the snapshot and health it answers from now. *out
 * gets dns_result_json's object (also for -ENETUNREACH: the VPC's DNS support is off, its
 * steps say so). Returns dns_resolve's result, or -ENOENT when the lab has no resolver (no
 * VPC), -ENOMEM. */
int resolver_lookup(struct router *r, const char *name, uint16_t qtype, uint16_t vpc, json_t **out);

/* {"queries_udp", "queries_tcp", "answered", "malformed", "unanswered", "tcp_refused",
 *  "health_checks": [{"name", "healthy", "passes", "fails"}]}, or NULL when the lab has no
 * resolver. New reference. */
json_t *resolver_stats_json(struct router *r);

#endif
