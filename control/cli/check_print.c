/* What `vpclab check` shows of a valid lab's load balancers, from the compiled tables: the DNS
 * name, each node (subnet, zone, private and public address) and each listener with its
 * default group and rules, so the user sees the addresses and defaults check chose. */
#include <stdio.h>

#include "control/cli/cli.h"
#include "vpclab/tables.h"

static const char *const proto_name[] = { "tcp", "udp", "tcp_udp", "http" };

static const char *tg_name(const struct vl_tables *t, uint16_t g)
{
	return g < t->n_tgs ? t->tgs[g].name : "?";
}

static void print_nodes(const struct vl_tables *t, const struct vl_lb *b, FILE *out)
{
	for (uint32_t k = b->node_first; k < b->node_first + b->node_count; k++) {
		const struct vl_port *p = &t->ports[t->lb_nodes[k]];
		const struct vl_subnet *s = &t->subnets[p->subnet];
		char a[16], pub[16];
		fprintf(out, "    node %s (az %s): %s", s->name, s->az, addr_fmt(p->ip, a));
		if (p->public_ip)
			fprintf(out, ", public %s%s%s", addr_fmt(p->public_ip, pub),
				p->eip != VL_NONE ? " elastic ip " : "",
				p->eip != VL_NONE ? t->eips[p->eip].name : "");
		fputc('\n', out);
	}
}

static const char *const cond_name[] = {
	[VL_LBC_HOST] = "host", [VL_LBC_PATH] = "path", [VL_LBC_METHOD] = "method",
	[VL_LBC_HEADER] = "header", [VL_LBC_QUERY] = "query", [VL_LBC_SOURCE] = "source_ip",
};

static void print_listeners(const struct vl_tables *t, const struct vl_lb *b, FILE *out)
{
	for (uint32_t i = b->listener_first; i < b->listener_first + b->listener_count; i++) {
		const struct vl_listener *l = &t->listeners[i];
		fprintf(out, "    listener %s %u -> %s (idle timeout %u s)\n", proto_name[l->proto],
			l->port, tg_name(t, l->tg), l->idle_timeout_s);
		for (uint32_t r = l->rule_first; r < l->rule_first + l->rule_count; r++) {
			const struct vl_lb_rule *x = &t->lb_rules[r];
			fprintf(out, "      rule %u", x->priority);
			for (uint8_t c = 0; c < x->n_conds && c < VL_LB_RULE_CONDS; c++)
				fprintf(out, " %s %s", cond_name[x->conds[c].kind], x->conds[c].value);
			fputs(": ", out);
			if (x->action == VL_LBA_FIXED)
				fprintf(out, "fixed_response %u\n", x->status);
			else
				fprintf(out, "forward %s\n", tg_name(t, x->tg));
		}
	}
}

void check_print_lbs(const struct vl_tables *t, FILE *out)
{
	for (uint16_t i = 0; i < t->n_lbs; i++) {
		const struct vl_lb *b = &t->lbs[i];
		fprintf(out, "  load balancer %s (%s, %s): %s\n", b->name,
			b->type == VL_LB_NETWORK ? "network" : "application",
			b->internet_facing ? "internet-facing" : "internal", b->dns);
		print_nodes(t, b, out);
		print_listeners(t, b, out);
	}
	for (uint16_t i = 0; i < t->n_tgs; i++) {
		const struct vl_tg *g = &t->tgs[i];
		const struct vl_health_check *h = &g->hc;
		fprintf(out, "  target group %s (%s %u, %u target%s): health check %s", g->name,
			proto_name[g->proto], g->port, g->target_count, g->target_count == 1 ? "" : "s",
			h->proto == VL_HC_HTTP ? "http" : "tcp");
		if (h->port)
			fprintf(out, " port %u", h->port);
		if (h->proto == VL_HC_HTTP && h->match_lo == h->match_hi)
			fprintf(out, " %s matcher %u", h->path, h->match_lo);
		else if (h->proto == VL_HC_HTTP)
			fprintf(out, " %s matcher %u-%u", h->path, h->match_lo, h->match_hi);
		fprintf(out, " every %u s, timeout %u s, healthy %u, unhealthy %u\n", h->interval_s,
			h->timeout_s, h->healthy, h->unhealthy);
	}
}
