/* The endpoint's HTTP side (server.c): libevent's evhttp on a loopback address, each request's
 * SigV4 signature checked against the lab's key pair before anything else, then routed by the
 * credential scope's service and the Action parameter (api_dispatch). */
#ifndef VPCLAB_API_SERVER_H
#define VPCLAB_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/api/api.h"

#define API_DEFAULT_PORT 4566        /* the first tried; the next free one up to +99 */
#define API_MAX_BODY (1u << 20)      /* a Query request's form body (UserData is 16 KiB) */
#define API_MAX_HEADERS (64u << 10)

/* "127.0.0.1:PORT", "127.0.0.1", "[::1]:PORT", "localhost:PORT" (port 0 or none: the default
 * search) into host/port; -EINVAL when malformed, -EADDRNOTAVAIL when not loopback. */
int api_listen_parse(const char *s, char *host, size_t cap, uint16_t *port);

struct api_serve_opts {
	const char *listen;          /* NULL: 127.0.0.1 from API_DEFAULT_PORT */
	int ready_fd;                /* >= 0: "URL\n" (or "error: ...\n") written there once bound */
	bool watch_lab;              /* exit when the lab stops running */
	bool write_state;            /* api-url and api.pid in c->dir, removed at exit */
	void (*on_ready)(const char *url, void *arg); /* once bound (foreground: say where) */
	void *arg;
};

/* Serves until SIGINT/SIGTERM (or the lab goes, with watch_lab). 0, or -errno with why in err
 * (before serving: the address could not be bound). */
int api_serve(struct api_ctx *c, const struct api_serve_opts *o, char *err, size_t cap);

/* Authenticates one request given as its parts (server.c's pure half, unit-tested): 0 with
 * r->svc/region filled, or an HTTP status with the error's code and message in out. now: the
 * clock, seconds since the epoch. */
struct sigv4_req;
int api_authenticate(const struct api_ctx *c, const struct sigv4_req *s, const char *authorization,
		     const char *amz_date, const char *version, long long now, struct api_req *r,
		     struct api_out *out);

#endif
