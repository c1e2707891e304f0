/* Checks about load balancers. `checks:` that name a load balancer as `to` (vpclab test): the
 * checker resolves the name to the load balancer, and the address a probe sends to is its
 * node's, public from the internet and private from inside its VPC, as `vpclab trace` resolves
 * it; rules/nlb.yaml's checks load. Application listener rules (check_lb_rules.c): AWS's forms
 * and quotas, each error once at its FILE:LINE:COL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/tools/trace.h"
#include "dataplane/tables.h"
#include "labtest.h"

Suite *suite_lb_checks(void);

static uint16_t port_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (strcmp(t->ports[i].name, name) == 0)
			return i;
	ck_abort_msg("no port %s", name);
	return 0;
}

START_TEST(a_load_balancer_is_a_check_target)
{
	struct lt r;
	lt_run_path(&r, "rules/nlb.yaml");
	ck_assert_msg(r.errors == 0, "%s", r.out);
	ck_assert_uint_ge(r.m->n_checks, 2);
	const struct lab_check *k = &r.m->checks[0];
	ck_assert_str_eq(k->to.s, "web-nlb");
	ck_assert_int_eq(k->to_kind, LAB_REF_LB);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_lt(k->to_idx, t->n_lbs);
	ck_assert_str_eq(t->lbs[k->to_idx].name, "web-nlb");
	const struct vl_lb *b = &t->lbs[k->to_idx];
	const struct vl_port *node = &t->ports[t->lb_nodes[b->node_first]];
	uint32_t ip = 0;
	ck_assert_int_eq(trace_resolve(t, port_named(t, "ext"), "web-nlb", &ip), 0);
	ck_assert_uint_eq(ip, node->public_ip);              /* from the internet: public */
	ck_assert_int_eq(trace_resolve(t, port_named(t, "web1"), "web-nlb", &ip), 0);
	ck_assert_uint_eq(ip, node->ip);                     /* from its VPC: private */
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(an_unknown_target_names_load_balancers_too)
{
	struct lt r;
	lt_run(&r, "vpcs:\n"
		   "  - name: main\n"
		   "    cidr: 10.0.0.0/16\n"
		   "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"
		   "    instances: [ { name: web, subnet: a } ]\n"
		   "checks:\n"
		   "  - { from: web, to: nlb, protocol: tcp, port: 80, expect: allow }\n");
	ck_assert_int_eq(r.errors, 1);
	ck_assert_msg(strstr(r.out, "unknown check target 'nlb': not an instance, an internet host, "
			     "a load balancer, an elastic ip, an ipv4 address or a DNS name") != NULL, "%s", r.out);
	lt_done(&r);
}
END_TEST

/* Lines 1-17: an application load balancer whose listener's rules start at line 18; each case
 * is one rule there, `{` at column 17. */
#define RULES                                                                     \
	"vpcs:\n"                                                                 \
	"  - name: main\n"                                                        \
	"    cidr: 10.0.0.0/16\n"                                                 \
	"    subnets:\n"                                                          \
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"                         \
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"                         \
	"    instances: [ { name: web1, subnet: a } ]\n"                          \
	"    target_groups:\n"                                                    \
	"      - { name: t, protocol: http, port: 80, targets: [web1] }\n"        \
	"    load_balancers:\n"                                                   \
	"      - name: l\n"                                                       \
	"        subnets: [a, b]\n"                                               \
	"        listeners:\n"                                                    \
	"          - protocol: http\n"                                            \
	"            port: 80\n"                                                  \
	"            default: t\n"                                                \
	"            rules:\n"                                                    \
	"              - "

static const struct {
	const char *rule, *want;
} bad_rule[] = {
	/* Quotas: 5 condition values (all keys together), 5 wildcards, at the value over. */
	{ "{ priority: 1, host: [a.com, b.com, c.com], path: [/a, /b, /c], forward: t }",
	  "18:76: error: a listener rule has 6 condition values: AWS's quota is 5 per rule (host, "
	  "path, method, header, query and source_ip values together)" },
	{ "{ priority: 1, source_ip: 192.0.2.0/24, method: [GET, PUT], query: [ { value: a }, "
	  "{ key: b, value: c } ], header: { name: X, value: y }, forward: t }",
	  "18:150: error: a listener rule has 6 condition values: AWS's quota is 5 per rule (host, "
	  "path, method, header, query and source_ip values together)" },
	{ "{ priority: 1, path: [\"/*/*/*\", \"/?/?/?\"], forward: t }",
	  "18:49: error: a listener rule has 6 wildcards (* and ?): AWS's quota is 5 per rule" },
	/* Conditions: AWS's forms. */
	{ "{ priority: 1, header: [ { name: X-A, value: a } ], forward: t }",
	  "18:40: error: a listener rule has one header condition: 'header' is a mapping { name, "
	  "value } (its value may be a list)" },
	{ "{ priority: 1, method: get, forward: t }",
	  "18:40: error: method 'get' must be written GET: methods match case-sensitively (AWS)" },
	{ "{ priority: 1, method: [GET, \"GET!\"], forward: t }",
	  "18:46: error: method 'GET!' may contain only A-Z, '-' and '_' (AWS)" },
	{ "{ priority: 1, method: ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQ, forward: t }",
	  "18:40: error: method 'ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQ' is 43 characters: at "
	  "most 40" },
	{ "{ priority: 1, method: [GET, \"\"], forward: t }",
	  "18:46: error: method is empty" },
	{ "{ priority: 1, source_ip: [203.0.113.0/24, 10.0.0.1/8], forward: t }",
	  "18:60: error: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
	{ "{ priority: 1, source_ip: nope, forward: t }",
	  "18:43: error: 'nope' is not a valid cidr (a.b.c.d/len)" },
	{ "{ priority: 1, host: \"http://x.com\", forward: t }",
	  "18:38: error: host 'http://x.com' may contain only letters, digits, '-', '.' and the "
	  "wildcards * and ? (AWS)" },
	{ "{ priority: 1, path: \"/a b\", forward: t }",
	  "18:38: error: path '/a b' may contain only letters, digits, _ - . $ / ~ \" ' @ : + & and "
	  "the wildcards * and ? (AWS)" },
	{ "{ priority: 1, path: \"\", forward: t }", "18:38: error: path is empty" },
	{ "{ priority: 1, host: [], forward: t }", "18:38: error: host needs at least one value" },
	{ "{ priority: 1, host: { a: b }, forward: t }",
	  "18:38: error: 'host' in listener rule must be a string or a list of strings, not a "
	  "mapping" },
	{ "{ priority: 1, host: [ [a] ], forward: t }",
	  "18:40: error: 'host' in listener rule must be a string or a list of strings, not a list" },
	{ "{ priority: 1, header: { name: Host, value: x }, forward: t }",
	  "18:48: error: header name 'Host': a host condition matches the Host header (AWS)" },
	{ "{ priority: 1, header: { name: \"X A\", value: x }, forward: t }",
	  "18:48: error: header name 'X A' may contain only letters, digits and !#$%&'*+-.^_`|~ (AWS)" },
	{ "{ priority: 1, header: { name: X-A }, forward: t }",
	  "18:40: error: missing required key 'value' in header" },
	{ "{ priority: 1, header: { name: X-A, value: [] }, forward: t }",
	  "18:60: error: header value needs at least one value" },
	{ "{ priority: 1, query: [], forward: t }",
	  "18:39: error: query needs at least one { key, value }" },
	{ "{ priority: 1, query: [v2], forward: t }",
	  "18:40: error: query must be a mapping, not 'v2'" },
	{ "{ priority: 1, query: v2, forward: t }",
	  "18:39: error: 'query' in listener rule must be a list of { key, value } or one such "
	  "mapping, not 'v2'" },
	{ "{ priority: 1, query: { key: \"\", value: x }, forward: t }",
	  "18:46: error: query key is empty: leave 'key' out to match any key" },
	{ "{ priority: 1, query: { key: a }, forward: t }",
	  "18:39: error: missing required key 'value' in query" },
	/* Actions. */
	{ "{ priority: 1, path: /a, forward: t, redirect: { status: 301, path: /b } }",
	  "18:17: error: a listener rule needs one action: forward, fixed_response or redirect" },
	{ "{ priority: 1, path: /a, fixed_response: { status: 200, content_type: text/xml } }",
	  "18:87: error: fixed_response content_type must be text/plain, text/css, text/html, "
	  "application/javascript or application/json, not 'text/xml' (AWS)" },
	{ "{ priority: 1, path: /a, redirect: { status: HTTP_303, path: /b } }",
	  "18:62: error: redirect status must be 301 or 302 (HTTP_301, HTTP_302), not 'HTTP_303' (AWS)" },
	{ "{ priority: 1, path: /a, redirect: { path: /b } }",
	  "18:52: error: missing required key 'status' in redirect" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, protocol: ftp } }",
	  "18:77: error: redirect protocol must be HTTP, HTTPS or #{protocol}, not 'ftp'" },
	{ "{ priority: 1, path: /a, redirect: { status: 301 } }",
	  "18:52: error: a redirect must change the protocol, host, port or path: AWS refuses a "
	  "redirect to the same URL (a loop)" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, protocol: \"#{protocol}\", host: \"#{host}\", "
	  "port: \"#{port}\", path: \"/#{path}\", query: \"a=b\" } }",
	  "18:52: error: a redirect must change the protocol, host, port or path: AWS refuses a "
	  "redirect to the same URL (a loop)" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, port: 0 } }",
	  "18:73: error: redirect port must be 1 to 65535 or #{port}, not '0'" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, port: \"#{host}\" } }",
	  "18:73: error: redirect port must be 1 to 65535 or #{port}, not '#{host}'" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, path: new } }",
	  "18:73: error: redirect path 'new' must start with / (AWS)" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, path: \"/#{foo}\" } }",
	  "18:73: error: redirect path '/#{foo}' has an unknown placeholder: AWS's are #{protocol}, "
	  "#{host}, #{port}, #{path} and #{query}" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, host: \"#{host\", path: /b } }",
	  "18:73: error: redirect host '#{host' has an unknown placeholder: AWS's are #{protocol}, "
	  "#{host}, #{port}, #{path} and #{query}" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, path: /b, query: \"?a=b\" } }",
	  "18:84: error: redirect query '?a=b' must not start with '?': the redirect adds it" },
	{ "{ priority: 1, path: /a, redirect: { status: 301, host: \"\", path: /b } }",
	  "18:73: error: redirect host is empty" },
};

static void run_rule(struct lt *r, const char *rule)
{
	size_t size = strlen(RULES) + strlen(rule) + 2;
	char *yaml = malloc(size);
	ck_assert_ptr_nonnull(yaml);
	snprintf(yaml, size, "%s%s\n", RULES, rule);
	lt_run(r, yaml);
	free(yaml);
}

START_TEST(each_rule_error_at_its_place)
{
	struct lt r = { 0 };
	run_rule(&r, bad_rule[_i].rule);
	ck_assert_msg(lt_has(&r, bad_rule[_i].want), "case %d: want\n  %s\ngot\n%s", _i,
		      bad_rule[_i].want, r.out);
	ck_assert_msg(r.errors == 1, "case %d: %d errors:\n%s", _i, r.errors, r.out);
	lt_done(&r);
}
END_TEST

/* n copies of ch, then the rest of a rule: lengths at AWS's limits pass, one more does not. */
static char *long_rule(const char *pre, char ch, size_t n, const char *post)
{
	size_t size = strlen(pre) + n + strlen(post) + 1;
	char *s = malloc(size);
	ck_assert_ptr_nonnull(s);
	memcpy(s, pre, strlen(pre));
	memset(s + strlen(pre), ch, n);
	strcpy(s + strlen(pre) + n, post);
	return s;
}

START_TEST(lengths_are_aws_limits)
{
	/* pre ends where the value starts but for `lead` characters of it ("/" of a path). */
	static const struct {
		const char *pre, *post, *what;
		char ch;
		size_t max, lead;
	} v[] = {
		{ "{ priority: 1, host: ", ", forward: t }", "host", 'h', 127, 0 },
		{ "{ priority: 1, path: /", ", forward: t }", "path", 'p', 127, 1 },
		{ "{ priority: 1, header: { name: X, value: ", " }, forward: t }", "header value", 'v', 127, 0 },
		{ "{ priority: 1, header: { name: ", ", value: x }, forward: t }", "header name", 'N', 40, 0 },
		{ "{ priority: 1, query: { key: ", ", value: x }, forward: t }", "query key", 'k', 63, 0 },
		{ "{ priority: 1, query: { value: ", " }, forward: t }", "query value", 'q', 127, 0 },
		{ "{ priority: 1, path: /a, redirect: { status: 301, host: ", " } }", "redirect host", 'r', 127, 0 },
		{ "{ priority: 1, path: /a, redirect: { status: 301, path: /", " } }", "redirect path", 'r', 127, 1 },
		{ "{ priority: 1, path: /a, redirect: { status: 302, host: x, query: ", " } }", "redirect query", 'r', 127, 0 },
		{ "{ priority: 1, path: /a, fixed_response: { status: 503, body: ", " } }", "fixed_response body", 'b', 1024, 0 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct lt r = { 0 };
		char *ok = long_rule(v[i].pre, v[i].ch, v[i].max - v[i].lead, v[i].post);
		run_rule(&r, ok);
		ck_assert_msg(r.errors == 0, "%s at its limit:\n%s", v[i].what, r.out);
		lt_done(&r);
		char *over = long_rule(v[i].pre, v[i].ch, v[i].max - v[i].lead + 1, v[i].post);
		run_rule(&r, over);
		char want[128];
		snprintf(want, sizeof(want), "t.yaml:18:%zu: error: %s ",
			 strlen(v[i].pre) - v[i].lead + 17, v[i].what);
		ck_assert_msg(strstr(r.out, want) && r.errors == 1, "%s over its limit: want %s\n%s",
			      v[i].what, want, r.out);
		snprintf(want, sizeof(want), "%zu characters: at most %zu", v[i].max + 1, v[i].max);
		ck_assert_msg(strstr(r.out, want) != NULL, "want %s\n%s", want, r.out);
		lt_done(&r);
		free(ok);
		free(over);
	}
}
END_TEST

/* Every form the rules section of rules/REFERENCE.md shows passes. */
START_TEST(aws_forms_pass)
{
	static const char *const good[] = {
		"{ priority: 1, host: [\"*.example.com\", \"api-?.example.org\"], forward: t }",
		"{ priority: 1, path: [\"/img/*\", \"/a_b-c.$~'@:+&\\\"/*\"], forward: t }",
		"{ priority: 1, method: [GET, HEAD, CUSTOM_METHOD-X], forward: t }",
		"{ priority: 1, source_ip: [203.0.113.0/24, 192.0.2.7/32], forward: t }",
		"{ priority: 1, header: { name: User-Agent, value: \"*Mobile*\" }, forward: t }",
		"{ priority: 1, query: { value: \"\\\\*\" }, path: \"/*/*/*/*/*\", forward: t }",
		"{ priority: 1, path: /a, redirect: { status: HTTP_302, protocol: https } }",
		"{ priority: 1, path: /a, redirect: { status: 301, port: 8080 } }",
		"{ priority: 1, path: /a, redirect: { status: 301, host: \"www.#{host}\" } }",
		"{ priority: 1, path: /a, redirect: { status: 301, path: \"/v2/#{path}\", query: \"#{query}&v=2\" } }",
		"{ priority: 1, path: /a, fixed_response: { status: 503, content_type: application/json, body: \"{}\" } }",
		"{ priority: 1, path: /a, fixed_response: { status: 200, content_type: text/css } }",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct lt r = { 0 };
		run_rule(&r, good[i]);
		ck_assert_msg(r.errors == 0, "%s:\n%s", good[i], r.out);
		lt_done(&r);
	}
}
END_TEST

Suite *suite_lb_checks(void)
{
	Suite *s = suite_create("lb_checks");
	TCase *tc = tcase_create("lb_checks");
	tcase_add_test(tc, a_load_balancer_is_a_check_target);
	tcase_add_test(tc, an_unknown_target_names_load_balancers_too);
	suite_add_tcase(s, tc);
	TCase *rules = tcase_create("rules");
	tcase_add_loop_test(rules, each_rule_error_at_its_place, 0,
			    (int)(sizeof(bad_rule) / sizeof(bad_rule[0])));
	tcase_add_test(rules, lengths_are_aws_limits);
	tcase_add_test(rules, aws_forms_pass);
	suite_add_tcase(s, rules);
	return s;
}
