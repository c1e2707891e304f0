/* An application load balancer's pure decisions (alb_route.h): AWS's condition kinds, matched
 * as the ELB documentation says (host, header and query compare case-insensitively, path and
 * method case-sensitively), target selection, and the texts the proxy writes. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "control/router/alb_route.h"
#include "dataplane/lb.h"
#include "vpclab/addr.h"

static bool ch_eq(char a, char b, bool icase)
{
	return icase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

bool alb_wild_match(const char *pat, const char *s, bool icase)
{
	/* Greedy with one backtrack point: the last '*' seen takes one more character on a
	 * mismatch; linear enough for AWS's 128-character values. */
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat && (*pat == '?' || ch_eq(*pat, *s, icase))) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

bool alb_cond_match(const struct vl_lb_cond *c, const struct alb_req_view *v)
{
	switch (c->kind) {
	case VL_LBC_HOST:
		return alb_wild_match(c->value, v->host ? v->host : "", true);
	case VL_LBC_PATH:
		return alb_wild_match(c->value, v->path ? v->path : "/", false);
	case VL_LBC_METHOD:
		return v->method && strcmp(c->value, v->method) == 0;
	case VL_LBC_SOURCE:
		return prefix_contains(c->source, v->client);
	case VL_LBC_HEADER:
		if (!v->headers)
			return false;
		for (const struct evkeyval *h = v->headers->tqh_first; h; h = h->next.tqe_next)
			if (strcasecmp(h->key, c->name) == 0 && alb_wild_match(c->value, h->value, true))
				return true;
		return false;
	case VL_LBC_QUERY:
		if (!v->query)
			return false;
		for (const struct evkeyval *q = v->query->tqh_first; q; q = q->next.tqe_next)
			if ((!c->name[0] || alb_wild_match(c->name, q->key, true)) &&
			    alb_wild_match(c->value, q->value, true))
				return true;
		return false;
	default:
		return false;
	}
}

bool alb_rule_match(const struct vl_lb_rule *r, const struct alb_req_view *v)
{
	size_t n = r->n_conds < VL_LB_RULE_CONDS ? r->n_conds : VL_LB_RULE_CONDS;
	for (size_t i = 0; i < n; i++) {
		/* Each group once, at its first value: one of its values must match. */
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = r->conds[k].group != r->conds[i].group;
		if (!first)
			continue;
		bool any = false;
		for (size_t k = i; k < n && !any; k++)
			any = r->conds[k].group == r->conds[i].group && alb_cond_match(&r->conds[k], v);
		if (!any)
			return false;
	}
	return true;
}

int alb_route(const struct vl_lb_rule *rules, size_t n, const struct alb_req_view *v, uint32_t *evaluated)
{
	/* Compile keeps them in priority order; the walk does not rely on it. */
	int best = -1;
	uint32_t looked = 0;
	for (size_t i = 0; i < n; i++) {
		if (best >= 0 && rules[i].priority >= rules[best].priority)
			continue;
		looked++;
		if (alb_rule_match(&rules[i], v))
			best = (int)i;
	}
	if (evaluated)
		*evaluated = looked;
	return best;
}

bool alb_eligible(const struct alb_cand *c, bool fail_open)
{
	if (!fail_open)
		return c->state == LB_T_HEALTHY;
	return c->state != LB_T_DRAINING && c->state != LB_T_UNUSED;
}

int alb_pick(const struct alb_cand *c, size_t n, uint8_t algo, uint32_t *rr, int sticky)
{
	bool fail_open = true;
	for (size_t i = 0; i < n && fail_open; i++)
		fail_open = c[i].state != LB_T_HEALTHY;
	if (sticky >= 0 && (size_t)sticky < n && alb_eligible(&c[sticky], fail_open))
		return sticky;
	if (n == 0)
		return -1;
	int best = -1;
	for (size_t k = 0; k < n; k++) {
		size_t i = (*rr + k) % n;
		if (!alb_eligible(&c[i], fail_open))
			continue;
		if (algo != VL_ALGO_LEAST_OUTSTANDING) {
			best = (int)i;
			break;
		}
		if (best < 0 || c[i].inflight < c[best].inflight)
			best = (int)i;
	}
	if (best >= 0)
		*rr = (uint32_t)(best + 1) % (uint32_t)n;
	return best;
}

int alb_cookie_encode(const char *tg, const char *instance, uint16_t port, char *buf, size_t cap)
{
	char plain[VL_NAME_MAX * 2 + 16];
	int len = snprintf(plain, sizeof(plain), "%s|%s|%u", tg, instance, port);
	if (len < 0 || (size_t)len >= sizeof(plain) || (size_t)len * 2 + 1 > cap)
		return -ENOSPC;
	for (int i = 0; i < len; i++)
		snprintf(buf + 2 * i, 3, "%02X", (unsigned char)plain[i]);
	return len * 2;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)toupper((unsigned char)c);
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int alb_cookie_decode(const char *val, char *tg, size_t tg_cap, char *instance, size_t inst_cap, uint16_t *port)
{
	char plain[VL_NAME_MAX * 2 + 16];
	size_t len = strlen(val);
	if (len % 2 || len / 2 >= sizeof(plain))
		return -EINVAL;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(val[2 * i]), lo = hexval(val[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -EINVAL;
		plain[i] = (char)(hi << 4 | lo);
	}
	plain[len / 2] = '\0';
	char *a = strchr(plain, '|'), *b = a ? strchr(a + 1, '|') : NULL;
	if (!a || !b || a == plain || b == a + 1 || !b[1] || strchr(b + 1, '|'))
		return -EINVAL;
	char *end;
	unsigned long p = strtoul(b + 1, &end, 10);
	if (*end || p == 0 || p > 65535 || (size_t)(a - plain) >= tg_cap || (size_t)(b - a - 1) >= inst_cap)
		return -EINVAL;
	snprintf(tg, tg_cap, "%.*s", (int)(a - plain), plain);
	snprintf(instance, inst_cap, "%.*s", (int)(b - a - 1), a + 1);
	*port = (uint16_t)p;
	return 0;
}

bool alb_cookie_find(const char *header, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = len - nl - 1;
			while (vl && p[nl + vl] == ' ')
				vl--; /* trailing blanks before the next ';' */
			if (vl >= cap)
				return false;
			snprintf(buf, cap, "%.*s", (int)vl, p + nl + 1);
			return true;
		}
		p = end;
	}
	return false;
}

/* Appends to out what part says, its #{...} placeholders replaced. */
static void expand(FILE *out, const char *part, const char *proto, const char *host, const char *port,
		   const char *path, const char *query)
{
	static const char *const keys[] = {"#{protocol}", "#{host}", "#{port}", "#{path}", "#{query}"};
	const char *vals[] = {proto, host, port, path, query};
	while (*part) {
		bool done = false;
		for (size_t k = 0; k < 5 && !done; k++) {
			size_t kl = strlen(keys[k]);
			if (strncmp(part, keys[k], kl) == 0) {
				fputs(vals[k], out);
				part += kl;
				done = true;
			}
		}
		if (!done)
			fputc(*part++, out);
	}
}

int alb_redirect_location(const struct vl_lb_redirect *rd, const char *proto, const char *host, uint16_t port,
			  const char *path, const char *query, char *buf, size_t cap)
{
	char ports[8], scheme[16] = "", tmp[4][512];
	snprintf(ports, sizeof(ports), "%u", port);
	/* #{path} is the path without its leading '/' (the part's default adds it back). */
	const char *p0 = path && path[0] == '/' ? path + 1 : path ? path : "";
	const char *parts[4] = {rd->protocol[0] ? rd->protocol : "#{protocol}", rd->host[0] ? rd->host : "#{host}",
				rd->port[0] ? rd->port : "#{port}", rd->path[0] ? rd->path : "/#{path}"};
	for (size_t k = 0; k < 4; k++) {
		tmp[k][0] = '\0'; /* fmemopen writes no NUL when nothing is written */
		FILE *f = fmemopen(tmp[k], sizeof(tmp[k]), "w");
		if (!f)
			return -ENOMEM;
		expand(f, parts[k], proto, host, ports, p0, query ? query : "");
		if (fclose(f) != 0 || strlen(tmp[k]) >= sizeof(tmp[k]) - 1)
			return -ENOSPC;
	}
	char q[512] = "";
	FILE *f = fmemopen(q, sizeof(q), "w");
	if (!f)
		return -ENOMEM;
	expand(f, rd->query[0] ? rd->query : "#{query}", proto, host, ports, p0, query ? query : "");
	if (fclose(f) != 0 || strlen(q) >= sizeof(q) - 1)
		return -ENOSPC;
	for (size_t i = 0; tmp[0][i] && i < sizeof(scheme) - 1; i++)
		scheme[i] = (char)tolower((unsigned char)tmp[0][i]);
	bool dflt = (!strcmp(scheme, "http") && !strcmp(tmp[2], "80")) ||
		    (!strcmp(scheme, "https") && !strcmp(tmp[2], "443"));
	int len = snprintf(buf, cap, "%s://%s%s%s%s%s%s", scheme, tmp[1], dflt ? "" : ":", dflt ? "" : tmp[2],
			   tmp[3][0] == '/' ? "" : "/", tmp[3], q[0] ? "?" : "");
	if (len < 0 || (size_t)len >= cap || (size_t)len + strlen(q) >= cap)
		return -ENOSPC;
	strcat(buf, q);
	return 0;
}

int alb_xff(const char *prior, uint32_t client, char *buf, size_t cap)
{
	char ip[16];
	addr_fmt(client, ip);
	int len = prior && prior[0] ? snprintf(buf, cap, "%s, %s", prior, ip) : snprintf(buf, cap, "%s", ip);
	return len < 0 || (size_t)len >= cap ? -ENOSPC : 0;
}

void alb_trace_id(uint32_t epoch_s, const uint32_t rnd[3], char *buf, size_t cap)
{
	snprintf(buf, cap, "Root=1-%08x-%08x%08x%08x", epoch_s, rnd[0], rnd[1], rnd[2]);
}

bool alb_hop_by_hop(const char *name)
{
	static const char *const hop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
					  "Transfer-Encoding", "Upgrade", "Proxy-Authenticate",
					  "Proxy-Authorization"};
	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strcasecmp(name, hop[i]) == 0)
			return true;
	return false;
}

void alb_host_strip(const char *host, char *buf, size_t cap)
{
	if (!host)
		host = "";
	size_t len = strlen(host);
	const char *colon = strrchr(host, ':');
	if (host[0] == '[') { /* [v6]:port */
		const char *rb = strchr(host, ']');
		len = rb ? (size_t)(rb - host) + 1 : len;
	} else if (colon) {
		len = (size_t)(colon - host);
	}
	snprintf(buf, cap, "%.*s", (int)len, host);
}

const char *alb_reason(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Time-out";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Large";
	case 460: return "Client Closed Request";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Temporarily Unavailable";
	case 504: return "Gateway Time-out";
	default: return code >= 500 ? "Internal Server Error" : code >= 400 ? "Bad Request" : "OK";
	}
}

int alb_error_page(int code, char *buf, size_t cap)
{
	const char *r = alb_reason(code);
	int len = snprintf(buf, cap,
			   "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n"
			   "</body>\r\n</html>\r\n",
			   code, r, code, r);
	return len < 0 || (size_t)len >= cap ? -ENOSPC : len;
}
