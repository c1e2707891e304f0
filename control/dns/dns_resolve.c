/* The VPC resolver's decisions (dns_resolve.h): a private hosted zone when one associated with
 * the asking VPC holds the name (dns_zone.c), else the names AWS makes for instances and load
 * balancers and the lab's short names, else NXDOMAIN; CNAMEs followed, loops and long chains
 * end in SERVFAIL. No I/O and no clock: the health of checks and nodes comes in as input. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/dns/dns_impl.h"
#include "control/dns/dns_names.h"

static int grow(struct dns_rr **a, uint32_t *cap, uint32_t n)
{
	if (n < *cap)
		return 0;
	uint32_t c = *cap ? *cap * 2 : 4;
	struct dns_rr *b = realloc(*a, c * sizeof(**a));
	if (!b)
		return -ENOMEM;
	*a = b;
	*cap = c;
	return 0;
}

int dns_result_add(struct dns_result *r, int authority, const char *owner, uint16_t type, uint32_t ttl,
		   const char *rdata)
{
	struct dns_rr **a = authority ? &r->ns : &r->an;
	uint32_t *n = authority ? &r->n_ns : &r->n_an, *cap = authority ? &r->cap_ns : &r->cap_an;
	if (grow(a, cap, *n) < 0)
		return -ENOMEM;
	struct dns_rr *rr = &(*a)[(*n)++];
	snprintf(rr->owner, sizeof(rr->owner), "%s", owner);
	rr->type = type;
	rr->ttl = ttl;
	snprintf(rr->rdata, sizeof(rr->rdata), "%s", rdata);
	return 0;
}

void dns_result_fini(struct dns_result *r)
{
	free(r->an);
	free(r->ns);
	r->an = r->ns = NULL;
	r->n_an = r->n_ns = r->cap_an = r->cap_ns = 0;
}

static int add_a(struct dns_result *r, const char *owner, uint32_t ip, uint32_t ttl)
{
	char a[16];
	return dns_result_add(r, 0, owner, DNS_T_A, ttl, addr_fmt(ip, a));
}

int dns_lb_addresses(const struct dns_db *db, uint16_t lb, const char *owner, const struct dns_health *h,
		     struct dns_result *r, unsigned *up)
{
	const struct vl_tables *t = db->t;
	const struct vl_lb *b = &t->lbs[lb];
	uint32_t end = b->node_first + b->node_count;
	int n = 0;
	*up = 0;
	for (int pass = 0; pass < 2 && n == 0; pass++) {
		/* pass 0: the nodes that are up; pass 1 (none was): every node, as AWS fails open */
		for (uint32_t k = b->node_first; k < end && k < t->n_lb_nodes; k++) {
			uint16_t p = t->lb_nodes[k];
			if (p >= t->n_ports || !vl_port_used(&t->ports[p]))
				continue;
			int is_up = !h || !h->lb_node_up || h->lb_node_up(h->ctx, lb, p);
			if (pass == 0)
				*up += is_up != 0;
			uint32_t ip = b->internet_facing ? t->ports[p].public_ip : t->ports[p].ip;
			if ((pass == 1 || is_up) && ip) {
				if (add_a(r, owner, ip, VL_DNS_ALIAS_TTL) < 0)
					return -ENOMEM;
				n++;
			}
		}
	}
	return n;
}

static const char *vpc_name(const struct vl_tables *t, uint16_t vpc)
{
	return vpc < t->n_vpcs ? t->vpcs[vpc].name : "the internet";
}

static int hostnames(const struct vl_tables *t, uint16_t vpc)
{
	return vpc < t->n_vpcs && t->vpcs[vpc].dns_support && t->vpcs[vpc].dns_hostnames;
}

/* An instance's name answered: A for A/ANY questions, else NODATA (the name exists). */
static int answer_a(struct dns_result *r, struct dns_step *st, uint16_t qtype, uint8_t src,
		    uint16_t port, uint32_t ip)
{
	st->src = src;
	st->port = port;
	st->rcode = DNS_NOERROR;
	if (qtype != DNS_T_A && qtype != DNS_T_ANY)
		return dns_why_more(st, "no record of this type (NODATA)"), 0;
	return add_a(r, st->name, ip, DNS_INSTANCE_TTL);
}

void dns_why(struct dns_step *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->why, sizeof(st->why), fmt, ap);
	va_end(ap);
}

void dns_why_more(struct dns_step *st, const char *text)
{
	size_t n = strlen(st->why);
	snprintf(st->why + n, sizeof(st->why) - n, "; %s", text);
}

#define WHY(...) dns_why(st, __VA_ARGS__)

static int private_name(const struct dns_db *db, uint32_t ip, uint16_t qtype, uint16_t vpc,
			struct dns_result *r, struct dns_step *st)
{
	const struct vl_tables *t = db->t;
	char a[16];
	st->src = DNS_SRC_PRIVATE;
	if (vpc == DNS_FROM_INTERNET)
		return WHY("a private name: answered inside its VPC only (NXDOMAIN)"), 0;
	if (!hostnames(t, vpc))
		return WHY("VPC %s has DNS hostnames off: no instance names (NXDOMAIN)", vpc_name(t, vpc)), 0;
	uint16_t p = dns_db_instance(db, vpc, ip);
	if (p == VL_NONE)
		return WHY("no instance of VPC %s has %s (NXDOMAIN)", vpc_name(t, vpc), addr_fmt(ip, a)), 0;
	WHY("private name of instance %s (VPC %s)", t->ports[p].name, vpc_name(t, vpc));
	return answer_a(r, st, qtype, DNS_SRC_PRIVATE, p, ip);
}

static int public_name(const struct dns_db *db, uint32_t ip, uint16_t qtype, uint16_t vpc,
		       struct dns_result *r, struct dns_step *st)
{
	const struct vl_tables *t = db->t;
	char a[16];
	uint16_t p = dns_db_public(db, ip);
	st->src = DNS_SRC_PUBLIC;
	if (p == VL_NONE)
		return WHY("no instance has the public address %s (NXDOMAIN)", addr_fmt(ip, a)), 0;
	const struct vl_port *port = &t->ports[p];
	if (!hostnames(t, port->vpc))
		return WHY("instance %s's VPC %s has DNS hostnames off: no public name (NXDOMAIN)", port->name,
			   vpc_name(t, port->vpc)), 0;
	int inside = vpc == port->vpc;
	WHY("public name of instance %s: its %s address %s", port->name, inside ? "private" : "public",
	    inside ? "from inside its VPC" : "from outside its VPC");
	return answer_a(r, st, qtype, DNS_SRC_PUBLIC, p, inside ? port->ip : port->public_ip);
}

static int reverse_name(const struct dns_db *db, uint32_t ip, uint16_t qtype, uint16_t vpc,
			struct dns_result *r, struct dns_step *st)
{
	const struct vl_tables *t = db->t;
	char a[16], name[VL_DNS_NAME_MAX];
	uint16_t p = hostnames(t, vpc) ? dns_db_instance(db, vpc, ip) : VL_NONE;
	int public = 0;
	st->src = DNS_SRC_PTR;
	if (p == VL_NONE) {
		p = dns_db_public(db, ip);
		public = 1;
		if (p != VL_NONE && !hostnames(t, t->ports[p].vpc))
			p = VL_NONE;
	}
	if (p == VL_NONE)
		return WHY("no instance %s %s with a name (NXDOMAIN)", public && vpc != DNS_FROM_INTERNET ?
			   "of this VPC, nor any public address, is" : "has the public address", addr_fmt(ip, a)), 0;
	if ((public ? dns_public_name(ip, t->region, name, sizeof(name))
		    : dns_private_name(ip, t->region, name, sizeof(name))) < 0)
		return WHY("name too long (NXDOMAIN)"), 0;
	st->port = p;
	st->rcode = DNS_NOERROR;
	WHY("reverse name of instance %s's %s address", t->ports[p].name, public ? "public" : "private");
	if (qtype != DNS_T_PTR && qtype != DNS_T_ANY)
		return dns_why_more(st, "no record of this type (NODATA)"), 0;
	size_t n = strlen(name);
	name[n] = '.', name[n + 1] = '\0';
	return dns_result_add(r, 0, st->name, DNS_T_PTR, DNS_INSTANCE_TTL, name);
}

static int lb_name(const struct dns_db *db, uint16_t lb, uint16_t qtype, uint16_t vpc,
		   const struct dns_health *h, struct dns_result *r, struct dns_step *st)
{
	const struct vl_lb *b = &db->t->lbs[lb];
	unsigned up = 0;
	st->src = DNS_SRC_LB;
	st->lb = lb;
	if (vpc == DNS_FROM_INTERNET && !b->internet_facing)
		return WHY("internal load balancer %s: answered inside the lab's VPCs only (NXDOMAIN)", b->name), 0;
	st->rcode = DNS_NOERROR;
	if (qtype != DNS_T_A && qtype != DNS_T_ANY)
		return WHY("load balancer %s: IPv4 only, no record of this type (NODATA)", b->name), 0;
	int n = dns_lb_addresses(db, lb, st->name, h, r, &up);
	if (n < 0)
		return n;
	WHY("load balancer %s (%s): %u of %u nodes up%s, their %s addresses", b->name,
	    b->internet_facing ? "internet-facing" : "internal", up, b->node_count,
	    up ? "" : " (none: all answer, as AWS fails open)", b->internet_facing ? "public" : "private");
	return 0;
}

/* The names AWS makes and the lab's short names; NXDOMAIN for the rest. */
static int builtin(const struct dns_db *db, uint16_t qtype, uint16_t vpc, const struct dns_health *h,
		   struct dns_result *r, struct dns_step *st)
{
	const struct vl_tables *t = db->t;
	const char *name = st->name;
	uint32_t ip;
	uint16_t i;
	if (dns_parse_private_name(name, t->region, &ip) == 0)
		return private_name(db, ip, qtype, vpc, r, st);
	if (dns_parse_public_name(name, t->region, &ip) == 0)
		return public_name(db, ip, qtype, vpc, r, st);
	if (dns_parse_ptr_name(name, &ip) == 0)
		return reverse_name(db, ip, qtype, vpc, r, st);
	if ((i = dns_db_lb(db, name)) != VL_NONE)
		return lb_name(db, i, qtype, vpc, h, r, st);
	if (!strchr(name, '.') && vpc != DNS_FROM_INTERNET && hostnames(t, vpc) &&
	    (i = dns_db_named(db, name)) != VL_NONE && t->ports[i].vpc == vpc) {
		WHY("short name of instance %s (VPC %s), a lab convenience", t->ports[i].name, vpc_name(t, vpc));
		return answer_a(r, st, qtype, DNS_SRC_SHORT, i, t->ports[i].ip);
	}
	if (vpc == DNS_FROM_INTERNET)
		WHY("not a public name of the lab (NXDOMAIN)");
	else
		WHY("no private hosted zone associated with VPC %s holds it, and no instance or load balancer "
		    "has this name (NXDOMAIN)", vpc_name(t, vpc));
	return 0;
}

static void step_init(struct dns_step *st, const char *name)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->src = DNS_SRC_NONE;
	st->rcode = DNS_NXDOMAIN;
	st->zone = st->port = st->lb = VL_NONE;
	st->record = UINT32_MAX;
}

static int seen(const struct dns_result *r, const char *name)
{
	for (uint32_t i = 0; i < r->n_steps; i++)
		if (!strcmp(r->steps[i].name, name))
			return 1;
	return 0;
}

int dns_resolve(const struct dns_db *db, const char *name, uint16_t qtype, uint16_t vpc,
		const struct dns_health *h, struct dns_result *r)
{
	const struct vl_tables *t = db->t;
	char cur[VL_DNS_NAME_MAX], next[VL_DNS_NAME_MAX];
	memset(r, 0, sizeof(*r));
	r->qtype = qtype;
	r->rcode = DNS_SERVFAIL;
	if (vpc != DNS_FROM_INTERNET && vpc >= t->n_vpcs)
		return -EINVAL;
	if (dns_name_canon(name, cur, sizeof(cur)) < 0)
		return -EINVAL;
	if (vpc != DNS_FROM_INTERNET && !t->vpcs[vpc].dns_support) {
		step_init(&r->steps[r->n_steps++], cur);
		dns_why(&r->steps[0], "VPC %s has DNS support off: nothing answers at its resolver",
			t->vpcs[vpc].name);
		return -ENETUNREACH;
	}
	for (;;) {
		struct dns_step *st = &r->steps[r->n_steps++];
		step_init(st, cur);
		uint16_t z = dns_db_zone(db, cur, vpc);
		int rc = z != VL_NONE ? dns_zone_lookup(db, z, cur, qtype, h, r, st, next, sizeof(next))
				      : (next[0] = '\0', builtin(db, qtype, vpc, h, r, st));
		if (rc < 0)
			return rc;
		r->rcode = st->rcode;
		if (!next[0])
			return 0;
		if (seen(r, next) || r->n_steps > DNS_CHAIN_MAX) {
			if (seen(r, next))
				snprintf(r->note, sizeof(r->note), "CNAME loop back to %.64s: SERVFAIL", next);
			else
				snprintf(r->note, sizeof(r->note), "more than %d CNAMEs: SERVFAIL", DNS_CHAIN_MAX);
			r->rcode = DNS_SERVFAIL;
			r->n_an = r->n_ns = 0;
			return 0;
		}
		memcpy(cur, next, sizeof(cur));
	}
}

int dns_instance_names(const struct vl_tables *t, uint16_t i, char priv[VL_DNS_NAME_MAX], char pub[VL_DNS_NAME_MAX])
{
	priv[0] = pub[0] = '\0';
	if (i >= t->n_ports || !vl_port_used(&t->ports[i]) || t->ports[i].kind != VL_PORT_INSTANCE)
		return -EINVAL;
	const struct vl_port *p = &t->ports[i];
	if (!hostnames(t, p->vpc))
		return 0;
	if (dns_private_name(p->ip, t->region, priv, VL_DNS_NAME_MAX) < 0)
		priv[0] = '\0';
	if (p->public_ip && dns_public_name(p->public_ip, t->region, pub, VL_DNS_NAME_MAX) < 0)
		pub[0] = '\0';
	return 0;
}

const char *dns_type_name(uint16_t type, char buf[16])
{
	static const struct { uint16_t t; const char *n; } names[] = {
		{DNS_T_A, "A"}, {DNS_T_NS, "NS"}, {DNS_T_CNAME, "CNAME"}, {DNS_T_SOA, "SOA"},
		{DNS_T_PTR, "PTR"}, {DNS_T_MX, "MX"}, {DNS_T_TXT, "TXT"}, {DNS_T_AAAA, "AAAA"},
		{DNS_T_SRV, "SRV"}, {DNS_T_ANY, "ANY"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].n;
	snprintf(buf, 16, "TYPE%u", type);
	return buf;
}

const char *dns_rcode_name(uint8_t rcode)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
	return rcode < sizeof(names) / sizeof(names[0]) ? names[rcode] : "RCODE?";
}

const char *dns_explain(const struct dns_result *r, char *buf, size_t cap)
{
	size_t w = 0;
	char tn[16];
	if (!cap)
		return buf;
	buf[0] = '\0';
#define PUT(...) do { int n_ = snprintf(buf + w, cap - w, __VA_ARGS__); \
		      w = n_ < 0 ? w : w + (size_t)n_ >= cap ? cap - 1 : w + (size_t)n_; } while (0)
	for (uint32_t i = 0; i < r->n_steps; i++)
		PUT("%s%s %s: %s\n", i ? "  then " : "", r->steps[i].name,
		    dns_type_name(r->qtype, tn), r->steps[i].why);
	if (r->note[0])
		PUT("%s\n", r->note);
	PUT("%s, %u answer%s\n", dns_rcode_name(r->rcode), r->n_an, r->n_an == 1 ? "" : "s");
#undef PUT
	return buf;
}
