/* The internet gateway: stateless 1:1 translation between an interface's private IP and its
 * public or elastic IP, the internet side (hosts), and the 1500-byte MTU (fragments without
 * DF, fragmentation-needed with it). The dispatcher (pipeline.c) hands a packet here; each
 * function returns the next step, never continuing the path itself. */
#ifndef VPCLAB_IGW_H
#define VPCLAB_IGW_H

#include "pipeline.h"

/* A packet of subnet `from` routed to the IGW, past from's NACL out. */
struct step igw_out(struct dp_state *s, struct pkt *p, uint16_t from);
/* A packet from an internet host's tap: its source check, then STEP_INTERNET. */
struct step igw_from_internet(struct dp_state *s, struct pkt *p);
/* On the internet side toward p->dst: to an internet host, or in through the IGW to a public
 * address (an instance, a NAT gateway's elastic IP). */
struct step igw_internet(struct dp_state *s, struct pkt *p);

#endif
