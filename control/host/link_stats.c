/* Device drop counters over netlink (link_stats.h). The socket is the caller's to keep: the
 * router opens one per namespace while provisioning and asks it at each `status`. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "control/host/link_stats.h"

int link_stats_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* An answer comes at once or not at all: never hold the router's thread for long. */
	struct timeval tv = {.tv_usec = 200000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int stats_attr(const struct nlattr *a, void *data)
{
	struct link_drops *out = data;
	if (mnl_attr_get_type(a) == IFLA_STATS64 &&
	    mnl_attr_get_payload_len(a) >= sizeof(struct rtnl_link_stats64)) {
		struct rtnl_link_stats64 st;
		memcpy(&st, mnl_attr_get_payload(a), sizeof(st));
		out->rx_dropped = st.rx_dropped;
		out->tx_dropped = st.tx_dropped;
	}
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct ifinfomsg), stats_attr, data);
}

int link_drops_read(int fd, const char *ifname, struct link_drops *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static unsigned seq;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++seq;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	*out = (struct link_drops){0};
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		if (n < (ssize_t)sizeof(struct nlmsghdr) || ((struct nlmsghdr *)buf)->nlmsg_seq != seq)
			continue; /* the late answer of an earlier request that timed out */
		errno = 0;
		return mnl_cb_run(buf, (size_t)n, seq, 0, link_msg, out) == MNL_CB_ERROR
			       ? (errno ? -errno : -EIO) : 0;
	}
}
