/* A namespace's own /etc files (netns_etc.h): written and removed with the lab's namespaces,
 * put in place by a private mount namespace the way `ip netns exec` does it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "control/host/netns_etc.h"
#include "vpclab/tables_dns.h"

static void ip_text(uint32_t a, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xffu, (a >> 8) & 0xffu, a & 0xffu);
}

int netns_resolv_text(const struct vl_tables *t, uint16_t i, char *buf, size_t cap)
{
	const struct vl_port *p = &t->ports[i];
	char ns[16];
	int n;
	if (p->kind == VL_PORT_INET_HOST) {
		ip_text(VL_RESOLVER_PUBLIC, ns, sizeof(ns));
		n = snprintf(buf, cap, "# vpclab: the lab's public resolver\nnameserver %s\n", ns);
	} else if ((p->kind == VL_PORT_INSTANCE || p->kind == VL_PORT_LB_NODE) && p->vpc < t->n_vpcs) {
		/* AWS's DHCP options: AmazonProvidedDNS (base+2) and the region's private domain. */
		const char *region = t->region[0] ? t->region : "us-east-1";
		ip_text(t->vpcs[p->vpc].cidr.addr + 2u, ns, sizeof(ns));
		if (strcmp(region, "us-east-1") == 0)
			n = snprintf(buf, cap, "# vpclab: the VPC's resolver (base+2)\n"
				     "nameserver %s\nsearch ec2.internal\n", ns);
		else
			n = snprintf(buf, cap, "# vpclab: the VPC's resolver (base+2)\n"
				     "nameserver %s\nsearch %s.compute.internal\n", ns, region);
	} else {
		return -ENOENT;
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

/* A namespace name is one path component (as under /run/netns). */
static int etc_dir(const char *ns, char *buf, size_t cap)
{
	if (!ns[0] || strchr(ns, '/') || strcmp(ns, ".") == 0 || strcmp(ns, "..") == 0)
		return -EINVAL;
	int n = snprintf(buf, cap, NETNS_ETC_DIR "/%s", ns);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w, len -= (size_t)w;
	}
	return 0;
}

int netns_etc_write(const struct vl_tables *t, uint16_t i)
{
	char text[256], ns[96], dir[160], path[200], tmp[220];
	int rc = netns_resolv_text(t, i, text, sizeof(text));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0 || (rc = vl_port_netns(t, i, ns, sizeof(ns))) < 0 ||
	    (rc = etc_dir(ns, dir, sizeof(dir))) < 0)
		return rc;
	if ((mkdir(NETNS_ETC_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0755) < 0 && errno != EEXIST))
		return -errno;
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s/.resolv.conf.new", dir);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, text, strlen(text));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int netns_etc_remove(const char *ns)
{
	char dir[160];
	int rc = etc_dir(ns, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	/* Only the files the lab put there (resolv.conf, a half-written .new): never a subtree. */
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(dfd, e->d_name, 0) < 0 && errno != ENOENT && rc == 0)
			rc = -errno;
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT && rc == 0)
		rc = -errno;
	return rc;
}

/* Every entry of /etc/netns/NS over /etc/ENTRY. As ip-netns, an entry that cannot be put in
 * place (no /etc/ENTRY to cover) is told and skipped: the others still count. */
static int etc_bind_all(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and our own half-written files */
		char from[448], to[272];
		snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
		snprintf(to, sizeof(to), "/etc/%s", e->d_name);
		if (mount(from, to, "none", MS_BIND, NULL) < 0)
			fprintf(stderr, "vpclab: bind %s over %s: %s\n", from, to, strerror(errno));
	}
	closedir(d);
	return 0;
}

/* /sys as this network namespace sees it (its /sys/class/net), read-only if it was. */
static int sys_remount(void)
{
	struct statvfs sv;
	unsigned long flags = statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0;
	/* May fail when nothing is mounted there: then ours is the first. */
	(void)umount2("/sys", MNT_DETACH);
	return mount("sysfs", "/sys", "sysfs", flags, NULL) < 0 ? -errno : 0;
}

int netns_etc_enter(const char *ns, const char **step)
{
	char dir[160];
	int rc = etc_dir(ns, dir, sizeof(dir));
	if (rc < 0) {
		*step = "namespace name";
		return rc;
	}
	if (unshare(CLONE_NEWNS) < 0) {
		*step = "unshare(CLONE_NEWNS)";
		return -errno;
	}
	/* Slave: the host's later mounts still reach us, ours never reach the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		*step = "make / a slave mount";
		return -errno;
	}
	if ((rc = sys_remount()) < 0) {
		*step = "mount /sys";
		return rc;
	}
	if ((rc = etc_bind_all(dir)) < 0)
		*step = dir;
	return rc;
}
