/*
 * headers.c - the model of `mxprobe headers` from the parsed header
 * section; see headers.h.
 */
#include "analyzers/headers.h"

#include "common/xalloc.h"

/* A copy of an optional string (NULL stays NULL). */
static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void hop_from(struct mx_hop *d, const struct mx_received *r)
{
	d->from = dup_or_null(r->from);
	d->from_address = dup_or_null(r->from_ip);
	d->by = dup_or_null(r->by);
	d->with = dup_or_null(r->with);
	d->tls = r->tls == MX_RCVD_TLS_YES  ? MX_HOP_TLS_YES
		 : r->tls == MX_RCVD_TLS_NO ? MX_HOP_TLS_NO
					    : MX_HOP_TLS_UNKNOWN;
	d->tls_name = mx_rcvd_tls_name(r->tls);
	d->tls_version = dup_or_null(r->tls_version);
	d->tls_cipher = dup_or_null(r->tls_cipher);
	d->authenticated = r->auth;
	d->date = dup_or_null(r->date_text);
	d->has_delay = r->has_delay;
	d->delay_s = r->delay_s;
}

static void ar_from(struct mx_ar *d, const struct mx_authres *a)
{
	size_t i, j;

	d->arc = a->arc;
	d->instance = a->instance;
	d->authserv_id = dup_or_null(a->authserv_id);
	d->m = a->nm ? xcalloc(a->nm, sizeof(*d->m)) : NULL;
	d->nm = a->nm;
	for (i = 0; i < a->nm; i++) {
		const struct mx_ar_method *m = &a->m[i];
		struct mx_ar_result *o = &d->m[i];

		o->method = dup_or_null(m->method);
		o->result = dup_or_null(m->result);
		o->reason = dup_or_null(m->reason);
		o->props = m->nprops ? xcalloc(m->nprops, sizeof(*o->props))
				     : NULL;
		o->nprops = m->nprops;
		for (j = 0; j < m->nprops; j++) {
			o->props[j].name = dup_or_null(m->props[j].name);
			o->props[j].value = dup_or_null(m->props[j].value);
		}
	}
}

struct mx_headers *mx_headers_from_parse(const struct mx_mailhdr *h)
{
	struct mx_headers *o = xcalloc(1, sizeof(*o));
	size_t i;

	o->status = mx_hdr_status_name(h->status);
	o->complete = h->status == MX_HDR_OK;
	o->nfields = h->nfields;
	o->hops = h->nrcvd ? xcalloc(h->nrcvd, sizeof(*o->hops)) : NULL;
	o->nhops = h->nrcvd;
	for (i = 0; i < h->nrcvd; i++) {
		hop_from(&o->hops[i], &h->rcvd[i]);
		if (o->hops[i].tls == MX_HOP_TLS_NO)
			o->clear_hops++;
	}
	o->has_total_delay = h->has_total_delay;
	o->total_delay_s = h->total_delay_s;
	o->ar = h->nar ? xcalloc(h->nar, sizeof(*o->ar)) : NULL;
	o->nar = h->nar;
	for (i = 0; i < h->nar; i++)
		ar_from(&o->ar[i], &h->ar[i]);
	return o;
}
