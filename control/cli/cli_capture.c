/* `vpclab capture`: asks the router for a capture and copies the pcapng stream it sends to a
 * file or to stdout (for `| tcpdump -r -`). Stops on Ctrl-C, after --seconds, or when the
 * router ends the stream (-c reached, lab down). The router picks the packets (ctl_server.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "vpclab/ctl.h"

struct capture_args {
	const char *port;        /* interface name, or NULL */
	const char *stage;       /* stage name, or NULL */
	const char *component;   /* stage component, or NULL */
	int drops;
	unsigned count;
	int seconds;
	const char *out;         /* -w FILE, NULL = stdout */
	char filter[256];
};

static volatile sig_atomic_t capture_stop;

static void on_signal(int sig)
{
	(void)sig;
	capture_stop = 1;
}

/* Writes the whole pcapng blocks at the start of buf[0..*len) and keeps the unfinished tail,
 * so that a capture stopped at any moment leaves a file every reader accepts. The router
 * writes blocks in this machine's byte order (its section header says so). 0 or -errno. */
static int write_blocks(int out, uint8_t *buf, size_t *len)
{
	size_t off = 0;
	while (*len - off >= 12) {
		uint32_t blen;
		memcpy(&blen, buf + off + 4, 4);
		if (blen < 12 || blen % 4)
			return -EPROTO;
		if (*len - off < blen)
			break;
		if (write(out, buf + off, blen) != (ssize_t)blen)
			return -errno;
		off += blen;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	return 0;
}

/* Copies the stream until stop, EOF or the deadline, whole blocks only. 0 or -errno. */
static int copy_stream(int in, int out, const char *first, size_t first_len, int seconds)
{
	size_t cap = 1u << 21, len = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, first, first_len);
	len = first_len;
	int rc = write_blocks(out, buf, &len);
	time_t end = seconds > 0 ? time(NULL) + seconds : 0;
	while (rc == 0 && !capture_stop && (!end || time(NULL) < end)) {
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		ssize_t n = read(in, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		rc = write_blocks(out, buf, &len);
		if (rc == 0 && len == cap)
			rc = -EPROTO; /* a block larger than any the router writes */
	}
	free(buf);
	return rc;
}

static int capture_request(const struct capture_args *a, char *req, size_t cap)
{
	json_t *j = json_object();
	if (a->port)
		json_object_set_new(j, "port", json_string(a->port));
	if (a->stage)
		json_object_set_new(j, "stage", json_string(a->stage));
	if (a->component)
		json_object_set_new(j, "component", json_string(a->component));
	if (a->drops)
		json_object_set_new(j, "drops", json_true());
	if (a->filter[0])
		json_object_set_new(j, "filter", json_string(a->filter));
	if (a->count)
		json_object_set_new(j, "count", json_integer(a->count));
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	int n = text ? snprintf(req, cap, "%s %s", VL_CTL_CAPTURE, text) : -1;
	free(text);
	return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

static int capture_run(const char *lab, const struct capture_args *a)
{
	char req[VL_CTL_MAX_LINE - 1];
	if (capture_request(a, req, sizeof(req)) < 0) {
		fprintf(stderr, "vpclab: capture: filter too long\n");
		return EXIT_USAGE;
	}
	if (!a->out && isatty(1)) {
		fprintf(stderr, "vpclab: capture writes pcapng: use -w FILE or pipe it (| tcpdump -nr -)\n");
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN); /* a router that went away is an error message, not a signal */
	int fd = ctl_open_stream(lab, req);
	if (fd < 0)
		return cli_not_running(&cli_capture, lab, fd);
	char first[512];
	ssize_t n = read(fd, first, sizeof(first) - 1);
	if (n <= 0 || first[0] == '{') {
		first[n > 0 ? n : 0] = '\0';
		json_t *e = json_loads(first, 0, NULL);
		const char *msg = json_string_value(json_object_get(e, "error"));
		fprintf(stderr, "vpclab: capture: %s\n", msg ? msg : "the router refused");
		json_decref(e);
		close(fd);
		return EXIT_INPUT;
	}
	int out = a->out ? open(a->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (out < 0) {
		fprintf(stderr, "vpclab: capture: %s: %s\n", a->out, strerror(errno));
		close(fd);
		return EXIT_SYSTEM;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = copy_stream(fd, out, first, (size_t)n, a->seconds);
	close(fd);
	if (a->out)
		close(out);
	return rc < 0 ? EXIT_SYSTEM : EXIT_OK;
}

/* [a-z][a-z0-9-]*: could be an interface or component name (a filter with spaces cannot). */
static bool name_like(const char *w)
{
	if (*w < 'a' || *w > 'z')
		return false;
	return strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(w);
}

/* The operands: the first word names the interface (or, with --stage, the component) when it
 * looks like a name; the router takes it as the filter's start if it names nothing. */
static int capture_operands(struct capture_args *a, int argc, char **argv)
{
	for (int i = optind; i < argc; i++) {
		const char *w = argv[i];
		size_t len = strlen(a->filter);
		if (!a->port && !a->filter[0] && name_like(w))
			a->port = w;
		else if (snprintf(a->filter + len, sizeof(a->filter) - len, "%s%s", len ? " " : "", w) >=
			 (int)(sizeof(a->filter) - len))
			return cli_bad_value(&cli_capture, "FILTER", w, "accepted: the filter is too long");
	}
	if (a->stage && a->port && !a->component) {
		a->component = a->port;
		a->port = NULL;
	}
	return 0;
}

static int cmd_capture(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lab", required_argument, NULL, 'L'}, {"stage", required_argument, NULL, 's'},
		{"drops", no_argument, NULL, 'd'}, {"write", required_argument, NULL, 'w'},
		{"count", required_argument, NULL, 'c'}, {"seconds", required_argument, NULL, 'S'},
		CLI_OPT_HELP, {0},
	};
	struct capture_args a = {0};
	const char *given = NULL;
	long v;
	int o;
	while ((o = cli_next(&cli_capture, argc, argv, "hw:c:", opts)) != -1) {
		switch (o) {
		case 'L': given = optarg; break;
		case 'd': a.drops = 1; break;
		case 'w': a.out = optarg; break;
		case 's': {
			a.stage = optarg;
			char *colon = strchr(optarg, ':');
			if (colon) {
				*colon = '\0';
				a.component = colon + 1;
			}
			break;
		}
		case 'c':
			if (cli_uint(&cli_capture, "-c", optarg, 1, 100000000, "a packet count", &v) < 0)
				return EXIT_USAGE;
			a.count = (unsigned)v;
			break;
		case 'S':
			if (cli_uint(&cli_capture, "--seconds", optarg, 1, 86400 * 365, "a number of seconds", &v) < 0)
				return EXIT_USAGE;
			a.seconds = (int)v;
			break;
		default:
			return cli_stop(o);
		}
	}
	int rc = capture_operands(&a, argc, argv);
	char lab[64];
	if (rc == 0)
		rc = cli_lab(&cli_capture, given, lab, sizeof(lab));
	return rc ? rc : capture_run(lab, &a);
}

const struct cli_cmd cli_capture = {
	"capture", cmd_capture, "pcapng of an interface, a stage, or every drop",
	"usage: vpclab capture [NAME] [--stage STAGE[:COMPONENT]] [--drops] [-w FILE] [-c N]\n"
	"                      [--seconds N] [--lab LAB] [FILTER...]\n"
	"  streams pcapng of what interface NAME sends and receives, of a stage's packets\n"
	"  (nat, igw, lb: before and after the rewrite; nacl-in, sg-in, ...: with the verdict),\n"
	"  or of every dropped packet (its reason is the packet's comment). FILTER is a BPF\n"
	"  expression.\n"
	"  -w, --write FILE   write to FILE (default stdout, for | tcpdump -nr -)\n"
	"  -c, --count N      stop after N packets\n"
	"  --seconds N        stop after N seconds (default: Ctrl-C, or the lab going down)\n"
	"  --stage STAGE[:COMPONENT]   a stage, limited to a NAT gateway, ACL, VPC, load\n"
	"                              balancer or interface\n"
	"  --drops            every dropped packet\n"
	"  --lab LAB          the lab (default: the only lab on this machine, or $VPCLAB_LAB)\n"
	"exit: 0, 1 not running or the router refused the capture, 2 usage, 3 a write failed\n",
};
