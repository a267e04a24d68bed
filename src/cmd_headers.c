/*
 * cmd_headers.c - `mxprobe headers FILE`: the Received chain of a
 * message (oldest hop first) with TLS per hop and the delay between hops,
 * and its Authentication-Results / ARC-Authentication-Results.  Parsing
 * is wire/mailhdr.c's (escaped text out); this file only prints, as text
 * or JSON (jansson).  FILE "-" reads standard input.
 *
 * Exit status: 0 parsed, 1 parsed but some hop went in clear text or the
 * header section is damaged, 3 the file cannot be read or has no header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/xalloc.h"
#include "src/commands.h"
#include "wire/mailhdr.h"

static uint8_t *read_all(FILE *fp, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	uint8_t *buf = xmalloc(cap);

	/* the header section is at most MX_HDR_MAX_BYTES; read a little
	 * more so the parser can tell "too big" */
	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n > MX_HDR_MAX_BYTES + 1024)
			break;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
	}
	*len = n;
	return buf;
}

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int print_json(FILE *out, const struct mx_mailhdr *h, const char *file)
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
	return rc;
}

static void print_text(FILE *out, const struct mx_mailhdr *h, const char *file)
{
	size_t i, j;

	fprintf(out, "%s: %zu hop(s), header %s\n", file, h->nrcvd,
		mx_hdr_status_name(h->status));
	for (i = 0; i < h->nrcvd; i++) {
		const struct mx_received *r = &h->rcvd[i];

		fprintf(out, "\n  %zu. %s -> %s  with %s%s\n", i + 1,
			s_or(r->from, "?"), s_or(r->by, "?"),
			s_or(r->with, "?"), r->auth ? " (authenticated)" : "");
		if (r->from_ip)
			fprintf(out, "     from address %s\n", r->from_ip);
		fprintf(out, "     TLS: %s",
			r->tls == MX_RCVD_TLS_YES  ? "yes"
			: r->tls == MX_RCVD_TLS_NO ? "NO (clear text)"
						   : "not stated");
		if (r->tls_version || r->tls_cipher)
			fprintf(out, " %s %s", s_or(r->tls_version, ""),
				s_or(r->tls_cipher, ""));
		fputc('\n', out);
		if (r->date_text)
			fprintf(out, "     date %s", r->date_text);
		if (r->has_delay)
			fprintf(out, "  (%+lld s after the previous hop)",
				(long long)r->delay_s);
		if (r->date_text)
			fputc('\n', out);
	}
	if (h->has_total_delay)
		fprintf(out, "\nTotal delay: %lld s\n",
			(long long)h->total_delay_s);
	for (i = 0; i < h->nar; i++) {
		const struct mx_authres *a = &h->ar[i];

		fprintf(out, "\n%sAuthentication-Results",
			a->arc ? "ARC-" : "");
		if (a->arc)
			fprintf(out, " i=%d", a->instance);
		fprintf(out, " by %s:\n", s_or(a->authserv_id, "(no id)"));
		for (j = 0; j < a->nm; j++)
			fprintf(out, "  %-8s %s%s%s\n",
				s_or(a->m[j].method, "?"),
				s_or(a->m[j].result, "?"),
				a->m[j].reason ? "  reason=" : "",
				s_or(a->m[j].reason, ""));
	}
}

int cmd_headers(struct mx_opts *o)
{
	struct mx_mailhdr *h;
	uint8_t *data;
	size_t len, i;
	FILE *fp, *out;
	int status = 0;

	if (o->nargs != 1) {
		fprintf(stderr, "mxprobe headers: name one message file (or "
				"- for standard input)\n");
		return 3;
	}
	fp = strcmp(o->args[0], "-") == 0 ? stdin : fopen(o->args[0], "rb");
	if (fp == NULL) {
		fprintf(stderr, "mxprobe headers: cannot read %s: %s\n",
			o->args[0], strerror(errno));
		return 3;
	}
	data = read_all(fp, &len);
	if (fp != stdin)
		fclose(fp);
	h = mx_mailhdr_parse(data, len);
	free(data);
	if (h == NULL || h->nfields == 0) {
		fprintf(stderr, "mxprobe headers: %s has no header section\n",
			o->args[0]);
		mx_mailhdr_free(h);
		return 3;
	}
	if (h->status != MX_HDR_OK)
		status = 1;
	for (i = 0; i < h->nrcvd; i++)
		if (h->rcvd[i].tls == MX_RCVD_TLS_NO)
			status = 1;
	out = mx_cli_open_output(o);
	if (out == NULL) {
		mx_mailhdr_free(h);
		return 3;
	}
	if (o->json)
		print_json(out, h, o->args[0]);
	else
		print_text(out, h, o->args[0]);
	if (mx_cli_close_output(out, o) < 0)
		status = 3;
	mx_mailhdr_free(h);
	return status;
}
