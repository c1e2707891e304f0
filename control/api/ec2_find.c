/* Id -> object over a lab model (ec2_find.h): each kind's id computed as the Describe calls
 * compute it and compared, since ids are hashes and cannot be reversed. Labs are small (a few
 * hundred objects), so a linear walk per lookup costs nothing next to an apply. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/api/ec2_find.h"

static void scoped(char out[48], const char *lab, const char *prefix, const struct lab_vpc *v,
		   const char *name, const char *implicit)
{
	if (strcmp(name, implicit) == 0) {
		char key[160];
		snprintf(key, sizeof(key), "%s/%s", v->name.s ? v->name.s : "", name);
		api_id(out, lab, prefix, key);
	} else {
		api_id(out, lab, prefix, name);
	}
}

void ec2_model_rtb_id(char out[48], const char *lab, const struct lab_vpc *v, const char *table)
{
	scoped(out, lab, "rtb", v, table, "main");
}

void ec2_model_acl_id(char out[48], const char *lab, const struct lab_vpc *v, const char *acl)
{
	scoped(out, lab, "acl", v, acl, "default");
}

void ec2_model_sg_id(char out[48], const char *lab, const struct lab_vpc *v, const char *sg)
{
	scoped(out, lab, "sg", v, sg, "default");
}

void ec2_model_igw_id(char out[48], const char *lab, const struct lab_vpc *v)
{
	api_id(out, lab, "igw", v->name.s ? v->name.s : "");
}

void ec2_assoc_id(char out[48], const char *lab, const char *eip)
{
	api_id(out, lab, "eipassoc", eip);
}

static bool is(const char *want, const char *id)
{
	return id && strcmp(want, id) == 0;
}

int ec2_find_rtb(const char *lab, struct lab *m, const char *id, struct ec2_rtb *out)
{
	char x[48];
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *vpc = &m->vpcs[v];
		bool has_main = false;
		for (size_t t = 0; t < vpc->n_route_tables; t++) {
			struct lab_route_table *rt = &vpc->route_tables[t];
			has_main |= rt->main.v;
			ec2_model_rtb_id(x, lab, vpc, rt->name.s ? rt->name.s : "");
			if (is(x, id)) {
				*out = (struct ec2_rtb){vpc, rt};
				return 0;
			}
		}
		ec2_model_rtb_id(x, lab, vpc, "main");
		if (!has_main && is(x, id)) {
			*out = (struct ec2_rtb){vpc, NULL};
			return 0;
		}
	}
	return -ENOENT;
}

int ec2_find_acl(const char *lab, struct lab *m, const char *id, struct ec2_acl *out)
{
	char x[48];
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *vpc = &m->vpcs[v];
		for (size_t a = 0; a < vpc->n_acls; a++) {
			ec2_model_acl_id(x, lab, vpc, vpc->acls[a].name.s ? vpc->acls[a].name.s : "");
			if (is(x, id)) {
				*out = (struct ec2_acl){vpc, &vpc->acls[a]};
				return 0;
			}
		}
		ec2_model_acl_id(x, lab, vpc, "default");
		if (is(x, id)) {
			*out = (struct ec2_acl){vpc, NULL};
			return 0;
		}
	}
	return -ENOENT;
}

struct lab_instance *ec2_find_instance(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc)
{
	char x[48];
	const char *prefix = id && strncmp(id, "eni-", 4) == 0 ? "eni" : "i";
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
			struct lab_instance *in = &m->vpcs[v].instances[i];
			api_id(x, lab, prefix, in->name.s ? in->name.s : "");
			if (is(x, id)) {
				if (vpc)
					*vpc = &m->vpcs[v];
				return in;
			}
		}
	return NULL;
}

struct lab_subnet *ec2_find_subnet(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc)
{
	char x[48];
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_subnets; i++) {
			struct lab_subnet *s = &m->vpcs[v].subnets[i];
			api_id(x, lab, "subnet", s->name.s ? s->name.s : "");
			if (is(x, id)) {
				if (vpc)
					*vpc = &m->vpcs[v];
				return s;
			}
		}
	return NULL;
}

struct lab_natgw *ec2_find_natgw(const char *lab, struct lab *m, const char *id, struct lab_vpc **vpc)
{
	char x[48];
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_natgws; i++) {
			struct lab_natgw *g = &m->vpcs[v].natgws[i];
			api_id(x, lab, "nat", g->name.s ? g->name.s : "");
			if (is(x, id)) {
				if (vpc)
					*vpc = &m->vpcs[v];
				return g;
			}
		}
	return NULL;
}

const char *ec2_find_sg(const char *lab, struct lab_vpc *v, const char *id)
{
	char x[48];
	for (size_t i = 0; i < v->n_sgs; i++) {
		ec2_model_sg_id(x, lab, v, v->sgs[i].name.s ? v->sgs[i].name.s : "");
		if (is(x, id))
			return v->sgs[i].name.s;
	}
	ec2_model_sg_id(x, lab, v, "default");
	return is(x, id) ? "default" : NULL;
}

struct lab_vpc *ec2_find_igw(const char *lab, struct lab *m, const char *id)
{
	char x[48];
	for (size_t v = 0; v < m->n_vpcs; v++) {
		ec2_model_igw_id(x, lab, &m->vpcs[v]);
		if (m->vpcs[v].internet_gateway.v && is(x, id))
			return &m->vpcs[v];
	}
	return NULL;
}

struct lab_eip *ec2_find_eip(const char *lab, struct lab *m, const char *id)
{
	char x[48];
	for (size_t i = 0; i < m->n_eips; i++) {
		api_id(x, lab, "eipalloc", m->eips[i].name.s ? m->eips[i].name.s : "");
		if (is(x, id))
			return &m->eips[i];
	}
	return NULL;
}

struct lab_eip *ec2_find_eip_ip(struct lab *m, const char *ip)
{
	struct in_addr a;
	if (!ip || inet_pton(AF_INET, ip, &a) != 1)
		return NULL;
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i].addr_ok && m->eips[i].addr == ntohl(a.s_addr))
			return &m->eips[i];
	return NULL;
}

struct lab_eip *ec2_find_assoc(const char *lab, struct lab *m, const char *assoc)
{
	char x[48];
	for (size_t i = 0; i < m->n_eips; i++) {
		if (!m->eips[i].instance.s || !m->eips[i].name.s)
			continue;
		ec2_assoc_id(x, lab, m->eips[i].name.s);
		if (is(x, assoc))
			return &m->eips[i];
	}
	return NULL;
}

struct lab_str ec2_str(struct lab *m, const char *s, struct loc at)
{
	return (struct lab_str){.s = s ? lab_strdup(m, s) : NULL, .at = at};
}
