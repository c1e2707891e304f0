/* lab_diff against golden plans: every tests/unit/labs/diff/NAME.before.yaml and NAME.after.yaml
 * pair is loaded and checked, diffed, printed, and compared with NAME.plan. Also: every file
 * against itself is "no changes", the JSON form carries the same changes, and addresses that
 * run are kept (lab_keep_addresses), also by the next apply (lab_pins_write / lab_pins_read).
 * VPCLAB_BLESS=1 rewrites the .plan files (then read them before committing). */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/diff.h"
#include "control/lab/pins.h"
#include "labtest.h"

Suite *suite_diff(void);

#define CORPUS "tests/unit/labs/diff"

static struct lab *load_ok(const char *path)
{
	struct lt r = { 0 };
	lt_run_path(&r, path);
	ck_assert_msg(r.m && r.errors == 0, "%s does not check:\n%s", path, r.out);
	free(r.out);
	return r.m;
}

static char *plan_text(const struct lab_plan *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	ck_assert_ptr_nonnull(f);
	lab_plan_print(p, f);
	fclose(f);
	return s;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *s = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&s, &len);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, o);
	fclose(o);
	fclose(f);
	return s;
}

static int n_pairs;

static void one_pair(const char *stem)
{
	char before[512], after[512], golden[512];
	snprintf(before, sizeof(before), CORPUS "/%s.before.yaml", stem);
	snprintf(after, sizeof(after), CORPUS "/%s.after.yaml", stem);
	snprintf(golden, sizeof(golden), CORPUS "/%s.plan", stem);
	struct lab *o = load_ok(before), *n = load_ok(after);
	struct lab_plan *p = lab_diff(o, n);
	ck_assert_ptr_nonnull(p);
	char *got = plan_text(p);
	if (getenv("VPCLAB_BLESS")) {
		FILE *f = fopen(golden, "w");
		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
	}
	char *want = slurp(golden);
	ck_assert_msg(want, "%s is missing (VPCLAB_BLESS=1 writes it)", golden);
	ck_assert_msg(!strcmp(got, want), "%s: plan differs\n--- want\n%s--- got\n%s", stem, want, got);
	free(want);
	free(got);
	lab_plan_free(p);

	/* Each file against itself: nothing to do. */
	p = lab_diff(n, n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->n, 0);
	lab_plan_free(p);
	lab_free(o);
	lab_free(n);
	n_pairs++;
}

START_TEST(golden_plans)
{
	DIR *d = opendir(CORPUS);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		const char *suf = ".before.yaml";
		if (len <= strlen(suf) || strcmp(e->d_name + len - strlen(suf), suf))
			continue;
		char stem[256];
		snprintf(stem, sizeof(stem), "%.*s", (int)(len - strlen(suf)), e->d_name);
		one_pair(stem);
	}
	closedir(d);
	ck_assert_int_ge(n_pairs, 10);
}
END_TEST

START_TEST(identical_is_no_changes)
{
	struct lab *o = load_ok(CORPUS "/identical.before.yaml");
	struct lab *n = load_ok(CORPUS "/identical.after.yaml");
	struct lab_plan *p = lab_diff(o, n);
	ck_assert_ptr_nonnull(p);
	char *got = plan_text(p);
	ck_assert_str_eq(got, "no changes\n");
	free(got);
	lab_plan_free(p);
	lab_free(o);
	lab_free(n);
}
END_TEST

START_TEST(json_has_every_change)
{
	struct lab *o = load_ok(CORPUS "/instances.before.yaml");
	struct lab *n = load_ok(CORPUS "/instances.after.yaml");
	struct lab_plan *p = lab_diff(o, n);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_gt(p->n, 0);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	ck_assert_int_eq(lab_plan_print_json(p, f), 0);
	fclose(f);
	json_error_t err;
	json_t *root = json_loads(s, 0, &err);
	ck_assert_msg(root, "bad JSON: %s\n%s", err.text, s);
	json_t *v = json_object_get(root, "changes");
	ck_assert_uint_eq(json_array_size(v), p->n);
	json_t *first = json_array_get(v, 0);
	ck_assert_str_eq(json_string_value(json_object_get(first, "kind")), p->v[0].kind);
	ck_assert_str_eq(json_string_value(json_object_get(first, "name")), p->v[0].name);
	const char *op = json_string_value(json_object_get(first, "op"));
	ck_assert(!strcmp(op, "add") || !strcmp(op, "remove") || !strcmp(op, "change"));
	json_decref(root);
	free(s);
	lab_plan_free(p);
	lab_free(o);
	lab_free(n);
}
END_TEST

#define KEEP_BEFORE                                                                          \
	"name: s\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"                             \
	"    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"                                      \
	"    instances:\n"
#define KEEP_AFTER KEEP_BEFORE "      - { name: new, subnet: a }\n"

static struct lab *load_text(const char *yaml, const struct lab *running)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer("s.yaml", yaml, strlen(yaml), d);
	ck_assert_ptr_nonnull(m);
	if (running)
		ck_assert_int_eq(lab_keep_addresses(m, running), 0);
	ck_assert_int_eq(lab_check(m, d), 0);
	diag_destroy(d);
	return m;
}

/* An instance added before a running one that left its address out: a fresh check would
 * renumber the running one (a remove and an add); with lab_keep_addresses it keeps its IP
 * and only the new one is added, with the next free address. */
START_TEST(running_addresses_are_kept)
{
	struct lab *o = load_text(KEEP_BEFORE "      - { name: web, subnet: a }\n", NULL);
	struct lab *fresh = load_text(KEEP_AFTER "      - { name: web, subnet: a }\n", NULL);
	struct lab *kept = load_text(KEEP_AFTER "      - { name: web, subnet: a }\n", o);
	struct lab_plan *p = lab_diff(o, fresh);
	char *got = plan_text(p);
	ck_assert_str_eq(got, "- instance web (subnet a, 10.0.1.4)\n+ instance web (subnet a, 10.0.1.5)\n"
			 "+ instance new (subnet a, 10.0.1.4)\n");
	free(got);
	lab_plan_free(p);
	p = lab_diff(o, kept);
	got = plan_text(p);
	ck_assert_str_eq(got, "+ instance new (subnet a, 10.0.1.5)\n");
	free(got);
	lab_plan_free(p);
	lab_free(o);
	lab_free(fresh);
	lab_free(kept);
}
END_TEST

/* The kept copy after such an apply is the new file, which a fresh check renumbers (web .5, new
 * .4); with the addresses the apply wrote beside it pinned, it is the lab that runs (web .4, new
 * .5), so the next apply adds only what it adds. */
START_TEST(pinned_kept_copy_is_what_runs)
{
	const char *text = KEEP_AFTER "      - { name: web, subnet: a }\n";
	struct lab *o = load_text(KEEP_BEFORE "      - { name: web, subnet: a }\n", NULL);
	struct lab *runs = load_text(text, o);
	char *pins = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&pins, &len);
	ck_assert_int_eq(lab_pins_write(runs, f), 0);
	fclose(f);
	ck_assert_str_eq(pins, "instance main new 10.0.1.5\npublic_ip main new 0.0.0.0\n"
			       "instance main web 10.0.1.4\npublic_ip main web 0.0.0.0\n");

	struct diag *d = diag_create();
	struct lab *kept = lab_load_buffer("s.yaml", text, strlen(text), d);
	ck_assert_ptr_nonnull(kept);
	f = fmemopen(pins, len, "r");
	ck_assert_int_eq(lab_pins_read(kept, f), 0);
	fclose(f);
	ck_assert_int_eq(lab_check(kept, d), 0);
	diag_destroy(d);
	struct lab_plan *p = lab_diff(kept, runs);
	char *got = plan_text(p);
	ck_assert_str_eq(got, "no changes\n");
	free(got);
	lab_plan_free(p);

	struct lab *next = load_text(KEEP_AFTER "      - { name: web, subnet: a }\n"
				     "      - { name: x, subnet: a, ip: 10.0.1.100 }\n", kept);
	p = lab_diff(kept, next);
	got = plan_text(p);
	ck_assert_str_eq(got, "+ instance x (subnet a, 10.0.1.100)\n");
	free(got);
	lab_plan_free(p);
	lab_free(next);
	lab_free(kept);
	lab_free(runs);
	lab_free(o);
	free(pins);
}
END_TEST

/* An auto-assigned public IP is kept too (AWS changes it only when the instance stops), by the
 * apply and, through the pins, by the next one. */
START_TEST(public_addresses_are_kept)
{
	const char *text = KEEP_BEFORE "      - { name: new, subnet: a, public_ip: true }\n"
				       "      - { name: web, subnet: a, public_ip: true }\n";
	struct lab *o = load_text(KEEP_BEFORE "      - { name: web, subnet: a, public_ip: true }\n", NULL);
	struct lab *runs = load_text(text, o);
	struct lab_plan *p = lab_diff(o, runs);
	char *got = plan_text(p);
	ck_assert_str_eq(got, "+ instance new (subnet a, 10.0.1.5)\n");
	free(got);
	lab_plan_free(p);
	ck_assert_uint_eq(runs->vpcs[0].instances[1].public_addr, 0xcb007101u); /* 203.0.113.1 */
	ck_assert_uint_eq(runs->vpcs[0].instances[0].public_addr, 0xcb007102u);

	char *pins = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&pins, &len);
	ck_assert_int_eq(lab_pins_write(runs, f), 0);
	fclose(f);
	ck_assert_str_eq(pins, "instance main new 10.0.1.5\npublic_ip main new 203.0.113.2\n"
			 "instance main web 10.0.1.4\npublic_ip main web 203.0.113.1\n");
	struct diag *d = diag_create();
	struct lab *kept = lab_load_buffer("s.yaml", text, strlen(text), d);
	ck_assert_ptr_nonnull(kept);
	f = fmemopen(pins, len, "r");
	ck_assert_int_eq(lab_pins_read(kept, f), 0);
	fclose(f);
	ck_assert_int_eq(lab_check(kept, d), 0);
	diag_destroy(d);
	p = lab_diff(kept, runs);
	got = plan_text(p);
	ck_assert_str_eq(got, "no changes\n");
	free(got);
	lab_plan_free(p);
	lab_free(kept);
	lab_free(runs);
	lab_free(o);
	free(pins);
}
END_TEST

/* The kept copy of a running lab is the file as written: an instance that kept 10.0.1.5 at an
 * apply (lab_keep_addresses) while an explicit one moved off 10.0.1.4 checks alone as 10.0.1.4.
 * lab_keep_running gives it the address it runs with, from the running tables. */
#define RUN_HEAD                                                                             \
	"name: s\nvpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n    internet_gateway: true\n"   \
	"    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"                                      \
	"    nat_gateways: [ { name: nat, subnet: a, elastic_ip: n-eip } ]\n"                    \
	"    instances:\n"
START_TEST(running_addresses_come_from_the_tables)
{
	/* what runs: web 10.0.1.5, db 10.0.1.6, nat 10.0.1.30, eips as below */
	struct lab *ran = load_text(RUN_HEAD
		"      - { name: web, subnet: a, ip: 10.0.1.5 }\n      - { name: db, subnet: a, ip: 10.0.1.6 }\n"
		"elastic_ips: [ { name: n-eip, ip: 203.0.113.9 }, { name: w-eip, ip: 203.0.113.7, instance: web } ]\n",
		NULL);
	struct vl_tables *t = lab_compile(ran);
	ck_assert_ptr_nonnull(t);
	for (uint16_t i = 0; i < t->n_natgws; i++)
		t->natgws[i].ip = 0x0a00011e; /* 10.0.1.30: as if kept at an apply */
	/* the kept copy leaves every address out: alone, it would check as web .4, db .5, nat .6 */
	const char *kept = RUN_HEAD
		"      - { name: web, subnet: a }\n      - { name: db, subnet: a }\n"
		"      - { name: new, subnet: a }\n"
		"elastic_ips: [ { name: n-eip }, { name: w-eip, instance: web } ]\n";
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer("s.yaml", kept, strlen(kept), d);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(lab_keep_running(m, t), 0);
	if (lab_check(m, d) != 0) {
		diag_print(d, stderr);
		ck_abort_msg("the kept copy does not check");
	}
	diag_destroy(d);
	ck_assert_uint_eq(m->vpcs[0].instances[0].addr, 0x0a000105);
	ck_assert_uint_eq(m->vpcs[0].instances[1].addr, 0x0a000106);
	ck_assert_uint_eq(m->vpcs[0].natgws[0].addr, 0x0a00011e);
	ck_assert_uint_eq(m->vpcs[0].instances[2].addr, 0x0a000104); /* not running: the lowest free */
	ck_assert_uint_eq(m->eips[0].addr, 0xcb007109);
	ck_assert_uint_eq(m->eips[1].addr, 0xcb007107);
	/* so against what runs, only the new instance is a change */
	struct lab_plan *p = lab_diff(ran, m);
	char *got = plan_text(p);
	ck_assert_msg(strstr(got, "+ instance new (subnet a, 10.0.1.4)\n") && !strstr(got, "instance web") &&
		      !strstr(got, "instance db"), "got:\n%s", got);
	free(got);
	lab_plan_free(p);
	lab_free(m);
	lab_free(ran);
	vl_tables_free(t);
}
END_TEST

Suite *suite_diff(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");
	tcase_add_test(tc, golden_plans);
	tcase_add_test(tc, identical_is_no_changes);
	tcase_add_test(tc, json_has_every_change);
	tcase_add_test(tc, running_addresses_are_kept);
	tcase_add_test(tc, pinned_kept_copy_is_what_runs);
	tcase_add_test(tc, public_addresses_are_kept);
	tcase_add_test(tc, running_addresses_come_from_the_tables);
	suite_add_tcase(s, tc);
	return s;
}
