/* Provisioning: the step of the control plane after compile and before the data plane starts.
 * It makes the named network namespaces that stand for instances (/run/netns/NAME, as
 * `ip netns add` does) and configures an instance's eth0 inside one through netlink
 * (libnl-route-3). The only file that talks netlink; it never runs ip(8). The tap behind eth0
 * is opened by dataplane/tap.c while the thread is inside the namespace (prov_in_netns). */
#include "control/host/provision.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

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
static int prov_netns_dir_ready(void)
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

/* Makes a new namespace and pins it on PATH with a bind mount of its nsfs file. unshare moves
 * the calling thread into the new namespace, so the thread is always moved back, also when
 * the mount fails (then nothing holds the new namespace and the kernel frees it). */
static int prov_netns_pin_new(const char *path)
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
	back = prov_setns_back(saved);
	close(saved);
	return back ? back : err;
}

int prov_netns_add(const char *name)
{
	char path[PATH_MAX];
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
	err = prov_netns_pin_new(path);
	if (err) {
		/* The mount may exist if only the return failed; EINVAL when it does not. */
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return err;
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

/* ---- netlink, always used from inside the namespace being configured ---- */

/* A route socket plus what the kernel said about the last failed request: libnl folds kernel
 * errnos into its own coarser codes (ENETUNREACH becomes "Unspecific failure"), so the error
 * callback keeps the errno and the extended-ack text ("mtu greater than device maximum"). */
struct prov_nl {
	struct nl_sock *sk;
	int kernel_errno;             /* positive; 0 when the kernel reported nothing */
	char kernel_msg[128];
};

/* Reads NLMSGERR_ATTR_MSG from an error ack. Only capped acks (NETLINK_CAP_ACK, which
 * prov_nl_open asks for) are parsed: then the TLVs start right after struct nlmsgerr. */
static void prov_nl_ext_ack(const struct nlmsgerr *e, char *buf, size_t len)
{
	/* libnl hands the callback nlmsg_data(hdr), so the header sits just before it. */
	const struct nlmsghdr *hdr = (const void *)((const char *)e - NLMSG_HDRLEN);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
	const struct nlattr *msg;

	buf[0] = '\0';
	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS) || !(hdr->nlmsg_flags & NLM_F_CAPPED) ||
	    hdr->nlmsg_len <= off)
		return;
	msg = nla_find((const struct nlattr *)((const char *)hdr + off),
		       (int)(hdr->nlmsg_len - off), NLMSGERR_ATTR_MSG);
	if (msg)
		snprintf(buf, len, "%.*s", (int)strnlen(nla_data(msg), (size_t)nla_len(msg)),
			 (const char *)nla_data(msg));
}

static int prov_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct prov_nl *nl = arg;

	(void)who;
	nl->kernel_errno = -e->error;
	prov_nl_ext_ack(e, nl->kernel_msg, sizeof(nl->kernel_msg));
	return NL_STOP; /* libnl then returns its usual code for e->error */
}

/* libnl's own failures (no kernel errno behind them) as the nearest errno. */
static int prov_nlerr_to_errno(int nlerr)
{
	static const int map[NLE_MAX + 1] = {
		[NLE_INTR] = EINTR, [NLE_BAD_SOCK] = EBADF, [NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM, [NLE_EXIST] = EEXIST, [NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE, [NLE_MSGSIZE] = EMSGSIZE, [NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT, [NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_NOATTR] = EINVAL, [NLE_MISSING_ATTR] = EINVAL, [NLE_AF_MISMATCH] = EINVAL,
		[NLE_SEQ_MISMATCH] = EPROTO, [NLE_MSG_OVERFLOW] = ENOBUFS, [NLE_MSG_TRUNC] = EPROTO,
		[NLE_NOADDR] = EADDRNOTAVAIL, [NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
		[NLE_MSG_TOOSHORT] = EPROTO, [NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
		[NLE_OBJ_MISMATCH] = EINVAL, [NLE_NOCACHE] = ENOENT, [NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT, [NLE_NOACCESS] = EACCES, [NLE_PERM] = EPERM,
		[NLE_NODEV] = ENODEV, [NLE_IMMUTABLE] = EPERM, [NLE_DUMP_INTR] = EAGAIN,
		[NLE_ATTRSIZE] = EINVAL,
	};

	if (nlerr < 0)
		nlerr = -nlerr;
	return nlerr <= NLE_MAX && map[nlerr] ? map[nlerr] : EIO;
}

/* Turns a libnl return code into -errno and the text for prov_last_error(). The kernel's own
 * errno is used only when it is what libnl is reporting (not a leftover from a request that
 * libnl retried, as rtnl_link_change does after EOPNOTSUPP). */
static int prov_nl_fail(struct prov_nl *nl, int nlerr, const char *what)
{
	int sys = prov_nlerr_to_errno(nlerr);
	bool from_kernel = nl->kernel_errno && -nlerr == nl_syserr2nlerr(nl->kernel_errno);

	if (from_kernel) {
		sys = nl->kernel_errno;
		snprintf(prov_err_text, sizeof(prov_err_text), "%s: %s%s%s%s", what, strerror(sys),
			 nl->kernel_msg[0] ? " (" : "", nl->kernel_msg, nl->kernel_msg[0] ? ")" : "");
	} else {
		snprintf(prov_err_text, sizeof(prov_err_text), "%s: %s", what, nl_geterror(nlerr));
	}
	nl->kernel_errno = 0;
	nl->kernel_msg[0] = '\0';
	return -sys;
}

/* The socket must be made here, inside the namespace: it stays bound to the namespace it was
 * created in, whichever namespace the thread moves to later. */
static int prov_nl_open(struct prov_nl *nl)
{
	int one = 1, fd, err;

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return prov_fail(-ENOMEM, "netlink socket");
	err = nl_connect(nl->sk, NETLINK_ROUTE);
	if (err < 0) {
		err = prov_nl_fail(nl, err, "connect to NETLINK_ROUTE");
		nl_socket_free(nl->sk);
		nl->sk = NULL;
		return err;
	}
	/* Best effort: without them (old kernels) errors just carry no explanation. */
	fd = nl_socket_get_fd(nl->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, prov_nl_on_error, nl);
	return 0;
}

/* Sets IFF_UP on IFNAME, and with cfg also its MAC and MTU, in one request. The kernel applies
 * the address and the MTU before the flags, so eth0 comes up already with its final identity;
 * a tap accepts a MAC change while up anyway (IFF_LIVE_ADDR_CHANGE). */
static int prov_link_up(struct prov_nl *nl, const char *ifname, const struct prov_if *cfg,
			int *ifindex)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	struct nl_addr *lladdr = NULL;
	int err;

	err = rtnl_link_get_kernel(nl->sk, 0, ifname, &orig);
	if (err < 0)
		return prov_nl_fail(nl, err, cfg ? "find the device" : "find lo");
	change = rtnl_link_alloc();
	if (cfg)
		lladdr = nl_addr_build(AF_LLC, cfg->mac, sizeof(cfg->mac));
	if (!change || (cfg && !lladdr)) {
		err = prov_nl_fail(nl, -NLE_NOMEM, "set link");
		goto out;
	}
	if (cfg) {
		rtnl_link_set_addr(change, lladdr);
		rtnl_link_set_mtu(change, cfg->mtu);
	}
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(nl->sk, orig, change, 0);
	if (err < 0)
		err = prov_nl_fail(nl, err, cfg ? "set mac, mtu and up" : "set lo up");
	else if (ifindex)
		*ifindex = rtnl_link_get_ifindex(orig);
out:
	nl_addr_put(lladdr);
	rtnl_link_put(change);
	rtnl_link_put(orig);
	return err;
}

/* An nl_addr for a host-order IPv4 address with a prefix length; NULL when out of memory. */
static struct nl_addr *prov_inet_addr(uint32_t host_order, unsigned int prefix_len)
{
	uint32_t be = htonl(host_order);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof(be));

	if (a)
		nl_addr_set_prefixlen(a, (int)prefix_len);
	return a;
}

/* NLM_F_REPLACE: configuring the same instance twice (a retried provision) is not an error. */
static int prov_addr_add(struct prov_nl *nl, int ifindex, const struct prov_if *cfg)
{
	struct nl_addr *local = prov_inet_addr(cfg->ip, cfg->prefix_len);
	struct rtnl_addr *addr = rtnl_addr_alloc();
	int err;

	if (!local || !addr) {
		err = prov_nl_fail(nl, -NLE_NOMEM, "add address");
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, AF_INET);
	err = rtnl_addr_set_local(addr, local);
	if (!err) {
		rtnl_addr_set_prefixlen(addr, cfg->prefix_len);
		err = rtnl_addr_add(nl->sk, addr, NLM_F_REPLACE);
	}
	if (err < 0)
		err = prov_nl_fail(nl, err, "add address");
out:
	rtnl_addr_put(addr);
	nl_addr_put(local);
	return err;
}

static bool prov_in_prefix(uint32_t a, uint32_t b, unsigned int prefix_len)
{
	uint32_t mask = prefix_len ? ~0u << (32 - prefix_len) : 0;

	return (a & mask) == (b & mask);
}

/* Fills a default route (0.0.0.0/0, main table) through one nexthop on IFINDEX. A gateway
 * outside the instance's own prefix (a /32 address) is declared on-link, as the kernel
 * otherwise refuses it as unreachable; without a gateway the route is scope link. */
static int prov_route_fill(struct rtnl_route *route, int ifindex, const struct prov_if *cfg,
			   struct nl_addr *dst, struct nl_addr *gw)
{
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

	if (!nh)
		return -NLE_NOMEM;
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_STATIC);
	rtnl_route_set_type(route, RTN_UNICAST);
	rtnl_route_set_scope(route, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw) {
		rtnl_route_nh_set_gateway(nh, gw);
		/* On the route, not the nexthop: libnl sends a single nexthop as plain RTA_OIF /
		 * RTA_GATEWAY and (before 3.8) drops the nexthop's flags. */
		if (!prov_in_prefix(cfg->gateway, cfg->ip, cfg->prefix_len))
			rtnl_route_set_flags(route, RTNH_F_ONLINK);
	}
	rtnl_route_add_nexthop(route, nh); /* the route owns nh from here */
	return rtnl_route_set_dst(route, dst);
}

static int prov_route_default(struct prov_nl *nl, int ifindex, const struct prov_if *cfg)
{
	struct rtnl_route *route = rtnl_route_alloc();
	struct nl_addr *dst = prov_inet_addr(0, 0);
	struct nl_addr *gw = cfg->gateway ? prov_inet_addr(cfg->gateway, 32) : NULL;
	const char *what = cfg->gateway ? "add default route via the gateway"
					: "add default route on the device";
	int err;

	if (!route || !dst || (cfg->gateway && !gw))
		err = -NLE_NOMEM;
	else
		err = prov_route_fill(route, ifindex, cfg, dst, gw);
	if (!err)
		err = rtnl_route_add(nl->sk, route, NLM_F_REPLACE);
	if (err < 0)
		err = prov_nl_fail(nl, err, what);
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_route_put(route);
	return err;
}

/* ---- IPv6 off, through /proc/sys/net of the namespace the thread is in ---- */

/* /proc/sys/net shows the namespace of the thread that opens the file, so this must run
 * inside. ENOENT is success: no IPv6 in the kernel, nothing to disable. */
static int prov_sysctl_set(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : prov_fail(-errno, "open %s", path);
	if (write(fd, value, strlen(value)) < 0)
		err = prov_fail(-errno, "write %s", path);
	close(fd);
	return err;
}

/* Done before eth0 goes up, so the instance never sends router solicitations, DAD or MLD
 * reports into the data plane: the VPC router is IPv4 only. */
static int prov_ipv6_off(const char *ifname)
{
	static const char *const confs[] = { "all", "default" };
	char path[128];
	int err;

	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]); i++) {
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", confs[i]);
		err = prov_sysctl_set(path, "1");
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	return prov_sysctl_set(path, "1");
}

/* prov_in_netns passes a void *; this keeps cfg const on the way through. */
struct prov_configure_call {
	const struct prov_if *cfg;
};

/* Runs inside the namespace (through prov_in_netns). Failure texts name the step, not the
 * namespace or the device: the caller has those and prints them around prov_last_error(). */
static int prov_configure_here(void *arg)
{
	const struct prov_if *cfg = ((struct prov_configure_call *)arg)->cfg;
	struct prov_nl nl = { 0 };
	int ifindex = 0, err;

	err = prov_ipv6_off(cfg->ifname);
	if (err)
		return err;
	err = prov_nl_open(&nl);
	if (err)
		return err;
	err = prov_link_up(&nl, "lo", NULL, NULL);
	if (!err)
		err = prov_link_up(&nl, cfg->ifname, cfg, &ifindex);
	if (!err)
		err = prov_addr_add(&nl, ifindex, cfg);
	if (!err)
		err = prov_route_default(&nl, ifindex, cfg);
	nl_socket_free(nl.sk);
	return err;
}

int prov_configure(const char *ns, const struct prov_if *cfg)
{
	prov_clear_error();
	/* ifname also becomes a path component under /proc/sys/net/ipv6/conf. */
	if (!cfg || !cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ ||
	    strchr(cfg->ifname, '/') || !strcmp(cfg->ifname, ".") || !strcmp(cfg->ifname, ".."))
		return prov_fail(-EINVAL, "interface name \"%s\"",
				 cfg && cfg->ifname ? cfg->ifname : "(null)");
	if (cfg->prefix_len > 32)
		return prov_fail(-EINVAL, "prefix length %u", cfg->prefix_len);
	return prov_in_netns(ns, prov_configure_here, &(struct prov_configure_call){ .cfg = cfg });
}
