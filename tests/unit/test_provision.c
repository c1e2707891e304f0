/* provision.c without root: the argument checks that must refuse before any mount, unshare or
 * netlink request is made. The real namespace work is covered by tests/sys (root). */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "control/host/provision.h"

Suite *suite_provision(void);

static int never_called(void *arg)
{
	(void)arg;
	ck_abort_msg("fn must not run");
	return 0;
}

START_TEST(netns_names_are_one_path_component)
{
	static const char *const bad[] = { "", ".", "..", "a/b", "/abs", "../up" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(prov_netns_add(bad[i]), -EINVAL);
		ck_assert_int_eq(prov_netns_del(bad[i]), -EINVAL);
		ck_assert_int_eq(prov_in_netns(bad[i], never_called, NULL), -EINVAL);
	}
	ck_assert_int_eq(prov_netns_add(NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_last_error(), "namespace name"));
}
END_TEST

START_TEST(netns_name_too_long)
{
	char name[300];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(prov_netns_del(name), -EINVAL);
}
END_TEST

START_TEST(in_netns_needs_fn_and_an_existing_namespace)
{
	ck_assert_int_eq(prov_in_netns("vpclab-unit-none", NULL, NULL), -EINVAL);
	ck_assert_int_eq(prov_in_netns("vpclab-unit-does-not-exist", never_called, NULL), -ENOENT);
	ck_assert_ptr_nonnull(strstr(prov_last_error(), "/run/netns/vpclab-unit-does-not-exist"));
}
END_TEST

START_TEST(configure_refuses_bad_config)
{
	struct prov_if cfg = { .ifname = "eth0", .mtu = 9001, .ip = 0x0a00010a, .prefix_len = 24 };
	struct prov_if c;

	ck_assert_int_eq(prov_configure("vpclab-unit-none", NULL), -EINVAL);
	c = cfg;
	c.ifname = NULL;
	ck_assert_int_eq(prov_configure("vpclab-unit-none", &c), -EINVAL);
	c = cfg;
	c.ifname = "";
	ck_assert_int_eq(prov_configure("vpclab-unit-none", &c), -EINVAL);
	c = cfg;
	c.ifname = "../all";
	ck_assert_int_eq(prov_configure("vpclab-unit-none", &c), -EINVAL);
	c = cfg;
	c.ifname = "a-name-of-16-chr";
	ck_assert_int_eq(prov_configure("vpclab-unit-none", &c), -EINVAL);
	c = cfg;
	c.prefix_len = 33;
	ck_assert_int_eq(prov_configure("vpclab-unit-none", &c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_last_error(), "prefix length 33"));
	ck_assert_int_eq(prov_configure("a/b", &cfg), -EINVAL);
	/* the in-namespace form checks the same before any netlink request */
	ck_assert_int_eq(prov_configure_here(NULL), -EINVAL);
	ck_assert_int_eq(prov_configure_here(&c), -EINVAL);
	c = cfg;
	c.ifname = "a/b";
	ck_assert_int_eq(prov_configure_here(&c), -EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_last_error(), "interface name"));
}
END_TEST

START_TEST(netns_new_checks_the_name_before_anything)
{
	static const char *const bad[] = { "", ".", "..", "a/b" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(prov_netns_new(bad[i], never_called, NULL), -EINVAL);
	ck_assert_int_eq(prov_netns_new(NULL, never_called, NULL), -EINVAL);
}
END_TEST

START_TEST(error_text_is_cleared_by_the_next_call)
{
	ck_assert_int_eq(prov_netns_add(""), -EINVAL);
	ck_assert_str_ne(prov_last_error(), "");
	ck_assert_int_eq(prov_in_netns("vpclab-unit-does-not-exist", never_called, NULL), -ENOENT);
	ck_assert_ptr_null(strstr(prov_last_error(), "namespace name"));
}
END_TEST

Suite *suite_provision(void)
{
	Suite *s = suite_create("provision");
	TCase *tc = tcase_create("arguments");

	tcase_add_test(tc, netns_names_are_one_path_component);
	tcase_add_test(tc, netns_name_too_long);
	tcase_add_test(tc, in_netns_needs_fn_and_an_existing_namespace);
	tcase_add_test(tc, configure_refuses_bad_config);
	tcase_add_test(tc, error_text_is_cleared_by_the_next_call);
	tcase_add_test(tc, netns_new_checks_the_name_before_anything);
	suite_add_tcase(s, tc);
	return s;
}
