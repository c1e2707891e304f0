/* Checking what a DNS record says: names (RFC 1035 lengths, host-name characters plus '_' for
 * SRV's service labels) and one value per record type, turned into the RDATA text the answer
 * engine hands to ldns (tables_dns.h). Errors point at the value as written. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lab/check.h"

/* s -> out (lower-case, final dot dropped). NULL when valid, else why not. */
const char *ck_dns_name(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (!n)
		return "it is empty";
	if (n > 253)
		return "it is longer than 253 characters";
	if (n + 1 > cap)
		return "it is too long";
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (!label)
				return "it has an empty label";
			if (out[i - 1] == '-')
				return "a label ends with '-'";
			label = 0;
		} else if (isalnum(ch) || ch == '_' || (ch == '-' && label)) {
			if (++label > 63)
				return "a label is longer than 63 characters";
		} else if (ch == '*') {
			return "wildcard names are not served by the lab";
		} else {
			return ch == '-' ? "a label starts with '-'" :
			       "labels are letters, digits, '-' and '_'";
		}
		out[i] = (char)tolower(ch);
	}
	if (out[n - 1] == '-')
		return "a label ends with '-'";
	out[n] = '\0';
	return NULL;
}

/* A host name inside a value: absolute (Route 53 reads values as fully qualified), text
 * "name." into out at *len. */
static bool ck_value_host(struct ck *c, const struct lab_str *v, const char *host, char *out,
			  size_t cap, size_t *len)
{
	char name[VL_DNS_NAME_MAX];
	const char *why = ck_dns_name(host, name, sizeof(name));
	if (why) {
		diag_error(c->d, v->at, "'%s' is not a valid host name in this value: %s",
			   CK_SHOW(host), why);
		return false;
	}
	int k = snprintf(out + *len, cap - *len, "%s.", name);
	*len += (size_t)k;
	return *len < cap;
}

/* "N N ... HOST": n numbers 0..65535 then a host name. */
static bool ck_value_fields(struct ck *c, const struct lab_str *v, const char *type, int n,
			    const char *form, char *out, size_t cap)
{
	const char *p = v->s;
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		while (*p == ' ')
			p++;
		char *end = (char *)p;
		unsigned long x = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : 70000;
		if (x > 65535 || *end != ' ') {
			diag_error(c->d, v->at, "%s value '%s' is not \"%s\" (numbers 0..65535)",
				   type, CK_SHOW(v->s), form);
			return false;
		}
		len += (size_t)snprintf(out + len, cap - len, "%lu ", x);
		p = end;
	}
	while (*p == ' ')
		p++;
	if (!*p || strchr(p, ' ')) {
		diag_error(c->d, v->at, "%s value '%s' is not \"%s\"", type, CK_SHOW(v->s), form);
		return false;
	}
	return ck_value_host(c, v, p, out, cap, &len);
}

/* One character string (RFC 1035 3.3.14) of printable ASCII, quoted with " and \ escaped. */
static bool ck_value_txt(struct ck *c, const struct lab_str *v, char *out, size_t cap)
{
	size_t n = strlen(v->s), len = 0;
	if (n > 255) {
		diag_error(c->d, v->at, "TXT value is %zu characters; a TXT string holds at most 255", n);
		return false;
	}
	out[len++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v->s[i];
		if (ch < 0x20 || ch > 0x7e) {
			diag_error(c->d, v->at, "TXT value '%s' has a character that is not printable "
				   "ASCII", CK_SHOW(v->s));
			return false;
		}
		if (ch == '"' || ch == '\\')
			out[len++] = '\\';
		out[len++] = (char)ch;
	}
	out[len++] = '"';
	out[len] = '\0';
	(void)cap;   /* 2 * 255 + 3 < VL_DNS_TEXT_MAX */
	return true;
}

bool ck_dns_value(struct ck *c, uint8_t type, const struct lab_str *v, struct lab_dns_value *out)
{
	char text[VL_DNS_TEXT_MAX];
	size_t len = 0;
	bool ok = false;
	text[0] = '\0';
	switch (type) {
	case VL_RR_A: {
		struct in_addr a;
		ok = inet_pton(AF_INET, v->s, &a) == 1;
		if (!ok)
			diag_error(c->d, v->at, "A value '%s' is not an ipv4 address", CK_SHOW(v->s));
		out->a = ntohl(a.s_addr);
		if (ok)
			inet_ntop(AF_INET, &a, text, sizeof(text));
		break;
	}
	case VL_RR_AAAA:
		ok = inet_pton(AF_INET6, v->s, out->aaaa) == 1;
		if (!ok)
			diag_error(c->d, v->at, "AAAA value '%s' is not an ipv6 address", CK_SHOW(v->s));
		else
			inet_ntop(AF_INET6, out->aaaa, text, sizeof(text));
		break;
	case VL_RR_CNAME:
		ok = ck_value_host(c, v, v->s, text, sizeof(text), &len);
		break;
	case VL_RR_MX:
		ok = ck_value_fields(c, v, "MX", 1, "PRIORITY HOST", text, sizeof(text));
		break;
	case VL_RR_SRV:
		ok = ck_value_fields(c, v, "SRV", 3, "PRIORITY WEIGHT PORT HOST", text, sizeof(text));
		break;
	case VL_RR_TXT:
		ok = ck_value_txt(c, v, text, sizeof(text));
		break;
	}
	if (ok && !(out->text = lab_strdup(c->m, text))) {
		c->oom = true;
		ok = false;
	}
	return ok;
}
