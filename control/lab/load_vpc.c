/* The loader's schemas for everything inside a VPC: subnets, route tables, network ACLs, security
 * groups, NAT gateways, instances (load balancers: load_lb.c). Structure only (keys, types, required keys); the meaning of
 * the values is check.c's. load.c walks the top of the file and calls in through ld_vpc_schema. */
#include <stddef.h>

#include "control/lab/load.h"

static const struct ld_field subnet_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_subnet, name), NULL },
	{ "cidr", LD_STR, true, offsetof(struct lab_subnet, cidr), NULL },
	{ "az", LD_STR, false, offsetof(struct lab_subnet, az), NULL },
	{ "route_table", LD_STR, false, offsetof(struct lab_subnet, route_table), NULL },
	{ "network_acl", LD_STR, false, offsetof(struct lab_subnet, network_acl), NULL },
	{ "map_public_ip", LD_BOOL, false, offsetof(struct lab_subnet, map_public_ip), NULL },
};
static const struct ld_schema subnet_schema = { "subnet", subnet_fields, LD_N(subnet_fields) };

static const struct ld_field route_fields[] = {
	{ "destination", LD_STR, true, offsetof(struct lab_route, destination), NULL },
	{ "target", LD_STR, true, offsetof(struct lab_route, target), NULL },
};
static const struct ld_schema route_schema = { "route", route_fields, LD_N(route_fields) };

static void ld_rt_routes(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_route_table *t = obj;
	t->routes = ld_seq(l, n, "routes", "route table", &route_schema, sizeof(*t->routes),
			   &t->n_routes);
}

static const struct ld_field rt_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_route_table, name), NULL },
	{ "main", LD_BOOL, false, offsetof(struct lab_route_table, main), NULL },
	{ "routes", LD_CALL, false, 0, ld_rt_routes },
};
static const struct ld_schema rt_schema = { "route table", rt_fields, LD_N(rt_fields) };

#define LD_MATCH_FIELDS(type)                                                          \
	{ "protocol", LD_STR, true, offsetof(type, match.protocol), NULL },            \
	{ "ports", LD_STR, false, offsetof(type, match.ports), NULL },                 \
	{ "icmp_type", LD_INT, false, offsetof(type, match.icmp_type), NULL },         \
	{ "icmp_code", LD_INT, false, offsetof(type, match.icmp_code), NULL }

static const struct ld_field acl_rule_fields[] = {
	{ "rule", LD_INT, true, offsetof(struct lab_acl_rule, rule), NULL },
	{ "action", LD_STR, true, offsetof(struct lab_acl_rule, action), NULL },
	{ "cidr", LD_STR, true, offsetof(struct lab_acl_rule, cidr), NULL },
	LD_MATCH_FIELDS(struct lab_acl_rule),
};
static const struct ld_schema acl_rule_schema = {
	"network acl rule", acl_rule_fields, LD_N(acl_rule_fields)
};

static void ld_acl_in(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_acl *a = obj;
	a->in = ld_seq(l, n, "inbound", "network acl", &acl_rule_schema, sizeof(*a->in), &a->n_in);
}

static void ld_acl_out(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_acl *a = obj;
	a->out = ld_seq(l, n, "outbound", "network acl", &acl_rule_schema, sizeof(*a->out), &a->n_out);
}

static const struct ld_field acl_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_acl, name), NULL },
	{ "inbound", LD_CALL, false, 0, ld_acl_in },
	{ "outbound", LD_CALL, false, 0, ld_acl_out },
};
static const struct ld_schema acl_schema = { "network acl", acl_fields, LD_N(acl_fields) };

static const struct ld_field sg_rule_fields[] = {
	{ "cidr", LD_STR, false, offsetof(struct lab_sg_rule, cidr), NULL },
	{ "group", LD_STR, false, offsetof(struct lab_sg_rule, group), NULL },
	LD_MATCH_FIELDS(struct lab_sg_rule),
};
static const struct ld_schema sg_rule_schema = {
	"security group rule", sg_rule_fields, LD_N(sg_rule_fields)
};

static void ld_sg_in(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_sg *g = obj;
	g->in = ld_seq(l, n, "inbound", "security group", &sg_rule_schema, sizeof(*g->in), &g->n_in);
}

static void ld_sg_out(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_sg *g = obj;
	g->out = ld_seq(l, n, "outbound", "security group", &sg_rule_schema, sizeof(*g->out),
			&g->n_out);
	g->out_set = n->type == YAML_SEQUENCE_NODE;
}

static const struct ld_field sg_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_sg, name), NULL },
	{ "description", LD_STR, false, offsetof(struct lab_sg, description), NULL },
	{ "inbound", LD_CALL, false, 0, ld_sg_in },
	{ "outbound", LD_CALL, false, 0, ld_sg_out },
};
static const struct ld_schema sg_schema = { "security group", sg_fields, LD_N(sg_fields) };

static const struct ld_field natgw_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_natgw, name), NULL },
	{ "subnet", LD_STR, true, offsetof(struct lab_natgw, subnet), NULL },
	{ "elastic_ip", LD_STR, true, offsetof(struct lab_natgw, elastic_ip), NULL },
	{ "ip", LD_STR, false, offsetof(struct lab_natgw, ip), NULL },
};
static const struct ld_schema natgw_schema = { "nat gateway", natgw_fields, LD_N(natgw_fields) };

static const struct ld_field inst_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_instance, name), NULL },
	{ "subnet", LD_STR, true, offsetof(struct lab_instance, subnet), NULL },
	{ "ip", LD_STR, false, offsetof(struct lab_instance, ip), NULL },
	{ "security_groups", LD_NAMES, false, offsetof(struct lab_instance, security_groups), NULL },
	{ "source_dest_check", LD_BOOL, false, offsetof(struct lab_instance, source_dest_check), NULL },
	{ "public_ip", LD_BOOL, false, offsetof(struct lab_instance, public_ip), NULL },
	{ "run", LD_STR, false, offsetof(struct lab_instance, run), NULL },
};
static const struct ld_schema inst_schema = { "instance", inst_fields, LD_N(inst_fields) };

static void ld_vpc_subnets(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->subnets = ld_seq(l, n, "subnets", "vpc", &subnet_schema, sizeof(*v->subnets),
			    &v->n_subnets);
}

static void ld_vpc_rts(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->route_tables = ld_seq(l, n, "route_tables", "vpc", &rt_schema, sizeof(*v->route_tables),
				 &v->n_route_tables);
}

static void ld_vpc_acls(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->acls = ld_seq(l, n, "network_acls", "vpc", &acl_schema, sizeof(*v->acls), &v->n_acls);
}

static void ld_vpc_sgs(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->sgs = ld_seq(l, n, "security_groups", "vpc", &sg_schema, sizeof(*v->sgs), &v->n_sgs);
}

static void ld_vpc_natgws(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->natgws = ld_seq(l, n, "nat_gateways", "vpc", &natgw_schema, sizeof(*v->natgws),
			   &v->n_natgws);
}

static void ld_vpc_instances(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->instances = ld_seq(l, n, "instances", "vpc", &inst_schema, sizeof(*v->instances),
			      &v->n_instances);
}

static void ld_vpc_tgs(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->tgs = ld_seq(l, n, "target_groups", "vpc", &ld_tg_schema, sizeof(*v->tgs), &v->n_tgs);
}

static void ld_vpc_lbs(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->lbs = ld_seq(l, n, "load_balancers", "vpc", &ld_lb_schema, sizeof(*v->lbs), &v->n_lbs);
}

static void ld_vpc_lts(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->templates = ld_seq(l, n, "launch_templates", "vpc", &ld_lt_schema, sizeof(*v->templates),
			      &v->n_templates);
}

static void ld_vpc_asgs(struct ld *l, yaml_node_t *n, void *obj)
{
	struct lab_vpc *v = obj;
	v->asgs = ld_seq(l, n, "auto_scaling_groups", "vpc", &ld_asg_schema, sizeof(*v->asgs),
			 &v->n_asgs);
}

static const struct ld_field vpc_fields[] = {
	{ "name", LD_STR, true, offsetof(struct lab_vpc, name), NULL },
	{ "cidr", LD_STR, true, offsetof(struct lab_vpc, cidr), NULL },
	{ "internet_gateway", LD_BOOL, false, offsetof(struct lab_vpc, internet_gateway), NULL },
	{ "dns", LD_CALL, false, 0, ld_vpc_dns },
	{ "subnets", LD_CALL, false, 0, ld_vpc_subnets },
	{ "route_tables", LD_CALL, false, 0, ld_vpc_rts },
	{ "network_acls", LD_CALL, false, 0, ld_vpc_acls },
	{ "security_groups", LD_CALL, false, 0, ld_vpc_sgs },
	{ "nat_gateways", LD_CALL, false, 0, ld_vpc_natgws },
	{ "instances", LD_CALL, false, 0, ld_vpc_instances },
	{ "target_groups", LD_CALL, false, 0, ld_vpc_tgs },
	{ "load_balancers", LD_CALL, false, 0, ld_vpc_lbs },
	{ "launch_templates", LD_CALL, false, 0, ld_vpc_lts },
	{ "auto_scaling_groups", LD_CALL, false, 0, ld_vpc_asgs },
};
const struct ld_schema ld_vpc_schema = { "vpc", vpc_fields, LD_N(vpc_fields) };
