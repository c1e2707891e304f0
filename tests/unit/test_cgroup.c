/* Per-instance cgroups' pure parts (control/host/cgroup.c): which tree a machine's mountinfo
 * gives (pure v2, hybrid's unified tree before v1's cpuacct, v1 cpuacct alone or combined with
 * cpu, none), the paths (never outside vpclab/), and the CPU time read from each kind's file. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "control/host/cgroup.h"

Suite *suite_cgroup(void);

#define MI_PURE_V2                                                                              \
	"22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"            \
	"26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "  \
	"rw,nsdelegate,memory_recursiveprot\n"                                                    \
	"30 1 0:26 / /run/netns/lab-web rw shared:12 - nsfs nsfs rw\n"

/* This machine's kind: v1 controllers one by one, the unified tree last. */
#define MI_HYBRID                                                                               \
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"                      \
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"                     \
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"             \
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"               \
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"        \
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"

#define MI_V1_COMBINED                                                                          \
	"25 24 0:22 / /sys/fs/cgroup/systemd rw shared:8 - cgroup cgroup rw,xattr,name=systemd\n"  \
	"28 24 0:25 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup cgroup rw,cpu,cpuacct\n"   \
	"29 24 0:26 / /sys/fs/cgroup/cpuset rw shared:12 - cgroup cgroup rw,cpuset\n"

START_TEST(tree_pure_v2)
{
	struct cg_tree t;
	ck_assert_int_eq(cg_pick_tree(MI_PURE_V2, &t), 0);
	ck_assert_int_eq(t.kind, CG_V2);
	ck_assert_str_eq(t.root, "/sys/fs/cgroup");
}
END_TEST

START_TEST(tree_hybrid_prefers_unified)
{
	struct cg_tree t;
	ck_assert_int_eq(cg_pick_tree(MI_HYBRID, &t), 0);
	ck_assert_int_eq(t.kind, CG_V2);
	ck_assert_str_eq(t.root, "/sys/fs/cgroup/unified");
}
END_TEST

START_TEST(tree_v1_cpuacct)
{
	struct cg_tree t;
	ck_assert_int_eq(cg_pick_tree(MI_V1_COMBINED, &t), 0);
	ck_assert_int_eq(t.kind, CG_V1);
	ck_assert_str_eq(t.root, "/sys/fs/cgroup/cpu,cpuacct");
	/* "cpu" alone is not cpuacct: the hierarchy that has it is taken. */
	ck_assert_int_eq(cg_pick_tree("32 31 0:29 / /c/cpu rw - cgroup cgroup rw,cpu\n"
				      "33 31 0:30 / /c/acct rw - cgroup cgroup rw,cpuacct\n", &t), 0);
	ck_assert_str_eq(t.root, "/c/acct");
}
END_TEST

START_TEST(tree_none)
{
	struct cg_tree t;
	ck_assert_int_eq(cg_pick_tree("", &t), -ENOTSUP);
	ck_assert_int_eq(t.kind, CG_NONE);
	/* v1 without cpuacct, a read-only v2 (a container's), a mangled line: nothing usable. */
	ck_assert_int_eq(cg_pick_tree("32 31 0:29 / /c/cpu rw - cgroup cgroup rw,cpu\n"
				      "26 22 0:23 / /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n"
				      "26 22 0:23 / /x rw cgroup2 cgroup2 rw\n", &t), -ENOTSUP);
	ck_assert_int_eq(cg_pick_tree("26 22 0:23 / /a\\040b rw - cgroup2 cgroup2 rw\n", &t), -ENOTSUP);
}
END_TEST

START_TEST(paths)
{
	char p[64];
	ck_assert_int_eq(cg_path(p, sizeof(p), "/sys/fs/cgroup", "lab", "web", "cpu.stat"), 0);
	ck_assert_str_eq(p, "/sys/fs/cgroup/vpclab/lab/web/cpu.stat");
	ck_assert_int_eq(cg_path(p, sizeof(p), "/sys/fs/cgroup", "lab", "web", NULL), 0);
	ck_assert_str_eq(p, "/sys/fs/cgroup/vpclab/lab/web");
	ck_assert_int_eq(cg_path(p, sizeof(p), "/sys/fs/cgroup", "lab", NULL, NULL), 0);
	ck_assert_str_eq(p, "/sys/fs/cgroup/vpclab/lab");
	ck_assert_int_eq(cg_path(p, 20, "/sys/fs/cgroup", "lab", "web", NULL), -ENAMETOOLONG);
	/* Nothing that could name a directory outside vpclab/. */
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "..", "web", NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "lab", "..", NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "lab", ".", NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "lab", "a/b", NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "", NULL, NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(cg_path(p, sizeof(p), "/r", "lab", "web", "../cgroup.procs"), -EINVAL);
}
END_TEST

START_TEST(usage_text)
{
	uint64_t us = 0;
	ck_assert_int_eq(cg_parse_usage(CG_V2, "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n", &us), 0);
	ck_assert_uint_eq(us, 1234567);
	ck_assert_int_eq(cg_parse_usage(CG_V2, "nr_periods 0\nusage_usec 42\n", &us), 0);
	ck_assert_uint_eq(us, 42);
	ck_assert_int_eq(cg_parse_usage(CG_V2, "user_usec 5\n", &us), -EINVAL);
	ck_assert_int_eq(cg_parse_usage(CG_V2, "xusage_usec 5\n", &us), -EINVAL);
	ck_assert_int_eq(cg_parse_usage(CG_V1, "2500999\n", &us), 0);
	ck_assert_uint_eq(us, 2500); /* ns */
	ck_assert_int_eq(cg_parse_usage(CG_V1, "", &us), -EINVAL);
}
END_TEST

Suite *suite_cgroup(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, tree_pure_v2);
	tcase_add_test(tc, tree_hybrid_prefers_unified);
	tcase_add_test(tc, tree_v1_cpuacct);
	tcase_add_test(tc, tree_none);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, usage_text);
	suite_add_tcase(s, tc);
	return s;
}
