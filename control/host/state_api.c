/* Stopping a lab's API server (state_api.h). Its pid file is trusted only when the process's
 * process of that pid started when the file says: the server may have died and its pid been
 * reused. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control/host/state.h"
#include "control/host/state_api.h"

unsigned long long state_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* after the command's name (which may hold spaces and parentheses): state is field 3,
	 * starttime field 22; a zombie has finished and counts as gone */
	char *s = strrchr(buf, ')');
	if (!s || s[1] != ' ' || s[2] == 'Z')
		return 0;
	s += 2;
	for (int field = 3; field < 22 && s; field++) {
		s = strchr(s, ' ');
		if (s)
			s++;
	}
	return s ? strtoull(s, NULL, 10) : 0;
}

pid_t state_api_pid(const char *lab)
{
	char path[256];
	if (state_path(path, sizeof(path), lab, "api.pid") < 0)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	long pid = 0;
	unsigned long long start = 0;
	int got = fscanf(f, "%ld %llu", &pid, &start);
	fclose(f);
	return got == 2 && pid > 1 && start && state_proc_start((pid_t)pid) == start ? (pid_t)pid : 0;
}

/* Waits up to ms for the process behind pidfd to exit; true when it did. */
static bool wait_gone(int pidfd, int ms)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	int r;
	while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

int state_api_stop(const char *lab, int grace_ms)
{
	pid_t pid = state_api_pid(lab);
	int rc = 0;
	if (pid > 0) {
		int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		/* checked again once the pidfd holds the process: it is this one from here on */
		if (pidfd >= 0 && state_api_pid(lab) == pid) {
			syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
			if (!wait_gone(pidfd, grace_ms)) {
				syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
				if (!wait_gone(pidfd, 2000))
					rc = -EBUSY;
			}
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	static const char *const files[] = {"api.pid", "api-url", "api.log", "credentials"};
	char path[256];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !rc; i++)
		if (state_path(path, sizeof(path), lab, files[i]) == 0)
			unlink(path);
	return rc;
}
