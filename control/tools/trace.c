/* Trace (trace.h): build the packet the user describes, run pipeline_run with an explain
 * recorder, print every hop with the rule that decided. Reachability Analyzer's shape
 * (reference section 10): component, matched rule, header rewrites, explanation code. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "control/tools/craft.h"
#include "control/tools/trace.h"
#include "dataplane/parse.h"
#include "dataplane/pipeline.h"

static int find_port(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name[0] && i < t->n_ports; i++)
		if (strcmp(t->ports[i].name, name) == 0)
			return i;
	return -1;
}

int trace_resolve(const struct vl_tables *t, uint16_t from, const char *name, uint32_t *ip)
{
	uint16_t vpc = from < t->n_ports ? t->ports[from].vpc : VL_NONE;
	int p = find_port(t, name);
	if (p >= 0) {
		const struct vl_port *to = &t->ports[p];
		bool outside = to->kind == VL_PORT_INSTANCE && to->vpc != vpc && to->public_ip;
		*ip = outside ? to->public_ip : to->ip;
		return 0;
	}
	for (uint16_t i = 0; name[0] && i < t->n_eips; i++)
		if (strcmp(t->eips[i].name, name) == 0)
			return *ip = t->eips[i].ip, 0;
	for (uint16_t i = 0; name[0] && i < t->n_natgws; i++)
		if (strcmp(t->natgws[i].name, name) == 0) {
			const struct vl_natgw *n = &t->natgws[i];
			*ip = n->vpc == vpc ? n->ip : t->eips[n->eip].ip;
			return 0;
		}
	return addr_parse(name, ip) == 0 ? 0 : -ENOENT;
}

static void trace_one(struct dp_state *s, uint16_t port, const struct craft *c, uint64_t now,
		      struct trace_path *tp)
{
	static uint8_t buf[ETH_HLEN_ + TRACE_SIZE_MAX + 64];
	size_t len = craft_frame(buf, sizeof(buf), c);
	struct pkt p;
	memset(tp, 0, sizeof(*tp));
	pkt_parse(&p, buf, (uint32_t)len, NULL, port);
	p.cap = sizeof(buf);
	tp->v = pipeline_run(s, &p, now, &tp->ex);
	tp->src = p.src;
	tp->dst = p.dst;
	tp->sport = p.sport;
	tp->dport = p.dport;
}

static void craft_request(const struct vl_tables *t, uint16_t from, uint32_t dst,
			  const struct trace_req *r, struct craft *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->dst_mac, t->router_mac, 6);
	memcpy(c->src_mac, t->ports[from].mac, 6);
	c->src = t->ports[from].ip;
	c->dst = dst;
	c->proto = r->proto;
	c->sport = r->sport ? r->sport : 40000;
	c->dport = r->port;
	c->tcp_flags = TCPF_SYN;
	c->icmp_type = r->icmp_type < 0 ? ICMP_ECHO_REQUEST : (uint8_t)r->icmp_type;
	if (r->proto == IPPROTO_ICMP_)
		c->sport = 4242;
	c->df = r->df;
}

/* The payload that makes an IP packet of r->size bytes, or -1 when the headers do not fit. */
static int craft_payload(const struct trace_req *r)
{
	uint32_t hdr = 20u + (r->proto == IPPROTO_TCP_ ? 20u : r->proto == IPPROTO_UDP_ || r->proto == IPPROTO_ICMP_ ? 8u : 0u);
	if (!r->size)
		return 0;
	if (r->size < hdr || r->size > TRACE_SIZE_MAX)
		return -1;
	return (int)(r->size - hdr);
}

int trace_flow_in(struct dp_state *s, uint64_t now, const struct trace_req *r,
		  struct trace_result *res, char *err, size_t errcap)
{
	const struct vl_tables *t = dp_tables(s);
	memset(res, 0, sizeof(*res));
	int from = find_port(t, r->from);
	if (from < 0) {
		snprintf(err, errcap, "no instance or internet host '%s'", r->from);
		return -ENOENT;
	}
	if (trace_resolve(t, (uint16_t)from, r->to, &res->dst_ip) < 0) {
		snprintf(err, errcap, "'%s' is no instance, host, elastic IP, NAT gateway or address", r->to);
		return -ENOENT;
	}
	int payload = craft_payload(r);
	if (payload < 0) {
		snprintf(err, errcap, "--size %u: an IP packet of this protocol is 20-%u bytes with its headers",
			 r->size, TRACE_SIZE_MAX);
		return -EINVAL;
	}
	struct craft c;
	craft_request(t, (uint16_t)from, res->dst_ip, r, &c);
	c.payload = (uint16_t)payload;
	trace_one(s, (uint16_t)from, &c, now, &res->fwd);
	if (r->with_return && res->fwd.v.action == VERDICT_FORWARD) {
		/* The reply, from where the request was delivered, to whom it appeared to come from. */
		uint16_t at = res->fwd.v.out_port;
		memcpy(c.src_mac, t->ports[at].mac, 6);
		c.src = res->fwd.dst;
		c.dst = res->fwd.src;
		c.sport = res->fwd.dport;
		c.dport = res->fwd.sport;
		c.tcp_flags = TCPF_SYN | TCPF_ACK;
		if (c.proto == IPPROTO_ICMP_) {
			c.icmp_type = ICMP_ECHO_REPLY;
			c.sport = res->fwd.sport;
		}
		trace_one(s, at, &c, now, &res->ret);
		res->has_return = true;
	}
	return 0;
}

int trace_flow(const struct vl_tables *t, const struct trace_req *r, struct trace_result *res,
	       char *err, size_t errcap)
{
	struct dp_state *s = dp_state_create(t, 64);
	if (!s) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	int rc = trace_flow_in(s, 0, r, res, err, errcap);
	dp_state_destroy(s);
	return rc;
}
