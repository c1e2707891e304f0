/* Status (status.h): interfaces with their addresses, groups and counters, and the drop
 * counters by reason — the first thing to look at when traffic does not flow. */
#include <string.h>

#include "dataplane/flowlog.h"
#include "control/router/status.h"

static json_t *addr_or_null(uint32_t a)
{
	char buf[16];
	return a ? json_string(addr_fmt(a, buf)) : json_null();
}

static json_t *port_json(const struct vl_tables *t, const struct dp_state *s, uint16_t i)
{
	const struct vl_port *p = &t->ports[i];
	char mac[18], ip[16];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1], p->mac[2],
		 p->mac[3], p->mac[4], p->mac[5]);
	json_t *sgs = json_array();
	for (uint16_t g = 0; g < p->sg_count; g++)
		json_array_append_new(sgs, json_string(t->sgs[p->sgs[g]].name));
	bool inst = p->kind == VL_PORT_INSTANCE;
	const struct dp_port_stats *st = &s->stats[i];
	struct ct_stats cs;
	ct_stats(ct_port_const(s->ct, i), &cs);
	char eni[24];
	flowlog_eni_id(t->lab, p->name, eni);
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "name", p->name, "kind", inst ? "instance" : "internet-host",
			 "vpc", inst ? json_string(t->vpcs[p->vpc].name) : json_null(),
			 "subnet", inst ? json_string(t->subnets[p->subnet].name) : json_null(),
			 "ip", addr_fmt(p->ip, ip), "public_ip", addr_or_null(p->public_ip),
			 "mac", mac, "security_groups", sgs,
			 "source_dest_check", p->src_dst_check != 0,
			 "rx_packets", (json_int_t)st->rx_packets, "rx_bytes", (json_int_t)st->rx_bytes,
			 "tx_packets", (json_int_t)st->tx_packets, "tx_bytes", (json_int_t)st->tx_bytes,
			 "drops", (json_int_t)st->drops,
			 "connections", (json_int_t)cs.used);
	json_object_set_new(o, "ct_full", json_integer((json_int_t)cs.full));
	json_object_set_new(o, "eni", inst ? json_string(eni) : json_null());
	return o;
}

json_t *status_build(const struct vl_tables *t, const struct dp_state *s, pid_t pid)
{
	json_t *ports = json_array(), *drops = json_object();
	for (uint16_t i = 0; i < t->n_ports; i++)
		json_array_append_new(ports, port_json(t, s, i));
	for (int r = 0; r < DROP__COUNT; r++)
		json_object_set_new(drops, drop_reason_name((enum drop_reason)r),
				    json_integer((json_int_t)s->drops[r]));
	return json_pack("{s:s, s:I, s:o, s:o, s:I, s:I}", "lab", t->lab, "pid", (json_int_t)pid,
			 "ports", ports, "drops", drops, "forwarded", (json_int_t)s->forwarded,
			 "arp_replies", (json_int_t)s->arp_replies);
}

static const char *str_or_dash(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "-";
}

static void status_print_port(const json_t *p, FILE *out)
{
	char groups[128] = "";
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(p, "security_groups"), i, g) {
		size_t len = strlen(groups);
		snprintf(groups + len, sizeof(groups) - len, "%s%s", i ? "," : "", json_string_value(g));
	}
	fprintf(out, "%-15s %-9s %-15s %-15s %-15s %-15s %-20s %8lld %8lld %6lld\n",
		str_or_dash(p, "name"), strcmp(str_or_dash(p, "kind"), "instance") ? "internet" : "instance",
		str_or_dash(p, "vpc"), str_or_dash(p, "subnet"), str_or_dash(p, "ip"),
		str_or_dash(p, "public_ip"), groups[0] ? groups : "-",
		(long long)json_integer_value(json_object_get(p, "rx_packets")),
		(long long)json_integer_value(json_object_get(p, "tx_packets")),
		(long long)json_integer_value(json_object_get(p, "drops")));
}

void status_print(const json_t *st, FILE *out)
{
	fprintf(out, "lab %s: running, router pid %lld\n\n", str_or_dash(st, "lab"),
		(long long)json_integer_value(json_object_get(st, "pid")));
	fprintf(out, "%-15s %-9s %-15s %-15s %-15s %-15s %-20s %8s %8s %6s\n", "NAME", "KIND", "VPC",
		"SUBNET", "PRIVATE IP", "PUBLIC IP", "SECURITY GROUPS", "RX", "TX", "DROPS");
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(st, "ports"), i, p)
		status_print_port(p, out);
	fprintf(out, "\nforwarded %lld, arp replies %lld\n",
		(long long)json_integer_value(json_object_get(st, "forwarded")),
		(long long)json_integer_value(json_object_get(st, "arp_replies")));
	const char *reason;
	json_t *n;
	int any = 0;
	json_object_foreach((json_t *)json_object_get(st, "drops"), reason, n) {
		if (json_integer_value(n) == 0)
			continue;
		if (!any++)
			fprintf(out, "drops by reason:\n");
		fprintf(out, "  %-20s %lld\n", reason, (long long)json_integer_value(n));
	}
	if (!any)
		fprintf(out, "no drops\n");
}
