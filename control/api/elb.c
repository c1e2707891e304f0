/* ELBv2 DescribeLoadBalancers, DescribeListeners and DescribeTargetGroups over the running lab's
 * model and compiled tables; and the ARNs every ELBv2 and Auto Scaling answer shares: stable
 * from the lab and the name, so a script may keep one across applies. Names or ARNs asked for
 * that the lab does not have fail the call (LoadBalancerNotFound, TargetGroupNotFound). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "control/api/elb.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"
#include "vpclab/tables.h"

#define MAX_ASKED 64

void elb_hex16(char out[17], const char *lab, const char *kind, const char *name)
{
	char id[48];
	api_id(id, lab, kind, name);
	/* the id's last 16 hex digits: the full 64-bit hash */
	snprintf(out, 17, "%s", id + strlen(id) - 16);
}

void elb_lb_arn(char out[256], const struct api_ctx *c, const char *name, bool network)
{
	char h[17];
	elb_hex16(h, c->lab, "lb", name);
	snprintf(out, 256, "arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s/%s/%s", c->region,
		 API_ACCOUNT, network ? "net" : "app", name, h);
}

void elb_tg_arn(char out[256], const struct api_ctx *c, const char *name)
{
	char h[17];
	elb_hex16(h, c->lab, "tg", name);
	snprintf(out, 256, "arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", c->region, API_ACCOUNT,
		 name, h);
}

struct lab_lb *elb_lb_by_arn(const struct api_ctx *c, const struct api_req *r, const char *arn)
{
	for (size_t v = 0; arn && !r->other_region && v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_lbs; i++) {
			struct lab_lb *b = &c->m->vpcs[v].lbs[i];
			char a[256];
			elb_lb_arn(a, c, b->name.s, b->kind == VL_LB_NETWORK);
			if (strcmp(a, arn) == 0)
				return b;
		}
	return NULL;
}

struct lab_tg *elb_tg_by_arn(const struct api_ctx *c, const struct api_req *r, const char *arn)
{
	for (size_t v = 0; arn && !r->other_region && v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_tgs; i++) {
			struct lab_tg *g = &c->m->vpcs[v].tgs[i];
			char a[256];
			elb_tg_arn(a, c, g->name.s);
			if (strcmp(a, arn) == 0)
				return g;
		}
	return NULL;
}

struct lab_lb *elb_lb_of(const struct api_ctx *c, uint16_t idx)
{
	for (size_t v = 0; idx != VL_NONE && v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_lbs; i++)
			if (c->m->vpcs[v].lbs[i].gidx == idx)
				return &c->m->vpcs[v].lbs[i];
	return NULL;
}

const char *elb_instance_of(const struct api_ctx *c, const char *id, uint16_t *vpc)
{
	for (size_t v = 0; id && v < c->m->n_vpcs; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_instances; i++) {
			const struct lab_instance *in = &c->m->vpcs[v].instances[i];
			char x[48];
			api_id(x, c->lab, "i", in->name.s);
			if (strcmp(x, id) == 0) {
				*vpc = (uint16_t)v;
				return in->name.s;
			}
		}
	return NULL;
}

void elb_created(const struct api_ctx *c, char out[32])
{
	char path[320];
	struct stat st;
	snprintf(path, sizeof(path), "%s/credentials", c->dir);
	time_t t = stat(path, &st) == 0 ? st.st_mtime : 0;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* AWS's hosted zone of its load balancers' DNS names, per region (the ELB endpoints table);
 * NULL where this lab does not know it. */
static const char *hosted_zone(const char *region, bool network)
{
	static const struct {
		const char *region, *app, *net;
	} z[] = {
		{"us-east-1", "Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"},
		{"us-east-2", "Z3AADJGX6KTTL2", "ZLMOA37VPKANP"},
		{"us-west-1", "Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"},
		{"us-west-2", "Z1H1FL5HABSF5", "Z18D5FSROUN65G"},
		{"eu-west-1", "Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"},
		{"eu-west-3", "Z3Q77PNBQS71R4", "Z1CMS0P5QUZ6D5"},
		{"eu-central-1", "Z215JYRZR1TBD5", "Z3F0SRJ5LGBH90"},
	};
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++)
		if (strcmp(z[i].region, region) == 0)
			return network ? z[i].net : z[i].app;
	return NULL;
}

static const char *ip_text(uint32_t a, char buf[16])
{
	struct in_addr x = {htonl(a)};
	return inet_ntop(AF_INET, &x, buf, 16);
}

static void lb_xml(struct api_ctx *c, const struct lab_lb *b, struct xml *x)
{
	const struct lab_vpc *vpc = &c->m->vpcs[b->vpc];
	bool net = b->kind == VL_LB_NETWORK;
	char arn[256], id[48], created[32], ip[16];
	elb_lb_arn(arn, c, b->name.s, net);
	elb_created(c, created);
	xml_open(x, "member", NULL);
	xml_elem(x, "LoadBalancerArn", arn);
	xml_elem(x, "DNSName", b->dns);
	const char *zone = hosted_zone(c->region, net);
	if (zone)
		xml_elem(x, "CanonicalHostedZoneId", zone);
	xml_elem(x, "CreatedTime", created);
	xml_elem(x, "LoadBalancerName", b->name.s);
	xml_elem(x, "Scheme", b->internet_facing ? "internet-facing" : "internal");
	api_id(id, c->lab, "vpc", vpc->name.s);
	xml_elem(x, "VpcId", id);
	xml_open(x, "State", NULL);
	xml_elem(x, "Code", "active");
	xml_close(x);
	xml_elem(x, "Type", net ? "network" : "application");
	xml_open(x, "AvailabilityZones", NULL);
	for (size_t n = 0; n < b->n_nodes; n++) {
		const struct lab_lb_node *nd = &b->nodes[n];
		const struct lab_subnet *s = lab_find_subnet(c->m, nd->subnet.s);
		char zone_name[64];
		api_zone(zone_name, c->region, s ? s->az.s : NULL);
		xml_open(x, "member", NULL);
		xml_elem(x, "ZoneName", zone_name);
		api_id(id, c->lab, "subnet", nd->subnet.s);
		xml_elem(x, "SubnetId", id);
		if (net) {
			/* AWS lists a network load balancer's addresses per zone; an application
			 * one's change under it and are not listed */
			xml_open(x, "LoadBalancerAddresses", NULL);
			xml_open(x, "member", NULL);
			if (nd->public_addr)
				xml_elem(x, "IpAddress", ip_text(nd->public_addr, ip));
			if (nd->eip_ref && nd->eip_ref->s) {
				api_id(id, c->lab, "eipalloc", nd->eip_ref->s);
				xml_elem(x, "AllocationId", id);
			}
			if (nd->addr_ok)
				xml_elem(x, "PrivateIPv4Address", ip_text(nd->addr, ip));
			xml_close(x);
			xml_close(x);
		}
		xml_close(x);
	}
	xml_close(x);
	xml_open(x, "SecurityGroups", NULL);
	for (size_t k = 0; k < b->security_groups.n; k++) {
		api_id(id, c->lab, "sg", b->security_groups.v[k].s);
		xml_elem(x, "member", id);
	}
	xml_close(x);
	xml_elem(x, "IpAddressType", "ipv4");
	xml_close(x);
}

static bool asked(const char *v, const char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], v) == 0)
			return true;
	return false;
}

int elb_describe_load_balancers(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *arns[MAX_ASKED], *names[MAX_ASKED];
	size_t na = api_list(r, "LoadBalancerArns.member", arns, MAX_ASKED);
	size_t nn = api_list(r, "Names.member", names, MAX_ASKED);
	if (na > MAX_ASKED || nn > MAX_ASKED)
		return api_fail(o, 400, "ValidationError", "Too many load balancers asked for (at most %d)", MAX_ASKED);
	if (na && nn)
		return api_fail(o, 400, "ValidationError",
				"Load balancer names and load balancer ARNs cannot be specified at the same time");
	for (size_t i = 0; i < na; i++)
		if (!elb_lb_by_arn(c, r, arns[i]))
			return api_fail(o, 400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", arns[i]);
	for (size_t i = 0; i < nn; i++) {
		const struct lab_lb *b = r->other_region ? NULL : lab_find_lb(c->m, names[i]);
		if (!b)
			return api_fail(o, 400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", names[i]);
	}
	struct xml *x = &o->x;
	xml_open(x, "LoadBalancers", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_lbs; i++) {
			const struct lab_lb *b = &c->m->vpcs[v].lbs[i];
			char arn[256];
			elb_lb_arn(arn, c, b->name.s, b->kind == VL_LB_NETWORK);
			if ((na && !asked(arn, arns, na)) || (nn && !asked(b->name.s, names, nn)))
				continue;
			lb_xml(c, b, x);
		}
	xml_close(x);
	return 0;
}

static const char *proto_up(uint8_t p)
{
	switch (p) {
	case VL_LBP_TCP: return "TCP";
	case VL_LBP_UDP: return "UDP";
	case VL_LBP_TCP_UDP: return "TCP_UDP";
	default: return "HTTP";
	}
}

int elb_describe_listeners(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *lb_arn = api_param(r, "LoadBalancerArn");
	const char *arns[MAX_ASKED];
	size_t na = api_list(r, "ListenerArns.member", arns, MAX_ASKED);
	if (na > MAX_ASKED)
		return api_fail(o, 400, "ValidationError", "Too many listeners asked for (at most %d)", MAX_ASKED);
	if (!lb_arn && !na)
		return api_fail(o, 400, "ValidationError", "You must specify either listener ARNs or a load balancer ARN");
	const struct lab_lb *only = NULL;
	if (lb_arn && !(only = elb_lb_by_arn(c, r, lb_arn)))
		return api_fail(o, 400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", lb_arn);
	struct xml *x = &o->x;
	size_t found = 0;
	xml_open(x, "Listeners", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_lbs; i++) {
			const struct lab_lb *b = &c->m->vpcs[v].lbs[i];
			if (only && b != only)
				continue;
			bool net = b->kind == VL_LB_NETWORK;
			char arn[256], larn[400], tg[256], h[17], key[160];
			elb_lb_arn(arn, c, b->name.s, net);
			for (size_t l = 0; l < b->n_listeners; l++) {
				const struct lab_listener *ls = &b->listeners[l];
				snprintf(key, sizeof(key), "%s:%lld", b->name.s, ls->port.v);
				elb_hex16(h, c->lab, "listener", key);
				char lbid[17];
				elb_hex16(lbid, c->lab, "lb", b->name.s);
				snprintf(larn, sizeof(larn), "arn:aws:elasticloadbalancing:%s:%s:listener/%s/%s/%s/%s",
					 c->region, API_ACCOUNT, net ? "net" : "app", b->name.s, lbid, h);
				if (na && !asked(larn, arns, na))
					continue;
				found++;
				xml_open(x, "member", NULL);
				xml_elem(x, "ListenerArn", larn);
				xml_elem(x, "LoadBalancerArn", arn);
				xml_elemf(x, "Port", "%lld", ls->port.v);
				xml_elem(x, "Protocol", proto_up(ls->proto));
				xml_open(x, "DefaultActions", NULL);
				if (ls->tg != VL_NONE && ls->tg < c->t->n_tgs) {
					elb_tg_arn(tg, c, c->t->tgs[ls->tg].name);
					xml_open(x, "member", NULL);
					xml_elem(x, "Type", "forward");
					xml_elem(x, "TargetGroupArn", tg);
					xml_close(x);
				}
				xml_close(x);
				xml_close(x);
			}
		}
	xml_close(x);
	if (na && found < na)
		return api_fail(o, 400, "ListenerNotFound", "One or more listeners not found");
	return 0;
}

static void tg_xml(struct api_ctx *c, const struct lab_tg *g, struct xml *x)
{
	const struct vl_tg *t = &c->t->tgs[g->gidx];
	const struct vl_health_check *hc = &t->hc;
	char arn[256], id[48];
	elb_tg_arn(arn, c, g->name.s);
	xml_open(x, "member", NULL);
	xml_elem(x, "TargetGroupArn", arn);
	xml_elem(x, "TargetGroupName", g->name.s);
	xml_elem(x, "Protocol", proto_up(t->proto));
	xml_elemf(x, "Port", "%u", t->port);
	api_id(id, c->lab, "vpc", c->m->vpcs[g->vpc].name.s);
	xml_elem(x, "VpcId", id);
	xml_elem(x, "HealthCheckProtocol", hc->proto == VL_HC_HTTP ? "HTTP" : "TCP");
	if (hc->port)
		xml_elemf(x, "HealthCheckPort", "%u", hc->port);
	else
		xml_elem(x, "HealthCheckPort", "traffic-port");
	xml_bool(x, "HealthCheckEnabled", 1);
	xml_elemf(x, "HealthCheckIntervalSeconds", "%u", hc->interval_s);
	xml_elemf(x, "HealthCheckTimeoutSeconds", "%u", hc->timeout_s);
	xml_elemf(x, "HealthyThresholdCount", "%u", hc->healthy);
	xml_elemf(x, "UnhealthyThresholdCount", "%u", hc->unhealthy);
	if (hc->proto == VL_HC_HTTP) {
		xml_elem(x, "HealthCheckPath", hc->path);
		xml_open(x, "Matcher", NULL);
		if (hc->match_lo == hc->match_hi)
			xml_elemf(x, "HttpCode", "%u", hc->match_lo);
		else
			xml_elemf(x, "HttpCode", "%u-%u", hc->match_lo, hc->match_hi);
		xml_close(x);
	}
	xml_open(x, "LoadBalancerArns", NULL);
	const struct lab_lb *b = elb_lb_of(c, g->lb);
	if (b) {
		elb_lb_arn(arn, c, b->name.s, b->kind == VL_LB_NETWORK);
		xml_elem(x, "member", arn);
	}
	xml_close(x);
	xml_elem(x, "TargetType", "instance");
	if (t->proto == VL_LBP_HTTP)
		xml_elem(x, "ProtocolVersion", "HTTP1");
	xml_elem(x, "IpAddressType", "ipv4");
	xml_close(x);
}

int elb_describe_target_groups(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *arns[MAX_ASKED], *names[MAX_ASKED];
	size_t na = api_list(r, "TargetGroupArns.member", arns, MAX_ASKED);
	size_t nn = api_list(r, "Names.member", names, MAX_ASKED);
	const char *lb_arn = api_param(r, "LoadBalancerArn");
	if (na > MAX_ASKED || nn > MAX_ASKED)
		return api_fail(o, 400, "ValidationError", "Too many target groups asked for (at most %d)", MAX_ASKED);
	if ((na != 0) + (nn != 0) + (lb_arn != NULL) > 1)
		return api_fail(o, 400, "ValidationError",
				"Target group names, target group ARNs and a load balancer ARN cannot be specified at the same time");
	const struct lab_lb *only = NULL;
	if (lb_arn && !(only = elb_lb_by_arn(c, r, lb_arn)))
		return api_fail(o, 400, "LoadBalancerNotFound", "Load balancers '[%s]' not found", lb_arn);
	for (size_t i = 0; i < na; i++)
		if (!elb_tg_by_arn(c, r, arns[i]))
			return api_fail(o, 400, "TargetGroupNotFound", "Target groups '[%s]' not found", arns[i]);
	for (size_t i = 0; i < nn; i++)
		if (r->other_region || !lab_find_tg(c->m, names[i]))
			return api_fail(o, 400, "TargetGroupNotFound", "One or more target groups not found");
	struct xml *x = &o->x;
	xml_open(x, "TargetGroups", NULL);
	for (size_t v = 0; v < c->m->n_vpcs && !r->other_region; v++)
		for (size_t i = 0; i < c->m->vpcs[v].n_tgs; i++) {
			const struct lab_tg *g = &c->m->vpcs[v].tgs[i];
			char arn[256];
			elb_tg_arn(arn, c, g->name.s);
			if ((na && !asked(arn, arns, na)) || (nn && !asked(g->name.s, names, nn)))
				continue;
			if (only && (g->lb == VL_NONE || g->lb != only->gidx))
				continue;
			if (g->gidx >= c->t->n_tgs)
				continue;
			tg_xml(c, g, x);
		}
	xml_close(x);
	return 0;
}
