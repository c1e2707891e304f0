/* Checking and assigning addresses, after names and references are resolved: private IPs of
 * instances and NAT gateways (given ones validated first, then the absent ones get the lowest free
 * address in file order), the internet (public pool, hosts), elastic IPs and their associations,
 * auto-assigned public IPs, load balancer nodes' addresses; then the AWS warnings that depend
 * on them, and the `checks:` list. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

/* A sorted set of 64-bit keys: (vpc << 32 | ip) for private addresses, ip for public ones. */
struct ck_set {
	uint64_t *v;
	size_t n, cap;
	bool oom;
};

static size_t ck_set_pos(const struct ck_set *s, uint64_t k)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->v[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ck_set_has(const struct ck_set *s, uint64_t k)
{
	size_t p = ck_set_pos(s, k);
	return p < s->n && s->v[p] == k;
}

static void ck_set_add(struct ck_set *s, uint64_t k)
{
	if (ck_set_has(s, k))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v) {
			s->oom = true;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	size_t p = ck_set_pos(s, k);
	memmove(s->v + p + 1, s->v + p, (s->n - p) * sizeof(*s->v));
	s->v[p] = k;
	s->n++;
}

/* The lowest address in [lo, hi] whose key (high | addr) is not in s. */
static bool ck_set_lowest(const struct ck_set *s, uint64_t high, uint32_t lo, uint32_t hi,
			  uint32_t *out)
{
	if (lo > hi)
		return false;
	size_t p = ck_set_pos(s, high | lo);
	uint64_t cand = lo;
	while (p < s->n && s->v[p] == (high | cand) && cand <= hi) {
		cand++;
		p++;
	}
	if (cand > hi)
		return false;
	*out = (uint32_t)cand;
	return true;
}

/* Private addresses: instances, NAT gateways and load balancer nodes alike. */

struct ck_holder {
	struct loc at;
	const char *kind;
	const struct lab_str *name, *ip;
	uint16_t vpc, subnet;
	uint32_t *addr;
	bool *ok;
};

static int ck_holder_cmp(const void *pa, const void *pb)
{
	const struct ck_holder *a = pa, *b = pb;
	return ck_loc_cmp(a->at, b->at);
}

static const char *ck_nm(const struct lab_str *s)
{
	return s->s ? s->s : "?";
}

static const char *ck_reserved_role(struct prefix4 p, uint32_t a)
{
	static const char *const roles[] = { "the network address", "the vpc router",
					     "reserved for dns", "reserved for future use" };
	if (a - p.addr < 4)
		return roles[a - p.addr];
	if (a == (p.addr | ~prefix_mask(p.len)))
		return "the broadcast address";
	return NULL;
}

static void ck_explicit_ip(struct ck *c, struct ck_holder *h, size_t n, size_t i,
			   struct ck_set *used)
{
	char a[16], b[20];
	struct ck_holder *x = &h[i];
	uint32_t ip;
	if (!ck_ip(c, x->ip, &ip) || x->subnet == VL_NONE || !c->subnets[x->subnet]->prefix_ok)
		return;
	const struct lab_subnet *s = c->subnets[x->subnet];
	const char *role = ck_reserved_role(s->prefix, ip);
	if (!prefix_contains(s->prefix, ip)) {
		diag_error(c->d, x->ip->at, "ip %s is not inside subnet '%s' %s", addr_fmt(ip, a),
			   ck_nm(&s->name), prefix_fmt(s->prefix, b));
		return;
	}
	if (role) {
		diag_error(c->d, x->ip->at, "ip %s is reserved in subnet '%s': %s", addr_fmt(ip, a),
			   ck_nm(&s->name), role);
		return;
	}
	uint64_t key = (uint64_t)x->vpc << 32 | ip;
	if (ck_set_has(used, key)) {
		for (size_t j = 0; j < n; j++)
			if (j != i && *h[j].ok && *h[j].addr == ip && h[j].vpc == x->vpc) {
				diag_error(c->d, x->ip->at, "ip %s is already used by %s '%s'",
					   addr_fmt(ip, a), h[j].kind, ck_nm(h[j].name));
				break;
			}
		return;
	}
	ck_set_add(used, key);
	*x->addr = ip;
	*x->ok = true;
}

static void ck_assign_ip(struct ck *c, struct ck_holder *x, struct ck_set *used)
{
	char b[20];
	if (x->subnet == VL_NONE || !c->subnets[x->subnet]->prefix_ok)
		return;
	const struct lab_subnet *s = c->subnets[x->subnet];
	uint32_t bcast = s->prefix.addr | ~prefix_mask(s->prefix.len);
	uint64_t high = (uint64_t)x->vpc << 32;
	if (!ck_set_lowest(used, high, s->prefix.addr + 4, bcast - 1, x->addr)) {
		diag_error(c->d, x->name->s ? x->name->at : x->at, "subnet '%s' %s is full: no address "
			   "left for %s '%s'", ck_nm(&s->name), prefix_fmt(s->prefix, b), x->kind,
			   ck_nm(x->name));
		return;
	}
	ck_set_add(used, high | *x->addr);
	*x->ok = true;
}

static size_t ck_holders(struct ck *c, struct ck_holder *h)
{
	size_t n = 0;
	for (size_t i = 0; i < c->m->n_natgws; i++) {
		struct lab_natgw *g = c->natgws[i];
		h[n++] = (struct ck_holder){ g->at, "nat gateway", &g->name, &g->ip, g->vpc,
					     g->subnet_idx, &g->addr, &g->addr_ok };
	}
	for (size_t i = 0; i < c->m->n_instances; i++) {
		struct lab_instance *x = c->instances[i];
		h[n++] = (struct ck_holder){ x->at, "instance", &x->name, &x->ip, x->vpc,
					     x->subnet_idx, &x->addr, &x->addr_ok };
	}
	for (size_t i = 0; i < c->m->n_nodes; i++) {
		struct lab_lb_node *x = c->nodes[i];
		h[n++] = (struct ck_holder){ x->at, "load balancer", &c->lbs[x->lb]->name, &x->ip,
					     x->vpc, x->subnet_idx, &x->addr, &x->addr_ok };
	}
	qsort(h, n, sizeof(*h), ck_holder_cmp);
	return n;
}

/* Given addresses first, so that an assigned one never takes an address written later on. */
void ck_addresses(struct ck *c)
{
	struct ck_holder *h = calloc((size_t)c->m->n_natgws + c->m->n_instances + c->m->n_nodes + 1,
				     sizeof(*h));
	struct ck_set used = { 0 };
	if (!h) {
		c->oom = true;
		return;
	}
	size_t n = ck_holders(c, h);
	for (size_t i = 0; i < n; i++)
		if (h[i].ip->s)
			ck_explicit_ip(c, h, n, i, &used);
	for (size_t i = 0; i < n; i++)
		if (!h[i].ip->s)
			ck_assign_ip(c, &h[i], &used);
	c->oom |= used.oom;
	free(used.v);
	free(h);
}

/* The internet: the public pool and the hosts, which must stay outside every VPC. */

static bool ck_unicast(struct ck *c, const struct lab_str *s, uint32_t a)
{
	char b[16];
	uint8_t top = (uint8_t)(a >> 24);
	if (top != 0 && top != 127 && top < 224)
		return true;
	diag_error(c->d, s->at, "%s is not a unicast address", addr_fmt(a, b));
	return false;
}

static void ck_pool(struct ck *c)
{
	struct lab *m = c->m;
	char a[20], b[20];
	m->pool = LAB_DEFAULT_POOL;
	if (m->public_pool.s && !ck_cidr(c, &m->public_pool, &m->pool)) {
		m->pool = (struct prefix4){ 0, 32 };   /* nothing to give */
		return;
	}
	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct lab_vpc *v = &m->vpcs[i];
		if (!v->prefix_ok || !prefix_overlap(v->prefix, m->pool))
			continue;
		struct loc at = m->public_pool.s ? m->public_pool.at : v->cidr.at;
		diag_error(c->d, at, "public pool %s overlaps vpc '%s' %s", prefix_fmt(m->pool, a),
			   ck_nm(&v->name), prefix_fmt(v->prefix, b));
	}
}

/* Who in the public address space (hosts, elastic IPs) holds a? For messages. */
static void ck_public_owner(const struct lab *m, uint32_t a, const char **kind, const char **name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].addr_ok && m->hosts[i].addr == a) {
			*kind = "internet host";
			*name = ck_nm(&m->hosts[i].name);
			return;
		}
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i].addr_ok && m->eips[i].addr == a) {
			*kind = "elastic ip";
			*name = ck_nm(&m->eips[i].name);
			return;
		}
	*kind = "instance";
	*name = "?";
}

/* a is free in the public space: else reported at s. */
static bool ck_public_free(struct ck *c, const struct lab_str *s, uint32_t a, struct ck_set *used)
{
	const char *kind, *name;
	char b[16];
	if (!ck_set_has(used, a))
		return true;
	ck_public_owner(c->m, a, &kind, &name);
	diag_error(c->d, s->at, "ip %s is already used by %s '%s'", addr_fmt(a, b), kind, name);
	return false;
}

static void ck_hosts(struct ck *c, struct ck_set *used)
{
	char a[16], b[20];
	for (size_t i = 0; i < c->m->n_hosts; i++) {
		struct lab_host *h = &c->m->hosts[i];
		uint32_t ip;
		bool ok = ck_ip(c, &h->ip, &ip) && ck_unicast(c, &h->ip, ip);
		if (ok && ip == VL_RESOLVER_PUBLIC) {
			diag_error(c->d, h->ip.at, "internet host '%s' %s: the address is reserved for "
				   "the lab's public DNS resolver", ck_nm(&h->name), addr_fmt(ip, a));
			ok = false;
		}
		for (size_t v = 0; ok && v < c->m->n_vpcs; v++) {
			const struct lab_vpc *vpc = &c->m->vpcs[v];
			if (vpc->prefix_ok && prefix_contains(vpc->prefix, ip)) {
				diag_error(c->d, h->ip.at, "internet host '%s' %s is inside vpc '%s' %s",
					   ck_nm(&h->name), addr_fmt(ip, a), ck_nm(&vpc->name),
					   prefix_fmt(vpc->prefix, b));
				ok = false;
			}
		}
		if (ok && ck_public_free(c, &h->ip, ip, used)) {
			ck_set_add(used, ip);
			h->addr = ip;
			h->addr_ok = true;
		}
	}
}

/* Elastic IPs. */

static void ck_eip_explicit(struct ck *c, struct lab_eip *e, struct ck_set *used)
{
	struct prefix4 pool = c->m->pool;
	uint32_t ip, bcast = pool.addr | ~prefix_mask(pool.len);
	char a[16], b[20];
	if (!ck_ip(c, &e->ip, &ip))
		return;
	if (!prefix_contains(pool, ip)) {
		diag_error(c->d, e->ip.at, "elastic ip '%s' %s is not inside the public pool %s",
			   ck_nm(&e->name), addr_fmt(ip, a), prefix_fmt(pool, b));
		return;
	}
	if (pool.len <= 30 && (ip == pool.addr || ip == bcast)) {
		diag_error(c->d, e->ip.at, "elastic ip '%s' %s is the %s address of the public pool",
			   ck_nm(&e->name), addr_fmt(ip, a), ip == bcast ? "broadcast" : "network");
		return;
	}
	if (!ck_public_free(c, &e->ip, ip, used))
		return;
	ck_set_add(used, ip);
	e->addr = ip;
	e->addr_ok = true;
}

static bool ck_pool_take(struct ck *c, struct ck_set *used, uint32_t *out)
{
	struct prefix4 pool = c->m->pool;
	uint32_t bcast = pool.addr | ~prefix_mask(pool.len);
	if (pool.len > 30 || !ck_set_lowest(used, 0, pool.addr + 1, bcast - 1, out))
		return false;
	ck_set_add(used, *out);
	return true;
}

static void ck_eip_auto(struct ck *c, struct lab_eip *e, struct ck_set *used)
{
	char b[20];
	if (ck_pool_take(c, used, &e->addr))
		e->addr_ok = true;
	else
		diag_error(c->d, e->name.s ? e->name.at : e->at, "the public pool %s is full: no "
			   "address left for elastic ip '%s'", prefix_fmt(c->m->pool, b), ck_nm(&e->name));
}

/* At most one association per elastic IP, at most one elastic IP per instance. */
static void ck_eip_assoc(struct ck *c)
{
	struct lab *m = c->m;
	for (size_t i = 0; i < m->n_eips; i++) {
		struct lab_eip *e = &m->eips[i];
		struct lab_instance *x = e->instance.s ? lab_find_instance(m, e->instance.s) : NULL;
		if (e->instance.s && !x)
			diag_error(c->d, e->instance.at, "unknown instance '%s'", CK_SHOW(e->instance.s));
		else if (x && x->eip != VL_NONE)
			diag_error(c->d, e->instance.at, "instance '%s' already has elastic ip '%s'",
				   x->name.s, ck_nm(&m->eips[x->eip].name));
		else if (x) {
			x->eip = e->gidx;
			e->port = x->gidx;
		}
	}
	for (size_t i = 0; i < m->n_natgws; i++) {
		struct lab_natgw *g = c->natgws[i];
		struct lab_eip *e = g->elastic_ip.s ? lab_find_eip(m, g->elastic_ip.s) : NULL;
		if (g->elastic_ip.s && !e)
			diag_error(c->d, g->elastic_ip.at, "unknown elastic ip '%s'",
				   CK_SHOW(g->elastic_ip.s));
		else if (e && e->port != VL_NONE)
			diag_error(c->d, g->elastic_ip.at, "elastic ip '%s' is already associated with "
				   "instance '%s'", e->name.s, ck_nm(&c->instances[e->port]->name));
		else if (e && e->natgw != VL_NONE)
			diag_error(c->d, g->elastic_ip.at, "elastic ip '%s' is already associated with "
				   "nat gateway '%s'", e->name.s, ck_nm(&c->natgws[e->natgw]->name));
		else if (e) {
			e->natgw = g->gidx;
			g->eip = e->gidx;
		}
	}
}

/* Who holds port p (an instance or a load balancer node), for messages. */
static void ck_port_holder(const struct ck *c, uint16_t p, const char **kind, const char **name)
{
	if (p < c->m->n_instances) {
		*kind = "instance";
		*name = ck_nm(&c->instances[p]->name);
		return;
	}
	size_t k = (size_t)p - c->m->n_instances - c->m->n_hosts;
	*kind = "load balancer";
	*name = k < c->m->n_nodes ? ck_nm(&c->lbs[c->nodes[k]->lb]->name) : "?";
}

/* A node's elastic IP (`elastic_ips: { SUBNET: EIP }`): unassociated elsewhere. */
static void ck_node_eips(struct ck *c)
{
	for (size_t i = 0; i < c->m->n_nodes; i++) {
		struct lab_lb_node *x = c->nodes[i];
		const struct lab_str *ref = x->eip_ref;
		struct lab_eip *e = ref ? lab_find_eip(c->m, ref->s) : NULL;
		const char *kind, *name;
		if (ref && !e) {
			diag_error(c->d, ref->at, "unknown elastic ip '%s'", CK_SHOW(ref->s));
		} else if (e && e->port != VL_NONE) {
			ck_port_holder(c, e->port, &kind, &name);
			diag_error(c->d, ref->at, "elastic ip '%s' is already associated with %s '%s'",
				   e->name.s, kind, name);
		} else if (e && e->natgw != VL_NONE) {
			diag_error(c->d, ref->at, "elastic ip '%s' is already associated with nat "
				   "gateway '%s'", e->name.s, ck_nm(&c->natgws[e->natgw]->name));
		} else if (e) {
			e->port = x->gidx;
			x->eip = e->gidx;
		}
	}
}

/* An internet-facing node's public IP: its elastic IP, else one from the pool. */
static void ck_node_public(struct ck *c, struct lab_lb_node *x, struct ck_set *used)
{
	char b[20];
	const struct lab_lb *lb = c->lbs[x->lb];
	x->public_addr = 0;
	if (x->eip != VL_NONE) {
		if (c->m->eips[x->eip].addr_ok)
			x->public_addr = c->m->eips[x->eip].addr;
		return;
	}
	if (lb->internet_facing && !ck_pool_take(c, used, &x->public_addr))
		diag_error(c->d, x->at, "the public pool %s is full: no public ip left for load "
			   "balancer '%s' in subnet '%s'", prefix_fmt(c->m->pool, b), ck_nm(&lb->name),
			   ck_nm(&x->subnet));
}

/* Whether x gets an auto-assigned public IP: the instance's public_ip, else its subnet's
 * map_public_ip. */
static bool ck_wants_public(const struct ck *c, const struct lab_instance *x)
{
	return x->public_ip.set ? x->public_ip.v
	       : x->subnet_idx != VL_NONE && c->subnets[x->subnet_idx]->map_public_ip.v;
}

/* An elastic IP replaces the auto-assigned public IP (AWS); the subnet's map_public_ip decides
 * unless the instance says public_ip. A running instance (apply) that still gets one keeps the
 * address it has (reserved in ck_public): the lab matches the file, and what runs keeps its
 * address. */
static void ck_instance_public(struct ck *c, struct lab_instance *x, struct ck_set *used)
{
	char b[20];
	x->public_addr = 0;
	if (x->eip != VL_NONE) {
		if (c->m->eips[x->eip].addr_ok)
			x->public_addr = c->m->eips[x->eip].addr;
		return;
	}
	if (!ck_wants_public(c, x))
		return;
	if (x->kept_public_set && x->kept_public) {
		x->public_addr = x->kept_public;
		return;
	}
	if (!ck_pool_take(c, used, &x->public_addr))
		diag_error(c->d, x->name.s ? x->name.at : x->at, "the public pool %s is full: no "
			   "public ip left for instance '%s'", prefix_fmt(c->m->pool, b), ck_nm(&x->name));
}

void ck_public(struct ck *c)
{
	struct lab *m = c->m;
	struct ck_set used = { 0 };
	ck_pool(c);
	ck_hosts(c, &used);
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i].ip.s)
			ck_eip_explicit(c, &m->eips[i], &used);
	ck_eip_assoc(c);
	/* Public IPs of running instances (apply) before any new address is handed out. */
	for (size_t i = 0; i < m->n_instances; i++) {
		struct lab_instance *x = c->instances[i];
		if (x->kept_public_set && x->kept_public && x->eip == VL_NONE && ck_wants_public(c, x)) {
			if (prefix_contains(m->pool, x->kept_public) && !ck_set_has(&used, x->kept_public))
				ck_set_add(&used, x->kept_public);
			else
				x->kept_public_set = false; /* taken by a named address: assign anew */
		}
	}
	ck_node_eips(c);
	for (size_t i = 0; i < m->n_eips; i++)
		if (!m->eips[i].ip.s)
			ck_eip_auto(c, &m->eips[i], &used);
	for (size_t i = 0; i < m->n_instances; i++)
		ck_instance_public(c, c->instances[i], &used);
	for (size_t i = 0; i < m->n_nodes; i++)
		ck_node_public(c, c->nodes[i], &used);
	c->oom |= used.oom;
	free(used.v);
}

/* Warnings: what AWS would accept but what will not work as the user probably expects. */

/* The routes of a subnet's table (none for an implicit main table: the local route only). */
static const struct lab_route_table *ck_subnet_rt(const struct ck *c, uint16_t subnet)
{
	if (subnet == VL_NONE || c->subnets[subnet]->rt == VL_NONE)
		return NULL;
	return c->rts[c->subnets[subnet]->rt];
}

static bool ck_routes_igw(const struct lab_route_table *t, bool default_only)
{
	for (size_t i = 0; t && i < t->n_routes; i++)
		if (t->routes[i].kind == VL_T_IGW && (!default_only || t->routes[i].dst.len == 0))
			return true;
	return false;
}

void ck_warnings(struct ck *c)
{
	for (size_t i = 0; i < c->m->n_natgws; i++) {
		const struct lab_natgw *g = c->natgws[i];
		if (g->subnet_idx == VL_NONE || ck_routes_igw(ck_subnet_rt(c, g->subnet_idx), true))
			continue;
		diag_warning(c->d, g->subnet.at, "nat gateway '%s' is in subnet '%s', which does not "
			     "route 0.0.0.0/0 to igw", ck_nm(&g->name), g->subnet.s);
	}
	for (size_t i = 0; i < c->m->n_instances; i++) {
		const struct lab_instance *x = c->instances[i];
		if (x->public_addr || x->eip != VL_NONE ||
		    !ck_routes_igw(ck_subnet_rt(c, x->subnet_idx), false))
			continue;
		diag_warning(c->d, x->name.s ? x->name.at : x->at, "instance '%s' has no public or "
			     "elastic IP: it cannot reach the internet through the internet gateway",
			     ck_nm(&x->name));
	}
	for (size_t i = 0; i < c->m->n_nodes; i++) {
		const struct lab_lb_node *x = c->nodes[i];
		if (!c->lbs[x->lb]->internet_facing || x->subnet_idx == VL_NONE ||
		    ck_routes_igw(ck_subnet_rt(c, x->subnet_idx), true))
			continue;
		diag_warning(c->d, x->subnet.at, "internet-facing load balancer '%s' has a node in "
			     "subnet '%s', which does not route 0.0.0.0/0 to igw",
			     ck_nm(&c->lbs[x->lb]->name), ck_nm(&x->subnet));
	}
}

/* `checks:` (run by a later issue): names must exist, values must make sense. */

/* An instance's or internet host's port index, or VL_NONE. */
static uint16_t ck_port_by_name(const struct ck *c, const char *name)
{
	const struct lab_instance *x = lab_find_instance(c->m, name);
	const struct lab_host *h = x ? NULL : lab_find_host(c->m, name);
	return x ? x->gidx : h ? h->gidx : VL_NONE;
}

/* A DNS name the resolver may answer (checked when the check runs): dotted labels of letters,
 * digits, '-' and '_', 253 characters at most, a final dot allowed. */
static bool ck_dns_name_like(const char *s)
{
	size_t n = strlen(s), label = 0;
	bool dot = false, digits = true;   /* the last label all digits: a mistyped address */
	if (n == 0 || n > 254 || (n == 254 && s[n - 1] != '.'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!label)
				return false;
			dot |= i + 1 < n;
			label = 0;
			digits = i + 1 < n ? true : digits;
		} else if (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_') {
			digits &= isdigit((unsigned char)s[i]) != 0;
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return dot && !digits;
}

/* `to` and `seen_as`: a name (instances, hosts and load balancers only when allow_port), an
 * elastic IP name, or an address. false: none of them (the caller reports). */
static bool ck_check_ref(struct ck *c, const struct lab_str *s, bool allow_port, uint8_t *kind,
			 uint16_t *idx, uint32_t *addr)
{
	const struct lab_eip *e = lab_find_eip(c->m, s->s);
	uint16_t port = allow_port ? ck_port_by_name(c, s->s) : VL_NONE;
	const struct lab_lb *b = allow_port && port == VL_NONE ? lab_find_lb(c->m, s->s) : NULL;
	if (b && e) {
		diag_error(c->d, s->at, "'%s' names both an elastic ip and a load balancer", s->s);
		return true;   /* reported */
	}
	if (b) {
		/* Its node's address: the private one from its VPC, the public one from elsewhere
		 * (control/tools/trace.c resolves it the same way, by the node's port name). */
		*kind = LAB_REF_LB;
		*idx = b->gidx;
		return true;
	}
	if (port != VL_NONE && e) {
		diag_error(c->d, s->at, "'%s' names both an elastic ip and an instance or internet "
			   "host", s->s);
		return true;   /* reported */
	}
	if (port != VL_NONE) {
		*kind = LAB_REF_PORT;
		*idx = port;
	} else if (e) {
		*kind = LAB_REF_EIP;
		*idx = e->gidx;
	} else if (addr_parse(s->s, addr) == 0) {
		*kind = LAB_REF_ADDR;
	} else if (allow_port && ck_dns_name_like(s->s)) {
		*kind = LAB_REF_NAME;
	} else {
		return false;
	}
	return true;
}

static void ck_check_proto(struct ck *c, struct lab_check *k)
{
	const char *p = k->protocol.s;
	k->proto = !p ? 0 : !strcmp(p, "tcp") ? 6 : !strcmp(p, "udp") ? 17 : !strcmp(p, "icmp") ? 1 : 0;
	if (p && !k->proto)
		diag_error(c->d, k->protocol.at, "check protocol must be tcp, udp or icmp, not '%s'",
			   CK_SHOW(p));
	if ((k->proto == 6 || k->proto == 17) && !k->port.set)
		diag_error(c->d, k->at, "a %s check needs 'port'", p);
	else if (k->port.set && k->proto == 1)
		diag_error(c->d, k->port.at, "port needs protocol tcp or udp");
	else if (k->port.set && (k->port.v < 1 || k->port.v > 65535))
		diag_error(c->d, k->port.at, "port %lld is out of range 1..65535", k->port.v);
}

static void ck_check(struct ck *c, struct lab_check *k)
{
	k->from_port = k->to_idx = k->seen_idx = VL_NONE;
	if (k->from.s && (k->from_port = ck_port_by_name(c, k->from.s)) == VL_NONE)
		diag_error(c->d, k->from.at, "unknown instance or internet host '%s'", CK_SHOW(k->from.s));
	if (k->to.s && !ck_check_ref(c, &k->to, true, &k->to_kind, &k->to_idx, &k->to_addr))
		diag_error(c->d, k->to.at, "unknown check target '%s': not an instance, an internet "
			   "host, a load balancer, an elastic ip, an ipv4 address or a DNS name", CK_SHOW(k->to.s));
	if (k->seen_as.s &&
	    !ck_check_ref(c, &k->seen_as, false, &k->seen_kind, &k->seen_idx, &k->seen_addr))
		diag_error(c->d, k->seen_as.at, "seen_as '%s' is not an elastic ip or an ipv4 address",
			   CK_SHOW(k->seen_as.s));
	ck_check_proto(c, k);
	if (k->expect.s && strcmp(k->expect.s, "allow") && strcmp(k->expect.s, "deny"))
		diag_error(c->d, k->expect.at, "expect must be allow or deny, not '%s'",
			   CK_SHOW(k->expect.s));
	k->expect_allow = k->expect.s && !strcmp(k->expect.s, "allow");
}

void ck_checks(struct ck *c)
{
	for (size_t i = 0; i < c->m->n_checks; i++)
		ck_check(c, &c->m->checks[i]);
}
