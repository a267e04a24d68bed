/*
 * headers.c - the Received chain and Authentication-Results of a message
 * as text or JSON; see headers.h.
 */
#include "reports/headers.h"

#include <jansson.h>

#include "reports/textutil.h"

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

int mx_report_headers_json(FILE *out, const struct mx_mailhdr *h,
			   const char *file)
{
	json_t *root = json_object(), *hops = json_array(), *ars = json_array();
	size_t i, j, k;
	int rc;

	json_object_set_new(root, "file", jstr(file));
	json_object_set_new(root, "status",
			    json_string(mx_hdr_status_name(h->status)));
	for (i = 0; i < h->nrcvd; i++) {
		const struct mx_received *r = &h->rcvd[i];
		json_t *o = json_object();

		json_object_set_new(o, "from", jstr(r->from));
		json_object_set_new(o, "from_ip", jstr(r->from_ip));
		json_object_set_new(o, "by", jstr(r->by));
		json_object_set_new(o, "with", jstr(r->with));
		json_object_set_new(o, "tls",
				    json_string(mx_rcvd_tls_name(r->tls)));
		json_object_set_new(o, "tls_version", jstr(r->tls_version));
		json_object_set_new(o, "tls_cipher", jstr(r->tls_cipher));
		json_object_set_new(o, "authenticated", json_boolean(r->auth));
		json_object_set_new(o, "date", jstr(r->date_text));
		json_object_set_new(o, "delay_s",
				    r->has_delay ? json_integer(r->delay_s)
						 : json_null());
		json_array_append_new(hops, o);
	}
	json_object_set_new(root, "hops", hops);
	json_object_set_new(root, "total_delay_s",
			    h->has_total_delay ? json_integer(h->total_delay_s)
					       : json_null());
	for (i = 0; i < h->nar; i++) {
		const struct mx_authres *a = &h->ar[i];
		json_t *o = json_object(), *ms = json_array();

		json_object_set_new(o, "arc", json_boolean(a->arc));
		json_object_set_new(o, "instance", json_integer(a->instance));
		json_object_set_new(o, "authserv_id", jstr(a->authserv_id));
		for (j = 0; j < a->nm; j++) {
			json_t *m = json_object(), *pr = json_object();

			json_object_set_new(m, "method", jstr(a->m[j].method));
			json_object_set_new(m, "result", jstr(a->m[j].result));
			json_object_set_new(m, "reason", jstr(a->m[j].reason));
			for (k = 0; k < a->m[j].nprops; k++)
				json_object_set_new(
					pr, a->m[j].props[k].name,
					jstr(a->m[j].props[k].value));
			json_object_set_new(m, "properties", pr);
			json_array_append_new(ms, m);
		}
		json_object_set_new(o, "methods", ms);
		json_array_append_new(ars, o);
	}
	json_object_set_new(root, "authentication_results", ars);
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	fputc('\n', out);
	json_decref(root);
	return rc < 0 || ferror(out) ? -1 : 0;
}

int mx_report_headers_text(FILE *out, const struct mx_mailhdr *h,
			   const char *file)
{
	size_t i, j;

	mx_out_fmt(out, "%s: %zu hop(s), header %s\n", file, h->nrcvd,
		   mx_hdr_status_name(h->status));
	for (i = 0; i < h->nrcvd; i++) {
		const struct mx_received *r = &h->rcvd[i];

		mx_out_fmt(out, "\n  %zu. %s -> %s  with %s%s\n", i + 1,
			   s_or(r->from, "?"), s_or(r->by, "?"),
			   s_or(r->with, "?"),
			   r->auth ? " (authenticated)" : "");
		if (r->from_ip)
			mx_out_fmt(out, "     from address %s\n", r->from_ip);
		mx_out_fmt(out, "     TLS: %s",
			   r->tls == MX_RCVD_TLS_YES  ? "yes"
			   : r->tls == MX_RCVD_TLS_NO ? "NO (clear text)"
						      : "not stated");
		if (r->tls_version || r->tls_cipher)
			mx_out_fmt(out, " %s %s", s_or(r->tls_version, ""),
				   s_or(r->tls_cipher, ""));
		mx_out_text(out, "\n");
		if (r->date_text)
			mx_out_fmt(out, "     date %s", r->date_text);
		if (r->has_delay)
			mx_out_fmt(out, "  (%+lld s after the previous hop)",
				   (long long)r->delay_s);
		if (r->date_text)
			mx_out_text(out, "\n");
	}
	if (h->has_total_delay)
		mx_out_fmt(out, "\nTotal delay: %lld s\n",
			   (long long)h->total_delay_s);
	for (i = 0; i < h->nar; i++) {
		const struct mx_authres *a = &h->ar[i];

		mx_out_fmt(out, "\n%sAuthentication-Results",
			   a->arc ? "ARC-" : "");
		if (a->arc)
			mx_out_fmt(out, " i=%d", a->instance);
		mx_out_fmt(out, " by %s:\n", s_or(a->authserv_id, "(no id)"));
		for (j = 0; j < a->nm; j++)
			mx_out_fmt(out, "  %-8s %s%s%s\n",
				   s_or(a->m[j].method, "?"),
				   s_or(a->m[j].result, "?"),
				   a->m[j].reason ? "  reason=" : "",
				   s_or(a->m[j].reason, ""));
	}
	return ferror(out) ? -1 : 0;
}
