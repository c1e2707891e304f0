/* Application load balancer proxies (alb_proxy.h): a thread per node that enters the node's
 * namespace (setns acts on the calling thread only), serves each listener port with evhttp and
 * forwards to targets over keep-alive client connections of its own. Nothing it touches is the
 * router's but the published snapshot (under the mutex) and the atomic counters. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/http_struct.h> /* the request's HTTP version: 2.1 has no getter */
#include <event2/keyvalq_struct.h>

#include "control/router/ns_thread.h"
#include "control/router/alb_proxy.h"
#include "control/router/alb_route.h"
#include "dataplane/lb.h"
#include "vpclab/addr.h"

#define CONNECT_TIMEOUT_S 10     /* AWS: a target connection not made in 10 s is a 504 */
#define BIND_RETRY_MS 200
/* The proxy buffers whole messages (evhttp): bounded, as AWS bounds them. Headers: AWS's 64 KB
 * (the request line and headers together here); bodies: a lab limit, beyond which the client
 * gets evhttp's 413 and a target's answer is a 502. */
#define MAX_HEADERS_BYTES (64 * 1024)
#define MAX_BODY_BYTES (16 * 1024 * 1024)

const char *alb_counter_name(enum alb_counter c)
{
	static const char *const names[] = {
#define ALB_COUNTER_NAME(n) #n,
		ALB_COUNTERS(ALB_COUNTER_NAME)
#undef ALB_COUNTER_NAME
	};
	return (unsigned)c < ALBC__COUNT ? names[c] : "?";
}

struct alb_snap *alb_snap_ref(struct alb_snap *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void alb_snap_unref(struct alb_snap *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	free(s->ls);
	free(s->rules);
	free(s->tgs);
	free(s->targets);
	free(s);
}

static void count(struct alb_counters *c, enum alb_counter k, uint64_t n)
{
	atomic_fetch_add_explicit(&c->c[k], n, memory_order_relaxed);
}

/* This node's requests in flight to a target (least outstanding requests), by key: the
 * snapshot's indices change with every publish. */
struct tstate {
	char tg[VL_NAME_MAX], inst[VL_NAME_MAX];
	uint16_t port;
	uint32_t inflight;
};

/* This node's round robin position in a group (AWS: per node and group). */
struct gstate {
	char tg[VL_NAME_MAX];
	uint32_t rr;
};

/* A client connection to a target: one request at a time, kept open between them. */
struct upconn {
	struct evhttp_connection *evcon;
	uint32_t ip;
	uint16_t port;
	bool busy;
	uint32_t served;                 /* answers it brought */
};

struct lsock {
	struct alb_proxy *p;
	uint16_t port;
	uint32_t idle_s;
	struct evhttp *http;
	bool bound, said;
	struct evconnlistener *lev;  /* its listening socket, once bound */
	struct event *resume;        /* accepting again after a failed accept (ns_thread.h) */
	bool accept_said;
};

/* The proxy of the calling thread (one per thread): a listener's error callback has only the
 * listener to go by. */
static __thread struct alb_proxy *this_proxy;

struct fwd;

struct alb_proxy {
	char ns[128];
	uint32_t ip;
	pthread_t th;
	int stop_fd;
	pthread_mutex_t mu;
	struct alb_snap *snap;           /* the current one, under mu */
	struct alb_counters *ctr;        /* the load balancer's (the router's, for the lab's life) */
	/* the thread's own: */
	struct event_base *base;
	int wake_fd;             /* eventfd: a new snapshot (its listeners may differ) */
	struct lsock **ls;               /* the listeners served, each where evhttp can point */
	size_t n_ls, cap_ls;
	struct event *retry;
	struct tstate *ts;
	size_t n_ts, cap_ts;
	struct gstate *gs;
	size_t n_gs, cap_gs;
	struct upconn **up;
	size_t n_up, cap_up;
	struct evhttp_connection **cl;   /* client connections seen (ActiveConnectionCount) */
	size_t n_cl, cap_cl;
	struct fwd *fwds;                /* requests in flight to targets */
	struct alb_cand *cand;           /* a pick's scratch: the group's targets */
	size_t *tsx;                     /* and their tstate indices */
	size_t cap_pick;
	uint64_t rnd;
};

struct fwd {
	struct alb_proxy *p;
	struct alb_snap *snap;
	struct evhttp_request *creq;
	struct upconn *uc;
	size_t ts;
	uint32_t target;                 /* into snap->targets */
	uint16_t g;
	struct event *ctimer;
	struct timespec started;
	int err;                         /* the error callback's, -1 none */
	uint32_t idle_s;                 /* the listener's: the connection's timeout */
	uint32_t client;
	uint16_t lport;
	const struct lsock *ls;          /* where its client came (a listener removed ends it) */
	bool reused, retried;            /* sent on a kept connection; sent a second time */
	char trace[64];                  /* X-Amzn-Trace-Id to add ("" when the client sent one) */
	struct fwd *next, **pprev;
};

static bool grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, c * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = c;
	return true;
}

static uint64_t rnd64(struct alb_proxy *p)
{
	p->rnd ^= p->rnd << 13;
	p->rnd ^= p->rnd >> 7;
	p->rnd ^= p->rnd << 17;
	return p->rnd;
}

static struct alb_snap *snap_get(struct alb_proxy *p)
{
	pthread_mutex_lock(&p->mu);
	struct alb_snap *s = alb_snap_ref(p->snap);
	pthread_mutex_unlock(&p->mu);
	return s;
}

static size_t tstate_of(struct alb_proxy *p, const char *tg, const char *inst, uint16_t port)
{
	for (size_t i = 0; i < p->n_ts; i++)
		if (p->ts[i].port == port && !strcmp(p->ts[i].tg, tg) && !strcmp(p->ts[i].inst, inst))
			return i;
	if (!grow((void **)&p->ts, &p->cap_ts, p->n_ts, sizeof(*p->ts)))
		return SIZE_MAX;
	struct tstate *t = &p->ts[p->n_ts];
	*t = (struct tstate){.port = port};
	snprintf(t->tg, sizeof(t->tg), "%s", tg);
	snprintf(t->inst, sizeof(t->inst), "%s", inst);
	return p->n_ts++;
}

static uint32_t *rr_of(struct alb_proxy *p, const char *tg)
{
	static uint32_t spare;
	for (size_t i = 0; i < p->n_gs; i++)
		if (!strcmp(p->gs[i].tg, tg))
			return &p->gs[i].rr;
	if (!grow((void **)&p->gs, &p->cap_gs, p->n_gs, sizeof(*p->gs)))
		return &spare;
	struct gstate *g = &p->gs[p->n_gs++];
	*g = (struct gstate){.rr = 0};
	snprintf(g->tg, sizeof(g->tg), "%s", tg);
	return &g->rr;
}

static uint64_t hdr_bytes(const struct evkeyvalq *h)
{
	uint64_t n = 0;
	for (const struct evkeyval *k = h->tqh_first; k; k = k->next.tqe_next)
		n += strlen(k->key) + strlen(k->value) + 4;
	return n;
}

static const char *status_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	default: return alb_reason(code);
	}
}

/* An answer the load balancer writes itself (Server: awselb/2.0, as AWS's). */
static void reply_lb(struct alb_proxy *p, struct evhttp_request *req, int code, const char *ctype,
		     const char *body, size_t len, const char *location)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	evhttp_add_header(oh, "Server", "awselb/2.0");
	if (ctype)
		evhttp_add_header(oh, "Content-Type", ctype);
	if (location)
		evhttp_add_header(oh, "Location", location);
	struct evbuffer *b = evbuffer_new();
	if (b && len)
		evbuffer_add(b, body, len);
	count(p->ctr, ALBC_ProcessedBytes, len + hdr_bytes(oh) + 17);
	evhttp_send_reply(req, code, status_reason(code), b);
	if (b)
		evbuffer_free(b);
}

static void reply_error(struct alb_proxy *p, struct evhttp_request *req, int code)
{
	char page[512];
	int len = alb_error_page(code, page, sizeof(page));
	count(p->ctr, code >= 500 ? ALBC_HTTPCode_ELB_5XX_Count : ALBC_HTTPCode_ELB_4XX_Count, 1);
	if (code == 502)
		count(p->ctr, ALBC_HTTPCode_ELB_502_Count, 1);
	else if (code == 503)
		count(p->ctr, ALBC_HTTPCode_ELB_503_Count, 1);
	else if (code == 504)
		count(p->ctr, ALBC_HTTPCode_ELB_504_Count, 1);
	reply_lb(p, req, code, "text/html", page, len > 0 ? (size_t)len : 0, NULL);
}

/* ------------------------------------------------------------------ targets' connections */

static struct upconn *conn_get(struct alb_proxy *p, uint32_t ip, uint16_t port, uint32_t idle_s, bool fresh)
{
	for (size_t i = 0; i < p->n_up && !fresh; i++) {
		struct upconn *u = p->up[i];
		if (!u->busy && u->ip == ip && u->port == port && u->evcon) {
			u->busy = true;
			evhttp_connection_set_timeout(u->evcon, (int)idle_s);
			return u;
		}
	}
	if (!grow((void **)&p->up, &p->cap_up, p->n_up, sizeof(*p->up)))
		return NULL;
	struct upconn *u = calloc(1, sizeof(*u));
	char a[16];
	if (!u)
		return NULL;
	u->evcon = evhttp_connection_base_new(p->base, NULL, addr_fmt(ip, a), port);
	if (!u->evcon) {
		free(u);
		return NULL;
	}
	/* The answer's wait is the listener's idle timeout (AWS); the connect has its own timer. */
	evhttp_connection_set_timeout(u->evcon, (int)idle_s);
	evhttp_connection_set_retries(u->evcon, 0);
	evhttp_connection_set_max_headers_size(u->evcon, MAX_HEADERS_BYTES);
	evhttp_connection_set_max_body_size(u->evcon, MAX_BODY_BYTES);
	u->ip = ip;
	u->port = port;
	u->busy = true;
	p->up[p->n_up++] = u;
	return u;
}

/* A connection that is no use any more (its connect timed out): closed and forgotten. */
static void conn_drop(struct alb_proxy *p, struct upconn *u)
{
	for (size_t i = 0; i < p->n_up; i++)
		if (p->up[i] == u) {
			p->up[i] = p->up[--p->n_up];
			break;
		}
	if (u->evcon)
		evhttp_connection_free(u->evcon); /* frees its request without calling it back */
	free(u);
}

/* ------------------------------------------------------------------ forwarding */

static void fwd_end(struct fwd *f)
{
	struct alb_proxy *p = f->p;
	if (f->ctimer)
		event_free(f->ctimer);
	if (f->ts < p->n_ts && p->ts[f->ts].inflight)
		p->ts[f->ts].inflight--;
	*f->pprev = f->next;
	if (f->next)
		f->next->pprev = f->pprev;
	alb_snap_unref(f->snap);
	free(f);
}

static void set_cookies(struct fwd *f, struct evkeyvalq *oh)
{
	const struct alb_snap_tg *g = &f->snap->tgs[f->g];
	const struct alb_snap_target *t = &f->snap->targets[f->target];
	char val[256], exp[64], line[512];
	if (alb_cookie_encode(g->name, t->instance, t->port, val, sizeof(val)) < 0)
		return;
	time_t when = time(NULL) + (time_t)g->sticky_s;
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(exp, sizeof(exp), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(line, sizeof(line), "AWSALB=%s; Expires=%s; Path=/", val, exp);
	evhttp_add_header(oh, "Set-Cookie", line);
	snprintf(line, sizeof(line), "AWSALBCORS=%s; Expires=%s; Path=/; SameSite=None; Secure", val, exp);
	evhttp_add_header(oh, "Set-Cookie", line);
}

static int fwd_send(struct fwd *f, bool fresh);

static void on_up_error(enum evhttp_request_error e, void *arg)
{
	struct fwd *f = arg;
	f->err = (int)e;
}

static void on_up_done(struct evhttp_request *ureq, void *arg)
{
	struct fwd *f = arg;
	struct alb_proxy *p = f->p;
	f->uc->busy = false;
	int code = ureq ? evhttp_request_get_response_code(ureq) : 0;
	if (code <= 0) {
		/* libevent 2.1 fails a connect (refused or timed out) without a reason: the time
		 * spent tells a timeout from a refusal. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - f->started.tv_sec) * 1000L + (now.tv_nsec - f->started.tv_nsec) / 1000000L;
		long limit = (f->idle_s < CONNECT_TIMEOUT_S ? (long)f->idle_s : CONNECT_TIMEOUT_S) * 1000L;
		bool timeout = f->err == EVREQ_HTTP_TIMEOUT || (f->err < 0 && ms + 100 >= limit);
		/* A kept connection the target closed meanwhile (an HTTP/1.0 server closes after
		 * each answer without saying so; libevent may not have seen the FIN yet): nothing
		 * was answered, so the request goes once more, on a new connection. */
		if (f->err == EVREQ_HTTP_EOF && f->reused && !f->retried) {
			f->retried = true;
			if (fwd_send(f, true) == 0)
				return;
		}
		if (f->err < 0)
			count(p->ctr, ALBC_TargetConnectionErrorCount, 1);
		reply_error(p, f->creq, timeout ? 504 : 502);
		fwd_end(f);
		return;
	}
	f->uc->served++;
	count(p->ctr, code >= 500 ? ALBC_HTTPCode_Target_5XX_Count : code >= 400 ? ALBC_HTTPCode_Target_4XX_Count
			: code >= 300 ? ALBC_HTTPCode_Target_3XX_Count : ALBC_HTTPCode_Target_2XX_Count, 1);
	struct evkeyvalq *ih = evhttp_request_get_input_headers(ureq);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(f->creq);
	for (const struct evkeyval *h = ih->tqh_first; h; h = h->next.tqe_next)
		if (!alb_hop_by_hop(h->key))
			evhttp_add_header(oh, h->key, h->value);
	if (f->snap->tgs[f->g].sticky_s)
		set_cookies(f, oh);
	struct evbuffer *body = evhttp_request_get_input_buffer(ureq);
	count(p->ctr, ALBC_ProcessedBytes, evbuffer_get_length(body) + hdr_bytes(oh) + 17);
	const char *line = evhttp_request_get_response_code_line(ureq);
	evhttp_send_reply(f->creq, code, line && *line ? line : status_reason(code), body);
	fwd_end(f);
}

/* AWS's 10 s to connect: the request is given up when its connection is still not made. */
static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct fwd *f = arg;
	struct bufferevent *bev = f->uc->evcon ? evhttp_connection_get_bufferevent(f->uc->evcon) : NULL;
	int s = bev ? bufferevent_getfd(bev) : -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (s >= 0 && getpeername(s, (struct sockaddr *)&ss, &sl) == 0)
		return; /* connected: the answer's wait is the idle timeout's */
	conn_drop(f->p, f->uc);
	count(f->p->ctr, ALBC_TargetConnectionErrorCount, 1);
	reply_error(f->p, f->creq, 504);
	fwd_end(f);
}

static bool skip_request_header(const char *k)
{
	/* Expect: the body is here already (evhttp answered 100 Continue to the client). */
	/* Content-Length: the body goes as evhttp read it (chunks decoded), with its own length;
	 * the client's, next to a Transfer-Encoding, would let a second request in (smuggling). */
	return alb_hop_by_hop(k) || !strcasecmp(k, "Expect") || !strcasecmp(k, "Content-Length") ||
	       !strcasecmp(k, "X-Forwarded-For") || !strcasecmp(k, "X-Forwarded-Proto") ||
	       !strcasecmp(k, "X-Forwarded-Port");
}

/* Sends f's request to its target: on a kept connection, or a new one when fresh. 0, or
 * -errno with nothing in flight. */
static int fwd_send(struct fwd *f, bool fresh)
{
	struct alb_proxy *p = f->p;
	const struct alb_snap_target *t = &f->snap->targets[f->target];
	struct upconn *uc = conn_get(p, t->ip, t->port, f->idle_s, fresh);
	struct evhttp_request *ureq = uc ? evhttp_request_new(on_up_done, f) : NULL;
	if (!ureq) {
		if (uc)
			uc->busy = false;
		return -ENOMEM;
	}
	f->uc = uc;
	f->reused = uc->served > 0;
	f->err = -1;
	clock_gettime(CLOCK_MONOTONIC, &f->started);
	evhttp_request_set_error_cb(ureq, on_up_error);
	struct evkeyvalq *ih = evhttp_request_get_input_headers(f->creq);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(ureq);
	for (const struct evkeyval *h = ih->tqh_first; h; h = h->next.tqe_next)
		if (!skip_request_header(h->key))
			evhttp_add_header(oh, h->key, h->value);
	char buf[1024], a[16];
	if (!evhttp_find_header(ih, "Host"))
		evhttp_add_header(oh, "Host", addr_fmt(t->ip, a));
	if (alb_xff(evhttp_find_header(ih, "X-Forwarded-For"), f->client, buf, sizeof(buf)) == 0)
		evhttp_add_header(oh, "X-Forwarded-For", buf);
	evhttp_add_header(oh, "X-Forwarded-Proto", "http");
	snprintf(buf, sizeof(buf), "%u", f->lport);
	evhttp_add_header(oh, "X-Forwarded-Port", buf);
	if (f->trace[0])
		evhttp_add_header(oh, "X-Amzn-Trace-Id", f->trace);
	/* The body is copied, not moved: a retry sends it again. */
	struct evbuffer *in = evhttp_request_get_input_buffer(f->creq);
	size_t len = evbuffer_get_length(in);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(f->creq);
	if (len || cmd == EVHTTP_REQ_POST || cmd == EVHTTP_REQ_PUT || cmd == EVHTTP_REQ_PATCH) {
		snprintf(buf, sizeof(buf), "%zu", len);
		evhttp_add_header(oh, "Content-Length", buf);
	}
	if (len)
		evbuffer_add(evhttp_request_get_output_buffer(ureq), evbuffer_pullup(in, -1), len);
	if (f->idle_s > CONNECT_TIMEOUT_S) {
		struct timeval tv = {.tv_sec = CONNECT_TIMEOUT_S};
		if (!f->ctimer)
			f->ctimer = evtimer_new(p->base, on_connect_timeout, f);
		if (f->ctimer)
			evtimer_add(f->ctimer, &tv);
	}
	const char *uri = evhttp_request_get_uri(f->creq);
	if (evhttp_make_request(uc->evcon, ureq, evhttp_request_get_command(f->creq), uri ? uri : "/") < 0) {
		uc->busy = false; /* the request was freed, without its callback */
		return -EIO;
	}
	return 0;
}

static void forward(struct alb_proxy *p, struct evhttp_request *creq, struct alb_snap *s, uint16_t g,
		    const struct lsock *l, uint32_t client)
{
	const struct alb_snap_tg *tg = &s->tgs[g];
	size_t n = tg->count;
	int sticky = -1;
	if (n > p->cap_pick) {
		struct alb_cand *c = realloc(p->cand, n * sizeof(*c));
		size_t *x = c ? realloc(p->tsx, n * sizeof(*x)) : NULL;
		p->cand = c ? c : p->cand;
		p->tsx = x ? x : p->tsx;
		if (!c || !x) {
			reply_error(p, creq, 500);
			return;
		}
		p->cap_pick = n;
	}
	struct alb_cand *cand = p->cand;
	size_t *tsx = p->tsx;
	struct evkeyvalq *ih = evhttp_request_get_input_headers(creq);
	char cookie[256], ctg[VL_NAME_MAX], cinst[VL_NAME_MAX];
	uint16_t cport = 0;
	const char *ch = evhttp_find_header(ih, "Cookie");
	bool have = tg->sticky_s && ch &&
		    (alb_cookie_find(ch, "AWSALB", cookie, sizeof(cookie)) ||
		     alb_cookie_find(ch, "AWSALBCORS", cookie, sizeof(cookie))) &&
		    alb_cookie_decode(cookie, ctg, sizeof(ctg), cinst, sizeof(cinst), &cport) == 0 &&
		    !strcmp(ctg, tg->name);
	for (size_t i = 0; i < n; i++) {
		const struct alb_snap_target *t = &s->targets[tg->first + i];
		tsx[i] = tstate_of(p, tg->name, t->instance, t->port);
		cand[i] = (struct alb_cand){.state = t->state,
					    .inflight = tsx[i] < p->n_ts ? p->ts[tsx[i]].inflight : 0};
		if (have && t->port == cport && !strcmp(t->instance, cinst))
			sticky = (int)i;
	}
	int k = alb_pick(cand, n, tg->algorithm, rr_of(p, tg->name), sticky);
	if (k < 0) {
		reply_error(p, creq, 503);
		return;
	}
	atomic_fetch_add_explicit(tg->requests, 1, memory_order_relaxed);
	struct fwd *f = calloc(1, sizeof(*f));
	if (!f) {
		reply_error(p, creq, 500);
		return;
	}
	*f = (struct fwd){.p = p, .snap = alb_snap_ref(s), .creq = creq, .ts = tsx[k],
			  .target = tg->first + (uint32_t)k, .g = g, .err = -1, .idle_s = l->idle_s,
			  .lport = l->port, .client = client, .ls = l};
	f->next = p->fwds;
	if (f->next)
		f->next->pprev = &f->next;
	f->pprev = &p->fwds;
	p->fwds = f;
	if (f->ts < p->n_ts)
		p->ts[f->ts].inflight++;
	const char *trace = evhttp_find_header(ih, "X-Amzn-Trace-Id");
	if (!trace) {
		uint64_t r1 = rnd64(p), r2 = rnd64(p);
		uint32_t rnd[3] = {(uint32_t)r1, (uint32_t)(r1 >> 32), (uint32_t)r2};
		alb_trace_id((uint32_t)time(NULL), rnd, f->trace, sizeof(f->trace));
	}
	count(p->ctr, ALBC_ProcessedBytes, evbuffer_get_length(evhttp_request_get_input_buffer(creq)) + hdr_bytes(ih) + 16);
	int rc = fwd_send(f, false);
	if (rc < 0) {
		reply_error(p, creq, rc == -ENOMEM ? 500 : 502);
		fwd_end(f);
	}
}

/* ------------------------------------------------------------------ the listeners */

static const char *method_name(enum evhttp_cmd_type c)
{
	switch (c) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "";
	}
}

static void on_client_close(struct evhttp_connection *evcon, void *arg)
{
	struct alb_proxy *p = arg;
	for (size_t i = 0; i < p->n_cl; i++)
		if (p->cl[i] == evcon) {
			p->cl[i] = p->cl[--p->n_cl];
			atomic_fetch_sub(&p->ctr->c[ALBC_ActiveConnectionCount], 1);
			return;
		}
}

/* A client connection's first request: from then on it counts as active until it closes. */
static void track_client(struct alb_proxy *p, struct evhttp_connection *evcon)
{
	for (size_t i = 0; i < p->n_cl; i++)
		if (p->cl[i] == evcon)
			return;
	if (!grow((void **)&p->cl, &p->cap_cl, p->n_cl, sizeof(*p->cl)))
		return;
	p->cl[p->n_cl++] = evcon;
	count(p->ctr, ALBC_ActiveConnectionCount, 1);
	evhttp_connection_set_closecb(evcon, on_client_close, p);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct lsock *l = arg;
	struct alb_proxy *p = l->p;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	count(p->ctr, ALBC_RequestCount, 1);
	uint32_t client = 0;
	if (evcon) {
		track_client(p, evcon);
		char *peer = NULL;
		uint16_t pport = 0;
		evhttp_connection_get_peer(evcon, &peer, &pport);
		if (!peer || addr_parse(peer, &client) < 0)
			client = 0;
	}
	struct evkeyvalq *ih = evhttp_request_get_input_headers(req);
	if ((req->major > 1 || (req->major == 1 && req->minor >= 1)) && !evhttp_find_header(ih, "Host")) {
		reply_error(p, req, 400); /* AWS, as HTTP/1.1 says: a request without Host */
		return;
	}
	if (evhttp_find_header(ih, "Transfer-Encoding") && evhttp_find_header(ih, "Content-Length")) {
		reply_error(p, req, 400); /* AWS's desync mitigation: an ambiguous request is refused */
		return;
	}
	struct alb_snap *s = snap_get(p);
	const struct alb_snap_listener *ls = NULL;
	for (size_t i = 0; s && i < s->n_ls && !ls; i++)
		if (s->ls[i].port == l->port)
			ls = &s->ls[i];
	if (!ls) {
		reply_error(p, req, 503); /* the listener went with an apply; its proxy is restarting */
		alb_snap_unref(s);
		return;
	}
	char host[256];
	alb_host_strip(evhttp_find_header(ih, "Host"), host, sizeof(host));
	const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	const char *query = u ? evhttp_uri_get_query(u) : NULL;
	if (!path || !*path)
		path = "/";
	struct evkeyvalq q;
	TAILQ_INIT(&q);
	if (query && evhttp_parse_query_str(query, &q) < 0)
		evhttp_clear_headers(&q);
	struct alb_req_view v = {.method = method_name(evhttp_request_get_command(req)), .host = host,
				 .path = path, .query = &q, .headers = ih, .client = client};
	uint32_t evaluated = 0;
	int rule = alb_route(s->rules + ls->rule_first, ls->rule_count, &v, &evaluated);
	count(p->ctr, ALBC_RuleEvaluations, evaluated);
	const struct vl_lb_rule *r = rule >= 0 ? &s->rules[ls->rule_first + (uint32_t)rule] : NULL;
	if (r && r->action == VL_LBA_FIXED) {
		count(p->ctr, ALBC_HTTP_Fixed_Response_Count, 1);
		reply_lb(p, req, r->status, r->content_type[0] ? r->content_type : "text/plain", r->body,
			 strlen(r->body), NULL);
	} else if (r && r->action == VL_LBA_REDIRECT) {
		char loc[1024];
		count(p->ctr, ALBC_HTTP_Redirect_Count, 1);
		if (alb_redirect_location(&r->redirect, "http", host, l->port, path, query ? query : "", loc,
					  sizeof(loc)) < 0)
			reply_error(p, req, 500);
		else
			reply_lb(p, req, r->status ? r->status : 301, NULL, NULL, 0, loc);
	} else {
		uint16_t g = r ? r->tg : ls->tg;
		if (g >= s->n_tgs)
			reply_error(p, req, 503);
		else
			forward(p, req, s, g, l, client);
	}
	evhttp_clear_headers(&q);
	alb_snap_unref(s);
}

static struct bufferevent *on_accept(struct event_base *base, void *arg)
{
	struct alb_proxy *p = arg;
	count(p->ctr, ALBC_NewConnectionCount, 1);
	return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
}

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	(void)arg; /* evhttp's own */
	struct alb_proxy *p = this_proxy;
	for (size_t i = 0; p && i < p->n_ls; i++)
		if (p->ls[i]->lev == lev) {
			ns_thread_accept_pause(lev, p->ls[i]->resume, p->ns, &p->ls[i]->accept_said);
			return;
		}
}

/* Binds the listeners not bound yet; again shortly while one fails (the node's address comes
 * with its interface). */
static void bind_all(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct alb_proxy *p = arg;
	char a[16];
	bool again = false;
	for (size_t i = 0; i < p->n_ls; i++) {
		struct lsock *l = p->ls[i];
		if (l->bound || !l->http)
			continue;
		struct evhttp_bound_socket *h = evhttp_bind_socket_with_handle(l->http, addr_fmt(p->ip, a), l->port);
		if (h) {
			l->bound = true;
			l->lev = evhttp_bound_socket_get_listener(h);
			l->resume = evtimer_new(p->base, ns_thread_accept_resume, l->lev);
			evconnlistener_set_error_cb(l->lev, on_accept_error);
			continue;
		}
		if (!l->said)
			fprintf(stderr, "vpclab: router: load balancer node %s: cannot listen on %s:%u (%s); trying again\n",
				p->ns, a, l->port, strerror(errno));
		l->said = true;
		again = true;
	}
	struct timeval tv = {0, BIND_RETRY_MS * 1000};
	if (again && p->retry)
		evtimer_add(p->retry, &tv);
}

/* A listener gone with an apply: its requests in flight end (their connections to targets
 * closed), then its clients' connections. */
static void listener_free(struct alb_proxy *p, struct lsock *l)
{
	for (struct fwd *f = p->fwds, *next; f; f = next) {
		next = f->next;
		if (f->ls != l)
			continue;
		conn_drop(p, f->uc); /* frees its request without calling it back */
		fwd_end(f);
	}
	if (l->resume)
		event_free(l->resume);
	if (l->http)
		evhttp_free(l->http);
	free(l);
}

/* The listeners as the current snapshot has them: new ports served, gone ones closed, idle
 * timeouts updated; the others go on undisturbed. */
static void sync_listeners(struct alb_proxy *p)
{
	struct alb_snap *s = snap_get(p);
	size_t kept = 0;
	for (size_t i = 0; i < p->n_ls; i++) {
		struct lsock *l = p->ls[i];
		const struct alb_snap_listener *want = NULL;
		for (size_t k = 0; k < s->n_ls && !want; k++)
			if (s->ls[k].port == l->port)
				want = &s->ls[k];
		if (!want) {
			listener_free(p, l);
			continue;
		}
		if (want->idle_s != l->idle_s && l->http)
			evhttp_set_timeout(l->http, (int)want->idle_s);
		l->idle_s = want->idle_s;
		p->ls[kept++] = l;
	}
	p->n_ls = kept;
	for (size_t k = 0; k < s->n_ls; k++) {
		bool have = false;
		for (size_t i = 0; i < p->n_ls && !have; i++)
			have = p->ls[i]->port == s->ls[k].port;
		if (have || !grow((void **)&p->ls, &p->cap_ls, p->n_ls, sizeof(*p->ls)))
			continue;
		struct lsock *l = calloc(1, sizeof(*l));
		struct evhttp *http = l ? evhttp_new(p->base) : NULL;
		if (!http) {
			free(l);
			continue;
		}
		*l = (struct lsock){.p = p, .port = s->ls[k].port, .idle_s = s->ls[k].idle_s, .http = http};
		evhttp_set_timeout(http, (int)(l->idle_s ? l->idle_s : 60));
		evhttp_set_default_content_type(http, NULL);
		evhttp_set_max_headers_size(http, MAX_HEADERS_BYTES);
		evhttp_set_max_body_size(http, MAX_BODY_BYTES);
		evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
						 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
		evhttp_set_bevcb(http, on_accept, p);
		evhttp_set_gencb(http, on_request, l);
		p->ls[p->n_ls++] = l;
	}
	alb_snap_unref(s);
	bind_all(-1, 0, p);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0)
		return;
	sync_listeners(arg);
}

static void *proxy_main(void *arg)
{
	struct alb_proxy *p = arg;
	this_proxy = p;
	int rc = ns_thread_enter(p->ns);
	if (rc < 0) {
		fprintf(stderr, "vpclab: router: load balancer node %s: %s\n", p->ns, strerror(-rc));
		return NULL;
	}
	p->base = event_base_new();
	struct event *stop = p->base ? event_new(p->base, p->stop_fd, EV_READ, ns_thread_on_stop, p->base) : NULL;
	struct event *wake = p->base ? event_new(p->base, p->wake_fd, EV_READ | EV_PERSIST, on_wake, p) : NULL;
	p->retry = p->base ? evtimer_new(p->base, bind_all, p) : NULL;
	if (!stop || !wake || !p->retry || event_add(stop, NULL) < 0 || event_add(wake, NULL) < 0) {
		fprintf(stderr, "vpclab: router: load balancer node %s: no event loop\n", p->ns);
		goto out;
	}
	sync_listeners(p);
	event_base_dispatch(p->base);
	/* Targets' connections first (their requests go without callbacks), then the listeners
	 * (their connections and the clients' requests), then what was in flight. */
	for (size_t i = 0; i < p->n_up; i++) {
		evhttp_connection_free(p->up[i]->evcon);
		free(p->up[i]);
	}
	p->n_up = 0;
	for (size_t i = 0; i < p->n_ls; i++) {
		if (p->ls[i]->resume)
			event_free(p->ls[i]->resume);
		evhttp_free(p->ls[i]->http);
		free(p->ls[i]);
	}
	p->n_ls = 0;
	while (p->fwds)
		fwd_end(p->fwds);
	atomic_fetch_sub(&p->ctr->c[ALBC_ActiveConnectionCount], p->n_cl);
	p->n_cl = 0;
out:
	if (p->retry)
		event_free(p->retry);
	if (stop)
		event_free(stop);
	if (wake)
		event_free(wake);
	if (p->base)
		event_base_free(p->base);
	return NULL;
}

struct alb_proxy *alb_proxy_start(const char *ns, uint32_t ip, struct alb_snap *snap)
{
	struct alb_proxy *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	snprintf(p->ns, sizeof(p->ns), "%s", ns);
	p->ip = ip;
	p->ctr = snap->ctr;
	p->snap = alb_snap_ref(snap);
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (getrandom(&p->rnd, sizeof(p->rnd), GRND_NONBLOCK) != sizeof(p->rnd) || !p->rnd)
		p->rnd = 0x9e3779b97f4a7c15ull ^ (uint64_t)time(NULL);
	pthread_mutex_init(&p->mu, NULL);
	int e = p->stop_fd < 0 || p->wake_fd < 0 ? errno : 0;
	if (!e)
		e = pthread_create(&p->th, NULL, proxy_main, p);
	if (e) {
		if (p->stop_fd >= 0)
			close(p->stop_fd);
		if (p->wake_fd >= 0)
			close(p->wake_fd);
		alb_snap_unref(p->snap);
		pthread_mutex_destroy(&p->mu);
		free(p);
		errno = e;
		return NULL;
	}
	return p;
}

void alb_proxy_publish(struct alb_proxy *p, struct alb_snap *snap)
{
	alb_snap_ref(snap);
	pthread_mutex_lock(&p->mu);
	struct alb_snap *old = p->snap;
	p->snap = snap;
	pthread_mutex_unlock(&p->mu);
	alb_snap_unref(old);
	uint64_t one = 1;
	if (old != snap && write(p->wake_fd, &one, sizeof(one)) < 0)
		perror("vpclab: router: load balancer node");
}

void alb_proxy_stop(struct alb_proxy *p)
{
	if (!p)
		return;
	uint64_t one = 1;
	if (write(p->stop_fd, &one, sizeof(one)) < 0)
		perror("vpclab: router: load balancer node");
	pthread_join(p->th, NULL);
	close(p->stop_fd);
	close(p->wake_fd);
	alb_snap_unref(p->snap);
	pthread_mutex_destroy(&p->mu);
	free(p->ts);
	free(p->gs);
	free(p->cand);
	free(p->tsx);
	free(p->up);
	free(p->cl);
	free(p->ls);
	free(p);
}
