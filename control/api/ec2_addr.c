/* EC2 DescribeAddresses: the lab's elastic IPs (domain vpc), associated with an instance, a
 * NAT gateway or a load balancer's node, or with nothing. allocationId and associationId are
 * the stable ids of the elastic IP's name (eipalloc-, eipassoc-). */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

struct addr_view {
	const struct api_ctx *c;
	const struct vl_eip *e;
	char alloc[48], assoc[48], ip[16], inst[48], eni[48], priv[16];
	bool bound;
};

static const char *addr_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct addr_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "allocation-id") == 0)
		return w->alloc;
	if (strcmp(f, "public-ip") == 0)
		return w->ip;
	if (strcmp(f, "association-id") == 0)
		return w->bound ? w->assoc : NULL;
	if (strcmp(f, "instance-id") == 0)
		return w->inst[0] ? w->inst : NULL;
	if (strcmp(f, "network-interface-id") == 0)
		return w->eni[0] ? w->eni : NULL;
	if (strcmp(f, "private-ip-address") == 0)
		return w->priv[0] ? w->priv : NULL;
	if (strcmp(f, "network-interface-owner-id") == 0)
		return w->bound ? API_ACCOUNT : NULL;
	if (strcmp(f, "domain") == 0)
		return "vpc";
	if (strcmp(f, "network-border-group") == 0)
		return w->c->region;
	if (strcmp(f, "public-ipv4-pool") == 0)
		return "amazon";
	return ec2_tag_field(f, w->e->name, known);
}

static void view_of(const struct api_ctx *c, uint16_t i, struct addr_view *w)
{
	memset(w, 0, sizeof(*w));
	const struct vl_eip *e = &c->t->eips[i];
	w->c = c;
	w->e = e;
	api_id(w->alloc, c->lab, "eipalloc", e->name);
	api_id(w->assoc, c->lab, "eipassoc", e->name);
	ec2_ip(e->ip, w->ip);
	if (e->port != VL_NONE && e->port < c->t->n_ports) {
		const struct vl_port *p = &c->t->ports[e->port];
		w->bound = true;
		if (p->kind == VL_PORT_INSTANCE) {
			api_id(w->inst, c->lab, "i", p->name);
			api_id(w->eni, c->lab, "eni", p->name);
		} else {
			ec2_node_eni(c, e->port, w->eni);
		}
		ec2_ip(p->ip, w->priv);
	} else if (e->natgw != VL_NONE && e->natgw < c->t->n_natgws) {
		w->bound = true;
		ec2_natgw_eni(c, c->t->natgws[e->natgw].name, w->eni);
		ec2_ip(c->t->natgws[e->natgw].ip, w->priv);
	}
}

int ec2_describe_addresses(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids, ips;
	if (ec2_ids_get(r, "AllocationId", &ids, o) < 0 || ec2_ids_get(r, "PublicIp", &ips, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "addressesSet", NULL);
	for (uint16_t i = 0; i < c->t->n_eips && !r->other_region && rc == 0; i++) {
		if (!vl_eip_used(&c->t->eips[i]))
			continue;
		struct addr_view w;
		view_of(c, i, &w);
		bool want = ec2_ids_want(&ids, w.alloc);
		want = ec2_ids_want(&ips, w.ip) && want;
		int m = want ? ec2_match(f, nf, addr_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		xml_open(x, "item", NULL);
		xml_elem(x, "publicIp", w.ip);
		xml_elem(x, "allocationId", w.alloc);
		xml_elem(x, "domain", "vpc");
		if (w.inst[0])
			xml_elem(x, "instanceId", w.inst);
		if (w.bound) {
			xml_elem(x, "associationId", w.assoc);
			xml_elem(x, "networkInterfaceId", w.eni);
			xml_elem(x, "networkInterfaceOwnerId", API_ACCOUNT);
			xml_elem(x, "privateIpAddress", w.priv);
		}
		xml_elem(x, "publicIpv4Pool", "amazon");
		xml_elem(x, "networkBorderGroup", c->region);
		ec2_name_tags(x, w.e->name);
		xml_close(x);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc)
		return rc;
	for (size_t i = 0; i < ips.n; i++)
		if (!ips.seen[i])
			return api_fail(o, 400, "InvalidAddress.NotFound", "Address '%s' not found.", ips.v[i]);
	return ec2_ids_done(&ids, "InvalidAllocationID.NotFound", "allocation ID", o);
}
