/* The third step of the control plane: a checked model -> struct vl_tables (vpclab/tables.h),
 * the immutable snapshot the data plane runs on. It adds what AWS creates implicitly per VPC (the
 * main route table, the default network ACL, the default security group, the local route, a new
 * group's allow-all outbound rule) and follows the index layout lab_check fixed in the model
 * (gidx fields). Comes after check.c; dp_tables_prepare (data plane) comes next. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/model.h"

struct cp {
	const struct lab *m;
	struct vl_tables *t;
	uint32_t n_routes, n_acl_rules, n_sg_rules;   /* filled so far */
};

#define CP_ANY ((struct prefix4){ 0, 0 })
#define CP_ALL_TRAFFIC ((struct vl_match){ -1, 0, 65535, -1, -1 })

static void cp_name(char dst[VL_NAME_MAX], const char *src)
{
	snprintf(dst, VL_NAME_MAX, "%s", src ? src : "");
}

/* Sizes of the rule arrays, implicit entries included. */
static void cp_count(const struct lab *m, struct vl_tables *t)
{
	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct lab_vpc *v = &m->vpcs[i];
		t->n_routes += v->implicit_rt != VL_NONE;
		for (size_t j = 0; j < v->n_route_tables; j++) {
			t->n_routes += 1;
			for (size_t r = 0; r < v->route_tables[j].n_routes; r++)
				t->n_routes += !v->route_tables[j].routes[r].restates_local;
		}
		t->n_acl_rules += lab_vpc_default_acl(v) ? 0 : 2;
		for (size_t j = 0; j < v->n_acls; j++)
			t->n_acl_rules += (uint32_t)(v->acls[j].n_in + v->acls[j].n_out);
		t->n_sg_rules += lab_vpc_default_sg(v) ? 0 : 2;
		for (size_t j = 0; j < v->n_sgs; j++)
			t->n_sg_rules += (uint32_t)(v->sgs[j].n_in +
						    (v->sgs[j].out_set ? v->sgs[j].n_out : 1));
	}
}

static bool cp_alloc(struct vl_tables *t)
{
#define CP_ARRAY(field, n) ((t->field = calloc((n) ? (n) : 1, sizeof(*t->field))) != NULL)
	return CP_ARRAY(vpcs, t->n_vpcs) && CP_ARRAY(subnets, t->n_subnets) &&
	       CP_ARRAY(route_tables, t->n_route_tables) && CP_ARRAY(routes, t->n_routes) &&
	       CP_ARRAY(acls, t->n_acls) && CP_ARRAY(acl_rules, t->n_acl_rules) &&
	       CP_ARRAY(sgs, t->n_sgs) && CP_ARRAY(sg_rules, t->n_sg_rules) &&
	       CP_ARRAY(ports, t->n_ports) && CP_ARRAY(natgws, t->n_natgws) &&
	       CP_ARRAY(eips, t->n_eips) && CP_ARRAY(lbs, t->n_lbs) && CP_ARRAY(tgs, t->n_tgs) &&
	       CP_ARRAY(listeners, t->n_listeners) && CP_ARRAY(lb_rules, t->n_lb_rules) &&
	       CP_ARRAY(targets, t->n_targets) && CP_ARRAY(lb_nodes, t->n_lb_nodes);
#undef CP_ARRAY
}

/* Route tables: every one starts with the local route (VPC CIDR -> local). */

static void cp_route_table(struct cp *c, const struct lab_vpc *v, uint16_t idx,
			   const struct lab_route_table *src)
{
	struct vl_route_table *rt = &c->t->route_tables[idx];
	cp_name(rt->name, src ? src->name.s : "main");
	rt->vpc = v->gidx;
	rt->lpm_root = -1;
	rt->route_first = c->n_routes;
	c->t->routes[c->n_routes++] = (struct vl_route){ v->prefix, VL_T_LOCAL, VL_NONE };
	for (size_t i = 0; src && i < src->n_routes; i++) {
		const struct lab_route *r = &src->routes[i];
		if (!r->restates_local)
			c->t->routes[c->n_routes++] = (struct vl_route){ r->dst, r->kind, r->target_idx };
	}
	rt->route_count = c->n_routes - rt->route_first;
}

/* Network ACLs: rules ascending by number inside each direction. */

static int cp_acl_rule_cmp(const void *pa, const void *pb)
{
	const struct vl_acl_rule *a = pa, *b = pb;
	return (int)a->number - (int)b->number;
}

static uint32_t cp_acl_dir(struct cp *c, const struct lab_acl_rule *r, size_t n, uint32_t *count)
{
	uint32_t first = c->n_acl_rules;
	for (size_t i = 0; i < n; i++)
		c->t->acl_rules[c->n_acl_rules++] = (struct vl_acl_rule){
			(uint16_t)r[i].rule.v, r[i].allow, r[i].match.m, r[i].prefix
		};
	qsort(&c->t->acl_rules[first], n, sizeof(struct vl_acl_rule), cp_acl_rule_cmp);
	*count = (uint32_t)n;
	return first;
}

/* The VPC's implicit default ACL: rule 100 allows everything both ways. A declared `default`
 * (check gave it the same index) has exactly its written rules instead. */
static void cp_default_acl(struct cp *c, const struct lab_vpc *v)
{
	struct vl_acl *a = &c->t->acls[v->default_acl];
	const struct vl_acl_rule all = { 100, 1, CP_ALL_TRAFFIC, CP_ANY };
	cp_name(a->name, "default");
	a->vpc = v->gidx;
	a->in_first = c->n_acl_rules;
	a->in_count = 1;
	c->t->acl_rules[c->n_acl_rules++] = all;
	a->out_first = c->n_acl_rules;
	a->out_count = 1;
	c->t->acl_rules[c->n_acl_rules++] = all;
}

static void cp_acls(struct cp *c, const struct lab_vpc *v)
{
	if (!lab_vpc_default_acl(v))
		cp_default_acl(c, v);
	for (size_t i = 0; i < v->n_acls; i++) {
		const struct lab_acl *src = &v->acls[i];
		struct vl_acl *a = &c->t->acls[src->gidx];
		cp_name(a->name, src->name.s);
		a->vpc = v->gidx;
		a->in_first = cp_acl_dir(c, src->in, src->n_in, &a->in_count);
		a->out_first = cp_acl_dir(c, src->out, src->n_out, &a->out_count);
	}
}

/* Security groups. */

static void cp_sg_rule(struct cp *c, struct vl_match m, struct prefix4 cidr, uint16_t peer,
		       uint16_t index)
{
	c->t->sg_rules[c->n_sg_rules++] = (struct vl_sg_rule){ m, cidr, peer, index };
}

static uint32_t cp_sg_dir(struct cp *c, const struct lab_sg_rule *r, size_t n, uint32_t *count)
{
	uint32_t first = c->n_sg_rules;
	for (size_t i = 0; i < n; i++)
		cp_sg_rule(c, r[i].match.m, r[i].peer == VL_NONE ? r[i].prefix : CP_ANY, r[i].peer,
			   (uint16_t)(i + 1));
	*count = (uint32_t)n;
	return first;
}

/* The implicit default group: inbound from its own members, outbound anywhere. A declared group
 * without `outbound:` gets the allow-all outbound rule of a new AWS group; a declared `default`
 * (check gave it the implicit one's index) has exactly its written rules. */
static void cp_sgs(struct cp *c, const struct lab_vpc *v)
{
	if (!lab_vpc_default_sg(v)) {
		struct vl_sg *d = &c->t->sgs[v->default_sg];
		cp_name(d->name, "default");
		d->vpc = v->gidx;
		d->in_first = c->n_sg_rules;
		d->in_count = d->out_count = 1;
		cp_sg_rule(c, CP_ALL_TRAFFIC, CP_ANY, v->default_sg, 1);
		d->out_first = c->n_sg_rules;
		cp_sg_rule(c, CP_ALL_TRAFFIC, CP_ANY, VL_NONE, 1);
	}
	for (size_t i = 0; i < v->n_sgs; i++) {
		const struct lab_sg *src = &v->sgs[i];
		struct vl_sg *g = &c->t->sgs[src->gidx];
		cp_name(g->name, src->name.s);
		g->vpc = v->gidx;
		g->in_first = cp_sg_dir(c, src->in, src->n_in, &g->in_count);
		if (src->out_set) {
			g->out_first = cp_sg_dir(c, src->out, src->n_out, &g->out_count);
		} else {
			g->out_first = c->n_sg_rules;
			g->out_count = 1;
			cp_sg_rule(c, CP_ALL_TRAFFIC, CP_ANY, VL_NONE, 1);
		}
	}
}

/* Ports: instances (all VPCs, file order), then internet hosts, then load balancer nodes
 * (compile_lb.c), then the resolver when the lab has a VPC. */

static void cp_instance(struct cp *c, const struct lab_instance *x)
{
	struct vl_port *p = &c->t->ports[x->gidx];
	const struct vl_subnet *s = &c->t->subnets[x->subnet_idx];
	cp_name(p->name, x->name.s);
	p->kind = VL_PORT_INSTANCE;
	p->src_dst_check = x->source_dest_check.set ? x->source_dest_check.v : 1;
	vl_port_mac(p->mac, x->gidx);
	p->ip = x->addr;
	p->prefix_len = s->cidr.len;
	p->gateway = s->cidr.addr + 1;
	p->public_ip = x->public_addr;
	p->eip = x->eip;
	p->lb = VL_NONE;
	p->subnet = x->subnet_idx;
	p->vpc = x->vpc;
	p->sg_count = x->n_sgs;
	memcpy(p->sgs, x->sgs, sizeof(p->sgs));
	p->mtu = VL_VPC_MTU;
}

static void cp_host(struct cp *c, const struct lab_host *h)
{
	struct vl_port *p = &c->t->ports[h->gidx];
	cp_name(p->name, h->name.s);
	p->kind = VL_PORT_INET_HOST;
	p->src_dst_check = 1;
	vl_port_mac(p->mac, h->gidx);
	p->ip = h->addr;
	p->prefix_len = 32;
	p->gateway = 0;
	p->public_ip = 0;
	p->eip = p->subnet = p->vpc = p->lb = VL_NONE;
	p->sg_count = 0;
	p->mtu = VL_IGW_MTU;
}

/* The lab's resolver (tables_dns.h): the last port, an internet host at 192.0.2.53 for the
 * data plane; its namespace also owns 169.254.253.0/24 (control/router/ports.c). */
static void cp_resolver(struct vl_tables *t, uint16_t i)
{
	struct vl_port *p = &t->ports[i];
	cp_name(p->name, VL_RESOLVER_NAME);
	p->kind = VL_PORT_RESOLVER;
	p->src_dst_check = 1;
	vl_port_mac(p->mac, i);
	p->ip = VL_RESOLVER_PUBLIC;
	p->prefix_len = 32;
	p->gateway = 0;
	p->public_ip = 0;
	p->eip = p->subnet = p->vpc = p->lb = VL_NONE;
	p->sg_count = 0;
	p->mtu = VL_IGW_MTU;
	t->resolver_port = i;
}

static void cp_vpc(struct cp *c, const struct lab_vpc *v)
{
	struct vl_tables *t = c->t;
	cp_name(t->vpcs[v->gidx].name, v->name.s);
	t->vpcs[v->gidx].cidr = v->prefix;
	t->vpcs[v->gidx].has_igw = v->internet_gateway.v;
	if (v->implicit_rt != VL_NONE)
		cp_route_table(c, v, v->implicit_rt, NULL);
	for (size_t i = 0; i < v->n_route_tables; i++)
		cp_route_table(c, v, v->route_tables[i].gidx, &v->route_tables[i]);
	cp_acls(c, v);
	cp_sgs(c, v);
	for (size_t i = 0; i < v->n_subnets; i++) {
		const struct lab_subnet *s = &v->subnets[i];
		struct vl_subnet *d = &t->subnets[s->gidx];
		*d = (struct vl_subnet){ .vpc = v->gidx, .cidr = s->prefix, .route_table = s->rt,
					 .acl = s->acl };
		cp_name(d->name, s->name.s);
		cp_name(d->az, s->az.s);
	}
	for (size_t i = 0; i < v->n_natgws; i++) {
		const struct lab_natgw *g = &v->natgws[i];
		struct vl_natgw *d = &t->natgws[g->gidx];
		cp_name(d->name, g->name.s);
		d->vpc = v->gidx;
		d->subnet = g->subnet_idx;
		d->ip = g->addr;
		d->eip = g->eip;
	}
}

/* Returns the tables (caller frees with vl_tables_free), or NULL with errno EINVAL (the model was
 * not checked clean) or ENOMEM. */
struct vl_tables *lab_compile(const struct lab *m)
{
	if (!m || !m->checked_ok) {
		errno = EINVAL;
		return NULL;
	}
	struct vl_tables *t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	snprintf(t->lab, sizeof(t->lab), "%s", lab_name(m));
	t->generation = 1;
	memcpy(t->router_mac, (const uint8_t[6]){ 0x02, 0x56, 0x4c, 0xff, 0xff, 0xfe }, 6);
	t->public_pool = m->pool;
	snprintf(t->region, sizeof(t->region), "%s", lab_region(m));
	t->resolver_port = VL_NONE; /* set by cp_resolver when the lab has a VPC */
	t->n_vpcs = (uint16_t)m->n_vpcs;
	t->n_subnets = m->n_subnets;
	t->n_route_tables = m->n_rts;
	t->n_acls = m->n_acls;
	t->n_sgs = m->n_sgs;
	t->n_ports = (uint16_t)(m->n_instances + m->n_hosts + m->n_nodes + (m->n_vpcs > 0));
	t->n_natgws = m->n_natgws;
	t->n_eips = (uint16_t)m->n_eips;
	t->n_tgs = m->n_tgs;
	t->n_lbs = m->n_lbs;
	t->n_targets = m->n_targets;
	t->n_listeners = m->n_listeners;
	t->n_lb_rules = m->n_lb_rules;
	t->n_lb_nodes = m->n_nodes;
	cp_count(m, t);
	if (!cp_alloc(t))
		goto oom;
	struct cp c = { m, t, 0, 0, 0 };
	for (size_t i = 0; i < m->n_vpcs; i++)
		cp_vpc(&c, &m->vpcs[i]);
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			cp_instance(&c, &m->vpcs[v].instances[i]);
	for (size_t i = 0; i < m->n_hosts; i++)
		cp_host(&c, &m->hosts[i]);
	for (size_t i = 0; i < m->n_eips; i++) {
		const struct lab_eip *e = &m->eips[i];
		cp_name(t->eips[i].name, e->name.s);
		t->eips[i].ip = e->addr;
		t->eips[i].port = e->port;
		t->eips[i].natgw = e->natgw;
	}
	lab_compile_lb(m, t);
	if (m->n_vpcs > 0)
		cp_resolver(t, (uint16_t)(t->n_ports - 1));
	if (lab_compile_dns(m, t) < 0 || lab_compile_asg(m, t) < 0)
		goto oom;
	return t;
oom:
	vl_tables_free(t);
	errno = ENOMEM;
	return NULL;
}
