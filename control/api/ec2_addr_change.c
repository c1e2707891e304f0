/* EC2 AssociateAddress and DisassociateAddress: an elastic IP's `instance` set or cleared in the
 * running model and applied (api_change). AWS's rules (reference: elastic IPs): an address held
 * by another instance moves unless AllowReassociation is false; an instance that already has one
 * gives its old one up (it stays allocated); a NAT gateway's or a load balancer's address is not
 * movable. The apply ends the flows through the internet gateway of an instance whose public IP
 * changes, as `vpclab apply` does. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2_change.h"
#include "control/api/ec2_find.h"

/* The elastic IP a request names by AllocationId or PublicIp; NULL after api_fail. */
static struct lab_eip *eip_of(struct api_ctx *c, struct lab *m, const struct api_req *r, struct api_out *o)
{
	const char *alloc = api_param(r, "AllocationId"), *ip = api_param(r, "PublicIp");
	if (!alloc && !ip) {
		api_fail(o, 400, "MissingParameter", "Either public IP or allocation id must be specified");
		return NULL;
	}
	struct lab_eip *e = r->other_region ? NULL : alloc ? ec2_find_eip(c->lab, m, alloc) : ec2_find_eip_ip(m, ip);
	if (!e && alloc)
		api_fail(o, 400, "InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", alloc);
	else if (!e)
		api_fail(o, 400, "InvalidAddress.NotFound", "Address %s not found.", ip);
	return e;
}

/* The load balancer node, if any, that holds e (`elastic_ips: { SUBNET: EIP }`). */
static const struct lab_lb *lb_of(const struct lab *m, const struct lab_eip *e)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t l = 0; l < m->vpcs[v].n_lbs; l++)
			for (size_t k = 0; k < m->vpcs[v].lbs[l].n_eips; k++) {
				const char *s = m->vpcs[v].lbs[l].eips[k].eip.s;
				if (s && e->name.s && strcmp(s, e->name.s) == 0)
					return &m->vpcs[v].lbs[l];
			}
	return NULL;
}

int ec2_assoc_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	const struct api_req *r = arg;
	struct lab_eip *e = eip_of(c, m, r, o);
	if (!e)
		return -1;
	const char *iid = api_param(r, "InstanceId"), *eni = api_param(r, "NetworkInterfaceId");
	if (!iid && !eni)
		return api_fail(o, 400, "MissingParameter", "Either instance ID or network interface ID must be specified");
	const char *id = iid ? iid : eni;
	struct lab_instance *in = ec2_find_instance(c->lab, m, id, NULL);
	if (!in && iid)
		return api_fail(o, 400, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id);
	if (!in)
		return api_fail(o, 400, "InvalidNetworkInterfaceID.NotFound",
				"The networkInterface ID '%s' does not exist", id);
	if (iid && eni && in != ec2_find_instance(c->lab, m, eni, NULL))
		return api_fail(o, 400, "InvalidParameterCombination",
				"The network interface '%s' is not attached to instance '%s'", eni, iid);
	if (in->group)
		return api_fail(o, 400, "InvalidParameterValue",
				"Instance '%s' belongs to auto scaling group '%s': its launch template decides its public IP",
				id, in->group);
	const struct lab_lb *lb = lb_of(m, e);
	if ((e->natgw != VL_NONE && e->addr_ok) || lb)
		return api_fail(o, 400, "Resource.AlreadyAssociated",
				"Elastic IP address '%s' is already associated with %s", e->name.s,
				lb ? "a load balancer" : "a NAT gateway");
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t k = 0; k < m->vpcs[v].n_natgws; k++) {
			const char *s = m->vpcs[v].natgws[k].elastic_ip.s;
			if (s && strcmp(s, e->name.s) == 0)
				return api_fail(o, 400, "Resource.AlreadyAssociated",
						"Elastic IP address '%s' is already associated with a NAT gateway", e->name.s);
		}
	bool elsewhere = e->instance.s && strcmp(e->instance.s, in->name.s) != 0;
	const char *re = api_param(r, "AllowReassociation");
	if (elsewhere && re && strcmp(re, "false") == 0)
		return api_fail(o, 400, "Resource.AlreadyAssociated",
				"resource %s is already associated with associate-id %s", e->name.s, e->instance.s);
	/* the instance's old elastic IP is given up (stays allocated), as AWS does */
	for (size_t i = 0; i < m->n_eips; i++)
		if (&m->eips[i] != e && m->eips[i].instance.s && strcmp(m->eips[i].instance.s, in->name.s) == 0)
			m->eips[i].instance = (struct lab_str){.at = m->eips[i].at};
	e->instance = ec2_str(m, in->name.s, e->at);
	if (!e->instance.s)
		return api_fail(o, 500, "InternalError", "Out of memory");
	/* export's public-IP plan reads check's fields: this instance now has an elastic IP, its
	 * auto-assigned one is not to be kept */
	in->eip = e->gidx;
	return 0;
}

int ec2_disassoc_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	const struct api_req *r = arg;
	const char *assoc = api_param(r, "AssociationId"), *ip = api_param(r, "PublicIp");
	struct lab_eip *e;
	if (assoc) {
		e = r->other_region ? NULL : ec2_find_assoc(c->lab, m, assoc);
		if (!e)
			return api_fail(o, 400, "InvalidAssociationID.NotFound",
					"The association ID '%s' does not exist", assoc);
	} else if (ip) {
		e = r->other_region ? NULL : ec2_find_eip_ip(m, ip);
		if (!e || !e->instance.s)
			return api_fail(o, 400, "InvalidAddress.NotFound", "Address %s not found or not associated.", ip);
	} else {
		return api_fail(o, 400, "MissingParameter", "Either public IP or association id must be specified");
	}
	e->instance = (struct lab_str){.at = e->at};
	return 0;
}

int ec2_associate_address(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	if (api_change(c, ec2_assoc_edit, (void *)r, o) < 0)
		return -1;
	/* the association is the elastic IP's: its id from the name the request named */
	struct lab_eip *e = api_param(r, "AllocationId") ? ec2_find_eip(c->lab, c->m, api_param(r, "AllocationId"))
							  : ec2_find_eip_ip(c->m, api_param(r, "PublicIp"));
	ec2_return_true(o);
	if (e && e->name.s) {
		char id[48];
		ec2_assoc_id(id, c->lab, e->name.s);
		xml_elem(&o->x, "associationId", id);
	}
	return 0;
}

int ec2_disassociate_address(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	if (api_change(c, ec2_disassoc_edit, (void *)r, o) < 0)
		return -1;
	ec2_return_true(o);
	return 0;
}
