/* The lab's state directory (state.h): what `down` needs to undo an `up`, even one that was
 * killed half way or whose router crashed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/host/provision.h"
#include "control/host/state.h"
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
	snprintf(path, sizeof(path), "%s/%s.lock", VL_RUN_DIR, lab);
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
	snprintf(path, sizeof(path), "%s/%s.lock", VL_RUN_DIR, lab);
	unlink(path); /* while still holding it: nothing of the lab stays behind */
	close(fd);
}

bool state_running(const char *lab)
{
	int fd = state_lock(lab);
	if (fd >= 0)
		close(fd);
	return fd == -EBUSY;
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

/* Kills every process whose network namespace is the one mounted at /run/netns/ns, as
 * `ip netns pids` finds them: same device and inode as /proc/PID/ns/net. */
static void state_kill_inside(const char *ns)
{
	char path[300];
	struct stat target, st;
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	if (stat(path, &target) < 0)
		return;
	DIR *d = opendir("/proc");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
		if (stat(path, &st) == 0 && st.st_dev == target.st_dev && st.st_ino == target.st_ino)
			kill((pid_t)pid, SIGKILL);
	}
	closedir(d);
}

static int state_remove_namespaces(const char *lab)
{
	char path[256], line[128];
	int first_err = 0;
	if (state_path(path, sizeof(path), lab, "netns") < 0)
		return -ENAMETOOLONG;
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strchr(line, '/'))
			continue;
		state_kill_inside(line);
		int rc = prov_netns_del(line);
		if (rc < 0 && !first_err)
			first_err = rc;
	}
	fclose(f);
	return first_err;
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

int state_cleanup(const char *lab)
{
	static const char *const files[] = {"pid", "netns", "ctl", "log", "source"};
	char path[256];
	int rc = state_remove_namespaces(lab);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (state_path(path, sizeof(path), lab, files[i]) == 0)
			unlink(path);
	state_remove_dir_files(lab, "flowlogs");
	if (state_path(path, sizeof(path), lab, NULL) == 0 && rmdir(path) < 0 && errno != ENOENT &&
	    !rc)
		rc = -errno;
	return rc;
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
