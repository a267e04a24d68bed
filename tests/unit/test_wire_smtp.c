/*
 * test_wire_smtp.c - SMTP reply parser, RFC 3463 codes, EHLO keywords.
 *
 * Every table case is also fed one byte at a time and in every 2-chunk
 * split, and must give the same status, consumption and lines as one
 * feed.  The limits are tested at their exact boundaries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/smtp.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))
/* Length of a string literal, NULs inside included. */
#define LIT(s) s, sizeof(s) - 1

struct reply_case {
	const char *in;
	size_t len;
	enum mx_smtp_status st;
	size_t used; /* bytes consumed */
	int code;    /* checked when st == DONE */
	size_t nlines;
	const char *enh;
	size_t bare_lf;
	const char *last; /* text of the last line */
	size_t last_len;
};

static const struct reply_case reply_cases[] = {
	{LIT("220 mx1.lab.test ESMTP Postfix\r\n"), MX_SMTP_DONE, 32, 220, 1,
	 "", 0, LIT("mx1.lab.test ESMTP Postfix")},
	/* A line with only the code. */
	{LIT("250\r\n"), MX_SMTP_DONE, 5, 250, 1, "", 0, LIT("")},
	{LIT("250\n"), MX_SMTP_DONE, 4, 250, 1, "", 1, LIT("")},
	{LIT("250 \r\n"), MX_SMTP_DONE, 6, 250, 1, "", 0, LIT("")},
	{LIT("250-mx\r\n250 PIPELINING\r\n"), MX_SMTP_DONE, 24, 250, 2, "", 0,
	 LIT("PIPELINING")},
	{LIT("250-a\n250-b\r\n250 c\n"), MX_SMTP_DONE, 19, 250, 3, "", 2,
	 LIT("c")},
	{LIT("250-\r\n250\r\n"), MX_SMTP_DONE, 11, 250, 2, "", 0, LIT("")},
	{LIT("200 low\r\n"), MX_SMTP_DONE, 9, 200, 1, "", 0, LIT("low")},
	{LIT("599 high\r\n"), MX_SMTP_DONE, 10, 599, 1, "", 0, LIT("high")},
	/* The reply ends at its last line; later bytes stay with the caller
	 * (RFC 3207 §4.2). */
	{LIT("220 go ahead\r\n\x16\x03\x01\x00\x05"), MX_SMTP_DONE, 14, 220, 1,
	 "", 0, LIT("go ahead")},
	{LIT("250 ok\r\n250 again\r\n"), MX_SMTP_DONE, 8, 250, 1, "", 0,
	 LIT("ok")},
	/* NUL and CR inside text are kept as sent. */
	{LIT("250 a\0b\r\n"), MX_SMTP_DONE, 9, 250, 1, "", 0, LIT("a\0b")},
	{LIT("250 ok\r\r\n"), MX_SMTP_DONE, 9, 250, 1, "", 0, LIT("ok\r")},
	{LIT("250 x\ry\r\n"), MX_SMTP_DONE, 9, 250, 1, "", 0, LIT("x\ry")},
	/* RFC 3463 enhanced codes, first line only, class must match. */
	{LIT("550 5.7.1 Relaying denied\r\n"), MX_SMTP_DONE, 27, 550, 1,
	 "5.7.1", 0, LIT("5.7.1 Relaying denied")},
	{LIT("454 4.7.0 TLS not available due to temporary reason\r\n"),
	 MX_SMTP_DONE, 53, 454, 1, "4.7.0", 0,
	 LIT("4.7.0 TLS not available due to temporary reason")},
	{LIT("250 2.0.0\r\n"), MX_SMTP_DONE, 11, 250, 1, "2.0.0", 0,
	 LIT("2.0.0")},
	{LIT("550 4.7.1 wrong class\r\n"), MX_SMTP_DONE, 23, 550, 1, "", 0,
	 LIT("4.7.1 wrong class")},
	{LIT("250-2.0.0 one\r\n250 2.1.5 two\r\n"), MX_SMTP_DONE, 30, 250, 2,
	 "2.0.0", 0, LIT("2.1.5 two")},
	{LIT("535 5.7.8 Authentication Credentials Invalid\r\n"), MX_SMTP_DONE,
	 46, 535, 1, "5.7.8", 0,
	 LIT("5.7.8 Authentication Credentials Invalid")},
	/* Incomplete: need more. */
	{LIT(""), MX_SMTP_MORE, 0, 0, 0, "", 0, LIT("")},
	{LIT("2"), MX_SMTP_MORE, 1, 0, 0, "", 0, LIT("")},
	{LIT("250"), MX_SMTP_MORE, 3, 0, 0, "", 0, LIT("")},
	{LIT("250 x\r"), MX_SMTP_MORE, 6, 0, 0, "", 0, LIT("")},
	{LIT("250-x\r\n"), MX_SMTP_MORE, 7, 0, 0, "", 0, LIT("")},
	{LIT("250-x\r\n250"), MX_SMTP_MORE, 10, 0, 0, "", 0, LIT("")},
	/* Malformed, decided at the first byte that breaks the grammar. */
	{LIT("250-a\r\n251 b\r\n"), MX_SMTP_MALFORMED, 10, 0, 0, "", 0,
	 LIT("")},
	{LIT("250-a\r\n350 b\r\n"), MX_SMTP_MALFORMED, 8, 0, 0, "", 0, LIT("")},
	{LIT("25O ok\r\n"), MX_SMTP_MALFORMED, 3, 0, 0, "", 0, LIT("")},
	{LIT("abc\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("150 x\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("650 x\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("099 x\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("250x\r\n"), MX_SMTP_MALFORMED, 4, 0, 0, "", 0, LIT("")},
	{LIT("250\rX\r\n"), MX_SMTP_MALFORMED, 5, 0, 0, "", 0, LIT("")},
	{LIT("25\r\n"), MX_SMTP_MALFORMED, 3, 0, 0, "", 0, LIT("")},
	{LIT("\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT(" 250 ok\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0, LIT("")},
	{LIT("2\0000 ok\r\n"), MX_SMTP_MALFORMED, 2, 0, 0, "", 0, LIT("")},
	{LIT("HTTP/1.1 400 Bad Request\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0,
	 LIT("")},
	{LIT("\x16\x03\x01\x00\x2a"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0,
	 LIT("")},
	{LIT("SSH-2.0-OpenSSH_9.2\r\n"), MX_SMTP_MALFORMED, 1, 0, 0, "", 0,
	 LIT("")},
};

/* What a parse produced, for comparing one-shot and split feeds. */
struct outcome {
	enum mx_smtp_status st;
	size_t used;
	struct mx_smtp_reply r;
};

/* Feed `in` in chunks ending at the offsets in cuts[] (ascending), then
 * the rest; stop feeding once the parser is no longer MORE. */
static void feed_split(struct outcome *o, const uint8_t *in, size_t len,
		       const size_t *cuts, size_t ncuts)
{
	size_t off = 0, i;

	mx_smtp_reply_init(&o->r);
	o->used = 0;
	o->st = MX_SMTP_MORE;
	for (i = 0; i <= ncuts && o->st == MX_SMTP_MORE; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		size_t u = 99999;

		o->st = mx_smtp_reply_feed(&o->r, in + off, end - off, &u);
		assert_true(u <= end - off);
		if (o->st == MX_SMTP_MORE)
			assert_int_equal(u, end - off);
		o->used += u;
		off = end;
	}
}

static void same_outcome(const struct outcome *a, const struct outcome *b)
{
	size_t i;

	assert_int_equal(a->st, b->st);
	assert_int_equal(a->used, b->used);
	assert_int_equal(a->r.bytes, b->r.bytes);
	assert_int_equal(a->r.code, b->r.code);
	assert_string_equal(a->r.enh, b->r.enh);
	assert_int_equal(a->r.bare_lf, b->r.bare_lf);
	assert_int_equal(a->r.nlines, b->r.nlines);
	for (i = 0; i < a->r.nlines; i++) {
		assert_int_equal(a->r.lines[i].len, b->r.lines[i].len);
		assert_memory_equal(a->r.lines[i].text, b->r.lines[i].text,
				    a->r.lines[i].len + 1);
	}
}

static void check_case(const struct reply_case *c, const struct outcome *o)
{
	assert_int_equal(o->st, c->st);
	assert_int_equal(o->used, c->used);
	assert_int_equal(o->r.bytes, c->used);
	if (c->st != MX_SMTP_DONE)
		return;
	assert_int_equal(o->r.code, c->code);
	assert_int_equal(o->r.nlines, c->nlines);
	assert_string_equal(o->r.enh, c->enh);
	assert_int_equal(o->r.bare_lf, c->bare_lf);
	assert_int_equal(o->r.lines[c->nlines - 1].len, c->last_len);
	assert_memory_equal(o->r.lines[c->nlines - 1].text, c->last,
			    c->last_len);
	assert_int_equal(o->r.lines[c->nlines - 1].text[c->last_len], '\0');
}

static void test_reply_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEM(reply_cases); i++) {
		const struct reply_case *c = &reply_cases[i];
		struct outcome o;

		feed_split(&o, (const uint8_t *)c->in, c->len, NULL, 0);
		check_case(c, &o);
		mx_smtp_reply_free(&o.r);
	}
}

/* One byte at a time, and every 2-chunk split, must equal one feed. */
static void test_reply_splits(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < N_ELEM(reply_cases); i++) {
		const struct reply_case *c = &reply_cases[i];
		const uint8_t *in = (const uint8_t *)c->in;
		struct outcome whole, part;
		size_t *cuts = calloc(c->len + 1, sizeof(*cuts));

		assert_non_null(cuts);
		feed_split(&whole, in, c->len, NULL, 0);
		for (k = 0; k <= c->len; k++) {
			feed_split(&part, in, c->len, &k, 1);
			same_outcome(&whole, &part);
			check_case(c, &part);
			mx_smtp_reply_free(&part.r);
		}
		for (k = 0; k < c->len; k++)
			cuts[k] = k + 1;
		feed_split(&part, in, c->len, cuts, c->len);
		same_outcome(&whole, &part);
		mx_smtp_reply_free(&part.r);
		mx_smtp_reply_free(&whole.r);
		free(cuts);
	}
}

/* A line of `len` bytes in total: "250 " + 'a'... + end ("\r\n" or "\n"). */
static uint8_t *make_line(size_t len, const char *code_sep, const char *end)
{
	size_t hl = strlen(code_sep), el = strlen(end);
	uint8_t *b = malloc(len + 1);

	assert_non_null(b);
	assert_true(len >= hl + el);
	memcpy(b, code_sep, hl);
	memset(b + hl, 'a', len - hl - el);
	memcpy(b + len - el, end, el);
	return b;
}

/* Issue 13: after an error the offending line is available from its first
 * byte through the deciding one, so callers quote it without losing a
 * byte; fed whole or byte by byte alike. */
static void test_bad_line(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		enum mx_smtp_status st;
		const char *bad;
		size_t blen;
	} t[] = {
		{"HTTP/1.1 400 Bad Request\r\n", 26, MX_SMTP_MALFORMED, "H", 1},
		{"25O ok\r\n", 8, MX_SMTP_MALFORMED, "25O", 3},
		{"250-a\r\n251 b\r\n", 14, MX_SMTP_MALFORMED, "251", 3},
		{"\0"
		 "220 hi\r\n",
		 9, MX_SMTP_MALFORMED, "\0", 1},
		{"250\rX\r\n", 7, MX_SMTP_MALFORMED, "250\rX", 5},
		{"\n", 1, MX_SMTP_MALFORMED, "\n", 1},
		{"250 ok\r\n", 8, MX_SMTP_DONE, NULL, 0},
	};
	size_t i, k, used, blen;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (k = 0; k < 2; k++) {
			struct mx_smtp_reply r;
			enum mx_smtp_status st = MX_SMTP_MORE;
			const uint8_t *bad;
			size_t j;

			mx_smtp_reply_init(&r);
			if (k == 0)
				st = mx_smtp_reply_feed(
					&r, (const uint8_t *)t[i].in, t[i].len,
					&used);
			else
				for (j = 0; j < t[i].len && st == MX_SMTP_MORE;
				     j++)
					st = mx_smtp_reply_feed(
						&r,
						(const uint8_t *)t[i].in + j, 1,
						&used);
			assert_int_equal(st, t[i].st);
			bad = mx_smtp_reply_bad_line(&r, &blen);
			assert_int_equal(blen, t[i].blen);
			if (t[i].bad)
				assert_memory_equal(bad, t[i].bad, blen);
			else
				assert_null(bad);
			mx_smtp_reply_free(&r);
		}
	}
}

static void test_line_limit(void **state)
{
	struct mx_smtp_reply r;
	uint8_t *b;
	size_t used;

	(void)state;
	/* Exactly MX_SMTP_MAX_LINE bytes, CRLF or LF included: fine. */
	b = make_line(MX_SMTP_MAX_LINE, "250 ", "\r\n");
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, b, MX_SMTP_MAX_LINE, &used),
			 MX_SMTP_DONE);
	assert_int_equal(used, MX_SMTP_MAX_LINE);
	assert_int_equal(r.lines[0].len, MX_SMTP_MAX_LINE - 6);
	mx_smtp_reply_free(&r);
	free(b);
	b = make_line(MX_SMTP_MAX_LINE, "250 ", "\n");
	assert_int_equal(mx_smtp_reply_feed(&r, b, MX_SMTP_MAX_LINE, &used),
			 MX_SMTP_DONE);
	mx_smtp_reply_free(&r);
	free(b);

	/* One more byte: too long, decided at byte MX_SMTP_MAX_LINE, before
	 * the line end arrives and without reading further. */
	b = make_line(MX_SMTP_MAX_LINE + 1, "250 ", "\r\n");
	assert_int_equal(mx_smtp_reply_feed(&r, b, MX_SMTP_MAX_LINE + 1, &used),
			 MX_SMTP_LINE_TOO_LONG);
	assert_int_equal(used, MX_SMTP_MAX_LINE);
	assert_int_equal(r.nlines, 0);
	{
		size_t blen;
		const uint8_t *bad = mx_smtp_reply_bad_line(&r, &blen);

		assert_int_equal(blen, MX_SMTP_MAX_LINE);
		assert_memory_equal(bad, "250 aaa", 7);
	}
	/* Sticky: nothing more is consumed. */
	assert_int_equal(mx_smtp_reply_feed(&r, b, 1, &used),
			 MX_SMTP_LINE_TOO_LONG);
	assert_int_equal(used, 0);
	mx_smtp_reply_free(&r);
	free(b);

	/* A line that never ends, fed in one large chunk. */
	b = make_line(4 * MX_SMTP_MAX_LINE, "250-", "");
	assert_int_equal(mx_smtp_reply_feed(&r, b, 4 * MX_SMTP_MAX_LINE, &used),
			 MX_SMTP_LINE_TOO_LONG);
	assert_int_equal(used, MX_SMTP_MAX_LINE);
	mx_smtp_reply_free(&r);
	/* ... and byte by byte: MORE until exactly the limit. */
	{
		size_t i;

		for (i = 0; i + 1 < MX_SMTP_MAX_LINE; i++)
			assert_int_equal(mx_smtp_reply_feed(&r, b + i, 1,
							    &used),
					 MX_SMTP_MORE);
		assert_int_equal(mx_smtp_reply_feed(&r, b + i, 1, &used),
				 MX_SMTP_LINE_TOO_LONG);
		assert_int_equal(r.bytes, MX_SMTP_MAX_LINE);
	}
	mx_smtp_reply_free(&r);
	free(b);
}

/* The line limit applies to each line, also after continuation lines. */
static void test_line_limit_later_line(void **state)
{
	struct mx_smtp_reply r;
	uint8_t *b, *l2;
	size_t used, n = 7 + MX_SMTP_MAX_LINE + 10;

	(void)state;
	b = malloc(n);
	assert_non_null(b);
	memcpy(b, "250-x\r\n", 7);
	l2 = make_line(MX_SMTP_MAX_LINE + 10, "250 ", "\r\n");
	memcpy(b + 7, l2, MX_SMTP_MAX_LINE + 10);
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, b, n, &used),
			 MX_SMTP_LINE_TOO_LONG);
	assert_int_equal(used, 7 + MX_SMTP_MAX_LINE);
	assert_int_equal(r.nlines, 1);
	mx_smtp_reply_free(&r);
	free(l2);
	free(b);
}

/* An endless "250-" stream ends after MX_SMTP_MAX_LINES lines. */
static void test_too_many_lines(void **state)
{
	static const char cont[] = "250-xy\r\n", last[] = "250 xy\r\n";
	const size_t ll = sizeof(cont) - 1;
	size_t n = (MX_SMTP_MAX_LINES + 50) * ll, i, used;
	uint8_t *b = malloc(n);
	struct mx_smtp_reply r;

	(void)state;
	assert_non_null(b);
	for (i = 0; i < MX_SMTP_MAX_LINES + 50; i++)
		memcpy(b + i * ll, cont, ll);
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, b, n, &used),
			 MX_SMTP_TOO_MANY_LINES);
	assert_int_equal(used, MX_SMTP_MAX_LINES * ll);
	assert_int_equal(r.nlines, MX_SMTP_MAX_LINES);
	mx_smtp_reply_free(&r);

	/* MX_SMTP_MAX_LINES lines, the last one final: accepted. */
	memcpy(b + (MX_SMTP_MAX_LINES - 1) * ll, last, ll);
	assert_int_equal(mx_smtp_reply_feed(&r, b, n, &used), MX_SMTP_DONE);
	assert_int_equal(used, MX_SMTP_MAX_LINES * ll);
	assert_int_equal(r.nlines, MX_SMTP_MAX_LINES);
	assert_int_equal(r.lines[MX_SMTP_MAX_LINES - 1].len, 2);
	mx_smtp_reply_free(&r);

	/* The same stream one byte at a time. */
	memcpy(b + (MX_SMTP_MAX_LINES - 1) * ll, cont, ll);
	for (i = 0; i < n; i++) {
		enum mx_smtp_status st =
			mx_smtp_reply_feed(&r, b + i, 1, &used);
		if (st != MX_SMTP_MORE) {
			assert_int_equal(st, MX_SMTP_TOO_MANY_LINES);
			break;
		}
	}
	assert_int_equal(i + 1, MX_SMTP_MAX_LINES * ll);
	mx_smtp_reply_free(&r);
	free(b);
}

/* Long lines reach the byte cap before the line cap. */
static void test_too_big(void **state)
{
	const size_t ll = 2000, nl = 40;
	size_t n = ll * nl, i, used;
	uint8_t *b = malloc(n), *line;
	struct mx_smtp_reply r;

	(void)state;
	assert_non_null(b);
	line = make_line(ll, "250-", "\r\n");
	for (i = 0; i < nl; i++)
		memcpy(b + i * ll, line, ll);
	free(line);
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, b, n, &used), MX_SMTP_TOO_BIG);
	assert_int_equal(used, MX_SMTP_MAX_REPLY_BYTES);
	assert_int_equal(r.bytes, MX_SMTP_MAX_REPLY_BYTES);
	mx_smtp_reply_free(&r);

	/* A reply of exactly MX_SMTP_MAX_REPLY_BYTES bytes is complete. */
	{
		size_t full = MX_SMTP_MAX_REPLY_BYTES / ll;
		size_t rest = MX_SMTP_MAX_REPLY_BYTES - full * ll;

		line = make_line(rest, "250 ", "\r\n");
		memcpy(b + full * ll, line, rest);
		free(line);
		assert_int_equal(mx_smtp_reply_feed(&r, b, n, &used),
				 MX_SMTP_DONE);
		assert_int_equal(used, MX_SMTP_MAX_REPLY_BYTES);
		assert_int_equal(r.nlines, full + 1);
		mx_smtp_reply_free(&r);
	}
	free(b);
}

/* Hostile lengths: every prefix of a reply, and line lengths around the
 * limit with both line ends and as a continuation line. */
static void test_hostile_lengths(void **state)
{
	static const char full[] = "250-mx.example Hello\r\n250-SIZE 1000\r\n"
				   "250-AUTH PLAIN\n250 STARTTLS\r\n";
	const size_t fl = sizeof(full) - 1;
	size_t len, used;
	int e;

	(void)state;
	for (len = 0; len <= fl; len++) {
		struct mx_smtp_reply r;
		enum mx_smtp_status st;

		mx_smtp_reply_init(&r);
		st = mx_smtp_reply_feed(&r, (const uint8_t *)full, len, &used);
		assert_int_equal(used, len);
		assert_int_equal(st, len == fl ? MX_SMTP_DONE : MX_SMTP_MORE);
		mx_smtp_reply_free(&r);
	}
	for (e = 0; e < 2; e++) {
		const char *end = e ? "\n" : "\r\n";

		for (len = MX_SMTP_MAX_LINE - 8; len <= MX_SMTP_MAX_LINE + 8;
		     len++) {
			uint8_t *b = make_line(len, e ? "354-" : "354 ", end);
			struct mx_smtp_reply r;
			enum mx_smtp_status st;

			mx_smtp_reply_init(&r);
			st = mx_smtp_reply_feed(&r, b, len, &used);
			if (len <= MX_SMTP_MAX_LINE) {
				assert_int_equal(st, e ? MX_SMTP_MORE
						       : MX_SMTP_DONE);
				assert_int_equal(used, len);
			} else {
				assert_int_equal(st, MX_SMTP_LINE_TOO_LONG);
				assert_int_equal(used, MX_SMTP_MAX_LINE);
			}
			mx_smtp_reply_free(&r);
			free(b);
		}
	}
}

/* Two pipelined replies in one buffer, parsed with reset in between. */
static void test_pipelined_reset(void **state)
{
	static const char in[] = "250 2.1.0 Ok\r\n250-2.1.5 Ok\r\n250 more\r\n"
				 "354 End data with <CR><LF>.<CR><LF>\r\n";
	const uint8_t *p = (const uint8_t *)in;
	size_t left = sizeof(in) - 1, used;
	struct mx_smtp_reply r;

	(void)state;
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, p, left, &used), MX_SMTP_DONE);
	assert_string_equal(r.enh, "2.1.0");
	p += used;
	left -= used;
	mx_smtp_reply_reset(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, p, left, &used), MX_SMTP_DONE);
	assert_int_equal(r.nlines, 2);
	assert_string_equal(r.enh, "2.1.5");
	assert_string_equal(r.lines[1].text, "more");
	p += used;
	left -= used;
	mx_smtp_reply_reset(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, p, left, &used), MX_SMTP_DONE);
	assert_int_equal(r.code, 354);
	assert_string_equal(r.enh, "");
	assert_int_equal(used, left);
	/* Done is sticky until reset. */
	assert_int_equal(mx_smtp_reply_feed(&r, p, left, &used), MX_SMTP_DONE);
	assert_int_equal(used, 0);
	mx_smtp_reply_free(&r);
	/* free leaves a usable, empty parser; a second free is harmless. */
	assert_null(r.lines);
	assert_int_equal(r.status, MX_SMTP_MORE);
	mx_smtp_reply_free(&r);
}

static void test_enhanced(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		int code;
		const char *out;
	} cases[] = {
		{LIT("2.0.0 Ok"), 250, "2.0.0"},
		{LIT("5.7.1"), 550, "5.7.1"},
		{LIT("4.7.0 TLS not available"), 454, "4.7.0"},
		{LIT("2.999.999 x"), 250, "2.999.999"},
		{LIT("5.1.10 RESOLVER.FWD.NotFound"), 550, "5.1.10"},
		{LIT("4.7.0 x"), 554, ""}, /* class differs from code */
		{LIT("3.0.0 x"), 354, ""}, /* no class 3 */
		{LIT("1.0.0 x"), 150, ""},
		{LIT("2.0.0x"), 250, ""},
		{LIT("2.0.0\tx"), 250, ""},
		{LIT("2.0"), 250, ""},
		{LIT("2.0."), 250, ""},
		{LIT("2..0 x"), 250, ""},
		{LIT("2.0..0"), 250, ""},
		{LIT("2.1000.0 x"), 250, ""},
		{LIT("2.0.1000 x"), 250, ""},
		{LIT(".0.0 x"), 250, ""},
		{LIT("20.0.0 x"), 250, ""},
		{LIT(" 2.0.0 x"), 250, ""},
		{LIT(""), 250, ""},
		{LIT("2.0.0"), 0, ""},
		{LIT("2.0.0"), 2500, ""},
		{LIT("2.0.0"), -250, ""},
		{"2.0.0 ok", 3, 250, ""}, /* the length bounds the read */
		{"2.0.01", 5, 250, "2.0.0"},
		{LIT("2.0.0\0"), 250, ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEM(cases); i++) {
		char out[16];
		size_t n;

		memset(out, 'z', sizeof(out));
		n = mx_smtp_parse_enhanced(cases[i].text, cases[i].len,
					   cases[i].code, out);
		assert_int_equal(n, strlen(cases[i].out));
		assert_string_equal(out, cases[i].out);
	}
	{
		char out[16] = "junk";

		assert_int_equal(mx_smtp_parse_enhanced(NULL, 5, 250, out), 0);
		assert_string_equal(out, "");
	}
}

struct ehlo_case {
	const char *in;
	size_t len;
	unsigned flags;
	uint64_t size;
	const char *auth;
};

#define C(x) MX_SMTP_CAP_##x
static const struct ehlo_case ehlo_cases[] = {
	/* Postfix 3.7 */
	{LIT("250-mx1.lab.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	     "250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n"
	     "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n"
	     "250-SMTPUTF8\r\n250 CHUNKING\r\n"),
	 C(PIPELINING) | C(SIZE) | C(VRFY) | C(ETRN) | C(STARTTLS) |
		 C(ENHANCEDSTATUSCODES) | C(8BITMIME) | C(DSN) | C(SMTPUTF8) |
		 C(CHUNKING),
	 10240000, ""},
	/* Exchange 2016 */
	{LIT("250-mail.contoso.com Hello [192.0.2.1]\r\n250-SIZE 37748736\r\n"
	     "250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n"
	     "250-STARTTLS\r\n250-AUTH GSSAPI NTLM\r\n250-8BITMIME\r\n"
	     "250-BINARYMIME\r\n250 CHUNKING\r\n"),
	 C(SIZE) | C(PIPELINING) | C(DSN) | C(ENHANCEDSTATUSCODES) |
		 C(STARTTLS) | C(AUTH) | C(8BITMIME) | C(BINARYMIME) |
		 C(CHUNKING),
	 37748736, "GSSAPI NTLM"},
	/* Gmail */
	{LIT("250-smtp.gmail.com at your service, [192.0.2.1]\r\n"
	     "250-SIZE 35882577\r\n250-8BITMIME\r\n250-STARTTLS\r\n"
	     "250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n"
	     "250 SMTPUTF8\r\n"),
	 C(SIZE) | C(8BITMIME) | C(STARTTLS) | C(ENHANCEDSTATUSCODES) |
		 C(PIPELINING) | C(CHUNKING) | C(SMTPUTF8),
	 35882577, ""},
	/* Keywords are case-insensitive (RFC 5321 §2.4). */
	{LIT("250-x\r\n250-starttls\r\n250-Size 100\r\n"
	     "250 auth plain login\r\n"),
	 C(STARTTLS) | C(SIZE) | C(AUTH), 100, "PLAIN LOGIN"},
	/* The old AUTH= form, alone and beside AUTH (listed once). */
	{LIT("250-x\r\n250 AUTH=PLAIN LOGIN\r\n"), C(AUTH), 0, "PLAIN LOGIN"},
	{LIT("250-x\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
	     "250 AUTH=PLAIN LOGIN\r\n"),
	 C(AUTH), 0, "PLAIN LOGIN CRAM-MD5"},
	{LIT("250-x\r\n250-AUTH\r\n250 AUTH=\r\n"), C(AUTH), 0, ""},
	/* Only [A-Z0-9_-], 1..20 chars; a bad mechanism is dropped whole. */
	{LIT("250-x\r\n250 AUTH PLAIN\x1b[2J LOGIN scram-sha-256 X_Y\r\n"),
	 C(AUTH), 0, "LOGIN SCRAM-SHA-256 X_Y"},
	{LIT("250-x\r\n250 AUTH ABCDEFGHIJKLMNOPQRST ABCDEFGHIJKLMNOPQRSTU\r\n"),
	 C(AUTH), 0, "ABCDEFGHIJKLMNOPQRST"},
	{LIT("250-x\r\n250 AUTH PL\0AIN LOGIN\r\n"), C(AUTH), 0, "LOGIN"},
	{LIT("250-x\r\n250 AUTH  PLAIN\t\tLOGIN  \r\n"), C(AUTH), 0,
	 "PLAIN LOGIN"},
	/* SIZE values. */
	{LIT("250-x\r\n250 SIZE\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE 0\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE abc\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE 12k\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE -5\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE 18446744073709551615\r\n"), C(SIZE), UINT64_MAX,
	 ""},
	{LIT("250-x\r\n250 SIZE 18446744073709551616\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE 000000000000000000001\r\n"), C(SIZE), 0, ""},
	{LIT("250-x\r\n250 SIZE 52428800 extra\r\n"), C(SIZE), 52428800, ""},
	{LIT("250-x\r\n250-SIZE 1000\r\n250 SIZE 2000\r\n"), C(SIZE), 1000, ""},
	/* The rest of the table. */
	{LIT("250-x\r\n250-REQUIRETLS\r\n250-DELIVERBY 120\r\n"
	     "250-BINARYMIME\r\n250-ETRN\r\n250 VRFY\r\n"),
	 C(REQUIRETLS) | C(DELIVERBY) | C(BINARYMIME) | C(ETRN) | C(VRFY), 0,
	 ""},
	/* Bare LF line ends parse the same. */
	{LIT("250-x\n250-STARTTLS\n250 PIPELINING\n"),
	 C(STARTTLS) | C(PIPELINING), 0, ""},
	/* Near misses are not keywords. */
	{LIT("250-x\r\n250-STARTTLSX\r\n250-X-STARTTLS\r\n250-START TLS\r\n"
	     "250-STARTTLS\0\r\n250- STARTTLS\r\n250 XSIZE 10\r\n"),
	 0, 0, ""},
	/* Unknown keywords are ignored. */
	{LIT("250-x\r\n250-XCLIENT NAME ADDR\r\n250-X-EXPS GSSAPI NTLM\r\n"
	     "250 STARTTLS\r\n"),
	 C(STARTTLS), 0, ""},
	/* The first line is the greeting, never a keyword. */
	{LIT("250 STARTTLS\r\n"), 0, 0, ""},
	/* Not a complete 250 reply: no capabilities. */
	{LIT("502 5.5.1 EHLO not supported\r\n"), 0, 0, ""},
	{LIT("250-x\r\n250-STARTTLS\r\n"), 0, 0, ""},
	{LIT("251-x\r\n251 STARTTLS\r\n"), 0, 0, ""},
};

static void test_ehlo_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEM(ehlo_cases); i++) {
		struct mx_smtp_reply r;
		struct mx_smtp_ehlo e;
		size_t used;

		mx_smtp_reply_init(&r);
		(void)mx_smtp_reply_feed(&r, (const uint8_t *)ehlo_cases[i].in,
					 ehlo_cases[i].len, &used);
		memset(&e, 0xa5, sizeof(e));
		mx_smtp_parse_ehlo(&r, &e);
		if (e.flags != ehlo_cases[i].flags)
			print_error("case %zu: flags %#x, want %#x\n", i,
				    e.flags, ehlo_cases[i].flags);
		assert_int_equal(e.flags, ehlo_cases[i].flags);
		assert_true(e.size == ehlo_cases[i].size);
		assert_string_equal(e.auth, ehlo_cases[i].auth);
		mx_smtp_reply_free(&r);
	}
}

/* An AUTH list that would overflow `auth` is cut at a whole mechanism. */
static void test_ehlo_auth_overflow(void **state)
{
	char in[2048], want[MX_SMTP_MAX_AUTH];
	size_t n = 0, wl = 0, i, used;
	struct mx_smtp_reply r;
	struct mx_smtp_ehlo e;

	(void)state;
	n += (size_t)snprintf(in + n, sizeof(in) - n, "250-x\r\n250-AUTH");
	for (i = 0; i < 40; i++) {
		char m[16];

		(void)snprintf(m, sizeof(m), "MECHAAAA%02zu", i);
		n += (size_t)snprintf(in + n, sizeof(in) - n, " %s", m);
		/* "MECHAAAA00" is 10 bytes: 23 fit in 255 with spaces. */
		if (i < 23)
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl,
					       "%s%s", i ? " " : "", m);
	}
	/* A later AUTH line adds nothing once the list was cut. */
	n += (size_t)snprintf(in + n, sizeof(in) - n, "\r\n250 AUTH=PLAIN\r\n");
	mx_smtp_reply_init(&r);
	assert_int_equal(mx_smtp_reply_feed(&r, (const uint8_t *)in, n, &used),
			 MX_SMTP_DONE);
	mx_smtp_parse_ehlo(&r, &e);
	assert_string_equal(e.auth, want);
	assert_int_equal(strlen(e.auth), 23 * 11 - 1);
	assert_true(e.flags & MX_SMTP_CAP_AUTH);
	mx_smtp_reply_free(&r);
}

/* Keyword lines of hostile lengths, up to the line limit. */
static void test_ehlo_hostile_lengths(void **state)
{
	size_t len;

	(void)state;
	for (len = 0; len <= MX_SMTP_MAX_LINE - 12; len += 7) {
		size_t n = 0, used;
		char *in = malloc(len + 64);
		struct mx_smtp_reply r;
		struct mx_smtp_ehlo e;

		assert_non_null(in);
		memcpy(in, "250-x\r\n250-AUTH ", 16);
		n = 16;
		memset(in + n, 'A', len);
		n += len;
		memcpy(in + n, "\r\n250 SIZE ", 11);
		n += 11;
		memset(in + n, '9', len % 25);
		n += len % 25;
		memcpy(in + n, "\r\n", 2);
		n += 2;
		mx_smtp_reply_init(&r);
		assert_int_equal(mx_smtp_reply_feed(&r, (const uint8_t *)in, n,
						    &used),
				 MX_SMTP_DONE);
		mx_smtp_parse_ehlo(&r, &e);
		assert_int_equal(e.flags, MX_SMTP_CAP_AUTH | MX_SMTP_CAP_SIZE);
		assert_int_equal(strlen(e.auth),
				 len >= 1 && len <= 20 ? len : 0);
		if (len % 25 == 0 || len % 25 >= 20)
			assert_true(e.size == 0); /* none, or > 64 bits */
		else
			assert_true(e.size > 0);
		mx_smtp_reply_free(&r);
		free(in);
	}
}

static void test_names(void **state)
{
	static const char *const want[] = {"more",	    "done",
					   "line_too_long", "too_many_lines",
					   "too_big",	    "malformed"};
	unsigned bit;
	size_t i, named = 0;

	(void)state;
	for (i = 0; i < N_ELEM(want); i++)
		assert_string_equal(mx_smtp_status_name((enum mx_smtp_status)i),
				    want[i]);
	assert_string_equal(mx_smtp_status_name((enum mx_smtp_status)99),
			    "unknown");
	for (bit = 1; bit != 0; bit <<= 1)
		if (mx_smtp_cap_name(bit) != NULL)
			named++;
	assert_int_equal(named, 14);
	assert_string_equal(mx_smtp_cap_name(MX_SMTP_CAP_STARTTLS), "STARTTLS");
	assert_string_equal(mx_smtp_cap_name(MX_SMTP_CAP_ENHANCEDSTATUSCODES),
			    "ENHANCEDSTATUSCODES");
	assert_string_equal(mx_smtp_cap_name(MX_SMTP_CAP_VRFY), "VRFY");
	assert_null(mx_smtp_cap_name(0));
	assert_null(mx_smtp_cap_name(MX_SMTP_CAP_STARTTLS | MX_SMTP_CAP_SIZE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_table),
		cmocka_unit_test(test_reply_splits),
		cmocka_unit_test(test_bad_line),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_line_limit_later_line),
		cmocka_unit_test(test_too_many_lines),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_pipelined_reset),
		cmocka_unit_test(test_enhanced),
		cmocka_unit_test(test_ehlo_table),
		cmocka_unit_test(test_ehlo_auth_overflow),
		cmocka_unit_test(test_ehlo_hostile_lengths),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
