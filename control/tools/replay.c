/* Replay (replay.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataplane/capture.h"
#include "dataplane/frag.h"
#include "dataplane/parse.h"
#include "dataplane/tap.h"
#include "control/tools/replay.h"

struct replay {
	const struct vl_tables *t;
	struct dp_state *s;
	uint16_t from;
	const char *outdir;
	FILE *out;
	struct capture_file **files;     /* per port, then drops at [n_ports] */
	uint32_t n, dropped;
};

static struct capture_file *replay_file(struct replay *r, uint16_t idx)
{
	if (!r->outdir)
		return NULL;
	if (!r->files[idx]) {
		char path[512];
		const struct vl_port *p = idx < r->t->n_ports ? &r->t->ports[idx] : NULL;
		/* A load balancer's nodes share its name: each file is named as its namespace. */
		if (p && p->kind == VL_PORT_LB_NODE && p->subnet < r->t->n_subnets)
			snprintf(path, sizeof(path), "%s/%s-%s.pcap", r->outdir, p->name,
				 r->t->subnets[p->subnet].name);
		else
			snprintf(path, sizeof(path), "%s/%s.pcap", r->outdir, p ? p->name : "drops");
		r->files[idx] = capture_file_create(path);
	}
	return r->files[idx];
}

static void replay_line(struct replay *r, const struct pkt *p, const struct verdict *v,
			const struct explain *ex)
{
	char a[16], b[16];
	fprintf(r->out, "%u ", r->n);
	if (v->action == VERDICT_DROP) {
		const char *code = drop_reason_code((enum drop_reason)v->reason);
		fprintf(r->out, "drop %s", drop_reason_name((enum drop_reason)v->reason));
		if (code[0])
			fprintf(r->out, " (%s)", code);
		if (ex->n && ex->hop[ex->n - 1].verdict != STAGE_PASS)
			fprintf(r->out, " at %s", explain_stage_name((enum explain_stage)ex->hop[ex->n - 1].stage));
	} else {
		fprintf(r->out, "%s -> %s", v->action == VERDICT_REPLY ? "reply" : "forward",
			r->t->ports[v->out_port].name);
	}
	if (p->ethertype == ETHTYPE_IPV4)
		fprintf(r->out, "  %s:%u > %s:%u proto %u", addr_fmt(p->src, a), p->sport, addr_fmt(p->dst, b),
			p->dport, p->proto);
	else if (p->ethertype == ETHTYPE_ARP)
		fprintf(r->out, "  arp");
	fputc('\n', r->out);
}

struct replay_frag {
	struct capture_file *f;
	uint64_t ts_ns;
};

static int replay_write_frag(void *ctx, const struct pkt *frag)
{
	struct replay_frag *rf = ctx;
	capture_file_write(rf->f, frag->frame, frag->len, rf->ts_ns);
	return 0;
}

/* What left port: p whole, or the fragments the internet gateway cut it into (verdict mtu). */
static void replay_write(struct capture_file *f, struct pkt *p, const struct verdict *v, uint64_t ts_ns)
{
	static uint8_t scratch[DP_FRAG_HEAD + ETH_HLEN_ + VL_IGW_MTU];
	struct replay_frag rf = {.f = f, .ts_ns = ts_ns};
	if (v->mtu && v->mtu <= VL_IGW_MTU && p->len - p->l3_off > v->mtu &&
	    frag_cut(p, v->mtu, scratch, DP_FRAG_HEAD, replay_write_frag, &rf) > 0)
		return;
	capture_file_write(f, p->frame, p->len, ts_ns);
}

static int replay_frame(void *ctx, uint8_t *frame, uint32_t len, uint64_t ts_ns)
{
	static uint8_t orig[TAP_FRAME_MAX];
	struct replay *r = ctx;
	struct pkt p;
	struct explain ex = {0};
	struct verdict v;
	r->n++;
	memcpy(orig, frame, len);
	int pv = pkt_parse(&p, frame, len, NULL, r->from);
	p.cap = TAP_FRAME_MAX;
	v = pv == STAGE_PASS ? pipeline_run(r->s, &p, ts_ns, &ex) : verdict_drop(pv);
	replay_line(r, &p, &v, &ex);
	struct capture_file *f = replay_file(r, v.action == VERDICT_DROP ? r->t->n_ports : v.out_port);
	if (f && v.action == VERDICT_DROP)
		capture_file_write(f, orig, len, ts_ns);
	else if (f)
		replay_write(f, &p, &v, ts_ns);
	if (v.action == VERDICT_DROP)
		r->dropped++;
	return 0;
}

int replay_run(const struct vl_tables *t, const char *from, const char *in, const char *outdir,
	       FILE *out, char *err, size_t errcap)
{
	struct replay r = {.t = t, .outdir = outdir, .out = out};
	int port = -1;
	for (uint16_t i = 0; i < t->n_ports; i++)
		if (strcmp(t->ports[i].name, from) == 0)
			port = i;
	if (port < 0) {
		snprintf(err, errcap, "no instance or internet host '%s'", from);
		return -ENOENT;
	}
	if (outdir && mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errcap, "%s: %s", outdir, strerror(errno));
		return -errno;
	}
	r.from = (uint16_t)port;
	r.s = dp_state_create(t, 0);
	r.files = calloc((size_t)t->n_ports + 1, sizeof(*r.files));
	int rc = r.s && r.files ? capture_file_read(in, replay_frame, &r, err, errcap) : -ENOMEM;
	for (uint16_t i = 0; r.files && i <= t->n_ports; i++)
		capture_file_close(r.files[i]);
	free(r.files);
	dp_state_destroy(r.s);
	if (rc == -ENOMEM)
		snprintf(err, errcap, "out of memory");
	return rc < 0 ? rc : (int)r.dropped;
}
