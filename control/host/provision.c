/* Provisioning: the step of the control plane after compile and before the data plane starts.
 * It makes the named network namespaces that stand for instances (/run/netns/NAME, as
 * `ip netns add` does) and configures an instance's eth0 inside one with a single netlink batch
 * (libmnl: one sendmsg, the answers read together). It never runs ip(8). The tap behind eth0
 * is opened by dataplane/tap.c while the thread is inside the namespace (prov_netns_new). */
#include "control/host/provision.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define PROV_NETNS_DIR  "/run/netns"
/* thread-self, not self: a namespace is a property of the thread, and /proc/self names the
 * main thread's even when another thread asks. */
#define PROV_SELF_NETNS "/proc/thread-self/ns/net"

/* Text of the last failure, per thread because the namespace dance is per thread too. */
static _Thread_local char prov_err_text[256];

const char *prov_last_error(void)
{
	return prov_err_text;
}

/* Every public function starts with a clean slate, so the text never describes an older call. */
static void prov_clear_error(void)
{
	prov_err_text[0] = '\0';
}

/* Records "WHAT: strerror(-err)" and returns err (a negative errno), so failures read
 * `return prov_fail(-errno, "...")`. */
static int prov_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int prov_fail(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(prov_err_text, sizeof(prov_err_text), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(prov_err_text))
		snprintf(prov_err_text + n, sizeof(prov_err_text) - n, ": %s", strerror(-err));
	return err;
}

/* A namespace name becomes one path component under /run/netns: the same rule as ip-netns. */
static int prov_netns_path(const char *name, char *buf, size_t len)
{
	int n;

	if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > NAME_MAX)
		return prov_fail(-EINVAL, "namespace name \"%s\"", name ? name : "(null)");
	n = snprintf(buf, len, "%s/%s", PROV_NETNS_DIR, name);
	if (n < 0 || (size_t)n >= len)
		return prov_fail(-ENAMETOOLONG, "namespace name \"%s\"", name);
	return 0;
}

/* Puts the thread back in the namespace it came from. Failing here would leave it configuring
 * or opening taps in the wrong namespace, so callers must report it above anything else. */
static int prov_setns_back(int saved_fd)
{
	if (setns(saved_fd, CLONE_NEWNET))
		return prov_fail(-errno, "return to the original network namespace");
	return 0;
}

/* /run/netns must be a shared mount point (iproute2 does the same): then the umount in
 * prov_netns_del propagates to copies of this mount in other mount namespaces, and a deleted
 * namespace is not kept alive by a forgotten copy. Bind it onto itself once to make it one. */
static int prov_netns_dir_ready_locked(void)
{
	bool bound = false;

	if (mkdir("/run", 0755) && errno != EEXIST)
		return prov_fail(-errno, "mkdir /run");
	if (mkdir(PROV_NETNS_DIR, 0755) && errno != EEXIST)
		return prov_fail(-errno, "mkdir %s", PROV_NETNS_DIR);
	while (mount("", PROV_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL)) {
		if (errno != EINVAL || bound)
			return prov_fail(-errno, "make %s a shared mount", PROV_NETNS_DIR);
		if (mount(PROV_NETNS_DIR, PROV_NETNS_DIR, "none", MS_BIND | MS_REC, NULL))
			return prov_fail(-errno, "bind-mount %s onto itself", PROV_NETNS_DIR);
		bound = true;
	}
	return 0;
}

/* Once per process (1,000 namespaces need it once, not 1,000 times), and under a lock: two
 * threads must not both bind the directory onto itself. */
static int prov_netns_dir_ready(void)
{
	static atomic_bool ready;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int err = 0;

	if (atomic_load(&ready))
		return 0;
	pthread_mutex_lock(&lock);
	if (!atomic_load(&ready)) {
		err = prov_netns_dir_ready_locked();
		if (!err)
			atomic_store(&ready, true);
	}
	pthread_mutex_unlock(&lock);
	return err;
}

/* Makes a new namespace, pins it on PATH with a bind mount of its nsfs file and, when pinned,
 * runs fn inside it. unshare moves the calling thread into the new namespace, so the thread is
 * always moved back, also when the mount fails (then nothing holds the new namespace and the
 * kernel frees it). *pinned says whether the mount exists. */
static int prov_netns_pin_new(const char *path, int (*fn)(void *arg), void *arg, bool *pinned)
{
	int saved, err = 0, back;

	saved = open(PROV_SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return prov_fail(-errno, "open %s", PROV_SELF_NETNS);
	if (unshare(CLONE_NEWNET)) {
		err = prov_fail(-errno, "unshare(CLONE_NEWNET)");
		close(saved);
		return err;
	}
	if (mount(PROV_SELF_NETNS, path, "none", MS_BIND, NULL))
		err = prov_fail(-errno, "bind-mount the new namespace on %s", path);
	else
		*pinned = true;
	if (!err && fn)
		err = fn(arg);
	back = prov_setns_back(saved);
	close(saved);
	return back ? back : err;
}

int prov_netns_new(const char *name, int (*fn)(void *arg), void *arg)
{
	char path[PATH_MAX];
	bool pinned = false;
	int fd, err;

	prov_clear_error();
	err = prov_netns_path(name, path, sizeof(path));
	if (err)
		return err;
	err = prov_netns_dir_ready();
	if (err)
		return err;
	/* O_EXCL: two labs (or two runs) must not share a namespace by accident. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return prov_fail(-errno, "create %s", path);
	close(fd);
	err = prov_netns_pin_new(path, fn, arg, &pinned);
	if (err && !pinned)
		unlink(path);
	/* A pinned namespace stays when fn fails: the caller recorded it, and its cleanup removes
	 * it with the others. */
	return err;
}

int prov_netns_add(const char *name)
{
	return prov_netns_new(name, NULL, NULL);
}

int prov_netns_del(const char *name)
{
	char path[PATH_MAX];
	int err;

	prov_clear_error();
	err = prov_netns_path(name, path, sizeof(path));
	if (err)
		return err;
	/* MNT_DETACH: a process still inside keeps the namespace, not the mount point. */
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		return prov_fail(-errno, "umount %s", path);
	if (unlink(path) && errno != ENOENT)
		return prov_fail(-errno, "remove %s", path);
	return 0;
}

int prov_in_netns(const char *name, int (*fn)(void *arg), void *arg)
{
	char path[PATH_MAX];
	int target, saved, err;

	prov_clear_error();
	err = prov_netns_path(name, path, sizeof(path));
	if (err)
		return err;
	if (!fn)
		return prov_fail(-EINVAL, "prov_in_netns without a function");
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return prov_fail(-errno, "open %s", path);
	saved = open(PROV_SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		err = prov_fail(-errno, "open %s", PROV_SELF_NETNS);
		close(target);
		return err;
	}
	/* EINVAL here usually means PATH is a plain file: a namespace whose mount is gone. */
	if (setns(target, CLONE_NEWNET)) {
		err = prov_fail(-errno, "enter namespace %s", name);
	} else {
		int back;

		err = fn(arg);
		back = prov_setns_back(saved);
		if (back)
			err = back;
	}
	close(saved);
	close(target);
	return err;
}

/* ---- netlink in one batch (libmnl), always sent from inside the namespace being configured ---- */

/* The requests of one instance, in the order the kernel runs them (it answers each, in order,
 * also after a failure). The text names the step for prov_last_error(). */
enum prov_step { PROV_V6_OFF, PROV_LO_UP, PROV_LINK_UP, PROV_ADDR, PROV_ROUTE, PROV_STEPS };

static const char *prov_step_what(enum prov_step step, const struct prov_if *cfg)
{
	switch (step) {
	case PROV_V6_OFF:  return "turn IPv6 addresses off";
	case PROV_LO_UP:   return "set lo up";
	case PROV_LINK_UP: return "set mac, mtu and up";
	case PROV_ADDR:    return "add address";
	default:           return cfg->gateway ? "add default route via the gateway"
					       : "add default route on the device";
	}
}

static bool prov_in_prefix(uint32_t a, uint32_t b, unsigned int prefix_len)
{
	uint32_t mask = prefix_len ? ~0u << (32 - prefix_len) : 0;

	return (a & mask) == (b & mask);
}

static struct nlmsghdr *prov_msg(struct mnl_nlmsg_batch *b, uint16_t type, uint16_t flags,
				 uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

/* Sets IFF_UP on a device, found by name when ifindex is 0; with cfg also its MAC and MTU. The
 * kernel applies the address and the MTU before the flags, so eth0 comes up already with its
 * final identity. */
static void prov_put_link_up(struct mnl_nlmsg_batch *b, uint32_t seq, const char *name,
			     int ifindex, const struct prov_if *cfg)
{
	struct nlmsghdr *nlh = prov_msg(b, RTM_NEWLINK, 0, seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (!ifindex)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (cfg) {
		mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(cfg->mac), cfg->mac);
		mnl_attr_put_u32(nlh, IFLA_MTU, cfg->mtu);
	}
	mnl_nlmsg_batch_next(b);
}

/* No IPv6 address of any kind on the device (addr_gen_mode none, set while it is still down):
 * then it never sends router solicitations, DAD or MLD reports into the data plane, which is
 * IPv4 only as the VPC router is (reference: no broadcast/multicast). A netlink attribute, not
 * the disable_ipv6 sysctl: the first /proc/sys/net file opened in a new namespace costs about
 * half a millisecond, half a second for 1,000 instances. */
static void prov_put_v6_off(struct mnl_nlmsg_batch *b, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = prov_msg(b, RTM_NEWLINK, 0, seq);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *spec, *inet6;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	mnl_nlmsg_batch_next(b);
}

/* NLM_F_REPLACE: configuring the same instance twice (a retried provision) is not an error. */
static void prov_put_addr(struct mnl_nlmsg_batch *b, uint32_t seq, int ifindex,
			  const struct prov_if *cfg)
{
	struct nlmsghdr *nlh = prov_msg(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, seq);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t be = htonl(cfg->ip);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = cfg->prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, be);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, be);
	mnl_nlmsg_batch_next(b);
}

/* The default route (main table) through IFINDEX. A gateway outside the instance's own prefix
 * (a /32 address) is declared on-link, as the kernel otherwise refuses it as unreachable;
 * without a gateway the route is scope link. */
static void prov_put_route(struct mnl_nlmsg_batch *b, uint32_t seq, int ifindex,
			   const struct prov_if *cfg)
{
	struct nlmsghdr *nlh = prov_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, seq);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = cfg->gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (cfg->gateway && !prov_in_prefix(cfg->gateway, cfg->ip, cfg->prefix_len))
		rtm->rtm_flags = RTNH_F_ONLINK;
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (cfg->gateway)
		mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(cfg->gateway));
	mnl_nlmsg_batch_next(b);
}

static int prov_ext_ack_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*msg = attr;
	return MNL_CB_OK;
}

/* The kernel's answer to one request: 0 or -errno; a failure's text (with the extended-ack
 * explanation, "mtu greater than device maximum", when the kernel gave one) goes to
 * prov_last_error(). Only capped acks (NETLINK_CAP_ACK, asked for) carry TLVs right after
 * struct nlmsgerr. */
static int prov_ack(const struct nlmsghdr *nlh, const char *what)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *msg = NULL;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return prov_fail(-EPROTO, "%s: short answer", what);
	if (!e->error)
		return 0;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && (nlh->nlmsg_flags & NLM_F_CAPPED))
		mnl_attr_parse(nlh, sizeof(*e), prov_ext_ack_attr, &msg);
	snprintf(prov_err_text, sizeof(prov_err_text), "%s: %s%s%s%s", what, strerror(-e->error),
		 msg ? " (" : "", msg ? mnl_attr_get_str(msg) : "", msg ? ")" : "");
	return e->error;
}

/* Sends the whole batch with one sendmsg and reads the answers together. The first failing
 * step decides the result (the kernel still ran the later ones; a retry replaces them). */
static int prov_nl_exchange(struct mnl_socket *nl, struct mnl_nlmsg_batch *b, uint32_t seq0,
			    const struct prov_if *cfg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl), answered = 0;
	int first = 0;

	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		return prov_fail(-errno, "send the netlink batch");
	while (answered < PROV_STEPS) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const void *)buf;
		int left = (int)n;

		if (n < 0)
			return first ? first : prov_fail(-errno, "read the netlink answers");
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			uint32_t step = nlh->nlmsg_seq - seq0;
			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != portid ||
			    step >= PROV_STEPS)
				continue;
			answered++;
			/* A kernel without IPv6 has nothing to turn off. */
			if (step == PROV_V6_OFF && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(struct nlmsgerr)) &&
			    ((const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error == -EAFNOSUPPORT)
				continue;
			if (!first) /* answers come in order: the first failure is the earliest step */
				first = prov_ack(nlh, prov_step_what((enum prov_step)step, cfg));
		}
	}
	return first;
}
/* ifname is one interface name, as the kernel takes it. */
static int prov_cfg_valid(const struct prov_if *cfg)
{
	if (!cfg || !cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ ||
	    strchr(cfg->ifname, '/') || !strcmp(cfg->ifname, ".") || !strcmp(cfg->ifname, ".."))
		return prov_fail(-EINVAL, "interface name \"%s\"",
				 cfg && cfg->ifname ? cfg->ifname : "(null)");
	if (cfg->prefix_len > 32)
		return prov_fail(-EINVAL, "prefix length %u", cfg->prefix_len);
	return 0;
}

/* The socket is made here, inside the namespace: it stays bound to the namespace it was
 * created in. Failure texts name the step, not the namespace or the device: the caller has
 * those and prints them around prov_last_error(). */
static int prov_configure_inside(const struct prov_if *cfg)
{
	char buf[1024];
	struct mnl_nlmsg_batch *b;
	struct mnl_socket *nl;
	struct ifreq ifr = { 0 };
	const uint32_t seq0 = 1;
	int one = 1, err;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return prov_fail(-errno, "netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = prov_fail(-errno, "bind the netlink socket");
		goto out;
	}
	/* Best effort: without them (old kernels) errors just carry no explanation. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* The address and the route need the index; any socket answers SIOCGIFINDEX. */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", cfg->ifname);
	if (ioctl(mnl_socket_get_fd(nl), SIOCGIFINDEX, &ifr) < 0) {
		err = prov_fail(-errno, "find the device");
		goto out;
	}
	b = mnl_nlmsg_batch_start(buf, sizeof(buf) / 2); /* the rest is room for the last message */
	prov_put_v6_off(b, seq0 + PROV_V6_OFF, ifr.ifr_ifindex);
	prov_put_link_up(b, seq0 + PROV_LO_UP, "lo", 0, NULL);
	prov_put_link_up(b, seq0 + PROV_LINK_UP, cfg->ifname, ifr.ifr_ifindex, cfg);
	prov_put_addr(b, seq0 + PROV_ADDR, ifr.ifr_ifindex, cfg);
	prov_put_route(b, seq0 + PROV_ROUTE, ifr.ifr_ifindex, cfg);
	err = prov_nl_exchange(nl, b, seq0, cfg);
	mnl_nlmsg_batch_stop(b);
out:
	mnl_socket_close(nl);
	return err;
}

int prov_configure_here(const struct prov_if *cfg)
{
	int err;

	prov_clear_error();
	err = prov_cfg_valid(cfg);
	return err ? err : prov_configure_inside(cfg);
}

/* prov_in_netns passes a void *; this keeps cfg const on the way through. */
struct prov_configure_call {
	const struct prov_if *cfg;
};

static int prov_configure_call_here(void *arg)
{
	return prov_configure_inside(((struct prov_configure_call *)arg)->cfg);
}

int prov_configure(const char *ns, const struct prov_if *cfg)
{
	int err;

	prov_clear_error();
	err = prov_cfg_valid(cfg);
	if (err)
		return err;
	return prov_in_netns(ns, prov_configure_call_here,
			     &(struct prov_configure_call){ .cfg = cfg });
}

/* One request on a socket of the namespace the thread is in: a local route on lo. */
int prov_local_route_here(uint32_t prefix, uint8_t len)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	int err;

	prov_clear_error();
	if (len > 32)
		return prov_fail(-EINVAL, "prefix length %u", len);
	unsigned int lo = if_nametoindex("lo");
	if (!lo)
		return prov_fail(-errno, "find lo");
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return prov_fail(-errno, "netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = prov_fail(-errno, "bind the netlink socket");
		goto out;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = 1;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = RT_TABLE_LOCAL;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_LOCAL;
	rtm->rtm_scope = RT_SCOPE_HOST;
	mnl_attr_put_u32(nlh, RTA_DST, htonl(prefix));
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = prov_fail(-errno, "send the local route");
		goto out;
	}
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		err = prov_fail(-errno, "read the netlink answer");
		goto out;
	}
	err = mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), NULL, NULL);
	err = err < 0 ? prov_fail(-errno, "add the local route") : 0;
out:
	mnl_socket_close(nl);
	return err;
}
