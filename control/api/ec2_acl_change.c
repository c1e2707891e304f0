/* EC2 CreateNetworkAclEntry, ReplaceNetworkAclEntry, DeleteNetworkAclEntry: a rule of a network
 * ACL's inbound (Egress false) or outbound list added, replaced or removed in the running model
 * and applied (api_change). ACLs are stateless: the next packet meets the new rules, open
 * connections included, as in AWS. The VPC's default ACL, when the file leaves it out, is
 * written into it with AWS's rules (100 allows all, both ways) first, then changed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/ec2_change.h"
#include "control/api/ec2_find.h"

enum acl_op { ACL_CREATE, ACL_REPLACE, ACL_DELETE };

static enum acl_op op_of(const struct api_req *r)
{
	if (r->action && strcmp(r->action, "DeleteNetworkAclEntry") == 0)
		return ACL_DELETE;
	if (r->action && strcmp(r->action, "ReplaceNetworkAclEntry") == 0)
		return ACL_REPLACE;
	return ACL_CREATE;
}

static bool int_of(const char *s, long lo, long hi, long *v)
{
	char *end;
	if (!s || !*s)
		return false;
	long x = strtol(s, &end, 10);
	if (*end || x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

/* AWS's Protocol (a number, -1 for all, or a name the CLI passes through) as the lab file
 * writes it; NULL when invalid. */
static const char *protocol_text(const char *p, char *buf, size_t cap)
{
	long n;
	if (strcmp(p, "-1") == 0 || strcmp(p, "all") == 0)
		return "all";
	if (strcmp(p, "tcp") == 0 || strcmp(p, "udp") == 0 || strcmp(p, "icmp") == 0)
		return p;
	if (!int_of(p, 0, 255, &n))
		return NULL;
	if (n == 6 || n == 17 || n == 1)
		return n == 6 ? "tcp" : n == 17 ? "udp" : "icmp";
	snprintf(buf, cap, "%ld", n);
	return buf;
}

/* The rule the request describes (Protocol, RuleAction, CidrBlock, PortRange, IcmpTypeCode)
 * into *x, strings in m's arena; 0 or api_fail'd -1. */
static int decode_rule(struct lab *m, const struct api_req *r, struct loc at, long number,
		       struct lab_acl_rule *x, struct api_out *o)
{
	const char *proto = api_param(r, "Protocol"), *action = api_param(r, "RuleAction");
	const char *cidr = api_param(r, "CidrBlock");
	if (!proto)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter protocol");
	if (!action)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter ruleAction");
	if (!cidr) {
		if (api_param(r, "Ipv6CidrBlock"))
			return api_fail(o, 400, "InvalidParameterValue", "vpclab's network ACLs are IPv4 only: give CidrBlock");
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter cidrBlock");
	}
	char pbuf[8];
	const char *ptext = protocol_text(proto, pbuf, sizeof(pbuf));
	if (!ptext)
		return api_fail(o, 400, "InvalidParameterValue", "Invalid value '%s' for protocol", proto);
	if (strcmp(action, "allow") != 0 && strcmp(action, "deny") != 0)
		return api_fail(o, 400, "InvalidParameterValue",
				"Value (%s) for parameter ruleAction is invalid. Valid values: allow, deny", action);
	struct prefix4 p;
	if (prefix_parse(cidr, &p, true) < 0)
		return api_fail(o, 400, "InvalidParameterValue",
				"Value (%s) for parameter cidrBlock is invalid. This is not a valid CIDR block.", cidr);
	char canon[32], ports[16] = "";
	snprintf(canon, sizeof(canon), "%u.%u.%u.%u/%u", p.addr >> 24, (p.addr >> 16) & 255,
		 (p.addr >> 8) & 255, p.addr & 255, p.len);
	*x = (struct lab_acl_rule){.at = at};
	x->rule = (struct lab_int){.v = number, .set = true, .at = at};
	x->action = ec2_str(m, action, at);
	x->cidr = ec2_str(m, canon, at);
	x->match.protocol = ec2_str(m, ptext, at);
	bool tcpudp = strcmp(ptext, "tcp") == 0 || strcmp(ptext, "udp") == 0;
	const char *from = api_param(r, "PortRange.From"), *to = api_param(r, "PortRange.To");
	if (tcpudp && (from || to)) {
		long lo, hi;
		if (!int_of(from ? from : to, 0, 65535, &lo) || !int_of(to ? to : from, 0, 65535, &hi) || lo > hi)
			return api_fail(o, 400, "InvalidParameterValue", "Invalid port range %s-%s",
					from ? from : "", to ? to : "");
		if (lo == hi)
			snprintf(ports, sizeof(ports), "%ld", lo);
		else
			snprintf(ports, sizeof(ports), "%ld-%ld", lo, hi);
		if (!(lo == 0 && hi == 65535)) {
			x->match.ports = ec2_str(m, ports, at);
			if (!x->match.ports.s)
				return api_fail(o, 500, "InternalError", "Out of memory");
		}
	} else if (tcpudp) {
		return api_fail(o, 400, "MissingParameter",
				"The request must contain the parameter portRange for protocol %s", ptext);
	}
	if (strcmp(ptext, "icmp") == 0) {
		long type = -1, code = -1;
		/* botocore writes the member IcmpTypeCode under its wire name Icmp */
		const char *ts = api_param(r, "Icmp.Type"), *cs = api_param(r, "Icmp.Code");
		if (!ts && !cs) {
			ts = api_param(r, "IcmpTypeCode.Type");
			cs = api_param(r, "IcmpTypeCode.Code");
		}
		if ((ts && !int_of(ts, -1, 255, &type)) || (cs && !int_of(cs, -1, 255, &code)))
			return api_fail(o, 400, "InvalidParameterValue", "Invalid ICMP type or code");
		/* -1 is AWS's "all": the lab file's absent key; a code only means something with a type */
		if (type >= 0) {
			x->match.icmp_type = (struct lab_int){.v = type, .set = true, .at = at};
			if (code >= 0)
				x->match.icmp_code = (struct lab_int){.v = code, .set = true, .at = at};
		}
	}
	if (!x->action.s || !x->cidr.s || !x->match.protocol.s)
		return api_fail(o, 500, "InternalError", "Out of memory");
	return 0;
}

/* AWS's rule 100 that allows everything, as a file writes it. */
static struct lab_acl_rule allow_all(struct lab *m, struct loc at)
{
	return (struct lab_acl_rule){.at = at, .rule = {.v = 100, .set = true, .at = at},
		.action = ec2_str(m, "allow", at), .cidr = ec2_str(m, "0.0.0.0/0", at),
		.match = {.protocol = ec2_str(m, "all", at)}};
}

/* vpc's `default` ACL in m: the declared one, or one added with AWS's implicit rules; NULL:
 * memory. */
static struct lab_acl *default_declare(struct lab *m, struct lab_vpc *vpc)
{
	struct lab_acl *a = lab_vpc_default_acl(vpc);
	if (a)
		return a;
	struct lab_acl *nv = lab_alloc(m, (vpc->n_acls + 1) * sizeof(*nv));
	struct lab_acl_rule *in = lab_alloc(m, sizeof(*in)), *out = lab_alloc(m, sizeof(*out));
	if (!nv || !in || !out)
		return NULL;
	if (vpc->n_acls)
		memcpy(nv, vpc->acls, vpc->n_acls * sizeof(*nv));
	a = &nv[vpc->n_acls];
	*a = (struct lab_acl){.at = vpc->at, .name = ec2_str(m, "default", vpc->at), .in = in,
			      .out = out, .n_in = 1, .n_out = 1};
	*in = allow_all(m, vpc->at);
	*out = allow_all(m, vpc->at);
	if (!a->name.s || !in->action.s || !in->cidr.s || !in->match.protocol.s || !out->action.s ||
	    !out->cidr.s || !out->match.protocol.s)
		return NULL;
	vpc->acls = nv;
	vpc->n_acls++;
	return a;
}

int ec2_acl_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	const struct api_req *r = arg;
	enum acl_op op = op_of(r);
	const char *id = api_param(r, "NetworkAclId"), *num = api_param(r, "RuleNumber");
	const char *egress = api_param(r, "Egress");
	if (!id)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter networkAclId");
	if (!num)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter ruleNumber");
	if (!egress)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter egress");
	long n;
	if (!int_of(num, 1, 32766, &n))
		return api_fail(o, 400, "InvalidParameterValue",
				"Value (%s) for parameter ruleNumber is invalid. Valid values are 1 to 32766", num);
	bool out = strcmp(egress, "true") == 0;
	struct ec2_acl ref;
	if (r->other_region || ec2_find_acl(c->lab, m, id, &ref) < 0)
		return api_fail(o, 400, "InvalidNetworkAclID.NotFound", "The networkAcl ID '%s' does not exist", id);
	struct lab_acl *a = ref.a ? ref.a : default_declare(m, ref.vpc);
	if (!a)
		return api_fail(o, 500, "InternalError", "Out of memory");
	struct lab_acl_rule **list = out ? &a->out : &a->in;
	size_t *count = out ? &a->n_out : &a->n_in;
	long at = -1;
	for (size_t i = 0; i < *count; i++)
		if ((*list)[i].rule.v == n)
			at = (long)i;
	if (op == ACL_CREATE && at >= 0)
		return api_fail(o, 400, "NetworkAclEntryAlreadyExists",
				"The network acl entry identified by %ld already exists.", n);
	if (op != ACL_CREATE && at < 0)
		return api_fail(o, 400, "InvalidNetworkAclEntry.NotFound",
				"The network acl entry identified by %ld (%s) does not exist in %s", n,
				out ? "egress" : "ingress", id);
	if (op == ACL_DELETE) {
		memmove(&(*list)[at], &(*list)[at + 1], (*count - (size_t)at - 1) * sizeof(**list));
		(*count)--;
		return 0;
	}
	struct lab_acl_rule x;
	if (decode_rule(m, r, a->at, n, &x, o) < 0)
		return -1;
	if (op == ACL_REPLACE) {
		(*list)[at] = x;
		return 0;
	}
	/* kept in rule-number order, as AWS lists them and a person writes them */
	struct lab_acl_rule *nv = lab_alloc(m, (*count + 1) * sizeof(*nv));
	if (!nv)
		return api_fail(o, 500, "InternalError", "Out of memory");
	size_t k = 0;
	while (k < *count && (*list)[k].rule.v < n)
		k++;
	if (k)
		memcpy(nv, *list, k * sizeof(*nv));
	nv[k] = x;
	if (*count > k)
		memcpy(&nv[k + 1], &(*list)[k], (*count - k) * sizeof(*nv));
	*list = nv;
	(*count)++;
	return 0;
}

static int acl_call(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	if (api_change(c, ec2_acl_edit, (void *)r, o) < 0)
		return -1;
	ec2_return_true(o);
	return 0;
}

int ec2_create_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return acl_call(c, r, o);
}

int ec2_replace_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return acl_call(c, r, o);
}

int ec2_delete_network_acl_entry(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	return acl_call(c, r, o);
}
