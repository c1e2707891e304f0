/* load.c (+ check.c for the corpus): the spec's own example loads and checks clean with the
 * addresses the spec promises; every file of tests/unit/labs/bad/ gives exactly the diagnostic its
 * first line announces (`# expect: LINE:COL: error: message`); a file with many errors reports
 * them all; malformed input (empty, scalar, deep nesting, junk bytes, alias bombs, two documents)
 * is reported, never crashes. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labtest.h"

Suite *suite_load(void);

#define SPEC "tests/unit/labs/spec-example.yaml"
#define BAD_DIR "tests/unit/labs/bad"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	ck_assert_int_eq(addr_parse(s, &a), 0);
	return a;
}

START_TEST(spec_example_is_clean)
{
	struct lt r = { 0 };
	lt_run_path(&r, SPEC);
	ck_assert_ptr_nonnull(r.m);
	ck_assert_msg(r.errors == 0 && r.warnings == 0, "unexpected:\n%s", r.out);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(lab_name(r.m), "shop");
	lt_done(&r);
}
END_TEST

START_TEST(spec_example_addresses)
{
	struct lt r = { 0 };
	lt_run_path(&r, SPEC);
	struct lab *m = r.m;
	/* Explicit 10.0.1.10 first; then file order: nat-a (line 47) before nat-box (line 51). */
	ck_assert_uint_eq(lab_find_instance(m, "web")->addr, ip("10.0.1.10"));
	ck_assert_uint_eq(lab_find_natgw(m, "nat-a")->addr, ip("10.0.1.4"));
	ck_assert_uint_eq(lab_find_instance(m, "db")->addr, ip("10.0.2.4"));
	ck_assert_uint_eq(lab_find_instance(m, "nat-box")->addr, ip("10.0.1.5"));
	/* Pool: .0 skipped, .20 taken by nat-eip; web-eip then nat-box's auto public IP. */
	ck_assert_uint_eq(lab_find_eip(m, "nat-eip")->addr, ip("203.0.113.20"));
	ck_assert_uint_eq(lab_find_eip(m, "web-eip")->addr, ip("203.0.113.1"));
	ck_assert_uint_eq(lab_find_instance(m, "web")->public_addr, ip("203.0.113.1"));
	ck_assert_uint_eq(lab_find_instance(m, "nat-box")->public_addr, ip("203.0.113.2"));
	ck_assert_uint_eq(lab_find_instance(m, "db")->public_addr, 0);
	ck_assert_uint_eq(lab_find_host(m, "ext")->addr, ip("198.51.100.10"));
	lt_done(&r);
}
END_TEST

/* `run` is kept verbatim (the shell parses it, not us); too long is an error at the value. */
START_TEST(run_key_loaded_and_bounded)
{
	static const char head[] = "vpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"
		"    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n    instances:\n"
		"      - { name: web, subnet: a, run: ";
	struct lt r = { 0 };
	lt_run(&r, "vpcs:\n  - name: main\n    cidr: 10.0.0.0/16\n"
	       "    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n    instances:\n"
	       "      - { name: web, subnet: a, run: \"echo 'a b' > /tmp/x; sleep 1\" }\n"
	       "      - { name: db, subnet: a }\n");
	ck_assert_msg(r.errors == 0, "unexpected:\n%s", r.out);
	ck_assert_str_eq(lab_find_instance(r.m, "web")->run.s, "echo 'a b' > /tmp/x; sleep 1");
	ck_assert_ptr_null(lab_find_instance(r.m, "db")->run.s);
	lt_done(&r);

	char *big = malloc(sizeof(head) + LAB_RUN_MAX + 16);
	ck_assert_ptr_nonnull(big);
	size_t n = sizeof(head) - 1;
	memcpy(big, head, n);
	memset(big + n, 'x', LAB_RUN_MAX + 1);
	strcpy(big + n + LAB_RUN_MAX + 1, " }\n");
	struct lt r2 = { 0 };
	lt_run(&r2, big);
	ck_assert_int_eq(r2.errors, 1);
	ck_assert_msg(lt_has(&r2, "6:38: error: 'run' of instance 'web' is 4097 bytes: at most 4096"),
		      "got:\n%s", r2.out);
	lt_done(&r2);
	free(big);
}
END_TEST

START_TEST(spec_example_locations)
{
	struct lt r = { 0 };
	lt_run_path(&r, SPEC);
	const struct lab_instance *x = lab_find_instance(r.m, "db");
	ck_assert_str_eq(x->at.file, SPEC);
	ck_assert_int_eq(x->at.line, 50);
	ck_assert_int_eq(x->at.col, 9);
	ck_assert_int_eq(x->name.at.line, 50);
	ck_assert_int_eq(x->name.at.col, 17);
	ck_assert_int_eq(x->ip.s == NULL, 1);
	ck_assert_int_eq(x->ip.at.line, 50);      /* absent: the mapping's place */
	const struct lab_subnet *s = lab_find_subnet(r.m, "private-a");
	ck_assert_int_eq(s->at.line, 13);
	ck_assert_int_eq(s->at.col, 9);
	ck_assert_int_eq(s->cidr.at.line, 14);
	ck_assert_int_eq(s->cidr.at.col, 15);
	ck_assert_int_eq(r.m->n_checks, 3);
	ck_assert_str_eq(r.m->checks[2].seen_as.s, "nat-eip");
	ck_assert_int_eq(r.m->checks[2].seen_kind, LAB_REF_EIP);
	ck_assert_int_eq(r.m->checks[1].to_kind, LAB_REF_EIP);
	ck_assert_int_eq(r.m->checks[0].to_kind, LAB_REF_PORT);
	ck_assert_int_eq(r.m->checks[0].port.v, 5432);
	lt_done(&r);
}
END_TEST

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted *.yaml names of BAD_DIR; *n receives the count. */
static char **bad_files(size_t *n)
{
	DIR *d = opendir(BAD_DIR);
	ck_assert_msg(d != NULL, "cannot open %s (run from the repository root)", BAD_DIR);
	char **v = calloc(512, sizeof(*v));
	struct dirent *e;
	*n = 0;
	while ((e = readdir(d)) && *n < 512) {
		size_t len = strlen(e->d_name);
		if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml"))
			v[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), name_cmp);
	return v;
}

/* "# expect: 7:9: error: ..." -> "7:9: error: ..." */
static void bad_expect(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	buf[0] = '\0';
	char line[512] = "";
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	ck_assert_msg(!strncmp(line, "# expect: ", 10), "%s: first line is not '# expect: '", path);
	snprintf(buf, size, "%s", line + 10);
}

START_TEST(bad_corpus_first_diagnostic)
{
	size_t n, failed = 0;
	char **files = bad_files(&n);
	ck_assert_uint_ge(n, 30);
	for (size_t i = 0; i < n; i++) {
		char path[300], want[512], got[512];
		struct lt r = { 0 };
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, files[i]);
		bad_expect(path, want, sizeof(want));
		lt_run_path(&r, path);
		lt_line(&r, 0, got, sizeof(got));
		if (strcmp(want, got) || r.errors == 0) {
			fprintf(stderr, "%s:\n  want %s\n  got  %s\n", path, want, got);
			failed++;
		}
		lt_done(&r);
		free(files[i]);
	}
	free(files);
	ck_assert_msg(failed == 0, "%zu of %zu bad files gave another first diagnostic", failed, n);
}
END_TEST

/* One run shows every error, in file order, warnings included. */
START_TEST(many_errors_all_reported)
{
	struct lt r = { 0 };
	lt_run(&r,
	       "vpcs:\n"                                                           /* 1 */
	       "  - name: Main\n"                                                  /* 2 */
	       "    cidr: 10.0.0.0/8\n"                                            /* 3 */
	       "    colour: blue\n"                                                /* 4 */
	       "    subnets:\n"                                                    /* 5 */
	       "      - { name: a, cidr: 10.0.1.5/24 }\n"                          /* 6 */
	       "      - { name: a, cidr: 10.0.2.0/24, route_table: nope }\n"       /* 7 */
	       "    instances:\n"                                                  /* 8 */
	       "      - { name: x, subnet: a, ip: 10.0.2.1 }\n"                   /* 9 */
	       "      - { subnet: a, public_ip: maybe }\n"                         /* 10 */
	       "internet:\n"                                                       /* 11 */
	       "  hosts:\n"                                                        /* 12 */
	       "    - { name: x, ip: 10.0.0.9 }\n");                               /* 13 */
	const char *want[] = {
		"2:11: error: vpc name 'Main' must match [a-z][a-z0-9-]*",
		"3:11: error: vpc 'Main' 10.0.0.0/8 must be /16 to /28",
		"4:5: error: unknown key 'colour' in vpc",
		"6:26: error: 10.0.1.5/24 has host bits set; did you mean 10.0.1.0/24?",
		"7:17: error: subnet name 'a' is already used by the subnet at 6:17",
		"7:52: error: unknown route table 'nope'",
		"10:9: error: missing required key 'name' in instance",
		"10:33: error: 'public_ip' in instance must be true or false, not 'maybe'",
		"13:15: error: internet host name 'x' is already used by the instance at 9:17",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	char got[512];
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(lt_line(&r, (int)i, got, sizeof(got)), want[i]);
	ck_assert_str_eq(lt_line(&r, (int)n, got, sizeof(got)), "");
	ck_assert_int_eq(r.errors, (int)n);
	lt_done(&r);
}
END_TEST

START_TEST(missing_file)
{
	struct diag *d = diag_create();
	errno = 0;
	ck_assert_ptr_null(lab_load("tests/unit/labs/no-such-file.yaml", d));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(diag_errors(d), 1);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	diag_print(d, f);
	fclose(f);
	ck_assert_str_eq(out, "tests/unit/labs/no-such-file.yaml: error: cannot read the lab file: "
			      "No such file or directory\n");
	free(out);
	diag_destroy(d);
}
END_TEST

START_TEST(name_defaults_to_file_stem)
{
	struct lt r = { 0 };
	char got[512];
	lt_run_text(&r, "my-lab.v2.yaml", "vpcs:\n" LT_A);
	ck_assert_int_eq(r.errors, 1);
	ck_assert_str_eq(lab_name(r.m), "my-lab.v2");
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "1:1: error: lab name 'my-lab.v2' (the "
			 "file name) must match [a-z][a-z0-9-]*, at most 15 characters: set 'name:' "
			 "in the file");
	lt_done(&r);
	lt_run_text(&r, "web", "vpcs:\n" LT_A);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_str_eq(lab_name(r.m), "web");
	lt_done(&r);
	lt_run_text(&r, "web.yaml", "vpcs:\n" LT_A);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_str_eq(lab_name(r.m), "web");
	lt_done(&r);
	lt_run_text(&r, "web.yaml", "name: shop\nvpcs:\n" LT_A);
	ck_assert_str_eq(lab_name(r.m), "shop");
	lt_done(&r);
}
END_TEST

/* Structural inputs that are no lab at all: reported, NULL or a model, never a crash. */
static void expect_first(const char *name, const char *yaml, const char *want)
{
	struct lt r = { 0 };
	char got[512];
	lt_run_text(&r, name, yaml);
	ck_assert_int_ge(r.errors, 1);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), want);
	lt_done(&r);
}

START_TEST(malformed_inputs)
{
	expect_first("t.yaml", "", "1:1: error: the lab file is empty");
	expect_first("t.yaml", "# only a comment\n", "1:1: error: the lab file is empty");
	expect_first("t.yaml", "42\n", "1:1: error: lab must be a mapping, not '42'");
	expect_first("t.yaml", "- a\n- b\n", "1:1: error: lab must be a mapping, not a list");
	expect_first("t.yaml", "vpcs: [\n", "2:1: error: invalid yaml: did not find expected node "
		     "content (while parsing a flow node at 2:1)");
	expect_first("t.yaml", "a: b\n\x01\n", "2:1: error: invalid yaml: control characters are "
		     "not allowed");
	expect_first("t.yaml", "name: a\nname: b\nvpcs: []\n", "2:1: error: duplicate key 'name' in lab");
	expect_first("t.yaml", "vpcs: []\n---\nvpcs: []\n", "1:7: error: 'vpcs' is empty: a lab "
		     "needs at least one vpc");
	expect_first("t.yaml", "vpcs:\n" LT_A "---\nvpcs: []\n", "5:1: error: a lab file holds one "
		     "yaml document, this is a second");
	expect_first("t.yaml", "vpcs: &a [ *a ]\n", "1:7: error: vpc must be a mapping, not a list");
	expect_first("t.yaml", "? [a]\n: b\nvpcs: []\n", "1:3: error: keys in lab must be names, not a list");
	expect_first("t.yaml", "vpcs:\n  - &v { name: a, cidr: 10.0.0.0/16, subnets: [ *v ] }\n",
		     "2:38: error: unknown key 'subnets' in subnet");
}
END_TEST

START_TEST(deep_nesting)
{
	size_t depth = 200000;
	char *yaml = malloc(2 * depth + 16);
	strcpy(yaml, "vpcs: ");
	memset(yaml + 6, '[', depth);
	memset(yaml + 6 + depth, ']', depth);
	strcpy(yaml + 6 + 2 * depth, "\n");
	struct lt r = { 0 };
	char got[512];
	lt_run(&r, yaml);
	ck_assert_ptr_null(r.m);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)),
			 " error: the lab file nests deeper than 256 levels");
	lt_done(&r);
	/* Block nesting on one line: "- - - - ... x". */
	for (size_t i = 0; i < depth; i++)
		memcpy(yaml + 2 * i, "- ", 2);
	strcpy(yaml + 2 * depth, "x\n");
	lt_run(&r, yaml);
	ck_assert_ptr_null(r.m);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)),
			 " error: the lab file nests deeper than 256 levels");
	lt_done(&r);
	/* 200 levels are fine for the reader; the loader rejects them by type, without recursion. */
	strcpy(yaml, "vpcs: ");
	memset(yaml + 6, '[', 200);
	memset(yaml + 206, ']', 200);
	strcpy(yaml + 406, "\n");
	lt_run(&r, yaml);
	ck_assert_ptr_nonnull(r.m);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)), "1:8: error: vpc must be a mapping, not a list");
	lt_done(&r);
	free(yaml);
}
END_TEST

START_TEST(junk_bytes)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	char *buf = malloc(4097);
	for (int round = 0; round < 64; round++) {
		for (int i = 0; i < 4096; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			/* Half the rounds printable YAML-ish noise, half raw bytes (NUL ends the text). */
			buf[i] = round & 1 ? (char)("{}[]:,- \n#&*!|>'\"abc019"[s % 24]) : (char)(s | 1);
		}
		buf[4096] = '\0';
		struct lt r = { 0 };
		lt_run(&r, buf);
		ck_assert_int_ge(r.errors, 1);
		lt_done(&r);
	}
	free(buf);
}
END_TEST

/* Aliases can expand a small file exponentially: the loader stops at its budget. */
START_TEST(alias_bomb)
{
	char *yaml = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&yaml, &len);
	fputs("r: &r { destination: 0.0.0.0/0, target: blackhole }\nt: &t { name: t, routes: [", f);
	for (int i = 0; i < 200; i++)
		fputs(i ? ", *r" : "*r", f);
	fputs("] }\nv: &v { name: v, cidr: 10.0.0.0/16, route_tables: [", f);
	for (int i = 0; i < 200; i++)
		fputs(i ? ", *t" : "*t", f);
	fputs("] }\nvpcs: [", f);
	for (int i = 0; i < 200; i++)
		fputs(i ? ", *v" : "*v", f);
	fputs("]\n", f);
	fclose(f);
	struct lt r = { 0 };
	lt_run(&r, yaml);
	ck_assert_int_ge(r.errors, 1);
	ck_assert(strstr(r.out, "error: the lab file expands to too many objects") != NULL);
	lt_done(&r);
	free(yaml);
}
END_TEST

/* The whole of a file, for comparing lab_load_buffer with lab_load. */
static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len), *in = fopen(path, "rb");
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(in != NULL, "cannot open %s", path);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(in);
	fclose(out);
	return buf;
}

/* Buffer and path loaders are one loader: the same bytes under the same name print the same
 * diagnostics, for the spec's example and every file of the bad corpus. */
START_TEST(buffer_same_as_path)
{
	size_t n, failed = 0;
	char **files = bad_files(&n);
	ck_assert_uint_ge(n, 30);
	for (size_t i = 0; i <= n; i++) {
		char path[300];
		if (i < n)
			snprintf(path, sizeof(path), "%s/%s", BAD_DIR, files[i]);
		else
			snprintf(path, sizeof(path), "%s", SPEC);
		size_t len;
		char *text = slurp(path, &len);
		struct lt a = { 0 }, b = { 0 };
		lt_run_path(&a, path);
		struct diag *d = diag_create();
		ck_assert_ptr_nonnull(d);
		snprintf(b.path, sizeof(b.path), "%s", path);
		b.m = lab_load_buffer(path, text, len, d);
		lt_finish(&b, d);
		if (strcmp(a.out, b.out) || a.errors != b.errors || !a.m != !b.m) {
			fprintf(stderr, "%s:\n  path:   %s\n  buffer: %s\n", path, a.out, b.out);
			failed++;
		}
		if (a.m && b.m)
			ck_assert_str_eq(lab_name(a.m), lab_name(b.m));
		lt_done(&a);
		lt_done(&b);
		free(text);
		if (i < n)
			free(files[i]);
	}
	free(files);
	ck_assert_msg(failed == 0, "%zu files load differently from a buffer", failed);
}
END_TEST

/* The buffer is len bytes, not a C string: what follows is never read, NULs inside are bytes. */
START_TEST(buffer_is_bounded_by_len)
{
	static const char text[] = "vpcs:\n" LT_A "colour: blue\n";
	struct diag *d = diag_create();
	struct lt r = { 0 };
	snprintf(r.path, sizeof(r.path), "b.yaml");
	r.m = lab_load_buffer("b.yaml", text, strlen("vpcs:\n" LT_A), d);
	lt_finish(&r, d);
	ck_assert_msg(r.errors == 0, "read past len:\n%s", r.out);
	ck_assert_str_eq(lab_name(r.m), "b");
	lt_done(&r);

	static const char nul[] = "name: a\n\0vpcs: []\n";
	d = diag_create();
	snprintf(r.path, sizeof(r.path), "n.yaml");
	r.m = lab_load_buffer("n.yaml", nul, sizeof(nul) - 1, d);
	char got[512];
	lt_finish(&r, d);
	ck_assert_int_ge(r.errors, 1);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)),
			 "2:1: error: invalid yaml: control characters are not allowed");
	lt_done(&r);

	d = diag_create();
	errno = 0;
	ck_assert_ptr_null(lab_load_buffer("e.yaml", NULL, 0, d));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(diag_errors(d), 1);
	diag_destroy(d);
}
END_TEST

/* The size cap holds for a buffer as for a file. */
START_TEST(buffer_too_big)
{
	size_t len = (16u << 20) + 2;
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memset(text, '#', len);
	struct diag *d = diag_create();
	struct lt r = { 0 };
	snprintf(r.path, sizeof(r.path), "big.yaml");
	r.m = lab_load_buffer("big.yaml", text, len, d);
	char got[512];
	lt_finish(&r, d);
	ck_assert_ptr_null(r.m);
	ck_assert_str_eq(lt_line(&r, 0, got, sizeof(got)),
			 " error: the lab file is larger than 16 MiB");
	lt_done(&r);
	free(text);
}
END_TEST

Suite *suite_load(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("load");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, spec_example_is_clean);
	tcase_add_test(tc, spec_example_addresses);
	tcase_add_test(tc, spec_example_locations);
	tcase_add_test(tc, run_key_loaded_and_bounded);
	tcase_add_test(tc, bad_corpus_first_diagnostic);
	tcase_add_test(tc, many_errors_all_reported);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, name_defaults_to_file_stem);
	tcase_add_test(tc, malformed_inputs);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, junk_bytes);
	tcase_add_test(tc, alias_bomb);
	tcase_add_test(tc, buffer_same_as_path);
	tcase_add_test(tc, buffer_is_bounded_by_len);
	tcase_add_test(tc, buffer_too_big);
	suite_add_tcase(s, tc);
	return s;
}
