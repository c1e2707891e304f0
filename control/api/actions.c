/* The action tables, one per service: an action is a row here and a handler in its family's
 * file. api_dispatch wraps the handler's output in its service's envelope (EC2's
 * <XResponse><requestId>, ELBv2's and Auto Scaling's <XResponse><XResult>...<ResponseMetadata>). */
#include <stdio.h>
#include <string.h>

#include "control/api/api.h"
#include "control/api/ec2.h"
#include "control/api/ec2_change.h"
#include "control/api/ec2_desc.h"
#include "control/api/elb.h"

static const struct api_action ec2_actions[] = {
	{"AssociateAddress", ec2_associate_address},
	{"AuthorizeSecurityGroupEgress", ec2_authorize_sg_egress},
	{"AuthorizeSecurityGroupIngress", ec2_authorize_sg_ingress},
	{"CreateNetworkAclEntry", ec2_create_network_acl_entry},
	{"CreateRoute", ec2_create_route},
	{"DeleteNetworkAclEntry", ec2_delete_network_acl_entry},
	{"DeleteRoute", ec2_delete_route},
	{"DescribeAddresses", ec2_describe_addresses},
	{"DescribeAvailabilityZones", ec2_describe_availability_zones},
	{"DescribeInstances", ec2_describe_instances},
	{"DescribeInternetGateways", ec2_describe_internet_gateways},
	{"DescribeNatGateways", ec2_describe_nat_gateways},
	{"DescribeNetworkAcls", ec2_describe_network_acls},
	{"DescribeNetworkInterfaces", ec2_describe_network_interfaces},
	{"DescribeRegions", ec2_describe_regions},
	{"DescribeRouteTables", ec2_describe_route_tables},
	{"DescribeSecurityGroupRules", ec2_describe_security_group_rules},
	{"DescribeSecurityGroups", ec2_describe_security_groups},
	{"DescribeSubnets", ec2_describe_subnets},
	{"DescribeTags", ec2_describe_tags},
	{"DescribeVpcAttribute", ec2_describe_vpc_attribute},
	{"DescribeVpcs", ec2_describe_vpcs},
	{"DisassociateAddress", ec2_disassociate_address},
	{"ReplaceNetworkAclEntry", ec2_replace_network_acl_entry},
	{"ReplaceRoute", ec2_replace_route},
	{"RevokeSecurityGroupEgress", ec2_revoke_sg_egress},
	{"RevokeSecurityGroupIngress", ec2_revoke_sg_ingress},
	{"RunInstances", ec2_run_instances},
	{"TerminateInstances", ec2_terminate_instances},
	{NULL, NULL},
};

static const struct api_action elb_actions[] = {
	{"DescribeListeners", elb_describe_listeners},
	{"DescribeLoadBalancers", elb_describe_load_balancers},
	{"DescribeTargetGroups", elb_describe_target_groups},
	{"DescribeTargetHealth", elb_describe_target_health},
	{"DeregisterTargets", elb_deregister_targets},
	{"RegisterTargets", elb_register_targets},
	{NULL, NULL},
};

static const struct api_action as_actions[] = {
	{"DescribeAutoScalingGroups", as_describe_groups},
	{"DescribePolicies", as_describe_policies},
	{"DescribeScalingActivities", as_describe_activities},
	{"SetDesiredCapacity", as_set_desired},
	{"UpdateAutoScalingGroup", as_update_group},
	{NULL, NULL},
};

static const struct {
	const char *scope, *xmlns;
	const struct api_action *actions;
} services[API_N_SERVICES] = {
	[API_EC2] = {"ec2", "http://ec2.amazonaws.com/doc/2016-11-15/", ec2_actions},
	[API_ELB] = {"elasticloadbalancing", "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		     elb_actions},
	[API_AS] = {"autoscaling", "http://autoscaling.amazonaws.com/doc/2011-01-01/", as_actions},
};

const struct api_action *api_action_find(enum api_service svc, const char *name)
{
	if (!name || svc >= API_N_SERVICES)
		return NULL;
	for (const struct api_action *a = services[svc].actions; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

const char *api_service_name(enum api_service svc)
{
	return svc < API_N_SERVICES ? services[svc].scope : "?";
}

int api_service_of(const char *scope_service)
{
	for (int i = 0; i < API_N_SERVICES; i++)
		if (strcmp(scope_service, services[i].scope) == 0)
			return i;
	return -1;
}

const char *api_service_xmlns(enum api_service svc)
{
	return svc < API_N_SERVICES ? services[svc].xmlns : "";
}

void api_dispatch(struct api_ctx *c, struct api_req *r, struct xml *x, int *status)
{
	struct api_out o = {.status = 0};
	xml_init(&o.x);
	const struct api_action *a = api_action_find(r->svc, r->action);
	int rc;
	if (!r->action)
		rc = api_fail(&o, 400, "MissingAction", "The request must contain the parameter Action.");
	else if (!a)
		rc = api_fail(&o, 400, "InvalidAction", "The action %s is not valid for this web service.",
			      r->action);
	else if (api_ctx_refresh(c) < 0 && !c->m)
		rc = api_fail(&o, 500, "InternalError", "The lab's model could not be read.");
	else if (r->svc == API_EC2 && api_param(r, "DryRun") && strcmp(api_param(r, "DryRun"), "true") == 0)
		rc = api_fail(&o, 412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
	else
		rc = a->fn(c, r, &o);
	if (rc == 0 && xml_finish(&o.x) < 0)
		rc = api_fail(&o, 500, "InternalError", "The response could not be written.");
	xml_reset(x);
	if (rc != 0) {
		api_error_xml(x, r->svc, o.code, o.message, r->request_id);
		*status = o.status ? o.status : 500;
		xml_free(&o.x);
		return;
	}
	char resp[128], result[128];
	snprintf(resp, sizeof(resp), "%sResponse", r->action);
	snprintf(result, sizeof(result), "%sResult", r->action);
	xml_text(x, "");
	xml_open(x, resp, api_service_xmlns(r->svc));
	if (r->svc == API_EC2) {
		xml_elem(x, "requestId", r->request_id);
		xml_append(x, &o.x);
	} else {
		xml_open(x, result, NULL);
		xml_append(x, &o.x);
		xml_close(x);
		xml_open(x, "ResponseMetadata", NULL);
		xml_elem(x, "RequestId", r->request_id);
		xml_close(x);
	}
	/* the element names live in this frame: close before it ends */
	xml_close(x);
	*status = 200;
	if (xml_finish(x) < 0) {
		api_error_xml(x, r->svc, "InternalError", "The response could not be written.", r->request_id);
		*status = 500;
	}
	xml_free(&o.x);
}
