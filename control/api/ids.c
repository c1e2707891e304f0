/* Stable ids (api.h): FNV-1a over "LAB/NAME" for an instance's network interface, exactly as
 * the flow logs name it (dataplane/flowlog.c flowlog_eni_id; a unit test holds the two equal),
 * and over "LAB/KIND/NAME" for every other kind, so that a VPC and a subnet of one name differ. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control/api/api.h"

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

void api_id(char out[48], const char *lab, const char *prefix, const char *name)
{
	uint64_t h = fnv(1469598103934665603ull, lab);
	h = (h ^ '/') * 1099511628211ull;
	if (strcmp(prefix, "eni") != 0) {
		h = fnv(h, prefix);
		h = (h ^ '/') * 1099511628211ull;
	}
	h = fnv(h, name);
	snprintf(out, 48, "%s-%01x%016llx", prefix, (unsigned)(h >> 60) ^ 0xa, (unsigned long long)h);
}

void api_zone(char out[64], const char *region, const char *label)
{
	if (!label || !*label)
		snprintf(out, 64, "%sa", region);
	else if (strncmp(label, region, strlen(region)) == 0)
		snprintf(out, 64, "%s", label);
	else
		snprintf(out, 64, "%s%s", region, label);
}

/* AWS's short name of a region for zone ids: us-east-1 -> use1, ap-southeast-2 -> apse2. */
static void region_code(const char *region, char *out, size_t cap)
{
	char a[8] = "", b[16] = "", d[8] = "";
	if (sscanf(region, "%7[a-z]-%15[a-z]-%7[0-9]", a, b, d) != 3) {
		snprintf(out, cap, "%s", region);
		return;
	}
	char mid[3] = {b[0], 0, 0};
	if ((strncmp(b, "north", 5) == 0 || strncmp(b, "south", 5) == 0) && b[5])
		mid[1] = b[5];
	snprintf(out, cap, "%.2s%s%s", a, mid, d);
}

void api_zone_id(char out[64], const char *region, const char *zone)
{
	char code[40];
	region_code(region, code, sizeof(code));
	const char *label = zone + (strncmp(zone, region, strlen(region)) == 0 ? strlen(region) : 0);
	unsigned n = 0;
	if (label[0] >= 'a' && label[0] <= 'z' && !label[1])
		n = (unsigned)(label[0] - 'a') + 1;
	else
		for (const char *s = label; *s; s++)
			n = n * 31 + (uint8_t)*s;
	snprintf(out, 64, "%s-az%u", code, label[1] ? n % 90 + 10 : n);
}
