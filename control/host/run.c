/* Starting instances' `run` commands: fork, setns into the instance's namespace, its cgroup
 * (cgroup.h), a new session, stdout and stderr to the log, then `sh -c` under the instance's
 * init (run_init.h: its own process view). Reaped by a SIGCHLD handler in the router. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/host/cgroup.h"
#include "control/host/netns_etc.h"
#include "control/host/run.h"
#include "control/host/run_init.h"
#include "control/host/state.h"
#include "control/lab/model.h"
#include "vpclab/tables.h"

static int run_path(char *dst, size_t cap, const char *lab, const char *name, const char *ext)
{
	char file[160];
	if ((size_t)snprintf(file, sizeof(file), "run/%s.%s", name, ext) >= sizeof(file))
		return -ENAMETOOLONG;
	return state_path(dst, cap, lab, file);
}

int run_log_path(char *dst, size_t cap, const char *lab, const char *name)
{
	return run_path(dst, cap, lab, name, "log");
}

int run_pid_path(char *dst, size_t cap, const char *lab, const char *name)
{
	return run_path(dst, cap, lab, name, "pid");
}

/* Reaps every exited child. The router's only children after provisioning are these commands,
 * so nothing else waits for a pid that this could take first. */
static void run_on_sigchld(int sig)
{
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* In the child: never returns. Errors go to the log when it is open, else to the router's
 * stderr (its log). */
static void run_child(const char *lab, const char *name, const char *ns, const char *log, const char *cmd)
{
	char pidfile[256];
	if (run_pid_path(pidfile, sizeof(pidfile), lab, name) < 0)
		_exit(127); /* run_log_path of the same name fitted: cannot happen */
	/* The router blocks SIGTERM/SIGINT (its signalfd) and ignores SIGPIPE: a user's command
	 * must get the defaults, or `down`'s SIGTERM would not reach it. */
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpclab: router: run: %s: %s\n", ns, strerror(errno));
		_exit(127);
	}
	/* Before netns_etc_enter: it mounts a new /sys, without the cgroup trees. Said in the log
	 * once that is open: the command runs all the same, only its CPU is not counted. */
	int cg = cg_join(lab, name);
	const char *step = "";
	int rc = netns_etc_enter(strrchr(ns, '/') + 1, &step);
	if (rc < 0) {
		fprintf(stderr, "vpclab: router: run: %s: %s: %s\n", ns, step, strerror(-rc));
		_exit(127);
	}
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || in < 0) {
		fprintf(stderr, "vpclab: router: run: %s: %s\n", log, strerror(errno));
		_exit(127);
	}
	setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (cg < 0)
		fprintf(stderr, "vpclab: run: cgroup vpclab/%s/%s: %s (its CPU use is not measured)\n", lab,
			name, strerror(-cg));
	/* Taps, the control socket and the lab's lock are the router's: not the command's. */
	close_range(3, ~0u, 0);
	run_init_exec(cmd, pidfile);
}

int run_start(const struct vl_tables *t, struct run_spec *specs, size_t n, char *err, size_t errcap)
{
	const char *lab = t->lab;
	if (!n)
		return 0;
	struct sigaction sa = {.sa_handler = run_on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	char dir[256];
	if (state_path(dir, sizeof(dir), lab, "run") < 0 || (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
		snprintf(err, errcap, "run: %s: %s", dir, strerror(errno));
		return -errno;
	}
	struct cg_tree tree;
	(void)cg_tree(&tree); /* mountinfo read here, not in each child */
	for (size_t i = 0; i < n; i++) {
		const char *name = t->ports[specs[i].port].name;
		char ns[192], log[256];
		memcpy(ns, "/run/netns/", 11);
		if (vl_port_netns(t, specs[i].port, ns + 11, sizeof(ns) - 11) < 0 ||
		    run_log_path(log, sizeof(log), lab, name) < 0) {
			snprintf(err, errcap, "run: %s: name too long", name);
			return -ENAMETOOLONG;
		}
		fflush(NULL); /* nothing buffered is written twice */
		pid_t pid = fork();
		if (pid < 0) {
			int e = errno;
			snprintf(err, errcap, "run: %s: fork: %s", name, strerror(e));
			return -e;
		}
		if (pid == 0)
			run_child(lab, name, ns, log, specs[i].cmd);
		specs[i].pid = pid;
	}
	return 0;
}

struct run_spec *run_specs_of(const struct lab *m, size_t *n)
{
	size_t k = 0;
	*n = 0;
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++)
			k += m->vpcs[v].instances[i].run.s != NULL;
	if (!k)
		return NULL;
	struct run_spec *specs = calloc(k, sizeof(*specs));
	if (!specs)
		return NULL;
	for (size_t v = 0; v < m->n_vpcs; v++)
		for (size_t i = 0; i < m->vpcs[v].n_instances; i++) {
			const struct lab_instance *x = &m->vpcs[v].instances[i];
			if (!x->run.s)
				continue;
			specs[*n].port = x->gidx;
			specs[*n].cmd = strdup(x->run.s);
			if (!specs[(*n)++].cmd) {
				run_specs_free(specs, *n);
				*n = 0;
				errno = ENOMEM;
				return NULL;
			}
		}
	return specs;
}

void run_specs_free(struct run_spec *specs, size_t n)
{
	for (size_t i = 0; specs && i < n; i++)
		free(specs[i].cmd);
	free(specs);
}
