/* cli_load_kept (kept_lab.h): the kept copy loaded as if it were the file it was taken from (so a
 * lab named after its file keeps its name), pinned, checked, as the router loads it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/cli.h"
#include "control/cli/kept_lab.h"
#include "control/host/state.h"
#include "control/host/state_labs.h"
#include "control/lab/lab.h"
#include "control/lab/pins.h"
#include "vpclab/ctl.h"

int cli_load_kept(const struct cli_cmd *c, const char *lab, struct lab **out)
{
	char path[256], pins[256], source[4096] = "";
	*out = NULL;
	if (!state_lab_running(lab))
		return cli_not_running(c, lab, -ENOENT);
	snprintf(path, sizeof(path), "%s/%s/%s", VL_RUN_DIR, lab, STATE_KEPT_FILE);
	snprintf(pins, sizeof(pins), "%s/%s/%s", VL_RUN_DIR, lab, STATE_PINS_FILE);
	state_source(lab, source, sizeof(source));
	size_t len = 0;
	char *buf = lab_file_read(path, &len);
	if (!buf) {
		fprintf(stderr, "vpclab: %s: %s: %s\n", c->name, path, strerror(errno));
		return errno == ENOENT ? EXIT_INPUT : EXIT_SYSTEM;
	}
	struct diag *d = diag_create();
	struct lab *m = d ? lab_load_buffer(source[0] ? source : path, buf, len, d) : NULL;
	free(buf);
	int rc = m ? lab_pins_load(m, pins) : -ENOMEM;
	if (rc < 0) {
		fprintf(stderr, "vpclab: %s: %s: %s\n", c->name, pins, strerror(-rc));
		lab_free(m);
		diag_destroy(d);
		return EXIT_SYSTEM;
	}
	if (lab_check(m, d) != 0) {
		fprintf(stderr, "vpclab: %s: the copy of the running lab (%s) no longer checks:\n",
			c->name, path);
		diag_print(d, stderr);
		lab_free(m);
		diag_destroy(d);
		return EXIT_INPUT;
	}
	diag_destroy(d);
	*out = m;
	return EXIT_OK;
}
