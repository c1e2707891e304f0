/* The model's memory and lookups: one arena per lab (every string and array of the model lives
 * in it, so lab_free is one walk over a block list and a model can never leak a node), and the
 * by-name lookups that check.c resolves references with. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/model.h"

struct lab_arena_block {
	struct lab_arena_block *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char data[];
};

#define LAB_ARENA_CHUNK (64 * 1024)

void *lab_alloc(struct lab *m, size_t size)
{
	size = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (size == 0)
		size = alignof(max_align_t);
	struct lab_arena_block *b = m->arena;
	if (!b || b->cap - b->used < size) {
		size_t cap = size > LAB_ARENA_CHUNK ? size : LAB_ARENA_CHUNK;
		if (cap > SIZE_MAX - sizeof(*b))
			return NULL;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->used = 0;
		b->cap = cap;
		/* A big block goes behind the current one so the current keeps serving small ones. */
		if (m->arena && cap > LAB_ARENA_CHUNK) {
			b->next = m->arena->next;
			m->arena->next = b;
		} else {
			b->next = m->arena;
			m->arena = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *lab_strdup(struct lab *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = lab_alloc(m, n);
	if (p)
		memcpy(p, s, n);
	return p;
}

void lab_free(struct lab *m)
{
	if (!m)
		return;
	struct lab_arena_block *b = m->arena;
	while (b) {
		struct lab_arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(m);
}

/* `name:` when written, else the file name without its extension. Owned by the model. */
const char *lab_name(const struct lab *m)
{
	if (!m)
		return NULL;
	return m->name.s ? m->name.s : m->stem;
}

const char *lab_show(const char *s, char *buf, size_t size)
{
	size_t i = 0, max = size - 4;
	for (; s[i] && i < max; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool lab_is(const struct lab_str *s, const char *name)
{
	return s->s && strcmp(s->s, name) == 0;
}

struct lab_subnet *lab_find_subnet(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_subnets; i++)
			if (lab_is(&m->vpcs[v].subnets[i].name, name))
				return &m->vpcs[v].subnets[i];
	return NULL;
}

/* *vpc receives the index of the VPC that holds the group. */
struct lab_sg *lab_find_sg(const struct lab *m, const char *name, uint16_t *vpc)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_sgs; i++)
			if (lab_is(&m->vpcs[v].sgs[i].name, name)) {
				if (vpc)
					*vpc = (uint16_t)v;
				return &m->vpcs[v].sgs[i];
			}
	return NULL;
}

struct lab_sg *lab_vpc_default_sg(const struct lab_vpc *v)
{
	for (size_t i = 0; i < v->n_sgs; i++)
		if (lab_is(&v->sgs[i].name, "default"))
			return &v->sgs[i];
	return NULL;
}

struct lab_acl *lab_vpc_default_acl(const struct lab_vpc *v)
{
	for (size_t i = 0; i < v->n_acls; i++)
		if (lab_is(&v->acls[i].name, "default"))
			return &v->acls[i];
	return NULL;
}

struct lab_natgw *lab_find_natgw(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_natgws; i++)
			if (lab_is(&m->vpcs[v].natgws[i].name, name))
				return &m->vpcs[v].natgws[i];
	return NULL;
}

struct lab_instance *lab_find_instance(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			if (lab_is(&m->vpcs[v].instances[i].name, name))
				return &m->vpcs[v].instances[i];
	return NULL;
}

struct lab_eip *lab_find_eip(const struct lab *m, const char *name)
{
	for (size_t i = 0; i < m->n_eips; i++)
		if (lab_is(&m->eips[i].name, name))
			return &m->eips[i];
	return NULL;
}

struct lab_host *lab_find_host(const struct lab *m, const char *name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (lab_is(&m->hosts[i].name, name))
			return &m->hosts[i];
	return NULL;
}

struct lab_tg *lab_find_tg(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_tgs; i++)
			if (lab_is(&m->vpcs[v].tgs[i].name, name))
				return &m->vpcs[v].tgs[i];
	return NULL;
}

struct lab_lb *lab_find_lb(const struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_lbs; i++)
			if (lab_is(&m->vpcs[v].lbs[i].name, name))
				return &m->vpcs[v].lbs[i];
	return NULL;
}

const char *lab_region(const struct lab *m)
{
	return m->region.s ? m->region.s : "us-east-1";
}

bool lab_has_lb(const struct lab *m)
{
	for (size_t v = 0; m && v < m->n_vpcs; v++)
		if (m->vpcs[v].n_tgs || m->vpcs[v].n_lbs)
			return true;
	return false;
}

