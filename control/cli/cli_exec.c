/* `vpclab exec [LAB] NAME -- CMD [ARG...]`: this process joins the namespace of instance or
 * internet host NAME (and its cgroup) and becomes CMD, so stdin, stdout and the exit code pass through as they
 * are. Options stop at the first operand: CMD's own options are CMD's. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/host/cgroup.h"
#include "control/host/netns_etc.h"
#include "control/host/run.h"
#include "control/host/run_init.h"

static volatile pid_t exec_child;

static void exec_hand_on(int sig)
{
	if (exec_child > 0)
		kill(exec_child, sig);
}

/* CMD inside the instance whose init is `init`: its mount namespace (its /etc/netns files,
 * /sys and /proc) and its PID namespace, which only a child enters; this process waits for it
 * and exits as it did, handing on the signals a terminal sends. */
static int exec_in_instance(pid_t init, char **cmd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)init);
	int mnt = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	int pid = open(path, O_RDONLY | O_CLOEXEC);
	if (mnt < 0 || pid < 0 || setns(mnt, CLONE_NEWNS) < 0 || setns(pid, CLONE_NEWPID) < 0) {
		fprintf(stderr, "vpclab: exec: joining the instance's processes: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	close(mnt);
	close(pid);
	if (chdir("/") < 0)
		return EXIT_SYSTEM;
	fflush(NULL);
	pid_t c = fork();
	if (c < 0) {
		fprintf(stderr, "vpclab: exec: fork: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (c == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "vpclab: exec: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	exec_child = c;
	struct sigaction sa = {.sa_handler = exec_hand_on, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	int st;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_SYSTEM;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmd_exec(int argc, char **argv)
{
	static const struct option opts[] = {{"lab", required_argument, NULL, 'L'}, CLI_OPT_HELP, {0}};
	const char *given = NULL;
	int o;
	while ((o = cli_next(&cli_exec, argc, argv, "+h", opts)) != -1) {
		if (o != 'L')
			return cli_stop(o);
		given = optarg;
	}
	int first = optind, dash = first;
	while (dash < argc && strcmp(argv[dash], "--") != 0)
		dash++;
	/* getopt ate a "--" that came right after the options: the operands are all CMD. */
	bool ate = first > 1 && strcmp(argv[first - 1], "--") == 0;
	if (ate || dash == argc)
		return cli_missing(&cli_exec, "'--' before CMD");
	if (dash == first)
		return cli_missing(&cli_exec, "NAME");
	if (dash - first > (given ? 1 : 2))
		return cli_extra(&cli_exec, argv[first + (given ? 1 : 2)]);
	if (dash + 1 == argc)
		return cli_missing(&cli_exec, "CMD");
	const char *name = argv[dash - 1];
	char lab[64], ns[160];
	int rc = cli_lab(&cli_exec, dash - first == 2 ? argv[first] : given, lab, sizeof(lab));
	if (rc)
		return rc;
	snprintf(ns, sizeof(ns), "/run/netns/%s-%s", lab, name);
	int fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vpclab: exec: no instance or host '%s' in lab %s\n", name, lab);
		return errno == EACCES ? EXIT_SYSTEM : EXIT_INPUT;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpclab: exec: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	close(fd);
	/* What CMD uses counts toward the instance's CPU (Auto Scaling reads it). Before
	 * netns_etc_enter, whose new /sys has no cgroup trees. */
	rc = cg_join(lab, name);
	if (rc < 0 && rc != -ENOTSUP)
		fprintf(stderr, "vpclab: exec: warning: cgroup vpclab/%s/%s: %s (its CPU use is not counted)\n",
			lab, name, strerror(-rc));
	/* An instance whose `run` command runs has a process view of its own (run_init.h): CMD
	 * joins it, so that `ps` and `pkill` see the instance's processes, not the machine's. */
	char pidfile[256];
	pid_t init = run_pid_path(pidfile, sizeof(pidfile), lab, name) == 0 ? run_init_find(pidfile, ns) : -ENOENT;
	if (init > 0)
		return exec_in_instance(init, argv + dash + 1);
	/* As `ip netns exec`: the namespace's /etc/netns files (its resolv.conf) and its /sys. */
	const char *step = "";
	rc = netns_etc_enter(ns + strlen("/run/netns/"), &step);
	if (rc < 0) {
		fprintf(stderr, "vpclab: exec: %s: %s\n", step, strerror(-rc));
		return EXIT_SYSTEM;
	}
	execvp(argv[dash + 1], argv + dash + 1);
	fprintf(stderr, "vpclab: exec: %s: %s\n", argv[dash + 1], strerror(errno));
	return 127;
}

const struct cli_cmd cli_exec = {
	"exec", cmd_exec, "run a command in the namespace of an instance or internet host",
	"usage: vpclab exec [LAB] NAME -- CMD [ARG...]   (or --lab LAB before NAME)\n"
	"  runs CMD inside the network namespace of instance or internet host NAME (the same as\n"
	"  `ip netns exec LAB-NAME CMD`: /etc/netns/LAB-NAME/resolv.conf is its /etc/resolv.conf);\n"
	"  stdin, stdout and the exit code pass through. What CMD runs counts toward NAME's CPU use\n"
	"  (its cgroup vpclab/LAB/NAME, which Auto Scaling reads), as its `run` command does.\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: CMD's, or 1 no such NAME, 2 usage, 3 the system refused, 127 CMD not found\n",
};
