/* What the EC2 Describe handlers share (ec2_desc.h): ids of the compiled tables' objects, the
 * ids a request names and the NotFound of one the lab does not have, protocol names and
 * addresses as AWS writes them, the instances' DNS names as the lab's resolver answers them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "control/api/ec2_desc.h"
#include "control/dns/dns_names.h"

/* An implicit object ("default", "main") is one per VPC: its VPC's name makes it unique. */
static void table_id(const struct api_ctx *c, const char *prefix, const char *name, uint16_t vpc,
		     const char *implicit, char out[48])
{
	char key[64];
	if (strcmp(name, implicit) == 0 && vpc < c->t->n_vpcs) {
		snprintf(key, sizeof(key), "%s/%s", c->t->vpcs[vpc].name, implicit);
		api_id(out, c->lab, prefix, key);
	} else {
		api_id(out, c->lab, prefix, name);
	}
}

void ec2_sg_id(const struct api_ctx *c, uint16_t sg, char out[48])
{
	table_id(c, "sg", c->t->sgs[sg].name, c->t->sgs[sg].vpc, "default", out);
}

void ec2_acl_id(const struct api_ctx *c, uint16_t acl, char out[48])
{
	table_id(c, "acl", c->t->acls[acl].name, c->t->acls[acl].vpc, "default", out);
}

void ec2_rtb_id(const struct api_ctx *c, uint16_t rt, char out[48])
{
	table_id(c, "rtb", c->t->route_tables[rt].name, c->t->route_tables[rt].vpc, "main", out);
}

void ec2_natgw_eni(const struct api_ctx *c, const char *name, char out[48])
{
	char key[64];
	snprintf(key, sizeof(key), "natgw-eni/%s", name);
	api_id(out, c->lab, "eni", key);
}

void ec2_node_eni(const struct api_ctx *c, uint16_t port, char out[48])
{
	char ns[128];
	vl_port_netns(c->t, port, ns, sizeof(ns));
	size_t skip = strlen(c->t->lab) + 1;
	api_id(out, c->lab, "eni", strlen(ns) > skip ? ns + skip : ns);
}

void ec2_igw_id(const struct api_ctx *c, uint16_t vpc, char out[48])
{
	api_id(out, c->lab, "igw", c->t->vpcs[vpc].name);
}

const char *ec2_ip(uint32_t ip, char buf[16])
{
	struct in_addr a = {htonl(ip)};
	inet_ntop(AF_INET, &a, buf, 16);
	return buf;
}

const char *ec2_proto_name(int proto, char buf[8])
{
	if (proto < 0)
		return "-1";
	if (proto == 6)
		return "tcp";
	if (proto == 17)
		return "udp";
	if (proto == 1)
		return "icmp";
	snprintf(buf, 8, "%d", proto & 0xff);
	return buf;
}

int ec2_ids_get(const struct api_req *r, const char *param, struct ec2_ids *ids, struct api_out *o)
{
	memset(ids->seen, 0, sizeof(ids->seen));
	ids->n = api_list(r, param, ids->v, EC2_MAX_IDS);
	if (ids->n > EC2_MAX_IDS)
		return api_fail(o, 400, "InvalidParameterValue", "Too many ids (at most %d)", EC2_MAX_IDS);
	return 0;
}

bool ec2_ids_want(struct ec2_ids *ids, const char *id)
{
	if (!ids->n)
		return true;
	bool hit = false;
	for (size_t i = 0; i < ids->n; i++)
		if (strcmp(ids->v[i], id) == 0)
			hit = ids->seen[i] = true;
	return hit;
}

int ec2_ids_done(const struct ec2_ids *ids, const char *code, const char *what, struct api_out *o)
{
	for (size_t i = 0; i < ids->n; i++)
		if (!ids->seen[i])
			return api_fail(o, 400, code, "The %s '%s' does not exist", what, ids->v[i]);
	return 0;
}

void ec2_private_dns(const struct api_ctx *c, uint32_t ip, char *buf, size_t cap)
{
	if (dns_private_name(ip, c->region, buf, cap) < 0)
		buf[0] = '\0';
}

void ec2_public_dns(const struct api_ctx *c, uint16_t vpc, uint32_t ip, char *buf, size_t cap)
{
	buf[0] = '\0';
	/* AWS names a public address only in a VPC with DNS hostnames on */
	if (ip && vpc < c->t->n_vpcs && c->t->vpcs[vpc].dns_hostnames &&
	    dns_public_name(ip, c->region, buf, cap) < 0)
		buf[0] = '\0';
}

void ec2_group_set(const struct api_ctx *c, struct xml *x, const uint16_t *sgs, uint16_t n)
{
	xml_open(x, "groupSet", NULL);
	for (uint16_t i = 0; i < n; i++) {
		char id[48];
		if (sgs[i] >= c->t->n_sgs)
			continue;
		ec2_sg_id(c, sgs[i], id);
		xml_open(x, "item", NULL);
		xml_elem(x, "groupId", id);
		xml_elem(x, "groupName", c->t->sgs[sgs[i]].name);
		xml_close(x);
	}
	xml_close(x);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0 && (a == b || s[a - b - 1] == '.');
}

int ec2_match_sgs(const struct api_ctx *c, const struct api_filter *f, int n, ec2_field_fn get,
		  const void *obj, const uint16_t *sgs, uint16_t n_sgs, struct api_out *o)
{
	for (int i = 0; i < n; i++) {
		bool by_id = ends_with(f[i].name, "group-id"), by_name = ends_with(f[i].name, "group-name");
		if (!by_id && !by_name) {
			int m = ec2_match(&f[i], 1, get, obj, o);
			if (m <= 0)
				return m;
			continue;
		}
		bool hit = false;
		for (uint16_t k = 0; k < n_sgs && !hit; k++) {
			char id[48];
			if (sgs[k] >= c->t->n_sgs)
				continue;
			ec2_sg_id(c, sgs[k], id);
			hit = api_filter_match(&f[i], by_id ? id : c->t->sgs[sgs[k]].name);
		}
		if (!hit)
			return 0;
	}
	return 1;
}
