/* Compile + prepare for the offline tools: the one place outside the router that builds the
 * data plane's lookup indexes, so cli/ and labtest/ never include dataplane/. */
#include <errno.h>

#include "control/tools/offline.h"
#include "dataplane/tables.h"

struct vl_tables *offline_tables_of(const struct lab *m)
{
	struct vl_tables *t = lab_compile(m);
	if (!t)
		return NULL;
	if (dp_tables_prepare(t) < 0) {
		vl_tables_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}
