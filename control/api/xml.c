/* The XML writer (xml.h). Text is escaped for both element content and attribute values; the
 * control characters XML 1.0 cannot carry at all (not even as references) become U+FFFD, tab,
 * newline and carriage return become references so that a reader keeps them as they were. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/xml.h"

void xml_init(struct xml *x)
{
	memset(x, 0, sizeof(*x));
}

void xml_free(struct xml *x)
{
	free(x->buf);
	xml_init(x);
}

void xml_reset(struct xml *x)
{
	x->len = 0;
	x->depth = 0;
	x->err = 0;
	if (x->buf)
		x->buf[0] = '\0';
}

static void put(struct xml *x, const char *s, size_t n)
{
	if (x->err)
		return;
	if (x->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 1024;
		while (cap < x->len + n + 1)
			cap *= 2;
		char *b = realloc(x->buf, cap);
		if (!b) {
			x->err = -ENOMEM;
			return;
		}
		x->buf = b;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, s, n);
	x->len += n;
	x->buf[x->len] = '\0';
}

static void puts_(struct xml *x, const char *s)
{
	put(x, s, strlen(s));
}

void xml_text(struct xml *x, const char *text)
{
	const char *run = text;
	for (const char *s = text; *s; s++) {
		const char *rep;
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		case '\t': rep = "&#9;"; break;
		case '\n': rep = "&#10;"; break;
		case '\r': rep = "&#13;"; break;
		default:
			if (ch >= 0x20)
				continue;
			rep = "\xef\xbf\xbd"; /* U+FFFD: no XML 1.0 document may hold this character */
		}
		put(x, run, (size_t)(s - run));
		puts_(x, rep);
		run = s + 1;
	}
	puts_(x, run);
}

void xml_open(struct xml *x, const char *name, const char *ns)
{
	if (x->depth >= XML_DEPTH) {
		x->err = -E2BIG;
		return;
	}
	x->stack[x->depth++] = name;
	put(x, "<", 1);
	puts_(x, name);
	if (ns) {
		puts_(x, " xmlns=\"");
		xml_text(x, ns);
		put(x, "\"", 1);
	}
	put(x, ">", 1);
}

void xml_close(struct xml *x)
{
	if (x->depth <= 0) {
		x->err = x->err ? x->err : -EINVAL;
		return;
	}
	const char *name = x->stack[--x->depth];
	put(x, "</", 2);
	puts_(x, name);
	put(x, ">", 1);
}

void xml_elem(struct xml *x, const char *name, const char *text)
{
	put(x, "<", 1);
	puts_(x, name);
	if (!text) {
		put(x, "/>", 2);
		return;
	}
	put(x, ">", 1);
	xml_text(x, text);
	put(x, "</", 2);
	puts_(x, name);
	put(x, ">", 1);
}

void xml_elemf(struct xml *x, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	xml_elem(x, name, buf);
}

void xml_bool(struct xml *x, const char *name, int v)
{
	xml_elem(x, name, v ? "true" : "false");
}

void xml_append(struct xml *x, const struct xml *part)
{
	if (part->err && !x->err)
		x->err = part->err;
	if (part->buf)
		put(x, part->buf, part->len);
}

int xml_finish(struct xml *x)
{
	if (!x->err && x->depth != 0)
		x->err = -EINVAL;
	if (!x->buf)
		put(x, "", 0);
	return x->err;
}
