/* libFuzzer target: any bytes as a frame from any interface of rules/web-db-nat.yaml's tables
 * through parse and the whole pipeline. A malformed packet must be dropped and counted, never
 * crash (`make fuzz`). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/lab.h"
#include "dataplane/pipeline.h"
#include "dataplane/tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dp_state *state;

static struct dp_state *setup(void)
{
	struct diag *d = diag_create();
	struct lab *m = lab_load("rules/web-db-nat.yaml", d);
	if (!m || lab_check(m, d) > 0)
		abort();
	struct vl_tables *t = lab_compile(m);
	if (!t || dp_tables_prepare(t) < 0)
		abort();
	lab_free(m);
	diag_destroy(d);
	return dp_state_create(t, 1024);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[70000];
	if (!state)
		state = setup();
	if (size < 1 || size - 1 > sizeof(buf) - 1000)
		return 0;
	uint16_t port = (uint16_t)(data[0] % state->t->n_ports);
	memcpy(buf, data + 1, size - 1);
	static uint64_t now;
	pipeline_process(state, buf, (uint32_t)(size - 1), sizeof(buf), NULL, port, now += 1000000);
	return 0;
}
