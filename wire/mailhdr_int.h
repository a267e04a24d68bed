/*
 * mailhdr_int.h - what the pieces of the header parser share (internal
 * to wire/mailhdr*.c; callers use wire/mailhdr.h).
 *
 * Purpose: the lexical helpers of RFC 5322 (comments, CFWS, digits,
 * words) and the TLS-comment scanner, so that mailhdr.c (the section),
 * mailhdr_rcvd.c (Received), mailhdr_authres.c (Authentication-Results),
 * mailhdr_date.c (dates) and mailhdr_tls.c (TLS formats) each keep one
 * job.
 *
 * API: the small predicates are static inline; the readers take a
 * struct mx_cur and look at a byte only after mx_cur_left() said it
 * exists.
 *
 * Ownership: pointers handed back (*inner, *cm, *w) point into the
 * cursor's input and are borrowed; mx_hdr_esc() and mx_hdr_set_str()
 * allocate escaped copies owned by the caller / the struct they fill.
 *
 * Limits: comments nest at most MX_HDR_MAX_NEST deep; escaped items are
 * capped by the `max` given (MX_HDR_ITEM_MAX, MX_HDR_VALUE_MAX).
 */
#ifndef MX_WIRE_MAILHDR_INT_H
#define MX_WIRE_MAILHDR_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/cursor.h"
#include "common/escape.h"
#include "wire/mailhdr.h"

static inline int peek(const struct mx_cur *c)
{
	return mx_cur_left(c) ? c->p[0] : -1;
}

static inline int is_wsp(int ch)
{
	return ch == ' ' || ch == '\t';
}

static inline int is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static inline int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static inline int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Escaped, allocated copy of raw header bytes (common/escape.h). */
static inline char *esc(const uint8_t *p, size_t n, size_t max)
{
	return mx_escape(p, n, max);
}

/* Case-insensitive: are the n bytes at p the word w? */
static inline int word_is(const uint8_t *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp((const char *)p, w, n) == 0;
}

/* ---- lexical readers (mailhdr_lex.c) ---------------------------------- */

/* A comment at the cursor (which is on '('): consume through the
 * matching ')', quoted-pairs honoured (RFC 5322 §3.2.2).  *inner / *n
 * cover the text between the outer parentheses.  Returns 0 when the
 * comment is unterminated or nests deeper than MX_HDR_MAX_NEST. */
int mx_hdr_read_comment(struct mx_cur *c, const uint8_t **inner, size_t *n);
/* CFWS (RFC 5322 §3.2.2); the first comment goes to cm/cn when cm is not
 * NULL and *cm is still NULL.  Returns 0 if a comment was malformed. */
int mx_hdr_skip_cfws(struct mx_cur *c, const uint8_t **cm, size_t *cn);
/* Up to maxd digits; returns the count read (0: none or too many). */
int mx_hdr_read_num(struct mx_cur *c, int maxd, int64_t *v);
/* A run of letters; *w points at it. */
size_t mx_hdr_read_alpha(struct mx_cur *c, const uint8_t **w);

/* ---- TLS of a Received hop (mailhdr_tls.c) ---------------------------- */

/* What one of the TLS comment formats said (borrowed slices). */
struct mx_hdr_tls_found {
	const uint8_t *version, *cipher, *verify, *kex;
	size_t version_len, cipher_len, verify_len, kex_len;
	int bits;
	int bare; /* says TLS, no details */
};

/* *dst = escaped copy of p[0..n) unless *dst is already set. */
void mx_hdr_set_str(char **dst, const uint8_t *p, size_t n);
/* Record f in r (first value wins) and mark the hop as TLS. */
void mx_hdr_apply_tls(struct mx_received *r, const struct mx_hdr_tls_found *f,
		      const uint8_t *text, size_t tlen);
/* Try every known TLS comment format on one comment's text. */
void mx_hdr_scan_tls_comment(struct mx_received *r, const uint8_t *p, size_t n);

#endif
