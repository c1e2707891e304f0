/* tables_align (control/lab/align.h), the index alignment apply does before it publishes: for
 * every before/after pair of tests/unit/labs/diff/ and a few inline labs, the invariants of
 * align.h are asserted on the compiled tables (kept objects keep their index, removed ones leave
 * holes, added ones fill old holes then go past, references follow, MACs follow the index, the
 * count never shrinks), aligning a table against itself changes nothing, and indices stay put
 * along a chain of applies A -> B -> A -> C. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/align.h"
#include "control/lab/diff.h"
#include "labtest.h"

Suite *suite_align(void);

#define CORPUS "tests/unit/labs/diff"

/* yaml (or the file path when yaml is NULL) loaded, given running's addresses as apply does
 * (lab_keep_addresses), checked without error. */
static struct lab *load_as_apply(const char *path, const char *yaml, const struct lab *running)
{
	struct diag *d = diag_create();
	ck_assert_ptr_nonnull(d);
	struct lab *m = yaml ? lab_load_buffer(path, yaml, strlen(yaml), d) : lab_load(path, d);
	ck_assert_msg(m, "%s does not load", path);
	if (running)
		ck_assert_int_eq(lab_keep_addresses(m, running), 0);
	int errors = lab_check(m, d);
	if (errors) {
		diag_print(d, stderr);
		ck_abort_msg("%s does not check (%d errors)", path, errors);
	}
	diag_destroy(d);
	return m;
}

static struct vl_tables *compile_ok(const struct lab *m)
{
	struct vl_tables *t = lab_compile(m);
	ck_assert_msg(t, "lab_compile: %s", strerror(errno));
	return t;
}

/* The index of the port / NAT gateway called name, or -1. */
static int port_at(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (vl_port_used(&t->ports[i]) && !strcmp(t->ports[i].name, name))
			return i;
	return -1;
}

/* The same interface in t as p: by name, and for load balancer nodes (which share their load
 * balancer's name, one per subnet) by subnet name too. */
static int same_port_at(const struct vl_tables *t, const struct vl_tables *pt, const struct vl_port *p)
{
	for (uint16_t i = 0; i < t->n_ports; i++) {
		const struct vl_port *q = &t->ports[i];
		if (!vl_port_used(q) || strcmp(q->name, p->name))
			continue;
		if (p->kind != VL_PORT_LB_NODE ||
		    (q->subnet < t->n_subnets && p->subnet < pt->n_subnets &&
		     !strcmp(t->subnets[q->subnet].name, pt->subnets[p->subnet].name)))
			return i;
	}
	return -1;
}

static int natgw_at(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_natgws; i++)
		if (vl_natgw_used(&t->natgws[i]) && !strcmp(t->natgws[i].name, name))
			return i;
	return -1;
}

static const char *port_name(const struct vl_tables *t, uint16_t i)
{
	return i < t->n_ports ? t->ports[i].name : "(out of range)";
}

static const char *natgw_name(const struct vl_tables *t, uint16_t i)
{
	return i < t->n_natgws ? t->natgws[i].name : "(out of range)";
}

static bool same_natgw_identity(const struct vl_tables *ot, const struct vl_natgw *o,
				const struct vl_tables *nt, const struct vl_natgw *n)
{
	uint32_t op = o->eip < ot->n_eips ? ot->eips[o->eip].ip : 0;
	uint32_t np = n->eip < nt->n_eips ? nt->eips[n->eip].ip : 0;
	return !strcmp(o->name, n->name) && o->ip == n->ip && op == np &&
	       !strcmp(ot->vpcs[o->vpc].name, nt->vpcs[n->vpc].name) &&
	       !strcmp(ot->subnets[o->subnet].name, nt->subnets[n->subnet].name);
}

/* Ports equal but for the MAC (which follows the index), field by field (padding is no field). */
static bool port_eq_but_mac(const struct vl_port *a, const struct vl_port *b)
{
	return !strcmp(a->name, b->name) && a->kind == b->kind && a->src_dst_check == b->src_dst_check &&
	       a->ip == b->ip && a->prefix_len == b->prefix_len && a->gateway == b->gateway &&
	       a->public_ip == b->public_ip && a->eip == b->eip && a->subnet == b->subnet &&
	       a->vpc == b->vpc && a->sg_count == b->sg_count &&
	       !memcmp(a->sgs, b->sgs, sizeof(a->sgs)) && a->mtu == b->mtu &&
	       a->open_in == b->open_in && a->open_out == b->open_out;
}

static bool port_eq(const struct vl_port *a, const struct vl_port *b)
{
	return port_eq_but_mac(a, b) && !memcmp(a->mac, b->mac, sizeof(a->mac));
}

static bool natgw_eq(const struct vl_natgw *a, const struct vl_natgw *b)
{
	return !strcmp(a->name, b->name) && a->vpc == b->vpc && a->subnet == b->subnet &&
	       a->ip == b->ip && a->eip == b->eip;
}

/* Checks every invariant of align.h for al = tables_align(raw copy, ot), where raw is the same
 * lab compiled without alignment. */
static void assert_aligned(const char *what, const struct vl_tables *ot, const struct vl_tables *raw,
			   const struct vl_tables *al)
{
	/* n never shrinks, and grows exactly by the added objects that found no old hole. */
	ck_assert_msg(al->n_ports >= ot->n_ports, "%s: ports %u < %u", what, al->n_ports, ot->n_ports);
	ck_assert_msg(al->n_natgws >= ot->n_natgws, "%s: natgws shrank", what);
	ck_assert_uint_eq(al->n_routes, raw->n_routes);
	ck_assert_uint_eq(al->n_eips, raw->n_eips);

	/* Every index: MAC, and what is there against what was there. */
	uint32_t old_holes = 0, added = 0, used = 0;
	for (uint16_t i = 0; i < al->n_ports; i++) {
		const struct vl_port *p = &al->ports[i];
		uint8_t mac[6];
		vl_port_mac(mac, i);
		ck_assert_msg(!memcmp(p->mac, mac, 6), "%s: port %u (%s): MAC does not follow the index",
			      what, i, p->name);
		bool was = i < ot->n_ports && vl_port_used(&ot->ports[i]);
		if (i < ot->n_ports && !was)
			old_holes++;
		if (!vl_port_used(p)) {
			ck_assert_msg(i < ot->n_ports, "%s: a hole at %u, past the old count %u",
				      what, i, ot->n_ports);
			continue;
		}
		used++;
		int r = same_port_at(raw, al, p);
		ck_assert_msg(r >= 0, "%s: port %s is not in the new lab", what, p->name);
		ck_assert_msg(port_eq_but_mac(p, &raw->ports[r]), "%s: port %s changed in alignment",
			      what, p->name);
		if (was) {
			ck_assert_msg(align_same_port(ot, i, al, i),
				      "%s: index %u held %s and now holds %s (a different interface)",
				      what, i, ot->ports[i].name, p->name);
		} else {
			added++;
			/* Not kept: nothing of ot with its identity. */
			for (uint16_t k = 0; k < ot->n_ports; k++)
				ck_assert_msg(!align_same_port(ot, k, al, i),
					      "%s: %s was at %u and moved to %u", what, p->name, k, i);
		}
	}
	ck_assert_msg(used == (uint32_t)(raw->n_ports), "%s: %u ports placed of %u", what, used,
		      raw->n_ports);
	/* Every kept interface at its index; every one of ot that is gone left a hole. */
	for (uint16_t i = 0; i < ot->n_ports; i++) {
		if (!vl_port_used(&ot->ports[i]))
			continue;
		int r = same_port_at(raw, ot, &ot->ports[i]);
		bool kept = r >= 0 && align_same_port(ot, i, raw, (uint16_t)r);
		if (kept)
			ck_assert_msg(!strcmp(al->ports[i].name, ot->ports[i].name),
				      "%s: kept %s left index %u", what, ot->ports[i].name, i);
		else
			ck_assert_msg(!vl_port_used(&al->ports[i]),
				      "%s: %s went away but index %u holds %s", what, ot->ports[i].name,
				      i, al->ports[i].name);
	}
	/* Added ones take the old holes, lowest first, then the indices just past. */
	uint32_t fill = added < old_holes ? added : old_holes;
	uint32_t seen = 0;
	for (uint16_t i = 0; i < ot->n_ports; i++) {
		if (vl_port_used(&ot->ports[i]))
			continue;
		bool filled = vl_port_used(&al->ports[i]);
		ck_assert_msg(filled == (seen < fill), "%s: old hole %u %s", what, i,
			      filled ? "filled out of order" : "left while an added one went past");
		seen++;
	}
	ck_assert_uint_eq(al->n_ports, ot->n_ports + (added - fill));

	/* NAT gateways: the same rules. */
	uint32_t g_holes = 0, g_added = 0;
	for (uint16_t i = 0; i < al->n_natgws; i++) {
		const struct vl_natgw *g = &al->natgws[i];
		bool was = i < ot->n_natgws && vl_natgw_used(&ot->natgws[i]);
		if (i < ot->n_natgws && !was)
			g_holes++;
		if (!vl_natgw_used(g)) {
			ck_assert_msg(i < ot->n_natgws, "%s: natgw hole past the old count", what);
			continue;
		}
		ck_assert_int_ge(natgw_at(raw, g->name), 0);
		if (was)
			ck_assert_msg(same_natgw_identity(ot, &ot->natgws[i], al, g),
				      "%s: natgw index %u held %s, now %s", what, i, ot->natgws[i].name,
				      g->name);
		else
			g_added++;
	}
	for (uint16_t i = 0; i < ot->n_natgws; i++) {
		if (!vl_natgw_used(&ot->natgws[i]))
			continue;
		int r = natgw_at(raw, ot->natgws[i].name);
		bool kept = r >= 0 && same_natgw_identity(ot, &ot->natgws[i], raw, &raw->natgws[r]);
		ck_assert_msg(kept == (vl_natgw_used(&al->natgws[i]) &&
				       !strcmp(al->natgws[i].name, ot->natgws[i].name)),
			      "%s: natgw %s: kept %d but index %u holds '%s'", what, ot->natgws[i].name,
			      kept, i, al->natgws[i].name);
	}
	uint32_t g_fill = g_added < g_holes ? g_added : g_holes;
	ck_assert_uint_eq(al->n_natgws, ot->n_natgws + (g_added - g_fill));

	/* Routes point at the same named objects as before alignment. */
	for (uint32_t r = 0; r < al->n_routes; r++) {
		const struct vl_route *a = &al->routes[r], *b = &raw->routes[r];
		ck_assert_uint_eq(a->kind, b->kind);
		ck_assert_uint_eq(a->dst.addr, b->dst.addr);
		if (a->kind == VL_T_PORT)
			ck_assert_msg(!strcmp(port_name(al, a->target), port_name(raw, b->target)),
				      "%s: route %u -> %s, was -> %s", what, r, port_name(al, a->target),
				      port_name(raw, b->target));
		else if (a->kind == VL_T_NATGW)
			ck_assert_msg(!strcmp(natgw_name(al, a->target), natgw_name(raw, b->target)),
				      "%s: route %u -> %s, was -> %s", what, r, natgw_name(al, a->target),
				      natgw_name(raw, b->target));
		else
			ck_assert_uint_eq(a->target, b->target);
	}
	/* Elastic IPs: the same associations, and both sides agree. */
	for (uint16_t e = 0; e < al->n_eips; e++) {
		const struct vl_eip *a = &al->eips[e], *b = &raw->eips[e];
		ck_assert_str_eq(a->name, b->name);
		ck_assert_uint_eq(a->port == VL_NONE, b->port == VL_NONE);
		ck_assert_uint_eq(a->natgw == VL_NONE, b->natgw == VL_NONE);
		if (a->port != VL_NONE) {
			ck_assert_str_eq(port_name(al, a->port), port_name(raw, b->port));
			ck_assert_uint_eq(al->ports[a->port].eip, e);
		}
		if (a->natgw != VL_NONE) {
			ck_assert_str_eq(natgw_name(al, a->natgw), natgw_name(raw, b->natgw));
			ck_assert_uint_eq(al->natgws[a->natgw].eip, e);
		}
	}
}

/* nt = compile(m) aligned against ot, checked; the caller owns it. */
static struct vl_tables *align_checked(const char *what, const struct lab *m, const struct vl_tables *ot)
{
	struct vl_tables *raw = compile_ok(m), *al = compile_ok(m);
	ck_assert_int_eq(tables_align(al, ot), 0);
	assert_aligned(what, ot, raw, al);
	vl_tables_free(raw);
	return al;
}

static void assert_tables_equal(const char *what, const struct vl_tables *a, const struct vl_tables *b)
{
	ck_assert_uint_eq(a->n_ports, b->n_ports);
	ck_assert_uint_eq(a->n_natgws, b->n_natgws);
	ck_assert_uint_eq(a->n_routes, b->n_routes);
	ck_assert_uint_eq(a->n_eips, b->n_eips);
	for (uint16_t i = 0; i < a->n_ports; i++)
		ck_assert_msg(port_eq(&a->ports[i], &b->ports[i]), "%s: port %u differs", what, i);
	for (uint16_t i = 0; i < a->n_natgws; i++)
		ck_assert_msg(natgw_eq(&a->natgws[i], &b->natgws[i]), "%s: natgw %u differs", what, i);
	for (uint32_t r = 0; r < a->n_routes; r++)
		ck_assert_msg(a->routes[r].kind == b->routes[r].kind && a->routes[r].target == b->routes[r].target &&
			      a->routes[r].dst.addr == b->routes[r].dst.addr &&
			      a->routes[r].dst.len == b->routes[r].dst.len, "%s: route %u differs", what, r);
	for (uint16_t e = 0; e < a->n_eips; e++)
		ck_assert_msg(!strcmp(a->eips[e].name, b->eips[e].name) && a->eips[e].ip == b->eips[e].ip &&
			      a->eips[e].port == b->eips[e].port && a->eips[e].natgw == b->eips[e].natgw,
			      "%s: eip %u differs", what, e);
}

/* Aligning t against a copy of itself is the identity. */
static void assert_self_identity(const char *what, const struct lab *m, const struct vl_tables *t)
{
	struct vl_tables *again = compile_ok(m);
	ck_assert_int_eq(tables_align(again, t), 0);
	ck_assert_uint_eq(again->n_ports, t->n_ports);
	ck_assert_uint_eq(again->n_natgws, t->n_natgws);
	assert_tables_equal(what, again, t);
	vl_tables_free(again);
}

static int n_pairs;

static void one_pair(const char *stem)
{
	char before[512], after[512];
	snprintf(before, sizeof(before), CORPUS "/%s.before.yaml", stem);
	snprintf(after, sizeof(after), CORPUS "/%s.after.yaml", stem);
	struct lab *o = load_as_apply(before, NULL, NULL), *n = load_as_apply(after, NULL, o);
	struct vl_tables *ot = compile_ok(o);
	struct vl_tables *al = align_checked(stem, n, ot);
	/* The first compile has no holes: against itself, nothing moves. */
	assert_self_identity(stem, o, ot);
	/* The aligned table (holes and all) against a fresh compile of the same file. */
	assert_self_identity(stem, n, al);
	/* And back: before against the aligned after (a second apply that undoes the first). */
	struct vl_tables *back = align_checked(stem, o, al);
	vl_tables_free(back);
	vl_tables_free(al);
	vl_tables_free(ot);
	lab_free(o);
	lab_free(n);
	n_pairs++;
}

START_TEST(corpus_pairs)
{
	DIR *d = opendir(CORPUS);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		const char *suf = ".before.yaml";
		if (len <= strlen(suf) || strcmp(e->d_name + len - strlen(suf), suf))
			continue;
		char stem[256];
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - strlen(suf)), e->d_name);
		one_pair(stem);
	}
	closedir(d);
	ck_assert_int_ge(n_pairs, 10);
}
END_TEST

/* ---------------------------------------------------------------- inline labs */

#define HEAD                                                                                 \
	"name: al\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n    internet_gateway: true\n"   \
	"    subnets:\n"                                                                         \
	"      - { name: pub, cidr: 10.0.1.0/24, route_table: pub }\n"                          \
	"      - { name: priv, cidr: 10.0.2.0/24 }\n"                                            \
	"    route_tables:\n      - name: pub\n        routes:\n"                                \
	"          - { destination: 0.0.0.0/0, target: igw }\n"

/* A: a, b, c, fw (an appliance that a route targets), a NAT gateway, an EIP on b, a host. */
static const char LAB_A[] = HEAD
	"      - name: priv\n        main: true\n        routes:\n"
	"          - { destination: 0.0.0.0/0, target: nat1 }\n"
	"          - { destination: 192.0.2.0/24, target: fw }\n"
	"    nat_gateways:\n      - { name: nat1, subnet: pub, elastic_ip: e-nat1 }\n"
	"    instances:\n"
	"      - { name: a, subnet: priv, ip: 10.0.2.10 }\n"
	"      - { name: b, subnet: pub, ip: 10.0.1.20 }\n"
	"      - { name: c, subnet: priv, ip: 10.0.2.30 }\n"
	"      - { name: fw, subnet: pub, ip: 10.0.1.40, source_dest_check: false }\n"
	"elastic_ips:\n  - { name: e-nat1, ip: 203.0.113.10 }\n"
	"  - { name: e-b, ip: 203.0.113.11, instance: b }\n"
	"internet:\n  hosts:\n    - { name: ext, ip: 198.51.100.10 }\n";

/* B: a removed, c moved (new IP: a remove and an add), d and e added, the EIP moved to d, the
 * route to fw now to e, a second NAT gateway before the first in the file. */
static const char LAB_B[] = HEAD
	"      - name: priv\n        main: true\n        routes:\n"
	"          - { destination: 0.0.0.0/0, target: nat1 }\n"
	"          - { destination: 192.0.2.0/24, target: e }\n"
	"          - { destination: 198.51.100.0/24, target: nat0 }\n"
	"    nat_gateways:\n      - { name: nat0, subnet: pub, elastic_ip: e-nat0 }\n"
	"      - { name: nat1, subnet: pub, elastic_ip: e-nat1 }\n"
	"    instances:\n"
	"      - { name: d, subnet: priv, ip: 10.0.2.40 }\n"
	"      - { name: e, subnet: pub, ip: 10.0.1.50, source_dest_check: false }\n"
	"      - { name: b, subnet: pub, ip: 10.0.1.20 }\n"
	"      - { name: c, subnet: priv, ip: 10.0.2.31 }\n"
	"      - { name: fw, subnet: pub, ip: 10.0.1.40, source_dest_check: false }\n"
	"elastic_ips:\n  - { name: e-nat0, ip: 203.0.113.9 }\n"
	"  - { name: e-nat1, ip: 203.0.113.10 }\n"
	"  - { name: e-b, ip: 203.0.113.11, instance: d }\n"
	"internet:\n  hosts:\n    - { name: new, ip: 198.51.100.11 }\n"
	"    - { name: ext, ip: 198.51.100.10 }\n";

/* C: only b and two new instances; no NAT gateway, no host. */
static const char LAB_C[] = HEAD
	"    instances:\n"
	"      - { name: x, subnet: priv, ip: 10.0.2.60 }\n"
	"      - { name: b, subnet: pub, ip: 10.0.1.20 }\n"
	"      - { name: y, subnet: pub, ip: 10.0.1.70 }\n";

START_TEST(known_indices)
{
	struct lab *a = load_as_apply("a.yaml", LAB_A, NULL);
	struct lab *b = load_as_apply("b.yaml", LAB_B, a);
	struct vl_tables *ta = compile_ok(a);
	/* compile order: instances in file order, then hosts */
	ck_assert_int_eq(port_at(ta, "a"), 0);
	ck_assert_int_eq(port_at(ta, "b"), 1);
	ck_assert_int_eq(port_at(ta, "c"), 2);
	ck_assert_int_eq(port_at(ta, "fw"), 3);
	ck_assert_int_eq(port_at(ta, "ext"), 4);
	ck_assert_int_eq(port_at(ta, VL_RESOLVER_NAME), 5); /* the resolver comes last */
	ck_assert_uint_eq(ta->resolver_port, 5);
	struct vl_tables *tb = align_checked("A->B", b, ta);
	/* kept: b, fw, ext; a and c (renumbered) leave holes 0 and 2, which this apply does not
	 * reuse: d, e, c, new go past the old count in file order (instances, then hosts). */
	ck_assert_int_eq(port_at(tb, "b"), 1);
	ck_assert_int_eq(port_at(tb, "fw"), 3);
	ck_assert_int_eq(port_at(tb, "ext"), 4);
	ck_assert(!vl_port_used(&tb->ports[0]));
	ck_assert(!vl_port_used(&tb->ports[2]));
	ck_assert_int_eq(port_at(tb, VL_RESOLVER_NAME), 5); /* kept at its index */
	ck_assert_uint_eq(tb->resolver_port, 5);
	ck_assert_int_eq(port_at(tb, "d"), 6);
	ck_assert_int_eq(port_at(tb, "e"), 7);
	ck_assert_int_eq(port_at(tb, "c"), 8);
	ck_assert_int_eq(port_at(tb, "new"), 9);
	ck_assert_uint_eq(tb->n_ports, 10);
	ck_assert_int_eq(natgw_at(tb, "nat1"), 0);
	ck_assert_int_eq(natgw_at(tb, "nat0"), 1);
	struct lab *c = load_as_apply("c.yaml", LAB_C, b);
	struct vl_tables *tc = align_checked("B->C", c, tb);
	/* B's holes 0 and 2 are taken by x and y (lowest first, in file order); b stays. */
	ck_assert_int_eq(port_at(tc, "x"), 0);
	ck_assert_int_eq(port_at(tc, "b"), 1);
	ck_assert_int_eq(port_at(tc, "y"), 2);
	ck_assert_uint_eq(tc->n_ports, 10);
	ck_assert_uint_eq(tc->resolver_port, 5); /* the resolver stays where it was */
	ck_assert_int_eq(port_at(tc, VL_RESOLVER_NAME), 5);
	ck_assert_uint_eq(tc->n_natgws, 2);
	ck_assert(!vl_natgw_used(&tc->natgws[0]) && !vl_natgw_used(&tc->natgws[1]));
	for (uint16_t i = 3; i < 10; i++)
		ck_assert_msg(i == 5 || !vl_port_used(&tc->ports[i]), "index %u holds %s", i, tc->ports[i].name);
	vl_tables_free(ta);
	vl_tables_free(tb);
	vl_tables_free(tc);
	lab_free(a);
	lab_free(b);
	lab_free(c);
}
END_TEST

/* A -> B -> A -> C, each aligned against the one before: an object that lives through the
 * whole chain never moves, and one that comes back in the second A is a new interface. */
START_TEST(chain_keeps_indices)
{
	struct lab *a = load_as_apply("a.yaml", LAB_A, NULL);
	struct lab *b = load_as_apply("b.yaml", LAB_B, a);
	struct lab *a2 = load_as_apply("a.yaml", LAB_A, b);
	struct lab *c = load_as_apply("c.yaml", LAB_C, a2);
	struct vl_tables *t1 = compile_ok(a);
	struct vl_tables *t2 = align_checked("A->B", b, t1);
	struct vl_tables *t3 = align_checked("B->A", a2, t2);
	struct vl_tables *t4 = align_checked("A->C", c, t3);
	/* b lives through the chain; fw and ext through A, B, A */
	ck_assert_int_eq(port_at(t2, "b"), port_at(t1, "b"));
	ck_assert_int_eq(port_at(t3, "b"), port_at(t1, "b"));
	ck_assert_int_eq(port_at(t4, "b"), port_at(t1, "b"));
	ck_assert_int_eq(port_at(t3, "fw"), port_at(t1, "fw"));
	ck_assert_int_eq(port_at(t3, "ext"), port_at(t1, "ext"));
	ck_assert_int_eq(natgw_at(t3, "nat1"), natgw_at(t1, "nat1"));
	/* a comes back into B's holes (0 first); c (its A address again) is a new interface. */
	ck_assert_int_eq(port_at(t3, "a"), 0);
	ck_assert_int_eq(port_at(t3, "c"), 2);
	/* the count never shrinks along the chain */
	ck_assert_uint_le(t1->n_ports, t2->n_ports);
	ck_assert_uint_le(t2->n_ports, t3->n_ports);
	ck_assert_uint_le(t3->n_ports, t4->n_ports);
	ck_assert_uint_le(t3->n_natgws, t4->n_natgws);
	/* each step against itself: the identity */
	assert_self_identity("A", a, t1);
	assert_self_identity("B", b, t2);
	assert_self_identity("A again", a2, t3);
	assert_self_identity("C", c, t4);
	vl_tables_free(t1);
	vl_tables_free(t2);
	vl_tables_free(t3);
	vl_tables_free(t4);
	lab_free(a);
	lab_free(b);
	lab_free(a2);
	lab_free(c);
}
END_TEST

/* Every corpus "after" file applied in turn, each aligned against the previous result: the
 * invariants hold at every step of a long chain (labs of different shapes follow one another,
 * as when a user rewrites the file between applies). The lab name differs between files:
 * alignment does not look at it. */
START_TEST(corpus_chain)
{
	DIR *d = opendir(CORPUS);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	char names[64][300]; /* the corpus path and a d_name (at most 255) */
	int n = 0;
	while ((e = readdir(d)) && n < 64) {
		size_t len = strlen(e->d_name);
		if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml"))
			snprintf(names[n++], sizeof(names[0]), CORPUS "/%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	struct lab *prev = load_as_apply(names[0], NULL, NULL);
	struct vl_tables *t = compile_ok(prev);
	for (int i = 1; i < n; i++) {
		struct lab *m = load_as_apply(names[i], NULL, prev);
		struct vl_tables *nt = align_checked(names[i], m, t);
		vl_tables_free(t);
		lab_free(prev);
		t = nt;
		prev = m;
	}
	vl_tables_free(t);
	lab_free(prev);
}
END_TEST

/* Past the last index an interface can have: -ENOSPC, and the new tables are unchanged. */
START_TEST(no_space_leaves_nt_unchanged)
{
	struct vl_tables *ot = calloc(1, sizeof(*ot)), *nt = calloc(1, sizeof(*nt));
	ck_assert(ot && nt);
	ot->n_ports = VL_NONE; /* indices 0 .. 0xfffe, all used */
	ot->ports = calloc(ot->n_ports, sizeof(*ot->ports));
	ck_assert_ptr_nonnull(ot->ports);
	for (uint32_t i = 0; i < ot->n_ports; i++) {
		snprintf(ot->ports[i].name, VL_NAME_MAX, "p%u", i);
		ot->ports[i].vpc = ot->ports[i].subnet = ot->ports[i].eip = VL_NONE;
		ot->ports[i].ip = 0x0a000000u + i;
	}
	nt->n_ports = 1;
	nt->ports = calloc(1, sizeof(*nt->ports));
	snprintf(nt->ports[0].name, VL_NAME_MAX, "new");
	nt->ports[0].vpc = nt->ports[0].subnet = nt->ports[0].eip = VL_NONE;
	struct vl_port *before = nt->ports;
	ck_assert_int_eq(tables_align(nt, ot), -ENOSPC);
	ck_assert_ptr_eq(nt->ports, before);
	ck_assert_uint_eq(nt->n_ports, 1);
	ck_assert_str_eq(nt->ports[0].name, "new");
	/* a hole in ot: the new one takes it */
	ot->ports[300].name[0] = '\0';
	ck_assert_int_eq(tables_align(nt, ot), 0);
	ck_assert_uint_eq(nt->n_ports, VL_NONE);
	ck_assert_str_eq(nt->ports[300].name, "new");
	vl_tables_free(ot);
	vl_tables_free(nt);
}
END_TEST

Suite *suite_align(void)
{
	Suite *s = suite_create("align");
	TCase *tc = tcase_create("align");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, corpus_pairs);
	tcase_add_test(tc, known_indices);
	tcase_add_test(tc, chain_keeps_indices);
	tcase_add_test(tc, corpus_chain);
	tcase_add_test(tc, no_space_leaves_nt_unchanged);
	suite_add_tcase(s, tc);
	return s;
}
