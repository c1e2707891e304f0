/* ARP: the VPC router answers every who-has for an address of the asking interface's subnet
 * (other than the asker's own) with the router MAC, so every frame comes to the router and
 * nothing is flooded between namespaces (AWS documents no ARP; DESIGN in the reference). */
#ifndef VPCLAB_ARP_H
#define VPCLAB_ARP_H

#include "pkt.h"
#include "vpclab/tables.h"

/* Rewrites the request in p->frame into the reply, in place (same length).
 * Returns STAGE_PASS when p now holds a reply to send back on p->in_port, else DROP_BAD_ARP. */
int arp_answer(const struct vl_tables *t, struct pkt *p);

#endif
