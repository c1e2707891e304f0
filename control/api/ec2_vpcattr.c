/* EC2 DescribeVpcAttribute: enableDnsSupport and enableDnsHostnames as the lab's `dns:` sets
 * them (compiled, AWS's defaults filled in); AWS's errors for a missing or unknown one. */
#include <string.h>

#include "control/api/ec2.h"
#include "control/api/ec2_desc.h"

int ec2_describe_vpc_attribute(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	const char *vpc = api_param(r, "VpcId"), *attr = api_param(r, "Attribute");
	if (!vpc)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter vpcId");
	if (!attr)
		return api_fail(o, 400, "MissingParameter", "The request must contain the parameter attribute");
	uint16_t v = VL_NONE;
	for (uint16_t i = 0; i < c->t->n_vpcs && v == VL_NONE && !r->other_region; i++) {
		char id[48];
		api_id(id, c->lab, "vpc", c->t->vpcs[i].name);
		if (strcmp(id, vpc) == 0)
			v = i;
	}
	if (v == VL_NONE)
		return api_fail(o, 400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpc);
	const struct vl_vpc *p = &c->t->vpcs[v];
	xml_elem(&o->x, "vpcId", vpc);
	if (strcmp(attr, "enableDnsSupport") == 0) {
		xml_open(&o->x, "enableDnsSupport", NULL);
		xml_bool(&o->x, "value", p->dns_support);
	} else if (strcmp(attr, "enableDnsHostnames") == 0) {
		xml_open(&o->x, "enableDnsHostnames", NULL);
		xml_bool(&o->x, "value", p->dns_hostnames);
	} else if (strcmp(attr, "enableNetworkAddressUsageMetrics") == 0) {
		xml_open(&o->x, "enableNetworkAddressUsageMetrics", NULL);
		xml_bool(&o->x, "value", 0);
	} else {
		return api_fail(o, 400, "InvalidParameterValue", "Value (%s) for parameter attribute is invalid. "
				"Unknown attribute.", attr);
	}
	xml_close(&o->x);
	return 0;
}
