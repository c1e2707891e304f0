/* `vpclab asg`, the CLI's side (asg_print.h): per group a header as `vpclab check` writes it,
 * each policy with the last period's value and how close its alarms are, the instances as an
 * aligned table, then the activities newest first with AWS's cause. The router's strings (AWS's
 * wording) are printed as they come; missing or mistyped fields print as "-". */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "control/cli/asg_print.h"

/* AWS's target tracking alarms (control/router/asg_decide.h decides with the same numbers):
 * AlarmHigh scales out after 3 periods above the target, AlarmLow in after 15 below 90% of it.
 * Printed so that a learner sees how far a streak is from acting. */
#define ALARM_HIGH_PERIODS 3
#define ALARM_LOW_PERIODS 15

#define CELL 96   /* one printed field; longer ones are cut (names are at most 15) */

/* A number as a person writes it: 212, 45.5, 0.25 (no exponent, at most 2 decimals). */
static void number(double v, char *buf, size_t cap)
{
	if (v - v != 0) {   /* NaN or infinite (jansson refuses them; a real is still a double) */
		snprintf(buf, cap, "-");
		return;
	}
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		snprintf(buf, cap, "%.0f", v);
		return;
	}
	snprintf(buf, cap, "%.2f", v);
	char *dot = strchr(buf, '.');
	size_t n = strlen(buf);
	while (dot && n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (dot && n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

/* Any scalar as text into buf: strings as they are, numbers, true/false; "-" for null, absent
 * or a list/object. Returns buf. */
static const char *scalar(const json_t *v, char *buf, size_t cap)
{
	if (json_is_string(v))
		snprintf(buf, cap, "%s", json_string_value(v));
	else if (json_is_number(v))
		number(json_number_value(v), buf, cap);
	else if (json_is_boolean(v))
		snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
	else
		snprintf(buf, cap, "-");
	return buf;
}

/* o[key] as text; the buffer is the caller's, one per field printed in one call. */
#define FIELD(o, key, buf) scalar(json_object_get(o, key), buf, sizeof(buf))

/* The strings of list o[key], comma separated, on out; false when there is none. */
static bool print_list(const json_t *o, const char *key, const char *head, FILE *out)
{
	const json_t *l = json_object_get(o, key);
	size_t i;
	json_t *v;
	char buf[CELL];
	if (json_array_size(l) == 0)
		return false;
	fputs(head, out);
	json_array_foreach(l, i, v)
		fprintf(out, "%s%s", i ? ", " : "", scalar(v, buf, sizeof(buf)));
	return true;
}

static void print_header(const json_t *g, FILE *out)
{
	char name[CELL], vpc[CELL], lt[CELL], lo[24], want[24], hi[24];
	fprintf(out, "auto scaling group %s (vpc %s, launch template %s): min %s, desired %s, max %s",
		FIELD(g, "name", name), FIELD(g, "vpc", vpc), FIELD(g, "launch_template", lt),
		FIELD(g, "min", lo), FIELD(g, "desired", want), FIELD(g, "max", hi));
	print_list(g, "subnets", " in ", out);
	fputc('\n', out);
	if (print_list(g, "target_groups", "  target groups ", out))
		fputc('\n', out);
	const json_t *hc = json_object_get(g, "health_check");
	char type[CELL], grace[24], period[24], cool[24];
	fprintf(out, "  health check %s, grace period %s s; metric period %s s; cooldown %s s\n",
		FIELD(hc, "type", type), FIELD(hc, "grace_period", grace),
		FIELD(g, "metric_period", period), FIELD(g, "cooldown", cool));
}

static void print_policies(const json_t *g, FILE *out)
{
	const json_t *ps = json_object_get(g, "policies");
	size_t i;
	json_t *p;
	if (json_array_size(ps) == 0) {
		fprintf(out, "  no scaling policies\n");
		return;
	}
	json_array_foreach(ps, i, p) {
		char name[CELL], metric[CELL], target[32], value[32], above[24], below[24];
		const json_t *v = json_object_get(p, "value");
		fprintf(out, "  policy %s: %s, target %s; last period: %s\n", FIELD(p, "name", name),
			FIELD(p, "metric", metric), FIELD(p, "target", target),
			json_is_number(v) ? scalar(v, value, sizeof(value)) : "no data");
		fprintf(out, "    periods in a row above the target: %s of %d to scale out; below 90%% of "
			"it: %s of %d to scale in\n", FIELD(p, "above", above), ALARM_HIGH_PERIODS,
			FIELD(p, "below", below), ALARM_LOW_PERIODS);
	}
}

/* ---- instances: a table whose columns are as wide as their widest cell ---- */

enum { C_NAME, C_SUBNET, C_IP, C_LIFE, C_HEALTH, C_LAUNCHED, C_TEMPLATE, N_COLS };
static const char *const col_head[N_COLS] = {
	"NAME", "SUBNET (AZ)", "IP", "LIFE", "HEALTH", "LAUNCHED", "TEMPLATE",
};

static void instance_cells(const json_t *x, char cells[N_COLS][CELL])
{
	char subnet[CELL], az[CELL];
	FIELD(x, "subnet", subnet);
	if (json_is_string(json_object_get(x, "az")))
		snprintf(cells[C_SUBNET], CELL, "%.40s (%.40s)", subnet, FIELD(x, "az", az));
	else
		snprintf(cells[C_SUBNET], CELL, "%s", subnet);
	FIELD(x, "name", cells[C_NAME]);
	FIELD(x, "ip", cells[C_IP]);
	FIELD(x, "life", cells[C_LIFE]);
	FIELD(x, "health", cells[C_HEALTH]);
	FIELD(x, "launched", cells[C_LAUNCHED]);
	FIELD(x, "launch_template", cells[C_TEMPLATE]);
}

/* "3 (2 InService, 1 Pending)": how many, and in which lifecycle state. */
static void print_counts(const json_t *list, FILE *out)
{
	static const char *const lives[] = { "InService", "Pending", "Terminating" };
	size_t n[4] = {0}, i, k;
	json_t *x;
	json_array_foreach(list, i, x) {
		const char *life = json_string_value(json_object_get(x, "life"));
		for (k = 0; k < 3 && !(life && strcmp(life, lives[k]) == 0); k++)
			;
		n[k]++;
	}
	fprintf(out, "  instances: %zu (", json_array_size(list));
	bool any = false;
	for (k = 0; k < 4; k++)
		if (n[k]) {
			fprintf(out, "%s%zu %s", any ? ", " : "", n[k], k < 3 ? lives[k] : "other");
			any = true;
		}
	fputs(")\n", out);
}

static void print_instances(const json_t *g, FILE *out)
{
	const json_t *list = json_object_get(g, "instances");
	size_t n = json_array_size(list), i;
	json_t *x;
	if (n == 0) {
		fprintf(out, "  no instances\n");
		return;
	}
	char (*rows)[N_COLS][CELL] = calloc(n, sizeof(*rows));
	if (!rows) {
		fprintf(out, "  %zu instances (out of memory to show them)\n", n);
		return;
	}
	/* the template column only when an instance was launched from another template than the
	 * group's now (an apply changed it: AWS keeps running instances as they were launched) */
	const char *group_lt = json_string_value(json_object_get(g, "launch_template"));
	bool other_lt = false;
	size_t w[N_COLS];
	for (int c = 0; c < N_COLS; c++)
		w[c] = strlen(col_head[c]);
	json_array_foreach(list, i, x) {
		instance_cells(x, rows[i]);
		const char *lt = json_string_value(json_object_get(x, "launch_template"));
		if (lt && (!group_lt || strcmp(lt, group_lt) != 0))
			other_lt = true;
		for (int c = 0; c < N_COLS; c++)
			if (strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	int cols = other_lt ? N_COLS : C_TEMPLATE;
	print_counts(list, out);
	for (size_t r = 0; r <= n; r++) {
		fputs("   ", out);
		for (int c = 0; c < cols; c++) {
			const char *s = r == 0 ? col_head[c] : rows[r - 1][c];
			if (c == cols - 1)
				fprintf(out, " %s", s);
			else
				fprintf(out, " %-*s ", (int)w[c], s);
		}
		fputc('\n', out);
	}
	free(rows);
}

/* ---- activities ---- */

/* AWS joins the events of a cause in one string ("At T1 a monitor alarm ... from 2 to 3.  At T2
 * an instance was started ..."): one line per event, each as AWS wrote it. */
static void print_cause(const char *cause, FILE *out)
{
	while (*cause) {
		const char *end = strstr(cause, ". At ");
		const char *end2 = strstr(cause, ".  At ");
		if (!end || (end2 && end2 < end))
			end = end2;
		if (!end) {
			fprintf(out, "      %s\n", cause);
			return;
		}
		fprintf(out, "      %.*s\n", (int)(end + 1 - cause), cause);
		cause = end + 1;
		cause += strspn(cause, " ");
	}
}

static void print_activities(const json_t *g, FILE *out)
{
	const json_t *list = json_object_get(g, "activities");
	size_t i;
	json_t *a;
	if (json_array_size(list) == 0) {
		fprintf(out, "  no activity yet\n");
		return;
	}
	fprintf(out, "  activity, newest first:\n");
	json_array_foreach(list, i, a) {
		char when[CELL], status[CELL], desc[512];
		fprintf(out, "    %s  %-10s  %s\n", FIELD(a, "time", when), FIELD(a, "status", status),
			FIELD(a, "description", desc));
		const char *cause = json_string_value(json_object_get(a, "cause"));
		const char *details = json_string_value(json_object_get(a, "details"));
		if (cause)
			print_cause(cause, out);
		if (details && details[0])
			fprintf(out, "      details: %s\n", details);
	}
}

static void print_one(const json_t *g, FILE *out)
{
	print_header(g, out);
	print_policies(g, out);
	print_instances(g, out);
	print_activities(g, out);
}

void asg_print(const json_t *ans, FILE *out)
{
	size_t i;
	json_t *g;
	const json_t *all = json_object_get(ans, "groups");
	if (json_array_size(all) == 0) {
		fprintf(out, "no auto scaling groups\n");
		return;
	}
	json_array_foreach(all, i, g) {
		if (i)
			fputc('\n', out);
		print_one(g, out);
	}
}
