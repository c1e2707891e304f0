/* Per-instance cgroups (cgroup.h): the tree is found once in /proc/self/mountinfo (a cgroup2
 * mount, else a v1 hierarchy with cpuacct); only directories under its vpclab/ are ever made,
 * joined or removed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/host/cgroup.h"

/* A name that is one path component: nothing it builds can leave vpclab/. */
static bool cg_component_ok(const char *s)
{
	return s && s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int cg_path(char *dst, size_t cap, const char *root, const char *lab, const char *name,
	    const char *file)
{
	if (!cg_component_ok(lab) || (name && !cg_component_ok(name)) || (file && !cg_component_ok(file)))
		return -EINVAL;
	int n = snprintf(dst, cap, "%s/vpclab/%s%s%s%s%s", root, lab, name ? "/" : "", name ? name : "",
			 file ? "/" : "", file ? file : "");
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Whether comma-separated list has the word w. */
static bool cg_has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncmp(p, w, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

int cg_pick_tree(const char *mountinfo, struct cg_tree *t)
{
	memset(t, 0, sizeof(*t));
	for (const char *line = mountinfo; line && *line;) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[1024], point[sizeof(t->root)], opts[256], fstype[32], super[256];
		const char *dash;
		if (len < sizeof(buf)) {
			memcpy(buf, line, len);
			buf[len] = '\0';
			/* ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER */
			dash = strstr(buf, " - ");
			if (dash && sscanf(buf, "%*s %*s %*s %*s %255s %255s", point, opts) == 2 &&
			    sscanf(dash + 3, "%31s %*s %255s", fstype, super) == 2 && !cg_has_word(opts, "ro") &&
			    !strchr(point, '\\')) {
				enum cg_kind k = strcmp(fstype, "cgroup2") == 0 ? CG_V2
						 : strcmp(fstype, "cgroup") == 0 && cg_has_word(super, "cpuacct") ? CG_V1
						 : CG_NONE;
				/* v2 wins over v1 (a hybrid machine's unified tree), the first of a kind stays. */
				if (k != CG_NONE && (t->kind == CG_NONE || (k == CG_V2 && t->kind == CG_V1))) {
					t->kind = k;
					snprintf(t->root, sizeof(t->root), "%s", point);
				}
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return t->kind == CG_NONE ? -ENOTSUP : 0;
}

int cg_parse_usage(enum cg_kind kind, const char *text, uint64_t *us)
{
	if (kind == CG_V1) {
		char *end;
		errno = 0;
		unsigned long long ns = strtoull(text, &end, 10);
		if (end == text || errno)
			return -EINVAL;
		*us = ns / 1000;
		return 0;
	}
	for (const char *p = text; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (strncmp(p, "usage_usec ", 11) == 0)
			return sscanf(p + 11, "%" SCNu64, us) == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static struct cg_tree cg_found;
static int cg_found_rc;
static pthread_once_t cg_once = PTHREAD_ONCE_INIT;

static void cg_find(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *text = NULL;
	size_t len = 0;
	cg_found_rc = -ENOTSUP;
	if (!f)
		return;
	FILE *mem = open_memstream(&text, &len);
	char line[1024];
	while (mem && fgets(line, sizeof(line), f))
		fputs(line, mem);
	fclose(f);
	if (mem && fclose(mem) == 0)
		cg_found_rc = cg_pick_tree(text, &cg_found);
	free(text);
}

int cg_tree(struct cg_tree *t)
{
	pthread_once(&cg_once, cg_find);
	*t = cg_found;
	return cg_found_rc;
}

int cg_join(const char *lab, const char *name)
{
	struct cg_tree t;
	char path[512];
	int rc = cg_tree(&t);
	if (rc < 0)
		return rc;
	/* vpclab/, vpclab/LAB, vpclab/LAB/NAME: each made when missing. */
	if ((rc = cg_path(path, sizeof(path), t.root, lab, name, "cgroup.procs")) < 0)
		return rc;
	for (char *slash = path + strlen(t.root) + 1; (slash = strchr(slash, '/')); *slash++ = '/') {
		*slash = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char pid[24];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	rc = write(fd, pid, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return rc;
}

int cg_usage_us(const char *lab, const char *name, uint64_t *us)
{
	struct cg_tree t;
	char path[512], text[1024];
	int rc = cg_tree(&t);
	if (rc < 0)
		return rc;
	rc = cg_path(path, sizeof(path), t.root, lab, name, t.kind == CG_V2 ? "cpu.stat" : "cpuacct.usage");
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	text[n] = '\0';
	return cg_parse_usage(t.kind, text, us);
}

int cg_remove(const char *lab, const char *name)
{
	struct cg_tree t;
	char path[512];
	if (cg_tree(&t) < 0)
		return 0; /* no tree: nothing was ever made */
	int rc = cg_path(path, sizeof(path), t.root, lab, name, NULL);
	if (rc < 0)
		return rc;
	return rmdir(path) < 0 && errno != ENOENT ? -errno : 0;
}

int cg_remove_lab(const char *lab)
{
	struct cg_tree t;
	char path[512];
	if (cg_tree(&t) < 0)
		return 0;
	int rc = cg_path(path, sizeof(path), t.root, lab, NULL, NULL);
	if (rc < 0)
		return rc;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* A cgroup's files are not directories: its children (the instances) are. */
		if (de->d_type != DT_DIR || !cg_component_ok(de->d_name))
			continue;
		int one = cg_remove(lab, de->d_name);
		if (one < 0 && rc == 0)
			rc = one;
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT && rc == 0)
		rc = -errno;
	return rc;
}
