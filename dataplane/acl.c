/* Network ACL evaluation: stateless, at the subnet boundary. Before: route lookup (we need to
 * know the destination subnet). After: SG ingress of the receiver. AWS evaluates rules in
 * ascending number and stops at the first match; the compiled rules are already sorted. AWS caps
 * an ACL at 20 rules per direction, so this short scan is the whole cost. */
#include "acl.h"
#include "match.h"

int32_t acl_eval(const struct vl_tables *t, uint16_t acl, enum acl_dir dir, const struct pkt *p,
		 bool *allow)
{
	*allow = false;
	if (acl >= t->n_acls)
		return -1;
	const struct vl_acl *a = &t->acls[acl];
	uint32_t first = dir == ACL_IN ? a->in_first : a->out_first;
	uint32_t count = dir == ACL_IN ? a->in_count : a->out_count;
	uint32_t peer = dir == ACL_IN ? p->src : p->dst;
	for (uint32_t i = first; i < first + count; i++) {
		const struct vl_acl_rule *r = &t->acl_rules[i];
		if (prefix_contains(r->cidr, peer) && match_l4(&r->m, p)) {
			*allow = r->allow != 0;
			return (int32_t)i;
		}
	}
	return -1;
}
