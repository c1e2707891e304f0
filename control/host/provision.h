/* Provisioning: named network namespaces as `ip netns` makes them (/run/netns/NAME), and the
 * configuration of an instance's eth0 inside one in one netlink batch (libmnl). The tap itself
 * is opened by the data plane (dataplane/tap.c) while the thread is inside the namespace, so the
 * device is born there and never appears in the host's namespace. Every function works on the
 * calling thread only: several threads may provision different namespaces at once. */
#ifndef VPCLAB_PROVISION_H
#define VPCLAB_PROVISION_H

#include <stdint.h>

/* Creates /run/netns/NAME, a new network namespace bind-mounted like `ip netns add`.
 * 0, -EEXIST when it already exists, or -errno. */
int prov_netns_add(const char *name);

/* prov_netns_add, then fn(arg) run inside the new namespace by the calling thread (fn may be
 * NULL), then back: one namespace switch for everything an instance needs. When fn fails the
 * namespace stays (the caller recorded it; its cleanup removes it). fn's result, or -errno. */
int prov_netns_new(const char *name, int (*fn)(void *arg), void *arg);

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
 * no IPv6 address on ifname, so it sends no IPv6 of its own (the VPC router is IPv4 only).
 * 0 or -errno. */
int prov_configure(const char *ns, const struct prov_if *cfg);
/* The same in the namespace the calling thread is in (from a prov_netns_new callback). */
int prov_configure_here(const struct prov_if *cfg);

/* In the namespace the calling thread is in: every address of prefix/len is local, as
 * `ip route add local PREFIX/LEN dev lo table local` makes it (the lab's resolver owns
 * 169.254.253.0/24 so: one address per VPC, any of them bindable). 0 or -errno. */
int prov_local_route_here(uint32_t prefix, uint8_t len);

/* Added by provision.c: the text of the last failure of a prov_ function in this thread, e.g.
 * "set mac, mtu and up: Invalid argument (mtu greater than device maximum)". It names the step,
 * not the namespace or device (the caller adds those). Cleared when a prov_ call starts. */
const char *prov_last_error(void);

#endif
