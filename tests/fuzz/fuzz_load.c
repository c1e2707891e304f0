/* libFuzzer target: any bytes as a lab file through load and check (and compile when clean).
 * Bad input must give diagnostics, never a crash or a leak (`make fuzz`). The bytes go in
 * through lab_load_buffer, the same core as lab_load, so no temporary file per input. */
#include <stdint.h>
#include <stdio.h>

#include "control/lab/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag *d = diag_create();
	if (!d)
		return 0;
	struct lab *m = lab_load_buffer("fuzz.yaml", (const char *)data, size, d);
	if (m && lab_check(m, d) == 0)
		vl_tables_free(lab_compile(m));
	lab_free(m);
	diag_destroy(d);
	return 0;
}
