/* AWS Signature Version 4, pure: the canonical request, the string to sign, the signing key and
 * the check of an Authorization header, from a request given as its parts (no I/O, no clock:
 * the caller compares X-Amz-Date with its time). HMAC-SHA256 and SHA-256 are libcrypto's. */
#ifndef VPCLAB_API_SIGV4_H
#define VPCLAB_API_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sigv4_header {
	const char *name, *value;   /* as received; names in any case, repeated names allowed */
};

struct sigv4_req {
	const char *method;         /* "GET", "POST" */
	const char *path;           /* the URI's path as received ("/" when empty) */
	const char *query;          /* the raw query string without '?', or NULL */
	const struct sigv4_header *headers;
	size_t n_headers;
	const void *body;
	size_t body_len;
};

/* An Authorization header's parts: "AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=HEX". */
struct sigv4_auth {
	char access_key[128];
	char date[9];               /* YYYYMMDD */
	char region[32];
	char service[64];
	char signed_headers[1024];  /* lower case, ';'-separated, as sent */
	char signature[65];
};

/* 0, or -EINVAL when header is not a well-formed SigV4 Authorization header. */
int sigv4_parse_auth(const char *header, struct sigv4_auth *a);

/* The canonical request of r over the headers named in signed_headers; malloc'd, NULL with
 * errno (ENOMEM, or EINVAL when a signed header is missing or the query is malformed). */
char *sigv4_canonical_request(const struct sigv4_req *r, const char *signed_headers);
/* "AWS4-HMAC-SHA256\nAMZDATE\nSCOPE\nhex(sha256(creq))"; malloc'd or NULL. */
char *sigv4_string_to_sign(const char *amz_date, const char *scope, const char *creq);
void sigv4_signing_key(const char *secret, const char *date, const char *region,
		       const char *service, uint8_t key[32]);
/* The hex signature of r for auth's scope and signed headers at amz_date. 0 or -errno. */
int sigv4_signature(const struct sigv4_req *r, const struct sigv4_auth *a, const char *amz_date,
		    const char *secret, char hex[65]);
/* True when a's signature is r's under secret (compared in constant time). */
bool sigv4_verify(const struct sigv4_req *r, const struct sigv4_auth *a, const char *amz_date,
		  const char *secret);
/* hex(sha256(data)) into hex[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);
/* "YYYYMMDDTHHMMSSZ" into seconds since the epoch; -1 when malformed. */
long long sigv4_parse_date(const char *amz_date);

#endif
