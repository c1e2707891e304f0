/* Load balancers and target groups in the lab model (load_lb.c, check_lb.c, compile_lb.c):
 * a lab with both kinds compiles into tables_lb.h with AWS's defaults filled in, node ports
 * placed by the instances' allocator, and stable DNS names in AWS's forms; every check reports
 * its error at the right FILE:LINE:COL. Application listener rules: every key compiles into its
 * conditions and action, and `vpclab check` shows them (their errors: test_lb_checks.c). The
 * plan of a change is tests/unit/labs/diff/lb.* and alb-rules.*. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/lab/diff.h"
#include "labtest.h"

Suite *suite_lb_model(void);

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

/* Lines 1-12: a VPC with an internet gateway, subnets in zones a and b, a small one in c and
 * one without a zone, two instances. What a test adds starts at line 13, inside the VPC; a
 * second VPC and the elastic IPs follow it (OTHER). */
#define BASE                                                                      \
	"vpcs:\n"                                                                 \
	"  - name: main\n"                                                        \
	"    cidr: 10.0.0.0/16\n"                                                 \
	"    internet_gateway: true\n"                                            \
	"    subnets:\n"                                                          \
	"      - { name: a, cidr: 10.0.1.0/24, az: a }\n"                         \
	"      - { name: b, cidr: 10.0.2.0/24, az: b }\n"                         \
	"      - { name: s, cidr: 10.0.3.0/28, az: c }\n"                         \
	"      - { name: n, cidr: 10.0.4.0/24 }\n"                                \
	"    instances:\n"                                                        \
	"      - { name: web1, subnet: a }\n"                                     \
	"      - { name: web2, subnet: b }\n"
#define OTHER                                                                     \
	"  - name: other\n"                                                       \
	"    cidr: 10.1.0.0/16\n"                                                 \
	"    subnets: [ { name: o, cidr: 10.1.1.0/24, az: a } ]\n"                \
	"    instances: [ { name: far, subnet: o } ]\n"                           \
	"    target_groups: [ { name: far-tg, protocol: tcp, port: 80 } ]\n"      \
	"elastic_ips:\n"                                                          \
	"  - { name: e1 }\n"                                                      \
	"  - { name: e2, instance: web1 }\n"

#define LAB                                                                       \
	"name: shop\n" BASE                                                       \
	"    security_groups: [ { name: alb-sg } ]\n"                             \
	"    target_groups:\n"                                                    \
	"      - name: nlb-tg\n"                                                  \
	"        protocol: tcp\n"                                                 \
	"        port: 80\n"                                                      \
	"        targets: [web1, { instance: web2, port: 8080 }]\n"               \
	"      - { name: hc-tg, protocol: tcp, port: 81, targets: [web1],\n"      \
	"          health_check: { protocol: http, path: /up } }\n"               \
	"      - { name: udp-tg, protocol: udp, port: 53, targets: [web2] }\n"    \
	"      - { name: web-tg, protocol: http, port: 80, targets: [web1, web2],\n" \
	"          stickiness: { type: lb_cookie } }\n"                           \
	"      - { name: api-tg, protocol: http, port: 8080, targets: [web2],\n"  \
	"          health_check: { path: /health, matcher: 200-299, interval: 10, timeout: 4,\n" \
	"                          healthy: 3, unhealthy: 4, port: 9000 },\n"     \
	"          deregistration_delay: 30 }\n"                                  \
	"    load_balancers:\n"                                                   \
	"      - name: nlb\n"                                                     \
	"        type: network\n"                                                 \
	"        scheme: internet-facing\n"                                       \
	"        subnets: [a, { subnet: b, ip: 10.0.2.4 }]\n"                     \
	"        elastic_ips: { a: e1 }\n"                                        \
	"        listeners:\n"                                                    \
	"          - { protocol: tcp, port: 80, forward: nlb-tg }\n"              \
	"          - { protocol: tcp, port: 81, forward: hc-tg, idle_timeout: 600 }\n" \
	"          - { protocol: udp, port: 53, forward: udp-tg }\n"              \
	"      - name: alb\n"                                                     \
	"        subnets: [a, b]\n"                                               \
	"        security_groups: [alb-sg]\n"                                     \
	"        listeners:\n"                                                    \
	"          - protocol: http\n"                                            \
	"            port: 80\n"                                                  \
	"            default: web-tg\n"                                           \
	"            rules:\n"                                                    \
	"              - { priority: 30, path: /old, fixed_response: { status: 404, body: gone } }\n" \
	"              - { priority: 10, host: api.example.com, path: /v1/*, forward: api-tg }\n" \
	"      - { name: inner, type: network, subnets: [a] }\n"                 \
	OTHER

static struct vl_tables *compile_text(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "unexpected:\n%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static int tg_index(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_tgs; i++)
		if (!strcmp(t->tgs[i].name, name))
			return i;
	ck_abort_msg("no target group %s", name);
	return -1;
}

START_TEST(target_groups_get_aws_defaults)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, LAB);
	ck_assert_uint_eq(t->n_tgs, 6);
	ck_assert_uint_eq(t->n_targets, 7);
	const struct vl_tg *g = &t->tgs[tg_index(t, "nlb-tg")];
	ck_assert_uint_eq(g->proto, VL_LBP_TCP);
	ck_assert_uint_eq(g->port, 80);
	ck_assert_uint_eq(g->preserve_client_ip, 1);
	ck_assert_uint_eq(g->dereg_delay_s, 300);
	ck_assert_uint_eq(g->sticky_s, 0);
	ck_assert_uint_eq(g->hc.proto, VL_HC_TCP);
	ck_assert_uint_eq(g->hc.port, 0);
	ck_assert_uint_eq(g->hc.interval_s, 30);
	ck_assert_uint_eq(g->hc.timeout_s, 10);
	ck_assert_uint_eq(g->hc.healthy, 5);
	ck_assert_uint_eq(g->hc.unhealthy, 2);
	ck_assert_uint_eq(g->target_count, 2);
	const struct vl_lb_target *x = &t->targets[g->target_first];
	ck_assert_str_eq(t->ports[x[0].port].name, "web1");
	ck_assert_uint_eq(x[0].tport, 80);
	ck_assert_str_eq(t->ports[x[1].port].name, "web2");
	ck_assert_uint_eq(x[1].tport, 8080);
	/* A network group's HTTP check: timeout 6 s, matcher 200-399. */
	g = &t->tgs[tg_index(t, "hc-tg")];
	ck_assert_uint_eq(g->hc.proto, VL_HC_HTTP);
	ck_assert_uint_eq(g->hc.timeout_s, 6);
	ck_assert_uint_eq(g->hc.match_lo, 200);
	ck_assert_uint_eq(g->hc.match_hi, 399);
	ck_assert_str_eq(g->hc.path, "/up");
	ck_assert_uint_eq(t->tgs[tg_index(t, "udp-tg")].preserve_client_ip, 1);
	/* Application groups: HTTP GET /, matcher 200, timeout 6 s; no client IP preservation. */
	g = &t->tgs[tg_index(t, "web-tg")];
	ck_assert_uint_eq(g->proto, VL_LBP_HTTP);
	ck_assert_uint_eq(g->preserve_client_ip, 0);
	ck_assert_uint_eq(g->sticky_s, 86400);
	ck_assert_uint_eq(g->hc.proto, VL_HC_HTTP);
	ck_assert_str_eq(g->hc.path, "/");
	ck_assert_uint_eq(g->hc.match_lo, 200);
	ck_assert_uint_eq(g->hc.match_hi, 200);
	ck_assert_uint_eq(g->hc.timeout_s, 6);
	ck_assert_uint_eq(g->hc.interval_s, 30);
	/* Everything written is kept. */
	g = &t->tgs[tg_index(t, "api-tg")];
	ck_assert_str_eq(g->hc.path, "/health");
	ck_assert_uint_eq(g->hc.match_lo, 200);
	ck_assert_uint_eq(g->hc.match_hi, 299);
	ck_assert_uint_eq(g->hc.interval_s, 10);
	ck_assert_uint_eq(g->hc.timeout_s, 4);
	ck_assert_uint_eq(g->hc.healthy, 3);
	ck_assert_uint_eq(g->hc.unhealthy, 4);
	ck_assert_uint_eq(g->hc.port, 9000);
	ck_assert_uint_eq(g->dereg_delay_s, 30);
	ck_assert_uint_eq(t->tgs[tg_index(t, "far-tg")].vpc, 1);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(load_balancers_listeners_and_rules)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, LAB);
	ck_assert_uint_eq(t->n_lbs, 3);
	ck_assert_uint_eq(t->n_listeners, 4);
	ck_assert_uint_eq(t->n_lb_rules, 2);
	const struct vl_lb *nlb = &t->lbs[0], *alb = &t->lbs[1], *inner = &t->lbs[2];
	ck_assert_str_eq(nlb->name, "nlb");
	ck_assert_uint_eq(nlb->type, VL_LB_NETWORK);
	ck_assert_uint_eq(nlb->internet_facing, 1);
	ck_assert_uint_eq(nlb->cross_zone, 0);
	ck_assert_uint_eq(nlb->listener_count, 3);
	const struct vl_listener *l = &t->listeners[nlb->listener_first];
	ck_assert_uint_eq(l[0].proto, VL_LBP_TCP);
	ck_assert_uint_eq(l[0].port, 80);
	ck_assert_str_eq(t->tgs[l[0].tg].name, "nlb-tg");
	ck_assert_uint_eq(l[0].idle_timeout_s, 350);
	ck_assert_uint_eq(l[1].idle_timeout_s, 600);
	ck_assert_uint_eq(l[2].proto, VL_LBP_UDP);
	ck_assert_uint_eq(l[2].idle_timeout_s, 120);
	ck_assert_uint_eq(l[0].rule_count, 0);
	/* Application: internal by default, cross-zone always on, rules by priority. */
	ck_assert_uint_eq(alb->type, VL_LB_APPLICATION);
	ck_assert_uint_eq(alb->internet_facing, 0);
	ck_assert_uint_eq(alb->cross_zone, 1);
	l = &t->listeners[alb->listener_first];
	ck_assert_uint_eq(l->proto, VL_LBP_HTTP);
	ck_assert_uint_eq(l->idle_timeout_s, 60);
	ck_assert_str_eq(t->tgs[l->tg].name, "web-tg");
	ck_assert_uint_eq(l->rule_count, 2);
	const struct vl_lb_rule *x = &t->lb_rules[l->rule_first];
	ck_assert_uint_eq(x[0].priority, 10);
	ck_assert_uint_eq(x[0].action, VL_LBA_FORWARD);
	ck_assert_str_eq(t->tgs[x[0].tg].name, "api-tg");
	ck_assert_uint_eq(x[0].n_conds, 2);
	ck_assert_uint_eq(x[0].conds[0].kind, VL_LBC_HOST);
	ck_assert_str_eq(x[0].conds[0].value, "api.example.com");
	ck_assert_uint_eq(x[0].conds[1].kind, VL_LBC_PATH);
	ck_assert_str_eq(x[0].conds[1].value, "/v1/*");
	ck_assert_uint_eq(x[1].priority, 30);
	ck_assert_uint_eq(x[1].action, VL_LBA_FIXED);
	ck_assert_uint_eq(x[1].tg, VL_NONE);
	ck_assert_uint_eq(x[1].status, 404);
	ck_assert_str_eq(x[1].body, "gone");
	ck_assert_uint_eq(x[1].n_conds, 1);
	ck_assert_uint_eq(x[1].conds[0].kind, VL_LBC_PATH);
	ck_assert_str_eq(x[1].conds[0].value, "/old");
	ck_assert_str_eq(x[1].content_type, "text/plain");
	ck_assert_uint_eq(inner->listener_count, 0);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* Every key of a listener rule and a target group's algorithm, as rules/REFERENCE.md shows
 * them: loaded, checked and compiled into tables_lb.h's form with AWS's defaults. */
#define RULES_LAB                                                                 \
	"name: shop\n" BASE                                                       \
	"    target_groups:\n"                                                    \
	"      - { name: web-tg, protocol: http, port: 80, targets: [web1, web2],\n" \
	"          algorithm: least_outstanding_requests, stickiness: { type: lb_cookie } }\n" \
	"      - { name: api-tg, protocol: http, port: 8080, targets: [web2], algorithm: round_robin }\n" \
	"      - { name: nlb-tg, protocol: tcp, port: 80 }\n"                     \
	"    load_balancers:\n"                                                   \
	"      - name: alb\n"                                                     \
	"        subnets: [a, b]\n"                                               \
	"        listeners:\n"                                                    \
	"          - protocol: http\n"                                            \
	"            port: 80\n"                                                  \
	"            default: web-tg\n"                                           \
	"            rules:\n"                                                    \
	"              - { priority: 10, host: api.example.com, path: [/v1/*, /v2/*], forward: api-tg }\n" \
	"              - { priority: 30, method: [POST, PUT], source_ip: [203.0.113.0/24, 192.0.2.7/32], forward: api-tg }\n" \
	"              - { priority: 50, header: { name: X-Env, value: [beta, \"gamma ray\"] }, forward: api-tg }\n" \
	"              - { priority: 60, query: [ { key: version, value: v2 }, { value: \"*x\" } ], forward: api-tg }\n" \
	"              - { priority: 65, query: { key: lang, value: en }, header: { name: X-A, value: b }, forward: api-tg }\n" \
	"              - { priority: 70, path: /old, redirect: { status: 301, path: /new } }\n" \
	"              - { priority: 75, host: \"*.example.org\", redirect: { status: HTTP_302, protocol: https,\n" \
	"                  host: \"www.#{host}\", port: 443, path: \"/x/#{path}\", query: \"#{query}&v=2\" } }\n" \
	"              - { priority: 80, path: /gone, fixed_response: { status: 410, body: gone } }\n" \
	"              - { priority: 90, path: /json, fixed_response: { status: 503, content_type: application/json,\n" \
	"                  body: \"{\\\"ok\\\": false, \\\"why\\\": \\\"maintenance until the end of the week\\\"}\" } }\n" \
	"    \n"

static void assert_cond(const struct vl_lb_cond *c, uint8_t kind, uint8_t group, const char *name,
			const char *value)
{
	ck_assert_uint_eq(c->kind, kind);
	ck_assert_uint_eq(c->group, group);
	ck_assert_str_eq(c->name, name);
	ck_assert_str_eq(c->value, value);
}

START_TEST(every_rule_key_compiles)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, RULES_LAB);
	ck_assert_uint_eq(t->tgs[tg_index(t, "web-tg")].algorithm, VL_ALGO_LEAST_OUTSTANDING);
	ck_assert_uint_eq(t->tgs[tg_index(t, "web-tg")].sticky_s, 86400);
	ck_assert_uint_eq(t->tgs[tg_index(t, "api-tg")].algorithm, VL_ALGO_ROUND_ROBIN);
	ck_assert_uint_eq(t->tgs[tg_index(t, "nlb-tg")].algorithm, VL_ALGO_ROUND_ROBIN);
	ck_assert_uint_eq(t->n_lb_rules, 9);
	const struct vl_lb_rule *x = t->lb_rules;
	int api = tg_index(t, "api-tg");
	/* Host and path: a group each, the path's two values alternatives. */
	ck_assert_uint_eq(x[0].action, VL_LBA_FORWARD);
	ck_assert_uint_eq(x[0].tg, api);
	ck_assert_uint_eq(x[0].n_conds, 3);
	assert_cond(&x[0].conds[0], VL_LBC_HOST, 0, "", "api.example.com");
	assert_cond(&x[0].conds[1], VL_LBC_PATH, 1, "", "/v1/*");
	assert_cond(&x[0].conds[2], VL_LBC_PATH, 1, "", "/v2/*");
	/* Method and source: the prefixes parsed. */
	ck_assert_uint_eq(x[1].n_conds, 4);
	assert_cond(&x[1].conds[0], VL_LBC_METHOD, 0, "", "POST");
	assert_cond(&x[1].conds[1], VL_LBC_METHOD, 0, "", "PUT");
	assert_cond(&x[1].conds[2], VL_LBC_SOURCE, 1, "", "203.0.113.0/24");
	ck_assert_uint_eq(x[1].conds[2].source.addr, ip("203.0.113.0"));
	ck_assert_uint_eq(x[1].conds[2].source.len, 24);
	ck_assert_uint_eq(x[1].conds[3].source.addr, ip("192.0.2.7"));
	ck_assert_uint_eq(x[1].conds[3].source.len, 32);
	/* A header's values, each with its name. */
	ck_assert_uint_eq(x[2].n_conds, 2);
	assert_cond(&x[2].conds[0], VL_LBC_HEADER, 0, "X-Env", "beta");
	assert_cond(&x[2].conds[1], VL_LBC_HEADER, 0, "X-Env", "gamma ray");
	/* Query pairs: one group; no key, any key. */
	ck_assert_uint_eq(x[3].n_conds, 2);
	assert_cond(&x[3].conds[0], VL_LBC_QUERY, 0, "version", "v2");
	assert_cond(&x[3].conds[1], VL_LBC_QUERY, 0, "", "*x");
	/* One mapping is one pair; the header's group comes before the query's. */
	ck_assert_uint_eq(x[4].n_conds, 2);
	assert_cond(&x[4].conds[0], VL_LBC_HEADER, 0, "X-A", "b");
	assert_cond(&x[4].conds[1], VL_LBC_QUERY, 1, "lang", "en");
	/* Redirect: AWS's placeholders for what is left out. */
	ck_assert_uint_eq(x[5].action, VL_LBA_REDIRECT);
	ck_assert_uint_eq(x[5].tg, VL_NONE);
	ck_assert_uint_eq(x[5].status, 301);
	ck_assert_str_eq(x[5].redirect.protocol, "#{protocol}");
	ck_assert_str_eq(x[5].redirect.host, "#{host}");
	ck_assert_str_eq(x[5].redirect.port, "#{port}");
	ck_assert_str_eq(x[5].redirect.path, "/new");
	ck_assert_str_eq(x[5].redirect.query, "#{query}");
	ck_assert_uint_eq(x[6].status, 302);
	ck_assert_str_eq(x[6].redirect.protocol, "HTTPS");
	ck_assert_str_eq(x[6].redirect.host, "www.#{host}");
	ck_assert_str_eq(x[6].redirect.port, "443");
	ck_assert_str_eq(x[6].redirect.path, "/x/#{path}");
	ck_assert_str_eq(x[6].redirect.query, "#{query}&v=2");
	/* Fixed responses: text/plain unless given. */
	ck_assert_uint_eq(x[7].action, VL_LBA_FIXED);
	ck_assert_uint_eq(x[7].status, 410);
	ck_assert_str_eq(x[7].content_type, "text/plain");
	ck_assert_str_eq(x[7].body, "gone");
	ck_assert_str_eq(x[8].content_type, "application/json");
	ck_assert_str_eq(x[8].body, "{\"ok\": false, \"why\": \"maintenance until the end of the week\"}");
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* `vpclab check` shows each rule's conditions and action, and each http group's algorithm. */
START_TEST(check_shows_rules_readably)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, RULES_LAB);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	check_print_lbs(t, f);
	fclose(f);
	static const char *const want[] = {
		"      rule 10 host api.example.com path [/v1/*, /v2/*]: forward api-tg\n",
		"      rule 30 method [POST, PUT] source_ip [203.0.113.0/24, 192.0.2.7/32]: forward api-tg\n",
		"      rule 50 header X-Env [beta, \"gamma ray\"]: forward api-tg\n",
		"      rule 60 query [version=v2, *=*x]: forward api-tg\n",
		"      rule 65 header X-A b query lang=en: forward api-tg\n",
		"      rule 70 path /old: redirect 301 #{protocol}://#{host}:#{port}/new?#{query}\n",
		"      rule 75 host *.example.org: redirect 302 HTTPS://www.#{host}:443/x/#{path}?#{query}&v=2\n",
		"      rule 80 path /gone: fixed_response 410 text/plain gone\n",
		"      rule 90 path /json: fixed_response 503 application/json \"{\\\"ok\\\": false, "
		"\\\"why\\\": \\\"maintenance until ...\" (61 characters)\n",
		"  target group web-tg (http 80, 2 targets, least_outstanding_requests, lb_cookie 86400 s): ",
		"  target group api-tg (http 8080, 1 target, round_robin): ",
		"  target group nlb-tg (tcp 80, 0 targets): ",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(out, want[i]) != NULL, "want\n%s\nin\n%s", want[i], out);
	free(out);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(nodes_are_ports_after_hosts)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, LAB);
	/* Instances web1, web2, far; then 2 + 2 + 1 nodes. */
	ck_assert_uint_eq(t->n_ports, 8);
	ck_assert_uint_eq(t->n_lb_nodes, 5);
	const struct vl_lb *nlb = &t->lbs[0], *alb = &t->lbs[1];
	ck_assert_uint_eq(nlb->node_first, 0);
	ck_assert_uint_eq(nlb->node_count, 2);
	ck_assert_uint_eq(alb->node_first, 2);
	for (uint32_t k = 0; k < t->n_lb_nodes; k++) {
		const struct vl_port *p = &t->ports[t->lb_nodes[k]];
		ck_assert_uint_eq(t->lb_nodes[k], 3 + k);
		ck_assert_uint_eq(p->kind, VL_PORT_LB_NODE);
		ck_assert_uint_eq(p->mtu, VL_VPC_MTU);
		ck_assert_uint_eq(p->vpc, 0);
		ck_assert_uint_eq(p->prefix_len, 24);
		ck_assert_uint_eq(p->gateway, (p->ip & 0xffffff00u) + 1);
		ck_assert_uint_eq(p->mac[5], t->lb_nodes[k]);
		ck_assert_str_eq(p->name, t->lbs[p->lb].name);
	}
	/* web1 10.0.1.4 and web2 10.0.2.5 (the node's given 10.0.2.4 is taken first); the nodes
	 * take the next free addresses in file order. */
	const struct vl_port *n0 = &t->ports[3], *n1 = &t->ports[4], *a0 = &t->ports[5];
	ck_assert_uint_eq(t->ports[0].ip, ip("10.0.1.4"));
	ck_assert_uint_eq(t->ports[1].ip, ip("10.0.2.5"));
	ck_assert_uint_eq(n0->ip, ip("10.0.1.5"));
	ck_assert_str_eq(t->subnets[n0->subnet].name, "a");
	ck_assert_uint_eq(n1->ip, ip("10.0.2.4"));
	ck_assert_str_eq(t->subnets[n1->subnet].az, "b");
	ck_assert_uint_eq(a0->ip, ip("10.0.1.6"));
	ck_assert_uint_eq(t->ports[7].ip, ip("10.0.1.7"));
	/* Internet-facing: the named elastic IP (e1, the pool's first), else the pool's next free
	 * address after e2 (given to web1). Internal: none. */
	ck_assert_uint_eq(n0->public_ip, ip("203.0.113.1"));
	ck_assert_uint_eq(t->eips[n0->eip].port, 3);
	ck_assert_str_eq(t->eips[n0->eip].name, "e1");
	ck_assert_uint_eq(n1->public_ip, ip("203.0.113.3"));
	ck_assert_uint_eq(n1->eip, VL_NONE);
	ck_assert_uint_eq(a0->public_ip, 0);
	/* Security groups: none for a network load balancer without; the named ones else. */
	ck_assert_uint_eq(n0->sg_count, 0);
	ck_assert_uint_eq(a0->sg_count, 1);
	ck_assert_str_eq(t->sgs[a0->sgs[0]].name, "alb-sg");
	/* Instances are not nodes. */
	ck_assert_uint_eq(t->ports[0].lb, VL_NONE);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(an_application_load_balancer_defaults_to_the_default_group)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile_text(&r, BASE
		"    load_balancers: [ { name: alb, subnets: [a, b] } ]\n");
	const struct vl_port *p = &t->ports[t->lb_nodes[0]];
	ck_assert_uint_eq(p->sg_count, 1);
	ck_assert_str_eq(t->sgs[p->sgs[0]].name, "default");
	ck_assert_uint_eq(p->sgs[0], 0);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(dns_names_are_stable_and_in_aws_form)
{
	struct lt r = { 0 }, r2 = { 0 };
	struct vl_tables *t = compile_text(&r, LAB);
	char want[128];
	const char *nlb = t->lbs[0].dns, *alb = t->lbs[1].dns, *inner = t->lbs[2].dns;
	/* NAME-ID.elb.REGION.amazonaws.com, the ID 16 hex digits of FNV-1a("shop/nlb"): pinned, so
	 * that a name users wrote down stays valid across versions. */
	ck_assert_str_eq(nlb, "nlb-e1ac8b3cfd646c9e.elb.us-east-1.amazonaws.com");
	ck_assert_uint_eq(strspn(nlb + 4, "0123456789abcdef"), 16);
	ck_assert_str_eq(nlb + 20, ".elb.us-east-1.amazonaws.com");
	/* internal-NAME-ID.REGION.elb.amazonaws.com, the ID 10 hex digits. */
	ck_assert_int_eq(strncmp(alb, "internal-alb-", 13), 0);
	ck_assert_uint_eq(strspn(alb + 13, "0123456789abcdef"), 10);
	ck_assert_str_eq(alb + 23, ".us-east-1.elb.amazonaws.com");
	ck_assert_int_eq(strncmp(inner, "internal-inner-", 15), 0);
	/* The same lab and name give the same name; the region only changes the region part;
	 * another lab name, another ID. */
	snprintf(want, sizeof(want), "%.20s.elb.eu-west-3.amazonaws.com", nlb);
	struct vl_tables *t2 = compile_text(&r2, "region: eu-west-3\n" LAB);
	ck_assert_str_eq(t2->lbs[0].dns, want);
	vl_tables_free(t2);
	lt_done(&r2);
	t2 = compile_text(&r2, LAB);
	ck_assert_str_eq(t2->lbs[0].dns, nlb);
	vl_tables_free(t2);
	lt_done(&r2);
	lt_run(&r2, "name: other\n" BASE "    load_balancers: [ { name: nlb, type: network, "
	       "subnets: [a], scheme: internet-facing } ]\n");
	ck_assert_msg(r2.errors == 0, "unexpected:\n%s", r2.out);
	t2 = lab_compile(r2.m);
	ck_assert_ptr_nonnull(t2);
	ck_assert_str_ne(t2->lbs[0].dns, nlb);
	ck_assert_int_eq(strncmp(t2->lbs[0].dns, "nlb-", 4), 0);
	vl_tables_free(t2);
	lt_done(&r2);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(lab_has_lb_says_what_up_refuses)
{
	struct lt r = { 0 };
	lt_run(&r, BASE);
	ck_assert(!lab_has_lb(r.m));
	lt_done(&r);
	lt_run(&r, BASE "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n");
	ck_assert(lab_has_lb(r.m));
	lt_done(&r);
}
END_TEST

/* apply: a node keeps its address when an instance is added before it in the file (as a running
 * instance does, lab_keep_addresses), and a subnet with a node cannot change its CIDR. */
static struct lab *load_kept(const char *yaml, const struct lab *running, int want_errors)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer("k.yaml", yaml, strlen(yaml), d);
	ck_assert_ptr_nonnull(m);
	if (running)
		ck_assert_int_eq(lab_keep_addresses(m, running), 0);
	ck_assert_int_eq(lab_check(m, d), 0);
	if (running)
		ck_assert_int_eq(lab_diff_check(running, m, d), want_errors);
	diag_destroy(d);
	return m;
}

#define KEEP(cidr, inst)                                                           \
	"vpcs:\n" LT_A "    subnets: [ { name: a, cidr: " cidr ", az: a } ]\n"      \
	"    instances: [" inst "]\n"                                              \
	"    load_balancers: [ { name: l, type: network, subnets: [a] } ]\n"

START_TEST(apply_keeps_node_addresses)
{
	struct lab *o = load_kept(KEEP("10.0.1.0/24", ""), NULL, 0);
	ck_assert_uint_eq(o->vpcs[0].lbs[0].nodes[0].addr, ip("10.0.1.4"));
	struct lab *n = load_kept(KEEP("10.0.1.0/24", " { name: web, subnet: a } "), o, 0);
	ck_assert_uint_eq(n->vpcs[0].lbs[0].nodes[0].addr, ip("10.0.1.4"));
	ck_assert_uint_eq(n->vpcs[0].instances[0].addr, ip("10.0.1.5"));
	struct lab_plan *p = lab_diff(o, n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->n, 1);
	ck_assert_str_eq(p->v[0].kind, "instance");
	lab_plan_free(p);
	lab_free(n);
	n = load_kept(KEEP("10.0.0.0/24", ""), o, 1);
	lab_free(n);
	lab_free(o);
}
END_TEST

/* One error, at its place: the snippet goes at line 13, inside VPC main. VPCLAB_SHOW_AT=1 (with
 * CK_FORK=no) prints each diagnostic with the text at its column, to read a new case's place. */
struct bad {
	const char *yaml;    /* after BASE */
	const char *want;    /* "LINE:COL: error: message" */
};

static const struct bad bad[] = {
	/* The loader: unknown keys at their place, in every new mapping. */
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, helth_check: {} } ]\n",
	  "13:58: error: unknown key 'helth_check' in target group" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { intervall: 5 } } ]\n",
	  "13:74: error: unknown key 'intervall' in health check" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, targets: [ { instance: web1, prt: 1 } ] } ]\n",
	  "13:87: error: unknown key 'prt' in target" },
	{ "    load_balancers: [ { type: network, name: l, subnets: [a], listener: [] } ]\n",
	  "13:63: error: unknown key 'listener' in load balancer" },
	{ "    load_balancers: [ { type: network, name: l, subnets: [ { subnet: a, address: 10.0.1.9 } ] } ]\n",
	  "13:73: error: unknown key 'address' in load balancer subnet" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { type: network, name: l, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t, rule: [] } ] } ]\n",
	  "14:115: error: unknown key 'rule' in listener" },
	{ "    load_balancers: [ { type: network, name: l, subnets: [a], elastic_ips: [e1] } ]\n",
	  "13:76: error: 'elastic_ips' in load balancer must be a mapping of subnet: "
	  "elastic ip, not a list" },
	{ "    load_balancers: [ { type: network, name: l, subnets: a } ]\n",
	  "13:58: error: 'subnets' in load balancer must be a list, not 'a'" },
	{ "    target_groups: [ { name: t, protocol: tcp } ]\n",
	  "13:22: error: missing required key 'port' in target group" },
	/* Names. */
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 }, { name: t, protocol: tcp, port: 81 } ]\n",
	  "13:68: error: target group name 't' is already used by the target group at 13:30" },
	{ "    load_balancers: [ { type: network, name: web1, subnets: [a] } ]\n",
	  "13:46: error: load balancer name 'web1' is already used by the instance at 11:17" },
	{ "    load_balancers: [ { type: network, name: Web, subnets: [a] } ]\n",
	  "13:46: error: load balancer name 'Web' must match [a-z][a-z0-9-]*" },
	/* Target groups. */
	{ "    target_groups: [ { name: t, protocol: tls, port: 80 } ]\n",
	  "13:43: error: target group protocol must be tcp, udp, tcp_udp (network) or http "
	  "(application), not 'tls'" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 0 } ]\n",
	  "13:54: error: target group port 0 is out of range 1..65535" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, targets: [nope] } ]\n",
	  "13:68: error: unknown instance 'nope'" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, targets: [far] } ]\n",
	  "13:68: error: instance 'far' is in vpc 'other', not in vpc 'main'" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, targets: [web1, { instance: web1, port: 80 }] } ]\n",
	  "13:74: error: target web1:80 is already registered at 13:68" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, deregistration_delay: 3601 } ]\n",
	  "13:80: error: deregistration_delay 3601 is out of range 0..3600" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, preserve_client_ip: true } ]\n",
	  "13:79: error: preserve_client_ip is for network load balancers' target groups "
	  "(an application load balancer connects from its own node)" },
	{ "    target_groups: [ { name: t, protocol: udp, port: 80, preserve_client_ip: false } ]\n",
	  "13:78: error: preserve_client_ip cannot be turned off for udp target groups (AWS)" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, stickiness: { type: lb_cookie } } ]\n",
	  "13:70: error: stickiness is for application load balancers' (http) target groups" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, stickiness: { type: app_cookie } } ]\n",
	  "13:79: error: stickiness type must be lb_cookie, not 'app_cookie'" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, algorithm: round_robin } ]\n",
	  "13:69: error: algorithm is for application load balancers' (http) target groups (a "
	  "network load balancer picks a target by flow hash)" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, algorithm: weighted_random } ]\n",
	  "13:70: error: algorithm must be round_robin or least_outstanding_requests, not "
	  "'weighted_random'" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, stickiness: { type: lb_cookie, duration: 0 } } ]\n",
	  "13:100: error: stickiness duration 0 is out of range 1..604800" },
	/* Health checks: AWS's ranges. */
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { interval: 4 } } ]\n",
	  "13:84: error: health check interval 4 is out of range 5..300" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { timeout: 121 } } ]\n",
	  "13:83: error: health check timeout 121 is out of range 2..120" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { interval: 10, timeout: 10 } } ]\n",
	  "13:97: error: health check timeout 10 s must be less than its interval 10 s (AWS)" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { interval: 8 } } ]\n",
	  "13:84: error: health check timeout 10 s must be less than its interval 8 s (AWS)" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { healthy: 11 } } ]\n",
	  "13:83: error: healthy threshold 11 is out of range 2..10" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { unhealthy: 1 } } ]\n",
	  "13:85: error: unhealthy threshold 1 is out of range 2..10" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { matcher: 200 } } ]\n",
	  "13:83: error: a health check matcher needs protocol http" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, health_check: { matcher: 200-550 } } ]\n",
	  "13:84: error: matcher '200-550' must be within 200-499 for application load "
	  "balancers' target groups (AWS)" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { protocol: http, matcher: 600 } } ]\n",
	  "13:99: error: matcher '600' must be within 200-599 for network load balancers' "
	  "target groups (AWS)" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, health_check: { matcher: 2xx } } ]\n",
	  "13:84: error: matcher '2xx' must be a status code or a range such as 200-399" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80, health_check: { path: /x } } ]\n",
	  "13:80: error: a health check path needs protocol http" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, health_check: { path: x } } ]\n",
	  "13:81: error: health check path 'x' must start with /" },
	{ "    target_groups: [ { name: t, protocol: http, port: 80, health_check: { protocol: tcp } } ]\n",
	  "13:85: error: health check protocol must be http, not 'tcp'" },
	{ "    target_groups: [ { name: t, protocol: udp, port: 80, health_check: { protocol: udp } } ]\n",
	  "13:84: error: health check protocol must be tcp or http, not 'udp'" },
	/* Load balancers. */
	{ "    load_balancers: [ { name: l, type: gateway, subnets: [a] } ]\n",
	  "13:40: error: load balancer type must be network or application, not 'gateway'" },
	{ "    load_balancers: [ { name: l, type: network, scheme: public, subnets: [a] } ]\n",
	  "13:57: error: scheme must be internet-facing or internal, not 'public'" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [] } ]\n",
	  "13:58: error: load balancer 'l' needs at least one subnet" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [zz] } ]\n",
	  "13:59: error: unknown subnet 'zz'" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [o] } ]\n",
	  "13:59: error: subnet 'o' is in vpc 'other', not in vpc 'main'" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [a, a] } ]\n",
	  "13:62: error: subnet 'a' is listed twice" },
	{ "    subnets2: []\n",
	  "13:5: error: unknown key 'subnets2' in vpc" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [n] } ]\n",
	  "13:59: error: subnet 'n' has no az: a load balancer's subnets need one (its "
	  "nodes and targets are placed by zone)" },
	{ "    load_balancers: [ { name: l, subnets: [a] } ]\n",
	  "13:31: error: application load balancer 'l' needs subnets in at least two "
	  "availability zones (AWS)" },
	{ "    load_balancers: [ { name: l, subnets: [a, s] } ]\n",
	  "13:47: error: subnet 's' is a /28: an application load balancer's subnets must "
	  "be /27 or larger (AWS)" },
	{ "    load_balancers: [ { name: l, subnets: [a, b], security_groups: [] } ]\n",
	  "13:68: error: an application load balancer needs at least one security group "
	  "(leave 'security_groups' out for 'default')" },
	{ "    load_balancers: [ { name: l, subnets: [a, b], security_groups: [default, nope] } ]\n",
	  "13:78: error: unknown security group 'nope'" },
	{ "    load_balancers: [ { name: l, subnets: [a, b], cross_zone: false } ]\n",
	  "13:63: error: cross_zone is always on for application load balancers (AWS)" },
	{ "    load_balancers: [ { name: l, subnets: [a, b], elastic_ips: { a: e1 } } ]\n",
	  "13:64: error: elastic_ips are for internet-facing network load balancers (AWS)" },
	{ "    load_balancers: [ { name: l, type: network, scheme: internet-facing, subnets: [a], elastic_ips: { b: e1 } } ]\n",
	  "13:103: error: 'b' is not one of load balancer 'l''s subnets" },
	{ "    load_balancers: [ { name: l, type: network, scheme: internet-facing, subnets: [a], elastic_ips: { a: e2 } } ]\n",
	  "13:106: error: elastic ip 'e2' is already associated with instance 'web1'" },
	{ "    load_balancers: [ { name: l, type: network, scheme: internet-facing, subnets: [a], elastic_ips: { a: e9 } } ]\n",
	  "13:106: error: unknown elastic ip 'e9'" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [ { subnet: a, ip: 10.0.2.9 } ] } ]\n",
	  "13:77: error: ip 10.0.2.9 is not inside subnet 'a' 10.0.1.0/24" },
	/* Listeners. */
	{ "    target_groups: [ { name: t, protocol: http, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: http, port: 80, forward: t } ] } ]\n",
	  "14:88: error: a network load balancer's listener protocol must be tcp, udp or "
	  "tcp_udp, not 'http'" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, subnets: [a, b], listeners: [ { protocol: tcp, port: 80, default: t } ] } ]\n",
	  "14:76: error: an application load balancer's listener protocol must be http, not 'tcp'" },
	{ "    target_groups: [ { name: t, protocol: udp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t } ] } ]\n",
	  "14:112: error: target group 't' is udp: a tcp listener forwards to tcp target groups" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: far-tg } ] } ]\n",
	  "13:112: error: target group 'far-tg' is in vpc 'other', not in vpc 'main'" },
	{ "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80 } ] } ]\n",
	  "13:76: error: missing required key 'forward' in listener (the target group it "
	  "forwards to)" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t, default: t } ] } ]\n",
	  "14:124: error: a listener has one default action: 'forward' or 'default', not both" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t },\n"
	  "      { protocol: tcp, port: 80, forward: t } ] } ]\n",
	  "15:30: error: port 80 already has the listener at 14:76" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t, idle_timeout: 59 } ] } ]\n",
	  "14:129: error: idle_timeout 59 is out of range 60..6000" },
	{ "    target_groups: [ { name: t, protocol: udp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: udp, port: 80, forward: t, idle_timeout: 60 } ] } ]\n",
	  "14:129: error: the idle timeout of udp listeners is fixed (AWS): only tcp "
	  "listeners take idle_timeout" },
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers:\n"
	  "      - { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t } ] }\n"
	  "      - { name: m, type: network, subnets: [b], listeners: [ { protocol: tcp, port: 80, forward: t } ] }\n",
	  "16:98: error: target group 't' is already used by load balancer 'l': a target "
	  "group belongs to one load balancer (AWS)" },
	/* Listener rules. */
	{ "    target_groups: [ { name: t, protocol: tcp, port: 80 } ]\n"
	  "    load_balancers: [ { name: l, type: network, subnets: [a], listeners: [ { protocol: tcp, port: 80, forward: t,\n"
	  "      rules: [ { priority: 1, path: /, forward: t } ] } ] } ]\n",
	  "15:16: error: listener rules are for application load balancers" },
#define ALB "    target_groups: [ { name: t, protocol: http, port: 80 } ]\n" \
	    "    load_balancers: [ { name: l, subnets: [a, b], listeners: [ { protocol: http, port: 80, default: t,\n"
	{ ALB "      rules: [ { priority: 0, path: /, forward: t } ] } ] } ]\n",
	  "15:28: error: rule priority 0 is out of range 1..50000" },
	{ ALB "      rules: [ { priority: 5, path: /a, forward: t }, { priority: 5, path: /b, forward: t } ] } ] } ]\n",
	  "15:67: error: priority 5 is already used by the rule at 15:16" },
	{ ALB "      rules: [ { priority: 5, forward: t } ] } ] } ]\n",
	  "15:16: error: a listener rule needs a condition: host, path, method, header, query or source_ip" },
	{ ALB "      rules: [ { priority: 5, path: /a } ] } ] } ]\n",
	  "15:16: error: a listener rule needs one action: forward, fixed_response or redirect" },
	{ ALB "      rules: [ { priority: 5, path: /a, forward: t, fixed_response: { status: 200 } } ] } ] } ]\n",
	  "15:16: error: a listener rule needs one action: forward, fixed_response or redirect" },
	{ ALB "      rules: [ { priority: 5, path: /a, fixed_response: { status: 302 } } ] } ] } ]\n",
	  "15:67: error: fixed_response status 302 must be 2XX, 4XX or 5XX (AWS)" },
	{ ALB "      rules: [ { priority: 5, path: /a, forward: nope } ] } ] } ]\n",
	  "15:50: error: unknown target group 'nope'" },
	{ "    region: eu-west-1\n",
	  "13:5: error: unknown key 'region' in vpc" },
};

START_TEST(each_check_at_its_place)
{
	const struct bad *b = &bad[_i];
	char yaml[4096];
	struct lt r = { 0 };
	snprintf(yaml, sizeof(yaml), "%s%s%s", BASE, b->yaml, OTHER);
	lt_run(&r, yaml);
	if (getenv("VPCLAB_SHOW_AT")) {
		char line[512];
		for (int i = 0; *lt_line(&r, i, line, sizeof(line)); i++) {
			int ln = 0, col = 0;
			sscanf(line, "%d:%d", &ln, &col);
			const char *p = yaml;
			for (int k = 1; k < ln && p; k++)
				p = strchr(p, '\n') + 1;
			printf("CASE %d: %s\n   at: [%.20s]\n", _i, line, p + col - 1);
		}
	}
	ck_assert_msg(lt_has(&r, b->want), "case %d: want\n  %s\ngot\n%s", _i, b->want, r.out);
	ck_assert_msg(r.errors == 1, "case %d: %d errors:\n%s", _i, r.errors, r.out);
	lt_done(&r);
}
END_TEST

/* Checks that need another lab than BASE. */
START_TEST(lab_wide_checks)
{
	struct lt r = { 0 };
	lt_run(&r, "region: mars\n" BASE);
	ck_assert_msg(lt_has(&r, "1:9: error: region 'mars' is not an AWS region code such as "
			     "us-east-1 or eu-west-3"), "%s", r.out);
	lt_done(&r);
	/* Internet-facing needs the VPC's internet gateway. */
	lt_run(&r, "vpcs:\n" LT_A "    subnets: [ { name: a, cidr: 10.0.1.0/24, az: a } ]\n"
	       "    load_balancers: [ { name: l, type: network, scheme: internet-facing, subnets: [a] } ]\n");
	ck_assert_msg(lt_has(&r, "5:57: error: internet-facing load balancer 'l' needs "
			     "internet_gateway: true in vpc 'main'"), "%s", r.out);
	ck_assert_int_eq(r.errors, 1);
	lt_done(&r);
	/* A node's namespace LAB-LB-SUBNET must not be an instance's LAB-NAME. */
	lt_run(&r, "vpcs:\n" LT_A "    subnets: [ { name: a, cidr: 10.0.1.0/24, az: a } ]\n"
	       "    instances: [ { name: web-a, subnet: a } ]\n"
	       "    load_balancers: [ { name: web, type: network, subnets: [a] } ]\n");
	ck_assert_msg(lt_has(&r, "6:61: error: the load balancer node's namespace LAB-web-a would "
			     "be the namespace of the instance at 5:26: rename one"), "%s", r.out);
	ck_assert_int_eq(r.errors, 1);
	lt_done(&r);
	/* Two subnets of one zone. */
	lt_run(&r, "vpcs:\n" LT_A "    subnets:\n"
	       "      - { name: a, cidr: 10.0.1.0/24, az: a }\n"
	       "      - { name: a2, cidr: 10.0.2.0/24, az: a }\n"
	       "    load_balancers: [ { name: l, type: network, subnets: [a, a2] } ]\n");
	ck_assert_msg(lt_has(&r, "7:62: error: subnets 'a' and 'a2' are both in az 'a': a load "
			     "balancer has one subnet per availability zone (AWS)"), "%s", r.out);
	ck_assert_int_eq(r.errors, 1);
	lt_done(&r);
	/* AWS quotas: 5 security groups per load balancer. */
	lt_run(&r, "vpcs:\n" LT_A "    subnets: [ { name: a, cidr: 10.0.1.0/24, az: a } ]\n"
	       "    security_groups: [ { name: g1 }, { name: g2 }, { name: g3 }, { name: g4 }, "
	       "{ name: g5 }, { name: g6 } ]\n"
	       "    load_balancers: [ { name: l, type: network, subnets: [a], "
	       "security_groups: [g1, g2, g3, g4, g5, g6] } ]\n");
	ck_assert_msg(lt_has(&r, "6:101: error: a load balancer has 6 security groups: AWS's quota "
			     "is 5 per load balancer"), "%s", r.out);
	ck_assert_int_eq(r.errors, 1);
	lt_done(&r);
}
END_TEST

/* Every error of a file at once, none stopping the others. */
START_TEST(all_errors_at_once)
{
	struct lt r = { 0 };
	lt_run(&r, BASE
	       "    target_groups: [ { name: t, protocol: tls, port: 0, targets: [nope] } ]\n"
	       "    load_balancers: [ { name: l, type: gateway, subnets: [zz] } ]\n" OTHER);
	ck_assert_msg(r.errors == 5, "%s", r.out);
	lt_done(&r);
}
END_TEST

Suite *suite_lb_model(void)
{
	Suite *s = suite_create("lb_model");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, target_groups_get_aws_defaults);
	tcase_add_test(tc, load_balancers_listeners_and_rules);
	tcase_add_test(tc, every_rule_key_compiles);
	tcase_add_test(tc, check_shows_rules_readably);
	tcase_add_test(tc, nodes_are_ports_after_hosts);
	tcase_add_test(tc, an_application_load_balancer_defaults_to_the_default_group);
	tcase_add_test(tc, dns_names_are_stable_and_in_aws_form);
	tcase_add_test(tc, lab_has_lb_says_what_up_refuses);
	tcase_add_loop_test(tc, each_check_at_its_place, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, lab_wide_checks);
	tcase_add_test(tc, apply_keeps_node_addresses);
	tcase_add_test(tc, all_errors_at_once);
	suite_add_tcase(s, tc);
	return s;
}
