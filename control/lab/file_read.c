/* A lab file read whole (lab.h lab_file_read): what is checked is exactly what is applied,
 * whatever happens to the file afterwards. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "control/lab/lab.h"

char *lab_file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL, chunk[8192];
	FILE *o = open_memstream(&buf, len);
	size_t n;
	while (o && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, o);
	bool bad = ferror(f);
	fclose(f);
	if (!o || fclose(o) != 0 || bad) {
		free(buf);
		errno = bad ? EIO : ENOMEM;
		return NULL;
	}
	return buf;
}
