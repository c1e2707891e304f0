/* The plan of lab_diff as people read it (one line per change, "no changes" for none) and as
 * programs read it (JSON through jansson, for `vpclab apply --dry-run --json`). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>

#include "control/lab/diff.h"

void lab_plan_print(const struct lab_plan *p, FILE *out)
{
	if (!p->n) {
		fputs("no changes\n", out);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct lab_change *c = &p->v[i];
		/* A change says what moved after a colon; an addition or removal what the object is. */
		const char *sep = !c->detail[0] ? "" : c->op == LAB_CHANGE ? ": " : " ";
		fprintf(out, "%c %s %s%s%s\n", c->op, c->kind, c->name, sep, c->detail);
	}
}

static const char *op_name(char op)
{
	return op == LAB_ADD ? "add" : op == LAB_REMOVE ? "remove" : "change";
}

int lab_plan_print_json(const struct lab_plan *p, FILE *out)
{
	json_t *root = json_object(), *v = json_array();
	if (!root || !v || json_object_set_new(root, "changes", v) < 0) {
		json_decref(root);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct lab_change *c = &p->v[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "op", op_name(c->op), "kind", c->kind,
				      "name", c->name, "detail", c->detail);
		if (!o || json_array_append_new(v, o) < 0) {
			json_decref(root);
			return -ENOMEM;
		}
	}
	int r = json_dumpf(root, out, JSON_INDENT(2)) < 0 ? -EIO : 0;
	json_decref(root);
	if (!r)
		fputc('\n', out);
	return r;
}
