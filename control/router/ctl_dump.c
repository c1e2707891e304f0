/* Large answers streamed in slices (ctl_dump.h): each loop turn in which the client can take
 * more, a bounded piece is written as JSON text, so no dump holds the packet thread for long
 * and none builds the whole answer in memory (210,000 flows were a 1.2 s stall and 125 MB). */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/router/asg.h"
#include "control/router/ctl_dump.h"
#include "control/router/resolver.h"
#include "control/router/status.h"

#define DUMP_BUCKETS 256         /* hash buckets (about as many flows) serialised per turn */
#define DUMP_PORTS 16            /* interfaces of a status per turn (about 1 ms with their taps) */
#define DUMP_KEEP 131072         /* a slice buffer larger than this is freed once sent */

enum dump_phase { PH_START, PH_PORT, PH_FLOWS, PH_TAIL, PH_DONE };

static struct ctl_dump *dump_of(struct router *r, int fd)
{
	for (int i = 0; i < CTL_DUMPS; i++)
		if (r->dumps[i].fd == fd)
			return &r->dumps[i];
	return NULL;
}

static void dump_end(struct router *r, struct ctl_dump *d)
{
	if (d->fd < 0)
		return;
	loop_del_fd(r->loop, d->fd);
	close(d->fd);
	free(d->buf);
	bool large = d->kind == CTL_DUMP_FLOWS;
	*d = (struct ctl_dump){.fd = -1};
	if (large)
		malloc_trim(0); /* what the slices and the NAT part took goes back to the system */
}

void ctl_dump_close_all(struct router *r)
{
	for (int i = 0; i < CTL_DUMPS; i++)
		dump_end(r, &r->dumps[i]);
}

/* Appends to d's pending text; on allocation failure the dump is cut (d->failed). */
static void put(struct ctl_dump *d, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = d->cap - d->len;
		va_start(ap, fmt);
		int n = vsnprintf(d->buf ? d->buf + d->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			d->failed = true;
			return;
		}
		if ((size_t)n < room) {
			d->len += (size_t)n;
			return;
		}
		size_t cap = d->cap ? d->cap : 4096;
		while (cap - d->len <= (size_t)n)
			cap *= 2;
		char *nb = realloc(d->buf, cap);
		if (!nb) {
			d->failed = true;
			return;
		}
		d->buf = nb;
		d->cap = cap;
	}
}

/* A jansson value as compact JSON text (names are escaped as jansson escapes them). */
static void put_json(struct ctl_dump *d, json_t *v)
{
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (text)
		put(d, "%s", text);
	else
		d->failed = true;
	free(text);
	json_decref(v);
}

struct flow_put {
	struct ctl_dump *d;
	uint64_t now;
};

/* One flow, with the keys and their order of the `flows` answer (include/vpclab/ctl.h). */
static void flow_put(const struct ct_entry *e, void *arg)
{
	struct flow_put *fp = arg;
	char a[16], b[16];
	int o = e->orig_side;
	put(fp->d, "%s{\"protocol\":%u,\"from\":\"%s:%u\",\"to\":\"%s:%u\",\"state\":\"%s\","
		   "\"admitted_by\":\"%s\",\"idle_s\":%llu,\"packets_out\":%llu,\"packets_back\":%llu,"
		   "\"bytes_out\":%llu,\"bytes_back\":%llu,\"tracked\":%s}",
	    fp->d->first ? "" : ",", e->key.proto, addr_fmt(e->key.ip[o], a), e->key.port[o],
	    addr_fmt(e->key.ip[!o], b), e->key.port[!o],
	    e->key.proto == 6 ? ct_state_name((enum ct_tcp_state)e->state) : "-",
	    e->rule_dir ? "egress" : "ingress",
	    (unsigned long long)(fp->now > e->last_seen ? (fp->now - e->last_seen) / NS_PER_S : 0),
	    (unsigned long long)e->packets[CT_ORIG], (unsigned long long)e->packets[CT_REPLY],
	    (unsigned long long)e->bytes[CT_ORIG], (unsigned long long)e->bytes[CT_REPLY],
	    e->untracked ? "false" : "true");
	fp->d->first = false;
}

/* The next slice of a `flows` answer: {"interfaces": [{name, flows}], "nat_gateways": [...]}. */
static void flows_slice(struct router *r, struct ctl_dump *d)
{
	const struct vl_tables *t = r->t;
	struct flow_put fp = {.d = d, .now = loop_now()};
	uint32_t budget = DUMP_BUCKETS;
	while (budget && d->phase != PH_DONE && !d->failed) {
		switch (d->phase) {
		case PH_START:
			put(d, "{\"interfaces\":[");
			d->phase = PH_PORT;
			d->first_port = true;
			break;
		case PH_PORT:
			budget--;
			if (d->port >= t->n_ports) {
				d->phase = PH_TAIL;
				break;
			}
			if (t->ports[d->port].kind != VL_PORT_INSTANCE || !vl_port_used(&t->ports[d->port])) {
				d->port++;
				break;
			}
			put(d, "%s{\"name\":", d->first_port ? "" : ",");
			put_json(d, json_string(t->ports[d->port].name));
			put(d, ",\"flows\":[");
			d->first_port = false;
			d->first = true;
			d->cursor = 0;
			d->phase = PH_FLOWS;
			break;
		case PH_FLOWS: {
			bool done = ct_foreach_slice(ct_port_const(r->s->ct, d->port), fp.now, &d->cursor,
						     budget, flow_put, &fp);
			budget = done ? budget - 1 : 0;
			if (done) {
				put(d, "]}");
				d->port++;
				d->phase = PH_PORT;
			}
			break;
		}
		case PH_TAIL: {
			char *nat_req[1] = {VL_CTL_NAT};
			json_t *nat = ctl_handle_nat(r, nat_req, 1);
			put(d, "],\"nat_gateways\":");
			put_json(d, json_incref(json_object_get(nat, "nat_gateways")));
			json_decref(nat);
			put(d, "}");
			d->phase = PH_DONE;
			break;
		}
		default:
			d->phase = PH_DONE;
		}
	}
}

/* The next slice of a `status` answer: the object status_build makes, port by port. */
static void status_slice(struct router *r, struct ctl_dump *d)
{
	const struct vl_tables *t = r->t;
	if (d->phase == PH_START) {
		put(d, "{\"lab\":");
		put_json(d, json_string(t->lab));
		put(d, ",\"pid\":%ld,\"ports\":[", (long)getpid());
		d->phase = PH_PORT;
		d->first_port = true;
	}
	for (int n = 0; n < DUMP_PORTS && d->phase == PH_PORT && !d->failed; n++, d->port++) {
		if (d->port >= t->n_ports) {
			d->phase = PH_TAIL;
			break;
		}
		if (!vl_port_used(&t->ports[d->port]))
			continue; /* a hole an apply left (vl_port_used) */
		struct link_drops tap;
		bool known = ctl_tap_drops(r, d->port, &tap);
		put(d, "%s", d->first_port ? "" : ",");
		d->first_port = false;
		json_t *o = status_port(t, r->s, d->port, known ? &tap : NULL);
		const char *group = asg_group_of(r, t->ports[d->port].name);
		if (o && group && t->ports[d->port].kind == VL_PORT_INSTANCE)
			json_object_set_new(o, "group", json_string(group)); /* an auto scaling group's */
		put_json(d, o);
	}
	if (d->phase == PH_TAIL) {
		json_t *tail = status_tail(r->s, &r->flowlog_stats);
		json_t *rsv = tail ? resolver_stats_json(r) : NULL;
		if (rsv)
			json_object_set_new(tail, "resolver", rsv);
		char *text = tail ? json_dumps(tail, JSON_COMPACT) : NULL;
		/* the tail object's members, after the ports: "],<members of tail>" */
		if (text && strlen(text) > 2)
			put(d, "],%s", text + 1);
		else
			d->failed = true;
		free(text);
		json_decref(tail);
		d->phase = PH_DONE;
	}
}

/* The socket can take more: send what waits, make the next slice when nothing does. */
static void dump_ready(void *ctx, int fd)
{
	struct router *r = ctx;
	struct ctl_dump *d = dump_of(r, fd);
	if (!d)
		return;
	if (d->off == d->len && d->phase != PH_DONE) {
		d->off = d->len = 0;
		if (d->kind == CTL_DUMP_FLOWS)
			flows_slice(r, d);
		else
			status_slice(r, d);
	}
	if (d->failed) {
		dump_end(r, d); /* the reader sees a cut answer: not JSON, an error for it */
		return;
	}
	ssize_t n = d->len > d->off ? send(fd, d->buf + d->off, d->len - d->off, MSG_DONTWAIT | MSG_NOSIGNAL) : 0;
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		dump_end(r, d); /* the reader went away */
		return;
	}
	if (n > 0)
		d->off += (size_t)n;
	if (d->off == d->len && d->phase == PH_DONE)
		dump_end(r, d);
	else if (d->off == d->len && d->cap > DUMP_KEEP) {
		free(d->buf); /* a large slice's buffer is not kept for the next */
		d->buf = NULL;
		d->cap = d->len = d->off = 0;
	}
}

int ctl_dump_start(struct router *r, int fd, enum ctl_dump_kind kind)
{
	struct ctl_dump *d = dump_of(r, -1);
	if (!d) {
		/* The longest running gives way: a reader that stopped reading cannot keep every
		 * slot. */
		d = &r->dumps[r->next_dump++ % CTL_DUMPS];
		dump_end(r, d);
	}
	*d = (struct ctl_dump){.fd = fd, .kind = kind, .phase = PH_START};
	int rc = loop_add_fd_out(r->loop, fd, dump_ready, r);
	if (rc < 0)
		*d = (struct ctl_dump){.fd = -1};
	return rc;
}
