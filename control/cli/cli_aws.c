/* `vpclab aws [LAB] -- SERVICE ACTION [ARGS...]`: Debian's aws CLI (/usr/bin/aws, not whatever
 * `aws` comes first in PATH) pointed at the lab's endpoint with the lab's credentials and
 * region, its own configuration kept out (AWS_CONFIG_FILE=/dev/null): awscli 2.9 has no
 * AWS_ENDPOINT_URL, so every call needs --endpoint-url. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/cli/cli.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"

#define AWS_BIN "/usr/bin/aws"

/* The lab's region, from the kept copy (a load without check: only `region:` is read). */
static void lab_region_of(const char *lab, char *out, size_t cap)
{
	char path[256];
	snprintf(out, cap, "us-east-1");
	if (state_path(path, sizeof(path), lab, STATE_KEPT_FILE) < 0)
		return;
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load(path, d) : NULL;
	if (m)
		snprintf(out, cap, "%s", lab_region(m));
	lab_free(m);
	diag_destroy(d);
}

static int cmd_aws(int argc, char **argv)
{
	static const struct option opts[] = {{"lab", required_argument, NULL, 'L'}, CLI_OPT_HELP, {0}};
	int dd = 1;
	while (dd < argc && strcmp(argv[dd], "--") != 0)
		dd++;
	const char *given = NULL;
	int o;
	/* only what comes before "--" is ours; the rest is the aws CLI's */
	while ((o = cli_next(&cli_aws, dd, argv, "+h", opts)) != -1) {
		if (o != 'L')
			return cli_stop(o);
		given = optarg;
	}
	if (dd - optind > (given ? 0 : 1))
		return cli_extra(&cli_aws, argv[dd - 1]);
	if (dd >= argc - 1)
		return cli_missing(&cli_aws, "-- SERVICE ACTION (the aws CLI's arguments)");
	char lab[64];
	int rc = cli_lab(&cli_aws, optind < dd ? argv[optind] : given, lab, sizeof(lab));
	if (rc)
		return rc;
	char url_path[256], creds[256], url[256] = "";
	state_path(url_path, sizeof(url_path), lab, "api-url");
	state_path(creds, sizeof(creds), lab, "credentials");
	FILE *f = fopen(url_path, "re");
	if (!f && (errno == EACCES || errno == EPERM)) {
		fprintf(stderr, "vpclab: aws needs root (the lab's credentials are root's)\n");
		return EXIT_SYSTEM;
	}
	if (!f || !fgets(url, sizeof(url), f)) {
		if (f)
			fclose(f);
		fprintf(stderr, "vpclab: aws: lab %s serves no AWS API: 'vpclab api %s' (or up with --api) "
			"starts it\n", lab, lab);
		return EXIT_INPUT;
	}
	fclose(f);
	url[strcspn(url, "\r\n")] = '\0';
	if (access(creds, R_OK) < 0) {
		fprintf(stderr, "vpclab: aws: %s: %s\n", creds, strerror(errno));
		return errno == EACCES ? EXIT_SYSTEM : EXIT_INPUT;
	}
	char profile[80], region[64];
	snprintf(profile, sizeof(profile), "vpclab-%s", lab);
	lab_region_of(lab, region, sizeof(region));
	/* the lab's identity only: neither the user's keys nor their config or endpoints */
	static const char *const unset[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	};
	for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
		unsetenv(unset[i]);
	setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
	setenv("AWS_CONFIG_FILE", "/dev/null", 1);
	setenv("AWS_PROFILE", profile, 1);
	setenv("AWS_DEFAULT_REGION", region, 1);
	setenv("AWS_REGION", region, 1);
	setenv("AWS_PAGER", "", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	size_t n = (size_t)(argc - dd - 1);
	char **av = calloc(n + 4, sizeof(*av));
	if (!av)
		return EXIT_SYSTEM;
	av[0] = "aws";
	av[1] = "--endpoint-url";
	av[2] = url;
	for (size_t i = 0; i < n; i++)
		av[3 + i] = argv[dd + 1 + i];
	fflush(stdout);
	execv(AWS_BIN, av);
	fprintf(stderr, "vpclab: aws: %s: %s%s\n", AWS_BIN, strerror(errno),
		errno == ENOENT ? " (apt-get install awscli)" : "");
	free(av);
	return EXIT_SYSTEM;
}

const struct cli_cmd cli_aws = {
	"aws", cmd_aws, "run the aws CLI against the lab's AWS API (endpoint, credentials, region)",
	"usage: vpclab aws [LAB] -- SERVICE ACTION [ARGS...]   (or --lab LAB)\n"
	"  runs /usr/bin/aws (Debian's awscli) with --endpoint-url of the lab's API (started by\n"
	"  'vpclab api' or 'up --api') and AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE=vpclab-LAB and\n"
	"  AWS_DEFAULT_REGION of the lab; the user's aws configuration and key variables are left\n"
	"  out. Example: vpclab aws -- ec2 describe-vpcs --filters Name=tag:Name,Values=main\n"
	"exit: the aws CLI's (0 success, 254 the API refused, 252 bad arguments); 1 the lab is\n"
	"  not running or serves no API, 2 usage, 3 no root\n",
};
