/* A request's authentication (server.h api_authenticate): AWS's order and codes. No
 * Authorization header: MissingAuthenticationToken (403). A malformed one: IncompleteSignature.
 * The credential scope's service routes. EC2 answers AuthFailure (401) both for an access key
 * not the lab's and for a signature that does not verify (as moto's model of AWS does); ELBv2
 * and Auto Scaling answer InvalidClientTokenId and SignatureDoesNotMatch (403). A timestamp more
 * than 5 minutes off: EC2 RequestExpired (400), others SignatureDoesNotMatch "Signature
 * expired". */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/api/server.h"
#include "control/api/sigv4.h"

/* Without a credential scope the service is guessed from Version, for the error's envelope. */
static enum api_service guess_service(const char *version)
{
	if (version && strcmp(version, "2015-12-01") == 0)
		return API_ELB;
	if (version && strcmp(version, "2011-01-01") == 0)
		return API_AS;
	return API_EC2;
}

static void stamp(long long t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, cap, "%Y%m%dT%H%M%SZ", &tm);
}

int api_authenticate(const struct api_ctx *c, const struct sigv4_req *s, const char *authorization,
		     const char *amz_date, const char *version, long long now, struct api_req *r,
		     struct api_out *out)
{
	r->svc = guess_service(version);
	if (!authorization || !*authorization)
		return api_fail(out, 403, "MissingAuthenticationToken",
				"Request is missing Authentication Token"), out->status;
	struct sigv4_auth a;
	if (sigv4_parse_auth(authorization, &a) < 0)
		return api_fail(out, 400, "IncompleteSignature",
				"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
				"parameters of an AWS4-HMAC-SHA256 signature."), out->status;
	int svc = api_service_of(a.service);
	if (svc < 0)
		return api_fail(out, 400, "InvalidAction", "The service '%s' is not served here "
				"(ec2, elasticloadbalancing, autoscaling).", a.service), out->status;
	r->svc = (enum api_service)svc;
	snprintf(r->region, sizeof(r->region), "%s", a.region);
	r->other_region = strcmp(a.region, c->region) != 0;
	if (strcmp(a.access_key, c->access_key) != 0) {
		if (r->svc == API_EC2)
			return api_fail(out, 401, "AuthFailure",
					"AWS was not able to validate the provided access credentials"), out->status;
		return api_fail(out, 403, "InvalidClientTokenId",
				"The security token included in the request is invalid."), out->status;
	}
	long long t = sigv4_parse_date(amz_date);
	if (t < 0)
		return api_fail(out, 400, "IncompleteSignature",
				"The request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ)."), out->status;
	if (strncmp(amz_date, a.date, 8) != 0 || !sigv4_verify(s, &a, amz_date, c->secret)) {
		if (r->svc == API_EC2)
			return api_fail(out, 401, "AuthFailure",
					"AWS was not able to validate the provided access credentials"), out->status;
		return api_fail(out, 403, "SignatureDoesNotMatch",
				"The request signature we calculated does not match the signature you provided. "
				"Check your AWS Secret Access Key and signing method. Consult the service "
				"documentation for details."), out->status;
	}
	if (t < now - c->skew_s || t > now + c->skew_s) {
		if (r->svc == API_EC2)
			return api_fail(out, 400, "RequestExpired", "Request has expired."), out->status;
		char nowbuf[32], lim[32];
		stamp(now, nowbuf, sizeof(nowbuf));
		stamp(t < now ? now - c->skew_s : now + c->skew_s, lim, sizeof(lim));
		if (t < now)
			return api_fail(out, 403, "SignatureDoesNotMatch",
					"Signature expired: %s is now earlier than %s (%s - 5 min.)", amz_date,
					lim, nowbuf), out->status;
		return api_fail(out, 403, "SignatureDoesNotMatch",
				"Signature not yet current: %s is still later than %s (%s + 5 min.)", amz_date,
				lim, nowbuf), out->status;
	}
	return 0;
}
