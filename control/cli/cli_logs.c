/* `vpclab logs [LAB] NAME [-f]`: the output of instance NAME's `run` command, the file
 * /run/vpclab/LAB/run/NAME.log (control/host/run.h). -f follows it until the lab goes down
 * (down unlinks the file) or Ctrl-C. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/host/run.h"

/* Copies what fd holds from its offset to stdout. 0, or -errno. */
static int logs_copy(int fd)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return -EIO;
	if (fflush(stdout) != 0)
		return -EIO;
	return n < 0 ? -errno : 0;
}

/* Woken by inotify when the file grows; the timeout bounds the wait for a `down` that
 * unlinked the file (IN_ATTRIB covers that too, the timeout is the fallback). */
#define LOGS_POLL_MS 500

static int logs_follow(int fd, const char *path)
{
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in >= 0 && inotify_add_watch(in, path, IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF) < 0) {
		close(in);
		in = -1;
	}
	for (;;) {
		int rc = logs_copy(fd);
		if (rc < 0)
			return rc;
		struct stat st;
		if (fstat(fd, &st) < 0 || st.st_nlink == 0)
			break; /* the lab went down: what was written is printed */
		struct pollfd p = {.fd = in, .events = POLLIN};
		if (poll(&p, in >= 0 ? 1 : 0, LOGS_POLL_MS) > 0) {
			char ev[4096];
			while (read(in, ev, sizeof(ev)) > 0)
				;
		}
	}
	if (in >= 0)
		close(in);
	return logs_copy(fd);
}

static int cmd_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'}, {"lab", required_argument, NULL, 'L'},
		CLI_OPT_HELP, {0},
	};
	const char *given = NULL;
	bool follow = false;
	int o;
	while ((o = cli_next(&cli_logs, argc, argv, "fh", opts)) != -1) {
		if (o == 'f')
			follow = true;
		else if (o == 'L')
			given = optarg;
		else
			return cli_stop(o);
	}
	int ops = argc - optind;
	if (ops == 0)
		return cli_missing(&cli_logs, "NAME");
	if (ops > (given ? 1 : 2))
		return cli_extra(&cli_logs, argv[optind + (given ? 1 : 2)]);
	const char *name = argv[argc - 1];
	char lab[64], path[256], ns[160];
	int rc = cli_lab(&cli_logs, ops == 2 ? argv[optind] : given, lab, sizeof(lab));
	if (rc)
		return rc;
	if (strchr(name, '/') || run_log_path(path, sizeof(path), lab, name) < 0) {
		fprintf(stderr, "vpclab: logs: no instance '%s' in lab %s\n", name, lab);
		return EXIT_INPUT;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(ns, sizeof(ns), "/run/netns/%s-%s", lab, name);
		if (e == EACCES)
			fprintf(stderr, "vpclab: logs: %s: %s\n", path, strerror(e));
		else if (access(ns, F_OK) == 0)
			fprintf(stderr, "vpclab: logs: instance '%s' of lab %s has no 'run' command\n",
				name, lab);
		else
			fprintf(stderr, "vpclab: logs: no instance '%s' in lab %s\n", name, lab);
		return e == EACCES ? EXIT_SYSTEM : EXIT_INPUT;
	}
	rc = follow ? logs_follow(fd, path) : logs_copy(fd);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "vpclab: logs: %s: %s\n", path, strerror(-rc));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

const struct cli_cmd cli_logs = {
	"logs", cmd_logs, "the output of an instance's run command",
	"usage: vpclab logs [LAB] NAME [-f]   (or --lab LAB before NAME)\n"
	"  prints the stdout and stderr of instance NAME's `run` command (the lab file's user\n"
	"  data), kept in /run/vpclab/LAB/run/NAME.log while the lab runs.\n"
	"  -f, --follow   keep printing what it writes, until the lab goes down or Ctrl-C\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: 0, 1 no such instance or it has no run command, 2 usage, 3 the system refused\n",
};
