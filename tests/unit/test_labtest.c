/* The parts of `vpclab test` that need no root: how a check reads in reports, which checks --only
 * selects, the human/TAP lines, JUnit escaping and the document, checks files kept apart from
 * the lab (loaded with the lab's own rules, errors at that file's FILE:LINE:COL), the trace
 * hop a failing check names, and how a server already on a port is found (sock_diag, in this
 * process's own namespace: no root). */
#include <arpa/inet.h>
#include <check.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/labtest/labtest.h"
#include "control/labtest/listening.h"
#include "control/tools/trace.h"
#include "dataplane/tables.h"
#include "labtest.h"

Suite *suite_labtest(void);

static const char lab_yaml[] =
	"name: shop\n"
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.0.0/24, route_table: public }\n"
	"    route_tables:\n"
	"      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }\n"
	"    instances:\n"
	"      - { name: web, subnet: public, ip: 10.0.0.10 }\n"
	"      - { name: db, subnet: public, ip: 10.0.0.11 }\n"
	"elastic_ips:\n"
	"  - { name: web-eip, ip: 203.0.113.60, instance: web }\n"
	"internet:\n"
	"  hosts: [ { name: ext, ip: 198.51.100.10 } ]\n"
	"checks:\n"
	"  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }\n"
	"  - { from: ext, to: web-eip, protocol: icmp, expect: deny }\n"
	"  - { from: web, to: ext, protocol: udp, port: 53, expect: allow, seen_as: web-eip }\n";

/* A temporary directory for the checks file (lab_load_checks reads a path); the lab itself is
 * loaded from memory as lab.yaml. */
struct tmp {
	char dir[64], other[128];
};

static void tmp_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void tmp_init(struct tmp *t, const char *checks)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/vpclab-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->other, sizeof(t->other), "%s/checks.yaml", t->dir);
	if (checks)
		tmp_write(t->other, checks);
}

static void tmp_fini(struct tmp *t)
{
	unlink(t->other);
	rmdir(t->dir);
}

/* The lab, checked, then the checks file appended and resolved as `vpclab test` does; what the
 * checks file's diagnostics print lands in *out (without the directory). */
static struct lab *load_with(struct tmp *t, int *lab_errors, int *file_errors, char **out)
{
	struct diag *d = diag_create(), *fd = diag_create();
	struct lab *m = lab_load_buffer("lab.yaml", lab_yaml, strlen(lab_yaml), d);
	ck_assert_ptr_nonnull(m);
	size_t first = m->n_checks;
	lab_load_checks(m, t->other, fd);
	size_t all = m->n_checks;
	m->n_checks = first;
	lab_check(m, d);
	m->n_checks = all;
	lab_check_checks(m, first, all - first, fd);
	*lab_errors = diag_errors(d);
	*file_errors = diag_errors(fd);
	size_t len;
	FILE *f = open_memstream(out, &len);
	diag_print(fd, f);
	fclose(f);
	diag_destroy(d);
	diag_destroy(fd);
	return m;
}

static bool has_line(const char *out, const struct tmp *t, const char *tail)
{
	char want[512];
	snprintf(want, sizeof(want), "%s%s\n", t->other, tail);
	return strstr(out, want) != NULL;
}

START_TEST(check_text)
{
	struct lt r = { 0 };
	char buf[192];
	lt_run(&r, lab_yaml);
	ck_assert_msg(r.errors == 0, "%s", r.out);
	ck_assert_uint_eq(r.m->n_checks, 3);
	ck_assert_str_eq(labtest_check_head(&r.m->checks[0], buf, sizeof(buf)), "web -> db tcp/5432");
	ck_assert_str_eq(labtest_check_text(&r.m->checks[0], buf, sizeof(buf)),
			 "web -> db tcp/5432 allow");
	ck_assert_str_eq(labtest_check_text(&r.m->checks[1], buf, sizeof(buf)),
			 "ext -> web-eip icmp deny");
	ck_assert_str_eq(labtest_check_text(&r.m->checks[2], buf, sizeof(buf)),
			 "web -> ext udp/53 allow seen_as web-eip");
	/* bounded: a short buffer is cut, never overrun */
	char small[8];
	ck_assert_str_eq(labtest_check_text(&r.m->checks[0], small, sizeof(small)), "web -> ");
	lt_done(&r);
}
END_TEST

START_TEST(only_glob)
{
	struct lt r = { 0 };
	lt_run(&r, lab_yaml);
	const struct lab_check *k = r.m->checks;
	ck_assert(labtest_selected(&k[0], "web*"));          /* text and from */
	ck_assert(labtest_selected(&k[0], "web"));           /* the from name alone */
	ck_assert(!labtest_selected(&k[1], "web"));
	ck_assert(labtest_selected(&k[1], "*web-eip*"));     /* the text */
	ck_assert(labtest_selected(&k[0], "*tcp/5432*"));
	ck_assert(!labtest_selected(&k[2], "*tcp/*"));
	ck_assert(labtest_selected(&k[2], "* seen_as web-eip"));
	ck_assert(labtest_selected(&k[1], "e?t"));
	ck_assert(!labtest_selected(&k[0], "db"));           /* `to` alone is not the from name */
	ck_assert(labtest_selected(&k[0], "*"));
	lt_done(&r);
}
END_TEST

static char *junit_text(const char *s)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	junit_escape(s, f);
	fclose(f);
	return buf;
}

START_TEST(junit_escaping)
{
	const struct { const char *in, *out; } cases[] = {
		{ "web -> db tcp/5432 allow", "web -&gt; db tcp/5432 allow" },
		{ "a<b & \"c\" 'd'", "a&lt;b &amp; &quot;c&quot; &apos;d&apos;" },
		{ "tab\there\nline", "tab&#9;here&#10;line" },
		{ "bell\a esc\x1b del\x7f", "bell? esc? del?" },
		{ "caf\xc3\xa9 \xe2\x86\x92 ok", "caf\xc3\xa9 \xe2\x86\x92 ok" },   /* valid UTF-8 kept */
		{ "bad \xff \xc3 end", "bad ? ? end" },                          /* invalid: '?' */
		{ "overlong \xc0\xaf", "overlong ??" },
		{ "surrogate \xed\xa0\x80", "surrogate ???" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = junit_text(cases[i].in);
		ck_assert_msg(!strcmp(got, cases[i].out), "case %zu: got '%s'", i, got);
		free(got);
	}
}
END_TEST

static struct lt_outcome outcome(bool pass)
{
	struct lt_outcome o = { .pass = pass, .ms = 1234 };
	snprintf(o.head, sizeof(o.head), "ext -> db tcp/22");
	snprintf(o.text, sizeof(o.text), "ext -> db tcp/22 deny");
	snprintf(o.where, sizeof(o.where), "lab.yaml:40:5");
	if (!pass)
		snprintf(o.message, sizeof(o.message), "expected deny, got allow  (trace: sg db "
			 "ingress rule 2 tcp 22 0.0.0.0/0 allow)");
	return o;
}

START_TEST(junit_document)
{
	struct lt_outcome v[2] = { outcome(true), outcome(false) };
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(junit_write(f, "shop & co", v, 2, 1.5), 0);
	fclose(f);
	ck_assert(strstr(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") == buf);
	ck_assert(strstr(buf, "<testsuite name=\"shop &amp; co\" tests=\"2\" failures=\"1\""));
	ck_assert(strstr(buf, "<testcase classname=\"shop &amp; co\" name=\"ext -&gt; db tcp/22 deny\""
			      " file=\"lab.yaml:40:5\" time=\"1.234\"/>"));
	ck_assert(strstr(buf, "<failure message=\"expected deny, got allow  (trace: sg db ingress "
			      "rule 2 tcp 22 0.0.0.0/0 allow)\" type=\"check-failed\">"));
	ck_assert(strstr(buf, "</testsuite>\n</testsuites>\n"));
	ck_assert(!strstr(buf, "->"));   /* every '>' of the text is escaped */
	free(buf);
}
END_TEST

START_TEST(report_lines)
{
	struct lt_outcome ok = outcome(true), bad = outcome(false);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	labtest_line(&ok, f);
	labtest_line(&bad, f);
	snprintf(ok.note, sizeof(ok.note), "(the reply did not come back)");
	labtest_line(&ok, f);
	labtest_tap(&ok, 1, f);
	labtest_tap(&bad, 2, f);
	fclose(f);
	ck_assert_str_eq(buf,
		"PASS  ext -> db tcp/22 deny\n"
		"FAIL  ext -> db tcp/22 expected deny, got allow  (trace: sg db ingress rule 2 tcp 22 "
		"0.0.0.0/0 allow)\n"
		"PASS  ext -> db tcp/22 deny (the reply did not come back)\n"
		"ok 1 - ext -> db tcp/22 deny\n"
		"not ok 2 - ext -> db tcp/22 deny\n"
		"  ---\n"
		"  message: \"expected deny, got allow  (trace: sg db ingress rule 2 tcp 22 0.0.0.0/0 "
		"allow)\"\n"
		"  at: \"lab.yaml:40:5\"\n"
		"  ...\n");
	free(buf);
}
END_TEST

START_TEST(checks_file_appends)
{
	struct tmp t;
	tmp_init(&t, "# prod expectations\n"
		     "checks:\n"
		     "  - { from: db, to: web, protocol: tcp, port: 22, expect: deny }\n"
		     "  - { from: ext, to: 203.0.113.60, protocol: tcp, port: 80, expect: allow }\n");
	int le, fe;
	char *out;
	struct lab *m = load_with(&t, &le, &fe, &out);
	ck_assert_msg(le == 0 && fe == 0, "%s", out);
	ck_assert_uint_eq(m->n_checks, 5);
	const struct lab_check *k = &m->checks[3];
	ck_assert_str_eq(k->from.s, "db");
	ck_assert_str_eq(k->at.file, t.other);          /* locations name the checks file */
	ck_assert_int_eq(k->at.line, 3);
	ck_assert_uint_eq(k->from_port, lab_find_instance(m, "db")->gidx);
	ck_assert_uint_eq(k->to_kind, LAB_REF_PORT);
	ck_assert_uint_eq(m->checks[4].to_kind, LAB_REF_ADDR);
	ck_assert_str_eq(m->checks[0].at.file, "lab.yaml");  /* the lab's own keep theirs */
	free(out);
	lab_free(m);
	tmp_fini(&t);
}
END_TEST

START_TEST(checks_file_errors)
{
	struct tmp t;
	tmp_init(&t, "checks:\n"
		     "  - { from: web, to: db, protocol: tcp, port: 5432, expect: allow }\n"
		     "  - { from: admn, to: db, protocol: tcp, port: 22, expect: deny }\n"
		     "  - { from: web, to: nowhere, protocol: udp, port: 53, expect: maybe }\n"
		     "  - { from: web, to: db, protocol: tcp, expect: allow, colour: red }\n"
		     "  - { from: web, to: ext, protocol: tcp, port: 80, expect: allow, seen_as: db }\n");
	int le, fe;
	char *out;
	struct lab *m = load_with(&t, &le, &fe, &out);
	ck_assert_int_eq(le, 0);                        /* the lab itself is fine */
	ck_assert_msg(has_line(out, &t, ":3:13: error: unknown instance or internet host 'admn'"), "%s", out);
	ck_assert_msg(has_line(out, &t, ":4:22: error: unknown check target 'nowhere': not an "
			       "instance, an internet host, a load balancer, an elastic ip, an ipv4 address or a DNS name"), "%s", out);
	ck_assert_msg(has_line(out, &t, ":4:64: error: expect must be allow or deny, not 'maybe'"), "%s", out);
	ck_assert_msg(has_line(out, &t, ":5:56: error: unknown key 'colour' in check"), "%s", out);
	ck_assert_msg(has_line(out, &t, ":5:5: error: a tcp check needs 'port'"), "%s", out);
	ck_assert_msg(has_line(out, &t, ":6:76: error: seen_as 'db' is not an elastic ip or an ipv4 "
			       "address"), "%s", out);
	ck_assert_int_eq(fe, 6);
	free(out);
	lab_free(m);
	tmp_fini(&t);
}
END_TEST

/* Only `checks:` may be in a checks file: a whole lab is refused key by key, other shapes whole. */
START_TEST(checks_file_shape)
{
	const struct { const char *text, *diag; } cases[] = {
		{ "name: x\nchecks: []\n", ":1:1: error: unknown key 'name' in checks file" },
		{ "checks: {}\n", ":1:9: error: 'checks' in checks file must be a list, not a mapping" },
		{ "- { from: web }\n", ":1:1: error: checks file must be a mapping, not a list" },
		{ "other: 1\n", ":1:1: error: missing required key 'checks' in checks file" },
		{ "", ":1:1: error: the checks file is empty" },
		{ "checks: [\n", ":2:1: error: invalid yaml" },
		{ "checks: []\n---\nchecks: []\n", ":3:1: error: a lab file holds one yaml document" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmp t;
		tmp_init(&t, cases[i].text);
		int le, fe;
		char *out;
		struct lab *m = load_with(&t, &le, &fe, &out);
		char want[256];
		snprintf(want, sizeof(want), "%s%s", t.other, cases[i].diag);
		ck_assert_msg(fe >= 1 && strstr(out, want), "case %zu: %s", i, out);
		ck_assert_uint_eq(m->n_checks, 3);      /* nothing appended */
		free(out);
		lab_free(m);
		tmp_fini(&t);
	}
}
END_TEST

START_TEST(checks_file_missing)
{
	struct tmp t;
	tmp_init(&t, NULL);
	int le, fe;
	char *out;
	struct lab *m = load_with(&t, &le, &fe, &out);
	ck_assert_int_eq(fe, 1);
	ck_assert_msg(has_line(out, &t, ": error: cannot read the checks file: No such file or "
			       "directory"), "%s", out);
	free(out);
	lab_free(m);
	tmp_fini(&t);
}
END_TEST

static const char decider_lab[] =
	"vpcs:\n"
	"  - name: main\n"
	"    cidr: 10.0.0.0/16\n"
	"    internet_gateway: true\n"
	"    subnets:\n"
	"      - { name: public, cidr: 10.0.0.0/24, route_table: public }\n"
	"      - { name: private, cidr: 10.0.1.0/24, route_table: private, network_acl: locked }\n"
	"    route_tables:\n"
	"      - { name: public, routes: [ { destination: 0.0.0.0/0, target: igw } ] }\n"
	"      - { name: private, routes: [ { destination: 0.0.0.0/0, target: nat } ] }\n"
	"    network_acls:\n"
	"      - name: locked\n"
	"        inbound:\n"
	"          - { rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.0.0/24 }\n"
	"          - { rule: 110, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0 }\n"
	"        outbound: [ { rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0 } ]\n"
	"    security_groups:\n"
	"      - name: db\n"
	"        inbound: [ { protocol: tcp, ports: 5432, group: default }, { protocol: tcp, ports: 22, cidr: 0.0.0.0/0 } ]\n"
	"    nat_gateways: [ { name: nat, subnet: public, elastic_ip: nat-eip } ]\n"
	"    instances:\n"
	"      - { name: web, subnet: public, ip: 10.0.0.10 }\n"
	"      - { name: db, subnet: private, ip: 10.0.1.10, security_groups: [db] }\n"
	"elastic_ips: [ { name: nat-eip, ip: 203.0.113.20 } ]\n"
	"internet: { hosts: [ { name: ext, ip: 198.51.100.10 } ] }\n";

/* The deciding hop, worded as its trace line: the rule that let a flow in, the rule or stage
 * that dropped it. */
START_TEST(decider_words)
{
	const struct { const char *from, *to; uint16_t port; const char *want; bool ret; } cases[] = {
		{ "web", "db", 5432, "sg db ingress rule 1 tcp 5432 group default allow", false },
		{ "web", "db", 22, "nacl locked in rule 110 tcp 22 0.0.0.0/0 deny", false },
		{ "web", "db", 80, "nacl locked in rule * deny", false },
		{ "ext", "nat-eip", 80, "nat nat: nat_no_mapping", false },
		{ "ext", "db", 80, "address 10.0.1.10 no interface has this address here: inet_no_host", false },
		{ "db", "ext", 443, "nacl locked in rule * deny", true },   /* the reply is refused */
		{ "web", "ext", 443, "igw main: igw_no_public_ip", false },
	};
	struct lt r = { 0 };
	lt_run(&r, decider_lab);
	ck_assert_msg(r.errors == 0, "%s", r.out);
	struct vl_tables *t = lab_compile(r.m);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(dp_tables_prepare(t), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trace_req q = { .from = cases[i].from, .to = cases[i].to, .proto = 6,
				       .port = cases[i].port, .icmp_type = -1, .with_return = true };
		struct trace_result res;
		char err[160], got[240];
		ck_assert_int_eq(trace_flow(t, &q, &res, err, sizeof(err)), 0);
		trace_decider(t, cases[i].ret ? &res.ret : &res.fwd, got, sizeof(got));
		ck_assert_msg(!strcmp(got, cases[i].want), "case %zu: got '%s'", i, got);
	}
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

/* A socket of type bound to addr (host order) on an ephemeral port, listening when TCP; its port
 * in *port. */
static int bound(int type, uint32_t addr, uint16_t *port)
{
	int fd = socket(AF_INET, type, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };
	socklen_t len = sizeof(sa);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(listening_found)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ck_assert_int_ge(nl, 0);
	uint16_t tport, uport, lport, cport;
	int t = bound(SOCK_STREAM, INADDR_ANY, &tport);
	ck_assert_int_eq(listening_on(nl, IPPROTO_TCP, tport), 1);
	ck_assert_int_eq(listening_on(nl, IPPROTO_UDP, tport), 0);   /* another protocol */
	int u = bound(SOCK_DGRAM, INADDR_ANY, &uport);
	int udp = listening_on(nl, IPPROTO_UDP, uport);
	ck_assert_msg(udp == 1 || udp == -ENOENT, "udp: %d", udp);  /* -ENOENT: no udp_diag here */
	/* only on loopback: the probe's packets never reach it */
	int l = bound(SOCK_STREAM, INADDR_LOOPBACK, &lport);
	ck_assert_int_eq(listening_on(nl, IPPROTO_TCP, lport), 0);
	/* bound but not listening: a client's port, not a server */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	ck_assert_int_eq(bind(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&sa, &len), 0);
	cport = ntohs(sa.sin_port);
	ck_assert_int_eq(listening_on(nl, IPPROTO_TCP, cport), 0);
	close(t);
	ck_assert_int_eq(listening_on(nl, IPPROTO_TCP, tport), 0);   /* gone with its socket */
	close(u);
	close(l);
	close(c);
	close(nl);
}
END_TEST

Suite *suite_labtest(void)
{
	Suite *s = suite_create("labtest");
	TCase *tc = tcase_create("labtest");
	tcase_add_test(tc, check_text);
	tcase_add_test(tc, only_glob);
	tcase_add_test(tc, junit_escaping);
	tcase_add_test(tc, junit_document);
	tcase_add_test(tc, report_lines);
	tcase_add_test(tc, checks_file_appends);
	tcase_add_test(tc, checks_file_errors);
	tcase_add_test(tc, checks_file_shape);
	tcase_add_test(tc, checks_file_missing);
	tcase_add_test(tc, decider_words);
	tcase_add_test(tc, listening_found);
	suite_add_tcase(s, tc);
	return s;
}
