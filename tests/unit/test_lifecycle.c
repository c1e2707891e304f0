/* state.c's lock and leftovers: a look at whether a lab runs never takes its lock (an `up` at
 * that moment must not be refused) nor creates the file, and what a cleanup left is put in
 * words. The lock cases need /run/vpclab (root) and are skipped without it. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/host/state.h"
#include "vpclab/ctl.h"

Suite *suite_lifecycle(void);

static void unit_lab(char *dst, size_t cap)
{
	snprintf(dst, cap, "unit-life-%ld", (long)getpid());
}

START_TEST(looking_at_a_lab_creates_nothing)
{
	char lab[64], path[256];
	struct stat st;
	unit_lab(lab, sizeof(lab));
	ck_assert_int_eq(state_lock_path(path, sizeof(path), lab), 0);
	ck_assert(!state_running(lab));
	ck_assert_int_ne(stat(path, &st), 0);
	ck_assert(!state_running("Not-a-name"));
}
END_TEST

START_TEST(running_follows_the_held_lock_and_never_takes_it)
{
	char lab[64], path[256];
	unit_lab(lab, sizeof(lab));
	if (geteuid() != 0 || access(VL_RUN_DIR, W_OK) < 0) {
		fprintf(stderr, "# lifecycle: %s not writable, lock cases skipped\n", VL_RUN_DIR);
		return;
	}
	int fd = state_lock(lab);
	ck_assert_int_ge(fd, 0);
	ck_assert(state_running(lab));
	/* the look did not take it: another open file still cannot, and the holder keeps it */
	ck_assert_int_eq(state_lock(lab), -EBUSY);
	ck_assert(state_running(lab));
	close(fd); /* the holder ends without removing the file: a stale file is not a lab */
	ck_assert_int_eq(state_lock_path(path, sizeof(path), lab), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert(!state_running(lab));
	fd = state_lock(lab);
	ck_assert_int_ge(fd, 0);
	state_unlock(lab, fd);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(unlock_removes_only_its_own_file)
{
	char lab[64], path[256];
	unit_lab(lab, sizeof(lab));
	if (geteuid() != 0 || access(VL_RUN_DIR, W_OK) < 0)
		return;
	ck_assert_int_eq(state_lock_path(path, sizeof(path), lab), 0);
	int old = state_lock(lab);
	ck_assert_int_ge(old, 0);
	unlink(path); /* another holder removed it ... */
	int fresh = state_lock(lab); /* ... and a new up made and locked a new one */
	ck_assert_int_ge(fresh, 0);
	state_unlock(lab, old);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert(state_running(lab));
	state_unlock(lab, fresh);
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(what_is_left_in_words)
{
	struct state_left left = {0};
	char text[512];
	ck_assert_int_eq(state_left_text(&left, "shop", text, sizeof(text)), 0);
	ck_assert_str_eq(text, "");
	left.namespaces = 2;
	snprintf(left.ns, sizeof(left.ns), "shop-web");
	left.ns_err = -EBUSY;
	left.procs = 1;
	left.proc = 4711;
	left.dir = true;
	ck_assert_int_eq(state_left_text(&left, "shop", text, sizeof(text)), -EBUSY);
	ck_assert_ptr_nonnull(strstr(text, "2 namespaces (shop-web: "));
	ck_assert_ptr_nonnull(strstr(text, "1 process inside its namespaces that outlived SIGKILL (pid 4711)"));
	ck_assert_ptr_nonnull(strstr(text, VL_RUN_DIR "/shop"));
}
END_TEST

Suite *suite_lifecycle(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("lock");

	tcase_add_test(tc, looking_at_a_lab_creates_nothing);
	tcase_add_test(tc, running_follows_the_held_lock_and_never_takes_it);
	tcase_add_test(tc, unlock_removes_only_its_own_file);
	tcase_add_test(tc, what_is_left_in_words);
	suite_add_tcase(s, tc);
	return s;
}
