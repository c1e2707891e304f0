/* The reports of `vpclab test` (labtest.h), from the outcomes labtest.c judged: the human line,
 * TAP, and JUnit XML, the format CI systems (Jenkins, GitLab, GitHub reporters) read: one
 * testsuite per lab, one testcase per check, a failed check's reason and deciding trace hop in
 * <failure message=...>. Everything from the lab file is escaped: the document must parse
 * whatever the names and messages hold. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/labtest/labtest.h"

void labtest_line(const struct lt_outcome *o, FILE *out)
{
	if (o->pass)
		fprintf(out, "PASS  %s%s%s\n", o->text, o->note[0] ? " " : "", o->note);
	else
		fprintf(out, "FAIL  %s %s\n", o->head, o->message);
}

/* A YAML double-quoted scalar for TAP's diagnostic block. */
static void lt_yaml_quoted(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void labtest_tap(const struct lt_outcome *o, size_t n, FILE *out)
{
	/* '#' would start a TAP directive in the description */
	char text[sizeof(o->text)];
	snprintf(text, sizeof(text), "%s", o->text);
	for (char *p = text; *p; p++)
		if (*p == '#')
			*p = '_';
	fprintf(out, "%sok %zu - %s\n", o->pass ? "" : "not ", n, text);
	if (o->pass)
		return;
	fputs("  ---\n  message: ", out);
	lt_yaml_quoted(o->message, out);
	fputs("\n  at: ", out);
	lt_yaml_quoted(o->where, out);
	fputs("\n  ...\n", out);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. XML 1.0 allows
 * every character from U+0080 up except surrogates and U+FFFE/U+FFFF. */
static size_t junit_utf8(const unsigned char *s)
{
	uint32_t c;
	size_t n;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

void junit_escape(const char *s, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n;
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\t': fputs("&#9;", out); break;     /* kept as characters inside attributes */
		case '\n': fputs("&#10;", out); break;
		case '\r': fputs("&#13;", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fputc('?', out);
			} else if (*p < 0x80) {
				fputc(*p, out);
			} else if ((n = junit_utf8(p)) > 0) {
				fwrite(p, 1, n, out);
				p += n;
				continue;
			} else {
				fputc('?', out);
			}
		}
		p++;
	}
}

static void junit_case(FILE *out, const char *suite, const struct lt_outcome *o)
{
	fputs("    <testcase classname=\"", out);
	junit_escape(suite, out);
	fputs("\" name=\"", out);
	junit_escape(o->text, out);
	fprintf(out, "\" file=\"");
	junit_escape(o->where, out);
	fprintf(out, "\" time=\"%.3f\"", o->ms / 1000.0);
	if (o->pass) {
		fputs("/>\n", out);
		return;
	}
	fputs(">\n      <failure message=\"", out);
	junit_escape(o->message, out);
	fprintf(out, "\" type=\"%s\">", o->internal ? "internal-error" : "check-failed");
	junit_escape(o->where, out);
	fputs(": ", out);
	junit_escape(o->head, out);
	fputc(' ', out);
	junit_escape(o->message, out);
	fputs("</failure>\n    </testcase>\n", out);
}

int junit_write(FILE *out, const char *suite, const struct lt_outcome *v, size_t n, double secs)
{
	size_t failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !v[i].pass;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n", n,
		failed, secs);
	fputs("  <testsuite name=\"", out);
	junit_escape(suite, out);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		n, failed, secs);
	for (size_t i = 0; i < n; i++)
		junit_case(out, suite, &v[i]);
	fputs("  </testsuite>\n</testsuites>\n", out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -(errno ? errno : EIO);
}
