/* An application listener rule as one line of text (lb_rule_text.h): `vpclab check` prints it
 * and apply plans compare it, so two rules that compile the same read the same. */
#include <string.h>

#include "control/lab/lb_rule_text.h"

static const char *const cond_key[] = {
	[VL_LBC_HOST] = "host", [VL_LBC_PATH] = "path", [VL_LBC_METHOD] = "method",
	[VL_LBC_HEADER] = "header", [VL_LBC_QUERY] = "query", [VL_LBC_SOURCE] = "source_ip",
};

/* As is when plain; else in double quotes with C escapes (a value may hold any byte). */
static void put_text(const char *s, size_t max, FILE *out)
{
	size_t n = strlen(s);
	bool plain = n > 0 && strcspn(s, " ,[]\"\\=") == n;
	for (size_t i = 0; i < n && plain; i++)
		plain = s[i] > 0x20 && s[i] < 0x7f;
	if (plain && (!max || n <= max)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0; i < n && (!max || i < max); i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
	if (max && n > max)
		fprintf(out, "...\" (%zu characters)", n);
	else
		fputc('"', out);
}

static void put_value(const struct vl_lb_cond *c, FILE *out)
{
	if (c->kind == VL_LBC_QUERY) {
		put_text(c->name[0] ? c->name : "*", 0, out);
		fputc('=', out);
	}
	put_text(c->value, 0, out);
}

void lb_rule_conds(const struct vl_lb_rule *r, FILE *out)
{
	uint8_t n = r->n_conds < VL_LB_RULE_CONDS ? r->n_conds : VL_LB_RULE_CONDS;
	for (uint8_t i = 0; i < n;) {
		const struct vl_lb_cond *c = &r->conds[i];
		uint8_t end = i + 1;
		while (end < n && r->conds[end].group == c->group)
			end++;
		fprintf(out, "%s%s ", i ? " " : "", c->kind <= VL_LBC_SOURCE ? cond_key[c->kind] : "?");
		if (c->kind == VL_LBC_HEADER) {
			put_text(c->name, 0, out);
			fputc(' ', out);
		}
		if (end - i > 1)
			fputc('[', out);
		for (uint8_t k = i; k < end; k++) {
			if (k > i)
				fputs(", ", out);
			put_value(&r->conds[k], out);
		}
		if (end - i > 1)
			fputc(']', out);
		i = end;
	}
}

void lb_rule_action(const struct vl_lb_rule *r, const char *tg, size_t body_max, FILE *out)
{
	const struct vl_lb_redirect *x = &r->redirect;
	switch (r->action) {
	case VL_LBA_FIXED:
		fprintf(out, "fixed_response %u %s", r->status, r->content_type);
		if (r->body[0]) {
			fputc(' ', out);
			put_text(r->body, body_max, out);
		}
		break;
	case VL_LBA_REDIRECT:
		fprintf(out, "redirect %u %s://%s:%s%s%s%s", r->status, x->protocol, x->host, x->port,
			x->path, x->query[0] ? "?" : "", x->query);
		break;
	default:
		fprintf(out, "forward %s", tg ? tg : "?");
		break;
	}
}
