/* Query in, response out (dns_wire.h), with libldns doing the wire format both ways: parse the
 * query, check it is one question of class IN, let dns_resolve decide, turn its records (zone-file
 * text) into RRs, fit the answer to the transport. The question's own spelling of its name is
 * kept in the answer's owners (resolvers that randomise case, DNS 0x20, compare it). */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/dns/dns_wire.h"

#define DNS_BADVERS_HIGH 1        /* RFC 6891: BADVERS = 16, its upper 8 bits in the OPT record */

/* rr from the engine's text; the question's owner rdf replaces an owner that spells the same
 * name. NULL when ldns refuses the text (never for what compile wrote). */
static ldns_rr *make_rr(const struct dns_rr *x, const char *qcanon, const ldns_rdf *qowner)
{
	char line[VL_DNS_NAME_MAX + VL_DNS_TEXT_MAX + 64], tn[16];
	ldns_rr *rr = NULL;
	snprintf(line, sizeof(line), "%s. %u IN %s %s", x->owner, x->ttl, dns_type_name(x->type, tn), x->rdata);
	if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	if (qowner && !strcasecmp(x->owner, qcanon)) {
		ldns_rdf *o = ldns_rdf_clone(qowner);
		if (o) {
			ldns_rdf_deep_free(ldns_rr_owner(rr));
			ldns_rr_set_owner(rr, o);
		}
	}
	return rr;
}

static int push_all(ldns_pkt *p, ldns_pkt_section sec, const struct dns_rr *a, uint32_t n,
		    const char *qcanon, const ldns_rdf *qowner)
{
	for (uint32_t i = 0; i < n; i++) {
		ldns_rr *rr = make_rr(&a[i], qcanon, qowner);
		if (!rr)
			return -EINVAL;
		if (!ldns_pkt_push_rr(p, sec, rr)) {
			ldns_rr_free(rr);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Empties a section of p (for a truncated answer). */
static void clear_section(ldns_pkt *p, ldns_pkt_section sec)
{
	ldns_rr_list *l = sec == LDNS_SECTION_ANSWER ? ldns_pkt_answer(p) : ldns_pkt_authority(p);
	ldns_rr_list *empty = ldns_rr_list_new();
	if (!empty)
		return;
	ldns_rr_list_deep_free(l);
	if (sec == LDNS_SECTION_ANSWER) {
		ldns_pkt_set_answer(p, empty);
		ldns_pkt_set_ancount(p, 0);
	} else {
		ldns_pkt_set_authority(p, empty);
		ldns_pkt_set_nscount(p, 0);
	}
}

/* The resolution of q's one question into p's sections; the response code on p. */
static int fill(const struct dns_db *db, const ldns_rr *qrr, uint16_t vpc, const struct dns_health *h,
		ldns_pkt *p, struct dns_result *res)
{
	char *qname = ldns_rdf2str(ldns_rr_owner(qrr));
	if (!qname)
		return -ENOMEM;
	int rc = dns_resolve(db, qname, (uint16_t)ldns_rr_get_type(qrr), vpc, h, res);
	free(qname);
	if (rc == -EINVAL) {  /* a name too long to hold once escaped: no name the lab knows */
		ldns_pkt_set_rcode(p, DNS_NXDOMAIN);
		return 0;
	}
	if (rc < 0)
		return rc;
	const char *qcanon = res->n_steps ? res->steps[0].name : "";
	if (push_all(p, LDNS_SECTION_ANSWER, res->an, res->n_an, qcanon, ldns_rr_owner(qrr)) < 0 ||
	    push_all(p, LDNS_SECTION_AUTHORITY, res->ns, res->n_ns, qcanon, ldns_rr_owner(qrr)) < 0) {
		clear_section(p, LDNS_SECTION_ANSWER);
		clear_section(p, LDNS_SECTION_AUTHORITY);
		ldns_pkt_set_rcode(p, DNS_SERVFAIL);
		return 0;
	}
	ldns_pkt_set_rcode(p, res->rcode);
	return 0;
}

/* The response's header and question from the query's; its code by what the query is. Returns
 * 1 when the question is to be answered, 0 when the code is final, -ENOMEM. */
static int header(const uint8_t *q, ldns_status st, const ldns_pkt *qp, ldns_pkt *p)
{
	ldns_pkt_set_id(p, LDNS_ID_WIRE(q));
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_opcode(p, (ldns_pkt_opcode)LDNS_OPCODE_WIRE(q));
	ldns_pkt_set_rd(p, LDNS_RD_WIRE(q) != 0);
	ldns_pkt_set_cd(p, LDNS_CD_WIRE(q) != 0);
	ldns_pkt_set_ra(p, true);
	if (st != LDNS_STATUS_OK || !qp) {
		ldns_pkt_set_rcode(p, DNS_FORMERR);
		return 0;
	}
	if (ldns_pkt_edns(qp))
		ldns_pkt_set_edns_udp_size(p, DNS_UDP_EDNS_MAX);
	ldns_rr_list *ql = ldns_pkt_question(qp);
	if (ldns_pkt_qdcount(qp) != 1 || !ql || ldns_rr_list_rr_count(ql) != 1) {
		ldns_pkt_set_rcode(p, LDNS_OPCODE_WIRE(q) == LDNS_PACKET_QUERY ? DNS_FORMERR : DNS_NOTIMP);
		return 0;
	}
	const ldns_rr *qrr = ldns_rr_list_rr(ql, 0);
	ldns_rr *copy = ldns_rr_clone(qrr);
	if (!copy)
		return -ENOMEM;
	if (!ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, copy)) {
		ldns_rr_free(copy);
		return -ENOMEM;
	}
	if (LDNS_OPCODE_WIRE(q) != LDNS_PACKET_QUERY) {
		ldns_pkt_set_rcode(p, DNS_NOTIMP);
		return 0;
	}
	if (ldns_pkt_edns(qp) && ldns_pkt_edns_version(qp) > 0) {
		ldns_pkt_set_edns_extended_rcode(p, DNS_BADVERS_HIGH);
		ldns_pkt_set_rcode(p, DNS_NOERROR);
		return 0;
	}
	ldns_rr_type t = ldns_rr_get_type(qrr);
	if (ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN || t == LDNS_RR_TYPE_AXFR || t == LDNS_RR_TYPE_IXFR) {
		ldns_pkt_set_rcode(p, DNS_REFUSED);
		return 0;
	}
	return 1;
}

static size_t limit(const ldns_pkt *qp, enum dns_transport tr)
{
	if (tr == DNS_TCP)
		return 65535;
	if (!qp || !ldns_pkt_edns(qp))
		return DNS_UDP_PLAIN;
	size_t s = ldns_pkt_edns_udp_size(qp);
	return s < DNS_UDP_PLAIN ? DNS_UDP_PLAIN : s > DNS_UDP_EDNS_MAX ? DNS_UDP_EDNS_MAX : s;
}

int dns_answer(const struct dns_db *db, const uint8_t *q, size_t len, uint16_t vpc, enum dns_transport tr,
	       const struct dns_health *h, uint8_t **out, size_t *out_len, struct dns_result *res)
{
	struct dns_result local;
	struct dns_result *r = res ? res : &local;
	memset(r, 0, sizeof(*r));
	*out = NULL;
	*out_len = 0;
	if (!q || len < LDNS_HEADER_SIZE || LDNS_QR_WIRE(q))
		return -EBADMSG;
	if (vpc != DNS_FROM_INTERNET && vpc >= db->t->n_vpcs)
		return -EINVAL;
	ldns_pkt *qp = NULL, *p = ldns_pkt_new();
	if (!p)
		return -ENOMEM;
	ldns_status st = ldns_wire2pkt(&qp, q, len);
	int rc = header(q, st, st == LDNS_STATUS_OK ? qp : NULL, p);
	if (rc == 1)
		rc = fill(db, ldns_rr_list_rr(ldns_pkt_question(qp), 0), vpc, h, p, r);
	if (rc == 0) {
		if (ldns_pkt2wire(out, p, out_len) != LDNS_STATUS_OK)
			rc = -ENOMEM;
		else if (*out_len > limit(st == LDNS_STATUS_OK ? qp : NULL, tr)) {
			free(*out);
			*out = NULL;
			clear_section(p, LDNS_SECTION_ANSWER);
			clear_section(p, LDNS_SECTION_AUTHORITY);
			ldns_pkt_set_tc(p, true);
			if (ldns_pkt2wire(out, p, out_len) != LDNS_STATUS_OK)
				rc = -ENOMEM;
		}
	}
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	ldns_pkt_free(p);
	ldns_pkt_free(qp);
	if (!res)
		dns_result_fini(&local);
	return rc;
}
