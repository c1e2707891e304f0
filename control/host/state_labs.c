/* The labs on this machine (state_labs.h), for `vpclab list` and for commands that leave LAB
 * out. Reads /run/vpclab only, and creates nothing there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "vpclab/ctl.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct state_lab *)a)->name, ((const struct state_lab *)b)->name);
}

static bool seen(const struct state_lab *out, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i].name, name) == 0)
			return true;
	return false;
}

bool state_lab_running(const char *lab)
{
	return state_running(lab);
}

size_t state_labs(struct state_lab *out, size_t cap)
{
	DIR *d = opendir(VL_RUN_DIR);
	if (!d)
		return 0;
	size_t n = 0, total = 0;
	struct dirent *de;
	char name[64];
	while ((de = readdir(d))) {
		/* LAB/ (state) or LAB.lock: a lab being brought up holds its lock before the
		 * directory exists, and a crashed one leaves the directory without a holder. */
		size_t len = strlen(de->d_name);
		bool lock = len > 5 && strcmp(de->d_name + len - 5, ".lock") == 0;
		snprintf(name, sizeof(name), "%.*s", (int)(lock ? len - 5 : len), de->d_name);
		if (!state_name_ok(name) || (!lock && de->d_type != DT_DIR))
			continue;
		char dir[256];
		struct stat st;
		bool has_dir = state_path(dir, sizeof(dir), name, NULL) == 0 && stat(dir, &st) == 0;
		bool running = state_lab_running(name);
		if ((!running && !has_dir) || seen(out, n < cap ? n : cap, name))
			continue;
		total++;
		if (n < cap) {
			snprintf(out[n].name, sizeof(out[n].name), "%s", name);
			out[n++].running = running;
		}
	}
	closedir(d);
	qsort(out, n, sizeof(*out), by_name);
	return total;
}

int state_write_source(const char *lab, const char *path)
{
	char abs[PATH_MAX], dst[256];
	if (!realpath(path, abs))
		return -errno;
	int rc = state_path(dst, sizeof(dst), lab, "source");
	if (rc < 0)
		return rc;
	FILE *f = fopen(dst, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", abs);
	return fclose(f) == 0 ? 0 : -EIO;
}

int state_keep_file(const char *lab, const char *path)
{
	char dst[256];
	int rc = state_path(dst, sizeof(dst), lab, STATE_KEPT_FILE);
	if (rc < 0)
		return rc;
	FILE *in = fopen(path, "re");
	if (!in)
		return -errno;
	FILE *out = fopen(dst, "we");
	if (!out) {
		rc = -errno;
		fclose(in);
		return rc;
	}
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -EIO;
	if (ferror(in))
		rc = -EIO;
	fclose(in);
	if (fclose(out) != 0 && !rc)
		rc = -EIO;
	if (rc < 0)
		unlink(dst);
	return rc;
}

int state_source(const char *lab, char *dst, size_t cap)
{
	char path[256];
	dst[0] = '\0';
	int rc = state_path(path, sizeof(path), lab, "source");
	if (rc < 0)
		return rc;
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(dst, (int)cap, f))
		dst[0] = '\0';
	fclose(f);
	dst[strcspn(dst, "\n")] = '\0';
	return 0;
}

time_t state_since(const char *lab)
{
	char path[256];
	struct stat st;
	if (state_path(path, sizeof(path), lab, "pid") < 0 || stat(path, &st) < 0)
		return 0;
	return st.st_mtime;
}

/* 1 when the two files' bytes differ, 0 when equal, -1 when either cannot be read. */
static int files_differ(const char *a, const char *b)
{
	FILE *fa = fopen(a, "re"), *fb = fa ? fopen(b, "re") : NULL;
	int r = -1;
	if (fa && fb) {
		char ba[8192], bb[8192];
		size_t na, nb;
		do {
			na = fread(ba, 1, sizeof(ba), fa);
			nb = fread(bb, 1, sizeof(bb), fb);
		} while (na == nb && na > 0 && !memcmp(ba, bb, na));
		r = ferror(fa) || ferror(fb) ? -1 : na != nb || memcmp(ba, bb, na) != 0;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return r;
}

int state_kept_differs(const char *lab, const char *path)
{
	char kept[256];
	if (state_path(kept, sizeof(kept), lab, STATE_KEPT_FILE) < 0)
		return -1;
	return files_differ(path, kept);
}
