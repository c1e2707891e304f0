/* Provisioning of interfaces (ports.h): a namespace per port, the tap born inside it, its eth0
 * configured with one netlink batch. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "control/host/link_stats.h"
#include "control/host/netns_etc.h"
#include "control/host/parallel.h"
#include "control/host/progress.h"
#include "control/host/provision.h"
#include "control/host/state.h"
#include "control/router/ports.h"
#include "vpclab/ctl.h"
#include "dataplane/tap.h"

/* Namespaces are made by a few threads at once: much of the work is serialised in the kernel
 * (the /run/netns directory, namespace setup, the RTNL lock), the rest overlaps. Measured on
 * 2 cores, 1,000 instances: 1 thread 0.85 s, 2 threads 0.66-0.79 s, 3 or 4 threads 0.86-0.89 s. */
#define PROV_THREADS 2

/* One provisioning, shared by the pool's threads. Each port is touched by one thread only
 * (names[k], taps[which[k]]); the first failure's text goes to job->err under lock. */
struct prov_run {
	struct ports_job *job;
	char (*names)[96];       /* the namespace per entry of which (vl_port_netns) */
	int ready_fd;            /* background: the parent hears "progress DONE TOTAL" lines */
	struct progress pg;      /* foreground: the line is drawn here */
	struct timespec last;
	pthread_mutex_t lock;
};

struct prov_port {
	struct prov_run *run;
	uint16_t i;              /* the port index in the tables */
	const char *step;        /* what failed, when it was not the netlink configuration */
};

/* Inside the new namespace: the tap (born here, so never seen by the host), then its eth0
 * configuration in one netlink batch. */
static int provision_inside(void *arg)
{
	struct prov_port *pp = arg;
	struct ports_job *job = pp->run->job;
	const struct vl_port *p = &job->t->ports[pp->i];
	int fd = tap_open("eth0");
	if (fd < 0) {
		pp->step = "open the tap";
		return fd;
	}
	job->taps[pp->i] = fd;
	/* Its counters are asked from here at each `status` (link_stats.h); a lab runs without. */
	int nl = link_stats_open();
	job->tap_nl[pp->i] = nl >= 0 ? nl : -1;
	/* Persistent: closing a plain tap unregisters its device on the spot, one RCU barrier per
	 * device (seconds for 1,000 at down). A persistent one stays until its namespace goes,
	 * and the kernel removes the devices of dying namespaces together. */
	if (ioctl(fd, TUNSETPERSIST, 1) < 0) {
		pp->step = "make the tap persistent";
		return -errno;
	}
	struct prov_if cfg = {.ifname = "eth0", .mtu = p->mtu, .ip = p->ip,
			      .prefix_len = p->prefix_len, .gateway = p->gateway};
	memcpy(cfg.mac, p->mac, 6);
	int rc = prov_configure_here(&cfg);
	/* The resolver also answers at one address per VPC (tables_dns.h): the whole /24 is its. */
	if (rc == 0 && p->kind == VL_PORT_RESOLVER)
		rc = prov_local_route_here(VL_RESOLVER_NET, 24);
	return rc;
}

static int provision_port(size_t k, void *arg)
{
	struct prov_run *run = arg;
	struct ports_job *job = run->job;
	struct prov_port pp = {.run = run, .i = job->which[k]};
	if (job->stop && job->stop()) {
		pthread_mutex_lock(&run->lock);
		snprintf(job->err, job->errcap, "interrupted while provisioning");
		pthread_mutex_unlock(&run->lock);
		return -EINTR; /* the pool hands out no more; the caller undoes what was made */
	}
	/* Its /etc/netns files first: recorded in the lab's list already, so down removes them. */
	int rc = netns_etc_write(job->t, pp.i);
	if (rc < 0)
		pp.step = "write " NETNS_ETC_DIR "/NS/resolv.conf";
	else
		rc = prov_netns_new(run->names[k], provision_inside, &pp);
	if (rc < 0) {
		pthread_mutex_lock(&run->lock);
		if (!job->err[0]) {
			if (pp.step)
				snprintf(job->err, job->errcap, "namespace %s: %s: %s",
					 run->names[k], pp.step, strerror(-rc));
			else
				snprintf(job->err, job->errcap, "namespace %s: %s%s",
					 run->names[k], job->taps[pp.i] >= 0 ? "eth0: " : "",
					 prov_last_error()[0] ? prov_last_error() : strerror(-rc));
		}
		pthread_mutex_unlock(&run->lock);
	}
	return rc;
}

/* Progress of up, on the caller's thread: drawn here in the foreground, told to the waiting
 * parent in the background (at most every 50 ms, and the last one always). */
static void provision_tick(size_t done, size_t n, void *arg)
{
	struct prov_run *run = arg;
	if (run->ready_fd < 0) {
		if (run->job->show)
			progress_show(&run->pg, done);
		return;
	}
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - run->last.tv_sec) * 1000L + (now.tv_nsec - run->last.tv_nsec) / 1000000L;
	if (ms < 50 && done < n)
		return;
	run->last = now;
	char line[64];
	int len = snprintf(line, sizeof(line), "progress %zu %zu\n", done, n);
	if (write(run->ready_fd, line, (size_t)len) < 0)
		return; /* the parent went away: nothing to tell */
}

/* First all names are checked and recorded in the state directory (one write, BEFORE any is
 * made, so `down` can undo a crash at any point), then the pool makes and configures them. */
int ports_provision(struct ports_job *job)
{
	size_t n = job->n;
	const char *lab = job->t->lab;
	struct prov_run run = {.job = job, .ready_fd = job->ready_fd, .lock = PTHREAD_MUTEX_INITIALIZER};
	run.names = calloc(n ? n : 1, sizeof(*run.names));
	if (!run.names)
		return -ENOMEM;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		char path[128];
		vl_port_netns(job->t, job->which[k], run.names[k], sizeof(run.names[k]));
		snprintf(path, sizeof(path), "/run/netns/%s", run.names[k]);
		if (access(path, F_OK) == 0) {
			snprintf(job->err, job->errcap, "namespace %s already exists (not this lab's)",
				 run.names[k]);
			rc = -EEXIST;
		}
	}
	if (rc == 0) {
		const char **list = malloc(sizeof(*list) * (n ? n : 1));
		for (size_t k = 0; list && k < n; k++)
			list[k] = run.names[k];
		rc = list ? state_add_netns_many(lab, list, n) : -ENOMEM;
		free(list);
		if (rc < 0)
			snprintf(job->err, job->errcap, "%s/%s/netns: %s", VL_RUN_DIR, lab, strerror(-rc));
	}
	if (rc == 0 && n) {
		struct par_job pj = {.n = n, .threads = PROV_THREADS, .work = provision_port,
				     .arg = &run, .tick = provision_tick};
		clock_gettime(CLOCK_MONOTONIC, &run.last);
		if (job->show)
			progress_begin(&run.pg, "provisioning", n);
		rc = par_run(&pj, NULL);
		if (job->show)
			progress_end(&run.pg);
	}
	pthread_mutex_destroy(&run.lock);
	free(run.names);
	return rc;
}
