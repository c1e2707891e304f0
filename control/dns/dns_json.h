/* The resolver's answer and its explanation as JSON (jansson), for `vpclab dns --json` and the
 * control socket: what was asked, the response code, the records, and one entry per name looked
 * up with the source that decided (zone and record, instance, load balancer) and why. */
#ifndef VPCLAB_DNS_JSON_H
#define VPCLAB_DNS_JSON_H

#include <jansson.h>

#include "control/dns/dns_resolve.h"

/* {"type", "rcode", "answers": [{"name","type","ttl","data"}], "authority": [...],
 *  "steps": [{"name", "source", "rcode", "why", and when known "zone", "record":
 *  {"name","type","failover"}, "instance", "load_balancer"}], "note" when a chain ended early}.
 * t: the tables r was resolved on (names of zones, instances, load balancers). A new reference,
 * or NULL (ENOMEM). */
json_t *dns_result_json(const struct dns_result *r, const struct vl_tables *t);

/* "zone", "private_name", "public_name", "ptr", "load_balancer", "short_name", "none". */
const char *dns_src_name(uint8_t src);

#endif
