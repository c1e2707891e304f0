/* How a trace reads (trace.h): one line per hop, "N component detail result", the deciding
 * rule named as the lab file names it. */
#include <jansson.h>
#include <string.h>

#include "control/tools/trace.h"

static void match_text(const struct vl_match *m, char *buf, size_t cap)
{
	if (m->proto < 0) {
		snprintf(buf, cap, "all");
	} else if (m->proto == 6 || m->proto == 17) {
		const char *pn = m->proto == 6 ? "tcp" : "udp";
		if (m->port_lo == 0 && m->port_hi == 65535)
			snprintf(buf, cap, "%s all ports", pn);
		else if (m->port_lo == m->port_hi)
			snprintf(buf, cap, "%s %u", pn, m->port_lo);
		else
			snprintf(buf, cap, "%s %u-%u", pn, m->port_lo, m->port_hi);
	} else if (m->proto == 1) {
		if (m->icmp_type < 0)
			snprintf(buf, cap, "icmp all");
		else if (m->icmp_code < 0)
			snprintf(buf, cap, "icmp type %d", m->icmp_type);
		else
			snprintf(buf, cap, "icmp type %d code %d", m->icmp_type, m->icmp_code);
	} else {
		snprintf(buf, cap, "protocol %d", m->proto);
	}
}

static const struct vl_sg *sg_of_rule(const struct vl_tables *t, int32_t rule)
{
	for (uint16_t i = 0; i < t->n_sgs; i++) {
		const struct vl_sg *g = &t->sgs[i];
		if ((uint32_t)rule >= g->in_first && (uint32_t)rule < g->in_first + g->in_count)
			return g;
		if ((uint32_t)rule >= g->out_first && (uint32_t)rule < g->out_first + g->out_count)
			return g;
	}
	return NULL;
}

static void port_groups(const struct vl_tables *t, uint16_t port, char *buf, size_t cap)
{
	buf[0] = '\0';
	const struct vl_port *p = &t->ports[port];
	for (uint16_t i = 0; i < p->sg_count; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, cap - len, "%s%s", i ? "," : "", t->sgs[p->sgs[i]].name);
	}
}

static void hop_sg(const struct vl_tables *t, const struct explain_hop *h, char *comp, char *det)
{
	const char *dir = h->stage == EX_SG_OUT ? "egress" : "ingress";
	char m[48], peer[40];
	if (h->rule >= 0) {
		const struct vl_sg_rule *r = &t->sg_rules[h->rule];
		const struct vl_sg *g = sg_of_rule(t, h->rule);
		match_text(&r->m, m, sizeof(m));
		if (r->peer_sg != VL_NONE)
			snprintf(peer, sizeof(peer), "group %s", t->sgs[r->peer_sg].name);
		else
			prefix_fmt(r->cidr, peer);
		snprintf(comp, 96, "sg %s %s", g ? g->name : "?", dir);
		snprintf(det, 160, "rule %u %s %s allow%s", r->index, m, peer,
			 h->flags & EXF_NEW_FLOW ? " (new connection)" : "");
		return;
	}
	char groups[64];
	port_groups(t, h->obj, groups, sizeof(groups));
	snprintf(comp, 96, "sg %s %s", groups, dir);
	snprintf(det, 160, "%s", h->flags & EXF_TRACKED ? "tracked connection (stateful)" : "no rule allows it");
}

static void hop_nacl(const struct vl_tables *t, const struct explain_hop *h, char *comp, char *det)
{
	snprintf(comp, 96, "nacl %s %s", t->acls[h->obj].name, h->stage == EX_NACL_OUT ? "out" : "in");
	if (h->rule < 0) {
		snprintf(det, 160, "rule * deny");
		return;
	}
	const struct vl_acl_rule *r = &t->acl_rules[h->rule];
	char m[48], c[20];
	match_text(&r->m, m, sizeof(m));
	snprintf(det, 160, "rule %u %s %s %s", r->number, m, prefix_fmt(r->cidr, c),
		 r->allow ? "allow" : "deny");
}

static const char *target_text(const struct vl_tables *t, const struct vl_route *r, char *buf)
{
	switch (r->kind) {
	case VL_T_LOCAL: return "local";
	case VL_T_IGW: return "igw";
	case VL_T_BLACKHOLE: return "blackhole";
	case VL_T_NATGW: snprintf(buf, 24, "%s", t->natgws[r->target].name); return buf;
	default: snprintf(buf, 24, "%s", t->ports[r->target].name); return buf;
	}
}

static void hop_route(const struct vl_tables *t, const struct explain_hop *h, char *comp, char *det)
{
	snprintf(comp, 96, "route %s", t->route_tables[h->obj].name);
	if (h->flags & EXF_SAME_SUBNET) {
		snprintf(det, 160, "same subnet: switched, no route table");
	} else if (h->rule < 0) {
		snprintf(det, 160, "no route matches");
	} else {
		char p[20], tg[24];
		const struct vl_route *r = &t->routes[h->rule];
		snprintf(det, 160, "%s -> %s", prefix_fmt(r->dst, p), target_text(t, r, tg));
	}
}

static void hdr_text(const struct explain_hop *h, char *det)
{
	char a[16], b[16];
	if (h->proto == 6 || h->proto == 17)
		snprintf(det, 160, "%s:%u -> %s:%u", addr_fmt(h->src, a), h->sport, addr_fmt(h->dst, b), h->dport);
	else
		snprintf(det, 160, "%s -> %s", addr_fmt(h->src, a), addr_fmt(h->dst, b));
}

/* A load balancer's hop: its name, the target it chose (or had chosen) and the header as the
 * target (or, on the way back, the client) gets it. */
static void hop_lb(const struct vl_tables *t, const struct explain_hop *h, char *comp, char *det)
{
	snprintf(comp, 96, "lb %s", h->obj < t->n_lbs ? t->lbs[h->obj].name : "");
	char hdr[160] = "";
	if (h->has_hdr)
		hdr_text(h, hdr);
	if (h->rule < 0 || (uint32_t)h->rule >= t->n_targets) {
		snprintf(det, 160, "%s", hdr);
		return;
	}
	const struct vl_lb_target *tg = &t->targets[h->rule];
	const char *name = tg->port < t->n_ports ? t->ports[tg->port].name : "?";
	if (h->flags & EXF_NEW_FLOW)
		snprintf(det, 160, "target %.15s (new flow): %.100s", name, hdr);
	else
		snprintf(det, 160, "target %.15s: %.100s", name, hdr);
}

static void hop_text(const struct vl_tables *t, const struct explain_hop *h, char *comp, char *det)
{
	comp[0] = det[0] = '\0';
	const char *pname = h->obj < t->n_ports ? t->ports[h->obj].name : "-";
	switch (h->stage) {
	case EX_SRCDST_OUT:
	case EX_SRCDST_IN:
		snprintf(comp, 96, "eni %s", pname);
		snprintf(det, 160, "source/dest check");
		break;
	case EX_SG_OUT:
	case EX_SG_IN: hop_sg(t, h, comp, det); break;
	case EX_NACL_OUT:
	case EX_NACL_IN: hop_nacl(t, h, comp, det); break;
	case EX_ROUTE: hop_route(t, h, comp, det); break;
	case EX_IGW:
		snprintf(comp, 96, "igw %s", h->obj < t->n_vpcs ? t->vpcs[h->obj].name : "");
		if (h->has_hdr)
			hdr_text(h, det);
		if (h->flags & EXF_FRAGMENTED) {
			size_t n = strlen(det);
			snprintf(det + n, 160 - n, ", fragmented (mtu %u)", VL_IGW_MTU);
		} else if (h->verdict == DROP_MTU_EXCEEDED) {
			snprintf(det, 160, "over mtu %u with don't-fragment", VL_IGW_MTU);
		}
		break;
	case EX_NAT:
		snprintf(comp, 96, "nat %s", h->obj < t->n_natgws ? t->natgws[h->obj].name : "");
		if (h->has_hdr)
			hdr_text(h, det);
		break;
	case EX_LB: hop_lb(t, h, comp, det); break;
	case EX_DNS:
		/* The VPC's resolver: the header as the resolver (or the instance) gets it. */
		snprintf(comp, 96, "resolver %s", h->obj < t->n_vpcs ? t->vpcs[h->obj].name : "");
		if (h->verdict == DROP_DNS_DISABLED)
			snprintf(det, 160, "enableDnsSupport is off");
		else if (h->verdict == DROP_DNS_THROTTLED)
			snprintf(det, 160, "over %u packets a second from this interface", VL_RESOLVER_PPS);
		else if (h->has_hdr)
			hdr_text(h, det);
		break;
	case EX_DELIVER:
		if (h->verdict == STAGE_PASS) {
			snprintf(comp, 96, "eni %s", pname);
			hdr_text(h, det);
		} else {
			char a[16];
			snprintf(comp, 96, "address %s", addr_fmt(h->dst, a));
			snprintf(det, 160, "no interface has this address here");
		}
		break;
	default:
		snprintf(comp, 96, "%s", explain_stage_name((enum explain_stage)h->stage));
	}
}

static void result_text(const struct explain_hop *h, char *buf, size_t cap)
{
	if (h->verdict == STAGE_PASS) {
		snprintf(buf, cap, h->stage == EX_DELIVER ? "delivered" : "pass");
		return;
	}
	const char *code = drop_reason_code((enum drop_reason)h->verdict);
	const char *name = drop_reason_name((enum drop_reason)h->verdict);
	if (code[0])
		snprintf(buf, cap, "DROP  %s (%s)", code, name);
	else
		snprintf(buf, cap, "DROP  %s", name);
}

/* The one line that explains a trace's outcome (trace.h), in the words of its hop line. */
void trace_decider(const struct vl_tables *t, const struct trace_path *tp, char *buf, size_t cap)
{
	char comp[96], det[160], res[80];
	int at = -1;
	if (tp->v.action == VERDICT_DROP) {
		for (int i = (int)tp->ex.n - 1; i >= 0 && at < 0; i--)
			if (tp->ex.hop[i].verdict != STAGE_PASS)
				at = i;
		if (at < 0) {
			snprintf(buf, cap, "DROP %s", drop_reason_name((enum drop_reason)tp->v.reason));
			return;
		}
	} else {
		/* Delivered: the group rule that let it in, else the one that let it out (internet
		 * hosts have no groups), else the delivery itself. */
		for (int i = (int)tp->ex.n - 1; i >= 0 && at < 0; i--)
			if (tp->ex.hop[i].stage == EX_SG_IN)
				at = i;
		for (int i = (int)tp->ex.n - 1; i >= 0 && at < 0; i--)
			if (tp->ex.hop[i].stage == EX_SG_OUT)
				at = i;
		if (at < 0 && tp->ex.n)
			at = tp->ex.n - 1;
		if (at < 0) {
			snprintf(buf, cap, "no hop recorded");
			return;
		}
	}
	struct explain_hop hop = tp->ex.hop[at];
	const struct explain_hop *h = &hop;
	hop.flags &= (uint8_t)~EXF_NEW_FLOW;   /* the rule is the point, not that it began tracking */
	hop_text(t, h, comp, det);
	if (det[0] && h->verdict == STAGE_PASS) {
		snprintf(buf, cap, "%s %s", comp, det);
	} else if (det[0]) {
		/* rule lines say allow/deny themselves; the others get the drop reason */
		bool rule = h->stage == EX_SG_IN || h->stage == EX_SG_OUT || h->stage == EX_NACL_IN ||
			    h->stage == EX_NACL_OUT;
		if (rule)
			snprintf(buf, cap, "%s %s", comp, det);
		else
			snprintf(buf, cap, "%s %s: %s", comp, det,
				 drop_reason_name((enum drop_reason)h->verdict));
	} else if (h->verdict != STAGE_PASS) {
		snprintf(buf, cap, "%s: %s", comp, drop_reason_name((enum drop_reason)h->verdict));
	} else {
		result_text(h, res, sizeof(res));
		snprintf(buf, cap, "%s %s", comp, res);
	}
}

static void path_print(const struct vl_tables *t, const char *title, const struct trace_path *tp,
		       FILE *out)
{
	fprintf(out, "%s\n", title);
	char comp[96], det[160], res[80];
	for (unsigned i = 0; i < tp->ex.n; i++) {
		hop_text(t, &tp->ex.hop[i], comp, det);
		result_text(&tp->ex.hop[i], res, sizeof(res));
		fprintf(out, "%3u %-24s %-44s %s\n", i + 1, comp, det, res);
	}
	if (tp->v.action == VERDICT_DROP && (tp->ex.n == 0 || tp->ex.hop[tp->ex.n - 1].verdict == STAGE_PASS))
		fprintf(out, "    DROP %s\n", drop_reason_name((enum drop_reason)tp->v.reason));
}

static json_t *path_json(const struct vl_tables *t, const struct trace_path *tp)
{
	json_t *hops = json_array();
	char comp[96], det[160], res[80];
	for (unsigned i = 0; i < tp->ex.n; i++) {
		const struct explain_hop *h = &tp->ex.hop[i];
		hop_text(t, h, comp, det);
		result_text(h, res, sizeof(res));
		json_array_append_new(hops, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "hop", i + 1,
			"stage", explain_stage_name((enum explain_stage)h->stage), "component", comp,
			"detail", det, "result", h->verdict == STAGE_PASS ? "pass" : "drop",
			"reason", h->verdict == STAGE_PASS ? "" : drop_reason_name((enum drop_reason)h->verdict)));
	}
	bool ok = tp->v.action != VERDICT_DROP;
	return json_pack("{s:s, s:s, s:s, s:o}", "verdict", ok ? "delivered" : "dropped",
			 "reason", ok ? "" : drop_reason_name((enum drop_reason)tp->v.reason),
			 "code", ok ? "" : drop_reason_code((enum drop_reason)tp->v.reason), "hops", hops);
}

void trace_print(const struct vl_tables *t, const struct trace_req *r, const struct trace_result *res,
		 bool json, FILE *out)
{
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:o}", "from", r->from, "to", r->to, "forward",
				      path_json(t, &res->fwd));
		if (res->has_return)
			json_object_set_new(o, "return", path_json(t, &res->ret));
		json_dumpf(o, out, JSON_INDENT(2));
		fputc('\n', out);
		json_decref(o);
		return;
	}
	char a[16];
	fprintf(out, "trace %s -> %s (%s) protocol %u port %u\n", r->from, r->to,
		addr_fmt(res->dst_ip, a), r->proto, r->port);
	path_print(t, "forward:", &res->fwd, out);
	if (res->has_return)
		path_print(t, "return:", &res->ret, out);
}
