/* The running lab as the API serves it (api.h): the kept copy /run/vpclab/LAB/lab.yaml loaded
 * as the router loads it (its pins first, then checked) and compiled; reloaded when an apply
 * replaced the copy or its pins, which a stat of the two files tells. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/api/api.h"
#include "control/host/state_labs.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "control/lab/pins.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The model and tables from dir; 0 or -errno. */
static int load(struct api_ctx *c, struct lab **mp, struct vl_tables **tp, struct stat *kst,
		struct stat *pst)
{
	char kept[512], pins[512], source[4096] = "";
	snprintf(kept, sizeof(kept), "%s/%s", c->dir, STATE_KEPT_FILE);
	snprintf(pins, sizeof(pins), "%s/%s", c->dir, STATE_PINS_FILE);
	if (stat(kept, kst) < 0)
		return -errno;
	if (stat(pins, pst) < 0)
		memset(pst, 0, sizeof(*pst));
	/* loaded under the name of the file it was taken from, so a lab named after its file keeps
	 * its name (as `apply` loads it) */
	char spath[512];
	snprintf(spath, sizeof(spath), "%s/source", c->dir);
	FILE *sf = fopen(spath, "re");
	if (sf) {
		if (!fgets(source, sizeof(source), sf))
			source[0] = '\0';
		source[strcspn(source, "\n")] = '\0';
		fclose(sf);
	}
	size_t len = 0;
	char *buf = lab_file_read(kept, &len);
	if (!buf)
		return -EIO;
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load_buffer(source[0] ? source : kept, buf, len, d) : NULL;
	free(buf);
	int rc = 0;
	if (!m || lab_pins_load(m, pins) < 0 || lab_check(m, d) != 0)
		rc = -EINVAL;
	diag_destroy(d);
	struct vl_tables *t = rc ? NULL : lab_compile(m);
	if (!rc && !t)
		rc = -ENOMEM;
	if (rc) {
		lab_free(m);
		return rc;
	}
	*mp = m;
	*tp = t;
	return 0;
}

int api_ctx_copy(struct api_ctx *c, struct lab **m, char *source, size_t cap)
{
	struct vl_tables *t = NULL;
	struct stat k, p;
	int rc = load(c, m, &t, &k, &p);
	vl_tables_free(t);
	char spath[512];
	snprintf(spath, sizeof(spath), "%s/source", c->dir);
	FILE *sf = fopen(spath, "re");
	source[0] = '\0';
	if (sf) {
		if (!fgets(source, (int)cap, sf))
			source[0] = '\0';
		source[strcspn(source, "\n")] = '\0';
		fclose(sf);
	}
	return rc;
}

int api_ctx_open(struct api_ctx *c, const char *lab, const char *dir, char *err, size_t cap)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->lab, sizeof(c->lab), "%s", lab);
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	c->skew_s = 300;
	int rc = api_creds_ensure(dir, lab, c->access_key, sizeof(c->access_key), c->secret,
				  sizeof(c->secret));
	if (rc) {
		snprintf(err, cap, "%s/credentials: %s", dir, strerror(-rc));
		return rc;
	}
	rc = load(c, &c->m, &c->t, &c->kept_st, &c->pins_st);
	if (rc) {
		snprintf(err, cap, "%s/%s: %s", dir, STATE_KEPT_FILE,
			 rc == -EINVAL ? "does not load and check" : strerror(-rc));
		return rc;
	}
	snprintf(c->region, sizeof(c->region), "%s", lab_region(c->m));
	return 0;
}

int api_ctx_refresh(struct api_ctx *c)
{
	char kept[512], pins[512];
	struct stat k, p;
	snprintf(kept, sizeof(kept), "%s/%s", c->dir, STATE_KEPT_FILE);
	snprintf(pins, sizeof(pins), "%s/%s", c->dir, STATE_PINS_FILE);
	if (stat(kept, &k) < 0)
		return -errno;
	if (stat(pins, &p) < 0)
		memset(&p, 0, sizeof(p));
	if (c->m && same_file(&k, &c->kept_st) && same_file(&p, &c->pins_st))
		return 0;
	struct lab *m;
	struct vl_tables *t;
	int rc = load(c, &m, &t, &k, &p);
	if (rc)
		return rc;
	lab_free(c->m);
	vl_tables_free(c->t);
	c->m = m;
	c->t = t;
	c->kept_st = k;
	c->pins_st = p;
	snprintf(c->region, sizeof(c->region), "%s", lab_region(c->m));
	return 0;
}

void api_ctx_close(struct api_ctx *c)
{
	lab_free(c->m);
	vl_tables_free(c->t);
	c->m = NULL;
	c->t = NULL;
}
