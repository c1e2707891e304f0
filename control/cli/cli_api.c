/* `vpclab api [LAB] [--listen 127.0.0.1:PORT]`: the AWS API of a running lab, in the
 * foreground (control/api/server.c), and cli_api_spawn, the same as a detached process for
 * `up --api`. The server writes /run/vpclab/LAB/api-url and api.pid; `down` stops it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/api/server.h"
#include "control/cli/cli.h"
#include "control/host/state.h"
#include "vpclab/ctl.h"

static void say_ready(const char *url, void *arg)
{
	const char *lab = arg;
	printf("lab %s: the AWS API at %s (credentials: %s/%s/credentials, profile vpclab-%s); "
	       "Ctrl-C stops it\n", lab, url, VL_RUN_DIR, lab, lab);
	fflush(stdout);
}

static int cmd_api(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'}, {"lab", required_argument, NULL, 'L'},
		{"ready-fd", required_argument, NULL, 'r'}, CLI_OPT_HELP, {0},
	};
	const char *given = NULL, *listen = NULL;
	long ready_fd = -1;
	int o;
	while ((o = cli_next(&cli_api, argc, argv, "h", opts)) != -1) {
		if (o == 'l') {
			char host[64];
			uint16_t port;
			int rc = api_listen_parse(optarg, host, sizeof(host), &port);
			if (rc)
				return cli_bad_value(&cli_api, "--listen", optarg,
						     rc == -EADDRNOTAVAIL ? "a loopback address (127.0.0.1[:PORT]); the API "
						     "serves this machine only" : "127.0.0.1[:PORT]");
			listen = optarg;
		} else if (o == 'L') {
			given = optarg;
		} else if (o == 'r') {
			if (cli_uint(&cli_api, "--ready-fd", optarg, 0, 1 << 20, "a file descriptor", &ready_fd))
				return EXIT_USAGE;
		} else {
			return cli_stop(o);
		}
	}
	if (argc - optind > (given ? 0 : 1))
		return cli_extra(&cli_api, argv[argc - 1]);
	char lab[64];
	int rc = cli_lab(&cli_api, optind < argc ? argv[optind] : given, lab, sizeof(lab));
	if (rc)
		return rc;
	if (geteuid() != 0) {
		fprintf(stderr, "vpclab: api needs root (the lab's state and credentials are root's)\n");
		return EXIT_SYSTEM;
	}
	if (!state_running(lab))
		return cli_not_running(&cli_api, lab, -ENOENT);
	char dir[256], err[512];
	state_path(dir, sizeof(dir), lab, NULL);
	struct api_ctx c;
	rc = api_ctx_open(&c, lab, dir, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vpclab: api: %s\n", err);
		if (ready_fd >= 0) {
			dprintf((int)ready_fd, "error: %s\n", err);
			close((int)ready_fd);
		}
		api_ctx_close(&c);
		return EXIT_SYSTEM;
	}
	struct api_serve_opts so = {
		.listen = listen, .ready_fd = (int)ready_fd, .watch_lab = true, .write_state = true,
		.on_ready = ready_fd < 0 ? say_ready : NULL, .arg = lab,
	};
	rc = api_serve(&c, &so, err, sizeof(err));
	api_ctx_close(&c);
	if (rc) {
		fprintf(stderr, "vpclab: api: %s\n", err);
		return rc == -EADDRINUSE || rc == -EADDRNOTAVAIL || rc == -EEXIST ? EXIT_INPUT : EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int cli_api_spawn(const char *lab, const char *listen, char *url, size_t cap)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, "vpclab: up: the API: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	char log[256], self[4096];
	state_path(log, sizeof(log), lab, "api.log");
	/* the binary's own path (not /proc/self/exe) so that ps and pgrep name it vpclab */
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0 || (size_t)sl >= sizeof(self) - 1)
		snprintf(self, sizeof(self), "/proc/self/exe");
	else
		self[sl] = '\0';
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "vpclab: up: the API: %s\n", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return EXIT_SYSTEM;
	}
	if (pid == 0) {
		/* its own session, its output in the lab's state; only the pipe's end crosses exec */
		setsid();
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (null >= 0)
			dup2(null, 0);
		if (lf >= 0) {
			dup2(lf, 1);
			dup2(lf, 2);
		}
		int fd = dup(pfd[1]); /* without O_CLOEXEC */
		char fdarg[16];
		snprintf(fdarg, sizeof(fdarg), "%d", fd);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (listen)
			execl(self, "vpclab", "api", lab, "--ready-fd", fdarg, "--listen", listen,
			      (char *)NULL);
		else
			execl(self, "vpclab", "api", lab, "--ready-fd", fdarg, (char *)NULL);
		dprintf(fd, "error: %s: %s\n", self, strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	char line[600] = "";
	size_t n = 0;
	ssize_t got;
	while (n + 1 < sizeof(line) && (got = read(pfd[0], line + n, sizeof(line) - 1 - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)got;
	}
	close(pfd[0]);
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "http://", 7) != 0) {
		fprintf(stderr, "vpclab: up: the AWS API did not start: %s\n",
			line[0] ? (strncmp(line, "error: ", 7) == 0 ? line + 7 : line) : "it exited (see api.log)");
		int st;
		waitpid(pid, &st, WNOHANG);
		return EXIT_SYSTEM;
	}
	snprintf(url, cap, "%s", line);
	return EXIT_OK;
}

const struct cli_cmd cli_api = {
	"api", cmd_api, "serve the AWS API (EC2, ELBv2, Auto Scaling) of a running lab on loopback",
	"usage: vpclab api [LAB] [--listen 127.0.0.1[:PORT]]   (or --lab LAB)\n"
	"  serves, in the foreground, the AWS Query API of the running lab for the aws CLI and\n"
	"  boto3 (rules/API.md lists the actions); signatures (SigV4) are verified against the\n"
	"  lab's key pair in /run/vpclab/LAB/credentials (profile vpclab-LAB, created when missing).\n"
	"  Writes the URL to /run/vpclab/LAB/api-url; Ctrl-C stops it; it ends with the lab.\n"
	"  --listen ADDR[:PORT]  a loopback address only (default 127.0.0.1, the first free port\n"
	"                        from 4566)\n"
	"  'vpclab up LAB.yaml --api' serves it for the lab's life; 'vpclab aws' calls it.\n"
	"exit: 0 stopped, 1 the lab is not running or the port is taken, 2 usage (a\n"
	"  non-loopback address), 3 the system refused (no root)\n",
};
