/* The VPC resolver's stage (dns.h). Stateless both ways: the resolver address a query is sent
 * to names its VPC and the address it was asked at (vl_resolver_addr), so an answer needs no
 * connection entry, and overlapping VPC CIDRs stay apart. Nothing here touches security groups,
 * ACLs or connection tracking: AWS filters neither and flow logs leave the resolver out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "igw.h"
#include "rewrite.h"
#include "tables.h"

static bool has_resolver(const struct vl_tables *t)
{
	/* Hand-built tables are calloc'ed: port 0 is the resolver only if it says so. */
	return t->resolver_port < t->n_ports && t->ports[t->resolver_port].kind == VL_PORT_RESOLVER;
}

bool dns_bucket_take(struct dns_bucket *b, uint64_t now)
{
	if (b->spent && now > b->at) {
		uint64_t dt = now - b->at;
		if (dt > NS_PER_S)
			dt = NS_PER_S; /* a full second refills all: no overflow below */
		uint64_t back = dt * VL_RESOLVER_PPS / NS_PER_S;
		if (back >= b->spent) {
			b->spent = 0;
		} else {
			b->spent -= (uint32_t)back;
			b->at += back * NS_PER_S / VL_RESOLVER_PPS; /* keep the fraction of a token */
		}
	}
	if (b->spent >= VL_RESOLVER_PPS)
		return false;
	if (b->spent++ == 0)
		b->at = now; /* a full bucket starts refilling from its first token */
	return true;
}

/* To the resolver port, p as it now is: the dns hop, then the handover (MACs, deliver hop). */
static struct step to_port(const struct pkt *p, uint16_t port, uint16_t vpc, enum vl_resolver_at at)
{
	struct step st = step_next(STEP_HANDOVER, VL_NONE, port);
	step_hop(&st, EX_DNS, STAGE_PASS, vpc, (int32_t)at, 0);
	step_header(&st, p);
	return st;
}

static struct step dns_drop_at(const struct pkt *p, int reason, uint16_t vpc)
{
	struct step st = step_drop_at(EX_DNS, reason, vpc);
	step_header(&st, p);
	return st;
}

struct step dns_out(struct dp_state *s, struct pkt *p, uint64_t now, struct step next)
{
	const struct vl_tables *t = s->t;
	uint16_t vpc = t->ports[p->in_port].vpc;
	if (!has_resolver(t) || vpc >= t->n_vpcs)
		return next; /* a lab without the resolver: as before it existed */
	enum vl_resolver_at at;
	bool query = (p->flags & PKT_L4) && p->dport == 53 &&
		     (p->proto == IPPROTO_UDP_ || p->proto == IPPROTO_TCP_);
	bool direct = dns_in_net(p->dst);
	if (direct) {
		/* AWS never routes into 169.254.168.0/22: another VPC's resolver address is
		 * nobody's. Its own: a query sent there directly (the same limits as at base+2),
		 * or an interface's answer to the lab's Route 53 checker, which stands in for
		 * AWS's: not filtered. */
		if (vl_resolver_vpc(p->dst, &at) != vpc)
			return dns_drop_at(p, DROP_DNS_WRONG_VPC, vpc);
		if (!query)
			return to_port(p, t->resolver_port, vpc, at);
	} else if (!query) {
		return next;
	} else if (p->dst == VL_RESOLVER_LINK) {
		at = VL_AT_LINK;
	} else if (p->dst == t->vpcs[vpc].cidr.addr + 2) {
		at = VL_AT_BASE2;
	} else {
		return next; /* port 53 elsewhere: anybody's DNS server, the usual path */
	}
	if (vpc >= VL_RESOLVER_MAX_VPCS)
		return dns_drop_at(p, DROP_DNS_VPC_LIMIT, vpc);
	if (!t->vpcs[vpc].dns_support)
		return dns_drop_at(p, DROP_DNS_DISABLED, vpc);
	if (!dns_bucket_take(&s->dns[p->in_port], now))
		return dns_drop_at(p, DROP_DNS_THROTTLED, vpc);
	if (!direct)
		rewrite_addr(p, false, vl_resolver_addr(vpc, at));
	return to_port(p, t->resolver_port, vpc, at);
}

struct step dns_in(struct dp_state *s, struct pkt *p)
{
	const struct vl_tables *t = s->t;
	if (!dns_in_net(p->src))
		return igw_from_internet(s, p); /* 192.0.2.53: the internet's resolver */
	enum vl_resolver_at at;
	uint16_t vpc = vl_resolver_vpc(p->src, &at);
	if (vpc >= t->n_vpcs)
		return dns_drop_at(p, DROP_DNS_WRONG_VPC, VL_NONE);
	if (p->flags & PKT_LATER_FRAG)
		return dns_drop_at(p, DROP_DNS_FRAGMENT, vpc); /* its first fragment was not seen */
	if ((p->flags & PKT_L4) && p->sport == 53 &&
	    (p->proto == IPPROTO_UDP_ || p->proto == IPPROTO_TCP_))
		rewrite_addr(p, true, at == VL_AT_LINK ? VL_RESOLVER_LINK : t->vpcs[vpc].cidr.addr + 2);
	const struct vl_addr_slot *a = addr_lookup(t, vpc, p->dst);
	if (!a || a->owner != VL_OWN_PORT || a->index >= t->n_ports)
		return dns_drop_at(p, DROP_NO_HOST, vpc);
	return to_port(p, a->index, vpc, at);
}

int dns_state_init(struct dp_state *s, const struct dp_state *src)
{
	uint16_t n = src ? src->n_dns : s->t->n_ports;
	s->dns = calloc(n ? n : 1, sizeof(*s->dns));
	if (!s->dns)
		return -ENOMEM;
	if (src)
		memcpy(s->dns, src->dns, n * sizeof(*s->dns));
	s->n_dns = n;
	return 0;
}

int dns_state_reserve(struct dp_state *s, const struct vl_tables *nt)
{
	if (nt->n_ports <= s->n_dns)
		return 0; /* a lab's port count never shrinks */
	struct dns_bucket *b = calloc(nt->n_ports, sizeof(*b));
	if (!b)
		return -ENOMEM;
	memcpy(b, s->dns, s->n_dns * sizeof(*b));
	free(s->dns);
	s->dns = b;
	s->n_dns = nt->n_ports;
	return 0;
}

void dns_state_forget(struct dp_state *s, uint16_t port)
{
	if (port < s->n_dns)
		s->dns[port] = (struct dns_bucket){0};
}

void dns_state_fini(struct dp_state *s)
{
	free(s->dns);
	s->dns = NULL;
	s->n_dns = 0;
}
