/* `vpclab capture`: asks the router for a capture and copies the pcapng stream it sends to a
 * file or to stdout (for `| tcpdump -r -`). Stops on Ctrl-C, after --seconds, or when the
 * router ends the stream (-c reached, lab down). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture_cli.h"
#include "cli.h"
#include "ctl_client.h"
#include "state.h"

static volatile sig_atomic_t capture_stop;

static void on_signal(int sig)
{
	(void)sig;
	capture_stop = 1;
}

/* Copies the stream until stop, EOF or the deadline. 0 or -errno. */
static int copy_stream(int in, int out, const char *first, size_t first_len, int seconds)
{
	char buf[65536];
	if (first_len && write(out, first, first_len) != (ssize_t)first_len)
		return -errno;
	time_t end = seconds > 0 ? time(NULL) + seconds : 0;
	while (!capture_stop && (!end || time(NULL) < end)) {
		struct pollfd pfd = {.fd = in, .events = POLLIN};
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		ssize_t n = read(in, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n)
			return -errno;
	}
	return 0;
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
	int n = text ? snprintf(req, cap, "capture %s", text) : -1;
	free(text);
	return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

int capture_run(const char *lab, const struct capture_args *a)
{
	char req[1000];
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
	if (fd < 0) {
		fprintf(stderr, "vpclab: capture: lab %s is not running (%s)\n", lab, strerror(-fd));
		return EXIT_INPUT;
	}
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
