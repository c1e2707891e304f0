/* Checking an application listener's rules (rule-file.md "Load balancers and target groups"):
 * AWS's forms of each condition (host, path, method, header, query, source_ip) and its quotas
 * per rule (5 condition values, 5 wildcards), and the one action: forward, fixed_response or
 * redirect (whose URL must differ from the request's: AWS refuses a redirect loop). Lengths are
 * bounded by the compiled fields (tables_lb.h), which hold AWS's limits. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/lab/check.h"

#define RULE_MAX_VALUES VL_LB_RULE_CONDS   /* AWS: condition values per rule */
#define RULE_MAX_WILDCARDS 5               /* AWS: condition wildcards per rule */
#define TOKEN_MAX 40                       /* AWS: a method or a header name */

#define FIELD_MAX(type, field) (sizeof(((struct type *)0)->field) - 1)
#define VALUE_MAX FIELD_MAX(vl_lb_cond, value)
#define KEY_MAX FIELD_MAX(vl_lb_cond, name)

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
/* AWS's characters of each kind of value. */
#define HOST_CHARS ALNUM "-.*?"
#define PATH_CHARS ALNUM "_-.$/~\"'@:+&*?"
#define METHOD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
#define TOKEN_CHARS ALNUM "!#$%&'*+-.^_`|~"      /* RFC 7230: a header name */

static bool only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

/* One value of a condition: not empty, within max, in AWS's characters (chars: NULL = any). */
static void ck_value(struct ck *c, const struct lab_str *v, const char *what, size_t max,
		     const char *chars, const char *which)
{
	size_t n = strlen(v->s);
	if (!n)
		diag_error(c->d, v->at, "%s is empty", what);
	else if (n > max)
		diag_error(c->d, v->at, "%s '%s' is %zu characters: at most %zu", what, CK_SHOW(v->s),
			   n, max);
	else if (chars && !only(v->s, chars))
		diag_error(c->d, v->at, "%s '%s' may contain only %s (AWS)", what, CK_SHOW(v->s),
			   which);
}

static void ck_values(struct ck *c, const struct lab_names *l, const char *what, size_t max,
		      const char *chars, const char *which)
{
	if (l->set && l->n == 0)
		diag_error(c->d, l->at, "%s needs at least one value", what);
	for (size_t i = 0; i < l->n; i++)
		ck_value(c, &l->v[i], what, max, chars, which);
}

/* Methods are compared case-sensitively: "get" would never match, so say how to write it. */
static void ck_methods(struct ck *c, const struct lab_names *l)
{
	ck_values(c, l, "method", TOKEN_MAX, NULL, NULL);
	for (size_t k = 0; k < l->n; k++) {
		char up[TOKEN_MAX + 1];
		const struct lab_str *m = &l->v[k];
		size_t n = strlen(m->s);
		if (!n || n > TOKEN_MAX || only(m->s, METHOD_CHARS))
			continue;
		for (size_t j = 0; j <= n; j++)
			up[j] = (char)toupper((unsigned char)m->s[j]);
		if (only(up, METHOD_CHARS))
			diag_error(c->d, m->at, "method '%s' must be written %s: methods match "
				   "case-sensitively (AWS)", CK_SHOW(m->s), up);
		else
			diag_error(c->d, m->at, "method '%s' may contain only A-Z, '-' and '_' (AWS)",
				   CK_SHOW(m->s));
	}
}

static void ck_sources(struct ck *c, struct lab_lb_rule *r)
{
	ck_values(c, &r->source_ip, "source_ip", VALUE_MAX, NULL, NULL);
	for (size_t k = 0; k < r->source_ip.n; k++) {
		struct prefix4 p;
		if (*r->source_ip.v[k].s && ck_cidr(c, &r->source_ip.v[k], &p) && k < VL_LB_RULE_CONDS)
			r->sources[k] = p;
	}
}

static void ck_header(struct ck *c, const struct lab_lb_header *h)
{
	if (!h->set)
		return;
	/* A header name is an RFC 7230 token (AWS). */
	if (h->name.s && !strcasecmp(h->name.s, "host"))
		diag_error(c->d, h->name.at, "header name '%s': a host condition matches the Host "
			   "header (AWS)", CK_SHOW(h->name.s));
	else if (h->name.s)
		ck_value(c, &h->name, "header name", TOKEN_MAX, TOKEN_CHARS,
			 "letters, digits and !#$%&'*+-.^_`|~");
	ck_values(c, &h->value, "header value", VALUE_MAX, NULL, NULL);
}

static void ck_query(struct ck *c, const struct lab_lb_rule *r)
{
	if (r->query_set && r->n_query == 0)
		diag_error(c->d, r->query_at, "query needs at least one { key, value }");
	for (size_t i = 0; i < r->n_query; i++) {
		const struct lab_lb_query *q = &r->query[i];
		if (q->key.s && !*q->key.s)
			diag_error(c->d, q->key.at, "query key is empty: leave 'key' out to match "
				   "any key");
		else if (q->key.s)
			ck_value(c, &q->key, "query key", KEY_MAX, NULL, NULL);
		if (q->value.s)
			ck_value(c, &q->value, "query value", VALUE_MAX, NULL, NULL);
	}
}

/* ---------------------------------------------------------------- quotas */

struct rule_value {
	struct loc at;
	unsigned wildcards;
};

static int value_cmp(const void *a, const void *b)
{
	return ck_loc_cmp(((const struct rule_value *)a)->at, ((const struct rule_value *)b)->at);
}

/* '*' and '?' not escaped by a backslash (AWS: "\*" is a literal star). */
static unsigned wildcards(const char *s)
{
	unsigned n = 0;
	for (; s && *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '*' || *s == '?')
			n++;
	}
	return n;
}

static void add_values(struct rule_value *v, size_t *n, const struct lab_names *l, bool wild)
{
	for (size_t i = 0; i < l->n; i++)
		v[(*n)++] = (struct rule_value){ l->v[i].at, wild ? wildcards(l->v[i].s) : 0 };
}

/* Every value of the rule in file order: the quotas are reported at the value that exceeds
 * them. */
static void ck_quotas(struct ck *c, const struct lab_lb_rule *r)
{
	size_t total = r->host.n + r->path.n + r->method.n + r->header.value.n + r->n_query +
		       r->source_ip.n, n = 0;
	struct rule_value *v = calloc(total ? total : 1, sizeof(*v));
	if (!v) {
		c->oom = true;
		return;
	}
	add_values(v, &n, &r->host, true);
	add_values(v, &n, &r->path, true);
	add_values(v, &n, &r->method, false);
	add_values(v, &n, &r->header.value, true);
	add_values(v, &n, &r->source_ip, false);
	for (size_t i = 0; i < r->n_query; i++)
		v[n++] = (struct rule_value){ r->query[i].value.at,
					      wildcards(r->query[i].key.s) +
					      wildcards(r->query[i].value.s) };
	qsort(v, n, sizeof(*v), value_cmp);
	if (n > RULE_MAX_VALUES)
		diag_error(c->d, v[RULE_MAX_VALUES].at, "a listener rule has %zu condition values: "
			   "AWS's quota is %d per rule (host, path, method, header, query and "
			   "source_ip values together)", n, RULE_MAX_VALUES);
	unsigned wild = 0, all = 0;
	size_t over = n;
	for (size_t i = 0; i < n; i++) {
		all += v[i].wildcards;
		if (wild <= RULE_MAX_WILDCARDS && all > RULE_MAX_WILDCARDS)
			over = i;
		wild = all;
	}
	if (over < n)
		diag_error(c->d, v[over].at, "a listener rule has %u wildcards (* and ?): AWS's "
			   "quota is %d per rule", all, RULE_MAX_WILDCARDS);
	free(v);
}

/* ---------------------------------------------------------------- actions */

static void ck_fixed(struct ck *c, const struct lab_fixed_response *f)
{
	static const char *const types[] = { "text/plain", "text/css", "text/html",
					     "application/javascript", "application/json" };
	long long s = f->status.v;
	if (f->status.set && !(s >= 200 && s <= 599 && (s < 300 || s >= 400)))
		diag_error(c->d, f->status.at, "fixed_response status %lld must be 2XX, 4XX or 5XX (AWS)",
			   s);
	size_t n = f->body.s ? strlen(f->body.s) : 0;
	if (n > FIELD_MAX(vl_lb_rule, body))
		diag_error(c->d, f->body.at, "fixed_response body is %zu characters: at most %zu (AWS)",
			   n, FIELD_MAX(vl_lb_rule, body));
	bool known = !f->content_type.s;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !known; i++)
		known = !strcmp(f->content_type.s, types[i]);
	if (!known)
		diag_error(c->d, f->content_type.at, "fixed_response content_type must be text/plain, "
			   "text/css, text/html, application/javascript or application/json, not "
			   "'%s' (AWS)", CK_SHOW(f->content_type.s));
}

/* "#{...}" only for AWS's five placeholders. */
static bool ck_placeholders(struct ck *c, const struct lab_str *s, const char *what)
{
	static const char *const names[] = { "protocol", "host", "port", "path", "query" };
	for (const char *p = strstr(s->s, "#{"); p; p = strstr(p + 2, "#{")) {
		const char *end = strchr(p, '}');
		bool known = false;
		for (size_t i = 0; end && i < 5 && !known; i++)
			known = (size_t)(end - p - 2) == strlen(names[i]) &&
				!strncmp(p + 2, names[i], strlen(names[i]));
		if (!known) {
			diag_error(c->d, s->at, "redirect %s '%s' has an unknown placeholder: AWS's "
				   "are #{protocol}, #{host}, #{port}, #{path} and #{query}", what,
				   CK_SHOW(s->s));
			return false;
		}
	}
	return true;
}

/* host, path or query: within its field, known placeholders. */
static bool ck_part(struct ck *c, const struct lab_str *s, const char *what, size_t max)
{
	if (!s->s)
		return true;
	size_t n = strlen(s->s);
	if (n > max) {
		diag_error(c->d, s->at, "redirect %s is %zu characters: at most %zu", what, n, max);
		return false;
	}
	return ck_placeholders(c, s, what);
}

static bool is_placeholder(const struct lab_str *s, const char *dflt)
{
	return !s->s || !strcmp(s->s, dflt);
}

static void ck_redirect(struct ck *c, struct lab_redirect *x)
{
	const char *st = x->status.s;
	x->code = 0;
	if (st && (!strcmp(st, "301") || !strcmp(st, "HTTP_301")))
		x->code = 301;
	else if (st && (!strcmp(st, "302") || !strcmp(st, "HTTP_302")))
		x->code = 302;
	else if (st)
		diag_error(c->d, x->status.at, "redirect status must be 301 or 302 (HTTP_301, "
			   "HTTP_302), not '%s' (AWS)", CK_SHOW(st));
	/* AWS writes HTTP and HTTPS; the lab's other protocols are lower case, so both are taken. */
	const char *p = x->protocol.s;
	bool bad = false;
	x->proto = "#{protocol}";
	if (p && (!strcmp(p, "HTTP") || !strcmp(p, "http")))
		x->proto = "HTTP";
	else if (p && (!strcmp(p, "HTTPS") || !strcmp(p, "https")))
		x->proto = "HTTPS";
	else if ((bad = p && strcmp(p, "#{protocol}")))
		diag_error(c->d, x->protocol.at, "redirect protocol must be HTTP, HTTPS or "
			   "#{protocol}, not '%s'", CK_SHOW(p));
	if (x->port.s && strcmp(x->port.s, "#{port}")) {
		char *end;
		long v = strtol(x->port.s, &end, 10);
		if (*end || end == x->port.s || x->port.s[0] == '-' || x->port.s[0] == '+' ||
		    v < 1 || v > 65535)
			diag_error(c->d, x->port.at, "redirect port must be 1 to 65535 or #{port}, not "
				   "'%s'", CK_SHOW(x->port.s));
	}
	if (x->host.s && !*x->host.s)
		diag_error(c->d, x->host.at, "redirect host is empty");
	else
		ck_part(c, &x->host, "host", FIELD_MAX(vl_lb_redirect, host));
	if (ck_part(c, &x->path, "path", FIELD_MAX(vl_lb_redirect, path)) && x->path.s &&
	    x->path.s[0] != '/')
		diag_error(c->d, x->path.at, "redirect path '%s' must start with / (AWS)",
			   CK_SHOW(x->path.s));
	if (ck_part(c, &x->query, "query", FIELD_MAX(vl_lb_redirect, query)) && x->query.s &&
	    x->query.s[0] == '?')
		diag_error(c->d, x->query.at, "redirect query '%s' must not start with '?': the "
			   "redirect adds it", CK_SHOW(x->query.s));
	/* AWS: "you must modify at least one of protocol, port, hostname or path" (a loop). */
	if (!bad && !strcmp(x->proto, "#{protocol}") && is_placeholder(&x->host, "#{host}") &&
	    is_placeholder(&x->port, "#{port}") && is_placeholder(&x->path, "/#{path}"))
		diag_error(c->d, x->at, "a redirect must change the protocol, host, port or path: "
			   "AWS refuses a redirect to the same URL (a loop)");
}

/* ---------------------------------------------------------------- the rule */

void ck_lb_rule(struct ck *c, struct lab_lb *b, struct lab_listener *x, size_t i)
{
	struct lab_lb_rule *r = &x->rules[i];
	r->tg = VL_NONE;
	ck_range(c, &r->priority, "rule priority", 1, 50000);
	for (size_t j = 0; j < i; j++)
		if (r->priority.set && x->rules[j].priority.set && x->rules[j].priority.v == r->priority.v) {
			diag_error(c->d, r->priority.at, "priority %lld is already used by the rule at "
				   "%d:%d", r->priority.v, x->rules[j].at.line, x->rules[j].at.col);
			break;
		}
	ck_values(c, &r->host, "host", VALUE_MAX, HOST_CHARS, "letters, digits, '-', '.' and the "
		  "wildcards * and ?");
	ck_values(c, &r->path, "path", VALUE_MAX, PATH_CHARS, "letters, digits, "
		  "_ - . $ / ~ \" ' @ : + & and the wildcards * and ?");
	ck_methods(c, &r->method);
	ck_sources(c, r);
	ck_header(c, &r->header);
	ck_query(c, r);
	ck_quotas(c, r);
	if (!r->conds_given)
		diag_error(c->d, r->at, "a listener rule needs a condition: host, path, method, "
			   "header, query or source_ip");
	int actions = !!r->forward.s + r->fixed_response.set + r->redirect.set;
	if (actions != 1)
		diag_error(c->d, r->at, "a listener rule needs one action: forward, fixed_response "
			   "or redirect");
	else if (r->forward.s)
		r->tg = ck_lb_forward(c, &r->forward, b, x);
	if (r->fixed_response.set)
		ck_fixed(c, &r->fixed_response);
	if (r->redirect.set)
		ck_redirect(c, &r->redirect);
}
