/* The internet gateway: AWS's 1:1 NAT between an interface's private IPv4 and its public or
 * elastic IP, stateless, with the drop rules Reachability Analyzer models (reference 6.1).
 * Before: a route to igw (outbound) or an internet host's tap (inbound). After: an internet
 * host's tap, or NACL in + SG ingress of the instance (pipeline_cross). */
#include <linux/virtio_net.h>

#include "bytes.h"
#include "csum.h"
#include "icmp.h"
#include "nat.h"
#include "tables.h"

static bool is_private(uint32_t a)
{
	return (a >> 24) == 10 || (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168) ||
	       (a >> 22) == (100u << 2 | 1); /* 10/8, 172.16/12, 192.168/16, 100.64/10 */
}

/* Where the L4 checksum lives, or 0 when this packet has none to patch. */
static uint16_t l4_csum_off(const struct pkt *p)
{
	if (!(p->flags & PKT_L4))
		return 0;
	if (p->proto == IPPROTO_TCP_)
		return (uint16_t)(p->l4_off + 16);
	if (p->proto == IPPROTO_UDP_)
		return (uint16_t)(p->l4_off + 6);
	return 0;
}

static bool csum_is_partial(const struct pkt *p)
{
	const struct virtio_net_hdr *v = p->vnet;
	return v && (v->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && v->csum_start == p->l4_off;
}

/* RFC 768: a UDP checksum that computes to zero is sent as all ones (zero means "none").
 * Only for a full checksum: a partial one is finished by the kernel. */
static void udp_csum_fixup(const struct pkt *p, uint8_t *c)
{
	if (p->proto == IPPROTO_UDP_ && !csum_is_partial(p) && rd16(c) == 0)
		wr16(c, 0xffff);
}

void nat_set_addr(struct pkt *p, bool src, uint32_t to)
{
	uint8_t *ip = p->frame + p->l3_off;
	uint8_t *field = ip + (src ? 12 : 16);
	uint32_t from = rd32(field);
	wr32(field, to);
	csum_replace4(ip + 10, from, to);
	uint16_t off = l4_csum_off(p);
	if (off && off + 2u <= p->len) {
		uint8_t *c = p->frame + off;
		if (csum_is_partial(p))
			csum_replace4_partial(c, from, to);
		else if (!(p->proto == IPPROTO_UDP_ && rd16(c) == 0)) { /* UDP: 0 = no checksum */
			csum_replace4(c, from, to);
			udp_csum_fixup(p, c);
		}
	}
	if (src)
		p->src = to;
	else
		p->dst = to;
}

void nat_set_port(struct pkt *p, bool src, uint16_t to)
{
	if (!(p->flags & PKT_L4))
		return;
	uint8_t *l4 = p->frame + p->l4_off;
	if (p->flags & PKT_ECHO) {
		/* ICMP checksum covers the message only, never a pseudo header. */
		uint16_t from = rd16(l4 + 4);
		wr16(l4 + 4, to);
		csum_replace2(l4 + 2, from, to);
		p->sport = p->dport = to;
		return;
	}
	uint8_t *field = l4 + (src ? 0 : 2);
	uint16_t from = rd16(field);
	wr16(field, to);
	uint16_t off = l4_csum_off(p);
	/* Ports are not in the pseudo header: a partial sum stays as it is. */
	if (off && !csum_is_partial(p) && !(p->proto == IPPROTO_UDP_ && rd16(p->frame + off) == 0)) {
		csum_replace2(p->frame + off, from, to);
		udp_csum_fixup(p, p->frame + off);
	}
	if (src)
		p->sport = to;
	else
		p->dport = to;
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

static bool igw_owns(const struct vl_tables *t, uint32_t ip)
{
	for (uint16_t i = 0; i < t->n_eips; i++)
		if (t->eips[i].ip == ip)
			return true;
	return t->public_pool.len && prefix_contains(t->public_pool, ip);
}

static struct verdict igw_in(struct dp_state *s, struct pkt *p, const struct vl_addr_slot *a,
			     uint64_t now, struct explain *ex);

/* A packet on the internet side toward p->dst: an internet host, or back in through the IGW to
 * a public address (also a hairpin from inside a VPC to a public IP: it went out through the
 * IGW with its public source, and comes back in like any internet traffic). */
static struct verdict igw_to_host(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex)
{
	const struct vl_tables *t = s->t;
	const struct vl_addr_slot *a = addr_lookup(t, VL_NONE, p->dst);
	if (a && a->owner == VL_OWN_PUBLIC)
		return igw_in(s, p, a, now, ex);
	if (!a || a->owner != VL_OWN_PORT) {
		/* An address of the public pool or an elastic IP that maps to nothing: the IGW's own
		 * drop (IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS); elsewhere nobody is there at all. */
		int reason = igw_owns(t, p->dst) ? DROP_IGW_NO_MAPPING : DROP_INET_NO_HOST;
		explain_add(ex, reason == DROP_IGW_NO_MAPPING ? EX_IGW : EX_DELIVER, reason, VL_NONE, -1, 0);
		explain_header(ex, p);
		return verdict_drop(reason);
	}
	p->origin_port = VL_NONE;
	return pipeline_deliver(s, p, a->index, now, ex);
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

/* Path MTU discovery: the subnet's router (+1) answers fragmentation-needed, as AWS's tracepath
 * example shows. Without DF the lab drops (it does not fragment; README says so). The error
 * goes back to the sender, through its SG ingress (AWS: without an inbound ICMP rule PMTUD is
 * blocked); to a NAT gateway, it is translated back to the instance behind it. */
static struct verdict igw_frag_needed(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
				      struct explain *ex)
{
	const struct vl_tables *t = s->t;
	if (!(p->flags & PKT_DF))
		return verdict_drop(DROP_MTU_EXCEEDED);
	const struct vl_addr_slot *a = addr_lookup(t, t->subnets[from].vpc, p->src);
	uint32_t router = t->subnets[from].cidr.addr + 1;
	if (!a || icmp_error_build(p, router, ICMP_UNREACH, 4, VL_IGW_MTU) < 0)
		return verdict_drop(DROP_MTU_EXCEEDED);
	s->replaced = DROP_MTU_EXCEEDED;
	p->origin_port = VL_NONE;
	if (a->owner == VL_OWN_NATGW)
		return nat_gw_error_back(s, p, a->index, now, ex);
	return pipeline_deliver(s, p, a->index, now, ex);
}

struct verdict nat_igw_out(struct dp_state *s, struct pkt *p, uint16_t from, uint64_t now,
			   struct explain *ex)
{
	const struct vl_tables *t = s->t;
	uint16_t vpc = t->subnets[from].vpc;
	int v = pipeline_nacl(s, from, ACL_OUT, p, ex);
	if (v != STAGE_PASS)
		return verdict_drop(v);
	if (!t->vpcs[vpc].has_igw) {
		explain_add(ex, EX_IGW, DROP_NO_IGW, vpc, -1, 0);
		return verdict_drop(DROP_NO_IGW);
	}
	if (is_private(p->dst)) {
		explain_add(ex, EX_IGW, DROP_IGW_PRIVATE_DST, vpc, -1, 0);
		return verdict_drop(DROP_IGW_PRIVATE_DST);
	}
	uint32_t pub = igw_public_of(t, vpc, p->src);
	if (!pub) {
		explain_add(ex, EX_IGW, DROP_IGW_NO_PUBLIC_IP, vpc, -1, 0);
		return verdict_drop(DROP_IGW_NO_PUBLIC_IP);
	}
	if (igw_over_mtu(p)) {
		explain_add(ex, EX_IGW, DROP_MTU_EXCEEDED, vpc, -1, 0);
		return igw_frag_needed(s, p, from, now, ex);
	}
	uint32_t priv = p->src;
	nat_set_addr(p, true, pub);
	struct icmp_inner in;
	if (icmp_inner_parse(p, &in) && in.dst == priv)
		icmp_inner_rewrite(p, &in, 0, pub, in.dport); /* quote it as the internet sent it */
	explain_add(ex, EX_IGW, STAGE_PASS, vpc, -1, 0);
	explain_header(ex, p);
	return igw_to_host(s, p, now, ex);
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
static struct verdict igw_in(struct dp_state *s, struct pkt *p, const struct vl_addr_slot *a,
			     uint64_t now, struct explain *ex)
{
	const struct vl_tables *t = s->t;
	if (is_private(p->src)) {
		explain_add(ex, EX_IGW, DROP_IGW_PRIVATE_SRC, VL_NONE, -1, 0);
		return verdict_drop(DROP_IGW_PRIVATE_SRC);
	}
	p->origin_port = VL_NONE; /* SG references never match traffic from outside the VPC */
	if (a->public_is_natgw) {
		const struct vl_natgw *n = &t->natgws[a->index];
		nat_set_addr(p, false, n->ip);
		igw_inner_back(p, t->eips[n->eip].ip, n->ip);
		explain_add(ex, EX_IGW, STAGE_PASS, n->vpc, -1, 0);
		explain_header(ex, p);
		return nat_gw_from_igw(s, p, a->index, now, ex);
	}
	const struct vl_port *to = &t->ports[a->index];
	if (!t->vpcs[to->vpc].has_igw) {
		explain_add(ex, EX_IGW, DROP_NO_IGW, to->vpc, -1, 0);
		return verdict_drop(DROP_NO_IGW);
	}
	nat_set_addr(p, false, to->ip);
	igw_inner_back(p, to->public_ip, to->ip);
	explain_add(ex, EX_IGW, STAGE_PASS, to->vpc, -1, 0);
	explain_header(ex, p);
	return pipeline_cross(s, p, VL_NONE, a->index, now, ex);
}

struct verdict nat_from_internet(struct dp_state *s, struct pkt *p, uint64_t now, struct explain *ex)
{
	const struct vl_tables *t = s->t;
	const struct vl_port *in = &t->ports[p->in_port];
	if (p->src != in->ip) {
		explain_add(ex, EX_SRCDST_OUT, DROP_SRCDST_CHECK, p->in_port, -1, 0);
		return verdict_drop(DROP_SRCDST_CHECK);
	}
	explain_add(ex, EX_SRCDST_OUT, STAGE_PASS, p->in_port, -1, 0);
	p->origin_port = VL_NONE;
	return igw_to_host(s, p, now, ex);
}
