/* Control socket client (ctl_client.h): one request line, the answer read to EOF. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/cli/ctl_client.h"
#include "control/host/state.h"
#include "vpclab/ctl.h"

static int ctl_connect(const char *lab, int timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (state_path(sa.sun_path, sizeof(sa.sun_path), lab, "ctl") < 0)
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = timeout_s};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ctl_request(const char *lab, const char *request, json_t **answer)
{
	return ctl_request_wait(lab, request, answer, 5);
}

int ctl_request_wait(const char *lab, const char *request, json_t **answer, int timeout_s)
{
	*answer = NULL;
	int fd = ctl_connect(lab, timeout_s);
	if (fd < 0)
		return fd;
	char line[VL_CTL_MAX_LINE];
	int len = snprintf(line, sizeof(line), "%s\n", request);
	if (len < 0 || (size_t)len >= sizeof(line) || write(fd, line, (size_t)len) != len) {
		close(fd);
		return -EIO;
	}
	shutdown(fd, SHUT_WR);
	size_t cap = 4096, got = 0;
	char *buf = malloc(cap);
	ssize_t n = 0;
	while (buf && (n = read(fd, buf + got, cap - got - 1)) > 0) {
		got += (size_t)n;
		if (got + 1 == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (!buf)
		return -ENOMEM;
	buf[got] = '\0';
	if (!err) {
		*answer = json_loads(buf, 0, NULL);
		if (!*answer)
			err = -EPROTO;
	}
	free(buf);
	return err;
}

int ctl_open_stream(const char *lab, const char *request)
{
	int fd = ctl_connect(lab, 5);
	if (fd < 0)
		return fd;
	struct timeval tv = {0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* a capture may wait long */
	char line[VL_CTL_MAX_LINE];
	int len = snprintf(line, sizeof(line), "%s\n", request);
	/* One write: the router reads the request in one go. */
	if (len < 0 || (size_t)len >= sizeof(line) || write(fd, line, (size_t)len) != len) {
		close(fd);
		return -EIO;
	}
	return fd;
}
