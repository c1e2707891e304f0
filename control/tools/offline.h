/* Tables for running the pipeline offline (trace, replay, the traces of `vpclab test`): the
 * compiled lab plus the data plane's lookup indexes, with no router and no root. */
#ifndef VPCLAB_OFFLINE_H
#define VPCLAB_OFFLINE_H

#include "control/lab/lab.h"
#include "vpclab/tables.h"

/* Compiles m and prepares the lookup indexes. The caller owns the result (vl_tables_free).
 * NULL with errno set. */
struct vl_tables *offline_tables_of(const struct lab *m);

#endif
