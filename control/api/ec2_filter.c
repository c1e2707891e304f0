/* What EC2's Describe handlers share: the request's filters, evaluation of each over an object
 * through a getter of its fields, and the Name tag every named object carries. */
#include <errno.h>
#include <string.h>

#include "control/api/ec2.h"

void ec2_name_tags(struct xml *x, const char *name)
{
	xml_open(x, "tagSet", NULL);
	xml_open(x, "item", NULL);
	xml_elem(x, "key", "Name");
	xml_elem(x, "value", name);
	xml_close(x);
	xml_close(x);
}

int ec2_filters(const struct api_req *r, struct api_filter *f, size_t cap, int *n, struct api_out *o)
{
	int k = api_filters(r, f, cap);
	if (k == -EINVAL)
		return api_fail(o, 400, "InvalidParameterValue", "The filter '' is invalid: each Filter.N needs its Name");
	if (k == -E2BIG)
		return api_fail(o, 400, "FilterLimitExceeded", "The maximum number of filters (%zu) was exceeded", cap);
	if (k < 0)
		return api_fail(o, 500, "InternalError", "Out of memory");
	*n = k;
	return 0;
}

const char *ec2_tag_field(const char *filter, const char *name, bool *known)
{
	*known = true;
	if (strcmp(filter, "tag:Name") == 0 || strcmp(filter, "tag-value") == 0)
		return name;
	if (strcmp(filter, "tag-key") == 0)
		return "Name";
	if (strncmp(filter, "tag:", 4) == 0)
		return NULL; /* a tag the object does not have: matches nothing */
	*known = false;
	return NULL;
}

int ec2_match(const struct api_filter *f, int n, ec2_field_fn get, const void *obj, struct api_out *o)
{
	for (int i = 0; i < n; i++) {
		char buf[128];
		bool known = true;
		const char *v = get(obj, f[i].name, buf, sizeof(buf), &known);
		if (!known)
			return api_fail(o, 400, "InvalidParameterValue", "The filter '%s' is invalid", f[i].name);
		if (!api_filter_match(&f[i], v))
			return 0;
	}
	return 1;
}

int ec2_match_multi(const struct api_filter *f, int n, ec2_values_fn values, ec2_field_fn get, const void *obj,
		    struct api_out *o)
{
	char vals[256][48];
	for (int k = 0; k < n; k++) {
		int nv = values(obj, f[k].name, vals, sizeof(vals) / sizeof(vals[0]));
		if (nv < 0) {
			int m = ec2_match(&f[k], 1, get, obj, o);
			if (m <= 0)
				return m;
			continue;
		}
		bool hit = false;
		for (int i = 0; i < nv && !hit; i++)
			hit = api_filter_match(&f[k], vals[i]);
		if (!hit)
			return 0;
	}
	return 1;
}
