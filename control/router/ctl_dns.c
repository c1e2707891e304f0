/* The `dns` control request (include/vpclab/ctl.h): a name asked of the VPC resolver as one
 * instance or internet host would ask it, answered by the resolver's engine (control/dns) on the
 * snapshot it serves from, with the health it sees (resolver.h), and the explanation of what
 * decided (`vpclab dns`). */
#include <errno.h>
#include <string.h>

#include "control/dns/dns_json.h"
#include "control/router/resolver.h"
#include "control/router/router.h"

/* The asker: an instance's VPC, or the internet (hosts ask the lab's public resolver). */
struct dns_asker {
	uint16_t port;
	uint16_t vpc;            /* DNS_FROM_INTERNET for an internet host */
};

static int asker_find(const struct vl_tables *t, const char *from, struct dns_asker *a)
{
	for (uint16_t i = 0; i < t->n_ports; i++) {
		const struct vl_port *p = &t->ports[i];
		if (!vl_port_used(p) || (p->kind != VL_PORT_INSTANCE && p->kind != VL_PORT_INET_HOST))
			continue;
		/* No name: the first instance (the resolver as most of the lab sees it). */
		if (from ? strcmp(p->name, from) == 0 : p->kind == VL_PORT_INSTANCE) {
			a->port = i;
			a->vpc = p->kind == VL_PORT_INSTANCE ? p->vpc : DNS_FROM_INTERNET;
			return 0;
		}
	}
	return -ENOENT;
}

static json_t *dns_error(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

/* {"name", "type": wire number, "from"?} -> dns_result_json's object plus "name", "from",
 * "from_kind" (instance | internet_host), "vpc" (null from the internet) and "answered" (false:
 * nothing answers there, the VPC's DNS support is off). */
json_t *ctl_handle_dns(struct router *r, const char *spec)
{
	json_error_t jerr;
	json_t *q = json_loads(spec, 0, &jerr);
	const char *name = json_string_value(json_object_get(q, "name"));
	const char *from = json_string_value(json_object_get(q, "from"));
	json_int_t type = json_integer_value(json_object_get(q, "type"));
	struct dns_asker a;
	json_t *ans = NULL;
	int rc;
	if (!name || !name[0] || strlen(name) >= VL_DNS_NAME_MAX || type <= 0 || type > 65535) {
		ans = dns_error("dns needs a name (at most 253 characters) and a type");
	} else if (asker_find(r->t, from, &a) < 0) {
		ans = dns_error(from ? "no such instance or internet host" : "the lab has no instance");
	} else if ((rc = resolver_lookup(r, name, (uint16_t)type, a.vpc, &ans)) < 0 && rc != -ENETUNREACH) {
		json_decref(ans);
		ans = dns_error(rc == -ENOMEM ? "out of memory" : "the resolver cannot answer that");
	} else {
		json_object_set_new(ans, "name", json_string(name));
		json_object_set_new(ans, "from", json_string(r->t->ports[a.port].name));
		json_object_set_new(ans, "from_kind", json_string(a.vpc == DNS_FROM_INTERNET ?
								  "internet_host" : "instance"));
		json_object_set_new(ans, "vpc", a.vpc == DNS_FROM_INTERNET ? json_null()
						: json_string(r->t->vpcs[a.vpc].name));
		json_object_set_new(ans, "answered", json_boolean(rc == 0));
	}
	json_decref(q);
	return ans;
}
