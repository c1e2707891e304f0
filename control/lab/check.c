/* The second step of the control plane: the loaded model -> a checked, complete model. This file
 * runs the whole check (lab_check), and does the parts that come first: limits, names, the
 * layout of table indexes (which compile.c follows), VPC and subnet CIDRs, and the references of
 * subnets, NAT gateways and instances. Rules and routes are in check_rules.c, addresses in
 * check_addr.c. Every error is reported, none stops the check; compile.c comes next. */
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

int ck_loc_cmp(struct loc a, struct loc b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.col < b.col ? -1 : a.col > b.col;
}

static int ck_key_cmp(const void *pa, const void *pb)
{
	const struct ck_key *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void ck_dups(struct ck_key *k, size_t n, void (*dup)(void *ctx, size_t later, size_t first),
	     void *ctx)
{
	qsort(k, n, sizeof(*k), ck_key_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (k[i].key != k[first].key)
			first = i;
		else
			dup(ctx, k[i].idx, k[first].idx);
	}
}

bool ck_cidr(struct ck *c, const struct lab_str *s, struct prefix4 *out)
{
	struct prefix4 p;
	char buf[20];
	if (!s->s)
		return false;
	if (prefix_parse(s->s, out, false) == 0)
		return true;
	if (prefix_parse(s->s, &p, true) == 0)
		diag_error(c->d, s->at, "%s has host bits set; did you mean %s?", s->s,
			   prefix_fmt(p, buf));
	else
		diag_error(c->d, s->at, "'%s' is not a valid cidr (a.b.c.d/len)", CK_SHOW(s->s));
	return false;
}

bool ck_ip(struct ck *c, const struct lab_str *s, uint32_t *out)
{
	if (!s->s)
		return false;
	if (addr_parse(s->s, out) == 0)
		return true;
	diag_error(c->d, s->at, "'%s' is not a valid ipv4 address", CK_SHOW(s->s));
	return false;
}

const char *ck_vpc_name(const struct ck *c, uint16_t v)
{
	if (v >= c->m->n_vpcs || !c->m->vpcs[v].name.s)
		return "?";
	return c->m->vpcs[v].name.s;
}

/* Names. */

static bool ck_name_ok(const char *s)
{
	if (!s || *s < 'a' || *s > 'z' || strlen(s) > VL_NAME_MAX - 1)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static void ck_name(struct ck *c, const struct lab_str *n, const char *kind)
{
	if (!n->s || ck_name_ok(n->s))
		return;
	if (strlen(n->s) > VL_NAME_MAX - 1)
		diag_error(c->d, n->at, "%s name '%s' is longer than 15 characters", kind, CK_SHOW(n->s));
	else
		diag_error(c->d, n->at, "%s name '%s' must match [a-z][a-z0-9-]*", kind, CK_SHOW(n->s));
}

static void ck_reserved(struct ck *c, const struct lab_str *n, const char *kind,
			const char *word, const char *why)
{
	if (n->s && !strcmp(n->s, word))
		diag_error(c->d, n->at, "%s name '%s' is reserved %s", kind, word, why);
}

struct ck_named {
	const struct lab_str *name;
	const char *kind;
	int group;       /* names must be unique within a group */
};

struct ck_names {
	struct ck_named *v;
	size_t n;
};

static void ck_named_add(struct ck_names *ns, const struct lab_str *name, const char *kind,
			 int group)
{
	if (ns->v && name->s)
		ns->v[ns->n++] = (struct ck_named){ name, kind, group };
}

static int ck_named_cmp(const void *pa, const void *pb)
{
	const struct ck_named *a = pa, *b = pb;
	if (a->group != b->group)
		return a->group - b->group;
	int r = strcmp(a->name->s, b->name->s);
	return r ? r : ck_loc_cmp(a->name->at, b->name->at);
}

/* Unique within their kind across the lab; instances and internet hosts share one kind. */
static void ck_unique(struct ck *c, struct ck_names *ns)
{
	qsort(ns->v, ns->n, sizeof(*ns->v), ck_named_cmp);
	for (size_t i = 1, first = 0; i < ns->n; i++) {
		const struct ck_named *a = &ns->v[first], *b = &ns->v[i];
		if (a->group != b->group || strcmp(a->name->s, b->name->s)) {
			first = i;
			continue;
		}
		diag_error(c->d, b->name->at, "%s name '%s' is already used by the %s at %d:%d",
			   b->kind, CK_SHOW(b->name->s), a->kind, a->name->at.line, a->name->at.col);
	}
}

/* The resolver's port and namespace (LAB-amazon-dns) take this name (tables_dns.h). */
#define CK_RESOLVER_WHY "for the lab's DNS resolver (its namespace is LAB-" VL_RESOLVER_NAME ")"

static bool ck_is_default(const struct lab_str *n)
{
	return n->s && !strcmp(n->s, "default");
}

static void ck_vpc_names(struct ck *c, struct ck_names *ns, const struct lab_vpc *v)
{
	static const char *const target = "(a route target)";
	for (size_t i = 0; i < v->n_subnets; i++)
		ck_named_add(ns, &v->subnets[i].name, "subnet", 1);
	for (size_t i = 0; i < v->n_route_tables; i++) {
		const struct lab_route_table *t = &v->route_tables[i];
		ck_named_add(ns, &t->name, "route table", 2);
		if (!t->main.v)
			ck_reserved(c, &t->name, "route table", "main",
				    "for the vpc's main table: add 'main: true' or pick another name");
	}
	/* `default` declared is that VPC's default ACL/group: every VPC has one (a second in the
	 * same VPC is ck_layout_vpc's error), so it is not a lab-wide name. */
	for (size_t i = 0; i < v->n_acls; i++)
		if (!ck_is_default(&v->acls[i].name))
			ck_named_add(ns, &v->acls[i].name, "network acl", 3);
	for (size_t i = 0; i < v->n_sgs; i++)
		if (!ck_is_default(&v->sgs[i].name))
			ck_named_add(ns, &v->sgs[i].name, "security group", 4);
	for (size_t i = 0; i < v->n_natgws; i++)
		ck_named_add(ns, &v->natgws[i].name, "nat gateway", 5);
	for (size_t i = 0; i < v->n_instances; i++) {
		ck_named_add(ns, &v->instances[i].name, "instance", 6);
		ck_reserved(c, &v->instances[i].name, "instance", VL_RESOLVER_NAME, CK_RESOLVER_WHY);
	}
	/* A load balancer shares the instances' names: `to:` and trace name either. */
	for (size_t i = 0; i < v->n_lbs; i++) {
		ck_named_add(ns, &v->lbs[i].name, "load balancer", 6);
		ck_reserved(c, &v->lbs[i].name, "load balancer", VL_RESOLVER_NAME, CK_RESOLVER_WHY);
	}
	for (size_t i = 0; i < v->n_tgs; i++)
		ck_named_add(ns, &v->tgs[i].name, "target group", 8);
	for (size_t i = 0; i < v->n_templates; i++)
		ck_named_add(ns, &v->templates[i].name, "launch template", 9);
	for (size_t i = 0; i < v->n_asgs; i++)
		ck_named_add(ns, &v->asgs[i].name, "auto scaling group", 10);
	static const char *const words[] = { "igw", "local", "blackhole" };
	for (size_t w = 0; w < 3; w++) {
		for (size_t i = 0; i < v->n_natgws; i++)
			ck_reserved(c, &v->natgws[i].name, "nat gateway", words[w], target);
		for (size_t i = 0; i < v->n_instances; i++)
			ck_reserved(c, &v->instances[i].name, "instance", words[w], target);
	}
}

static void ck_all_names(struct ck *c, size_t total)
{
	struct lab *m = c->m;
	struct ck_names ns = { calloc(total ? total : 1, sizeof(struct ck_named)), 0 };
	if (!ns.v)
		c->oom = true;
	for (size_t i = 0; i < m->n_vpcs; i++) {
		ck_named_add(&ns, &m->vpcs[i].name, "vpc", 0);
		ck_vpc_names(c, &ns, &m->vpcs[i]);
	}
	for (size_t i = 0; i < m->n_hosts; i++) {
		ck_named_add(&ns, &m->hosts[i].name, "internet host", 6);
		ck_reserved(c, &m->hosts[i].name, "internet host", VL_RESOLVER_NAME, CK_RESOLVER_WHY);
	}
	for (size_t i = 0; i < m->n_eips; i++)
		ck_named_add(&ns, &m->eips[i].name, "elastic ip", 7);
	for (size_t i = 0; i < ns.n; i++)
		ck_name(c, ns.v[i].name, ns.v[i].kind);
	ck_unique(c, &ns);
	free(ns.v);
}

/* The lab name becomes the LAB in namespace names LAB-NAME. */
static void ck_lab_name(struct ck *c)
{
	struct lab *m = c->m;
	if (m->name.s) {
		ck_name(c, &m->name, "lab");
		return;
	}
	if (!ck_name_ok(m->stem))
		diag_error(c->d, (struct loc){ m->file, 1, 1 },
			   "lab name '%s' (the file name) must match [a-z][a-z0-9-]*, at most 15 "
			   "characters: set 'name:' in the file", CK_SHOW(m->stem));
}

/* Limits and layout. */

struct ck_totals {
	size_t subnets, rts, acls, sgs, natgws, instances, names;
	size_t tgs, lbs, nodes, targets, listeners, lb_rules;
	size_t asg_names;    /* launch templates and auto scaling groups */
};

static struct ck_totals ck_count(const struct lab *m)
{
	struct ck_totals t = { 0 };
	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct lab_vpc *v = &m->vpcs[i];
		t.subnets += v->n_subnets;
		t.rts += v->n_route_tables + 1;
		t.acls += v->n_acls + 1;
		t.sgs += v->n_sgs + 1;
		t.natgws += v->n_natgws;
		t.instances += v->n_instances;
		t.tgs += v->n_tgs;
		t.lbs += v->n_lbs;
		t.asg_names += v->n_templates + v->n_asgs;
		for (size_t j = 0; j < v->n_tgs; j++)
			t.targets += v->tgs[j].n_targets;
		for (size_t j = 0; j < v->n_lbs; j++) {
			t.nodes += v->lbs[j].n_nodes;
			t.listeners += v->lbs[j].n_listeners;
			for (size_t k = 0; k < v->lbs[j].n_listeners; k++)
				t.lb_rules += v->lbs[j].listeners[k].n_rules;
		}
	}
	t.names = m->n_vpcs + t.subnets + t.rts + t.acls + t.sgs + t.natgws + t.instances +
		  m->n_hosts + m->n_eips + t.tgs + t.lbs + t.asg_names;
	return t;
}

/* Every table index is a uint16_t with VL_NONE reserved. */
static bool ck_limits(struct ck *c, const struct ck_totals *t)
{
	const struct { const char *what; size_t n; } l[] = {
		{ "vpcs", c->m->n_vpcs }, { "subnets", t->subnets }, { "route tables", t->rts },
		{ "network acls", t->acls }, { "security groups", t->sgs },
		{ "nat gateways", t->natgws }, { "elastic ips", c->m->n_eips },
		{ "instances, internet hosts and load balancer nodes",
		  t->instances + c->m->n_hosts + t->nodes + (c->m->n_vpcs > 0) }, /* + the resolver */
		{ "target groups", t->tgs }, { "load balancers", t->lbs },
		{ "targets", t->targets }, { "listeners", t->listeners },
		{ "listener rules", t->lb_rules },
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		if (l[i].n >= VL_NONE) {
			diag_error(c->d, c->m->at, "too many %s: at most %u", l[i].what, VL_NONE - 1);
			ok = false;
		}
	return ok;
}

static void ck_layout_vpc(struct ck *c, struct lab_vpc *v, uint16_t vi)
{
	struct lab *m = c->m;
	v->gidx = vi;
	v->implicit_rt = VL_NONE;
	size_t main_i = v->n_route_tables;
	for (size_t i = v->n_route_tables; i-- > 0;)
		if (v->route_tables[i].main.v)
			main_i = i;
	if (main_i == v->n_route_tables) {
		v->implicit_rt = m->n_rts;
		c->rts[m->n_rts++] = NULL;
	}
	for (size_t i = 0; i < v->n_route_tables; i++) {
		v->route_tables[i].gidx = m->n_rts;
		c->rts[m->n_rts++] = &v->route_tables[i];
	}
	v->main_rt = main_i < v->n_route_tables ? v->route_tables[main_i].gidx : v->implicit_rt;
	/* A declared `default` takes the implicit one's index, so a lab that does not declare
	 * them keeps its tables exactly. */
	v->default_acl = m->n_acls++;
	const struct lab_acl *dacl = NULL;
	for (size_t i = 0; i < v->n_acls; i++) {
		if (!ck_is_default(&v->acls[i].name)) {
			v->acls[i].gidx = m->n_acls++;
			continue;
		}
		if (dacl)
			diag_error(c->d, v->acls[i].name.at, "network acl 'default' is already declared "
				   "in this vpc at %d:%d", dacl->name.at.line, dacl->name.at.col);
		v->acls[i].gidx = v->default_acl;
		dacl = &v->acls[i];
	}
	v->default_sg = m->n_sgs;
	c->sgs[m->n_sgs++] = NULL;
	for (size_t i = 0; i < v->n_sgs; i++) {
		if (!ck_is_default(&v->sgs[i].name)) {
			v->sgs[i].gidx = m->n_sgs;
			c->sgs[m->n_sgs++] = &v->sgs[i];
			continue;
		}
		if (c->sgs[v->default_sg])
			diag_error(c->d, v->sgs[i].name.at, "security group 'default' is already "
				   "declared in this vpc at %d:%d", c->sgs[v->default_sg]->name.at.line,
				   c->sgs[v->default_sg]->name.at.col);
		else
			c->sgs[v->default_sg] = &v->sgs[i];
		v->sgs[i].gidx = v->default_sg;
	}
	for (size_t i = 0; i < v->n_subnets; i++) {
		v->subnets[i].vpc = vi;
		v->subnets[i].gidx = m->n_subnets;
		c->subnets[m->n_subnets++] = &v->subnets[i];
	}
	for (size_t i = 0; i < v->n_natgws; i++) {
		v->natgws[i].vpc = vi;
		v->natgws[i].gidx = m->n_natgws;
		c->natgws[m->n_natgws++] = &v->natgws[i];
	}
	for (size_t i = 0; i < v->n_natgws; i++)
		v->natgws[i].addr_ok = false;
	for (size_t i = 0; i < v->n_instances; i++) {
		v->instances[i].addr_ok = false;
		v->instances[i].vpc = vi;
		v->instances[i].gidx = m->n_instances;
		c->instances[m->n_instances++] = &v->instances[i];
	}
	for (size_t i = 0; i < v->n_tgs; i++) {
		v->tgs[i].vpc = vi;
		v->tgs[i].gidx = m->n_tgs;
		c->tgs[m->n_tgs++] = &v->tgs[i];
	}
	for (size_t i = 0; i < v->n_lbs; i++) {
		v->lbs[i].vpc = vi;
		v->lbs[i].gidx = m->n_lbs;
		c->lbs[m->n_lbs++] = &v->lbs[i];
	}
}

/* Load balancer nodes are ports after every instance and host, in file order. */
static void ck_layout_nodes(struct ck *c)
{
	struct lab *m = c->m;
	m->n_nodes = 0;
	for (size_t i = 0; i < m->n_lbs; i++)
		for (size_t j = 0; j < c->lbs[i]->n_nodes; j++) {
			struct lab_lb_node *x = &c->lbs[i]->nodes[j];
			x->vpc = c->lbs[i]->vpc;
			x->lb = (uint16_t)i;
			x->gidx = (uint16_t)(m->n_instances + m->n_hosts + m->n_nodes);
			x->addr_ok = false;
			x->subnet_idx = x->eip = VL_NONE;
			x->public_addr = 0;
			c->nodes[m->n_nodes++] = x;
		}
}

/* Table indexes, in the order compile.c emits: per VPC the implicit table/ACL/SG first, then the
 * declared ones; ports are instances (all VPCs, file order), internet hosts, then load balancer
 * nodes. Also clears what a previous check assigned, so that checking twice gives the same
 * answer. */
static bool ck_layout(struct ck *c, const struct ck_totals *t)
{
	struct lab *m = c->m;
	c->subnets = calloc(t->subnets + 1, sizeof(*c->subnets));
	c->rts = calloc(t->rts + 1, sizeof(*c->rts));
	c->instances = calloc(t->instances + 1, sizeof(*c->instances));
	c->natgws = calloc(t->natgws + 1, sizeof(*c->natgws));
	c->sgs = calloc(t->sgs + 1, sizeof(*c->sgs));
	c->tgs = calloc(t->tgs + 1, sizeof(*c->tgs));
	c->lbs = calloc(t->lbs + 1, sizeof(*c->lbs));
	c->nodes = calloc(t->nodes + 1, sizeof(*c->nodes));
	if (!c->subnets || !c->rts || !c->instances || !c->natgws || !c->sgs || !c->tgs ||
	    !c->lbs || !c->nodes)
		return false;
	m->n_subnets = m->n_rts = m->n_acls = m->n_sgs = m->n_natgws = m->n_instances = 0;
	m->n_tgs = m->n_lbs = 0;
	m->n_targets = (uint32_t)t->targets;
	m->n_listeners = (uint32_t)t->listeners;
	m->n_lb_rules = (uint32_t)t->lb_rules;
	for (size_t i = 0; i < m->n_vpcs; i++)
		ck_layout_vpc(c, &m->vpcs[i], (uint16_t)i);
	for (size_t i = 0; i < m->n_hosts; i++) {
		m->hosts[i].gidx = (uint16_t)(m->n_instances + i);
		m->hosts[i].addr_ok = false;
	}
	for (size_t i = 0; i < m->n_eips; i++) {
		m->eips[i].gidx = (uint16_t)i;
		m->eips[i].addr_ok = false;
		m->eips[i].port = m->eips[i].natgw = VL_NONE;
	}
	ck_layout_nodes(c);
	return true;
}

/* VPC and subnet CIDRs. */

static bool ck_size(struct ck *c, const struct lab_str *s, struct prefix4 p, const char *kind,
		    const char *name)
{
	char buf[20];
	if (p.len >= 16 && p.len <= 28)
		return true;
	diag_error(c->d, s->at, "%s '%s' %s must be /16 to /28", kind, name ? name : "?",
		   prefix_fmt(p, buf));
	return false;
}

static void ck_subnet_cidrs(struct ck *c, struct lab_vpc *v);

static void ck_vpc_cidrs(struct ck *c)
{
	for (size_t i = 0; i < c->m->n_vpcs; i++) {
		struct lab_vpc *v = &c->m->vpcs[i];
		if (ck_cidr(c, &v->cidr, &v->prefix))
			v->prefix_ok = ck_size(c, &v->cidr, v->prefix, "vpc", v->name.s);
		ck_subnet_cidrs(c, v);
	}
}

struct ck_overlap {
	struct ck *c;
	struct lab_subnet **v;
};

static int ck_subnet_cmp(const void *pa, const void *pb)
{
	const struct lab_subnet *a = *(struct lab_subnet *const *)pa;
	const struct lab_subnet *b = *(struct lab_subnet *const *)pb;
	if (a->prefix.addr != b->prefix.addr)
		return a->prefix.addr < b->prefix.addr ? -1 : 1;
	if (a->prefix.len != b->prefix.len)
		return a->prefix.len < b->prefix.len ? -1 : 1;
	return ck_loc_cmp(a->cidr.at, b->cidr.at);
}

/* Sorted by address, a subnet can only overlap the widest one seen so far (prefixes nest). */
static void ck_subnet_overlaps(struct ck *c, struct lab_vpc *v)
{
	struct lab_subnet **s = calloc(v->n_subnets + 1, sizeof(*s));
	size_t n = 0;
	char a[20], b[20];
	if (!s) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < v->n_subnets; i++)
		if (v->subnets[i].prefix_ok)
			s[n++] = &v->subnets[i];
	qsort(s, n, sizeof(*s), ck_subnet_cmp);
	struct lab_subnet *wide = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!wide || !prefix_overlap(wide->prefix, s[i]->prefix)) {
			wide = s[i];
			continue;
		}
		struct lab_subnet *first = wide, *later = s[i];
		if (ck_loc_cmp(later->cidr.at, first->cidr.at) < 0) {
			first = s[i];
			later = wide;
		}
		diag_error(c->d, later->cidr.at, "subnet '%s' %s overlaps subnet '%s' %s",
			   later->name.s ? later->name.s : "?", prefix_fmt(later->prefix, a),
			   first->name.s ? first->name.s : "?", prefix_fmt(first->prefix, b));
	}
	free(s);
}

static void ck_subnet_cidrs(struct ck *c, struct lab_vpc *v)
{
	char a[20], b[20];
	for (size_t i = 0; i < v->n_subnets; i++) {
		struct lab_subnet *s = &v->subnets[i];
		if (!ck_cidr(c, &s->cidr, &s->prefix) ||
		    !ck_size(c, &s->cidr, s->prefix, "subnet", s->name.s))
			continue;
		s->prefix_ok = true;
		if (v->prefix_ok && !(s->prefix.len >= v->prefix.len &&
				      prefix_contains(v->prefix, s->prefix.addr)))
			diag_error(c->d, s->cidr.at, "subnet '%s' %s is not inside vpc '%s' %s",
				   s->name.s ? s->name.s : "?", prefix_fmt(s->prefix, a),
				   ck_vpc_name(c, v->gidx), prefix_fmt(v->prefix, b));
	}
	ck_subnet_overlaps(c, v);
}

/* References by name: the object must exist and, inside a VPC, be in the same VPC. */

uint16_t ck_resolve(struct ck *c, const struct lab_str *ref, const char *kind, uint16_t vpc,
			   int found_vpc, uint16_t gidx)
{
	if (found_vpc < 0) {
		diag_error(c->d, ref->at, "unknown %s '%s'", kind, CK_SHOW(ref->s));
		return VL_NONE;
	}
	if (found_vpc != vpc) {
		diag_error(c->d, ref->at, "%s '%s' is in vpc '%s', not in vpc '%s'", kind, ref->s,
			   ck_vpc_name(c, (uint16_t)found_vpc), ck_vpc_name(c, vpc));
		return VL_NONE;
	}
	return gidx;
}

static uint16_t ck_ref_rt(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in)
{
	if (!strcmp(ref->s, "main") && in->implicit_rt != VL_NONE)
		return in->implicit_rt;
	for (size_t v = 0; v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_route_tables; i++) {
			const struct lab_route_table *t = &c->m->vpcs[v].route_tables[i];
			if (t->name.s && !strcmp(t->name.s, ref->s))
				return ck_resolve(c, ref, "route table", in->gidx, (int)v, t->gidx);
		}
	return ck_resolve(c, ref, "route table", in->gidx, -1, VL_NONE);
}

static uint16_t ck_ref_acl(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in)
{
	if (!strcmp(ref->s, "default"))
		return in->default_acl;
	for (size_t v = 0; v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_acls; i++) {
			const struct lab_acl *a = &c->m->vpcs[v].acls[i];
			if (a->name.s && !strcmp(a->name.s, ref->s))
				return ck_resolve(c, ref, "network acl", in->gidx, (int)v, a->gidx);
		}
	return ck_resolve(c, ref, "network acl", in->gidx, -1, VL_NONE);
}

/* Also used for security group rules' `group`. */
uint16_t ck_ref_sg(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in)
{
	uint16_t v = 0;
	if (!strcmp(ref->s, "default"))
		return in->default_sg;
	const struct lab_sg *g = lab_find_sg(c->m, ref->s, &v);
	return ck_resolve(c, ref, "security group", in->gidx, g ? v : -1, g ? g->gidx : VL_NONE);
}

static uint16_t ck_ref_subnet(struct ck *c, const struct lab_str *ref, const struct lab_vpc *in)
{
	const struct lab_subnet *s = lab_find_subnet(c->m, ref->s);
	return ck_resolve(c, ref, "subnet", in->gidx, s ? s->vpc : -1, s ? s->gidx : VL_NONE);
}

/* `run` goes to `sh -c` as one argument: empty would start a shell that does nothing, and a
 * bound keeps the lab's state (it travels to the router) small. */
static void ck_instance_run(struct ck *c, const struct lab_instance *x)
{
	if (!x->run.s)
		return;
	size_t n = strlen(x->run.s);
	if (n == 0 || strspn(x->run.s, " \t\n") == n)
		diag_error(c->d, x->run.at, "'run' of instance '%s' is empty: give a command line "
			   "or leave the key out", x->name.s ? x->name.s : "?");
	else if (n > LAB_RUN_MAX)
		diag_error(c->d, x->run.at, "'run' of instance '%s' is %zu bytes: at most %d",
			   x->name.s ? x->name.s : "?", n, LAB_RUN_MAX);
}

static void ck_instance_sgs(struct ck *c, struct lab_instance *x, const struct lab_vpc *v)
{
	const struct lab_names *l = &x->security_groups;
	x->n_sgs = 0;
	if (!l->set) {
		x->sgs[x->n_sgs++] = v->default_sg;
		return;
	}
	if (l->n == 0)
		diag_error(c->d, l->at, "an instance needs at least one security group "
			   "(leave 'security_groups' out for 'default')");
	if (l->n > VL_MAX_PORT_SGS)
		diag_error(c->d, l->v[VL_MAX_PORT_SGS].at, "an instance has %zu security groups: AWS's "
			   "quota is %d security groups per network interface", l->n, VL_MAX_PORT_SGS);
	for (size_t i = 0; i < l->n && x->n_sgs < VL_MAX_PORT_SGS; i++) {
		uint16_t g = ck_ref_sg(c, &l->v[i], v);
		bool twice = false;
		for (size_t j = 0; j < x->n_sgs; j++)
			twice |= x->sgs[j] == g;
		if (twice)
			diag_error(c->d, l->v[i].at, "security group '%s' is listed twice", l->v[i].s);
		else if (g != VL_NONE)
			x->sgs[x->n_sgs++] = g;
	}
}

static void ck_vpc_refs(struct ck *c, struct lab_vpc *v)
{
	for (size_t i = 0; i < v->n_subnets; i++) {
		struct lab_subnet *s = &v->subnets[i];
		s->rt = s->route_table.s ? ck_ref_rt(c, &s->route_table, v) : v->main_rt;
		s->acl = s->network_acl.s ? ck_ref_acl(c, &s->network_acl, v) : v->default_acl;
	}
	for (size_t i = 0; i < v->n_natgws; i++) {
		struct lab_natgw *g = &v->natgws[i];
		g->subnet_idx = g->subnet.s ? ck_ref_subnet(c, &g->subnet, v) : VL_NONE;
		g->eip = VL_NONE;
		if (!v->internet_gateway.v)
			diag_error(c->d, g->name.s ? g->name.at : g->at, "nat gateway '%s' needs "
				   "internet_gateway: true in vpc '%s'", g->name.s ? g->name.s : "?",
				   ck_vpc_name(c, v->gidx));
	}
	for (size_t i = 0; i < v->n_instances; i++) {
		struct lab_instance *x = &v->instances[i];
		x->subnet_idx = x->subnet.s ? ck_ref_subnet(c, &x->subnet, v) : VL_NONE;
		x->eip = VL_NONE;
		ck_instance_sgs(c, x, v);
		ck_instance_run(c, x);
	}
}

/* The whole check, in dependency order: names and layout before references, references before
 * addresses, addresses before the warnings that read them. */
int lab_check(struct lab *m, struct diag *d)
{
	struct ck c = { .m = m, .d = d };
	int before = diag_errors(d);
	struct ck_totals t = ck_count(m);
	m->checked_ok = false;
	ck_lab_name(&c);
	if (m->vpcs_empty)
		diag_error(d, m->vpcs_at, "'vpcs' is empty: a lab needs at least one vpc");
	bool limits_ok = ck_limits(&c, &t);
	if (limits_ok && !ck_layout(&c, &t)) {
		c.oom = true;
	} else if (limits_ok) {
		ck_all_names(&c, t.names);
		ck_vpc_cidrs(&c);
		for (size_t i = 0; i < m->n_vpcs; i++) {
			ck_vpc_refs(&c, &m->vpcs[i]);
			ck_route_tables(&c, &m->vpcs[i]);
			ck_acls(&c, &m->vpcs[i]);
			ck_sgs(&c, &m->vpcs[i]);
		}
		ck_lbs(&c);
		ck_asgs(&c);
		ck_addresses(&c);
		ck_public(&c);
		ck_warnings(&c);
		ck_checks(&c);
		ck_dns_all(&c);
	}
	if (c.oom)
		diag_error(d, m->at, "out of memory while checking the lab");
	free(c.subnets);
	free(c.rts);
	free(c.instances);
	free(c.natgws);
	free(c.sgs);
	free(c.tgs);
	free(c.lbs);
	free(c.nodes);
	int errors = m->load_errors + diag_errors(d) - before;
	m->checked_ok = errors == 0;
	return errors;
}

/* Checks appended after lab_check (a separate checks file): the same resolution, over a view
 * of the lab whose `checks` is just that range, so errors land in d (the file's own diag). */
int lab_check_checks(struct lab *m, size_t first, size_t n, struct diag *d)
{
	struct lab view = *m;
	struct ck c = { .m = &view, .d = d };
	int before = diag_errors(d);
	if (first > m->n_checks || n > m->n_checks - first)
		return 0;
	view.checks = m->checks + first;
	view.n_checks = n;
	ck_checks(&c);
	return diag_errors(d) - before;
}
