/* lab_diff_check (control/lab/diff_check.c): what AWS refuses in a change to a running lab.
 * A subnet whose CIDR changes while an instance stays in it, or a VPC whose CIDR changes while it
 * has subnets, is one error at the new file's cidr (LINE:COL) naming DependencyViolation;
 * removing the subnet with its instances, or moving them out in the same apply, is fine. */
#include <check.h>
#include <string.h>

#include "control/lab/diff.h"
#include "labtest.h"

Suite *suite_diff_check(void);

/* Loads and checks yaml as new.yaml (keeping old's addresses when old is given, as apply does),
 * without error. */
static struct lab *load_ok(const char *yaml, const struct lab *old)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load_buffer("new.yaml", yaml, strlen(yaml), d);
	ck_assert_ptr_nonnull(m);
	if (old)
		ck_assert_int_eq(lab_keep_addresses(m, old), 0);
	int errors = lab_check(m, d);
	if (errors)
		diag_print(d, stderr);
	ck_assert_int_eq(errors, 0);
	diag_destroy(d);
	return m;
}

/* lab_diff_check(old, new): its count, and what it prints, in out. */
static int diff_check(const char *before, const char *after, char *out, size_t size)
{
	struct lab *o = load_ok(before, NULL), *n = load_ok(after, o);
	struct diag *d = diag_create();
	int errors = lab_diff_check(o, n, d);
	ck_assert_int_eq(errors, diag_errors(d));
	memset(out, 0, size); /* fmemopen leaves it alone when nothing is written */
	FILE *f = fmemopen(out, size, "w");
	ck_assert_ptr_nonnull(f);
	diag_print(d, f);
	fclose(f);
	diag_destroy(d);
	lab_free(o);
	lab_free(n);
	return errors;
}

/* Line 5 holds subnet a's cidr at column 33; line 4 the VPC's at column 11. */
#define L1 "name: dc\n"
#define L2 "vpcs:\n"
#define L3 "  - name: main\n"
#define L4(vpc) "    cidr: " vpc "\n"
#define L5(a) "    subnets: [ { name: a, cidr: " a " }, { name: b, cidr: 10.0.2.0/24 } ]\n"
#define INST(x) "    instances:\n" x

static const char BEFORE[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.1.0/24")
	INST("      - { name: web, subnet: a }\n      - { name: app, subnet: b }\n");

START_TEST(subnet_cidr_with_instance_is_an_error)
{
	char out[2048];
	const char after[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: web, subnet: a }\n      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, after, out, sizeof(out)), 1);
	ck_assert_msg(!strncmp(out, "new.yaml:5:33: error: ", 22), "got: %s", out);
	ck_assert_msg(strstr(out, "DependencyViolation"), "got: %s", out);
	ck_assert_msg(strstr(out, "subnet 'a'") && strstr(out, "'web'"), "got: %s", out);
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
}
END_TEST

START_TEST(subnet_removed_with_its_instances)
{
	char out[2048];
	const char after[] = L1 L2 L3 L4("10.0.0.0/16")
		"    subnets: [ { name: b, cidr: 10.0.2.0/24 } ]\n"
		INST("      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, after, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(instance_moved_out_in_the_same_apply)
{
	char out[2048];
	const char after[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: web, subnet: b }\n      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, after, out, sizeof(out)), 0);
	/* and removed instead of moved */
	const char gone[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, gone, out, sizeof(out)), 0);
}
END_TEST

/* Only what runs in the subnet holds it: an instance that moves into the re-addressed subnet,
 * or one added there while the running ones leave, is launched after the subnet is re-created. */
START_TEST(instances_new_to_the_subnet_do_not_hold_it)
{
	char out[2048];
	const char before[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.1.0/24")
		INST("      - { name: app, subnet: b }\n");
	const char moved_in[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: app, subnet: a }\n");
	ck_assert_int_eq(diff_check(before, moved_in, out, sizeof(out)), 0);
	const char added[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: new, subnet: a }\n      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, added, out, sizeof(out)), 0);
	/* but one that stays, among new ones, still holds it (and is the one named) */
	const char stays[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: new, subnet: a }\n      - { name: web, subnet: a }\n");
	ck_assert_int_eq(diff_check(BEFORE, stays, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "'web'"), "got: %s", out);
}
END_TEST

START_TEST(subnet_cidr_without_instances)
{
	char out[2048];
	const char before[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.1.0/24")
		INST("      - { name: app, subnet: b }\n");
	const char after[] = L1 L2 L3 L4("10.0.0.0/16") L5("10.0.3.0/24")
		INST("      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(before, after, out, sizeof(out)), 0);
}
END_TEST

START_TEST(vpc_cidr_with_subnets_is_an_error)
{
	char out[2048];
	const char after[] = L1 L2 L3 L4("10.1.0.0/16")
		"    subnets: [ { name: a, cidr: 10.1.1.0/24 }, { name: b, cidr: 10.1.2.0/24 } ]\n"
		INST("      - { name: web, subnet: a }\n      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, after, out, sizeof(out)), 1);
	ck_assert_msg(!strncmp(out, "new.yaml:4:11: error: ", 22), "got: %s", out);
	ck_assert_msg(strstr(out, "DependencyViolation") && strstr(out, "vpc 'main'"), "got: %s", out);
}
END_TEST

START_TEST(vpc_cidr_without_subnets)
{
	char out[2048];
	const char before[] = L1 L2 L3 L4("10.0.0.0/16");
	const char after[] = L1 L2 L3 L4("10.1.0.0/16");
	ck_assert_int_eq(diff_check(before, after, out, sizeof(out)), 0);
	/* a new VPC, or the same file: nothing to say */
	ck_assert_int_eq(diff_check(BEFORE, BEFORE, out, sizeof(out)), 0);
}
END_TEST

/* Two subnets re-addressed under their instances: one error each, in file order. */
START_TEST(every_violation_is_reported)
{
	char out[2048];
	const char after[] = L1 L2 L3 L4("10.0.0.0/16")
		"    subnets: [ { name: a, cidr: 10.0.3.0/24 }, { name: b, cidr: 10.0.4.0/24 } ]\n"
		INST("      - { name: web, subnet: a }\n      - { name: app, subnet: b }\n");
	ck_assert_int_eq(diff_check(BEFORE, after, out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "new.yaml:5:33: error: ") && strstr(out, "new.yaml:5:65: error: "),
		      "got: %s", out);
}
END_TEST

Suite *suite_diff_check(void)
{
	Suite *s = suite_create("diff_check");
	TCase *tc = tcase_create("diff_check");
	tcase_add_test(tc, subnet_cidr_with_instance_is_an_error);
	tcase_add_test(tc, subnet_removed_with_its_instances);
	tcase_add_test(tc, instance_moved_out_in_the_same_apply);
	tcase_add_test(tc, instances_new_to_the_subnet_do_not_hold_it);
	tcase_add_test(tc, subnet_cidr_without_instances);
	tcase_add_test(tc, vpc_cidr_with_subnets_is_an_error);
	tcase_add_test(tc, vpc_cidr_without_subnets);
	tcase_add_test(tc, every_violation_is_reported);
	suite_add_tcase(s, tc);
	return s;
}
