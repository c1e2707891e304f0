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
