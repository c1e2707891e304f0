/* `vpclab capture` (capture_cli.c). */
#ifndef VPCLAB_CAPTURE_CLI_H
#define VPCLAB_CAPTURE_CLI_H

struct capture_args {
	const char *port;        /* interface name, or NULL */
	const char *stage;       /* stage name, or NULL */
	const char *component;   /* stage component, or NULL */
	int drops;
	unsigned count;
	int seconds;
	const char *out;         /* -w FILE, NULL = stdout */
	char filter[256];
};

/* Runs the capture against lab; returns the exit code. */
int capture_run(const char *lab, const struct capture_args *a);

#endif
