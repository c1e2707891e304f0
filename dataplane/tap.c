/* Tap devices (see tap.h). Before: nothing, this is where frames enter and leave the router.
 * After a read: parse.c. Before a write: pipeline.c decided the output port. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

int tap_open(const char *ifname)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	int hdr = TAP_VNET_LEN;
	/* The offloads the router can take: checksum-partial and TSO frames, which it forwards as
	 * they are (MAC rewrite) or patches incrementally (NAT). */
	unsigned long offload = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, offload) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

ssize_t tap_read(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = read(fd, buf, cap);
	return n < 0 ? -errno : n;
}

int tap_write(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
