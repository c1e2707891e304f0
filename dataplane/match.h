/* The protocol/port/ICMP clause shared by NACL and SG rules (struct vl_match), as AWS defines it:
 * protocol -1 matches everything; ports only for TCP/UDP and compare the destination port;
 * ICMP type/code -1 match any. A fragment without an L4 header matches only rules that do not
 * look at ports (AWS: ports are unknown, so only "all ports" can match). */
#ifndef VPCLAB_MATCH_H
#define VPCLAB_MATCH_H

#include <stdbool.h>

#include "pkt.h"
#include "vpclab/tables.h"

static inline bool match_l4(const struct vl_match *m, const struct pkt *p)
{
	if (m->proto < 0)
		return true;
	if (m->proto != p->proto)
		return false;
	if (p->proto == IPPROTO_TCP_ || p->proto == IPPROTO_UDP_) {
		bool all = m->port_lo == 0 && m->port_hi == 65535;
		if (all)
			return true;
		if (!(p->flags & PKT_L4))
			return false;
		return p->dport >= m->port_lo && p->dport <= m->port_hi;
	}
	if (p->proto == IPPROTO_ICMP_) {
		if (m->icmp_type < 0)
			return true;
		if (!(p->flags & PKT_L4))
			return false;
		if (m->icmp_type != p->icmp_type)
			return false;
		return m->icmp_code < 0 || m->icmp_code == p->icmp_code;
	}
	return true;
}

#endif
