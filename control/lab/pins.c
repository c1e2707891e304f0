/* lab_pins_write / lab_pins_read (pins.h): the running lab's addresses beside its kept copy, so
 * that the kept copy checked again is the lab that runs, not a renumbered one. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/lab/model.h"
#include "control/lab/pins.h"
#include "vpclab/addr.h"

int lab_pins_write(const struct lab *m, FILE *out)
{
	char a[16];
	for (size_t v = 0; v < m->n_vpcs; v++) {
		const struct lab_vpc *vp = &m->vpcs[v];
		for (size_t i = 0; i < vp->n_instances; i++)
			if (vp->instances[i].addr_ok)
				fprintf(out, "instance %s %s %s\n", vp->name.s, vp->instances[i].name.s,
					addr_fmt(vp->instances[i].addr, a));
		for (size_t i = 0; i < vp->n_natgws; i++)
			if (vp->natgws[i].addr_ok)
				fprintf(out, "nat_gateway %s %s %s\n", vp->name.s, vp->natgws[i].name.s,
					addr_fmt(vp->natgws[i].addr, a));
	}
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i].addr_ok)
			fprintf(out, "elastic_ip %s %s\n", m->eips[i].name.s, addr_fmt(m->eips[i].addr, a));
	return ferror(out) ? -EIO : 0;
}

static bool named(const struct lab_str *s, const char *name)
{
	return s->s && strcmp(s->s, name) == 0;
}

/* The address string of the object kind/vpc/name of m, and its place; NULL when m has none. */
static struct lab_str *find(struct lab *m, const char *kind, const char *vpc, const char *name,
			    struct loc *at)
{
	if (strcmp(kind, "elastic_ip") == 0) {
		for (size_t i = 0; i < m->n_eips; i++)
			if (named(&m->eips[i].name, name)) {
				*at = m->eips[i].at;
				return &m->eips[i].ip;
			}
		return NULL;
	}
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *vp = &m->vpcs[v];
		if (!named(&vp->name, vpc))
			continue;
		for (size_t i = 0; strcmp(kind, "instance") == 0 && i < vp->n_instances; i++)
			if (named(&vp->instances[i].name, name)) {
				*at = vp->instances[i].at;
				return &vp->instances[i].ip;
			}
		for (size_t i = 0; strcmp(kind, "nat_gateway") == 0 && i < vp->n_natgws; i++)
			if (named(&vp->natgws[i].name, name)) {
				*at = vp->natgws[i].at;
				return &vp->natgws[i].ip;
			}
	}
	return NULL;
}

int lab_pins_read(struct lab *m, FILE *in)
{
	char line[512], kind[32], vpc[128], name[128], ip[32];
	while (fgets(line, sizeof(line), in)) {
		int n = sscanf(line, "%31s %127s %127s %31s", kind, vpc, name, ip);
		if (n == 3 && strcmp(kind, "elastic_ip") == 0)
			n = sscanf(line, "%31s %127s %31s", kind, name, ip) + 1;
		if (n != 4)
			continue;
		uint32_t a;
		struct loc at;
		struct lab_str *s = addr_parse(ip, &a) == 0 ? find(m, kind, vpc, name, &at) : NULL;
		if (!s || s->s)
			continue; /* gone, or the file gives it */
		s->s = lab_strdup(m, ip);
		s->at = at;
		if (!s->s)
			return -ENOMEM;
	}
	return 0;
}
