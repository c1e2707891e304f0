/* Provisioning through netlink (libnl-route-3): named network namespaces as `ip netns` makes
 * them (/run/netns/NAME), and the configuration of an instance's eth0 inside one. The tap itself
 * is opened by the data plane (dataplane/tap.c) while the thread is inside the namespace, so the
 * device is born there and never appears in the host's namespace. */
#ifndef VPCLAB_PROVISION_H
#define VPCLAB_PROVISION_H

#include <stdint.h>

/* Creates /run/netns/NAME, a new network namespace bind-mounted like `ip netns add`.
 * 0, -EEXIST when it already exists, or -errno. */
int prov_netns_add(const char *name);

/* Unmounts and removes /run/netns/NAME (processes still inside keep it alive until they exit).
 * 0 also when it did not exist; -errno otherwise. */
int prov_netns_del(const char *name);

/* Moves the calling thread into namespace NAME, runs fn(arg), moves it back.
 * Returns fn's result, or -errno when the namespace cannot be entered or left. */
int prov_in_netns(const char *name, int (*fn)(void *arg), void *arg);

struct prov_if {
	const char *ifname;      /* "eth0" */
	uint8_t mac[6];
	uint16_t mtu;
	uint32_t ip;             /* host order */
	uint8_t prefix_len;
	uint32_t gateway;        /* host order; 0 = default route straight on the device */
};

/* Inside namespace ns: lo up; ifname gets mac, mtu, up, ip/prefix_len; default route via gateway;
 * IPv6 disabled (the VPC router is IPv4 only, reference: no broadcast/multicast).
 * 0 or -errno. */
int prov_configure(const char *ns, const struct prov_if *cfg);

/* Added by provision.c: the text of the last failure of a prov_ function in this thread, e.g.
 * "set mac, mtu and up: Invalid argument (mtu greater than device maximum)". It names the step,
 * not the namespace or device (the caller adds those). Cleared when a prov_ call starts. */
const char *prov_last_error(void);

#endif
