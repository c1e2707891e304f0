/* Status, the router's side (status.h): interfaces with their addresses, groups and
 * counters, and the drop counters by reason — the first thing to look at when traffic does not
 * flow. The CLI prints this object (control/cli/status_print.c). */
#include <string.h>

#include "dataplane/flowlog.h"
#include "control/router/status.h"

static json_t *addr_or_null(uint32_t a)
{
	char buf[16];
	return a ? json_string(addr_fmt(a, buf)) : json_null();
}

json_t *status_port(const struct vl_tables *t, const struct dp_state *s, uint16_t i,
		    const struct link_drops *tap)
{
	const struct vl_port *p = &t->ports[i];
	char mac[18], ip[16];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1], p->mac[2],
		 p->mac[3], p->mac[4], p->mac[5]);
	json_t *sgs = json_array();
	for (uint16_t g = 0; g < p->sg_count; g++)
		json_array_append_new(sgs, json_string(t->sgs[p->sgs[g]].name));
	bool inst = p->kind == VL_PORT_INSTANCE, node = p->kind == VL_PORT_LB_NODE;
	char ns[128];
	vl_port_netns(t, i, ns, sizeof(ns));
	const struct dp_port_stats *st = dp_port_stats_get(s, i);
	struct ct_stats cs;
	ct_stats(ct_port_const(s->ct, i), &cs);
	char eni[24];
	/* A node's ENI is named after its namespace's tail (LBNAME-SUBNET): nodes share a name. */
	flowlog_eni_id(t->lab, node ? ns + strlen(t->lab) + 1 : p->name, eni);
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "name", p->name, "kind", inst ? "instance" : node ? "lb-node" :
			 p->kind == VL_PORT_RESOLVER ? "resolver" : "internet-host",
			 "vpc", inst || node ? json_string(t->vpcs[p->vpc].name) : json_null(),
			 "subnet", inst || node ? json_string(t->subnets[p->subnet].name) : json_null(),
			 "ip", addr_fmt(p->ip, ip), "public_ip", addr_or_null(p->public_ip),
			 "mac", mac, "security_groups", sgs,
			 "source_dest_check", p->src_dst_check != 0,
			 "rx_packets", (json_int_t)st->rx_packets, "rx_bytes", (json_int_t)st->rx_bytes,
			 "tx_packets", (json_int_t)st->tx_packets, "tx_bytes", (json_int_t)st->tx_bytes,
			 "drops", (json_int_t)st->drops,
			 "connections", (json_int_t)cs.used);
	json_object_set_new(o, "ct_full", json_integer((json_int_t)cs.full));
	json_object_set_new(o, "ct_evicted", json_integer((json_int_t)cs.evicted));
	json_object_set_new(o, "eni", inst || node ? json_string(eni) : json_null());
	json_object_set_new(o, "namespace", json_string(ns));
	/* What the tap's own queues dropped, as its kernel device counts it: frames the namespace
	 * sent that the router never read (a full queue), and frames the router wrote that the
	 * namespace did not take. null when the device could not be asked. */
	json_object_set_new(o, "tap_dropped", tap ? json_integer((json_int_t)(tap->tx_dropped + tap->rx_dropped))
						  : json_null());
	json_object_set_new(o, "tap_dropped_out", tap ? json_integer((json_int_t)tap->tx_dropped) : json_null());
	json_object_set_new(o, "tap_dropped_in", tap ? json_integer((json_int_t)tap->rx_dropped) : json_null());
	return o;
}

json_t *status_tail(const struct dp_state *s, const struct status_flowlogs *fl)
{
	json_t *drops = json_object();
	for (int r = 0; r < DROP__COUNT; r++)
		json_object_set_new(drops, drop_reason_name((enum drop_reason)r),
				    json_integer((json_int_t)dp_drop_count(s, (enum drop_reason)r)));
	return json_pack("{s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "drops", drops,
			 "forwarded", (json_int_t)dp_forwarded(s), "arp_replies", (json_int_t)dp_arp_replies(s),
			 "flow_logs", "max_bytes", (json_int_t)fl->max_bytes, "rotations", (json_int_t)fl->rotations,
			 "discarded_records", (json_int_t)fl->discarded_records,
			 "discarded_bytes", (json_int_t)fl->discarded_bytes);
}
