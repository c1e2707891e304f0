/* EC2 RunInstances and TerminateInstances: instances added to or removed from the running
 * model and applied (api_change), so a launch makes the namespace and starts the UserData
 * command (the lab's `run:`), and a termination ends its processes, namespace and flows.
 * ImageId and InstanceType are accepted and ignored: every lab instance is the host's
 * userland. Names: the Name tag (TagSpecification), else a generated one, i-XXXXXXXX; with
 * MaxCount > 1 the second and later are NAME-2, NAME-3, ... (names stay at most 15 characters). */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_change.h"
#include "control/api/ec2_find.h"

static bool name_ok(const char *s)
{
	if (!s || *s < 'a' || *s > 'z' || strlen(s) > 15)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

/* Taken by anything checks and trace can name (instances, hosts, elastic IPs, ...). */
static bool taken(const struct lab *m, const char *s)
{
	return lab_find_instance(m, s) || lab_find_host(m, s) || lab_find_eip(m, s) ||
	       lab_find_natgw(m, s) || lab_find_lb(m, s);
}

/* The Name tag of TagSpecification.N (ResourceType instance), or NULL. */
static const char *name_tag(const struct api_req *r)
{
	char k[96];
	for (int s = 1; s <= 16; s++) {
		snprintf(k, sizeof(k), "TagSpecification.%d.ResourceType", s);
		const char *type = api_param(r, k);
		if (type && strcmp(type, "instance") != 0)
			continue;
		for (int t = 1; t <= 50; t++) {
			snprintf(k, sizeof(k), "TagSpecification.%d.Tag.%d.Key", s, t);
			const char *key = api_param(r, k);
			if (!key)
				continue;
			snprintf(k, sizeof(k), "TagSpecification.%d.Tag.%d.Value", s, t);
			if (strcmp(key, "Name") == 0)
				return api_param(r, k);
		}
	}
	return NULL;
}

/* UserData: base64 (the CLI and boto3 encode it) -> the `run:` line. 0, or api_fail'd -1. */
static int user_data(struct lab *m, const char *b64, const char **run, struct api_out *o)
{
	size_t n = strlen(b64);
	if (n > 4 * ((LAB_RUN_MAX + 2) / 3) + 4)
		return api_fail(o, 400, "InvalidParameterValue", "User data is limited to %d bytes in vpclab", LAB_RUN_MAX);
	if (n % 4)
		return api_fail(o, 400, "InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.");
	unsigned char *buf = lab_alloc(m, n / 4 * 3 + 1);
	if (!buf)
		return api_fail(o, 500, "InternalError", "Out of memory");
	int len = n ? EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n) : 0;
	if (len < 0)
		return api_fail(o, 400, "InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.");
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		len--; /* EVP_DecodeBlock counts the padding's zero bytes */
	buf[len] = '\0';
	if ((size_t)len != strlen((char *)buf))
		return api_fail(o, 400, "InvalidUserData.Malformed", "User data holds a NUL byte: vpclab runs it as a shell line");
	*run = len ? (const char *)buf : NULL;
	return 0;
}

static bool count_of(const char *s, long *v)
{
	char *end;
	if (!s)
		return false;
	*v = strtol(s, &end, 10);
	return !*end && *v >= 1;
}

int ec2_run_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	struct ec2_run *run = arg;
	const struct api_req *r = run->r;
	run->n = 0;
	long lo = 1, hi = 1;
	if ((api_param(r, "MinCount") && !count_of(api_param(r, "MinCount"), &lo)) ||
	    (api_param(r, "MaxCount") && !count_of(api_param(r, "MaxCount"), &hi)) || lo > hi)
		return api_fail(o, 400, "InvalidParameterValue", "MinCount and MaxCount must be at least 1, MinCount <= MaxCount");
	if (lo > EC2_RUN_MAX)
		return api_fail(o, 400, "InstanceLimitExceeded",
				"vpclab launches at most %d instances per call (MinCount %ld)", EC2_RUN_MAX, lo);
	long n = hi > EC2_RUN_MAX ? EC2_RUN_MAX : hi;
	const char *sid = api_param(r, "SubnetId");
	if (!sid)
		sid = api_param(r, "NetworkInterface.1.SubnetId");
	if (!sid)
		return api_fail(o, 400, "VPCIdNotSpecified", "No default VPC for this user: give SubnetId");
	struct lab_vpc *vpc = NULL;
	struct lab_subnet *sn = r->other_region ? NULL : ec2_find_subnet(c->lab, m, sid, &vpc);
	if (!sn)
		return api_fail(o, 400, "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", sid);
	const char *ip = api_param(r, "PrivateIpAddress");
	if (!ip)
		ip = api_param(r, "NetworkInterface.1.PrivateIpAddress");
	if (ip && n > 1)
		return api_fail(o, 400, "InvalidParameterCombination",
				"Cannot specify a private IP address when launching more than one instance");
	/* security groups: SecurityGroupId.N (ids), SecurityGroup.N (names), or the interface's */
	const char *gids[16], *gnames[16];
	size_t ng = api_list(r, "SecurityGroupId", gids, 16);
	if (!ng)
		ng = api_list(r, "NetworkInterface.1.SecurityGroupId", gids, 16);
	size_t nn = api_list(r, "SecurityGroup", gnames, 16);
	if (ng + nn > 5 || ng > 16 || nn > 16)
		return api_fail(o, 400, "SecurityGroupLimitExceeded", "An instance has at most 5 security groups");
	const char *sgs[10];
	size_t nsg = 0;
	for (size_t i = 0; i < ng; i++) {
		sgs[nsg] = ec2_find_sg(c->lab, vpc, gids[i]);
		if (!sgs[nsg]) {
			char vid[48];
			api_id(vid, c->lab, "vpc", vpc->name.s);
			return api_fail(o, 400, "InvalidGroup.NotFound",
					"The security group '%s' does not exist in VPC '%s'", gids[i], vid);
		}
		nsg++;
	}
	for (size_t i = 0; i < nn; i++) {
		uint16_t gv;
		if (strcmp(gnames[i], "default") != 0 &&
		    (!lab_find_sg(m, gnames[i], &gv) || &m->vpcs[gv] != vpc))
			return api_fail(o, 400, "InvalidGroup.NotFound",
					"The security group '%s' does not exist in the subnet's VPC", gnames[i]);
		sgs[nsg++] = gnames[i];
	}
	const char *cmd = NULL;
	if (api_param(r, "UserData") && user_data(m, api_param(r, "UserData"), &cmd, o) < 0)
		return -1;
	const char *pub = api_param(r, "NetworkInterface.1.AssociatePublicIpAddress");
	const char *tag = name_tag(r);
	struct lab_instance *nv = lab_alloc(m, (vpc->n_instances + (size_t)n) * sizeof(*nv));
	if (!nv)
		return api_fail(o, 500, "InternalError", "Out of memory");
	if (vpc->n_instances)
		memcpy(nv, vpc->instances, vpc->n_instances * sizeof(*nv));
	vpc->instances = nv;
	for (long k = 0; k < n; k++) {
		char *nm = run->names[k];
		if (tag) {
			if (k == 0)
				snprintf(nm, 16, "%s", tag);
			else if ((size_t)snprintf(nm, 16, "%s-%ld", tag, k + 1) >= 16)
				return api_fail(o, 400, "InvalidParameterValue",
						"Name '%s-%ld' is longer than the lab's 15 characters", tag, k + 1);
			if (!name_ok(nm))
				return api_fail(o, 400, "InvalidParameterValue",
						"Name tag '%s': a lab instance name is [a-z][a-z0-9-]*, at most 15 characters", tag);
			if (taken(m, nm))
				return api_fail(o, 400, "InvalidParameterValue",
						"The lab already has an object named '%s': names are unique in a lab", nm);
		} else {
			/* i- and 8 hex of a hash of the request: a valid lab name, unlikely to be taken */
			unsigned salt = 0;
			do {
				char seed[96], h[48];
				snprintf(seed, sizeof(seed), "%s/%ld/%u", r->request_id, k, salt++);
				api_id(h, c->lab, "run", seed);
				snprintf(nm, 16, "i-%.8s", h + 4 + 9);
			} while (taken(m, nm));
		}
		struct lab_instance *x = &vpc->instances[vpc->n_instances];
		*x = (struct lab_instance){.at = sn->at, .vpc = vpc->gidx, .gidx = VL_NONE,
					   .subnet_idx = VL_NONE, .eip = VL_NONE};
		x->name = ec2_str(m, nm, sn->at);
		x->subnet = ec2_str(m, sn->name.s, sn->at);
		if (!x->name.s || !x->subnet.s)
			return api_fail(o, 500, "InternalError", "Out of memory");
		if (ip && !(x->ip = ec2_str(m, ip, sn->at)).s)
			return api_fail(o, 500, "InternalError", "Out of memory");
		if (cmd)
			x->run = (struct lab_str){.s = cmd, .at = sn->at};
		if (pub)
			x->public_ip = (struct lab_bool){.v = strcmp(pub, "true") == 0, .set = true, .at = sn->at};
		if (nsg) {
			x->security_groups = (struct lab_names){.n = nsg, .set = true, .at = sn->at,
								.v = lab_alloc(m, nsg * sizeof(struct lab_str))};
			if (!x->security_groups.v)
				return api_fail(o, 500, "InternalError", "Out of memory");
			for (size_t g = 0; g < nsg; g++)
				if (!(x->security_groups.v[g] = ec2_str(m, sgs[g], sn->at)).s)
					return api_fail(o, 500, "InternalError", "Out of memory");
		}
		vpc->n_instances++;
		run->n++;
	}
	return 0;
}

static void state(struct xml *x, const char *el, int code, const char *name)
{
	xml_open(x, el, NULL);
	xml_elemf(x, "code", "%d", code);
	xml_elem(x, "name", name);
	xml_close(x);
}

static void addr_text(uint32_t a, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* One instance as RunInstances' instancesSet item (DescribeInstances' shape), state st. */
static void instance_item(struct api_ctx *c, struct xml *x, const struct lab_instance *in,
			  const struct lab_vpc *v, int code, const char *st)
{
	char id[48], eni[48], sid[48], vid[48], ip[20], zone[64], dns[96], gid[48];
	api_id(id, c->lab, "i", in->name.s);
	api_id(eni, c->lab, "eni", in->name.s);
	api_id(sid, c->lab, "subnet", in->subnet.s);
	api_id(vid, c->lab, "vpc", v->name.s);
	const struct lab_subnet *sn = lab_find_subnet(c->m, in->subnet.s);
	api_zone(zone, c->region, sn ? sn->az.s : NULL);
	addr_text(in->addr, ip, sizeof(ip));
	snprintf(dns, sizeof(dns), "ip-%u-%u-%u-%u.%s", in->addr >> 24, (in->addr >> 16) & 255,
		 (in->addr >> 8) & 255, in->addr & 255,
		 strcmp(c->region, "us-east-1") == 0 ? "ec2.internal" : c->region);
	if (strcmp(c->region, "us-east-1") != 0)
		snprintf(dns + strlen(dns), sizeof(dns) - strlen(dns), ".compute.internal");
	xml_open(x, "item", NULL);
	xml_elem(x, "instanceId", id);
	xml_elem(x, "imageId", "ami-00000000000000000");
	state(x, "instanceState", code, st);
	xml_elem(x, "privateDnsName", in->addr_ok ? dns : "");
	xml_elem(x, "dnsName", "");
	xml_elem(x, "amiLaunchIndex", "0");
	xml_elem(x, "instanceType", "t3.micro");
	xml_open(x, "placement", NULL);
	xml_elem(x, "availabilityZone", zone);
	xml_elem(x, "tenancy", "default");
	xml_close(x);
	xml_open(x, "monitoring", NULL);
	xml_elem(x, "state", "disabled");
	xml_close(x);
	xml_elem(x, "subnetId", sid);
	xml_elem(x, "vpcId", vid);
	if (in->addr_ok)
		xml_elem(x, "privateIpAddress", ip);
	if (in->public_addr) {
		char pub[20];
		addr_text(in->public_addr, pub, sizeof(pub));
		xml_elem(x, "ipAddress", pub);
	}
	xml_bool(x, "sourceDestCheck", !in->source_dest_check.set || in->source_dest_check.v);
	xml_open(x, "groupSet", NULL);
	for (size_t g = 0; g < (in->security_groups.n ? in->security_groups.n : 1); g++) {
		const char *gn = in->security_groups.n ? in->security_groups.v[g].s : "default";
		ec2_model_sg_id(gid, c->lab, v, gn);
		xml_open(x, "item", NULL);
		xml_elem(x, "groupId", gid);
		xml_elem(x, "groupName", gn);
		xml_close(x);
	}
	xml_close(x);
	xml_elem(x, "architecture", "x86_64");
	xml_elem(x, "rootDeviceType", "ebs");
	xml_elem(x, "virtualizationType", "hvm");
	xml_open(x, "networkInterfaceSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "networkInterfaceId", eni);
	xml_elem(x, "subnetId", sid);
	xml_elem(x, "vpcId", vid);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_elem(x, "status", "in-use");
	if (in->addr_ok)
		xml_elem(x, "privateIpAddress", ip);
	xml_close(x);
	xml_close(x);
	ec2_name_tags(x, in->name.s);
	xml_close(x);
}

int ec2_run_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct ec2_run run = {.r = r};
	if (api_change(c, ec2_run_edit, &run, o) < 0)
		return -1;
	struct xml *x = &o->x;
	char rid[48];
	api_id(rid, c->lab, "r", r->request_id);
	xml_elem(x, "reservationId", rid);
	xml_elem(x, "ownerId", API_ACCOUNT);
	xml_elem(x, "groupSet", NULL);
	xml_open(x, "instancesSet", NULL);
	for (int k = 0; k < run.n; k++) {
		struct lab_instance *in = lab_find_instance(c->m, run.names[k]);
		if (in)
			instance_item(c, x, in, &c->m->vpcs[in->vpc < c->m->n_vpcs ? in->vpc : 0], 16, "running");
	}
	xml_close(x);
	return 0;
}

/* Every reference to a removed instance goes as AWS lets it go: its elastic IP is disassociated
 * (stays allocated), routes to it stay as blackholes, target groups deregister it; the file's
 * own checks that name it go with it (they cannot run). */
static int forget(struct lab *m, const char *name)
{
	for (size_t i = 0; i < m->n_eips; i++)
		if (m->eips[i].instance.s && strcmp(m->eips[i].instance.s, name) == 0)
			m->eips[i].instance = (struct lab_str){.at = m->eips[i].at};
	for (size_t v = 0; v < m->n_vpcs; v++) {
		struct lab_vpc *vpc = &m->vpcs[v];
		for (size_t t = 0; t < vpc->n_route_tables; t++)
			for (size_t k = 0; k < vpc->route_tables[t].n_routes; k++) {
				struct lab_route *rt = &vpc->route_tables[t].routes[k];
				if (rt->target.s && strcmp(rt->target.s, name) == 0 &&
				    !(rt->target.s = lab_strdup(m, "blackhole")))
					return -1;
			}
		for (size_t g = 0; g < vpc->n_tgs; g++) {
			struct lab_tg *tg = &vpc->tgs[g];
			size_t w = 0;
			for (size_t k = 0; k < tg->n_targets; k++)
				if (!tg->targets[k].instance.s || strcmp(tg->targets[k].instance.s, name) != 0)
					tg->targets[w++] = tg->targets[k];
			tg->n_targets = w;
		}
	}
	size_t w = 0;
	for (size_t i = 0; i < m->n_checks; i++) {
		const struct lab_check *k = &m->checks[i];
		bool names = (k->from.s && !strcmp(k->from.s, name)) || (k->to.s && !strcmp(k->to.s, name)) ||
			     (k->seen_as.s && !strcmp(k->seen_as.s, name));
		if (!names)
			m->checks[w++] = m->checks[i];
	}
	m->n_checks = w;
	return 0;
}

int ec2_terminate_edit(struct api_ctx *c, struct lab *m, void *arg, struct api_out *o)
{
	const struct api_req *r = arg;
	const char *ids[64];
	size_t n = api_list(r, "InstanceId", ids, 64);
	if (!n)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter InstanceId");
	if (n > 64)
		return api_fail(o, 400, "InvalidParameterValue", "At most 64 instances per call in vpclab");
	for (size_t i = 0; i < n; i++) {
		struct lab_instance *in = r->other_region ? NULL : ec2_find_instance(c->lab, m, ids[i], NULL);
		if (!in || strncmp(ids[i], "i-", 2) != 0)
			return api_fail(o, 400, "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", ids[i]);
		if (in->group)
			return api_fail(o, 400, "InvalidParameterValue",
					"Instance '%s' belongs to auto scaling group '%s': change the group's capacity",
					ids[i], in->group);
	}
	for (size_t i = 0; i < n; i++) {
		struct lab_vpc *vpc = NULL;
		struct lab_instance *in = ec2_find_instance(c->lab, m, ids[i], &vpc);
		if (!in)
			continue; /* named twice */
		const char *name = in->name.s;
		if (forget(m, name) < 0)
			return api_fail(o, 500, "InternalError", "Out of memory");
		size_t at = (size_t)(in - vpc->instances);
		memmove(in, in + 1, (vpc->n_instances - at - 1) * sizeof(*in));
		vpc->n_instances--;
	}
	return 0;
}

int ec2_terminate_instances(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	/* the ids as asked, checked and answered after the change */
	if (api_change(c, ec2_terminate_edit, (void *)r, o) < 0)
		return -1;
	const char *ids[64];
	size_t n = api_list(r, "InstanceId", ids, 64);
	struct xml *x = &o->x;
	xml_open(x, "instancesSet", NULL);
	for (size_t i = 0; i < n && i < 64; i++) {
		xml_open(x, "item", NULL);
		xml_elem(x, "instanceId", ids[i]);
		state(x, "currentState", 48, "terminated");
		state(x, "previousState", 16, "running");
		xml_close(x);
	}
	xml_close(x);
	return 0;
}
