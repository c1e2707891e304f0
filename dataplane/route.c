/* Route lookup: longest prefix match in the source subnet's route table. Before: SG egress.
 * After: NACLs and the target (local delivery, igw, NAT gateway, appliance, blackhole).
 * One binary trie per table, all nodes in one array: a lookup walks at most 32 nodes whatever
 * the number of routes (per-packet work must not grow with rule count). */
#include <errno.h>
#include <stdlib.h>

#include "route.h"

static int32_t lpm_node_new(struct vl_tables *t, uint32_t *cap)
{
	if (t->n_lpm_nodes == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 64;
		struct vl_lpm_node *n = realloc(t->lpm_nodes, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->lpm_nodes = n;
		*cap = ncap;
	}
	struct vl_lpm_node *node = &t->lpm_nodes[t->n_lpm_nodes];
	node->child[0] = node->child[1] = -1;
	node->route = -1;
	return (int32_t)t->n_lpm_nodes++;
}

static int lpm_insert(struct vl_tables *t, int32_t root, uint32_t ri, uint32_t *cap)
{
	const struct vl_route *r = &t->routes[ri];
	int32_t cur = root;
	for (unsigned depth = 0; depth < r->dst.len; depth++) {
		unsigned bit = (r->dst.addr >> (31 - depth)) & 1u;
		int32_t next = t->lpm_nodes[cur].child[bit];
		if (next < 0) {
			next = lpm_node_new(t, cap);
			if (next < 0)
				return next;
			t->lpm_nodes[cur].child[bit] = next;
		}
		cur = next;
	}
	/* The checker forbids duplicate destinations; should one slip through, the first wins. */
	if (t->lpm_nodes[cur].route < 0)
		t->lpm_nodes[cur].route = (int32_t)ri;
	return 0;
}

int route_build(struct vl_tables *t)
{
	uint32_t cap = 0;
	free(t->lpm_nodes);
	t->lpm_nodes = NULL;
	t->n_lpm_nodes = 0;
	for (uint16_t i = 0; i < t->n_route_tables; i++) {
		struct vl_route_table *rt = &t->route_tables[i];
		int32_t root = lpm_node_new(t, &cap);
		if (root < 0)
			return root;
		rt->lpm_root = root;
		for (uint32_t k = 0; k < rt->route_count; k++) {
			int rc = lpm_insert(t, root, rt->route_first + k, &cap);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int32_t route_lookup(const struct vl_tables *t, uint16_t rt, uint32_t dst)
{
	if (rt >= t->n_route_tables)
		return -1;
	int32_t cur = t->route_tables[rt].lpm_root, best = -1;
	for (unsigned depth = 0; cur >= 0; depth++) {
		const struct vl_lpm_node *n = &t->lpm_nodes[cur];
		if (n->route >= 0)
			best = n->route;
		if (depth == 32)
			break;
		cur = n->child[(dst >> (31 - depth)) & 1u];
	}
	return best;
}
