/* The AWS API of a running lab (`vpclab api`): the context a handler sees (the lab, its
 * credentials, its model loaded from the kept copy), the decoded request, and the action table
 * per service. Adding an action is one row in actions.c plus a handler in ec2_*.c/elb.c/... */
#ifndef VPCLAB_API_H
#define VPCLAB_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "control/api/xml.h"

struct lab;
struct vl_tables;

/* The account every id and ARN names: the flow logs' (dataplane/flowlog.h, FLOWLOG_ACCOUNT). */
#define API_ACCOUNT "123456789012"

enum api_service { API_EC2, API_ELB, API_AS, API_N_SERVICES };

/* The running lab as the API serves it. The model is the kept copy (/run/vpclab/LAB/lab.yaml)
 * with its pins, checked, and its compiled tables; api_ctx_refresh reloads both when either
 * file changed (an apply), so a Describe always reads what runs. */
struct api_ctx {
	char lab[64];
	char region[32];             /* the lab's (lab_region) */
	char access_key[32], secret[64];
	char dir[256];               /* /run/vpclab/LAB (tests: a fixture directory) */
	struct lab *m;               /* checked; NULL until loaded */
	struct vl_tables *t;
	struct stat kept_st, pins_st;/* what was loaded, to see a change */
	uint64_t requests;           /* for request ids */
	long skew_s;                 /* allowed clock difference (AWS: 300 s) */
};

/* One decoded parameter: AWS's flattened name (Filter.1.Value.2) and its value, URL-decoded. */
struct api_param {
	char *name, *value;
};

struct api_req {
	enum api_service svc;
	const char *action;          /* "DescribeVpcs" (a parameter's value) */
	const char *version;
	char region[32];             /* of the credential scope */
	bool other_region;           /* not the lab's: an empty world (describes find nothing) */
	char request_id[40];
	struct api_param *p;         /* sorted by name */
	size_t n;
};

/* An AWS filter: Filter.N.Name and its values Filter.N.Value.M. */
struct api_filter {
	const char *name;
	const char **values;
	size_t n_values;
};

/* What a handler gives back: the response's inner XML in x, or an error (api_fail). */
struct api_out {
	struct xml x;
	int status;                  /* 0: success; else the HTTP status of the error */
	char code[64];
	char message[512];
};

/* A handler writes the elements inside <ActionResponse> (EC2, after <requestId>) or inside
 * <ActionResult> (ELBv2, Auto Scaling) into o->x, and returns 0; or returns api_fail(...). */
typedef int (*api_handler)(struct api_ctx *c, const struct api_req *r, struct api_out *o);

struct api_action {
	const char *name;            /* "DescribeVpcs" */
	api_handler fn;
};

/* actions.c: the action tables, one per service (sorted or not: looked up by name). */
const struct api_action *api_action_find(enum api_service svc, const char *name);
const char *api_service_name(enum api_service svc);    /* "ec2", "elasticloadbalancing", ... */
int api_service_of(const char *scope_service);         /* the enum, or -1 */
const char *api_service_xmlns(enum api_service svc);

/* params.c: the request's parameters. api_req_add takes copies; api_req_sort before lookups. */
int api_req_add(struct api_req *r, const char *name, const char *value);
/* The pairs of a query string or form body (application/x-www-form-urlencoded), decoded by
 * libevent, added to r. 0, -EINVAL (malformed), -ENOMEM. */
int api_req_parse(struct api_req *r, const char *qs);
void api_req_sort(struct api_req *r);
void api_req_free(struct api_req *r);
/* The value of name, or NULL. */
const char *api_param(const struct api_req *r, const char *name);
/* The values of PREFIX.1, PREFIX.2, ... (AWS's flattened list, ordered by N; gaps skipped) into
 * out (at most cap); returns how many there are (may exceed cap). */
size_t api_list(const struct api_req *r, const char *prefix, const char **out, size_t cap);
/* The filters Filter.N.Name / Filter.N.Value.M, ordered by N, into out (cap); values point into
 * r and live in a block the caller frees with api_filters_free. -EINVAL (a filter without a
 * name), -E2BIG, -ENOMEM, or how many. */
int api_filters(const struct api_req *r, struct api_filter *out, size_t cap);
void api_filters_free(struct api_filter *f, int n);
/* True when value matches one of the filter's values (AWS's wildcards * and ?). */
bool api_filter_match(const struct api_filter *f, const char *value);

/* errors.c: o gets the error; returns -1 for `return api_fail(...)`. */
int api_fail(struct api_out *o, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The error envelope of svc (EC2's <Response><Errors>, else <ErrorResponse>) into x. */
int api_error_xml(struct xml *x, enum api_service svc, const char *code, const char *message,
		  const char *request_id);

/* ids.c: the stable id of a named object: PREFIX-  and 17 hex digits, a hash of (lab, kind,
 * name); "eni" gives exactly the flow logs' id of that instance. out holds 48 bytes. */
void api_id(char out[48], const char *lab, const char *prefix, const char *name);
/* The availability zone of a subnet's `az` label: REGION + label ("a" -> us-east-1a), a
 * label that is already a zone as it is, none -> REGION + "a". */
void api_zone(char out[64], const char *region, const char *label);
/* A zone's id as AWS writes them: REGIONCODE-azN (us-east-1a -> use1-az1; a longer label gets a
 * stable N from 10 up). */
void api_zone_id(char out[64], const char *region, const char *zone);

/* ctx.c: the context of lab (state directory dir); credentials read from dir/credentials.
 * 0 or -errno (with why in err). */
int api_ctx_open(struct api_ctx *c, const char *lab, const char *dir, char *err, size_t cap);
/* Reloads the model when the kept copy or its pins changed. 0, or -errno (the old model stays). */
int api_ctx_refresh(struct api_ctx *c);
void api_ctx_close(struct api_ctx *c);
/* A fresh copy of the running model (kept copy, pins, checked: *m, lab_free it) to change, and
 * the path of the file the lab was started from ("" when unknown) in source. 0 or -errno. */
int api_ctx_copy(struct api_ctx *c, struct lab **m, char *source, size_t cap);

/* change.c: a changing call. fn changes m (a fresh copy of the running model, api_ctx_copy)
 * and returns 0, or api_fail's -1 with o set (then nothing changes). The changed model is
 * written back as a lab file (lab_export: fn sets the as-written strings, e.g. protocol "tcp",
 * ports "22", cidr) and applied by the router exactly as `vpclab apply` applies a file: its
 * plan, AWS's semantics for open connections, all or nothing. 0 when applied (c reloaded), or
 * -1 with o set: fn's error, the apply's refusal (InvalidParameterValue with the check's
 * words), InternalError. */
struct lab;
typedef int (*api_change_fn)(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o);
int api_change(struct api_ctx *c, api_change_fn fn, void *arg, struct api_out *o);

/* creds.c: dir/credentials (0600, the aws CLI's format, profile vpclab-LAB) with a fresh random
 * key pair when there is none; then the pair into ak/secret. 0 or -errno. */
int api_creds_ensure(const char *dir, const char *lab, char *ak, size_t ak_cap, char *secret,
		     size_t secret_cap);
/* Reads the pair of profile vpclab-LAB from path. 0, -ENOENT, or -EINVAL. */
int api_creds_read(const char *path, const char *lab, char *ak, size_t ak_cap, char *secret,
		   size_t secret_cap);
/* A random access key id (AKIA + 16 of A-Z2-7) and secret (40 of base64's alphabet). 0/-errno. */
int api_creds_new(char ak[21], char secret[41]);

/* dispatch.c: one request, its signature already verified: the action's handler and the
 * service's envelope around its output (or the error's). *status and the body (x) are set. */
void api_dispatch(struct api_ctx *c, struct api_req *r, struct xml *x, int *status);

#endif
