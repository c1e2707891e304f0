/* `vpclab dns [LAB] NAME [--from INSTANCE|HOST] [--type TYPE] [--json]`: NAME asked of the VPC
 * resolver as instance or internet host INSTANCE would ask it (`dns {...}`, include/vpclab/ctl.h),
 * printed as the answer's records and the record or rule that decided each name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/cli/cli.h"
#include "control/cli/ctl_client.h"
#include "vpclab/ctl.h"

static const struct { const char *name; int wire; } dns_types[] = {
	{"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15}, {"TXT", 16},
	{"AAAA", 28}, {"SRV", 33}, {"ANY", 255},
};

static int dns_type_of(const char *s)
{
	for (size_t i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (strcasecmp(s, dns_types[i].name) == 0)
			return dns_types[i].wire;
	return -1;
}

/* An IPv4 address asked without a type is its PTR question, as `dig -x`. */
static bool reverse_name(const char *s, char *out, size_t cap)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	const uint8_t *b = (const uint8_t *)&a.s_addr;
	snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
	return true;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "";
}

static void rr_print(const char *head, const json_t *rrs, FILE *out)
{
	size_t i;
	json_t *rr;
	json_array_foreach(rrs, i, rr)
		fprintf(out, "%s%s.\t%lld\tIN\t%s\t%s\n", head, jstr(rr, "name"),
			(long long)json_integer_value(json_object_get(rr, "ttl")), jstr(rr, "type"),
			jstr(rr, "data"));
}

/* The asker, the records (as dig prints them), then each name looked up with what decided. */
static void dns_print(const json_t *ans, FILE *out)
{
	const char *vpc = json_string_value(json_object_get(ans, "vpc"));
	const json_t *steps = json_object_get(ans, "steps");
	fprintf(out, "%s %s asked from %s %s", jstr(ans, "name"), jstr(ans, "type"),
		vpc ? "instance" : "internet host", jstr(ans, "from"));
	if (vpc)
		fprintf(out, " (VPC %s, its resolver at base+2)\n", vpc);
	else
		fprintf(out, " (the lab's public resolver 192.0.2.53)\n");
	if (!json_is_true(json_object_get(ans, "answered"))) {
		fprintf(out, "no answer: %s\n", jstr(json_array_get(steps, 0), "why"));
		return;
	}
	rr_print("", json_object_get(ans, "answers"), out);
	rr_print("authority: ", json_object_get(ans, "authority"), out);
	fprintf(out, "decided by:\n");
	size_t i;
	json_t *st;
	json_array_foreach(steps, i, st)
		fprintf(out, "  %s%s %s: %s\n", i ? "then " : "", jstr(st, "name"), jstr(ans, "type"),
			jstr(st, "why"));
	if (jstr(ans, "note")[0])
		fprintf(out, "  %s\n", jstr(ans, "note"));
	size_t n = json_array_size(json_object_get(ans, "answers"));
	fprintf(out, "  %s, %zu answer%s\n", jstr(ans, "rcode"), n, n == 1 ? "" : "s");
}

static int cmd_dns(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'}, {"type", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'}, {"lab", required_argument, NULL, 'L'},
		CLI_OPT_HELP, {0},
	};
	const char *given = NULL, *from = NULL, *type = NULL;
	bool as_json = false;
	int o;
	while ((o = cli_next(&cli_dns, argc, argv, "h", opts)) != -1) {
		if (o == 'j')
			as_json = true;
		else if (o == 'L')
			given = optarg;
		else if (o == 'f')
			from = optarg;
		else if (o == 't')
			type = optarg;
		else
			return cli_stop(o);
	}
	int ops = argc - optind;
	if (ops == 0)
		return cli_missing(&cli_dns, "NAME");
	if (ops > (given ? 1 : 2))
		return cli_extra(&cli_dns, argv[optind + (given ? 1 : 2)]);
	if (ops == 2)
		given = argv[optind];
	const char *name = argv[argc - 1];
	char rev[32];
	int wire = type ? dns_type_of(type) : 1;
	if (wire < 0) {
		fprintf(stderr, "vpclab: dns: '%s' is not a record type (A, AAAA, PTR, CNAME, TXT, MX, "
			"SRV, NS, SOA, ANY)\n", type);
		return EXIT_USAGE;
	}
	if ((!type || wire == 12) && reverse_name(name, rev, sizeof(rev))) {
		name = rev;
		wire = 12;
	}
	if (strlen(name) > 253 || !name[0]) {
		fprintf(stderr, "vpclab: dns: a name has 1 to 253 characters\n");
		return EXIT_USAGE;
	}
	json_t *q = json_pack("{s:s, s:i}", "name", name, "type", wire);
	if (from)
		json_object_set_new(q, "from", json_string(from));
	char *spec = q ? json_dumps(q, JSON_COMPACT) : NULL, lab[64], req[VL_CTL_MAX_LINE];
	json_decref(q);
	if (!spec || (size_t)snprintf(req, sizeof(req), "%s %s", VL_CTL_DNS, spec) >= sizeof(req) - 1) {
		free(spec);
		fprintf(stderr, "vpclab: dns: the question is too long\n");
		return EXIT_USAGE;
	}
	free(spec);
	json_t *ans = NULL;
	int rc = cli_lab(&cli_dns, given, lab, sizeof(lab));
	if (rc)
		return rc;
	if ((rc = ctl_request(lab, req, &ans)) < 0)
		return cli_not_running(&cli_dns, lab, rc);
	const char *err = json_string_value(json_object_get(ans, "error"));
	if (err) {
		if (from && strstr(err, "no such"))
			fprintf(stderr, "vpclab: dns: %s: '%s' in lab %s\n", err, from, lab);
		else
			fprintf(stderr, "vpclab: dns: %s\n", err);
		json_decref(ans);
		return EXIT_INPUT;
	}
	if (as_json)
		cli_print_json(ans);
	else
		dns_print(ans, stdout);
	json_decref(ans);
	return EXIT_OK;
}

const struct cli_cmd cli_dns = {
	"dns", cmd_dns, "ask the VPC resolver a name, as an instance or internet host would",
	"usage: vpclab dns [LAB] NAME [--from INSTANCE|HOST] [--type TYPE] [--json]   (or --lab LAB)\n"
	"  answers NAME as the VPC resolver answers the asker: an instance asks its VPC's resolver\n"
	"  (base+2), an internet host the lab's public resolver (192.0.2.53). Prints the answer's\n"
	"  records and, for each name looked up (the question, then each CNAME target), the record,\n"
	"  zone or AWS name that decided, and the response code (NOERROR, NXDOMAIN, ...).\n"
	"  --from NAME  the asker: an instance or internet host (default: the lab's first instance)\n"
	"  --type TYPE  A (default), AAAA, PTR, CNAME, TXT, MX, SRV, NS, SOA or ANY; an IPv4\n"
	"               address as NAME asks its PTR record (as dig -x)\n"
	"  --json       {name, from, from_kind, vpc, answered, type, rcode, answers: [{name, type,\n"
	"               ttl, data}], authority, steps: [{name, source, rcode, why, zone, record,\n"
	"               instance, load_balancer}]}\n"
	"  answered false: nothing answers the asker (its VPC's DNS support is off).\n"
	"  LAB: the only lab on this machine, or $VPCLAB_LAB, when left out.\n"
	"exit: 0 answered (whatever the response code), 1 not running or no such asker, 2 usage,\n"
	"  3 no permission\n",
};
