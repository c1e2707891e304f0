/* Control requests inside the router (router.h): down, elastic IP moves, NAT gateway views,
 * live traces, captures (`status` and `flows` are streamed in slices: ctl_dump.c). Runs on the data plane's thread between packets, so a table swap here is
 * never seen half done by a packet. */
#include <malloc.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/capture.h"
#include "dataplane/flowlog.h"
#include "dataplane/tables.h"
#include "control/router/apply.h"
#include "control/router/asg.h"
#include "control/router/eip.h"
#include "control/router/resolver.h"
#include "control/tools/trace.h"
#include "control/router/router.h"
#include "control/router/status.h"
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
static bool flow_leaves_vpc(struct ct_entry *e, void *arg)
{
	const struct outside_arg *a = arg;
	return !prefix_contains(a->vpc, e->key.ip[0]) || !prefix_contains(a->vpc, e->key.ip[1]);
}

static void flush_internet_flows(struct router *r, uint16_t port)
{
	if (port == VL_NONE)
		return;
	struct outside_arg a = {.vpc = r->t->vpcs[r->t->ports[port].vpc].cidr};
	ct_flush_if(ct_port(r->s->ct, port), flow_leaves_vpc, &a);
}

static json_t *ctl_eip(struct router *r, char **w, int n)
{
	bool assoc = n == 4 && strcmp(w[1], "associate") == 0;
	if (!assoc && !(n == 3 && strcmp(w[1], "disassociate") == 0))
		return error_json("usage: eip associate EIP INSTANCE | eip disassociate EIP");
	if (r->apply)
		return error_json(apply_internal(r) ? "an auto scaling group is launching or terminating "
				  "instances: try again in a moment" : "an apply is in progress: try again when it ends");
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
	resolver_sync(r); /* the instances' public names follow the address */
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

struct nat_list {
	json_t *arr;
	uint16_t gw;
	uint32_t shown;
	uint64_t now;
};

static int nat_list_one(void *ctx, const struct nat_map *m)
{
	struct nat_list *l = ctx;
	static const char *const states[] = {"free", "opening", "established", "closing", "active"};
	char a[16], b[16];
	if (m->natgw != l->gw)
		return 0;
	json_array_append_new(l->arr, json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:s, s:I}",
		"protocol", m->proto, "source", addr_fmt(m->int_ip, a), "source_port", m->int_port,
		"destination", addr_fmt(m->ext_ip, b), "destination_port", m->ext_port,
		"nat_port", m->nat_port, "state", states[m->state],
		"idle_s", (json_int_t)((l->now - m->last_seen) / 1000000000ull)));
	return ++l->shown >= 1000; /* enough to read; the counters say how many there are */
}

static json_t *nat_translations(const struct nat_state *n, uint16_t gw, uint64_t now)
{
	struct nat_list l = {.arr = json_array(), .gw = gw, .now = now};
	nat_foreach(n, nat_list_one, &l);
	return l.arr;
}

json_t *ctl_handle_nat(struct router *r, char **w, int n)
{
	const struct vl_tables *t = r->t;
	json_t *all = json_array();
	for (uint16_t g = 0; g < t->n_natgws; g++) {
		if (!vl_natgw_used(&t->natgws[g]) || (n == 2 && strcmp(w[1], t->natgws[g].name) != 0))
			continue;
		json_t *c = json_object();
		for (int k = 0; k < NATC__COUNT; k++)
			json_object_set_new(c, nat_counter_name((enum nat_counter)k),
					    json_integer((json_int_t)nat_counter_get(dp_nat(r->s), g, (enum nat_counter)k)));
		char ip[16], eip[16];
		const struct vl_natgw *ng = &t->natgws[g];
		json_array_append_new(all, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "name", ng->name,
			"subnet", t->subnets[ng->subnet].name, "private_ip", addr_fmt(ng->ip, ip),
			"elastic_ip", addr_fmt(t->eips[ng->eip].ip, eip), "counters", c,
			"translations", nat_translations(dp_nat(r->s), g, loop_now())));
	}
	if (n == 2 && json_array_size(all) == 0) {
		json_decref(all);
		return error_json("no such NAT gateway");
	}
	return json_pack("{s:o}", "nat_gateways", all);
}

/* An instance or host by its name; a load balancer node by LBNAME-SUBNET (its namespace
 * without the lab's name: nodes share their load balancer's name). */
static int port_by_name(const struct vl_tables *t, const char *name)
{
	size_t lab = strlen(t->lab);
	for (uint16_t i = 0; name && name[0] && i < t->n_ports; i++) {
		char ns[128];
		if (t->ports[i].kind != VL_PORT_LB_NODE) {
			if (strcmp(t->ports[i].name, name) == 0)
				return i;
		} else if (vl_port_netns(t, i, ns, sizeof(ns)) == 0 && strcmp(ns + lab + 1, name) == 0) {
			return i;
		}
	}
	return -1;
}

/* The component a stage capture is limited to: a NAT gateway, an ACL, a VPC (igw, the
 * resolver's stage), a load balancer or an interface. */
static int stage_obj(const struct vl_tables *t, int stage, const char *name)
{
	if (!name || !name[0])
		return VL_NONE;
	if (stage == EX_NAT) {
		for (uint16_t i = 0; i < t->n_natgws; i++)
			if (strcmp(t->natgws[i].name, name) == 0)
				return i;
	} else if (stage == EX_NACL_IN || stage == EX_NACL_OUT) {
		for (uint16_t i = 0; i < t->n_acls; i++)
			if (strcmp(t->acls[i].name, name) == 0)
				return i;
	} else if (stage == EX_IGW || stage == EX_DNS) {
		for (uint16_t i = 0; i < t->n_vpcs; i++)
			if (strcmp(t->vpcs[i].name, name) == 0)
				return i;
	} else if (stage == EX_LB) {
		for (uint16_t i = 0; i < t->n_lbs; i++)
			if (strcmp(t->lbs[i].name, name) == 0)
				return i;
	} else {
		return port_by_name(t, name);
	}
	return -1;
}

/* Words that begin a BPF expression rather than name a component. */
static bool capture_word_is_filter(const char *w)
{
	static const char *const prim[] = {"tcp", "udp", "icmp", "ip", "arp", "host", "net", "port",
					   "src", "dst", "not", "portrange", "proto", "ether", "vlan"};
	for (size_t i = 0; i < sizeof(prim) / sizeof(prim[0]); i++)
		if (strcmp(w, prim[i]) == 0)
			return true;
	return false;
}

static int filter_prepend(char *filter, size_t cap, const char *word)
{
	char f[600];
	int n = snprintf(f, sizeof(f), "%s%s%s", word, filter[0] ? " " : "", filter);
	if (n < 0 || (size_t)n >= cap)
		return -E2BIG;
	memcpy(filter, f, (size_t)n + 1);
	return 0;
}

static int capture_spec_of(const struct vl_tables *t, json_t *j, struct capture_spec *cs, char *err,
			   size_t cap)
{
	const char *port = json_string_value(json_object_get(j, "port"));
	const char *stage = json_string_value(json_object_get(j, "stage"));
	const char *comp = json_string_value(json_object_get(j, "component"));
	const char *filter = json_string_value(json_object_get(j, "filter"));
	memset(cs, 0, sizeof(*cs));
	cs->count = (uint32_t)json_integer_value(json_object_get(j, "count"));
	snprintf(cs->filter, sizeof(cs->filter), "%s", filter ? filter : "");
	bool drops = json_is_true(json_object_get(j, "drops"));
	int st = stage ? capture_stage_parse(stage) : -1;
	int pi = port_by_name(t, port);
	/* With --drops or --stage, a first word that names nothing begins the filter ("icmp"). */
	const char **word = drops && port && pi < 0 ? &port
			    : st >= 0 && comp && stage_obj(t, st, comp) < 0 && capture_word_is_filter(comp) ? &comp
			    : NULL;
	if (word && filter_prepend(cs->filter, sizeof(cs->filter), *word) == 0)
		*word = NULL;
	if (port && pi < 0)
		return snprintf(err, cap, "no instance or host '%s'", port), -ENOENT;
	cs->port = pi < 0 ? VL_NONE : (uint16_t)pi;
	if (drops) {
		cs->kind = CAP_DROPS;
	} else if (stage) {
		int obj = st < 0 ? -1 : stage_obj(t, st, comp);
		if (st < 0 || obj < 0)
			return snprintf(err, cap, "no stage '%s'%s%s", stage, comp ? " with component " : "",
					comp ? comp : ""), -ENOENT;
		cs->kind = CAP_STAGE;
		cs->stage = (uint8_t)st;
		cs->obj = (uint16_t)obj;
	} else if (pi >= 0) {
		cs->kind = CAP_PORT;
	} else {
		return snprintf(err, cap, "capture what? name an interface, --stage or --drops"), -EINVAL;
	}
	return 0;
}

/* The capture's reader closed its end, or the capture finished (it shut the socket down). */
static void capture_client_event(void *ctx, int fd)
{
	struct router *r = ctx;
	char b[64];
	ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return;
	loop_del_fd(r->loop, fd);
	capture_release(r->s, fd);
}

int ctl_capture(struct router *r, int fd, const char *json_spec)
{
	char err[300] = "bad capture request";
	struct capture_spec cs;
	json_t *j = json_loads(json_spec, 0, NULL);
	int rc = j ? capture_spec_of(r->t, j, &cs, err, sizeof(err)) : -EINVAL;
	json_decref(j);
	if (rc == 0)
		rc = capture_start(r->s, fd, &cs, err, sizeof(err));
	if (rc == 0 && loop_add_fd(r->loop, fd, capture_client_event, r) < 0) {
		capture_release(r->s, fd);
		return 0; /* released: fd is closed, the reader sees an empty stream */
	}
	if (rc < 0) {
		json_t *e = error_json(err);
		char *text = json_dumps(e, JSON_COMPACT);
		if (text && write(fd, text, strlen(text)) < 0)
			rc = -EIO;
		free(text);
		json_decref(e);
	}
	return rc;
}

static json_t *ctl_flowlogs_flush(struct router *r)
{
	struct dp_state *s = r->s;
	if (!s->flowlog || !s->flowlog_emit)
		return error_json("flow logs are off");
	uint32_t now_s = dp_wall_s(s, loop_now());
	flowlog_flush(s->flowlog, s->t, now_s, s->flowlog_emit, s->flowlog_ctx);
	return json_pack("{s:b}", "ok", 1);
}

/* A live trace: the real pipeline on copies of the router's connection and NAT state, so the
 * answer reflects established flows and changes nothing. */
static json_t *ctl_trace(struct router *r, const char *spec)
{
	json_t *j = json_loads(spec, 0, NULL);
	struct trace_req q = {.icmp_type = -1};
	q.from = json_string_value(json_object_get(j, "from"));
	q.to = json_string_value(json_object_get(j, "to"));
	q.proto = (uint8_t)json_integer_value(json_object_get(j, "proto"));
	q.port = (uint16_t)json_integer_value(json_object_get(j, "port"));
	q.sport = (uint16_t)json_integer_value(json_object_get(j, "sport"));
	q.with_return = json_is_true(json_object_get(j, "return"));
	q.size = (uint32_t)json_integer_value(json_object_get(j, "size"));
	q.df = json_is_true(json_object_get(j, "df"));
	bool as_json = json_is_true(json_object_get(j, "json"));
	if (!q.from || !q.to || !q.proto) {
		json_decref(j);
		return error_json("trace needs from, to and a protocol");
	}
	struct dp_state *s = dp_state_clone(r->s);
	struct trace_result res;
	char err[200] = "out of memory", *text = NULL;
	size_t len = 0;
	int rc = s ? trace_flow_in(s, loop_now(), &q, &res, err, sizeof(err)) : -ENOMEM;
	json_t *ans;
	FILE *f = rc == 0 ? open_memstream(&text, &len) : NULL;
	if (f) {
		trace_print(r->t, &q, &res, as_json, f);
		fclose(f);
		bool ok = res.fwd.v.action != VERDICT_DROP && (!res.has_return || res.ret.v.action != VERDICT_DROP);
		ans = json_pack("{s:s, s:b}", "text", text ? text : "", "delivered", ok);
	} else {
		ans = error_json(err);
	}
	free(text);
	dp_state_destroy(s);
	malloc_trim(0); /* the NAT copy is megabytes: give them back rather than keep them */
	json_decref(j);
	return ans;
}

bool ctl_tap_drops(struct router *r, uint16_t i, struct link_drops *out)
{
	return r->tap_nl && i < r->t->n_ports && r->tap_nl[i] >= 0 &&
	       link_drops_read(r->tap_nl[i], "eth0", out) == 0;
}

/* What follows request name and a space at the start of req, or NULL when req is not that. */
const char *ctl_arg(const char *req, const char *name)
{
	size_t n = strlen(name);
	return strncmp(req, name, n) == 0 && req[n] == ' ' ? req + n + 1 : NULL;
}

json_t *ctl_handle(struct router *r, char *req)
{
	const char *spec = ctl_arg(req, VL_CTL_TRACE);
	if (spec)
		return ctl_trace(r, spec); /* JSON follows: before the line is cut into words */
	if ((spec = ctl_arg(req, VL_CTL_DNS)))
		return ctl_handle_dns(r, spec);
	char *w[8];
	int n = 0;
	for (char *save = NULL, *tok = strtok_r(req, " \t", &save); tok && n < 8;
	     tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	if (n == 0)
		return error_json("empty request");
	if (strcmp(w[0], VL_CTL_DOWN) == 0) {
		loop_stop(r->loop);
		return json_pack("{s:b}", "ok", 1);
	}
	if (strcmp(w[0], VL_CTL_EIP) == 0)
		return ctl_eip(r, w, n);
	if (strcmp(w[0], VL_CTL_NAT) == 0 && n <= 2)
		return ctl_handle_nat(r, w, n);
	if (strcmp(w[0], VL_CTL_FLOWLOGS_FLUSH) == 0)
		return ctl_flowlogs_flush(r);
	if (strcmp(w[0], VL_CTL_ASG) == 0 && n <= 2)
		return ctl_handle_asg(r, n == 2 ? w[1] : NULL);
	if (strcmp(w[0], VL_CTL_ASG_SET_DESIRED) == 0 && n == 3)
		return ctl_handle_asg_set_desired(r, w[1], w[2]);
	if (strcmp(w[0], VL_CTL_LB) == 0 && n <= 2)
		return ctl_handle_lb(r, n == 2 ? w[1] : NULL);
	return error_json("unknown request");
}
