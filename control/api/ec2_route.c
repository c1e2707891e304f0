/* EC2 DescribeRouteTables over the compiled tables: the local route first (as every table has
 * it), targets as AWS names them (gatewayId igw-/local, natGatewayId, instanceId with its
 * networkInterfaceId), blackhole routes "blackhole"; the main association and the subnets that
 * name their table (a subnet on the main table by default has no association, as in AWS). */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"
#include "control/lab/model.h"

#define MAX_VALUES 128

struct rt_view {
	const struct api_ctx *c;
	uint16_t i;
	bool main;
	char id[48], vpc_id[48];
};

/* A route's target ids: gw ("igw-..", "local"), nat, inst and its eni. */
struct target {
	char gw[48], nat[48], inst[48], eni[48];
};

static void target_of(const struct api_ctx *c, const struct vl_route *r, uint16_t vpc, struct target *t)
{
	memset(t, 0, sizeof(*t));
	if (r->kind == VL_T_LOCAL)
		snprintf(t->gw, sizeof(t->gw), "local");
	else if (r->kind == VL_T_IGW)
		ec2_igw_id(c, vpc, t->gw);
	else if (r->kind == VL_T_NATGW && r->target < c->t->n_natgws)
		api_id(t->nat, c->lab, "nat", c->t->natgws[r->target].name);
	else if (r->kind == VL_T_PORT && r->target < c->t->n_ports) {
		api_id(t->inst, c->lab, "i", c->t->ports[r->target].name);
		api_id(t->eni, c->lab, "eni", c->t->ports[r->target].name);
	}
}

static void cidr_text(struct prefix4 p, char buf[32])
{
	char ip[16];
	snprintf(buf, 32, "%s/%u", ec2_ip(p.addr, ip), p.len);
}

/* The subnets that name table i (explicit associations). */
static size_t explicit_subnets(const struct api_ctx *c, uint16_t i, const struct lab_subnet **out, size_t cap)
{
	size_t n = 0;
	for (size_t v = 0; v < c->m->n_vpcs; v++)
		for (size_t s = 0; s < c->m->vpcs[v].n_subnets; s++) {
			const struct lab_subnet *sn = &c->m->vpcs[v].subnets[s];
			if (sn->route_table.s && sn->rt == i && n < cap)
				out[n++] = sn;
		}
	return n;
}

/* Every value the object has for filter f (routes and associations are lists). -1: unknown. */
static int rt_values(const void *obj, const char *f, char vals[][48], size_t cap)
{
	const struct rt_view *w = obj;
	const struct api_ctx *c = w->c;
	const struct vl_route_table *t = &c->t->route_tables[w->i];
	size_t n = 0;
	if (strncmp(f, "route.", 6) == 0) {
		for (uint32_t k = 0; k < t->route_count && n < cap; k++) {
			const struct vl_route *r = &c->t->routes[t->route_first + k];
			struct target tg;
			target_of(c, r, t->vpc, &tg);
			const char *v = NULL;
			char cidr[32];
			if (strcmp(f, "route.destination-cidr-block") == 0) {
				cidr_text(r->dst, cidr);
				v = cidr;
			} else if (strcmp(f, "route.gateway-id") == 0) {
				v = tg.gw;
			} else if (strcmp(f, "route.nat-gateway-id") == 0) {
				v = tg.nat;
			} else if (strcmp(f, "route.instance-id") == 0) {
				v = tg.inst;
			} else if (strcmp(f, "route.state") == 0) {
				v = r->kind == VL_T_BLACKHOLE ? "blackhole" : "active";
			} else if (strcmp(f, "route.origin") == 0) {
				v = r->kind == VL_T_LOCAL ? "CreateRouteTable" : "CreateRoute";
			} else {
				return -1;
			}
			if (v && *v)
				snprintf(vals[n++], 48, "%s", v);
		}
		return (int)n;
	}
	if (strcmp(f, "association.subnet-id") == 0 || strcmp(f, "association.route-table-association-id") == 0 ||
	    strcmp(f, "association.main") == 0) {
		const struct lab_subnet *sn[MAX_VALUES];
		size_t ns = explicit_subnets(c, w->i, sn, MAX_VALUES);
		if (strcmp(f, "association.main") == 0) {
			/* true: the main association; false: a subnet's */
			if (w->main)
				snprintf(vals[n++], 48, "true");
			if (ns)
				snprintf(vals[n++], 48, "false");
			return (int)n;
		}
		if (w->main && strcmp(f, "association.route-table-association-id") == 0) {
			char key[64];
			snprintf(key, sizeof(key), "%s/main", c->t->vpcs[t->vpc].name);
			api_id(vals[n++], c->lab, "rtbassoc", key);
		}
		for (size_t k = 0; k < ns && n < cap; k++)
			api_id(vals[n++], c->lab, f[12] == 's' ? "subnet" : "rtbassoc", sn[k]->name.s);
		return (int)n;
	}
	return -1;
}

static const char *rt_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct rt_view *w = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "route-table-id") == 0)
		return w->id;
	if (strcmp(f, "vpc-id") == 0)
		return w->vpc_id;
	if (strcmp(f, "owner-id") == 0)
		return API_ACCOUNT;
	return ec2_tag_field(f, w->c->t->route_tables[w->i].name, known);
}

static void routes(const struct api_ctx *c, struct xml *x, const struct vl_route_table *t)
{
	xml_open(x, "routeSet", NULL);
	for (uint32_t k = 0; k < t->route_count; k++) {
		const struct vl_route *r = &c->t->routes[t->route_first + k];
		struct target tg;
		char cidr[32];
		target_of(c, r, t->vpc, &tg);
		cidr_text(r->dst, cidr);
		xml_open(x, "item", NULL);
		xml_elem(x, "destinationCidrBlock", cidr);
		if (tg.gw[0])
			xml_elem(x, "gatewayId", tg.gw);
		if (tg.nat[0])
			xml_elem(x, "natGatewayId", tg.nat);
		if (tg.inst[0]) {
			xml_elem(x, "instanceId", tg.inst);
			xml_elem(x, "instanceOwnerId", API_ACCOUNT);
			xml_elem(x, "networkInterfaceId", tg.eni);
		}
		xml_elem(x, "state", r->kind == VL_T_BLACKHOLE ? "blackhole" : "active");
		xml_elem(x, "origin", r->kind == VL_T_LOCAL ? "CreateRouteTable" : "CreateRoute");
		xml_close(x);
	}
	xml_close(x);
}

static void associations(const struct api_ctx *c, struct xml *x, const struct rt_view *w)
{
	const struct lab_subnet *sn[MAX_VALUES];
	size_t ns = explicit_subnets(c, w->i, sn, MAX_VALUES);
	xml_open(x, "associationSet", NULL);
	if (w->main) {
		char key[64], id[48];
		snprintf(key, sizeof(key), "%s/main", c->t->vpcs[c->t->route_tables[w->i].vpc].name);
		api_id(id, c->lab, "rtbassoc", key);
		xml_open(x, "item", NULL);
		xml_elem(x, "routeTableAssociationId", id);
		xml_elem(x, "routeTableId", w->id);
		xml_bool(x, "main", 1);
		xml_open(x, "associationState", NULL);
		xml_elem(x, "state", "associated");
		xml_close(x);
		xml_close(x);
	}
	for (size_t k = 0; k < ns; k++) {
		char id[48], sub[48];
		api_id(id, c->lab, "rtbassoc", sn[k]->name.s);
		api_id(sub, c->lab, "subnet", sn[k]->name.s);
		xml_open(x, "item", NULL);
		xml_elem(x, "routeTableAssociationId", id);
		xml_elem(x, "routeTableId", w->id);
		xml_elem(x, "subnetId", sub);
		xml_bool(x, "main", 0);
		xml_open(x, "associationState", NULL);
		xml_elem(x, "state", "associated");
		xml_close(x);
		xml_close(x);
	}
	xml_close(x);
}

int ec2_describe_route_tables(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_ids ids;
	if (ec2_ids_get(r, "RouteTableId", &ids, o) < 0)
		return -1;
	struct api_filter f[32];
	int nf = 0, rc = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	struct xml *x = &o->x;
	xml_open(x, "routeTableSet", NULL);
	for (uint16_t i = 0; i < c->t->n_route_tables && !r->other_region && rc == 0; i++) {
		const struct vl_route_table *t = &c->t->route_tables[i];
		struct rt_view w = {.c = c, .i = i};
		w.main = t->vpc < c->m->n_vpcs && c->m->vpcs[t->vpc].main_rt == i;
		ec2_rtb_id(c, i, w.id);
		api_id(w.vpc_id, c->lab, "vpc", c->t->vpcs[t->vpc].name);
		int m = ec2_ids_want(&ids, w.id) ? ec2_match_multi(f, nf, rt_values, rt_field, &w, o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		xml_open(x, "item", NULL);
		xml_elem(x, "routeTableId", w.id);
		xml_elem(x, "vpcId", w.vpc_id);
		xml_elem(x, "ownerId", API_ACCOUNT);
		routes(c, x, t);
		associations(c, x, &w);
		xml_elem(x, "propagatingVgwSet", NULL);
		ec2_name_tags(x, t->name);
		xml_close(x);
	}
	xml_close(x);
	api_filters_free(f, nf);
	if (rc == 0 && ec2_ids_done(&ids, "InvalidRouteTableID.NotFound", "routeTable ID", o) < 0)
		return -1;
	return rc;
}
