/*
 * mailhdr_authres.c - Authentication-Results (RFC 8601 §2.2) and
 * ARC-Authentication-Results (RFC 8617 §4.1.2, with its "i=" instance).
 *
 * Purpose: authserv-id, version, and each method=result with its reason,
 * first comment and ptype.property=value pairs.  Two deviations seen in
 * the wild are accepted, not flagged: no authserv-id (Exchange Online)
 * and name=value pairs without a ptype (Exchange's "action=none").
 * API: mx_authres_parse(), mx_authres_clear() (wire/mailhdr.h).
 * Ownership: the caller's struct mx_authres owns every string set in it.
 * Limits: MX_AR_MAX_METHODS methods, MX_AR_MAX_PROPS properties each; a
 * problem resynchronises at the next ';' and sets `malformed`.
 */
#include "wire/mailhdr.h"

#include <stdlib.h>

#include "common/buf.h"
#include "common/cursor.h"
#include "common/xalloc.h"
#include "wire/mailhdr_int.h"

/* ---- Authentication-Results (RFC 8601 §2.2, RFC 8617 §4.1.2) ---------- */

/* value = token / quoted-string (RFC 2045 §5.1).  A token here is
 * anything up to CFWS, ';' or (with stop_eq) '=' - wider than RFC 2045's
 * token because real headers carry '@', '/' and base64 in values.  The
 * decoded text goes to out; returns 1 if it is not empty. */
static int ar_value(struct mx_cur *c, int stop_eq, struct mx_buf *out)
{
	mx_buf_reset(out);
	if (peek(c) == '"') {
		mx_cur_skip(c, 1);
		for (;;) {
			int ch = peek(c);

			if (ch < 0)
				return 0; /* unterminated */
			mx_cur_skip(c, 1);
			if (ch == '"')
				break;
			if (ch == '\\' && mx_cur_left(c) > 0)
				ch = mx_cur_u8(c);
			mx_buf_push_u8(out, (uint8_t)ch);
		}
		return out->len > 0 && !out->err;
	}
	while (mx_cur_left(c) > 0) {
		int ch = peek(c);

		if (is_space(ch) || ch == '(' || ch == ';' || ch == '"' ||
		    (stop_eq && ch == '='))
			break;
		mx_buf_push_u8(out, (uint8_t)mx_cur_u8(c));
	}
	return out->len > 0 && !out->err;
}

/* After a problem: move to the next ';' outside comments and quotes. */
static void ar_resync(struct mx_cur *c)
{
	while (mx_cur_left(c) > 0 && peek(c) != ';') {
		if (peek(c) == '(') {
			const uint8_t *in;
			size_t n;

			(void)mx_hdr_read_comment(c, &in, &n);
		} else if (peek(c) == '"') {
			mx_cur_skip(c, 1);
			while (mx_cur_left(c) > 0 && peek(c) != '"') {
				if (mx_cur_u8(c) == '\\' && mx_cur_left(c) > 0)
					mx_cur_skip(c, 1);
			}
			if (mx_cur_left(c) > 0)
				mx_cur_skip(c, 1);
		} else {
			mx_cur_skip(c, 1);
		}
	}
}

static char *buf_esc(const struct mx_buf *b)
{
	return esc(b->p, b->len, MX_HDR_ITEM_MAX);
}

/* resinfo = methodspec [reasonspec] *propspec (after the ';').  Returns
 * 0 if it was malformed (the cursor is then resynchronised). */
static int ar_resinfo(struct mx_cur *c, struct mx_authres *a,
		      struct mx_buf *tmp)
{
	struct mx_ar_method *m = NULL;
	const uint8_t *cm = NULL, *slash;
	size_t cn = 0;

	if (!ar_value(c, 1, tmp))
		goto bad;
	if (a->nm >= MX_AR_MAX_METHODS)
		goto bad;
	MX_GROW(a->m, a->nm, a->capm);
	m = &a->m[a->nm++];
	memset(m, 0, sizeof(*m));
	/* methodspec = method [ "/" version ] "=" result */
	slash = memchr(tmp->p, '/', tmp->len);
	if (slash) {
		size_t ml = (size_t)(slash - tmp->p);

		m->method = esc(tmp->p, ml, MX_HDR_ITEM_MAX);
		m->version = esc(slash + 1, tmp->len - ml - 1, MX_HDR_ITEM_MAX);
	} else {
		m->method = buf_esc(tmp);
	}
	mx_hdr_skip_cfws(c, NULL, NULL);
	if (peek(c) != '=')
		goto bad;
	mx_cur_skip(c, 1);
	mx_hdr_skip_cfws(c, NULL, NULL);
	if (!ar_value(c, 1, tmp))
		goto bad;
	m->result = buf_esc(tmp);
	if (!mx_hdr_skip_cfws(c, &cm, &cn))
		goto bad;
	if (cm)
		m->comment = esc(cm, cn, MX_HDR_ITEM_MAX);
	/* reasonspec / propspec: name "=" value */
	while (mx_cur_left(c) > 0 && peek(c) != ';') {
		char *name;

		if (!ar_value(c, 1, tmp))
			goto bad;
		name = buf_esc(tmp);
		mx_hdr_skip_cfws(c, NULL, NULL);
		if (peek(c) != '=') {
			free(name);
			goto bad;
		}
		mx_cur_skip(c, 1);
		mx_hdr_skip_cfws(c, NULL, NULL);
		if (!ar_value(c, 0, tmp)) {
			free(name);
			goto bad;
		}
		if (strcasecmp(name, "reason") == 0 && m->reason == NULL) {
			m->reason = buf_esc(tmp);
			free(name);
		} else if (m->nprops >= MX_AR_MAX_PROPS) {
			free(name);
			goto bad;
		} else {
			/* ptype "." property, or a vendor's own name such as
			 * Exchange's "action=none": kept as written. */
			MX_GROW(m->props, m->nprops, m->capprops);
			m->props[m->nprops].name = name;
			m->props[m->nprops].value = buf_esc(tmp);
			m->nprops++;
		}
		if (!mx_hdr_skip_cfws(c, NULL, NULL))
			goto bad;
	}
	return 1;
bad:
	/* Keep a method whose result was understood; drop a partial one. */
	if (m != NULL && m->result == NULL) {
		free(m->method);
		free(m->version);
		a->nm--;
	}
	ar_resync(c);
	return 0;
}

void mx_authres_parse(const uint8_t *p, size_t len, int arc,
		      struct mx_authres *a)
{
	struct mx_cur c, save;
	struct mx_buf tmp;
	int need_semi = 1;

	memset(a, 0, sizeof(*a));
	a->arc = arc;
	mx_buf_init(&tmp, MX_HDR_MAX_FIELD);
	mx_cur_init(&c, p, len);
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (arc) {
		/* RFC 8617 §4.1.2: "i=" instance ";" authres-payload */
		int64_t inst;

		if (peek(&c) != 'i' && peek(&c) != 'I')
			goto bad;
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (peek(&c) != '=')
			goto bad;
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (mx_hdr_read_num(&c, 2, &inst) == 0 || inst < 1 || inst > 50)
			goto bad;
		a->instance = (int)inst;
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (peek(&c) != ';')
			goto bad;
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
	}
	/* authserv-id [ CFWS authres-version ] */
	save = c;
	if (!ar_value(&c, 1, &tmp))
		goto bad;
	mx_hdr_skip_cfws(&c, NULL, NULL);
	if (peek(&c) == '=') {
		/* "spf=pass ...": Exchange Online writes no authserv-id. */
		c = save;
		a->no_authserv_id = 1;
		need_semi = 0;
	} else {
		a->authserv_id = buf_esc(&tmp);
		if (is_digit(peek(&c))) {
			int64_t v;

			if (mx_hdr_read_num(&c, 3, &v) == 0)
				goto bad;
			a->version = (int)v;
			mx_hdr_skip_cfws(&c, NULL, NULL);
		}
	}
	/* no-result = [CFWS] ";" [CFWS] "none" */
	while (mx_cur_left(&c) > 0) {
		if (!need_semi) {
			need_semi = 1;
			if (!ar_resinfo(&c, a, &tmp))
				a->malformed = 1;
			continue;
		}
		if (peek(&c) != ';') {
			a->malformed = 1;
			ar_resync(&c);
			continue;
		}
		mx_cur_skip(&c, 1);
		mx_hdr_skip_cfws(&c, NULL, NULL);
		if (mx_cur_left(&c) == 0)
			break; /* a trailing ';' */
		if (a->nm == 0 && mx_cur_left(&c) >= 4 &&
		    strncasecmp((const char *)c.p, "none", 4) == 0) {
			save = c;
			mx_cur_skip(&c, 4);
			mx_hdr_skip_cfws(&c, NULL, NULL);
			if (mx_cur_left(&c) == 0 || peek(&c) == ';') {
				a->none = 1;
				continue;
			}
			c = save;
		}
		if (!ar_resinfo(&c, a, &tmp))
			a->malformed = 1;
	}
	if (a->none && a->nm)
		a->malformed = 1;
	mx_buf_free(&tmp);
	return;
bad:
	a->malformed = 1;
	mx_buf_free(&tmp);
}

void mx_authres_clear(struct mx_authres *a)
{
	size_t i, j;

	for (i = 0; i < a->nm; i++) {
		struct mx_ar_method *m = &a->m[i];

		free(m->method);
		free(m->version);
		free(m->result);
		free(m->reason);
		free(m->comment);
		for (j = 0; j < m->nprops; j++) {
			free(m->props[j].name);
			free(m->props[j].value);
		}
		free(m->props);
	}
	free(a->m);
	free(a->authserv_id);
	memset(a, 0, sizeof(*a));
}
