/* IPv4 fragments (frag.h): the cache that lets later fragments follow their first one, and the
 * internet gateway's cutting of a packet into fragments, one scratch frame at a time. */
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "bytes.h"
#include "csum.h"
#include "frag.h"
#include "parse.h"
#include "vpclab/tables.h"

static uint32_t frag_hash(const struct pkt *p, uint32_t n)
{
	uint32_t h = (p->src * 0x9e3779b1u) ^ (p->dst * 0x85ebca6bu) ^ ((uint32_t)p->ip_id << 8 | p->proto);
	return (h ^ (h >> 15)) % n;
}

static bool frag_same(const struct frag_slot *f, const struct pkt *p, uint16_t scope)
{
	return f->used && f->src == p->src && f->dst == p->dst && f->ip_id == p->ip_id &&
	       f->proto == p->proto && f->scope == scope;
}

struct frag_slot *frag_note(struct frag_slot *slots, uint32_t n, const struct pkt *p,
			    uint16_t scope, uint64_t now)
{
	struct frag_slot *f = &slots[frag_hash(p, n)];
	if (!frag_same(f, p, scope))
		*f = (struct frag_slot){.src = p->src, .dst = p->dst, .ip_id = p->ip_id, .scope = scope,
					.proto = p->proto, .used = 1, .flow = -1, .out_port = VL_NONE};
	f->seen = now;
	return f;
}

const struct frag_slot *frag_find(const struct frag_slot *slots, uint32_t n, const struct pkt *p,
				  uint16_t scope, uint64_t now)
{
	const struct frag_slot *f = &slots[frag_hash(p, n)];
	if (!frag_same(f, p, scope) || now - f->seen > (uint64_t)FRAG_TIMEOUT_S * 1000000000ull)
		return NULL;
	return f;
}

uint32_t frag_count(uint32_t ip_len, uint32_t ihl, uint16_t mtu)
{
	uint32_t per = (mtu - ihl) & ~7u, data = ip_len - ihl;
	return per ? (data + per - 1) / per : 0;
}

/* The options a later fragment keeps (RFC 791: those with the copy bit), padded to 4 bytes.
 * Returns the new header length. */
static uint32_t frag_later_header(uint8_t *dst, const uint8_t *ip, uint32_t ihl)
{
	memcpy(dst, ip, 20);
	uint32_t out = 20;
	for (uint32_t i = 20; i < ihl;) {
		uint8_t type = ip[i];
		if (type == 0)
			break;
		uint32_t olen = type == 1 ? 1 : (i + 1 < ihl ? ip[i + 1] : 0);
		if (olen < 1 || i + olen > ihl)
			break;
		if (type & 0x80) {
			memcpy(dst + out, ip + i, olen);
			out += olen;
		}
		i += olen;
	}
	while (out & 3)
		dst[out++] = 0;
	dst[0] = (uint8_t)(0x40 | out / 4);
	return out;
}

static bool csum_partial(const struct pkt *p)
{
	const struct virtio_net_hdr *v = p->vnet;
	return v && (v->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
}

int frag_cut(struct pkt *p, uint16_t mtu, uint8_t *scratch, uint32_t head,
	     int (*fn)(void *ctx, const struct pkt *frag), void *ctx)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t ihl = (ip[0] & 15u) * 4u, tot = p->ip_len;
	if ((p->flags & (PKT_GSO | PKT_DF)) || p->ethertype != ETHTYPE_IPV4 || tot <= mtu ||
	    p->l3_off + tot > p->len || mtu < ihl + 8)
		return -EINVAL;
	if (csum_partial(p)) {
		if (!(p->flags & PKT_L4))
			return -EINVAL;
		csum_ipv4_full(p); /* a fragment cannot ask the kernel to finish its checksum */
	}
	uint16_t field = rd16(ip + 6);
	uint32_t base = (uint32_t)(field & 0x1fff) * 8u;
	bool more_after = field & 0x2000;
	memset(scratch, 0, head);
	uint8_t *frame = scratch + head, *fip = frame + ETH_HLEN_;
	memcpy(frame, p->frame, ETH_HLEN_);
	uint32_t hl = ihl, off = 0, data = tot - ihl;
	int n = 0;
	while (off < data) {
		if (n == 0)
			memcpy(fip, ip, ihl);
		else if (n == 1)
			hl = frag_later_header(fip, ip, ihl);
		uint32_t per = (mtu - hl) & ~7u;
		uint32_t len = data - off < per ? data - off : per;
		bool last = off + len == data;
		memcpy(fip + hl, ip + ihl + off, len);
		wr16(fip + 2, (uint16_t)(hl + len));
		wr16(fip + 6, (uint16_t)((field & 0x8000) | (!last || more_after ? 0x2000 : 0) |
					 ((base + off) / 8u)));
		wr16(fip + 10, 0);
		wr16(fip + 10, csum_finish(csum_add_bytes(0, fip, hl)));
		struct pkt f;
		pkt_parse(&f, frame, ETH_HLEN_ + hl + len, NULL, p->in_port);
		f.origin_port = p->origin_port;
		int rc = fn(ctx, &f);
		if (rc < 0)
			return rc;
		n++;
		off += len;
	}
	return n;
}
