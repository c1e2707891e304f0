/* Adding diagnostics: the half of the diag API that only the control plane's front half needs
 * (load.c, check*.c). Creating, counting and printing are public in control/lab.h. A diagnostic
 * always points at a place in the lab file, so the user sees FILE:LINE:COL. */
#ifndef VPCLAB_DIAG_H
#define VPCLAB_DIAG_H

#include "control/lab/lab.h"

/* A place in a lab file, 1-based. line 0 means "the file as a whole" (printed as FILE: ...).
 * file points at the owner's copy (the model's); diag copies it, so diagnostics outlive the
 * model. */
struct loc {
	const char *file;
	int line, col;
};

/* Record an error or a warning at `at`. Never fails visibly: when memory runs out the count still
 * goes up and diag_print says that messages were lost. */
void diag_error(struct diag *d, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, struct loc at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
