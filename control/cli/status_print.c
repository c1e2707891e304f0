/* Status, the CLI's side (status_print.h): the status object the router built, as a table
 * with one line per interface (its eni- id too, what its tap's queues dropped, and the auto
 * scaling group that launched it), then the drop counters that are not zero and what flow log
 * rotation discarded. */
#include <stdbool.h>
#include <string.h>

#include "control/cli/status_print.h"

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
	json_t *tap = json_object_get(p, "tap_dropped");
	char tapd[24];
	snprintf(tapd, sizeof(tapd), json_is_integer(tap) ? "%lld" : "-", (long long)json_integer_value(tap));
	const char *kind = str_or_dash(p, "kind");
	fprintf(out, "%-15s %-9s %-21s %-15s %-15s %-15s %-15s %-20s %8lld %8lld %6lld %8s",
		str_or_dash(p, "name"), !strcmp(kind, "instance") || !strcmp(kind, "lb-node") ||
		!strcmp(kind, "resolver") ? kind : "internet",
		str_or_dash(p, "eni"), str_or_dash(p, "vpc"), str_or_dash(p, "subnet"), str_or_dash(p, "ip"),
		str_or_dash(p, "public_ip"), groups[0] ? groups : "-",
		(long long)json_integer_value(json_object_get(p, "rx_packets")),
		(long long)json_integer_value(json_object_get(p, "tx_packets")),
		(long long)json_integer_value(json_object_get(p, "drops")), tapd);
	const char *group = json_string_value(json_object_get(p, "group"));
	if (group)
		fprintf(out, "  %s", group);
	fputc('\n', out);
}

/* Whether an auto scaling group launched one of the ports: only then has the table the column
 * (last, so that the other columns stay where scripts find them). */
static bool any_group(const json_t *ports)
{
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
		if (json_is_string(json_object_get(p, "group")))
			return true;
	return false;
}

void status_print(const json_t *st, FILE *out)
{
	fprintf(out, "lab %s: running, router pid %lld\n\n", str_or_dash(st, "lab"),
		(long long)json_integer_value(json_object_get(st, "pid")));
	const json_t *ports = json_object_get(st, "ports");
	fprintf(out, "%-15s %-9s %-21s %-15s %-15s %-15s %-15s %-20s %8s %8s %6s %8s%s\n", "NAME", "KIND", "ENI", "VPC",
		"SUBNET", "PRIVATE IP", "PUBLIC IP", "SECURITY GROUPS", "RX", "TX", "DROPS", "TAPDROP",
		any_group(ports) ? "  AUTO SCALING GROUP" : "");
	size_t i;
	json_t *p;
	json_array_foreach(ports, i, p)
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
	const json_t *fl = json_object_get(st, "flow_logs");
	long long rot = (long long)json_integer_value(json_object_get(fl, "rotations"));
	if (rot)
		fprintf(out, "flow logs: %lld rotation%s, %lld records discarded (%lld bytes)\n", rot,
			rot == 1 ? "" : "s", (long long)json_integer_value(json_object_get(fl, "discarded_records")),
			(long long)json_integer_value(json_object_get(fl, "discarded_bytes")));
}
