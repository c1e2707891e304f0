/* AWS's error envelopes (api.h). EC2 answers <Response><Errors><Error>...</Errors><RequestID>
 * (a root tools such as terraform check); ELBv2 and Auto Scaling answer <ErrorResponse> with
 * the error's Type (Sender for a client's error, Receiver for ours). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control/api/api.h"

int api_fail(struct api_out *o, int status, const char *code, const char *fmt, ...)
{
	o->status = status;
	snprintf(o->code, sizeof(o->code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof(o->message), fmt, ap);
	va_end(ap);
	return -1;
}

int api_error_xml(struct xml *x, enum api_service svc, const char *code, const char *message,
		  const char *request_id)
{
	xml_reset(x);
	xml_text(x, ""); /* allocates, so that an empty body still has a buffer */
	if (svc == API_EC2) {
		xml_open(x, "Response", NULL);
		xml_open(x, "Errors", NULL);
		xml_open(x, "Error", NULL);
		xml_elem(x, "Code", code);
		xml_elem(x, "Message", message);
		xml_close(x);
		xml_close(x);
		xml_elem(x, "RequestID", request_id);
		xml_close(x);
	} else {
		xml_open(x, "ErrorResponse", api_service_xmlns(svc));
		xml_open(x, "Error", NULL);
		xml_elem(x, "Type", strncmp(code, "Internal", 8) == 0 ? "Receiver" : "Sender");
		xml_elem(x, "Code", code);
		xml_elem(x, "Message", message);
		xml_close(x);
		xml_elem(x, "RequestId", request_id);
		xml_close(x);
	}
	return xml_finish(x);
}
