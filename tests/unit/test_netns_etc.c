/* Each namespace's resolv.conf text (control/host/netns_etc.c): instances and load balancer
 * nodes ask their VPC's base+2 with AWS's search domain per region, internet hosts the lab's
 * public resolver, the resolver's own namespace gets none; names that are not one path
 * component are refused before anything is touched. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "control/host/netns_etc.h"
#include "labtest.h"

Suite *suite_netns_etc(void);

static struct vl_tables *compile(struct lt *r, const char *yaml)
{
	lt_run(r, yaml);
	ck_assert_msg(r->errors == 0, "%s", r->out);
	struct vl_tables *t = lab_compile(r->m);
	ck_assert_ptr_nonnull(t);
	return t;
}

static uint16_t port_named(const struct vl_tables *t, const char *name)
{
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (!strcmp(t->ports[i].name, name))
			return i;
	ck_abort_msg("no port %s", name);
	return VL_NONE;
}

#define LAB_YAML(region)                                                                       \
	region "vpcs:\n"                                                                         \
	"  - name: main\n"                                                                       \
	"    cidr: 10.0.0.0/16\n"                                                                \
	"    subnets: [ { name: a, cidr: 10.0.1.0/24 } ]\n"                                      \
	"    instances: [ { name: web, subnet: a } ]\n"                                          \
	"  - name: other\n"                                                                      \
	"    cidr: 172.16.0.0/20\n"                                                              \
	"    subnets: [ { name: b, cidr: 172.16.1.0/24 } ]\n"                                    \
	"    instances: [ { name: app, subnet: b } ]\n"                                          \
	"internet:\n"                                                                            \
	"  hosts: [ { name: ext, ip: 198.51.100.10 } ]\n"

START_TEST(resolv_text_us_east_1)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile(&r, LAB_YAML(""));
	char buf[256];
	ck_assert_int_eq(netns_resolv_text(t, port_named(t, "web"), buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "# vpclab: the VPC's resolver (base+2)\nnameserver 10.0.0.2\nsearch ec2.internal\n");
	ck_assert_int_eq(netns_resolv_text(t, port_named(t, "app"), buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "nameserver 172.16.0.2\n"));
	ck_assert_int_eq(netns_resolv_text(t, port_named(t, "ext"), buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "# vpclab: the lab's public resolver\nnameserver 192.0.2.53\n");
	ck_assert_int_eq(netns_resolv_text(t, port_named(t, "web"), buf, 20), -ENOSPC);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(resolv_text_other_region)
{
	struct lt r = { 0 };
	struct vl_tables *t = compile(&r, LAB_YAML("region: eu-west-3\n"));
	char buf[256];
	ck_assert_int_eq(netns_resolv_text(t, port_named(t, "web"), buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "nameserver 10.0.0.2\nsearch eu-west-3.compute.internal\n"));
	/* The resolver's own namespace (when compile adds it) gets no file. */
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (t->ports[i].kind == VL_PORT_RESOLVER)
			ck_assert_int_eq(netns_resolv_text(t, i, buf, sizeof(buf)), -ENOENT);
	vl_tables_free(t);
	lt_done(&r);
}
END_TEST

START_TEST(remove_refuses_paths)
{
	ck_assert_int_eq(netns_etc_remove(""), -EINVAL);
	ck_assert_int_eq(netns_etc_remove(".."), -EINVAL);
	ck_assert_int_eq(netns_etc_remove("."), -EINVAL);
	ck_assert_int_eq(netns_etc_remove("a/b"), -EINVAL);
	ck_assert_int_eq(netns_etc_remove("vpclab-unit-no-such-namespace"), 0);
}
END_TEST

Suite *suite_netns_etc(void)
{
	Suite *s = suite_create("netns_etc");
	TCase *tc = tcase_create("resolv");
	tcase_add_test(tc, resolv_text_us_east_1);
	tcase_add_test(tc, resolv_text_other_region);
	tcase_add_test(tc, remove_refuses_paths);
	suite_add_tcase(s, tc);
	return s;
}
