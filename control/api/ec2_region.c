/* EC2 DescribeRegions and DescribeAvailabilityZones: a lab is one region (its `region:`), and
 * its zones are those its subnets' `az` labels name (REGION+label; at least REGION+a). */
#include <stdio.h>
#include <string.h>

#include "control/api/ec2.h"
#include "control/lab/lab.h"
#include "control/lab/model.h"

#define MAX_ZONES 26

struct zone {
	char name[64], id[64], region[32];
};

static const char *zone_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct zone *z = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "zone-name") == 0)
		return z->name;
	if (strcmp(f, "zone-id") == 0)
		return z->id;
	if (strcmp(f, "region-name") == 0 || strcmp(f, "group-name") == 0 ||
	    strcmp(f, "network-border-group") == 0)
		return z->region;
	if (strcmp(f, "state") == 0)
		return "available";
	if (strcmp(f, "zone-type") == 0)
		return "availability-zone";
	if (strcmp(f, "opt-in-status") == 0)
		return "opt-in-not-required";
	*known = false;
	return NULL;
}

/* The lab's zones, sorted, into z; how many. */
static size_t lab_zones(const struct api_ctx *c, struct zone *z)
{
	size_t n = 0;
	for (size_t v = 0; v <= c->m->n_vpcs; v++) {
		size_t ns = v < c->m->n_vpcs ? c->m->vpcs[v].n_subnets : 1;
		for (size_t s = 0; s < ns; s++) {
			char name[64];
			/* the last round adds REGION+a when no subnet names a zone */
			if (v == c->m->n_vpcs && n)
				break;
			api_zone(name, c->region, v < c->m->n_vpcs ? c->m->vpcs[v].subnets[s].az.s : NULL);
			size_t i = 0;
			while (i < n && strcmp(z[i].name, name) < 0)
				i++;
			if ((i < n && strcmp(z[i].name, name) == 0) || n == MAX_ZONES)
				continue;
			memmove(&z[i + 1], &z[i], (n - i) * sizeof(*z));
			snprintf(z[i].name, sizeof(z[i].name), "%s", name);
			snprintf(z[i].region, sizeof(z[i].region), "%s", c->region);
			api_zone_id(z[i].id, c->region, name);
			n++;
		}
	}
	return n;
}

int ec2_describe_availability_zones(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct zone z[MAX_ZONES];
	size_t n = r->other_region ? 0 : lab_zones(c, z);
	const char *names[64], *ids[64];
	size_t nn = api_list(r, "ZoneName", names, 64), ni = api_list(r, "ZoneId", ids, 64);
	for (size_t i = 0; i < nn && i < 64; i++) {
		size_t k = 0;
		while (k < n && strcmp(z[k].name, names[i]) != 0)
			k++;
		if (k == n)
			return api_fail(o, 400, "InvalidParameterValue", "The zone '%s' does not exist.", names[i]);
	}
	for (size_t i = 0; i < ni && i < 64; i++) {
		size_t k = 0;
		while (k < n && strcmp(z[k].id, ids[i]) != 0)
			k++;
		if (k == n)
			return api_fail(o, 400, "InvalidParameterValue", "The zone ID '%s' does not exist.", ids[i]);
	}
	struct api_filter f[32];
	int nf = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	int rc = 0;
	xml_open(&o->x, "availabilityZoneInfo", NULL);
	for (size_t k = 0; k < n && rc == 0; k++) {
		bool listed = !nn && !ni;
		for (size_t i = 0; i < nn && i < 64; i++)
			listed |= strcmp(z[k].name, names[i]) == 0;
		for (size_t i = 0; i < ni && i < 64; i++)
			listed |= strcmp(z[k].id, ids[i]) == 0;
		int m = listed ? ec2_match(f, nf, zone_field, &z[k], o) : 0;
		if (m < 0)
			rc = -1;
		if (m <= 0)
			continue;
		xml_open(&o->x, "item", NULL);
		xml_elem(&o->x, "zoneName", z[k].name);
		xml_elem(&o->x, "zoneState", "available");
		xml_elem(&o->x, "regionName", z[k].region);
		xml_elem(&o->x, "zoneId", z[k].id);
		xml_elem(&o->x, "zoneType", "availability-zone");
		xml_elem(&o->x, "groupName", z[k].region);
		xml_elem(&o->x, "networkBorderGroup", z[k].region);
		xml_elem(&o->x, "optInStatus", "opt-in-not-required");
		xml_elem(&o->x, "messageSet", NULL);
		xml_close(&o->x);
	}
	xml_close(&o->x);
	api_filters_free(f, nf);
	return rc;
}

struct region {
	const char *name;
	char endpoint[64];
};

static const char *region_field(const void *obj, const char *f, char *buf, size_t cap, bool *known)
{
	const struct region *g = obj;
	(void)buf, (void)cap;
	*known = true;
	if (strcmp(f, "region-name") == 0)
		return g->name;
	if (strcmp(f, "endpoint") == 0)
		return g->endpoint;
	if (strcmp(f, "opt-in-status") == 0)
		return "opt-in-not-required";
	*known = false;
	return NULL;
}

int ec2_describe_regions(struct api_ctx *c, const struct api_req *r, struct api_out *o)
{
	struct region g = {c->region, ""};
	snprintf(g.endpoint, sizeof(g.endpoint), "ec2.%s.amazonaws.com", c->region);
	const char *names[64];
	size_t nn = api_list(r, "RegionName", names, 64);
	/* another region exists in AWS but not here: not listed (no error), like a filter */
	bool listed = nn == 0;
	for (size_t i = 0; i < nn && i < 64; i++)
		listed |= strcmp(names[i], c->region) == 0;
	struct api_filter f[32];
	int nf = 0;
	if (ec2_filters(r, f, 32, &nf, o) < 0)
		return -1;
	int m = listed ? ec2_match(f, nf, region_field, &g, o) : 0;
	api_filters_free(f, nf);
	if (m < 0)
		return -1;
	xml_open(&o->x, "regionInfo", NULL);
	if (m) {
		xml_open(&o->x, "item", NULL);
		xml_elem(&o->x, "regionName", g.name);
		xml_elem(&o->x, "regionEndpoint", g.endpoint);
		xml_elem(&o->x, "optInStatus", "opt-in-not-required");
		xml_close(&o->x);
	}
	xml_close(&o->x);
	return 0;
}
