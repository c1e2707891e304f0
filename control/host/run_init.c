/* The instance's init (run_init.h). pid 1 of a PID namespace gets only the signals it has
 * handlers for: SIGTERM, SIGINT and SIGHUP are handed on to every process of the instance (a
 * `down` or an apply that removes the instance stops them as before), and the init ends with
 * its command (after a moment for the others to end by themselves), which ends the namespace
 * and what is left in it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/host/run_init.h"

static void exec_sh(const char *cmd)
{
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	fprintf(stderr, "vpclab: run: /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static void hand_on(int sig)
{
	kill(-1, sig); /* every process of the namespace but the init itself */
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Processes of the namespace other than the init (its /proc lists only them). */
static int others(void)
{
	DIR *d = opendir("/proc");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] >= '1' && e->d_name[0] <= '9' && strcmp(e->d_name, "1") != 0 &&
		     strspn(e->d_name, "0123456789") == strlen(e->d_name);
	if (d)
		closedir(d);
	return n;
}

#define LINGER_MS 1000

/* The command ended: what else runs in the instance gets a moment to end by itself first (a
 * `vpclab exec NAME -- pkill ...` that just stopped the command must see its own exit, not be
 * killed with the instance), at most LINGER_MS. */
static void linger(void)
{
	for (int waited = 0; waited < LINGER_MS && others() > 0; waited += 20) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		usleep(20 * 1000);
	}
}

static void init_main(const char *cmd) __attribute__((noreturn));
static void init_main(const char *cmd)
{
	prctl(PR_SET_NAME, "vpclab-init");
	/* the command first: a lab taken down at once (`vpclab test` of quick checks) must find it
	 * started, as when it was the router's own child */
	pid_t c = fork();
	if (c < 0) {
		fprintf(stderr, "vpclab: run: fork: %s\n", strerror(errno));
		_exit(127);
	}
	if (c == 0)
		exec_sh(cmd);
	/* this namespace's /proc, in the mount namespace netns_etc_enter made for the command (and
	 * shared with it: it sees this mount too) */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fprintf(stderr, "vpclab: run: /proc of the instance: %s (ps shows the machine's)\n",
			strerror(errno));
	struct sigaction sa = {.sa_handler = hand_on, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (;;) {
		int st;
		pid_t p = wait(&st);
		if (p == c) {
			linger();
			_exit(status_of(st)); /* the instance stops: the kernel ends the rest */
		}
		if (p < 0 && errno == ECHILD)
			_exit(127);
	}
}

void run_init_exec(const char *cmd, const char *pidfile)
{
	if (unshare(CLONE_NEWPID) < 0) {
		fprintf(stderr, "vpclab: run: unshare(CLONE_NEWPID): %s (the command sees every process "
			"of the machine)\n", strerror(errno));
		exec_sh(cmd);
	}
	pid_t init = fork();
	if (init < 0) {
		fprintf(stderr, "vpclab: run: fork: %s\n", strerror(errno));
		_exit(127);
	}
	if (init == 0)
		init_main(cmd);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.new", pidfile);
	FILE *f = fopen(tmp, "we");
	if (f) {
		fprintf(f, "%d\n", (int)init);
		if (fclose(f) == 0)
			rename(tmp, pidfile);
	}
	int st = 0;
	while (waitpid(init, &st, 0) < 0 && errno == EINTR)
		;
	unlink(pidfile);
	_exit(status_of(st));
}

pid_t run_init_find(const char *pidfile, const char *netns_path)
{
	FILE *f = fopen(pidfile, "re");
	if (!f)
		return -ENOENT;
	int pid = 0;
	int n = fscanf(f, "%d", &pid);
	fclose(f);
	if (n != 1 || pid <= 1)
		return -ENOENT;
	/* still the instance's: in its network namespace (a pid reused since is someone else's) */
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &a) < 0 || stat(netns_path, &b) < 0)
		return -ENOENT;
	if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return -ENOENT;
	return (pid_t)pid;
}
