/* The instances a lab's auto scaling groups start with at `up` (asg.h): launched as the
 * controller would launch them (asg_reconcile from nothing), but made in the same provisioning
 * batch as the file's own instances, so that `up` returns with them running. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "control/router/asg.h"
#include "control/router/asg_ctl.h"

/* The launches of every group of t into *v (grown), or -errno. */
static int initial(const struct vl_tables *t, struct lab_member **v, size_t *n)
{
	for (uint16_t gi = 0; gi < t->n_asgs; gi++) {
		const struct vl_asg *a = &t->asgs[gi];
		struct asg_config cfg = {.min = a->min, .max = a->max};
		snprintf(cfg.name, sizeof(cfg.name), "%s", a->name);
		struct asg_subnet sn[VL_ASG_GROUP_SUBNETS];
		for (uint16_t s = 0; s < a->subnet_count; s++) {
			const struct vl_subnet *x = &t->subnets[a->subnets[s]];
			snprintf(sn[s].name, sizeof(sn[s].name), "%s", x->name);
			snprintf(sn[s].az, sizeof(sn[s].az), "%s", x->az[0] ? x->az : x->name);
		}
		struct asg_action act[VL_ASG_MAX_SIZE];
		uint32_t seq = 1;
		int na = asg_reconcile(&cfg, sn, a->subnet_count, NULL, 0, a->desired, 0, &seq, act,
				       VL_ASG_MAX_SIZE);
		if (na < 0)
			return na;
		struct lab_member *nv = realloc(*v, (*n + (size_t)na + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		for (int i = 0; i < na; i++)
			asg_member_of(t, a, act[i].name, a->subnets[act[i].subnet], &nv[(*n)++]);
	}
	return 0;
}

struct lab *asg_up_model(struct lab *m, const char *path, struct lab_member **members, size_t *n, int *errors)
{
	*members = NULL;
	*n = 0;
	*errors = 0;
	if (!lab_has_asgs(m))
		return m;
	struct vl_tables *t = lab_compile(m);
	int rc = t ? initial(t, members, n) : -ENOMEM;
	vl_tables_free(t);
	lab_free(m);
	struct diag *d = rc == 0 ? diag_create() : NULL;
	struct lab *m2 = d ? lab_load(path, d) : NULL;
	if (m2 && lab_add_members(m2, *members, *n) < 0) {
		lab_free(m2);
		m2 = NULL;
	}
	if (m2)
		lab_check(m2, d);
	*errors = d ? diag_errors(d) : 1;
	if (d && *errors)
		diag_print(d, stderr); /* its warnings are the first check's, said already */
	diag_destroy(d);
	if (!m2 || *errors) {
		if (!*errors)
			*errors = 1;
		fprintf(stderr, "vpclab: up: %s: the auto scaling groups' first instances do not fit: %s\n",
			path, rc < 0 ? strerror(-rc) : "see above");
		lab_free(m2);
		free(*members);
		*members = NULL;
		*n = 0;
		return NULL;
	}
	return m2;
}
