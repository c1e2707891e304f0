/* EC2 CreateRoute, ReplaceRoute, DeleteRoute: a route of a route table's `routes` added,
 * retargeted or removed in the running model and applied (api_change), so the next packet
 * takes the new route (routes are stateless, as in AWS). A route added to a VPC's implicit
 * main table writes that table out (`name: main, main: true`), keeping its id. */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2_change.h"
#include "control/api/ec2_find.h"

enum route_op { ROUTE_CREATE, ROUTE_REPLACE, ROUTE_DELETE };

static enum route_op op_of(const struct api_req *r)
{
	if (r->action && strcmp(r->action, "DeleteRoute") == 0)
		return ROUTE_DELETE;
	if (r->action && strcmp(r->action, "ReplaceRoute") == 0)
		return ROUTE_REPLACE;
	return ROUTE_CREATE;
}

/* The route's target as the lab file writes it (igw, a NAT gateway's or an instance's name),
 * or api_fail'd NULL. AWS takes exactly one target. */
static const char *target_of(struct api_ctx *c, struct lab *m, const struct api_req *r,
			     struct lab_vpc *vpc, struct api_out *o)
{
	const char *gw = api_param(r, "GatewayId"), *nat = api_param(r, "NatGatewayId");
	const char *inst = api_param(r, "InstanceId"), *eni = api_param(r, "NetworkInterfaceId");
	if (gw && !nat && strncmp(gw, "nat-", 4) == 0) {
		nat = gw; /* AWS takes a NAT gateway's id as GatewayId too */
		gw = NULL;
	}
	int given = !!gw + !!nat + !!inst + !!eni;
	if (given == 0) {
		api_fail(o, 400, "MissingParameter",
			 "The request must contain exactly one of gatewayId, natGatewayId, instanceId or networkInterfaceId");
		return NULL;
	}
	if (given > 1) {
		api_fail(o, 400, "InvalidParameterCombination", "More than one target specified");
		return NULL;
	}
	if (gw) {
		if (strcmp(gw, "local") == 0)
			return "local";
		struct lab_vpc *v = ec2_find_igw(c->lab, m, gw);
		if (!v) {
			api_fail(o, 400, "InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", gw);
			return NULL;
		}
		if (v != vpc) {
			api_fail(o, 400, "InvalidParameterValue",
				 "route table and network gateway '%s' belong to different networks", gw);
			return NULL;
		}
		return "igw";
	}
	if (nat) {
		struct lab_vpc *v = NULL;
		struct lab_natgw *g = ec2_find_natgw(c->lab, m, nat, &v);
		if (!g) {
			api_fail(o, 400, "InvalidNatGatewayID.NotFound", "The natGateway ID '%s' does not exist", nat);
			return NULL;
		}
		if (v != vpc) {
			api_fail(o, 400, "InvalidParameterValue",
				 "route table and NAT gateway '%s' belong to different networks", nat);
			return NULL;
		}
		return g->name.s;
	}
	const char *id = inst ? inst : eni;
	struct lab_vpc *v = NULL;
	struct lab_instance *in = ec2_find_instance(c->lab, m, id, &v);
	if (!in) {
		if (inst)
			api_fail(o, 400, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id);
		else
			api_fail(o, 400, "InvalidNetworkInterfaceID.NotFound",
				 "The networkInterface ID '%s' does not exist", id);
		return NULL;
	}
	if (v != vpc) {
		api_fail(o, 400, "InvalidParameterValue",
			 "route table and interface of '%s' belong to different networks", id);
		return NULL;
	}
	return in->name.s;
}

/* The implicit main table written out: `{ name: main, main: true, routes: [] }` appended. */
static struct lab_route_table *materialise_main(struct lab *m, struct lab_vpc *v)
{
	struct lab_route_table *nv = lab_alloc(m, (v->n_route_tables + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	if (v->n_route_tables)
		memcpy(nv, v->route_tables, v->n_route_tables * sizeof(*nv));
	struct lab_route_table *t = &nv[v->n_route_tables];
	t->at = v->at;
	t->name = ec2_str(m, "main", v->at);
	t->main = (struct lab_bool){.v = true, .set = true, .at = v->at};
	if (!t->name.s)
		return NULL;
	v->route_tables = nv;
	v->n_route_tables++;
	return t;
}

/* The route of t to dst, or -1. Routes compare by their canonical prefix. */
static long find_route(const struct lab_route_table *t, struct prefix4 dst)
{
	for (size_t i = 0; t && i < t->n_routes; i++) {
		struct prefix4 p;
		if (t->routes[i].destination.s && prefix_parse(t->routes[i].destination.s, &p, true) == 0 &&
		    p.addr == dst.addr && p.len == dst.len)
			return (long)i;
	}
	return -1;
}

int ec2_route_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	const struct api_req *r = arg;
	enum route_op op = op_of(r);
	const char *rtb = api_param(r, "RouteTableId"), *cidr = api_param(r, "DestinationCidrBlock");
	if (!rtb)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter routeTableId");
	if (!cidr) {
		if (api_param(r, "DestinationIpv6CidrBlock") || api_param(r, "DestinationPrefixListId"))
			return api_fail(o, 400, "InvalidParameterValue",
					"vpclab routes IPv4 only: give DestinationCidrBlock");
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter destinationCidrBlock");
	}
	struct ec2_rtb ref;
	if (r->other_region || ec2_find_rtb(c->lab, m, rtb, &ref) < 0)
		return api_fail(o, 400, "InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", rtb);
	struct prefix4 dst;
	if (prefix_parse(cidr, &dst, false) < 0)
		return api_fail(o, 400, "InvalidParameterValue",
				"Value (%s) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.", cidr);
	char canon[32];
	snprintf(canon, sizeof(canon), "%u.%u.%u.%u/%u", dst.addr >> 24, (dst.addr >> 16) & 255,
		 (dst.addr >> 8) & 255, dst.addr & 255, dst.len);
	long at = find_route(ref.t, dst);
	bool vpc_cidr = ref.vpc->prefix_ok && ref.vpc->prefix.addr == dst.addr && ref.vpc->prefix.len == dst.len;
	if (op == ROUTE_CREATE && (at >= 0 || vpc_cidr))
		return api_fail(o, 400, "RouteAlreadyExists", "The route identified by %s already exists.", canon);
	if (op != ROUTE_CREATE && at < 0) {
		if (vpc_cidr)
			return api_fail(o, 400, "InvalidParameterValue",
					"cannot remove local route %s in route table %s", canon, rtb);
		return api_fail(o, 400, "InvalidRoute.NotFound",
				"no route with destination-cidr-block %s in route table %s", canon, rtb);
	}
	if (op == ROUTE_DELETE) {
		struct lab_route_table *t = ref.t;
		memmove(&t->routes[at], &t->routes[at + 1], (t->n_routes - (size_t)at - 1) * sizeof(t->routes[0]));
		t->n_routes--;
		return 0;
	}
	const char *target = target_of(c, m, r, ref.vpc, o);
	if (!target)
		return -1;
	struct lab_route_table *t = ref.t ? ref.t : materialise_main(m, ref.vpc);
	if (!t)
		return api_fail(o, 500, "InternalError", "Out of memory");
	struct loc where = t->at;
	struct lab_str tg = ec2_str(m, target, where), ds = ec2_str(m, canon, where);
	if (!tg.s || !ds.s)
		return api_fail(o, 500, "InternalError", "Out of memory");
	if (op == ROUTE_REPLACE) {
		t->routes[at].target = tg;
		return 0;
	}
	struct lab_route *nv = lab_alloc(m, (t->n_routes + 1) * sizeof(*nv));
	if (!nv)
		return api_fail(o, 500, "InternalError", "Out of memory");
	if (t->n_routes)
		memcpy(nv, t->routes, t->n_routes * sizeof(*nv));
	nv[t->n_routes] = (struct lab_route){.at = where, .destination = ds, .target = tg};
	t->routes = nv;
	t->n_routes++;
	return 0;
}

void ec2_return_true(struct api_out *o)
{
	xml_bool(&o->x, "return", 1);
}

static int route_call(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	if (api_change(c, ec2_route_edit, (void *)r, o) < 0)
		return -1;
	ec2_return_true(o);
	return 0;
}

int ec2_create_route(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return route_call(c, r, o);
}

int ec2_replace_route(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return route_call(c, r, o);
}

int ec2_delete_route(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return route_call(c, r, o);
}
