/*
 * mailhdr.c - the header section of a message (RFC 5322 §2.2): fields
 * unfolded and split, Received and Authentication-Results handed to their
 * parsers, the Received chain ordered oldest hop first with hop delays;
 * see mailhdr.h for the contract and the limits.
 *
 * The pieces: mailhdr_lex.c (comments, CFWS), mailhdr_date.c (dates),
 * mailhdr_tls.c (TLS comment formats), mailhdr_rcvd.c (Received),
 * mailhdr_authres.c (Authentication-Results); mailhdr_int.h is what they
 * share.  Everything is read through struct mx_cur; a byte is looked at
 * only after mx_cur_left() said it exists.  Raw text is escaped on the
 * way into the result (esc()).
 */
#include "wire/mailhdr.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "wire/mailhdr_int.h"

/* ---- the header section (RFC 5322 §2.2) ------------------------------- */

static void finish_field(struct mx_mailhdr *h, const uint8_t *name, size_t nlen,
			 const uint8_t *val, size_t vlen)
{
	struct mx_hdr_field *f;
	size_t idx = h->nfields;

	/* Trim the WSP around the unfolded value. */
	while (vlen > 0 && is_space(val[0])) {
		val++;
		vlen--;
	}
	while (vlen > 0 && is_space(val[vlen - 1]))
		vlen--;
	MX_GROW(h->fields, h->nfields, h->capfields);
	f = &h->fields[h->nfields++];
	f->name = esc(name, nlen, MX_HDR_ITEM_MAX);
	f->value = esc(val, vlen, MX_HDR_VALUE_MAX);
	if (word_is(name, nlen, "Received")) {
		if (h->nrcvd >= MX_HDR_MAX_RECEIVED) {
			h->rcvd_dropped++;
			return;
		}
		MX_GROW(h->rcvd, h->nrcvd, h->caprcvd);
		mx_received_parse(val, vlen, &h->rcvd[h->nrcvd]);
		h->rcvd[h->nrcvd++].field_index = idx;
	} else if (word_is(name, nlen, "Authentication-Results") ||
		   word_is(name, nlen, "ARC-Authentication-Results")) {
		if (h->nar >= MX_HDR_MAX_AUTHRES) {
			h->ar_dropped++;
			return;
		}
		MX_GROW(h->ar, h->nar, h->capar);
		mx_authres_parse(val, vlen,
				 word_is(name, nlen,
					 "ARC-Authentication-Results"),
				 &h->ar[h->nar]);
		h->ar[h->nar++].field_index = idx;
	}
}

/* Oldest hop first, then the delays between consecutive hops. */
static void order_chain(struct mx_mailhdr *h)
{
	size_t i;

	for (i = 0; i < h->nrcvd / 2; i++) {
		struct mx_received t = h->rcvd[i];

		h->rcvd[i] = h->rcvd[h->nrcvd - 1 - i];
		h->rcvd[h->nrcvd - 1 - i] = t;
	}
	for (i = 1; i < h->nrcvd; i++) {
		if (h->rcvd[i].has_date && h->rcvd[i - 1].has_date) {
			h->rcvd[i].has_delay = 1;
			h->rcvd[i].delay_s = (int64_t)h->rcvd[i].date -
					     (int64_t)h->rcvd[i - 1].date;
		}
	}
	if (h->nrcvd > 1 && h->rcvd[0].has_date &&
	    h->rcvd[h->nrcvd - 1].has_date) {
		h->has_total_delay = 1;
		h->total_delay_s = (int64_t)h->rcvd[h->nrcvd - 1].date -
				   (int64_t)h->rcvd[0].date;
	}
}

struct mx_mailhdr *mx_mailhdr_parse(const uint8_t *p, size_t len)
{
	struct mx_mailhdr *h = xcalloc(1, sizeof(*h));
	struct mx_buf name, value;
	struct mx_cur c;
	int have = 0;

	mx_buf_init(&name, MX_HDR_MAX_FIELD);
	mx_buf_init(&value, MX_HDR_MAX_FIELD);
	mx_cur_init(&c, p, len);
	h->status = MX_HDR_UNTERMINATED;
	/* An mbox "From " separator line is not a header field. */
	if (mx_cur_left(&c) >= 5 && memcmp(c.p, "From ", 5) == 0)
		h->mbox_from = 1;
	for (;;) {
		size_t left = mx_cur_left(&c), n = 0, content, i;
		const uint8_t *line;
		int lf;

		if (left == 0)
			break;
		while (n < left && c.p[n] != '\n')
			n++;
		lf = n < left;
		/* A limit hit on this line: a field before it that the line
		 * does not continue (no leading WSP) is whole and kept; one
		 * it continues is cut and dropped. */
		if (n > MX_HDR_MAX_FIELD) {
			/* one line longer than a whole field may be */
			if (is_wsp(c.p[0]))
				have = 0;
			h->status = MX_HDR_FIELD_TOO_BIG;
			break;
		}
		if ((size_t)(c.p - p) + n + lf > MX_HDR_MAX_BYTES) {
			if (is_wsp(c.p[0]))
				have = 0;
			h->status = MX_HDR_TOO_BIG;
			break;
		}
		line = mx_cur_bytes(&c, n + lf);
		content = n;
		if (lf) {
			if (content > 0 && line[content - 1] == '\r')
				content--;
			else
				h->bare_lf++;
		}
		if (h->mbox_from && line == p) {
			h->header_bytes = n + lf;
			continue;
		}
		if (content == 0 && lf) {
			/* The empty line ends the header section. */
			h->status = MX_HDR_OK;
			h->header_bytes = (size_t)(c.p - p);
			h->body_offset = h->header_bytes;
			break;
		}
		if (is_wsp(line[0])) {
			/* Folding (§2.2.3): the line end goes, the WSP stays. */
			if (!have) {
				h->status = MX_HDR_MALFORMED;
				break;
			}
			if (!mx_buf_push(&value, line, content)) {
				h->status = MX_HDR_FIELD_TOO_BIG;
				have = 0;
				break;
			}
			h->header_bytes = (size_t)(c.p - p);
			continue;
		}
		if (have) {
			finish_field(h, name.p, name.len, value.p, value.len);
			have = 0;
		}
		/* field-name = 1*ftext (§3.6.8), then obsolete WSP (§4.5). */
		for (i = 0; i < content && line[i] >= 33 && line[i] <= 126 &&
			    line[i] != ':';
		     i++)
			;
		n = i;
		while (i < content && is_wsp(line[i]))
			i++;
		if (n == 0 || i == content || line[i] != ':') {
			h->status = MX_HDR_MALFORMED;
			break;
		}
		if (h->nfields >= MX_HDR_MAX_FIELDS) {
			h->status = MX_HDR_TOO_MANY_FIELDS;
			break;
		}
		mx_buf_reset(&name);
		mx_buf_reset(&value);
		mx_buf_push(&name, line, n);
		if (!mx_buf_push(&value, line + i + 1, content - i - 1)) {
			h->status = MX_HDR_FIELD_TOO_BIG;
			break;
		}
		have = 1;
		h->header_bytes = (size_t)(c.p - p);
	}
	if (have)
		finish_field(h, name.p, name.len, value.p, value.len);
	mx_buf_free(&name);
	mx_buf_free(&value);
	order_chain(h);
	return h;
}

void mx_mailhdr_free(struct mx_mailhdr *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nfields; i++) {
		free(h->fields[i].name);
		free(h->fields[i].value);
	}
	free(h->fields);
	for (i = 0; i < h->nrcvd; i++)
		mx_received_clear(&h->rcvd[i]);
	free(h->rcvd);
	for (i = 0; i < h->nar; i++)
		mx_authres_clear(&h->ar[i]);
	free(h->ar);
	free(h);
}

const char *mx_mailhdr_get(const struct mx_mailhdr *h, const char *name,
			   size_t nth)
{
	size_t i;

	for (i = 0; i < h->nfields; i++)
		if (strcasecmp(h->fields[i].name, name) == 0 && nth-- == 0)
			return h->fields[i].value;
	return NULL;
}

const char *mx_hdr_status_name(enum mx_hdr_status s)
{
	switch (s) {
	case MX_HDR_OK:
		return "ok";
	case MX_HDR_UNTERMINATED:
		return "unterminated";
	case MX_HDR_TOO_BIG:
		return "too_big";
	case MX_HDR_TOO_MANY_FIELDS:
		return "too_many_fields";
	case MX_HDR_FIELD_TOO_BIG:
		return "field_too_big";
	case MX_HDR_MALFORMED:
		return "malformed";
	}
	return "unknown";
}
