/* A check's `to:` DNS name (check_name.h), answered by the resolver's engine (control/dns). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "control/dns/dns_resolve.h"
#include "control/labtest/check_name.h"

int check_name_resolve(const struct vl_tables *t, uint16_t from, const char *name, uint32_t *addr,
		       uint16_t *lb, char *why, size_t cap)
{
	const struct vl_port *p = &t->ports[from];
	uint16_t vpc = p->kind == VL_PORT_INSTANCE ? p->vpc : DNS_FROM_INTERNET;
	struct dns_db *db = dns_db_create(t);
	struct dns_result r;
	if (!db)
		return -ENOMEM;
	int rc = dns_resolve(db, name, DNS_T_A, vpc, NULL, &r);
	*lb = VL_NONE;
	*addr = 0;
	for (uint32_t i = 0; rc == 0 && i < r.n_an && !*addr; i++) {
		struct in_addr a;
		if (r.an[i].type == DNS_T_A && inet_pton(AF_INET, r.an[i].rdata, &a) == 1)
			*addr = ntohl(a.s_addr);
	}
	for (uint32_t i = 0; i < r.n_steps; i++)
		if (r.steps[i].lb != VL_NONE)
			*lb = r.steps[i].lb;
	if (rc == -ENOMEM) {
		dns_result_fini(&r);
		dns_db_destroy(db);
		return rc;
	}
	if (!*addr) {
		/* Each step's why names its outcome (NXDOMAIN, no record of the type ...). */
		const struct dns_step *st = rc == -ENETUNREACH ? &r.steps[0] : &r.steps[r.n_steps - 1];
		snprintf(why, cap, "%s", r.n_steps ? st->why : "the resolver does not answer");
		rc = -ENOENT;
	} else {
		rc = 0;
	}
	dns_result_fini(&r);
	dns_db_destroy(db);
	return rc;
}
