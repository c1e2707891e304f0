/* An application load balancer's decisions, pure (no sockets, no clock): which listener rule
 * a request meets (AWS's conditions and wildcards), which target of a group gets it (round
 * robin or least outstanding requests, stickiness, fail open), and the texts the proxy
 * writes (the AWSALB cookie, a redirect's Location, X-Forwarded-For, AWS's error pages). */
#ifndef VPCLAB_ALB_ROUTE_H
#define VPCLAB_ALB_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpclab/tables.h"

struct evkeyvalq;

/* What rules look at in a request. */
struct alb_req_view {
	const char *method;              /* "GET" */
	const char *host;                /* the Host header without its port ("" when none) */
	const char *path;                /* the path, without the query ("/" at least) */
	const struct evkeyvalq *query;   /* the query's pairs, decoded (NULL: none) */
	const struct evkeyvalq *headers; /* the request's headers (NULL: none) */
	uint32_t client;                 /* the TCP peer (host order) */
};

/* AWS's wildcard match: '*' any run of characters, '?' one. */
bool alb_wild_match(const char *pat, const char *s, bool icase);
/* One condition value against the request. */
bool alb_cond_match(const struct vl_lb_cond *c, const struct alb_req_view *v);
/* Every group of the rule's conditions has a value that matches (a rule without conditions
 * matches everything). */
bool alb_rule_match(const struct vl_lb_rule *r, const struct alb_req_view *v);
/* The rule of rules[0..n) with the lowest priority that matches, or -1 (the listener's default
 * action). *evaluated (may be NULL) gets the number of rules looked at (AWS: RuleEvaluations). */
int alb_route(const struct vl_lb_rule *rules, size_t n, const struct alb_req_view *v, uint32_t *evaluated);

/* A target as the picker sees it. */
struct alb_cand {
	uint8_t state;                   /* enum lb_target_state */
	uint32_t inflight;               /* requests this node has sent it that are not answered */
};

/* Whether c may get a new request: healthy, or, when the group has no healthy target (fail
 * open), any that is neither draining nor unused. */
bool alb_eligible(const struct alb_cand *c, bool fail_open);
/* The target of c[0..n) for a new request: sticky (>= 0: the cookie's target) when it is
 * eligible; else by algo (enum vl_lb_algo) among the eligible ones, *rr the node's round robin
 * position in the group (least outstanding: fewest in flight, ties in round robin order).
 * -1 when none is eligible (AWS: 503). */
int alb_pick(const struct alb_cand *c, size_t n, uint8_t algo, uint32_t *rr, int sticky);

/* The AWSALB cookie's value naming target (group, instance, port): hex, opaque to clients.
 * The length written, or -ENOSPC. */
int alb_cookie_encode(const char *tg, const char *instance, uint16_t port, char *buf, size_t cap);
/* Its inverse: 0, or -EINVAL for a value this proxy did not make. */
int alb_cookie_decode(const char *val, char *tg, size_t tg_cap, char *instance, size_t inst_cap, uint16_t *port);
/* The value of cookie `name` in a Cookie header, in buf: true when present. */
bool alb_cookie_find(const char *header, const char *name, char *buf, size_t cap);

/* A redirect's Location from its parts and the request's (proto "http", host without port, the
 * listener's port, path with its leading '/', query without '?', "" when none): 0, or -ENOSPC.
 * The port is left out when it is the protocol's default (80, 443). */
int alb_redirect_location(const struct vl_lb_redirect *rd, const char *proto, const char *host, uint16_t port,
			  const char *path, const char *query, char *buf, size_t cap);

/* X-Forwarded-For as the target gets it: the client's appended to what the client sent. */
int alb_xff(const char *prior, uint32_t client, char *buf, size_t cap);
/* X-Amzn-Trace-Id's value from seconds since the epoch and 96 random bits. */
void alb_trace_id(uint32_t epoch_s, const uint32_t rnd[3], char *buf, size_t cap);
/* Whether a header is hop-by-hop (RFC 7230 6.1): not forwarded either way. */
bool alb_hop_by_hop(const char *name);
/* The Host header's name part (no port, no brackets' content change) into buf. */
void alb_host_strip(const char *host, char *buf, size_t cap);
/* AWS's reason phrase and HTML page for a status the load balancer answers itself. */
const char *alb_reason(int code);
int alb_error_page(int code, char *buf, size_t cap);

#endif
