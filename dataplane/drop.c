/* Names for the drop reasons, generated from the one list in include/vpclab/drop.h. */
#include "vpclab/drop.h"

static const char *const drop_names[] = {
#define VL_DROP_NAME(sym, name, code) [DROP_##sym] = name,
	VL_DROP_REASONS(VL_DROP_NAME)
#undef VL_DROP_NAME
};

static const char *const drop_codes[] = {
#define VL_DROP_CODE(sym, name, code) [DROP_##sym] = code,
	VL_DROP_REASONS(VL_DROP_CODE)
#undef VL_DROP_CODE
};

const char *drop_reason_name(enum drop_reason r)
{
	return (unsigned)r < DROP__COUNT ? drop_names[r] : "unknown";
}

const char *drop_reason_code(enum drop_reason r)
{
	return (unsigned)r < DROP__COUNT ? drop_codes[r] : "";
}
