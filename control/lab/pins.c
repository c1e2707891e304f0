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
		for (size_t i = 0; i < vp->n_instances; i++) {
			const struct lab_instance *x = &vp->instances[i];
			if (x->addr_ok)
				fprintf(out, "instance %s %s %s\n", vp->name.s, x->name.s, addr_fmt(x->addr, a));
			if (x->eip == VL_NONE) /* 0.0.0.0: none */
				fprintf(out, "public_ip %s %s %s\n", vp->name.s, x->name.s,
					addr_fmt(x->public_addr, a));
		}
		for (size_t i = 0; i < vp->n_natgws; i++)
			if (vp->natgws[i].addr_ok)
				fprintf(out, "nat_gateway %s %s %s\n", vp->name.s, vp->natgws[i].name.s,
					addr_fmt(vp->natgws[i].addr, a));
		for (size_t i = 0; i < vp->n_lbs; i++)
			for (size_t j = 0; j < vp->lbs[i].n_nodes; j++)
				if (vp->lbs[i].nodes[j].addr_ok)
					fprintf(out, "lb_node %s %s %s\n", vp->lbs[i].name.s,
						vp->lbs[i].nodes[j].subnet.s,
						addr_fmt(vp->lbs[i].nodes[j].addr, a));
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

static struct lab_vpc *find_vpc(struct lab *m, const char *name)
{
	for (size_t v = 0; v < m->n_vpcs; v++)
		if (named(&m->vpcs[v].name, name))
			return &m->vpcs[v];
	return NULL;
}

static struct lab_instance *find_instance(struct lab_vpc *vp, const char *name)
{
	for (size_t i = 0; vp && i < vp->n_instances; i++)
		if (named(&vp->instances[i].name, name))
			return &vp->instances[i];
	return NULL;
}

static struct lab_natgw *find_natgw(struct lab_vpc *vp, const char *name)
{
	for (size_t i = 0; vp && i < vp->n_natgws; i++)
		if (named(&vp->natgws[i].name, name))
			return &vp->natgws[i];
	return NULL;
}

/* Gives s (an address the file leaves out) the address text ip, placed at the object's at. */
static int pin(struct lab *m, struct lab_str *s, struct loc at, const char *ip)
{
	if (s->s)
		return 0; /* the file gives it */
	s->s = lab_strdup(m, ip);
	s->at = at;
	return s->s ? 0 : -ENOMEM;
}

int lab_pins_read(struct lab *m, FILE *in)
{
	char line[512], kind[32], vpc[128], name[128], ip[32];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		int n = sscanf(line, "%31s %127s %127s %31s", kind, vpc, name, ip);
		if (n == 3 && strcmp(kind, "elastic_ip") == 0)
			n = sscanf(line, "%31s %127s %31s", kind, name, ip) + 1;
		uint32_t a;
		if (n != 4 || addr_parse(ip, &a) < 0)
			continue;
		if (strcmp(kind, "lb_node") == 0) {
			/* "lb_node LB SUBNET IP": vpc holds the load balancer, name the subnet */
			struct lab_lb *b = lab_find_lb(m, vpc);
			for (size_t j = 0; b && j < b->n_nodes; j++)
				if (named(&b->nodes[j].subnet, name)) {
					rc = pin(m, &b->nodes[j].ip, b->nodes[j].at, ip);
					break;
				}
		} else if (strcmp(kind, "elastic_ip") == 0) {
			struct lab_eip *e = lab_find_eip(m, name);
			if (e)
				rc = pin(m, &e->ip, e->at, ip);
		} else if (strcmp(kind, "nat_gateway") == 0) {
			struct lab_natgw *g = find_natgw(find_vpc(m, vpc), name);
			if (g)
				rc = pin(m, &g->ip, g->at, ip);
		} else {
			struct lab_instance *x = find_instance(find_vpc(m, vpc), name);
			if (x && strcmp(kind, "instance") == 0)
				rc = pin(m, &x->ip, x->at, ip);
			else if (x && strcmp(kind, "public_ip") == 0) {
				x->kept_public_set = true;
				x->kept_public = a;
			}
		}
	}
	return rc;
}

int lab_pins_load(struct lab *m, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	int rc = lab_pins_read(m, f);
	fclose(f);
	return rc;
}
