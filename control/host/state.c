/* The lab's state directory (state.h): what `down` needs to undo an `up`, even one that was
 * killed half way or whose router crashed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "control/host/cgroup.h"
#include "control/host/parallel.h"
#include "control/host/progress.h"
#include "control/host/provision.h"
#include "control/host/state.h"
#include "control/host/state_api.h"
#include "control/host/netns_etc.h"
#include "vpclab/ctl.h"

int state_path(char *dst, size_t cap, const char *lab, const char *file)
{
	int n = file ? snprintf(dst, cap, "%s/%s/%s", VL_RUN_DIR, lab, file)
		     : snprintf(dst, cap, "%s/%s", VL_RUN_DIR, lab);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int state_create(const char *lab)
{
	char path[256];
	if (mkdir(VL_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	int rc = state_path(path, sizeof(path), lab, NULL);
	if (rc < 0)
		return rc;
	return mkdir(path, 0700) < 0 ? -errno : 0;
}

pid_t state_pid(const char *lab)
{
	char path[256];
	if (state_path(path, sizeof(path), lab, "pid") < 0)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long pid = 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 ? (pid_t)pid : 0;
}

bool state_name_ok(const char *lab)
{
	size_t n = strlen(lab);
	return n > 0 && n < 64 && lab[0] >= 'a' && lab[0] <= 'z' &&
	       strspn(lab, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int state_lock(const char *lab)
{
	char path[256];
	if (!state_name_ok(lab))
		return -EINVAL;
	if (mkdir(VL_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (state_lock_path(path, sizeof(path), lab) < 0)
		return -ENAMETOOLONG;
	for (int tries = 0; tries < 8; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int err = errno;
			close(fd);
			return err == EWOULDBLOCK ? -EBUSY : -err;
		}
		/* The holder before us may have removed the file (state_unlock) after we opened it:
		 * a lock on a removed file locks nothing, so take the one on the path again. */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	return -EAGAIN;
}

void state_unlock(const char *lab, int fd)
{
	char path[256];
	if (fd < 0)
		return;
	struct stat a, b;
	/* Only our own file: another holder may have removed it and a new `up` made a new one. */
	if (state_lock_path(path, sizeof(path), lab) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		unlink(path); /* while still holding it: nothing of the lab stays behind */
	close(fd);
}

int state_lock_path(char *dst, size_t cap, const char *lab)
{
	int n = snprintf(dst, cap, "%s/%s.lock", VL_RUN_DIR, lab);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Whether /proc/locks shows a flock held (not only waited for: "->") on dev:ino. -1 when
 * /proc/locks cannot be read. Its lines: "1: FLOCK  ADVISORY  WRITE 4711 fe:00:1056776 0 EOF". */
static int state_proc_locks_held(dev_t dev, ino_t ino)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	int held = 0;
	if (!f)
		return -1;
	while (!held && fgets(line, sizeof(line), f)) {
		char kind[16], *at = strchr(line, ':');
		unsigned maj, min;
		unsigned long long i;
		int pid;
		if (!at || strstr(line, "->"))
			continue;
		if (sscanf(at + 1, " %15s %*s %*s %d %x:%x:%llu", kind, &pid, &maj, &min, &i) == 5 &&
		    strcmp(kind, "FLOCK") == 0 && i == (unsigned long long)ino && maj == major(dev) &&
		    min == minor(dev))
			held = 1;
	}
	fclose(f);
	return held;
}

/* Only looks: taking the lock, even for a moment, would make an `up` at that moment refuse
 * ("already running") although nothing runs. So the kernel's list of held locks is read, and
 * the lock is tried only where that list cannot be read. Never creates the lock file. */
bool state_running(const char *lab)
{
	char path[256];
	struct stat st;
	if (!state_name_ok(lab) || state_lock_path(path, sizeof(path), lab) < 0 || stat(path, &st) < 0)
		return false; /* no lock file: nobody holds it */
	int held = state_proc_locks_held(st.st_dev, st.st_ino);
	if (held >= 0)
		return held;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

static int state_append(const char *lab, const char *file, const char *line, bool truncate)
{
	char path[256];
	int rc = state_path(path, sizeof(path), lab, file);
	if (rc < 0)
		return rc;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0600);
	if (fd < 0)
		return -errno;
	size_t len = strlen(line);
	rc = write(fd, line, len) == (ssize_t)len ? 0 : -EIO;
	/* fsync is not needed: /run is tmpfs and a crash of the machine takes the namespaces too. */
	close(fd);
	return rc;
}

int state_write_pid(const char *lab, pid_t pid)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	return state_append(lab, "pid", buf, true);
}

int state_add_netns(const char *lab, const char *ns)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s\n", ns);
	return state_append(lab, "netns", buf, false);
}

int state_add_netns_many(const char *lab, const char *const *ns, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(ns[i]) + 1;
	char *text = malloc(len), *at = text;
	if (!text)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		at += sprintf(at, "%s\n", ns[i]);
	*at = '\0';
	int rc = state_append(lab, "netns", text, false);
	free(text);
	return rc;
}

/* ---- down: stop what runs inside, then remove the namespaces ---- */

/* How long instance processes (`run` commands among them) get to exit after SIGTERM before
 * SIGKILL: 2 s, as rule-file.md promises for `run`. */
#define STATE_TERM_MS 2000
#define STATE_KILL_MS 1000       /* how long to wait for SIGKILLed ones to be gone */
#define STATE_DEL_THREADS 2

struct state_ns {
	char name[128];
	dev_t dev;
	ino_t ino;               /* 0: /run/netns/NAME is not a namespace mount (or gone) */
};

static int state_ns_cmp(const void *a, const void *b)
{
	const struct state_ns *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->dev < y->dev ? -1 : x->dev > y->dev;
}

/* The lab's namespaces from its netns file, each with the identity of its nsfs file. */
static int state_read_ns(const char *lab, struct state_ns **out, size_t *n)
{
	char path[256], line[128];
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (state_path(path, sizeof(path), lab, "netns") < 0)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strchr(line, '/'))
			continue;
		if (*n == cap) {
			struct state_ns *more = realloc(*out, (cap ? cap * 2 : 64) * sizeof(**out));
			if (!more) {
				fclose(f);
				return -ENOMEM;
			}
			*out = more;
			cap = cap ? cap * 2 : 64;
		}
		struct state_ns *ns = &(*out)[(*n)++];
		struct stat st;
		snprintf(ns->name, sizeof(ns->name), "%s", line);
		snprintf(path, sizeof(path), "/run/netns/%s", line);
		ns->dev = 0;
		ns->ino = 0;
		if (stat(path, &st) == 0 && st.st_ino) {
			ns->dev = st.st_dev;
			ns->ino = st.st_ino;
		}
	}
	fclose(f);
	return 0;
}

/* Pidfds of every process inside one of the namespaces (sorted by inode), as `ip netns pids`
 * finds them, but in one pass over /proc for all of them: same device and inode as
 * /proc/PID/ns/net. A pidfd, not a pid: it cannot name a reused pid later. */
static size_t state_find_inside(const struct state_ns *sorted, size_t n, int **pidfds, pid_t **pids)
{
	size_t found = 0, cap = 0;
	*pidfds = NULL;
	*pids = NULL;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end, path[64];
		long pid = strtol(de->d_name, &end, 10);
		struct stat st;
		if (*end || pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) < 0)
			continue;
		struct state_ns key = {.dev = st.st_dev, .ino = st.st_ino};
		if (!bsearch(&key, sorted, n, sizeof(*sorted), state_ns_cmp))
			continue;
		int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
		if (fd < 0)
			continue; /* already gone */
		if (found == cap) {
			int *more = realloc(*pidfds, (cap ? cap * 2 : 16) * sizeof(int));
			pid_t *morep = more ? realloc(*pids, (cap ? cap * 2 : 16) * sizeof(pid_t)) : NULL;
			if (more)
				*pidfds = more;
			if (!morep) {
				close(fd);
				break;
			}
			*pids = morep;
			cap = cap ? cap * 2 : 16;
		}
		(*pids)[found] = (pid_t)pid;
		(*pidfds)[found++] = fd;
	}
	closedir(d);
	return found;
}

static long state_ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Waits until every process has exited (a pidfd turns readable) or ms have passed. Exited
 * ones are closed and set to -1. Returns how many are left. */
static size_t state_wait_exit(int *pidfds, size_t n, long ms)
{
	struct pollfd *pfd = calloc(n ? n : 1, sizeof(*pfd));
	struct timespec t0;
	size_t left = n;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (pfd && left > 0) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (pidfds[i] >= 0)
				pfd[k++] = (struct pollfd){.fd = pidfds[i], .events = POLLIN};
		long rest = ms - state_ms_since(&t0);
		if (rest <= 0 || poll(pfd, k, (int)rest) <= 0)
			break;
		for (size_t j = 0; j < k; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (size_t i = 0; i < n; i++)
				if (pidfds[i] == pfd[j].fd) {
					close(pidfds[i]);
					pidfds[i] = -1;
					left--;
				}
		}
	}
	free(pfd);
	return left;
}

/* Instance processes first get SIGTERM and a moment to exit (a server closes its files, a
 * test harness writes its results), then SIGKILL. All namespaces at once: one /proc pass, one
 * wait. Those still there after SIGKILL (stuck in the kernel) are counted in left. */
static void state_stop_inside(struct state_ns *ns, size_t n, struct state_left *left)
{
	struct state_ns *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	int *pidfds;
	pid_t *pids;
	size_t k = 0;
	if (!sorted)
		return;
	for (size_t i = 0; i < n; i++)
		if (ns[i].ino)
			sorted[k++] = ns[i];
	qsort(sorted, k, sizeof(*sorted), state_ns_cmp);
	size_t found = k ? state_find_inside(sorted, k, &pidfds, &pids) : 0;
	free(sorted);
	if (!found) {
		if (k) {
			free(pidfds);
			free(pids);
		}
		return;
	}
	for (size_t i = 0; i < found; i++)
		syscall(SYS_pidfd_send_signal, pidfds[i], SIGTERM, NULL, 0);
	if (state_wait_exit(pidfds, found, STATE_TERM_MS) > 0) {
		for (size_t i = 0; i < found; i++)
			if (pidfds[i] >= 0)
				syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
		state_wait_exit(pidfds, found, STATE_KILL_MS);
	}
	for (size_t i = 0; i < found; i++)
		if (pidfds[i] >= 0) {
			close(pidfds[i]);
			left->procs++;
			left->proc = pids[i];
		}
	free(pidfds);
	free(pids);
}

struct state_del {
	struct state_ns *ns;
	int *err;                /* per namespace: 0 removed, or -errno */
	struct progress pg;
	atomic_int first_err;
};

/* Never fails the pool: one namespace that cannot go must not keep the others. */
static int state_del_one(size_t i, void *arg)
{
	struct state_del *del = arg;
	int rc = prov_netns_del(del->ns[i].name), none = 0;
	if (rc == 0)
		rc = netns_etc_remove(del->ns[i].name); /* its /etc/netns files go with it */
	del->err[i] = rc;
	if (rc < 0)
		atomic_compare_exchange_strong(&del->first_err, &none, rc);
	return 0;
}

static void state_del_tick(size_t done, size_t n, void *arg)
{
	(void)n;
	progress_show(&((struct state_del *)arg)->pg, done);
}

/* The namespaces that could not be removed become the lab's whole list: a later `down` finds
 * them, and nothing else. */
static void state_keep_left(const char *lab, const struct state_del *del, size_t n,
			    struct state_left *left)
{
	char path[256];
	if (state_path(path, sizeof(path), lab, "netns") < 0)
		return;
	FILE *f = fopen(path, "we");
	for (size_t i = 0; i < n; i++)
		if (del->err[i] < 0) {
			if (!left->namespaces++) {
				snprintf(left->ns, sizeof(left->ns), "%s", del->ns[i].name);
				left->ns_err = del->err[i];
			}
			if (f)
				fprintf(f, "%s\n", del->ns[i].name);
		}
	if (f)
		fclose(f);
}

/* Removes every namespace of the lab; each whole namespace (its devices too) is then freed by
 * the kernel in the background, many at once. */
static int state_remove_namespaces(const char *lab, struct state_left *left)
{
	struct state_del del = {.first_err = 0};
	size_t n;
	int rc = state_read_ns(lab, &del.ns, &n);
	if (rc < 0 || n == 0) {
		free(del.ns);
		return rc;
	}
	del.err = calloc(n, sizeof(*del.err));
	if (!del.err) {
		free(del.ns);
		return -ENOMEM;
	}
	progress_begin(&del.pg, "removing", n);
	state_stop_inside(del.ns, n, left);
	struct par_job job = {.n = n, .threads = STATE_DEL_THREADS, .work = state_del_one,
			      .arg = &del, .tick = state_del_tick};
	par_run(&job, NULL);
	progress_end(&del.pg);
	rc = atomic_load(&del.first_err);
	if (rc < 0)
		state_keep_left(lab, &del, n, left);
	free(del.err);
	free(del.ns);
	return rc;
}

/* Some namespaces of a running lab (apply removed their instances): what runs inside is stopped
 * as at down, the namespaces are deleted, and the lab's list keeps the others (and any that
 * could not be deleted, for down to find). */
int state_remove_netns(const char *lab, const char *const *names, size_t n)
{
	struct state_ns *all;
	size_t n_all;
	int rc = state_read_ns(lab, &all, &n_all);
	if (rc < 0)
		return rc;
	struct state_del del = {.first_err = 0};
	del.ns = calloc(n ? n : 1, sizeof(*del.ns));
	del.err = calloc(n ? n : 1, sizeof(*del.err));
	uint8_t *drop = calloc(n_all ? n_all : 1, 1);
	if (!del.ns || !del.err || !drop) {
		free(del.ns), free(del.err), free(drop), free(all);
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n_all; i++)
		for (size_t j = 0; j < n; j++)
			if (!drop[i] && strcmp(all[i].name, names[j]) == 0) {
				drop[i] = 1;
				del.ns[k++] = all[i];
				break;
			}
	struct state_left left = {0};
	state_stop_inside(del.ns, k, &left);
	for (size_t i = 0; i < k; i++)
		state_del_one(i, &del);
	char path[256], tmp[300];
	FILE *f = NULL;
	if (state_path(path, sizeof(path), lab, "netns") == 0) {
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		f = fopen(tmp, "we");
	}
	for (size_t i = 0; f && i < n_all; i++) {
		bool failed = false;
		for (size_t j = 0; drop[i] && j < k; j++)
			if (strcmp(del.ns[j].name, all[i].name) == 0)
				failed = del.err[j] < 0;
		if (!drop[i] || failed)
			fprintf(f, "%s\n", all[i].name);
	}
	if (!f || fclose(f) != 0 || rename(tmp, path) < 0)
		rc = -EIO;
	if (rc == 0)
		rc = atomic_load(&del.first_err);
	if (rc == 0 && left.procs)
		rc = -EBUSY;
	/* Their cgroups (LAB-NAME is the namespace of instance NAME), once what ran is gone. One
	 * still busy is not this apply's failure: down removes the lab's cgroups. */
	size_t plen = strlen(lab);
	for (size_t i = 0; i < k; i++)
		if (strncmp(del.ns[i].name, lab, plen) == 0 && del.ns[i].name[plen] == '-')
			(void)cg_remove(lab, del.ns[i].name + plen + 1);
	free(del.ns), free(del.err), free(drop), free(all);
	return rc;
}

/* Files an apply staged (apply.PID.yaml) that a crash left behind. */
static void state_remove_staged(const char *lab)
{
	char dir[256], path[600];
	if (state_path(dir, sizeof(dir), lab, NULL) < 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "apply.", 6) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
}

static void state_remove_dir_files(const char *lab, const char *sub)
{
	char dir[256], path[600];
	if (state_path(dir, sizeof(dir), lab, sub) < 0)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}


int state_cleanup_left(const char *lab, struct state_left *left)
{
	static const char *const files[] = {"pid", "ctl", "log", "source", "lab.yaml", "lab.addresses"};
	struct state_left none;
	char path[256];
	if (!left)
		left = &none;
	memset(left, 0, sizeof(*left));
	/* the lab's AWS API server first: it would answer from a lab going away */
	state_api_stop(lab, 2000);
	int rc = state_remove_namespaces(lab, left);
	/* The instances' cgroups, now that what ran in them was stopped with the namespaces. */
	left->cg_err = cg_remove_lab(lab);
	if (!rc)
		rc = left->cg_err;
	if (!left->namespaces && state_path(path, sizeof(path), lab, "netns") == 0)
		unlink(path); /* kept while it names a namespace still there */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (state_path(path, sizeof(path), lab, files[i]) == 0)
			unlink(path);
	state_remove_dir_files(lab, "flowlogs");
	state_remove_dir_files(lab, "run");
	state_remove_staged(lab);
	if (state_path(path, sizeof(path), lab, NULL) == 0 && rmdir(path) < 0 && errno != ENOENT) {
		left->dir = true;
		if (!rc)
			rc = -errno;
	}
	if (!rc && left->procs)
		rc = -EBUSY;
	return rc;
}

int state_cleanup(const char *lab)
{
	return state_cleanup_left(lab, NULL);
}

int state_left_text(const struct state_left *left, const char *lab, char *dst, size_t cap)
{
	char ns[200] = "", procs[128] = "", dir[128] = "", cg[128] = "";
	if (left->namespaces)
		snprintf(ns, sizeof(ns), "%zu namespace%s (%s: %s)", left->namespaces,
			 left->namespaces == 1 ? "" : "s", left->ns, strerror(-left->ns_err));
	if (left->procs)
		snprintf(procs, sizeof(procs), "%zu process%s inside its namespaces that outlived SIGKILL (pid %ld)",
			 left->procs, left->procs == 1 ? "" : "es", (long)left->proc);
	if (left->dir)
		snprintf(dir, sizeof(dir), "%s/%s", VL_RUN_DIR, lab);
	if (left->cg_err)
		snprintf(cg, sizeof(cg), "its cgroup vpclab/%s (%s)", lab, strerror(-left->cg_err));
	snprintf(dst, cap, "%s%s%s%s%s%s%s", ns, ns[0] && (procs[0] || dir[0] || cg[0]) ? "; " : "", procs,
		 procs[0] && (dir[0] || cg[0]) ? "; " : "", dir, dir[0] && cg[0] ? "; " : "", cg);
	return dst[0] ? -EBUSY : 0;
}

int state_only_lab(char *dst, size_t cap)
{
	DIR *d = opendir(VL_RUN_DIR);
	if (!d)
		return -ENOENT;
	int found = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue; /* LAB.lock files stay; only directories are labs */
		if (found++ == 0)
			snprintf(dst, cap, "%s", de->d_name);
	}
	closedir(d);
	return found == 0 ? -ENOENT : found > 1 ? -EEXIST : 0;
}
