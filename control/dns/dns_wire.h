/* The VPC resolver's messages: one DNS query in wire format -> one response in wire format, as
 * AmazonProvidedDNS answers (a recursive resolver: QR, RD copied, RA, never AA), through
 * dns_resolve.h. libldns reads and writes every message (the only file that includes it). The
 * resolver process (UDP and TCP sockets) and `vpclab dns` call this; it does no I/O. */
#ifndef VPCLAB_DNS_WIRE_H
#define VPCLAB_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "control/dns/dns_resolve.h"

enum dns_transport { DNS_UDP, DNS_TCP };

#define DNS_UDP_PLAIN 512        /* RFC 1035: a UDP answer without EDNS */
#define DNS_UDP_EDNS_MAX 4096    /* the largest UDP answer the resolver sends with EDNS */

/* Answers the query q[0..len) asked from vpc (or DNS_FROM_INTERNET) over tr. On 0, *out
 * (malloc'd; the caller frees it) holds *out_len bytes to send back: an answer, or FORMERR for a
 * malformed query (NOTIMP for an opcode other than QUERY, REFUSED for a class other than IN or a
 * zone transfer, BADVERS for EDNS past version 0); an answer too large for UDP is cut to the
 * question with TC set. res, when not NULL, receives the resolution behind it (the caller runs
 * dns_result_fini; n_steps is 0 when the query never got that far).
 * Returns -EBADMSG when nothing may be sent back (shorter than a header, or not a query but a
 * response: answering those invites loops), -ENETUNREACH when the VPC's DNS support is off,
 * -EINVAL for a bad vpc, -ENOMEM. */
int dns_answer(const struct dns_db *db, const uint8_t *q, size_t len, uint16_t vpc,
	       enum dns_transport tr, const struct dns_health *h, uint8_t **out, size_t *out_len,
	       struct dns_result *res);

#endif
