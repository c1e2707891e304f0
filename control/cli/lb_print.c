/* `vpclab lb`, the CLI's side (lb_print.h): per load balancer a header line, its DNS name, a
 * table of nodes, its listeners, per target group the health check and a table of targets with
 * their state and AWS's reason code, then the counters under their CloudWatch names. Missing
 * or null fields print as "-", so an older or newer router's answer still prints. */
#include <string.h>

#include "control/cli/lb_print.h"

/* Any scalar as text into buf: strings as they are, numbers, true/false; "-" for null or
 * absent. Returns buf. */
static const char *scalar(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, cap, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, cap, "-");
	return buf;
}

/* o[key] as text; the buffers are the caller's, one per field printed in one call. */
#define FIELD(o, key, buf) scalar(json_object_get(o, key), buf, sizeof(buf))

static void print_nodes(const json_t *lb, FILE *out)
{
	char sub[64], az[64], priv[24], pub[24], ns[160];
	size_t i;
	json_t *n;
	json_t *nodes = json_object_get(lb, "nodes");
	if (json_array_size(nodes) == 0) {
		fprintf(out, "  no nodes\n");
		return;
	}
	fprintf(out, "  %-16s %-14s %-15s %-15s %s\n", "NODE SUBNET", "AZ", "PRIVATE IP", "PUBLIC IP",
		"NAMESPACE");
	json_array_foreach(nodes, i, n)
		fprintf(out, "  %-16s %-14s %-15s %-15s %s\n", FIELD(n, "subnet", sub),
			FIELD(n, "az", az), FIELD(n, "private_ip", priv), FIELD(n, "public_ip", pub),
			FIELD(n, "namespace", ns));
}

static void print_listeners(const json_t *lb, FILE *out)
{
	char proto[16], port[16], fwd[64], idle[16];
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(lb, "listeners"), i, l) {
		fprintf(out, "  listener %s %s -> %s (idle timeout %s s)\n", FIELD(l, "protocol", proto),
			FIELD(l, "port", port), FIELD(l, "forward", fwd), FIELD(l, "idle_timeout", idle));
		size_t k;
		json_t *x;
		char prio[16], cond[512], act[512];
		json_array_foreach(json_object_get(l, "rules"), k, x)
			fprintf(out, "    rule %s %s: %s\n", FIELD(x, "priority", prio),
				FIELD(x, "conditions", cond), FIELD(x, "action", act));
	}
}

/* "tcp traffic-port every 30 s, ..." or "http port 8080 /health matcher 200-399 every ...". */
static void print_health_check(const json_t *hc, FILE *out)
{
	char proto[16], port[16], path[160], matcher[32], iv[16], to[16], up[16], down[16];
	const json_t *p = json_object_get(hc, "port");
	FIELD(hc, "protocol", proto);
	if (!p || json_is_null(p) || (json_is_integer(p) && json_integer_value(p) == 0))
		snprintf(port, sizeof(port), "traffic-port");
	else
		scalar(p, port, sizeof(port));
	fprintf(out, "    health check %s %s%s", proto, json_is_integer(p) && json_integer_value(p) ? "port " : "",
		port);
	if (strcmp(proto, "http") == 0 || strcmp(proto, "https") == 0)
		fprintf(out, " %s matcher %s", FIELD(hc, "path", path), FIELD(hc, "matcher", matcher));
	fprintf(out, ", every %s s, timeout %s s, healthy after %s, unhealthy after %s\n",
		FIELD(hc, "interval", iv), FIELD(hc, "timeout", to), FIELD(hc, "healthy", up),
		FIELD(hc, "unhealthy", down));
}

static void print_targets(const json_t *tg, FILE *out)
{
	char inst[64], port[16], az[64], state[16], reason[64], desc[160];
	size_t i;
	json_t *x;
	json_t *targets = json_object_get(tg, "targets");
	if (json_array_size(targets) == 0) {
		fprintf(out, "    no registered targets\n");
		return;
	}
	fprintf(out, "    %-16s %-6s %-14s %-10s %-31s %s\n", "INSTANCE", "PORT", "AZ", "STATE",
		"REASON", "DESCRIPTION");
	json_array_foreach(targets, i, x)
		fprintf(out, "    %-16s %-6s %-14s %-10s %-31s %s\n", FIELD(x, "instance", inst),
			FIELD(x, "port", port), FIELD(x, "az", az), FIELD(x, "state", state),
			FIELD(x, "reason", reason), FIELD(x, "description", desc));
}

static void print_groups(const json_t *lb, FILE *out)
{
	char name[64], proto[16], port[16];
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(lb, "target_groups"), i, g) {
		fprintf(out, "  target group %s (%s %s)\n", FIELD(g, "name", name),
			FIELD(g, "protocol", proto), FIELD(g, "port", port));
		if (json_is_object(json_object_get(g, "health_check")))
			print_health_check(json_object_get(g, "health_check"), out);
		print_targets(g, out);
	}
}

static void print_counters(const json_t *lb, FILE *out)
{
	const char *k;
	json_t *v;
	char val[32];
	const json_t *c = json_object_get(lb, "counters");
	if (json_object_size(c) == 0)
		return;
	fprintf(out, "  counters (CloudWatch names):\n");
	json_object_foreach((json_t *)c, k, v)
		fprintf(out, "    %-28s %s\n", k, scalar(v, val, sizeof(val)));
}

static void print_one(const json_t *lb, FILE *out)
{
	char name[64], type[16], scheme[24], vpc[64], dns[160];
	const json_t *xz = json_object_get(lb, "cross_zone");
	fprintf(out, "load balancer %s: %s, %s, vpc %s, cross-zone %s\n", FIELD(lb, "name", name),
		FIELD(lb, "type", type), FIELD(lb, "scheme", scheme), FIELD(lb, "vpc", vpc),
		json_is_boolean(xz) ? (json_is_true(xz) ? "on" : "off") : "-");
	fprintf(out, "  dns %s\n", FIELD(lb, "dns", dns));
	print_nodes(lb, out);
	print_listeners(lb, out);
	print_groups(lb, out);
	print_counters(lb, out);
}

void lb_print(const json_t *ans, FILE *out)
{
	size_t i;
	json_t *lb;
	const json_t *all = json_object_get(ans, "load_balancers");
	if (json_array_size(all) == 0) {
		fprintf(out, "no load balancers\n");
		return;
	}
	json_array_foreach(all, i, lb) {
		if (i)
			fputc('\n', out);
		print_one(lb, out);
	}
}
