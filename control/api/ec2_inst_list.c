/* The running instances as the API shows them (ec2_desc.h): the model's from the compiled
 * ports, and the auto scaling groups' from the router's status (the kept copy the API loads
 * has no group instances: the router launches them), with their launch times from its `asg`
 * answer. Only the lab's own state directory has a router to ask (tests use fixtures). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "control/api/ec2_desc.h"
#include "control/cli/ctl_client.h"
#include "vpclab/ctl.h"

static void iso_time(time_t when, char out[32])
{
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* When the lab started (the router's pid file), else when its kept copy was written. */
static time_t lab_start(const struct api_ctx *c)
{
	char path[300];
	struct stat st;
	snprintf(path, sizeof(path), "%s/pid", c->dir);
	if (stat(path, &st) == 0)
		return st.st_mtime;
	return c->kept_st.st_mtime;
}

void ec2_started(const struct api_ctx *c, char out[32])
{
	iso_time(lab_start(c), out);
}

static bool has_router(const struct api_ctx *c)
{
	char d[256];
	snprintf(d, sizeof(d), "%s/%s", VL_RUN_DIR, c->lab);
	return strcmp(d, c->dir) == 0;
}

static uint32_t parse_ip(const char *s)
{
	unsigned a, b, d, e;
	if (!s || sscanf(s, "%u.%u.%u.%u", &a, &b, &d, &e) != 4)
		return 0;
	return a << 24 | b << 16 | d << 8 | e;
}

static uint16_t find_vpc(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name && i < t->n_vpcs; i++)
		if (strcmp(t->vpcs[i].name, name) == 0)
			return i;
	return VL_NONE;
}

static uint16_t find_subnet(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; name && i < t->n_subnets; i++)
		if (strcmp(t->subnets[i].name, name) == 0)
			return i;
	return VL_NONE;
}

static uint16_t find_sg(const struct vl_tables *t, uint16_t vpc, const char *name)
{
	for (uint16_t i = 0; name && i < t->n_sgs; i++)
		if (t->sgs[i].vpc == vpc && strcmp(t->sgs[i].name, name) == 0)
			return i;
	return VL_NONE;
}

static bool in_model(const struct vl_tables *t, const char *name)
{
	for (uint16_t p = 0; p < t->n_ports; p++)
		if (t->ports[p].kind == VL_PORT_INSTANCE && strcmp(t->ports[p].name, name) == 0)
			return true;
	return false;
}

/* The launch time of a group's instance, from the `asg` answer (ISO 8601 as AWS writes it). */
static void launched_of(json_t *asg, const char *name, char out[32])
{
	size_t gi, ii;
	json_t *g, *in;
	json_array_foreach(json_object_get(asg, "groups"), gi, g)
		json_array_foreach(json_object_get(g, "instances"), ii, in) {
			const char *n = json_string_value(json_object_get(in, "name"));
			const char *l = json_string_value(json_object_get(in, "launched"));
			if (n && l && strcmp(n, name) == 0) {
				/* "2026-11-26T01:02:03Z" -> with AWS's milliseconds */
				int len = (int)strcspn(l, "Z.");
				snprintf(out, 32, "%.*s.000Z", len > 19 ? 19 : len, l);
				return;
			}
		}
}

static int add_group_instances(const struct api_ctx *c, struct ec2_insts *l, size_t cap)
{
	json_t *st = NULL, *asg = NULL;
	if (ctl_request(c->lab, VL_CTL_STATUS, &st) < 0)
		return 0; /* no router: the model's instances only */
	if (ctl_request(c->lab, VL_CTL_ASG, &asg) < 0)
		asg = NULL;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(st, "ports"), i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *group = json_string_value(json_object_get(p, "group"));
		const char *kind = json_string_value(json_object_get(p, "kind"));
		if (!name || !group || !kind || strcmp(kind, "instance") != 0 || in_model(c->t, name))
			continue;
		uint16_t vpc = find_vpc(c->t, json_string_value(json_object_get(p, "vpc")));
		uint16_t sub = find_subnet(c->t, json_string_value(json_object_get(p, "subnet")));
		if (vpc == VL_NONE || sub == VL_NONE)
			continue;
		if (l->n == cap) {
			struct ec2_inst *v = realloc(l->v, (cap * 2 + 8) * sizeof(*v));
			if (!v)
				break;
			l->v = v;
			cap = cap * 2 + 8;
		}
		struct ec2_inst *x = &l->v[l->n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", name);
		snprintf(x->group, sizeof(x->group), "%s", group);
		api_id(x->id, c->lab, "i", name);
		const char *eni = json_string_value(json_object_get(p, "eni"));
		if (eni)
			snprintf(x->eni, sizeof(x->eni), "%s", eni);
		else
			api_id(x->eni, c->lab, "eni", name);
		x->vpc = vpc;
		x->subnet = sub;
		x->eip = VL_NONE;
		x->ip = parse_ip(json_string_value(json_object_get(p, "ip")));
		x->public_ip = parse_ip(json_string_value(json_object_get(p, "public_ip")));
		snprintf(x->mac, sizeof(x->mac), "%s", json_string_value(json_object_get(p, "mac")) ?: "");
		x->sdc = !json_is_false(json_object_get(p, "source_dest_check"));
		size_t k;
		json_t *g;
		json_array_foreach(json_object_get(p, "security_groups"), k, g) {
			uint16_t s = find_sg(c->t, vpc, json_string_value(g));
			if (s != VL_NONE && x->n_sgs < VL_MAX_PORT_SGS)
				x->sgs[x->n_sgs++] = s;
		}
		iso_time(lab_start(c), x->launched);
		launched_of(asg, name, x->launched);
	}
	json_decref(st);
	json_decref(asg);
	return 0;
}

int ec2_instances(struct api_ctx *c, struct ec2_insts *l)
{
	size_t cap = c->t->n_ports + 8;
	l->n = 0;
	l->v = calloc(cap, sizeof(*l->v));
	if (!l->v)
		return -ENOMEM;
	char start[32];
	iso_time(lab_start(c), start);
	for (uint16_t i = 0; i < c->t->n_ports; i++) {
		const struct vl_port *p = &c->t->ports[i];
		if (p->kind != VL_PORT_INSTANCE || !vl_port_used(p))
			continue;
		struct ec2_inst *x = &l->v[l->n++];
		snprintf(x->name, sizeof(x->name), "%s", p->name);
		api_id(x->id, c->lab, "i", p->name);
		api_id(x->eni, c->lab, "eni", p->name);
		x->vpc = p->vpc;
		x->subnet = p->subnet;
		x->ip = p->ip;
		x->public_ip = p->public_ip;
		x->eip = p->eip;
		snprintf(x->mac, sizeof(x->mac), "%02x:%02x:%02x:%02x:%02x:%02x", p->mac[0], p->mac[1],
			 p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
		x->n_sgs = p->sg_count;
		memcpy(x->sgs, p->sgs, sizeof(x->sgs));
		x->sdc = p->src_dst_check;
		snprintf(x->launched, sizeof(x->launched), "%s", start);
	}
	if (has_router(c))
		add_group_instances(c, l, cap);
	return 0;
}

void ec2_instances_free(struct ec2_insts *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct ec2_inst *ec2_inst_at(const struct ec2_insts *l, uint16_t vpc, uint32_t ip)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].vpc == vpc && l->v[i].ip == ip)
			return &l->v[i];
	return NULL;
}
