/* Status, the CLI's side (status_print.h): the status object the router built, as a table
 * with one line per interface (its eni- id too), then the drop counters that are not zero. */
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
	fprintf(out, "%-15s %-9s %-21s %-15s %-15s %-15s %-15s %-20s %8lld %8lld %6lld\n",
		str_or_dash(p, "name"), strcmp(str_or_dash(p, "kind"), "instance") ? "internet" : "instance",
		str_or_dash(p, "eni"), str_or_dash(p, "vpc"), str_or_dash(p, "subnet"), str_or_dash(p, "ip"),
		str_or_dash(p, "public_ip"), groups[0] ? groups : "-",
		(long long)json_integer_value(json_object_get(p, "rx_packets")),
		(long long)json_integer_value(json_object_get(p, "tx_packets")),
		(long long)json_integer_value(json_object_get(p, "drops")));
}

void status_print(const json_t *st, FILE *out)
{
	fprintf(out, "lab %s: running, router pid %lld\n\n", str_or_dash(st, "lab"),
		(long long)json_integer_value(json_object_get(st, "pid")));
	fprintf(out, "%-15s %-9s %-21s %-15s %-15s %-15s %-15s %-20s %8s %8s %6s\n", "NAME", "KIND", "ENI", "VPC",
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
