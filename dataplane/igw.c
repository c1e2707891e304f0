/* The internet gateway: AWS's 1:1 NAT between an interface's private IPv4 and its public or
 * elastic IP, stateless, with the drop rules Reachability Analyzer models (reference 6.1).
 * Before: a route to igw (outbound) or an internet host's tap (inbound). After: an internet
 * host's tap, or (a step back to pipeline.c) NACL in + SG ingress of the instance. */
#include <linux/virtio_net.h>

#include "bytes.h"
#include "csum.h"
#include "icmp.h"
#include "igw.h"
#include "reply.h"
#include "rewrite.h"
#include "tables.h"

static bool is_private(uint32_t a)
{
	return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168) ||
	       (a >> 22) == (100u << 2 | 1); /* 10/8, 172.16/12, 192.168/16, 100.64/10 */
}

/* Public address of the private address src in vpc, or 0. */
static uint32_t igw_public_of(const struct vl_tables *t, uint16_t vpc, uint32_t src)
{
	const struct vl_addr_slot *a = addr_lookup(t, vpc, src);
	if (!a)
		return 0;
	if (a->owner == VL_OWN_PORT)
		return t->ports[a->index].public_ip;
	if (a->owner == VL_OWN_NATGW) {
		uint16_t e = t->natgws[a->index].eip;
		return e < t->n_eips ? t->eips[e].ip : 0;
	}
	return 0;
}

/* An address the internet gateway holds (the public pool, an elastic IP) that maps to nothing. */
static bool igw_owns(const struct vl_tables *t, const struct vl_addr_slot *a, uint32_t ip)
{
	return (a && a->owner == VL_OWN_IGW) || (t->public_pool.len && prefix_contains(t->public_pool, ip));
}

/* AWS: 1500 bytes through an internet gateway. A GSO super-packet is measured by the segments
 * it will be cut into. */
static bool igw_over_mtu(const struct pkt *p)
{
	const struct virtio_net_hdr *v = p->vnet;
	uint32_t size = p->len - p->l3_off;
	if ((p->flags & PKT_GSO) && v) {
		uint32_t l4h = 0;
		if (p->proto == IPPROTO_TCP_ && (p->flags & PKT_L4))
			l4h = (uint32_t)(p->frame[p->l4_off + 12] >> 4) * 4u;
		else if (p->proto == IPPROTO_UDP_)
			l4h = 8;
		size = (uint32_t)(p->l4_off - p->l3_off) + l4h + v->gso_size;
	}
	return size > VL_IGW_MTU;
}

/* AWS fragments what is over 1500 bytes without DF (reference 1.4): a whole IPv4 packet can be
 * cut (frag.c, when it is sent); a GSO super-packet cannot. */
static bool igw_can_fragment(const struct pkt *p)
{
	return !(p->flags & (PKT_DF | PKT_GSO)) && p->ip_len && p->l3_off + (uint32_t)p->ip_len <= p->len;
}

/* The IGW's hop for a packet that passes it: the header after the rewrite, and whether it
 * leaves in fragments. */
static void igw_pass(struct step *st, const struct pkt *p, uint16_t vpc)
{
	bool frag = igw_over_mtu(p) && igw_can_fragment(p);
	step_hop(st, EX_IGW, STAGE_PASS, vpc, -1, frag ? EXF_FRAGMENTED : 0);
	step_header(st, p);
	if (frag)
		st->mtu = VL_IGW_MTU;
}

/* An ICMP error quotes the packet as the internet saw it: map its public source back too. */
static void igw_inner_back(struct pkt *p, uint32_t pub, uint32_t priv)
{
	struct icmp_inner in;
	if (icmp_inner_parse(p, &in) && in.src == pub)
		icmp_inner_rewrite(p, &in, 1, priv, in.sport);
}

/* The internet side of the IGW toward a public address: a NAT gateway's elastic IP, or an
 * instance's public or elastic IP (1:1 back to its private IP, then NACL in and SG ingress). */
static struct step igw_in(struct dp_state *s, struct pkt *p, const struct vl_addr_slot *a)
{
	const struct vl_tables *t = s->t;
	if (is_private(p->src))
		return step_drop_at(EX_IGW, DROP_IGW_PRIVATE_SRC, VL_NONE);
	p->origin_port = VL_NONE; /* SG references never match traffic from outside the VPC */
	struct step st;
	if (a->public_is_natgw) {
		const struct vl_natgw *n = &t->natgws[a->index];
		rewrite_addr(p, false, n->ip);
		igw_inner_back(p, t->eips[n->eip].ip, n->ip);
		st = step_cross(VL_NONE, EDGE_NATGW_RETURN, a->index);
		igw_pass(&st, p, n->vpc);
		return st;
	}
	const struct vl_port *to = &t->ports[a->index];
	if (!t->vpcs[to->vpc].has_igw)
		return step_drop_at(EX_IGW, DROP_NO_IGW, to->vpc);
	rewrite_addr(p, false, to->ip);
	igw_inner_back(p, to->public_ip, to->ip);
	st = step_cross(VL_NONE, EDGE_PORT, a->index);
	igw_pass(&st, p, to->vpc);
	return st;
}

/* A packet on the internet side toward p->dst: an internet host, or back in through the IGW to
 * a public address (also a hairpin from inside a VPC to a public IP: it went out through the
 * IGW with its public source, and comes back in like any internet traffic). */
struct step igw_internet(struct dp_state *s, struct pkt *p)
{
	const struct vl_tables *t = s->t;
	const struct vl_addr_slot *a = addr_lookup(t, VL_NONE, p->dst);
	if (a && a->owner == VL_OWN_PUBLIC)
		return igw_in(s, p, a);
	if (!a || a->owner != VL_OWN_PORT) {
		/* An address of the public pool or an elastic IP that maps to nothing: the IGW's own
		 * drop (IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS); elsewhere nobody is there at all. */
		bool igw = igw_owns(t, a, p->dst);
		struct step st = step_drop_at(igw ? EX_IGW : EX_DELIVER,
					      igw ? DROP_IGW_NO_MAPPING : DROP_INET_NO_HOST, VL_NONE);
		step_header(&st, p);
		return st;
	}
	p->origin_port = VL_NONE;
	return step_next(STEP_DELIVER, VL_NONE, a->index);
}

/* Path MTU discovery: the subnet's router (+1) answers fragmentation-needed, as AWS's tracepath
 * example shows. The error goes back to the sender, through its SG ingress (AWS: without an
 * inbound ICMP rule PMTUD is blocked); to a NAT gateway, it is translated back to the instance
 * behind it. What cannot be cut (a GSO super-packet without DF) is dropped. */
static struct step igw_frag_needed(struct dp_state *s, struct pkt *p, uint16_t from)
{
	const struct vl_tables *t = s->t;
	struct step st = step_drop(DROP_MTU_EXCEEDED);
	step_hop(&st, EX_IGW, DROP_MTU_EXCEEDED, t->subnets[from].vpc, -1, 0);
	if (!(p->flags & PKT_DF))
		return st;
	const struct vl_addr_slot *a = addr_lookup(t, t->subnets[from].vpc, p->src);
	uint32_t router = t->subnets[from].cidr.addr + 1;
	if (!a || (a->owner != VL_OWN_PORT && a->owner != VL_OWN_NATGW) ||
	    reply_icmp_error(p, router, ICMP_UNREACH, 4, VL_IGW_MTU) < 0)
		return st;
	p->origin_port = VL_NONE;
	struct explain_hop hop = st.hop;
	if (a->owner == VL_OWN_NATGW) {
		st = step_next(STEP_ARRIVE, VL_NONE, a->index);
		st.edge = EDGE_NATGW_ERROR;
	} else {
		st = step_next(STEP_DELIVER, VL_NONE, a->index);
	}
	st.hop = hop;
	st.replaced = DROP_MTU_EXCEEDED;
	return st;
}

struct step igw_out(struct dp_state *s, struct pkt *p, uint16_t from)
{
	const struct vl_tables *t = s->t;
	uint16_t vpc = t->subnets[from].vpc;
	if (!t->vpcs[vpc].has_igw)
		return step_drop_at(EX_IGW, DROP_NO_IGW, vpc);
	if (is_private(p->dst))
		return step_drop_at(EX_IGW, DROP_IGW_PRIVATE_DST, vpc);
	uint32_t pub = igw_public_of(t, vpc, p->src);
	if (!pub)
		return step_drop_at(EX_IGW, DROP_IGW_NO_PUBLIC_IP, vpc);
	if (igw_over_mtu(p) && !igw_can_fragment(p))
		return igw_frag_needed(s, p, from);
	uint32_t priv = p->src;
	rewrite_addr(p, true, pub);
	struct icmp_inner in;
	if (icmp_inner_parse(p, &in) && in.dst == priv)
		icmp_inner_rewrite(p, &in, 0, pub, in.dport); /* quote it as the internet sent it */
	struct step st = step_next(STEP_INTERNET, VL_NONE, VL_NONE);
	igw_pass(&st, p, vpc);
	return st;
}

struct step igw_from_internet(struct dp_state *s, struct pkt *p)
{
	const struct vl_port *in = &s->t->ports[p->in_port];
	if (p->src != in->ip)
		return step_drop_at(EX_SRCDST_OUT, DROP_SRCDST_CHECK, p->in_port);
	p->origin_port = VL_NONE;
	struct step st = step_next(STEP_INTERNET, VL_NONE, VL_NONE);
	step_hop(&st, EX_SRCDST_OUT, STAGE_PASS, p->in_port, -1, 0);
	return st;
}
