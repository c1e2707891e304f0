/* SigV4 (sigv4.h). The query is decoded with libevent's evhttp_uridecode and re-encoded as AWS
 * canonicalises it (unreserved characters as they are, everything else %XX upper case), then
 * sorted by name and value, so that a client's choice of encoding does not change the result. */
#include <ctype.h>
#include <errno.h>
#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "control/api/sigv4.h"

/* A growing string; err sticky. */
struct sb {
	char *s;
	size_t len, cap;
	int err;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->err = ENOMEM;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void hex_of(const uint8_t *d, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	hex_of(md, sizeof(md), hex);
}

static void hmac(const uint8_t *key, size_t klen, const char *msg, uint8_t out[32])
{
	unsigned int n = 32;
	HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

void sigv4_signing_key(const char *secret, const char *date, const char *region,
		       const char *service, uint8_t key[32])
{
	char k0[256];
	snprintf(k0, sizeof(k0), "AWS4%s", secret);
	uint8_t a[32], b[32];
	hmac((const uint8_t *)k0, strlen(k0), date, a);
	hmac(a, 32, region, b);
	hmac(b, 32, service, a);
	hmac(a, 32, "aws4_request", key);
	OPENSSL_cleanse(k0, sizeof(k0));
}

/* AWS's URI encoding of one decoded component. */
static void sb_uri(struct sb *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			sb_put(b, (const char *)&s[i], 1);
		} else {
			char e[3] = {'%', hx[c >> 4], hx[c & 15]};
			sb_put(b, e, 3);
		}
	}
}

struct qpair {
	char *k, *v;                /* canonically encoded */
};

static int qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

/* One side of k=v decoded by libevent, then AWS-encoded; NULL on ENOMEM. */
static char *canon_component(const char *s, size_t n)
{
	char *raw = strndup(s, n);
	if (!raw)
		return NULL;
	size_t dlen = 0;
	char *dec = evhttp_uridecode(raw, 0, &dlen);
	free(raw);
	if (!dec)
		return NULL;
	struct sb b = {0};
	sb_put(&b, "", 0);
	sb_uri(&b, dec, dlen);
	free(dec);
	if (b.err) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static int canon_query(struct sb *out, const char *q)
{
	if (!q || !*q)
		return 0;
	size_t n = 1;
	for (const char *s = q; *s; s++)
		n += *s == '&';
	struct qpair *p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	size_t k = 0;
	int rc = 0;
	for (const char *s = q; *s && !rc;) {
		const char *e = strchr(s, '&');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len) {
			const char *eq = memchr(s, '=', len);
			size_t kl = eq ? (size_t)(eq - s) : len;
			p[k].k = canon_component(s, kl);
			p[k].v = eq ? canon_component(eq + 1, len - kl - 1) : strdup("");
			if (!p[k].k || !p[k].v)
				rc = -ENOMEM;
			k++;
		}
		s += len + (e ? 1 : 0);
	}
	if (!rc) {
		qsort(p, k, sizeof(*p), qpair_cmp);
		for (size_t i = 0; i < k; i++) {
			if (i)
				sb_put(out, "&", 1);
			sb_str(out, p[i].k);
			sb_put(out, "=", 1);
			sb_str(out, p[i].v);
		}
	}
	for (size_t i = 0; i < k; i++) {
		free(p[i].k);
		free(p[i].v);
	}
	free(p);
	return rc;
}

/* The canonical value of header `name` (lower case): every header of that name, values trimmed
 * and inner runs of spaces collapsed, joined with ','. -EINVAL when there is none. */
static int canon_header(struct sb *out, const struct sigv4_req *r, const char *name, size_t nlen)
{
	bool found = false;
	for (size_t i = 0; i < r->n_headers; i++) {
		const struct sigv4_header *h = &r->headers[i];
		if (strlen(h->name) != nlen || strncasecmp(h->name, name, nlen) != 0)
			continue;
		if (found)
			sb_put(out, ",", 1);
		found = true;
		const char *v = h->value;
		while (*v == ' ' || *v == '\t')
			v++;
		bool space = false;
		for (; *v; v++) {
			if (*v == ' ' || *v == '\t') {
				space = true;
				continue;
			}
			if (space)
				sb_put(out, " ", 1);
			space = false;
			sb_put(out, v, 1);
		}
	}
	return found ? 0 : -EINVAL;
}

char *sigv4_canonical_request(const struct sigv4_req *r, const char *signed_headers)
{
	struct sb b = {0};
	sb_str(&b, r->method);
	sb_put(&b, "\n", 1);
	sb_str(&b, r->path && *r->path ? r->path : "/");
	sb_put(&b, "\n", 1);
	int rc = canon_query(&b, r->query);
	sb_put(&b, "\n", 1);
	for (const char *s = signed_headers; *s && !rc;) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		sb_put(&b, s, n);
		sb_put(&b, ":", 1);
		rc = canon_header(&b, r, s, n);
		sb_put(&b, "\n", 1);
		s += n + (e ? 1 : 0);
	}
	sb_put(&b, "\n", 1);
	sb_str(&b, signed_headers);
	sb_put(&b, "\n", 1);
	char hex[65];
	sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, hex);
	sb_str(&b, hex);
	if (rc || b.err) {
		free(b.s);
		errno = rc ? -rc : b.err;
		return NULL;
	}
	return b.s;
}

char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq)
{
	char hex[65];
	sigv4_sha256_hex(creq, strlen(creq), hex);
	char *s = NULL;
	if (asprintf(&s, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, hex) < 0)
		return NULL;
	return s;
}

int sigv4_signature(const struct sigv4_req *r, const struct sigv4_auth *a, const char *amz_date,
		    const char *secret, char hex[65])
{
	char *creq = sigv4_canonical_request(r, a->signed_headers);
	if (!creq)
		return -errno;
	char scope[256];
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", a->date, a->region, a->service);
	char *sts = sigv4_string_to_sign(amz_date, scope, creq);
	free(creq);
	if (!sts)
		return -ENOMEM;
	uint8_t key[32], sig[32];
	sigv4_signing_key(secret, a->date, a->region, a->service, key);
	hmac(key, 32, sts, sig);
	free(sts);
	OPENSSL_cleanse(key, sizeof(key));
	hex_of(sig, 32, hex);
	return 0;
}

bool sigv4_verify(const struct sigv4_req *r, const struct sigv4_auth *a, const char *amz_date,
		  const char *secret)
{
	char hex[65];
	if (sigv4_signature(r, a, amz_date, secret, hex) < 0 || strlen(a->signature) != 64)
		return false;
	return CRYPTO_memcmp(hex, a->signature, 64) == 0;
}

/* Copies the value of "key=" from the comma-separated list in h into dst; -EINVAL if absent. */
static int auth_field(const char *h, const char *key, char *dst, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *s = h; *s;) {
		while (*s == ' ' || *s == ',')
			s++;
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		while (n && s[n - 1] == ' ')
			n--;
		if (n > kl && strncmp(s, key, kl) == 0 && s[kl] == '=') {
			if (n - kl - 1 >= cap)
				return -EINVAL;
			memcpy(dst, s + kl + 1, n - kl - 1);
			dst[n - kl - 1] = '\0';
			return 0;
		}
		if (!e)
			break;
		s = e + 1;
	}
	return -EINVAL;
}

int sigv4_parse_auth(const char *header, struct sigv4_auth *a)
{
	memset(a, 0, sizeof(*a));
	static const char alg[] = "AWS4-HMAC-SHA256 ";
	if (!header || strncmp(header, alg, sizeof(alg) - 1) != 0)
		return -EINVAL;
	const char *h = header + sizeof(alg) - 1;
	char cred[512];
	if (auth_field(h, "Credential", cred, sizeof(cred)) < 0 ||
	    auth_field(h, "SignedHeaders", a->signed_headers, sizeof(a->signed_headers)) < 0 ||
	    auth_field(h, "Signature", a->signature, sizeof(a->signature)) < 0)
		return -EINVAL;
	/* AK/DATE/REGION/SERVICE/aws4_request; the key itself may not hold '/' */
	char *parts[5];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(cred, "/", &save); t && n < 5; t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	if (n != 5 || strtok_r(NULL, "/", &save) || strcmp(parts[4], "aws4_request") != 0 ||
	    strlen(parts[1]) != 8 || strlen(parts[0]) >= sizeof(a->access_key) ||
	    strlen(parts[2]) >= sizeof(a->region) || strlen(parts[3]) >= sizeof(a->service))
		return -EINVAL;
	snprintf(a->access_key, sizeof(a->access_key), "%s", parts[0]);
	memcpy(a->date, parts[1], 9);
	snprintf(a->region, sizeof(a->region), "%s", parts[2]);
	snprintf(a->service, sizeof(a->service), "%s", parts[3]);
	return 0;
}

long long sigv4_parse_date(const char *d)
{
	struct tm tm = {0};
	if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return -1;
	const char *e = strptime(d, "%Y%m%dT%H%M%SZ", &tm);
	if (!e || *e)
		return -1;
	return (long long)timegm(&tm);
}
