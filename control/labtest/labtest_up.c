/* The lab's life around `vpclab test`'s checks (labtest.h): brought up under its own name as
 * `vpclab up` does (daemon.c), taken down as `vpclab down` does (state_down.c), whatever happened in
 * between; a signal only asks the probes to stop, so the teardown still runs. A lab already
 * running is never touched. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control/router/daemon.h"
#include "control/labtest/labtest.h"
#include "control/host/state.h"
#include "control/host/state_down.h"
#include "control/tools/offline.h"
#include "vpclab/ctl.h"

/* A signal asks every probe to stop; the lab is still taken down. */
volatile sig_atomic_t labtest_stop;

static void lt_on_signal(int sig)
{
	(void)sig;
	labtest_stop = 1;
}

/* As `vpclab down` (state_down.h); the router is our child (daemon_up forked it): reaped here,
 * or it lingers as a zombie. */
void labtest_down(const char *lab)
{
	struct state_down d;
	int rc = state_down(lab, STATE_DOWN_GRACE_MS, &d);
	if (d.router > 0)
		waitpid(d.router, NULL, WNOHANG);
	if (rc < 0)
		fprintf(stderr, "vpclab: test: down %s: not down; left: %s\n", lab, d.left);
}

static void lt_signals(void)
{
	/* SA_RESTART: daemon_up's wait for the router must not be cut short (it would wait for a
	 * router that keeps running); the probes look at labtest_stop at least every 50 ms. */
	struct sigaction sa = { .sa_handler = lt_on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Every probe holds a socket per client and per accepted connection: --jobs probes of up to
 * LT_GROUP_MAX clients each may need more than the usual 1024 descriptors. */
static void lt_more_files(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 65536) {
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Compiles m twice: one copy for the router (daemon_up takes it), one for the traces. */
int labtest_up(const struct lab *m, const char *path, struct vl_tables **trace_t)
{
	struct vl_tables *t = offline_tables_of(m), *up = lab_compile(m);
	if (!t || !up) {
		fprintf(stderr, "vpclab: test: %s\n", strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	if (access("/dev/net/tun", R_OK | W_OK) < 0) {
		fprintf(stderr, "vpclab: test: /dev/net/tun: %s\n", strerror(errno));
		goto fail;
	}
	if (state_running(t->lab)) {
		fprintf(stderr, "vpclab: test: lab %s is already running; it is left alone "
			"('vpclab down %s' first, or give the lab another name)\n", t->lab, t->lab);
		goto fail;
	}
	labtest_stop = 0;
	lt_signals();
	lt_more_files();
	struct daemon_opts o = { .foreground = false, .flowlog_interval_s = 60 };
	errno = 0;
	o.runs = run_specs_of(m, &o.n_runs);
	if (!o.runs && errno) {
		fprintf(stderr, "vpclab: test: %s\n", strerror(errno));
		goto fail;
	}
	int urc = daemon_up(up, path, &o);
	run_specs_free(o.runs, o.n_runs);
	if (urc < 0) {
		vl_tables_free(t);
		return -EIO;
	}
	*trace_t = t;
	return 0;
fail:
	vl_tables_free(t);
	vl_tables_free(up);
	return -EIO;
}
