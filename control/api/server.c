/* The endpoint (server.h): evhttp on loopback. Parameters come from the query (GET) or the
 * form body (POST), parsed by libevent (evhttp_parse_query_str, evhttp_uridecode); the
 * signature is checked over the request exactly as received (auth.c) before any action runs. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "control/api/server.h"
#include "control/api/sigv4.h"
#include "control/host/state.h"
#include "control/host/state_api.h"

int api_listen_parse(const char *s, char *host, size_t cap, uint16_t *port)
{
	char h[64];
	const char *p = NULL;
	*port = 0;
	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (!e || (size_t)(e - s - 1) >= sizeof(h))
			return -EINVAL;
		snprintf(h, sizeof(h), "%.*s", (int)(e - s - 1), s + 1);
		if (e[1] == ':')
			p = e + 2;
		else if (e[1])
			return -EINVAL;
	} else {
		const char *colon = strrchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		if (n >= sizeof(h))
			return -EINVAL;
		snprintf(h, sizeof(h), "%.*s", (int)n, s);
		p = colon ? colon + 1 : NULL;
	}
	if (p) {
		char *end;
		long v = strtol(p, &end, 10);
		if (!*p || *end || v < 0 || v > 65535)
			return -EINVAL;
		*port = (uint16_t)v;
	}
	if (strcmp(h, "localhost") == 0)
		snprintf(h, sizeof(h), "127.0.0.1");
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, h, &a4) == 1) {
		if ((ntohl(a4.s_addr) >> 24) != 127)
			return -EADDRNOTAVAIL;
	} else if (inet_pton(AF_INET6, h, &a6) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&a6))
			return -EADDRNOTAVAIL;
	} else {
		return -EINVAL;
	}
	snprintf(host, cap, "%s", h);
	return 0;
}

struct server {
	struct api_ctx *c;
	struct event_base *base;
	const struct api_serve_opts *o;
};

static void request_id(char out[40])
{
	uint8_t b[16] = {0};
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b))
		memset(b, 0x5a, sizeof(b));
	b[6] = (uint8_t)(0x40 | (b[6] & 15)); /* a version 4 UUID, as AWS's request ids are */
	b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
	snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static void reply(struct evhttp_request *req, int status, const struct xml *x, const char *rid)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	evhttp_add_header(oh, "Content-Type", "text/xml;charset=UTF-8");
	evhttp_add_header(oh, "x-amzn-RequestId", rid);
	struct evbuffer *b = evbuffer_new();
	if (b && x->buf)
		evbuffer_add(b, x->buf, x->len);
	const char *why = status == 200 ? "OK" : status == 400 ? "Bad Request" : status == 401 ? "Unauthorized"
			: status == 403 ? "Forbidden" : status == 404 ? "Not Found" : status == 412 ? "Precondition Failed" : "Internal Server Error";
	evhttp_send_reply(req, status, why, b);
	if (b)
		evbuffer_free(b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *sv = arg;
	struct api_ctx *c = sv->c;
	struct api_req r = {.svc = API_EC2};
	struct api_out out = {.status = 0};
	struct xml x;
	xml_init(&x);
	xml_init(&out.x);
	request_id(r.request_id);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : "/";
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t blen = evbuffer_get_length(in);
	char *body = malloc(blen + 1);
	struct sigv4_header hdrs[64];
	size_t nh = 0;
	struct evkeyval *kv;
	TAILQ_FOREACH(kv, ih, next) {
		if (nh < 64)
			hdrs[nh++] = (struct sigv4_header){kv->key, kv->value};
	}
	int status = 0;
	if (!body) {
		api_fail(&out, 500, "InternalError", "Out of memory");
		status = 500;
		goto fail;
	}
	evbuffer_copyout(in, body, blen);
	body[blen] = '\0';
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_POST) {
		api_fail(&out, 400, "InvalidHttpRequest", "Only GET and POST are served");
		status = 400;
		goto fail;
	}
	/* the parameters first: Version picks the envelope of an error before any scope */
	int prc = query && *query ? api_req_parse(&r, query) : 0;
	const char *ctype = evhttp_find_header(ih, "Content-Type");
	if (!prc && cmd == EVHTTP_REQ_POST && blen && ctype &&
	    strncasecmp(ctype, "application/x-www-form-urlencoded", 33) == 0)
		prc = api_req_parse(&r, body);
	api_req_sort(&r);
	if (prc) {
		api_fail(&out, 404, "MalformedQueryString", "The query string or form body is malformed");
		status = 404; /* AWS's status for it */
		goto fail;
	}
	struct sigv4_req s = {cmd == EVHTTP_REQ_GET ? "GET" : "POST", path && *path ? path : "/", query,
			      hdrs, nh, body, blen};
	status = api_authenticate(c, &s, evhttp_find_header(ih, "Authorization"),
				  evhttp_find_header(ih, "X-Amz-Date"), api_param(&r, "Version"),
				  (long long)time(NULL), &r, &out);
	if (status)
		goto fail;
	r.action = api_param(&r, "Action");
	r.version = api_param(&r, "Version");
	api_dispatch(c, &r, &x, &status);
	reply(req, status, &x, r.request_id);
	goto done;
fail:
	api_error_xml(&x, r.svc, out.code, out.message, r.request_id);
	reply(req, status ? status : 500, &x, r.request_id);
done:
	free(body);
	api_req_free(&r);
	xml_free(&x);
	xml_free(&out.x);
}

static void on_signal(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd, (void)ev;
	event_base_loopbreak(((struct server *)arg)->base);
}

static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd, (void)ev;
	struct server *sv = arg;
	if (sv->o->watch_lab && !state_running(sv->c->lab))
		event_base_loopbreak(sv->base); /* the lab went down: nothing left to serve */
}

/* dir/name holding text, replaced at once (a reader never sees half of it). */
static int write_atomic(const char *dir, const char *name, const char *text)
{
	char path[512], tmp[540];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		int rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

/* Removes api-url and api.pid when api.pid still names this process (a newer server's stay). */
static void remove_state(const char *dir)
{
	char path[512], buf[32] = "";
	snprintf(path, sizeof(path), "%s/api.pid", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	bool ours = fgets(buf, sizeof(buf), f) && atol(buf) == (long)getpid();
	fclose(f);
	if (!ours)
		return;
	snprintf(path, sizeof(path), "%s/api-url", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/api.pid", dir);
	unlink(path);
}

/* api.pid made ours, exclusively (link: of two servers starting at once one wins); a pid file
 * whose process is no longer a server of this lab is stale and replaced. 0, -EEXIST (another
 * server runs: its URL in url), or -errno. */
static int claim_pid(const struct api_ctx *c, char *url, size_t cap)
{
	char path[512], tmp[540], pid[64];
	snprintf(path, sizeof(path), "%s/api.pid", c->dir);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	snprintf(pid, sizeof(pid), "%ld %llu\n", (long)getpid(), state_proc_start(getpid()));
	for (int attempt = 0; attempt < 2; attempt++) {
		FILE *f = fopen(tmp, "we");
		if (!f)
			return -errno;
		fputs(pid, f);
		int rc = fclose(f) == 0 && link(tmp, path) == 0 ? 0 : -errno;
		unlink(tmp);
		if (rc != -EEXIST)
			return rc;
		if (state_api_pid(c->lab) > 0) {
			char upath[512];
			snprintf(upath, sizeof(upath), "%s/api-url", c->dir);
			FILE *u = fopen(upath, "re");
			url[0] = '\0';
			if (u && !fgets(url, (int)cap, u))
				url[0] = '\0';
			if (u)
				fclose(u);
			url[strcspn(url, "\n")] = '\0';
			return -EEXIST;
		}
		unlink(path); /* stale: its server is gone */
	}
	return -EEXIST;
}

static void ready(const struct api_serve_opts *o, const char *text)
{
	if (o->ready_fd < 0)
		return;
	ssize_t n = write(o->ready_fd, text, strlen(text));
	(void)n;
	close(o->ready_fd);
}

int api_serve(struct api_ctx *c, const struct api_serve_opts *o, char *err, size_t cap)
{
	char host[64] = "127.0.0.1", msg[400];
	uint16_t port = 0;
	int rc = o->listen ? api_listen_parse(o->listen, host, sizeof(host), &port) : 0;
	if (rc) {
		snprintf(err, cap, "%s: %s", o->listen,
			 rc == -EADDRNOTAVAIL ? "not a loopback address (the API listens on loopback only)"
					      : "not ADDRESS[:PORT]");
		snprintf(msg, sizeof(msg), "error: %s\n", err);
		ready(o, msg);
		return rc;
	}
	if (o->write_state && (rc = claim_pid(c, msg, sizeof(msg))) < 0) {
		if (rc == -EEXIST)
			snprintf(err, cap, "lab %s already serves its AWS API at %s (pid %ld)", c->lab,
				 msg[0] ? msg : "?", (long)state_api_pid(c->lab));
		else
			snprintf(err, cap, "%s/api.pid: %s", c->dir, strerror(-rc));
		snprintf(msg, sizeof(msg), "error: %s\n", err);
		ready(o, msg);
		return rc;
	}
	/* a client gone before its answer is written must not kill the server */
	signal(SIGPIPE, SIG_IGN);
	struct server sv = {c, event_base_new(), o};
	struct evhttp *http = sv.base ? evhttp_new(sv.base) : NULL;
	if (!http) {
		snprintf(err, cap, "out of memory");
		ready(o, "error: out of memory\n");
		if (sv.base)
			event_base_free(sv.base);
		if (o->write_state)
			remove_state(c->dir);
		return -ENOMEM;
	}
	evhttp_set_max_body_size(http, API_MAX_BODY);
	evhttp_set_max_headers_size(http, API_MAX_HEADERS);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_timeout(http, 30);
	evhttp_set_gencb(http, on_request, &sv);
	struct evhttp_bound_socket *bs = NULL;
	uint16_t p = port;
	if (port)
		bs = evhttp_bind_socket_with_handle(http, host, port);
	else
		for (p = API_DEFAULT_PORT; !bs && p < API_DEFAULT_PORT + 100; p++)
			if ((bs = evhttp_bind_socket_with_handle(http, host, p)) != NULL)
				break;
	if (!bs) {
		rc = errno ? -errno : -EADDRINUSE;
		snprintf(err, cap, "%s port %u: %s", host, port ? port : API_DEFAULT_PORT,
			 port ? strerror(-rc) : "no free port from 4566 to 4665");
		snprintf(msg, sizeof(msg), "error: %s\n", err);
		ready(o, msg);
		if (o->write_state)
			remove_state(c->dir);
		evhttp_free(http);
		event_base_free(sv.base);
		return rc;
	}
	char url[128];
	snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, p);
	if (o->write_state) {
		char line[140];
		snprintf(line, sizeof(line), "%s\n", url);
		if ((rc = write_atomic(c->dir, "api-url", line)) < 0) {
			snprintf(err, cap, "%s: %s", c->dir, strerror(-rc));
			snprintf(msg, sizeof(msg), "error: %s\n", err);
			ready(o, msg);
			remove_state(c->dir);
			evhttp_free(http);
			event_base_free(sv.base);
			return rc;
		}
	}
	snprintf(msg, sizeof(msg), "%s\n", url);
	ready(o, msg);
	if (o->on_ready)
		o->on_ready(url, o->arg);
	struct event *si = evsignal_new(sv.base, SIGINT, on_signal, &sv);
	struct event *st = evsignal_new(sv.base, SIGTERM, on_signal, &sv);
	struct event *tick = event_new(sv.base, -1, EV_PERSIST, on_tick, &sv);
	struct timeval second = {1, 0};
	if (si)
		event_add(si, NULL);
	if (st)
		event_add(st, NULL);
	if (tick)
		event_add(tick, &second);
	event_base_dispatch(sv.base);
	if (o->write_state)
		remove_state(c->dir);
	if (si)
		event_free(si);
	if (st)
		event_free(st);
	if (tick)
		event_free(tick);
	evhttp_free(http);
	event_base_free(sv.base);
	return 0;
}
