/* Tap devices: the far end of every instance's eth0. The only file that opens /dev/net/tun.
 * Taps carry a virtio_net_hdr before each frame (IFF_VNET_HDR) and accept offloads
 * (TUNSETOFFLOAD), so TCP crosses the router in 64 KiB segments with partial checksums instead
 * of being cut to the MTU; the router passes the header through untouched. */
#ifndef VPCLAB_TAP_H
#define VPCLAB_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TAP_VNET_LEN 10          /* sizeof(struct virtio_net_hdr) */
#define TAP_FRAME_MAX 65550      /* a 64 KiB GSO packet and its Ethernet header */

/* Creates tap ifname in the calling thread's network namespace (so the device is born inside an
 * instance's namespace), non-blocking, with the vnet header and offloads on. fd or -errno. */
int tap_open(const char *ifname);

/* One read: vnet header + frame into buf. Bytes read, or -errno (-EAGAIN when empty). */
ssize_t tap_read(int fd, uint8_t *buf, size_t cap);

/* Writes vnet header + frame, which must be contiguous at buf (as tap_read left them). 0/-errno. */
int tap_write(int fd, const uint8_t *buf, size_t len);

#endif
