/* libFuzzer target: any bytes as a lab file through load and check (and compile when clean).
 * Bad input must give diagnostics, never a crash or a leak (`make fuzz`). */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "control/lab/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/vpclab-fuzz-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct diag *d = diag_create();
	struct lab *m = lab_load(path, d);
	if (m && lab_check(m, d) == 0)
		vl_tables_free(lab_compile(m));
	lab_free(m);
	diag_destroy(d);
	unlink(path);
	return 0;
}
