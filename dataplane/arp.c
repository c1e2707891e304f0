/* ARP, answered by the router itself. Before: parse.c saw ethertype ARP. After: the reply goes
 * back out of the asking tap (pipeline.c). Instances ask for their gateway and for neighbours of
 * their subnet; internet hosts use a device route and ask for every address. Every answer is the
 * router MAC, so all traffic reaches the router and the VPC has no L2 flooding. */
#include <string.h>

#include "arp.h"
#include "bytes.h"

#define ARP_LEN 28

static bool arp_should_answer(const struct vl_tables *t, const struct vl_port *port,
			      uint32_t sender, uint32_t target)
{
	if (target == port->ip || target == 0)
		return false; /* probes and gratuitous ARP for its own address */
	/* An appliance (check off) may ask with another source address, as Linux does by default
	 * (arp_announce 0) for a packet from a secondary or loopback address. */
	bool resolver = port->kind == VL_PORT_RESOLVER;
	/* The resolver also answers from its VL_RESOLVER_NET addresses (a local route). */
	if (sender != port->ip && sender != 0 && port->src_dst_check &&
	    !(resolver && (sender & 0xffffff00u) == VL_RESOLVER_NET))
		return false;
	if (port->kind == VL_PORT_INET_HOST || resolver)
		return true; /* a device route: it asks for every address */
	const struct vl_subnet *sn = &t->subnets[port->subnet];
	return prefix_contains(sn->cidr, target);
}

int arp_answer(const struct vl_tables *t, struct pkt *p)
{
	if (p->len < ETH_HLEN_ + ARP_LEN || p->in_port >= t->n_ports)
		return DROP_BAD_ARP;
	uint8_t *a = p->frame + ETH_HLEN_;
	/* Ethernet/IPv4 request only: htype 1, ptype 0x0800, hlen 6, plen 4, op 1. */
	if (rd16(a) != 1 || rd16(a + 2) != ETHTYPE_IPV4 || a[4] != 6 || a[5] != 4 || rd16(a + 6) != 1)
		return DROP_BAD_ARP;
	uint32_t sender = rd32(a + 14), target = rd32(a + 24);
	const struct vl_port *port = &t->ports[p->in_port];
	if (!arp_should_answer(t, port, sender, target))
		return DROP_BAD_ARP;
	uint8_t asker_mac[6];
	memcpy(asker_mac, a + 8, 6);
	wr16(a + 6, 2);                         /* op: reply */
	memcpy(a + 8, t->router_mac, 6);        /* sender: the router, for the target address */
	wr32(a + 14, target);
	memcpy(a + 18, asker_mac, 6);           /* target: the asker */
	wr32(a + 24, sender);
	memcpy(p->frame, asker_mac, 6);         /* Ethernet: to the asker, from the router */
	memcpy(p->frame + 6, t->router_mac, 6);
	return STAGE_PASS;
}
