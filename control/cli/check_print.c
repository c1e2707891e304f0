/* What `vpclab check` shows of a valid lab's load balancers, from the compiled tables: the DNS
 * name, each node (subnet, zone, private and public address), each listener with its default
 * group and rules (conditions and action, lb_rule_text.c), each target group's algorithm,
 * stickiness and health check, so the user sees the addresses and defaults check chose; and
 * Auto Scaling's launch templates and groups with their defaults. */
#include <stdio.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/lab/lb_rule_text.h"
#include "vpclab/tables.h"

#define BODY_SHOWN 40     /* characters of a fixed response's body on its rule's line */

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

static void print_listeners(const struct vl_tables *t, const struct vl_lb *b, FILE *out)
{
	for (uint32_t i = b->listener_first; i < b->listener_first + b->listener_count; i++) {
		const struct vl_listener *l = &t->listeners[i];
		fprintf(out, "    listener %s %u -> %s (idle timeout %u s)\n", proto_name[l->proto],
			l->port, tg_name(t, l->tg), l->idle_timeout_s);
		for (uint32_t r = l->rule_first; r < l->rule_first + l->rule_count; r++) {
			const struct vl_lb_rule *x = &t->lb_rules[r];
			fprintf(out, "      rule %u ", x->priority);
			lb_rule_conds(x, out);
			fputs(": ", out);
			lb_rule_action(x, x->action == VL_LBA_FORWARD ? tg_name(t, x->tg) : NULL,
				       BODY_SHOWN, out);
			fputc('\n', out);
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
		fprintf(out, "  target group %s (%s %u, %u target%s", g->name, proto_name[g->proto],
			g->port, g->target_count, g->target_count == 1 ? "" : "s");
		if (g->proto == VL_LBP_HTTP)
			fprintf(out, ", %s", g->algorithm == VL_ALGO_LEAST_OUTSTANDING
						     ? "least_outstanding_requests" : "round_robin");
		if (g->sticky_s)
			fprintf(out, ", lb_cookie %u s", g->sticky_s);
		fprintf(out, "): health check %s", h->proto == VL_HC_HTTP ? "http" : "tcp");
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

/* Zones with their VPCs and record sets (owner, ttl, type, values or alias, failover role and
 * health check), then the health checks with Route 53's defaults filled in. */
void check_print_dns(const struct vl_tables *t, FILE *out)
{
	for (uint16_t i = 0; i < t->n_zones; i++) {
		const struct vl_zone *z = &t->zones[i];
		fprintf(out, "  hosted zone %s (private, vpcs", z->name);
		for (uint16_t k = 0; k < z->n_vpcs; k++)
			fprintf(out, "%s%s", k ? ", " : " ", t->vpcs[z->vpcs[k]].name);
		fprintf(out, "): %u record set%s\n", z->record_count, z->record_count == 1 ? "" : "s");
		for (uint32_t r = z->record_first; r < z->record_first + z->record_count; r++) {
			const struct vl_dns_record *x = &t->records[r];
			fprintf(out, "    %s %u %s", x->name, x->ttl, vl_rr_name(x->type));
			if (x->alias != VL_NONE)
				fprintf(out, " alias %s", t->lbs[x->alias].name);
			for (uint32_t v = x->value_first; v < x->value_first + x->value_count; v++)
				fprintf(out, " %s", t->dns_values[v].text);
			if (x->failover != VL_FO_NONE)
				fprintf(out, " (failover %s", x->failover == VL_FO_PRIMARY ? "primary" :
					"secondary");
			if (x->failover != VL_FO_NONE && x->health_check != VL_NONE)
				fprintf(out, ", health check %s", t->r53_checks[x->health_check].name);
			fputs(x->failover != VL_FO_NONE ? ")\n" : "\n", out);
		}
	}
	for (uint16_t i = 0; i < t->n_r53_checks; i++) {
		const struct vl_r53_check *h = &t->r53_checks[i];
		char a[16];
		fprintf(out, "  health check %s: %s %s:%u%s every %u s, unhealthy after %u failures, "
			"from %s%s\n", h->name, h->proto == VL_HC_HTTP ? "http" : "tcp", addr_fmt(h->ip, a),
			h->port, h->proto == VL_HC_HTTP ? h->path : "", h->interval_s,
			h->failure_threshold, h->vpc == VL_NONE ? "the internet" : "inside vpc ",
			h->vpc == VL_NONE ? "" : t->vpcs[h->vpc].name);
	}
}

/* Auto Scaling: each launch template and group with AWS's defaults filled in. */

#define RUN_SHOWN 60      /* characters of a template's `run` on its line */

static void print_milli(uint64_t v, FILE *out)
{
	fprintf(out, "%llu", (unsigned long long)(v / 1000));
	if (v % 1000) {
		char frac[8];
		snprintf(frac, sizeof(frac), "%03u", (unsigned)(v % 1000));
		for (int i = 2; i > 0 && frac[i] == '0'; i--)
			frac[i] = '\0';
		fprintf(out, ".%s", frac);
	}
}

static void print_template(const struct vl_tables *t, const struct vl_launch_template *x, FILE *out)
{
	static const char *const pub[] = { "no", "yes", "the subnet's map_public_ip" };
	fprintf(out, "  launch template %s: security groups ", x->name);
	for (uint16_t k = 0; k < x->sg_count; k++)
		fprintf(out, "%s%s", k ? ", " : "", x->sgs[k] < t->n_sgs ? t->sgs[x->sgs[k]].name : "?");
	fprintf(out, "; public ip %s", pub[x->public_ip < 3 ? x->public_ip : 0]);
	if (!x->src_dst_check)
		fputs("; source_dest_check false", out);
	if (x->run[0])
		fprintf(out, "; run: %.*s%s", RUN_SHOWN, x->run, strlen(x->run) > RUN_SHOWN ? "..." : "");
	fputc('\n', out);
}

static void print_group(const struct vl_tables *t, const struct vl_asg *g, FILE *out)
{
	fprintf(out, "  auto scaling group %s (launch template %s): min %u, desired %u, max %u in ",
		g->name, g->template < t->n_launch_templates ? t->launch_templates[g->template].name
							       : "?", g->min, g->desired, g->max);
	for (uint16_t k = 0; k < g->subnet_count; k++)
		fprintf(out, "%s%s", k ? ", " : "", t->subnets[g->subnets[k]].name);
	fputc('\n', out);
	if (g->tg_count) {
		fputs("    target groups ", out);
		for (uint16_t k = 0; k < g->tg_count; k++)
			fprintf(out, "%s%s", k ? ", " : "", tg_name(t, g->tgs[k]));
		fputc('\n', out);
	}
	fprintf(out, "    health check %s, grace period %u s; metric period %u s; cooldown %u s\n",
		g->health == VL_ASG_HEALTH_ELB ? "elb" : "ec2", g->grace_s, g->metric_period_s,
		g->cooldown_s);
	for (uint32_t i = g->policy_first; i < g->policy_first + g->policy_count; i++) {
		const struct vl_asg_policy *p = &t->asg_policies[i];
		fprintf(out, "    policy %s: target tracking %s ", p->name, vl_asg_metric_name(p->metric));
		print_milli(p->target_milli, out);
		if (p->tg != VL_NONE)
			fprintf(out, " (target group %s)", tg_name(t, p->tg));
		fputc('\n', out);
	}
}

void check_print_asgs(const struct vl_tables *t, FILE *out)
{
	for (uint16_t i = 0; i < t->n_launch_templates; i++)
		print_template(t, &t->launch_templates[i], out);
	for (uint16_t i = 0; i < t->n_asgs; i++)
		print_group(t, &t->asgs[i], out);
}
