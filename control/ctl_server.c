/* Control requests inside the router (router.h): status, down, elastic IP moves and NAT
 * gateway views. Runs on the data plane's thread between packets, so a table swap here is
 * never seen half done by a packet. */
#include <string.h>
#include <unistd.h>

#include "dataplane/tables.h"
#include "eip.h"
#include "router.h"
#include "status.h"
#include "vpclab/ctl.h"

static json_t *error_json(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

struct outside_arg {
	struct prefix4 vpc;
};

/* AWS drops the connections of the old mapping when an EIP moves: flows with a peer outside
 * the VPC. */
static bool flow_leaves_vpc(const struct ct_entry *e, void *arg)
{
	const struct outside_arg *a = arg;
	return !prefix_contains(a->vpc, e->key.ip[0]) || !prefix_contains(a->vpc, e->key.ip[1]);
}

static void flush_internet_flows(struct router *r, uint16_t port)
{
	if (port == VL_NONE)
		return;
	struct outside_arg a = {.vpc = r->t->vpcs[r->t->ports[port].vpc].cidr};
	ct_flush_if(r->s->ct[port], flow_leaves_vpc, &a);
}

static json_t *ctl_eip(struct router *r, char **w, int n)
{
	bool assoc = n == 4 && strcmp(w[1], "associate") == 0;
	if (!assoc && !(n == 3 && strcmp(w[1], "disassociate") == 0))
		return error_json("usage: eip associate EIP INSTANCE | eip disassociate EIP");
	struct vl_tables *nt = NULL;
	uint16_t old_port, new_port;
	char err[128];
	int rc = eip_move(r->t, w[2], assoc ? w[3] : NULL, &nt, &old_port, &new_port, err, sizeof(err));
	if (rc < 0)
		return error_json(err);
	if (dp_tables_prepare(nt) < 0) {
		vl_tables_free(nt);
		return error_json("out of memory");
	}
	struct vl_tables *old = r->t;
	r->t = nt;
	r->s->t = nt; /* the one pointer store that publishes the snapshot */
	vl_tables_free(old);
	flush_internet_flows(r, old_port);
	flush_internet_flows(r, new_port);
	char ip[16];
	const struct vl_eip *e = NULL;
	for (uint16_t i = 0; i < nt->n_eips; i++)
		if (strcmp(nt->eips[i].name, w[2]) == 0)
			e = &nt->eips[i];
	return json_pack("{s:b, s:s, s:s, s:o}", "ok", 1, "eip", w[2], "ip", addr_fmt(e->ip, ip),
			 "instance", new_port == VL_NONE ? json_null() : json_string(nt->ports[new_port].name));
}

static json_t *nat_translations(const struct nat_state *n, uint16_t gw, uint64_t now)
{
	json_t *arr = json_array();
	static const char *const states[] = {"free", "opening", "established", "closing", "active"};
	char a[16], b[16];
	for (uint32_t i = 0, shown = 0; i < n->capacity && shown < 1000; i++) {
		const struct nat_map *m = &n->maps[i];
		if (m->state == NAT_M_FREE || m->natgw != gw)
			continue;
		shown++;
		json_array_append_new(arr, json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:s, s:I}",
			"protocol", m->proto, "source", addr_fmt(m->int_ip, a), "source_port", m->int_port,
			"destination", addr_fmt(m->ext_ip, b), "destination_port", m->ext_port,
			"nat_port", m->nat_port, "state", states[m->state],
			"idle_s", (json_int_t)((now - m->last_seen) / 1000000000ull)));
	}
	return arr;
}

static json_t *ctl_nat(struct router *r, char **w, int n)
{
	const struct vl_tables *t = r->t;
	json_t *all = json_array();
	for (uint16_t g = 0; g < t->n_natgws; g++) {
		if (n == 2 && strcmp(w[1], t->natgws[g].name) != 0)
			continue;
		json_t *c = json_object();
		for (int k = 0; k < NATC__COUNT; k++)
			json_object_set_new(c, nat_counter_name((enum nat_counter)k),
					    json_integer((json_int_t)r->s->nat->counters[g][k]));
		char ip[16], eip[16];
		const struct vl_natgw *ng = &t->natgws[g];
		json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", ng->name,
			"subnet", t->subnets[ng->subnet].name, "private_ip", addr_fmt(ng->ip, ip),
			"elastic_ip", addr_fmt(t->eips[ng->eip].ip, eip), "counters", c,
			"translations", nat_translations(r->s->nat, g, loop_now())));
	}
	if (n == 2 && json_array_size(all) == 0) {
		json_decref(all);
		return error_json("no such NAT gateway");
	}
	return json_pack("{s:o}", "nat_gateways", all);
}

json_t *ctl_handle(struct router *r, char *req)
{
	char *w[8];
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(req, " \t", &save); tok && n < 8;
	     tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	if (n == 0)
		return error_json("empty request");
	if (strcmp(w[0], VL_CTL_STATUS) == 0)
		return status_build(r->t, r->s, getpid());
	if (strcmp(w[0], VL_CTL_DOWN) == 0) {
		loop_stop(r->loop);
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(w[0], "eip") == 0)
		return ctl_eip(r, w, n);
	if (strcmp(w[0], "nat") == 0 && n <= 2)
		return ctl_nat(r, w, n);
	return error_json("unknown request");
}
