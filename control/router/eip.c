/* Elastic IP moves (eip.h). AWS: associating an EIP that is associated elsewhere moves it
 * (AllowReassociation defaults to true); the old mapping's connections are dropped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/router/eip.h"

static void *dup_array(const void *src, size_t n, size_t size, int *fail)
{
	if (!n)
		return NULL;
	void *d = malloc(n * size);
	if (!d)
		*fail = 1;
	else
		memcpy(d, src, n * size);
	return d;
}

struct vl_tables *tables_clone(const struct vl_tables *t)
{
	struct vl_tables *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	int fail = 0;
	*c = *t;
	c->vpcs = dup_array(t->vpcs, t->n_vpcs, sizeof(*t->vpcs), &fail);
	c->subnets = dup_array(t->subnets, t->n_subnets, sizeof(*t->subnets), &fail);
	c->route_tables = dup_array(t->route_tables, t->n_route_tables, sizeof(*t->route_tables), &fail);
	c->routes = dup_array(t->routes, t->n_routes, sizeof(*t->routes), &fail);
	c->acls = dup_array(t->acls, t->n_acls, sizeof(*t->acls), &fail);
	c->acl_rules = dup_array(t->acl_rules, t->n_acl_rules, sizeof(*t->acl_rules), &fail);
	c->sgs = dup_array(t->sgs, t->n_sgs, sizeof(*t->sgs), &fail);
	c->sg_rules = dup_array(t->sg_rules, t->n_sg_rules, sizeof(*t->sg_rules), &fail);
	c->ports = dup_array(t->ports, t->n_ports, sizeof(*t->ports), &fail);
	c->natgws = dup_array(t->natgws, t->n_natgws, sizeof(*t->natgws), &fail);
	c->eips = dup_array(t->eips, t->n_eips, sizeof(*t->eips), &fail);
	c->lbs = dup_array(t->lbs, t->n_lbs, sizeof(*t->lbs), &fail);
	c->tgs = dup_array(t->tgs, t->n_tgs, sizeof(*t->tgs), &fail);
	c->listeners = dup_array(t->listeners, t->n_listeners, sizeof(*t->listeners), &fail);
	c->lb_rules = dup_array(t->lb_rules, t->n_lb_rules, sizeof(*t->lb_rules), &fail);
	c->targets = dup_array(t->targets, t->n_targets, sizeof(*t->targets), &fail);
	c->lb_nodes = dup_array(t->lb_nodes, t->n_lb_nodes, sizeof(*t->lb_nodes), &fail);
	c->zones = dup_array(t->zones, t->n_zones, sizeof(*t->zones), &fail);
	c->records = dup_array(t->records, t->n_records, sizeof(*t->records), &fail);
	c->dns_values = dup_array(t->dns_values, t->n_dns_values, sizeof(*t->dns_values), &fail);
	c->r53_checks = dup_array(t->r53_checks, t->n_r53_checks, sizeof(*t->r53_checks), &fail);
	c->launch_templates = dup_array(t->launch_templates, t->n_launch_templates,
					sizeof(*t->launch_templates), &fail);
	c->asgs = dup_array(t->asgs, t->n_asgs, sizeof(*t->asgs), &fail);
	c->asg_policies = dup_array(t->asg_policies, t->n_asg_policies, sizeof(*t->asg_policies),
				    &fail);
	c->lpm_nodes = NULL;
	c->n_lpm_nodes = 0;
	c->addr_map = NULL;
	c->addr_map_mask = 0;
	if (fail) {
		vl_tables_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

static int find_eip(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name[0] && i < t->n_eips; i++)
		if (strcmp(t->eips[i].name, name) == 0)
			return i;
	return -1;
}

static int find_instance(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name[0] && i < t->n_ports; i++)
		if (t->ports[i].kind == VL_PORT_INSTANCE && strcmp(t->ports[i].name, name) == 0)
			return i;
	return -1;
}

/* Elastic IP e of c on instance port `to` (VL_NONE: none), in place: AWS's rules as
 * eip_move says them. */
static void eip_set(struct vl_tables *c, uint16_t e, uint16_t to)
{
	uint16_t old = c->eips[e].port;
	if (old != VL_NONE) {
		c->ports[old].public_ip = 0;
		c->ports[old].eip = VL_NONE;
	}
	if (to != VL_NONE) {
		struct vl_port *p = &c->ports[to];
		if (p->eip != VL_NONE && p->eip != e)
			c->eips[p->eip].port = VL_NONE; /* AWS: its previous EIP is disassociated */
		p->eip = e;
		p->public_ip = c->eips[e].ip;
	}
	c->eips[e].port = to;
}

void eip_keep_moves(struct vl_tables *nt, const struct vl_tables *running)
{
	for (uint16_t e = 0; e < running->n_eips; e++) {
		const struct vl_eip *x = &running->eips[e];
		int ne = find_eip(nt, x->name);
		if (x->natgw != VL_NONE || ne < 0 || nt->eips[ne].natgw != VL_NONE)
			continue;
		const char *on = x->port != VL_NONE ? running->ports[x->port].name : "";
		int to = on[0] ? find_instance(nt, on) : -1;
		uint16_t cur = nt->eips[ne].port;
		if (on[0] && to < 0)
			continue; /* its instance is gone: the new tables say where it goes */
		if ((to < 0 && cur == VL_NONE) || (to >= 0 && cur == (uint16_t)to))
			continue;
		eip_set(nt, (uint16_t)ne, to >= 0 ? (uint16_t)to : VL_NONE);
	}
}

int eip_move(const struct vl_tables *t, const char *eip, const char *target, struct vl_tables **out,
	     uint16_t *old_port, uint16_t *new_port, char *err, size_t errcap)
{
	int e = find_eip(t, eip);
	if (e < 0) {
		snprintf(err, errcap, "no elastic IP '%s'", eip);
		return -ENOENT;
	}
	if (t->eips[e].natgw != VL_NONE) {
		snprintf(err, errcap, "elastic IP '%s' belongs to NAT gateway '%s'", eip,
			 t->natgws[t->eips[e].natgw].name);
		return -EINVAL;
	}
	int to = target ? find_instance(t, target) : -1;
	if (target && to < 0) {
		snprintf(err, errcap, "no instance '%s'", target);
		return -ENOENT;
	}
	struct vl_tables *c = tables_clone(t);
	if (!c)
		return -ENOMEM;
	*old_port = c->eips[e].port;
	*new_port = to >= 0 ? (uint16_t)to : VL_NONE;
	eip_set(c, (uint16_t)e, *new_port);
	c->generation++;
	*out = c;
	return 0;
}
