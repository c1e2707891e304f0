/* lab_export (export.h): the top of the file (name, region, vpcs, elastic IPs, internet, Route 53,
 * checks), the emitter helpers export_impl.h declares, and the plan for public IPs that the file
 * cannot write as such. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/export.h"
#include "control/lab/export_impl.h"
#include "vpclab/addr.h"

static void ex_emit(struct ex *x, yaml_event_t *ev, int ok)
{
	if (x->err)
		return;
	if (!ok) {
		x->err = -ENOMEM;
		return;
	}
	if (!yaml_emitter_emit(&x->e, ev))
		x->err = x->e.error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO;
}

void ex_map(struct ex *x, bool flow)
{
	yaml_event_t ev;
	ex_emit(x, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

void ex_seq(struct ex *x, bool flow)
{
	yaml_event_t ev;
	ex_emit(x, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
			flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

void ex_end_map(struct ex *x)
{
	yaml_event_t ev;
	ex_emit(x, &ev, yaml_mapping_end_event_initialize(&ev));
}

void ex_end_seq(struct ex *x)
{
	yaml_event_t ev;
	ex_emit(x, &ev, yaml_sequence_end_event_initialize(&ev));
}

/* The loader reads a plain "", "~" or "null" as nothing (load.c ld_is_null): such a string is
 * quoted; libyaml picks the style of every other scalar (plain when that reads back the same). */
void ex_scalar(struct ex *x, const char *s)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (strcmp(s, nulls[i]) == 0)
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	yaml_event_t ev;
	ex_emit(x, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s,
			(int)strlen(s), 1, 1, style));
}

void ex_key(struct ex *x, const char *k)
{
	ex_scalar(x, k);
}

void ex_cstr(struct ex *x, const char *k, const char *s)
{
	if (!s)
		return;
	ex_key(x, k);
	ex_scalar(x, s);
}

void ex_str(struct ex *x, const char *k, const struct lab_str *s)
{
	ex_cstr(x, k, s->s);
}

void ex_llong(struct ex *x, const char *k, long long v)
{
	char b[24];
	snprintf(b, sizeof(b), "%lld", v);
	ex_cstr(x, k, b);
}

void ex_int(struct ex *x, const char *k, const struct lab_int *v)
{
	if (v->set)
		ex_llong(x, k, v->v);
}

void ex_bool(struct ex *x, const char *k, const struct lab_bool *b)
{
	if (b->set)
		ex_cstr(x, k, b->v ? "true" : "false");
}

void ex_names(struct ex *x, const char *k, const struct lab_names *n)
{
	if (!n->set)
		return;
	ex_key(x, k);
	ex_seq(x, true);
	for (size_t i = 0; i < n->n; i++)
		ex_scalar(x, n->v[i].s ? n->v[i].s : "");
	ex_end_seq(x);
}

void ex_addr(struct ex *x, const char *k, uint32_t a)
{
	char b[16];
	ex_cstr(x, k, addr_fmt(a, b));
}

void ex_ip(struct ex *x, const char *k, const struct lab_str *ip, bool ok, uint32_t a)
{
	if (ip->s)
		ex_cstr(x, k, ip->s);
	else if (ok)
		ex_addr(x, k, a);
}

/* Public IPs. The file has no key for an auto-assigned public IP (an instance's from
 * map_public_ip / public_ip, an internet-facing load balancer node's from the pool): a fresh
 * check hands them out lowest free first, in file order, after the hosts and elastic IPs. A lab
 * changed by apply keeps the ones it gave (pins.h public_ip lines), which need not be that order
 * (an instance added before others, one removed between others). So the plan: run check's
 * assignment over the file as it will be written (every elastic IP explicit); whatever it would
 * give differently becomes an elastic IP with the running address, the only way the file can
 * hold that address (packets and NAT are the same; `status` shows it as an elastic IP). Each
 * conversion reserves its address before the others are handed out, which can move them: repeat
 * until nothing changes (each round converts one, so it ends). Nodes of application load
 * balancers take no elastic IP: theirs stay what a fresh check gives. */

struct ex_used {
	uint32_t *v;
	size_t n;
};

static bool used_has(const struct ex_used *u, uint32_t a)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i] == a)
			return true;
	return false;
}

/* The lowest free pool address (check_addr.c ck_pool_take), taken; 0 when none. */
static uint32_t pool_take(const struct lab *m, struct ex_used *u)
{
	struct prefix4 p = m->pool;
	uint32_t bcast = p.addr | ~prefix_mask(p.len);
	if (p.len > 30)
		return 0;
	for (uint32_t a = p.addr + 1; a < bcast; a++)
		if (!used_has(u, a)) {
			u->v[u->n++] = a;
			return a;
		}
	return 0;
}

/* One round: what a fresh check would give; true when something had to be converted. Only the
 * first difference converts: the ones after it may be differences it caused, which its elastic
 * IP, reserved in the next round, undoes. */
static bool plan_round(struct ex *x, struct ex_used *u, unsigned *next)
{
	const struct lab *m = x->m;
	u->n = 0;
	for (size_t i = 0; i < m->n_hosts; i++)
		u->v[u->n++] = m->hosts[i].addr;
	for (size_t i = 0; i < m->n_eips; i++)
		u->v[u->n++] = m->eips[i].addr;
	bool changed = false;
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0 reserves the converted ones (elastic IPs, explicit in the file) */
		for (size_t v = 0; v < m->n_vpcs; v++)
			for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
				const struct lab_instance *in = &m->vpcs[v].instances[i];
				if (in->group || in->eip != VL_NONE || !in->public_addr ||
				    !in->addr_ok || in->gidx >= x->n_inst)
					continue;
				bool conv = x->inst_eip[in->gidx][0];
				if (pass == 0 && conv)
					u->v[u->n++] = in->public_addr;
				if (pass == 1 && !conv && !changed && pool_take(m, u) != in->public_addr) {
					snprintf(x->inst_eip[in->gidx], VL_NAME_MAX, "public-%u", (*next)++);
					changed = true;
				}
			}
		for (size_t v = 0; v < m->n_vpcs; v++)
			for (size_t l = 0; l < m->vpcs[v].n_lbs; l++) {
				const struct lab_lb *b = &m->vpcs[v].lbs[l];
				for (size_t j = 0; j < b->n_nodes; j++) {
					const struct lab_lb_node *n = &b->nodes[j];
					size_t k = ex_node_k(x, n);
					if (n->eip != VL_NONE || !n->public_addr || !n->addr_ok ||
					    k >= x->n_node)
						continue;
					bool conv = x->node_eip[k][0];
					if (pass == 0 && conv)
						u->v[u->n++] = n->public_addr;
					if (pass == 1 && !conv && !changed &&
					    pool_take(m, u) != n->public_addr && b->kind == VL_LB_NETWORK) {
						snprintf(x->node_eip[k], VL_NAME_MAX, "public-%u", (*next)++);
						changed = true;
					}
				}
			}
	}
	return changed;
}

/* A generated elastic IP name no elastic IP, instance, host, NAT gateway or load balancer has
 * ("public-N"): checks and trace may name any of them. */
static bool name_taken(const struct lab *m, const char *s)
{
	return lab_find_eip(m, s) || lab_find_instance(m, s) || lab_find_host(m, s) ||
	       lab_find_lb(m, s) || lab_find_natgw(m, s);
}

static int plan_public(struct ex *x)
{
	const struct lab *m = x->m;
	x->n_inst = m->n_instances;
	x->n_node = m->n_nodes;
	x->inst_eip = calloc((size_t)x->n_inst + 1, sizeof(*x->inst_eip));
	x->node_eip = calloc((size_t)x->n_node + 1, sizeof(*x->node_eip));
	struct ex_used u = { calloc((size_t)m->n_hosts + m->n_eips + 2u * (m->n_instances + m->n_nodes) + 1,
				    sizeof(uint32_t)), 0 };
	if (!x->inst_eip || !x->node_eip || !u.v) {
		free(u.v);
		return -ENOMEM;
	}
	unsigned next = 1;
	while (plan_round(x, &u, &next))
		;
	free(u.v);
	/* names: skip any the lab already uses */
	char (*all[2])[VL_NAME_MAX] = { x->inst_eip, x->node_eip };
	size_t cnt[2] = { x->n_inst, x->n_node };
	next = 1;
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < cnt[t]; i++) {
			if (!all[t][i][0])
				continue;
			do
				snprintf(all[t][i], VL_NAME_MAX, "public-%u", next++);
			while (name_taken(m, all[t][i]));
		}
	return 0;
}

static void ex_eip(struct ex *x, const char *name, const struct lab_str *ip, bool ok, uint32_t a,
		   const char *instance)
{
	ex_map(x, true);
	ex_cstr(x, "name", name);
	ex_ip(x, "ip", ip, ok, a);
	ex_cstr(x, "instance", instance);
	ex_end_map(x);
}

static void ex_eips(struct ex *x)
{
	const struct lab *m = x->m;
	const struct lab_str none = { 0 };
	size_t conv = 0;
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			conv += ex_converted(x, &m->vpcs[v].instances[i]);
	for (size_t i = 0; i < x->n_node; i++)
		conv += x->node_eip[i][0] != 0;
	if (!m->n_eips && !conv)
		return;
	ex_key(x, "elastic_ips");
	ex_seq(x, false);
	for (size_t i = 0; i < m->n_eips; i++) {
		const struct lab_eip *e = &m->eips[i];
		ex_eip(x, e->name.s, &e->ip, e->addr_ok, e->addr, e->instance.s);
	}
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
			const struct lab_instance *in = &m->vpcs[v].instances[i];
			if (ex_converted(x, in))
				ex_eip(x, x->inst_eip[in->gidx], &none, true, in->public_addr, in->name.s);
		}
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t l = 0; l < m->vpcs[v].n_lbs; l++)
			for (size_t j = 0; j < m->vpcs[v].lbs[l].n_nodes; j++) {
				const struct lab_lb_node *n = &m->vpcs[v].lbs[l].nodes[j];
				size_t k = ex_node_k(x, n);
				if (k < x->n_node && n->addr_ok && x->node_eip[k][0])
					ex_eip(x, x->node_eip[k], &none, true, n->public_addr, NULL);
			}
	ex_end_seq(x);
}

static void ex_internet(struct ex *x)
{
	const struct lab *m = x->m;
	if (!m->public_pool.s && !m->n_hosts)
		return;
	ex_key(x, "internet");
	ex_map(x, false);
	ex_str(x, "public_pool", &m->public_pool);
	if (m->n_hosts) {
		ex_key(x, "hosts");
		ex_seq(x, false);
		for (size_t i = 0; i < m->n_hosts; i++) {
			ex_map(x, true);
			ex_str(x, "name", &m->hosts[i].name);
			ex_ip(x, "ip", &m->hosts[i].ip, m->hosts[i].addr_ok, m->hosts[i].addr);
			ex_end_map(x);
		}
		ex_end_seq(x);
	}
	ex_end_map(x);
}

static void ex_checks(struct ex *x)
{
	const struct lab *m = x->m;
	if (!m->n_checks)
		return;
	ex_key(x, "checks");
	ex_seq(x, false);
	for (size_t i = 0; i < m->n_checks; i++) {
		const struct lab_check *c = &m->checks[i];
		ex_map(x, true);
		ex_str(x, "from", &c->from);
		ex_str(x, "to", &c->to);
		ex_str(x, "protocol", &c->protocol);
		ex_int(x, "port", &c->port);
		ex_str(x, "expect", &c->expect);
		ex_str(x, "seen_as", &c->seen_as);
		ex_end_map(x);
	}
	ex_end_seq(x);
}

static int ex_out(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

int lab_export(const struct lab *m, FILE *out)
{
	if (!m || !m->checked_ok)
		return -EINVAL;
	struct ex x = { .m = m };
	int rc = plan_public(&x);
	if (rc < 0 || !yaml_emitter_initialize(&x.e)) {
		free(x.inst_eip);
		free(x.node_eip);
		return rc < 0 ? rc : -ENOMEM;
	}
	yaml_emitter_set_output(&x.e, ex_out, out);
	yaml_emitter_set_unicode(&x.e, 1);
	yaml_emitter_set_width(&x.e, 110);
	yaml_emitter_set_indent(&x.e, 2);
	yaml_event_t ev;
	ex_emit(&x, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	ex_emit(&x, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	ex_map(&x, false);
	ex_cstr(&x, "name", lab_name(m));
	ex_str(&x, "region", &m->region);
	ex_key(&x, "vpcs");
	ex_seq(&x, false);
	for (size_t v = 0; v < m->n_vpcs; v++)
		ex_vpc(&x, &m->vpcs[v]);
	ex_end_seq(&x);
	ex_eips(&x);
	ex_internet(&x);
	ex_zones(&x);
	ex_checks(&x);
	ex_end_map(&x);
	ex_emit(&x, &ev, yaml_document_end_event_initialize(&ev, 1));
	ex_emit(&x, &ev, yaml_stream_end_event_initialize(&ev));
	if (!x.err && !yaml_emitter_flush(&x.e))
		x.err = -EIO;
	yaml_emitter_delete(&x.e);
	free(x.inst_eip);
	free(x.node_eip);
	if (!x.err && (fflush(out) != 0 || ferror(out)))
		x.err = -EIO;
	return x.err;
}
