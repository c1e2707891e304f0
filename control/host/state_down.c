/* Taking a lab down exactly (state_down.h). Every wait is on an event with a deadline: the
 * router's pidfd turning readable, or the lock turning free (tried every 10 ms). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/host/state.h"
#include "control/host/state_down.h"
#include "vpclab/ctl.h"

#define DOWN_KILL_WAIT_MS 5000       /* a SIGKILLed router stuck in the kernel */
#define DOWN_LOCK_WAIT_MS 10000      /* another holder: an `up` undoing its lab, another `down` */
#define DOWN_POLL_MS 10
#define DOWN_MAX_ROUTERS 3           /* routers stopped in one down (an `up` racing with it) */

static long down_ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L + (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* Whether process pid has the file dev:ino open (also when it was unlinked since). */
static bool down_pid_holds(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool holds = false;
	struct dirent *de;
	while (!holds && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
		    st.st_dev == dev && st.st_ino == ino)
			holds = true;
	}
	closedir(d);
	return holds;
}

/* Some process holding the lock file open, for the message when the lock never came free:
 * every process is looked at, so only on that failure. 0 when none is found. */
static pid_t down_lock_holder(const struct stat *lk)
{
	DIR *d = opendir("/proc");
	pid_t found = 0;
	struct dirent *de;
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (!*end && pid > 1 && pid != getpid() && down_pid_holds((pid_t)pid, lk->st_dev, lk->st_ino))
			found = (pid_t)pid;
	}
	closedir(d);
	return found;
}

/* The router's pidfd: the pid file's process, but only while it holds the lock file open (after
 * a crash the pid may name an unrelated process). Looked at after the pidfd is taken, so the
 * pidfd names the process that was checked. -1 when there is none. */
static int down_router_pidfd(const char *lab, const struct stat *lk, pid_t *pid)
{
	*pid = state_pid(lab);
	if (*pid <= 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_open, *pid, 0);
	if (fd < 0)
		return -1;
	if (!down_pid_holds(*pid, lk->st_dev, lk->st_ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends "down" on the control socket without waiting for the answer: a stopped router never
 * gives one, and its death is what counts. The socket (kept open until then, so the router's
 * answer has somewhere to go) or -errno when no router listens (still provisioning). */
static int down_ask(const char *lab)
{
	static const char req[] = VL_CTL_DOWN "\n";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (state_path(sa.sun_path, sizeof(sa.sun_path), lab, "ctl") < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1)) {
		int err = -errno;
		close(fd);
		return err;
	}
	shutdown(fd, SHUT_WR);
	return fd;
}

static bool down_wait_gone(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long rest = ms - down_ms_since(&t0);
		int n = poll(&p, 1, rest > 0 ? (int)rest : 0);
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
		if (rest <= 0)
			return false;
	}
}

/* Asked (or SIGTERMed), then SIGKILLed after grace_ms; returns once it is gone. */
static int down_stop_router(const char *lab, int pidfd, pid_t pid, int grace_ms, struct state_down *d)
{
	int sock = down_ask(lab);
	if (sock < 0)
		syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
	d->router = pid;
	bool gone = down_wait_gone(pidfd, grace_ms);
	if (!gone) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		d->killed = true;
		gone = down_wait_gone(pidfd, DOWN_KILL_WAIT_MS);
	}
	if (sock >= 0)
		close(sock);
	if (!gone) {
		snprintf(d->left, sizeof(d->left),
			 "the router (pid %ld) did not exit %d s after SIGKILL; it still holds the lab's "
			 "lock, its namespaces and %s/%s", (long)pid, DOWN_KILL_WAIT_MS / 1000, VL_RUN_DIR, lab);
		return -ETIMEDOUT;
	}
	return 0;
}

/* Holding the lock: nothing runs, whatever is there goes. */
static int down_locked(const char *lab, int lock, struct state_down *d)
{
	struct state_left left;
	int rc = state_cleanup_left(lab, &left);
	if (rc < 0) {
		if (state_left_text(&left, lab, d->left, sizeof(d->left)) == 0)
			snprintf(d->left, sizeof(d->left), "%s/%s: %s", VL_RUN_DIR, lab, strerror(-rc));
		close(lock); /* what is left stays listed for the next down; the lock file may stay */
		return rc;
	}
	state_unlock(lab, lock);
	return 0;
}

int state_down(const char *lab, int grace_ms, struct state_down *d)
{
	char path[256];
	struct timespec t0;
	int stopped = 0;
	memset(d, 0, sizeof(*d));
	if (state_lock_path(path, sizeof(path), lab) < 0)
		return -ENAMETOOLONG;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int lock = state_lock(lab);
		if (lock >= 0)
			return down_locked(lab, lock, d);
		if (lock != -EBUSY) {
			snprintf(d->left, sizeof(d->left), "%s: %s", path, strerror(-lock));
			return lock;
		}
		struct stat lk;
		pid_t pid = 0;
		int pidfd = stat(path, &lk) == 0 ? down_router_pidfd(lab, &lk, &pid) : -1;
		if (pidfd >= 0 && stopped < DOWN_MAX_ROUTERS) {
			stopped++;
			int rc = down_stop_router(lab, pidfd, pid, grace_ms, d);
			close(pidfd);
			if (rc < 0)
				return rc;
			clock_gettime(CLOCK_MONOTONIC, &t0); /* the lock's wait starts now */
			continue;
		}
		if (pidfd >= 0)
			close(pidfd);
		if (down_ms_since(&t0) >= DOWN_LOCK_WAIT_MS) {
			pid_t holder = stat(path, &lk) == 0 ? down_lock_holder(&lk) : 0;
			char comm[32] = "?";
			snprintf(path, sizeof(path), "/proc/%ld/comm", (long)holder);
			FILE *f = holder ? fopen(path, "re") : NULL;
			if (f) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			snprintf(d->left, sizeof(d->left),
				 "the lab's lock is still held after %d s (by pid %ld, %s); nothing was removed",
				 DOWN_LOCK_WAIT_MS / 1000, (long)holder, comm);
			return -EBUSY;
		}
		poll(NULL, 0, DOWN_POLL_MS);
	}
}
