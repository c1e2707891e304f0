/* The one list of drop reasons: the enum, the names printed by status/trace and the counters
 * are all generated from it, so they cannot drift apart. Where AWS Reachability Analyzer has an
 * explanation code for the same cause, it is the third column (trace prints it). */
#ifndef VPCLAB_DROP_H
#define VPCLAB_DROP_H

#define VL_DROP_REASONS(X)                                                                   \
	X(PARSE_SHORT, "parse_short", "")                          /* frame too short/truncated */ \
	X(PARSE_BAD_IP, "parse_bad_ip", "")                        /* bad IPv4 header           */ \
	X(NOT_IPV4, "not_ipv4", "PROTOCOL_RESTRICTION")            /* IPv6 or other ethertype   */ \
	X(BAD_ARP, "bad_arp", "")                                  /* ARP we do not answer      */ \
	X(BROADCAST, "broadcast", "")                              /* no broadcast/multicast    */ \
	X(SRCDST_CHECK, "srcdst_check", "ENI_SOURCE_DEST_CHECK_RESTRICTION")                       \
	X(SG_EGRESS, "sg_egress", "ENI_SG_RULES_MISMATCH")                                         \
	X(SG_INGRESS, "sg_ingress", "ENI_SG_RULES_MISMATCH")                                       \
	X(CT_FULL, "ct_full", "")                                  /* connection pool exhausted */ \
	X(NO_ROUTE, "no_route", "NO_ROUTE_TO_DESTINATION")                                         \
	X(BLACKHOLE, "blackhole", "BAD_STATE_ROUTE")                                               \
	X(NACL_OUT, "nacl_out", "SUBNET_ACL_RESTRICTION")                                          \
	X(NACL_IN, "nacl_in", "SUBNET_ACL_RESTRICTION")                                            \
	X(NO_HOST, "no_host", "ENI_ADDRESS_RESTRICTION")           /* local route, nobody there */ \
	X(ROUTER_ADDR, "router_addr", "")                          /* .1/.2/.3: not answered    */ \
	X(IGW_NO_PUBLIC_IP, "igw_no_public_ip", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")            \
	X(IGW_NO_MAPPING, "igw_no_mapping", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")              \
	X(IGW_PRIVATE_DST, "igw_private_dst", "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS")     \
	X(IGW_PRIVATE_SRC, "igw_private_src", "IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS")         \
	X(NO_IGW, "no_igw", "NO_PATH")                                                             \
	X(INET_NO_HOST, "inet_no_host", "NO_PATH")                 /* internet: nobody there    */ \
	X(NAT_NO_MAPPING, "nat_no_mapping", "")                    /* inbound-initiated at NAT  */ \
	X(NAT_PORT_ALLOC, "nat_port_alloc", "")                    /* ErrorPortAllocation       */ \
	X(NAT_PROTO, "nat_proto", "PROTOCOL_RESTRICTION")          /* not TCP/UDP/ICMP echo     */ \
	X(NAT_FRAGMENT, "nat_fragment", "")                        /* TCP/ICMP fragment at NAT  */ \
	X(NAT_FULL, "nat_full", "")                                /* NAT translations at limit */ \
	X(TTL_EXCEEDED, "ttl_exceeded", "")                                                        \
	X(MTU_EXCEEDED, "mtu_exceeded", "")                        /* DF set, over path MTU     */ \
	X(TAP_WRITE, "tap_write", "")                              /* the kernel refused a write */ \
	X(HOP_LIMIT, "hop_limit", "")                              /* a loop between gateways   */ \
	X(LB_NO_LISTENER, "lb_no_listener", "")                    /* to a node, no listener    */ \
	X(LB_NO_TARGET, "lb_no_target", "")                        /* target group empty here   */ \
	X(LB_LOOPBACK, "lb_loopback", "")                          /* no hairpin (AWS: timeout) */ \
	X(LB_NO_FLOW, "lb_no_flow", "")                            /* TCP segment, no flow: RST */ \
	X(LB_PORT_ALLOC, "lb_port_alloc", "")                      /* no free port to the target */ \
	X(LB_FULL, "lb_full", "")                                  /* LB flows at the lab limit */ \
	X(DNS_DISABLED, "dns_disabled", "")                        /* VPC's enableDnsSupport off */ \
	X(DNS_THROTTLED, "dns_throttled", "")                      /* > 1024 packets/s, one ENI  */ \
	X(DNS_VPC_LIMIT, "dns_vpc_limit", "")                      /* VPC past the resolver's max */ \
	X(DNS_WRONG_VPC, "dns_wrong_vpc", "")                      /* another VPC's resolver addr */ \
	X(DNS_FRAGMENT, "dns_fragment", "")                        /* from the resolver, no first */

/* What a stage returns, and an explain hop records, when it drops nothing. */
#define STAGE_PASS (-1)

enum drop_reason {
#define VL_DROP_ENUM(sym, name, code) DROP_##sym,
	VL_DROP_REASONS(VL_DROP_ENUM)
#undef VL_DROP_ENUM
	DROP__COUNT
};

/* Short snake_case name, as printed by status and used by tests. */
const char *drop_reason_name(enum drop_reason r);
/* AWS Reachability Analyzer explanation code, or "" when AWS has none. */
const char *drop_reason_code(enum drop_reason r);

#endif
