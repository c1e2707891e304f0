/* A small XML writer for AWS's responses: elements opened and closed in order (a stack), text
 * escaped (& < > " ' and control characters), into one growing buffer. Errors are sticky: a
 * failed allocation or a too-deep nesting makes xml_finish return -ENOMEM / -E2BIG. */
#ifndef VPCLAB_API_XML_H
#define VPCLAB_API_XML_H

#include <stddef.h>

#define XML_DEPTH 32

struct xml {
	char *buf;
	size_t len, cap;
	const char *stack[XML_DEPTH]; /* open elements' names: static strings */
	int depth;
	int err;
};

void xml_init(struct xml *x);
void xml_free(struct xml *x);
/* Empties x (keeps its buffer). */
void xml_reset(struct xml *x);
/* <name> (with xmlns="ns" when ns is not NULL); name must outlive the element. */
void xml_open(struct xml *x, const char *name, const char *ns);
void xml_close(struct xml *x);
/* <name>escaped text</name>; NULL text writes <name/>. */
void xml_elem(struct xml *x, const char *name, const char *text);
void xml_elemf(struct xml *x, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void xml_bool(struct xml *x, const char *name, int v);
/* Escaped text into the current element. */
void xml_text(struct xml *x, const char *text);
/* Appends x2's content to x (a handler's part into its envelope). */
void xml_append(struct xml *x, const struct xml *part);
/* 0, or the first error; the document is x->buf (NUL-terminated), x->len bytes. */
int xml_finish(struct xml *x);

#endif
