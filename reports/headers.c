/*
 * headers.c - the Received chain and Authentication-Results of a message
 * as text or JSON; see headers.h.
 */
#include "reports/headers.h"

#include <jansson.h>

#include "reports/jsonutil.h"

#include "reports/textutil.h"

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

int mx_report_headers_json(FILE *out, const struct mx_headers *h,
			   const char *file, const struct mx_rep_meta *meta)
{
	struct mx_jc c = {0};
	json_t *root, *hops = mx_j_arr(&c), *ars = mx_j_arr(&c);
	size_t i, j, k;

	root = mx_j_envelope(&c, "headers", MX_HEADERS_SCHEMA_VERSION,
			     meta->tool_version, meta->started,
			     meta->exit_status);
	mx_j_set(&c, root, "file", mx_j_str(&c, file));
	/* how far the header section could be read (ok, unterminated, ...) */
	mx_j_set(&c, root, "header_status", mx_j_str(&c, h->status));
	for (i = 0; i < h->nhops; i++) {
		const struct mx_hop *r = &h->hops[i];
		json_t *o = mx_j_obj(&c);

		mx_j_set(&c, o, "from", mx_j_str(&c, r->from));
		mx_j_set(&c, o, "from_address", mx_j_str(&c, r->from_address));
		mx_j_set(&c, o, "by", mx_j_str(&c, r->by));
		mx_j_set(&c, o, "with", mx_j_str(&c, r->with));
		mx_j_set(&c, o, "tls", mx_j_str(&c, r->tls_name));
		mx_j_set(&c, o, "tls_version", mx_j_str(&c, r->tls_version));
		mx_j_set(&c, o, "cipher", mx_j_str(&c, r->tls_cipher));
		mx_j_set(&c, o, "authenticated",
			 mx_j_bool(&c, r->authenticated));
		mx_j_set(&c, o, "date", mx_j_str(&c, r->date));
		mx_j_set(&c, o, "delay_s",
			 r->has_delay ? mx_j_int(&c, r->delay_s)
				      : mx_j_null(&c));
		mx_j_push(&c, hops, o);
	}
	mx_j_set(&c, root, "hops", hops);
	mx_j_set(&c, root, "total_delay_s",
		 h->has_total_delay ? mx_j_int(&c, h->total_delay_s)
				    : mx_j_null(&c));
	for (i = 0; i < h->nar; i++) {
		const struct mx_ar *a = &h->ar[i];
		json_t *o = mx_j_obj(&c), *ms = mx_j_arr(&c);

		mx_j_set(&c, o, "arc", mx_j_bool(&c, a->arc));
		mx_j_set(&c, o, "instance", mx_j_int(&c, a->instance));
		mx_j_set(&c, o, "authserv_id", mx_j_str(&c, a->authserv_id));
		for (j = 0; j < a->nm; j++) {
			json_t *m = mx_j_obj(&c), *pr = mx_j_obj(&c);

			mx_j_set(&c, m, "method", mx_j_str(&c, a->m[j].method));
			mx_j_set(&c, m, "result", mx_j_str(&c, a->m[j].result));
			mx_j_set(&c, m, "reason", mx_j_str(&c, a->m[j].reason));
			for (k = 0; k < a->m[j].nprops; k++)
				mx_j_set(&c, pr, a->m[j].props[k].name,
					 mx_j_str(&c, a->m[j].props[k].value));
			mx_j_set(&c, m, "properties", pr);
			mx_j_push(&c, ms, m);
		}
		mx_j_set(&c, o, "methods", ms);
		mx_j_push(&c, ars, o);
	}
	mx_j_set(&c, root, "authentication_results", ars);
	return mx_j_dump(&c, out, root);
}

int mx_report_headers_text(FILE *out, const struct mx_headers *h,
			   const char *file, const struct mx_rep_meta *meta)
{
	size_t i, j;

	mx_out_fmt(out, "%s: %zu hop(s), header %s\n", file, h->nhops,
		   h->status);
	for (i = 0; i < h->nhops; i++) {
		const struct mx_hop *r = &h->hops[i];

		mx_out_fmt(out, "\n  %zu. %s -> %s  with %s%s\n", i + 1,
			   s_or(r->from, "?"), s_or(r->by, "?"),
			   s_or(r->with, "?"),
			   r->authenticated ? " (authenticated)" : "");
		if (r->from_address)
			mx_out_fmt(out, "     from address %s\n",
				   r->from_address);
		mx_out_fmt(out, "     TLS: %s",
			   r->tls == MX_HOP_TLS_YES  ? "yes"
			   : r->tls == MX_HOP_TLS_NO ? "NO (clear text)"
						     : "not stated");
		if (r->tls_version || r->tls_cipher)
			mx_out_fmt(out, " %s %s", s_or(r->tls_version, ""),
				   s_or(r->tls_cipher, ""));
		mx_out_text(out, "\n");
		if (r->date)
			mx_out_fmt(out, "     date %s", r->date);
		if (r->has_delay)
			mx_out_fmt(out, "  (%+lld s after the previous hop)",
				   (long long)r->delay_s);
		if (r->date)
			mx_out_text(out, "\n");
	}
	if (h->has_total_delay)
		mx_out_fmt(out, "\nTotal delay: %lld s\n",
			   (long long)h->total_delay_s);
	for (i = 0; i < h->nar; i++) {
		const struct mx_ar *a = &h->ar[i];

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
	mx_out_status(out, meta->color, meta->exit_status);
	return ferror(out) ? -1 : 0;
}
