/* Stopping a lab's API server (state_api.h). Its pid file is trusted only when the process's
 * command line is `vpclab api LAB ...`: the server may have died and its pid been reused. */
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

/* argv[1] == "api" and some later argument == lab. */
static bool is_api_of(pid_t pid, const char *lab)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	int arg = 0;
	bool api = false;
	for (char *s = buf; s < buf + n; s += strlen(s) + 1, arg++) {
		if (arg == 1)
			api = strcmp(s, "api") == 0;
		else if (arg > 1 && api && strcmp(s, lab) == 0)
			return true;
	}
	return false;
}

pid_t state_api_pid(const char *lab)
{
	char path[256], buf[32] = "";
	if (state_path(path, sizeof(path), lab, "api.pid") < 0)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	long pid = atol(buf);
	return pid > 1 && is_api_of((pid_t)pid, lab) ? (pid_t)pid : 0;
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
		/* checked again through the pidfd's process: it is this one from here on */
		if (pidfd >= 0 && is_api_of(pid, lab)) {
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
