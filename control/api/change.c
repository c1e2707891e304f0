/* A changing call of the AWS API (api.h api_change): the running model changed, written back as
 * a lab file and applied by the router through the path of `vpclab apply`, so that a change
 * made with the aws CLI has the same plan, the same AWS semantics for open connections and the
 * same all-or-nothing as one made by editing the file. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/api/api.h"
#include "control/cli/ctl_client.h"
#include "control/lab/export.h"
#include "control/lab/lab.h"
#include "vpclab/ctl.h"

/* The staged file: the changed model as a lab file. 0 or -errno. */
static int stage(struct lab *m, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	int rc = lab_export(m, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		unlink(path);
	return rc;
}

int api_change(struct api_ctx *c, api_change_fn fn, void *arg, struct api_out *o)
{
	struct lab *m = NULL;
	char source[4096];
	int rc = api_ctx_copy(c, &m, source, sizeof(source));
	if (rc < 0)
		return api_fail(o, 500, "InternalError", "the running lab cannot be read: %s", strerror(-rc));
	if (fn(c, m, arg, o) < 0) {
		lab_free(m);
		return -1;
	}
	char staged[600];
	snprintf(staged, sizeof(staged), "%s/apply-api.yaml", c->dir);
	rc = stage(m, staged);
	lab_free(m);
	if (rc < 0)
		return api_fail(o, 500, "InternalError", "the change cannot be written: %s", strerror(-rc));
	json_t *req = json_pack("{s:s, s:s, s:b}", "staged", staged, "source", source, "dry_run", 0);
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	char full[VL_CTL_MAX_LINE];
	json_t *ans = NULL;
	if (!line || (size_t)snprintf(full, sizeof(full), "%s %s", VL_CTL_APPLY, line) >= sizeof(full)) {
		free(line);
		unlink(staged);
		return api_fail(o, 500, "InternalError", "the lab's file path is too long");
	}
	free(line);
	rc = ctl_request_wait(c->lab, full, &ans, 300);
	unlink(staged); /* renamed when applied; ours otherwise */
	if (rc < 0)
		return api_fail(o, 500, "InternalError", "the lab's router did not answer: %s", strerror(-rc));
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err) {
		bool input = json_is_true(json_object_get(ans, "input"));
		char msg[480];
		snprintf(msg, sizeof(msg), "%s", err);
		msg[strcspn(msg, "\n")] = '\0'; /* the first of the check's errors says it */
		json_decref(ans);
		return input ? api_fail(o, 400, "InvalidParameterValue", "%s", msg)
			     : api_fail(o, 500, "InternalError", "%s", msg);
	}
	json_decref(ans);
	api_ctx_refresh(c);
	return 0;
}
