/*
 * mailhdr_lex.c - the lexical layer of the header parser: comments, CFWS,
 * digit and letter runs (RFC 5322 §3.2.2); see mailhdr_int.h.
 *
 * Purpose: one place for the tokens every field parser reads.
 * API: mx_hdr_read_comment(), mx_hdr_skip_cfws(), mx_hdr_read_num(),
 * mx_hdr_read_alpha() (internal, wire/mailhdr_int.h).
 * Ownership: nothing allocated; returned slices point into the cursor.
 * Limits: comments nest at most MX_HDR_MAX_NEST deep; numbers have at
 * most the digits the caller allows (more is an error, not a wrap).
 */
#include "wire/mailhdr.h"

#include "common/cursor.h"
#include "wire/mailhdr_int.h"

/* A comment at the cursor (which is on '('): consume through the
 * matching ')', quoted-pairs honoured (RFC 5322 §3.2.2).  *inner / *n
 * cover the text between the outer parentheses.  Returns 0 when the
 * comment is unterminated (everything left was consumed) or nests deeper
 * than MX_HDR_MAX_NEST. */
int mx_hdr_read_comment(struct mx_cur *c, const uint8_t **inner, size_t *n)
{
	const uint8_t *start;
	int depth = 1, ok = 1;

	mx_cur_skip(c, 1);
	start = c->p;
	while (mx_cur_left(c) > 0) {
		int ch = mx_cur_u8(c);

		if (ch == '\\') {
			if (mx_cur_left(c) > 0)
				mx_cur_skip(c, 1);
		} else if (ch == '(') {
			if (++depth > MX_HDR_MAX_NEST)
				ok = 0;
		} else if (ch == ')') {
			if (--depth == 0) {
				*inner = start;
				*n = (size_t)(c->p - start) - 1;
				return ok;
			}
		}
	}
	*inner = start;
	*n = (size_t)(c->p - start);
	return 0;
}

/* CFWS (RFC 5322 §3.2.2).  The first comment seen is reported through
 * cm/cn when cm is not NULL and *cm is still NULL.  Returns 0 if a comment
 * was malformed. */
int mx_hdr_skip_cfws(struct mx_cur *c, const uint8_t **cm, size_t *cn)
{
	int ok = 1;

	for (;;) {
		int ch = peek(c);

		if (is_space(ch)) {
			mx_cur_skip(c, 1);
		} else if (ch == '(') {
			const uint8_t *in;
			size_t n;

			if (!mx_hdr_read_comment(c, &in, &n))
				ok = 0;
			if (cm && *cm == NULL) {
				*cm = in;
				*cn = n;
			}
		} else {
			return ok;
		}
	}
}

/* Up to maxd digits; returns the count read (0: none). */
int mx_hdr_read_num(struct mx_cur *c, int maxd, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (n < maxd && is_digit(peek(c))) {
		*v = *v * 10 + (mx_cur_u8(c) - '0');
		n++;
	}
	if (is_digit(peek(c)))
		return 0; /* too many digits */
	return n;
}

size_t mx_hdr_read_alpha(struct mx_cur *c, const uint8_t **w)
{
	size_t n = 0;

	*w = c->p;
	while (is_alpha(peek(c))) {
		mx_cur_skip(c, 1);
		n++;
	}
	return n;
}
