/*
 * test_smtp_data.c - dot-stuffing, the DATA reader (smuggling, limits),
 * and the server-side command parser (paths, parameters, line limits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "wire/smtp_data.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

/* ---- dot-stuffing ------------------------------------------------------ */

static void test_dot_stuff_table(void **state)
{
	static const struct {
		const char *in;
		size_t inlen;
		const char *out;
		size_t lines, stuffed, bare_lf, bare_cr, octets;
	} cases[] = {
		{"", 0, ".\r\n", 0, 0, 0, 0, 0},
		{"a", 1, "a\r\n.\r\n", 1, 0, 0, 0, 3},
		{"a\r\n", 3, "a\r\n.\r\n", 1, 0, 0, 0, 3},
		{"a\nb\n", 4, "a\r\nb\r\n.\r\n", 2, 0, 2, 0, 6},
		{"a\rb", 3, "a\r\nb\r\n.\r\n", 2, 0, 0, 1, 6},
		{".\r\n", 3, "..\r\n.\r\n", 1, 1, 0, 0, 3},
		{"..x\n.\n", 6, "...x\r\n..\r\n.\r\n", 2, 2, 2, 0, 8},
		/* a smuggled end of data is stuffed like any other line */
		{"a\r\n.\r\nMAIL FROM:<x@y.z>", 23,
		 "a\r\n..\r\nMAIL FROM:<x@y.z>\r\n.\r\n", 3, 1, 0, 0, 25},
		{"\n.\n", 3, "\r\n..\r\n.\r\n", 2, 1, 2, 0, 5},
		{"\r.\r", 3, "\r\n..\r\n.\r\n", 2, 1, 0, 2, 5},
		{"\r\n\r\n", 4, "\r\n\r\n.\r\n", 2, 0, 0, 0, 4},
		{"x.y\r\n. \r\n", 9, "x.y\r\n.. \r\n.\r\n", 2, 1, 0, 0, 9},
		{"\r\r\n", 3, "\r\n\r\n.\r\n", 2, 0, 0, 1, 4},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_buf b;
		struct mx_data_stats st;

		mx_buf_init(&b, 0);
		assert_int_equal(mx_smtp_dot_stuff((const uint8_t *)cases[i].in,
						   cases[i].inlen, 0, &b, &st),
				 MX_DATA_OK);
		assert_int_equal(b.len, strlen(cases[i].out));
		assert_memory_equal(b.p, cases[i].out, b.len);
		assert_int_equal(st.lines, cases[i].lines);
		assert_int_equal(st.stuffed, cases[i].stuffed);
		assert_int_equal(st.bare_lf, cases[i].bare_lf);
		assert_int_equal(st.bare_cr, cases[i].bare_cr);
		assert_int_equal(st.octets, cases[i].octets);
		mx_buf_free(&b);
	}
}

static void test_dot_stuff_refusals(void **state)
{
	uint8_t line[1200];
	struct mx_buf b;
	struct mx_data_stats st;

	(void)state;
	/* NUL is never sent. */
	mx_buf_init(&b, 0);
	assert_int_equal(mx_smtp_dot_stuff(S("ab\0c\r\n"), 0, &b, &st),
			 MX_DATA_NUL);
	assert_int_equal(st.nul, 1);
	mx_buf_free(&b);

	/* 998 text octets pass, 999 do not (RFC 5321 §4.5.3.1.6). */
	memset(line, 'x', sizeof(line));
	mx_buf_init(&b, 0);
	assert_int_equal(mx_smtp_dot_stuff(line, 998, 0, &b, &st), MX_DATA_OK);
	assert_int_equal(st.longest, 998);
	mx_buf_reset(&b);
	assert_int_equal(mx_smtp_dot_stuff(line, 999, 0, &b, &st),
			 MX_DATA_LINE_TOO_LONG);
	/* The stuffing dot is on the wire: "." + 997 fits, "." + 998 not. */
	line[0] = '.';
	mx_buf_reset(&b);
	assert_int_equal(mx_smtp_dot_stuff(line, 997, 0, &b, &st), MX_DATA_OK);
	mx_buf_reset(&b);
	assert_int_equal(mx_smtp_dot_stuff(line, 998, 0, &b, &st),
			 MX_DATA_LINE_TOO_LONG);
	/* A caller's own limit. */
	mx_buf_reset(&b);
	assert_int_equal(mx_smtp_dot_stuff(S("12345\r\n123456\r\n"), 5, &b,
					   &st),
			 MX_DATA_LINE_TOO_LONG);
	mx_buf_free(&b);

	/* The output cap. */
	mx_buf_init(&b, 8);
	assert_int_equal(mx_smtp_dot_stuff(S("0123456789\r\n"), 0, &b, NULL),
			 MX_DATA_TOO_BIG);
	mx_buf_free(&b);

	/* 8-bit octets are counted (8BITMIME needed). */
	mx_buf_init(&b, 0);
	assert_int_equal(mx_smtp_dot_stuff(S("gr\xc3\xbc\xc3\x9f\r\n"), 0, &b,
					   &st),
			 MX_DATA_OK);
	assert_int_equal(st.eightbit, 4);
	mx_buf_free(&b);
}

/* ---- the DATA reader ------------------------------------------------- */

static void test_data_reader_table(void **state)
{
	static const struct {
		const char *in;
		size_t inlen;
		size_t max_size;
		enum mx_data_status want;
		const char *out; /* when OK */
		size_t used;
	} cases[] = {
		{".\r\n", 3, 0, MX_DATA_OK, "", 3},
		{"a\r\n.\r\nQUIT\r\n", 12, 0, MX_DATA_OK, "a\r\n", 6},
		{"..a\r\n.\r\n", 8, 0, MX_DATA_OK, ".a\r\n", 8},
		{"...\r\n.\r\n", 8, 0, MX_DATA_OK, "..\r\n", 8},
		{"\r\n\r\n.\r\n", 7, 0, MX_DATA_OK, "\r\n\r\n", 7},
		/* Not terminators (SMTP smuggling): the reader goes on to
		 * the real end and condemns the message. */
		{"a\n.\nb\r\n.\r\n", 10, 0, MX_DATA_BARE_LF, "", 10},
		{"a\r\n.\nMAIL FROM:<x@y.z>\r\n.\r\n", 27, 0, MX_DATA_BARE_LF,
		 "", 27},
		{"a\r.\rb\r\n.\r\n", 10, 0, MX_DATA_BARE_CR, "", 10},
		{"a\r\n.\rx\r\n.\r\n", 11, 0, MX_DATA_BARE_CR, "", 11},
		{"a\0b\r\n.\r\n", 8, 0, MX_DATA_NUL, "", 8},
		/* SIZE: 10 octets pass a limit of 10, 12 do not. */
		{"01234567\r\n.\r\n", 13, 10, MX_DATA_OK, "01234567\r\n", 13},
		{"0123456789\r\n.\r\n", 15, 10, MX_DATA_TOO_BIG, "", 15},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_smtp_data_reader r;
		struct mx_buf b;
		size_t used;

		mx_buf_init(&b, 0);
		mx_smtp_data_reader_init(&r, cases[i].max_size, 0);
		assert_int_equal(mx_smtp_data_feed(&r,
						   (const uint8_t *)cases[i].in,
						   cases[i].inlen, &used, &b),
				 cases[i].want);
		assert_int_equal(used, cases[i].used);
		assert_int_equal(b.len, strlen(cases[i].out));
		if (b.len)
			assert_memory_equal(b.p, cases[i].out, b.len);
		/* Sticky afterwards, and consumes nothing. */
		assert_int_equal(mx_smtp_data_feed(&r, S("x"), &used, &b),
				 cases[i].want);
		assert_int_equal(used, 0);
		mx_buf_free(&b);
	}
}

static void test_data_reader_limits(void **state)
{
	struct mx_smtp_data_reader r;
	struct mx_buf b;
	uint8_t big[1100];
	size_t used;

	(void)state;
	/* Unterminated input: always MORE, whatever it holds. */
	mx_buf_init(&b, 0);
	mx_smtp_data_reader_init(&r, 0, 0);
	assert_int_equal(mx_smtp_data_feed(&r, S("a\n.\n"), &used, &b),
			 MX_DATA_MORE);
	assert_int_equal(used, 4);
	assert_int_equal(mx_smtp_data_feed(&r, S("\r\n.\r\n"), &used, &b),
			 MX_DATA_BARE_LF);
	assert_int_equal(r.st.bare_lf, 2);
	assert_int_equal(b.len, 0);
	mx_buf_free(&b);

	/* 998 octets a line pass, 999 do not. */
	memset(big, 'y', sizeof(big));
	memcpy(big + 998, "\r\n.\r\n", 5);
	mx_buf_init(&b, 0);
	mx_smtp_data_reader_init(&r, 0, 0);
	assert_int_equal(mx_smtp_data_feed(&r, big, 1003, &used, &b),
			 MX_DATA_OK);
	assert_int_equal(b.len, 1000);
	assert_int_equal(r.st.longest, 998);
	mx_buf_free(&b);
	memset(big, 'y', sizeof(big));
	memcpy(big + 999, "\r\n.\r\n", 5);
	mx_buf_init(&b, 0);
	mx_smtp_data_reader_init(&r, 0, 0);
	assert_int_equal(mx_smtp_data_feed(&r, big, 1004, &used, &b),
			 MX_DATA_LINE_TOO_LONG);
	assert_int_equal(used, 1004);
	mx_buf_free(&b);

	/* The output buffer's own cap is reported as too big. */
	mx_buf_init(&b, 4);
	mx_smtp_data_reader_init(&r, 0, 0);
	assert_int_equal(mx_smtp_data_feed(&r, S("abcdef\r\n.\r\n"), &used, &b),
			 MX_DATA_TOO_BIG);
	mx_buf_free(&b);
}

/* Deterministic PRNG for the round trips (no global state). */
static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* What the reader must give back: the message with CRLF line ends. */
static size_t normalise(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
				i++;
			out[k++] = '\r';
			out[k++] = '\n';
		} else {
			out[k++] = in[i];
		}
	}
	if (n && in[n - 1] != '\n' && in[n - 1] != '\r') {
		out[k++] = '\r';
		out[k++] = '\n';
	}
	return k;
}

/* stuff -> read back, fed in random chunks, with pipelined bytes after
 * the end of data: the message comes back exactly and the reader stops
 * on the last byte of ".\r\n". */
static void test_data_round_trip(void **state)
{
	static const uint8_t alphabet[] = {'.', '.', '\r', '\n', 'a',
					   'Z', ' ', 0xc3, 0xa9, '\t'};
	uint32_t seed = 12345;
	int trial;

	(void)state;
	for (trial = 0; trial < 400; trial++) {
		uint8_t msg[300], want[700];
		size_t n = xorshift(&seed) % sizeof(msg), i, wantlen, off = 0;
		struct mx_buf wire, back;
		struct mx_smtp_data_reader r;
		enum mx_data_status st = MX_DATA_MORE;

		for (i = 0; i < n; i++)
			msg[i] = alphabet[xorshift(&seed) % sizeof(alphabet)];
		wantlen = normalise(msg, n, want);
		mx_buf_init(&wire, 0);
		assert_int_equal(mx_smtp_dot_stuff(msg, n, 0, &wire, NULL),
				 MX_DATA_OK);
		mx_buf_push_str(&wire, "QUIT\r\n");
		mx_buf_init(&back, 0);
		mx_smtp_data_reader_init(&r, 0, 0);
		while (st == MX_DATA_MORE) {
			size_t chunk = 1 + xorshift(&seed) % 7, used;

			assert_true(off < wire.len);
			if (chunk > wire.len - off)
				chunk = wire.len - off;
			st = mx_smtp_data_feed(&r, wire.p + off, chunk, &used,
					       &back);
			assert_true(used <= chunk);
			off += used;
		}
		assert_int_equal(st, MX_DATA_OK);
		assert_int_equal(wire.len - off, 6); /* "QUIT\r\n" left */
		assert_int_equal(back.len, wantlen);
		if (wantlen)
			assert_memory_equal(back.p, want, wantlen);
		assert_int_equal(r.st.octets, wantlen);
		mx_buf_free(&wire);
		mx_buf_free(&back);
	}
}

/* ---- command lines ---------------------------------------------------- */

enum {
	F_NULL = 1,
	F_PM = 2,
	F_UTF8 = 4,
	F_LIT = 8,
	F_SIZE = 16,
	F_SMTPUTF8 = 32
};

static void test_cmd_table(void **state)
{
	static const struct {
		const char *line;
		enum mx_cmd_status want;
		enum mx_smtp_verb verb;
		const char *arg; /* NULL: not checked */
		unsigned flags;
		uint64_t size;
		enum mx_smtp_body body;
	} cases[] = {
		{"EHLO client.example\r\n", MX_CMD_OK, MX_VERB_EHLO,
		 "client.example", 0, 0, 0},
		{"ehlo [192.0.2.1]\r\n", MX_CMD_OK, MX_VERB_EHLO, "[192.0.2.1]",
		 F_LIT, 0, 0},
		{"EHLO [IPv6:2001:db8::1]\r\n", MX_CMD_OK, MX_VERB_EHLO,
		 "[IPv6:2001:db8::1]", F_LIT, 0, 0},
		{"EHLO [IPv6:2001:db8::zz]\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO,
		 NULL, 0, 0, 0},
		{"EHLO [300.1.2.3]\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO, NULL, 0,
		 0, 0},
		{"EHLO\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO, NULL, 0, 0, 0},
		{"EHLO a.example b\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO, NULL, 0,
		 0, 0},
		{"EHLO -bad.example\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO, NULL, 0,
		 0, 0},
		{"EHLO bad-.example\r\n", MX_CMD_SYNTAX, MX_VERB_EHLO, NULL, 0,
		 0, 0},
		{"HELO my_host\r\n", MX_CMD_OK, MX_VERB_HELO, "my_host", 0, 0,
		 0},
		{"HELO  spaced.example  \r\n", MX_CMD_OK, MX_VERB_HELO,
		 "spaced.example", 0, 0, 0},
		{"MAIL FROM:<a@example.com>\r\n", MX_CMD_OK, MX_VERB_MAIL,
		 "a@example.com", 0, 0, 0},
		{"mail from:<A.B-c+tag@Sub.Example.COM>\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "A.B-c+tag@Sub.Example.COM", 0, 0, 0},
		{"MAIL FROM:<>\r\n", MX_CMD_OK, MX_VERB_MAIL, "", F_NULL, 0, 0},
		{"MAIL FROM: <a@example.com> SIZE=1000\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "a@example.com", F_SIZE, 1000, 0},
		{"MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME "
		 "SMTPUTF8\r\n",
		 MX_CMD_OK, MX_VERB_MAIL, "a@example.com", F_SIZE | F_SMTPUTF8,
		 1000, MX_BODY_8BITMIME},
		{"MAIL FROM:<a@example.com> body=7bit\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "a@example.com", 0, 0, MX_BODY_7BIT},
		{"MAIL FROM:<a@example.com> SIZE=18446744073709551615\r\n",
		 MX_CMD_OK, MX_VERB_MAIL, NULL, F_SIZE, UINT64_MAX, 0},
		{"MAIL FROM:<a@example.com> SIZE=18446744073709551616\r\n",
		 MX_CMD_BAD_PARAM, MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> SIZE=12ab\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> SIZE\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> SIZE=1 SIZE=2\r\n",
		 MX_CMD_BAD_PARAM, MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> BODY=9BIT\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> SMTPUTF8=yes\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> AUTH=<>\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com> SIZE=\r\n", MX_CMD_SYNTAX,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com>junk\r\n", MX_CMD_SYNTAX,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:a@example.com\r\n", MX_CMD_BAD_PATH, MX_VERB_MAIL,
		 NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com\r\n", MX_CMD_BAD_PATH, MX_VERB_MAIL,
		 NULL, 0, 0, 0},
		{"MAIL FROM:<a..b@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<.a@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a.@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@-example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example..com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@example.com.>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a b@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<a@>\r\n", MX_CMD_BAD_PATH, MX_VERB_MAIL, NULL, 0,
		 0, 0},
		{"MAIL FROM:<\"john doe\"@example.com>\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "\"john doe\"@example.com", 0, 0, 0},
		{"MAIL FROM:<\"a\\\"b\"@example.com>\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "\"a\\\"b\"@example.com", 0, 0, 0},
		{"MAIL FROM:<\"open@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<@relay.example:a@example.com>\r\n", MX_CMD_OK,
		 MX_VERB_MAIL, "a@example.com", 0, 0, 0},
		{"MAIL FROM:<@r1.example,@r2.example:a@example.com>\r\n",
		 MX_CMD_OK, MX_VERB_MAIL, "a@example.com", 0, 0, 0},
		{"MAIL FROM:<@r1.example,r2.example:a@example.com>\r\n",
		 MX_CMD_BAD_PATH, MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL FROM:<@r1.example a@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_MAIL, NULL, 0, 0, 0},
		{"MAIL TO:<a@example.com>\r\n", MX_CMD_SYNTAX, MX_VERB_MAIL,
		 NULL, 0, 0, 0},
		{"MAIL\r\n", MX_CMD_SYNTAX, MX_VERB_MAIL, NULL, 0, 0, 0},
		{"RCPT TO:<b@example.org>\r\n", MX_CMD_OK, MX_VERB_RCPT,
		 "b@example.org", 0, 0, 0},
		{"RCPT TO:<Postmaster>\r\n", MX_CMD_OK, MX_VERB_RCPT,
		 "Postmaster", F_PM, 0, 0},
		{"RCPT TO:<bob>\r\n", MX_CMD_BAD_PATH, MX_VERB_RCPT, NULL, 0, 0,
		 0},
		{"RCPT TO:<>\r\n", MX_CMD_BAD_PATH, MX_VERB_RCPT, NULL, 0, 0,
		 0},
		{"RCPT TO:<b@example.org> NOTIFY=NEVER\r\n", MX_CMD_BAD_PARAM,
		 MX_VERB_RCPT, NULL, 0, 0, 0},
		{"RCPT TO:<user@[192.0.2.1]>\r\n", MX_CMD_OK, MX_VERB_RCPT,
		 "user@[192.0.2.1]", F_LIT, 0, 0},
		{"RCPT TO:<user@[IPv6:::1]>\r\n", MX_CMD_OK, MX_VERB_RCPT,
		 "user@[IPv6:::1]", F_LIT, 0, 0},
		{"RCPT TO:<user@[x-tag:abc]>\r\n", MX_CMD_OK, MX_VERB_RCPT,
		 NULL, F_LIT, 0, 0},
		{"RCPT TO:<user@[300.1.1.1]>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_RCPT, NULL, 0, 0, 0},
		{"RCPT TO:<user@[192.0.2.1>\r\n", MX_CMD_BAD_PATH, MX_VERB_RCPT,
		 NULL, 0, 0, 0},
		{"RCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
		 "test>\r\n",
		 MX_CMD_OK, MX_VERB_RCPT, NULL, F_UTF8, 0, 0},
		{"RCPT TO:<j\xc3\xb6rg@example.com>\r\n", MX_CMD_OK,
		 MX_VERB_RCPT, "j\xc3\xb6rg@example.com", F_UTF8, 0, 0},
		/* ill-formed UTF-8: truncated, overlong, surrogate */
		{"RCPT TO:<\xc3(@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_RCPT, NULL, 0, 0, 0},
		{"RCPT TO:<\xc0\xaf@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_RCPT, NULL, 0, 0, 0},
		{"RCPT TO:<\xed\xa0\x80@example.com>\r\n", MX_CMD_BAD_PATH,
		 MX_VERB_RCPT, NULL, 0, 0, 0},
		{"RCPT TO:<a@ex\xff.com>\r\n", MX_CMD_BAD_PATH, MX_VERB_RCPT,
		 NULL, 0, 0, 0},
		{"DATA\r\n", MX_CMD_OK, MX_VERB_DATA, "", 0, 0, 0},
		{"data  \r\n", MX_CMD_OK, MX_VERB_DATA, "", 0, 0, 0},
		{"DATA now\r\n", MX_CMD_SYNTAX, MX_VERB_DATA, NULL, 0, 0, 0},
		{"RSET\r\n", MX_CMD_OK, MX_VERB_RSET, "", 0, 0, 0},
		{"QUIT\r\n", MX_CMD_OK, MX_VERB_QUIT, "", 0, 0, 0},
		{"STARTTLS\r\n", MX_CMD_OK, MX_VERB_STARTTLS, "", 0, 0, 0},
		{"STARTTLS now\r\n", MX_CMD_SYNTAX, MX_VERB_STARTTLS, NULL, 0,
		 0, 0},
		{"NOOP\r\n", MX_CMD_OK, MX_VERB_NOOP, "", 0, 0, 0},
		{"NOOP hello there\r\n", MX_CMD_OK, MX_VERB_NOOP, "hello there",
		 0, 0, 0},
		{"VRFY\r\n", MX_CMD_SYNTAX, MX_VERB_VRFY, NULL, 0, 0, 0},
		{"VRFY bob\r\n", MX_CMD_OK, MX_VERB_VRFY, "bob", 0, 0, 0},
		{"AUTH PLAIN\r\n", MX_CMD_OK, MX_VERB_AUTH, "PLAIN", 0, 0, 0},
		{"FOO\r\n", MX_CMD_UNKNOWN, MX_VERB_UNKNOWN, NULL, 0, 0, 0},
		{"MAILX FROM:<a@b.c>\r\n", MX_CMD_UNKNOWN, MX_VERB_UNKNOWN,
		 NULL, 0, 0, 0},
		{"MAIL:FROM\r\n", MX_CMD_UNKNOWN, MX_VERB_UNKNOWN, NULL, 0, 0,
		 0},
		{"\r\n", MX_CMD_UNKNOWN, MX_VERB_UNKNOWN, NULL, 0, 0, 0},
		{"QUIT\n", MX_CMD_BARE_LF, MX_VERB_NONE, NULL, 0, 0, 0},
		{"QU\rIT\r\n", MX_CMD_BARE_CR, MX_VERB_NONE, NULL, 0, 0, 0},
		{"QUIT\r\r\n", MX_CMD_BARE_CR, MX_VERB_NONE, NULL, 0, 0, 0},
		{"QU\nIT\r\n", MX_CMD_BARE_LF, MX_VERB_NONE, NULL, 0, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mx_smtp_cmd cmd;
		enum mx_cmd_status st;

		st = mx_smtp_cmd_parse((const uint8_t *)cases[i].line,
				       strlen(cases[i].line), &cmd);
		if (st != cases[i].want)
			fail_msg("case %zu \"%s\": got %s, want %s (%s)", i,
				 cases[i].line, mx_cmd_status_name(st),
				 mx_cmd_status_name(cases[i].want), cmd.detail);
		assert_int_equal(cmd.verb, cases[i].verb);
		if (st != MX_CMD_OK) {
			assert_true(cmd.detail[0] != 0);
			continue;
		}
		if (cases[i].arg)
			assert_string_equal(cmd.arg, cases[i].arg);
		assert_int_equal(cmd.null_path, !!(cases[i].flags & F_NULL));
		assert_int_equal(cmd.postmaster, !!(cases[i].flags & F_PM));
		assert_int_equal(cmd.utf8, !!(cases[i].flags & F_UTF8));
		assert_int_equal(cmd.address_literal,
				 !!(cases[i].flags & F_LIT));
		assert_int_equal(cmd.has_size, !!(cases[i].flags & F_SIZE));
		assert_int_equal(cmd.smtputf8, !!(cases[i].flags & F_SMTPUTF8));
		assert_true(cmd.size == cases[i].size);
		assert_int_equal(cmd.body, cases[i].body);
	}
}

/* RFC 5321 §4.5.3.1: local part 64, path 256 with the brackets. */
static void test_cmd_path_limits(void **state)
{
	char line[700], local[80], dom[300];
	struct mx_smtp_cmd cmd;
	size_t n;

	(void)state;
	memset(local, 'l', 64);
	local[64] = 0;
	snprintf(line, sizeof(line), "RCPT TO:<%s@example.com>\r\n", local);
	assert_int_equal(mx_smtp_cmd_parse((uint8_t *)line, strlen(line), &cmd),
			 MX_CMD_OK);
	local[64] = 'l';
	local[65] = 0;
	snprintf(line, sizeof(line), "RCPT TO:<%s@example.com>\r\n", local);
	assert_int_equal(mx_smtp_cmd_parse((uint8_t *)line, strlen(line), &cmd),
			 MX_CMD_PATH_TOO_LONG);

	/* <l@ + domain + > = 256 octets exactly, then one more. */
	for (n = 252; n <= 253; n++) {
		size_t i;

		for (i = 0; i < n; i++)
			dom[i] = (i % 60 == 59) ? '.' : 'd';
		dom[n] = 0;
		snprintf(line, sizeof(line), "RCPT TO:<l@%s>\r\n", dom);
		assert_int_equal(mx_smtp_cmd_parse((uint8_t *)line,
						   strlen(line), &cmd),
				 n == 252 ? MX_CMD_OK : MX_CMD_PATH_TOO_LONG);
	}
	/* A 64-octet label is not a label. */
	memset(dom, 'd', 64);
	memcpy(dom + 64, ".example", 9);
	snprintf(line, sizeof(line), "RCPT TO:<l@%s>\r\n", dom);
	assert_int_equal(mx_smtp_cmd_parse((uint8_t *)line, strlen(line), &cmd),
			 MX_CMD_BAD_PATH);
}

static void test_cmd_reader_pipelining(void **state)
{
	static const char in[] = "EHLO a.example\r\nMAIL FROM:<a@b.example>\r\n"
				 "RCPT TO:<c@d.example>\r\nDATA\r\n";
	static const enum mx_smtp_verb want[] = {MX_VERB_EHLO, MX_VERB_MAIL,
						 MX_VERB_RCPT, MX_VERB_DATA};
	struct mx_smtp_cmd_reader r;
	struct mx_smtp_cmd cmd;
	size_t off = 0, used, k = 0;

	(void)state;
	mx_smtp_cmd_reader_init(&r);
	while (off < sizeof(in) - 1) {
		assert_int_equal(mx_smtp_cmd_feed(&r, (const uint8_t *)in + off,
						  sizeof(in) - 1 - off, &used,
						  &cmd),
				 MX_CMD_OK);
		assert_true(k < 4);
		assert_int_equal(cmd.verb, want[k]);
		k++;
		off += used;
	}
	assert_int_equal(k, 4);

	/* Byte by byte: MORE until the LF. */
	mx_smtp_cmd_reader_init(&r);
	for (off = 0; off < 16; off++) {
		enum mx_cmd_status st = mx_smtp_cmd_feed(
			&r, (const uint8_t *)in + off, 1, &used, &cmd);

		assert_int_equal(used, 1);
		assert_int_equal(st, off == 15 ? MX_CMD_OK : MX_CMD_MORE);
	}
	assert_string_equal(cmd.arg, "a.example");

	/* RFC 3207 §4.2: what follows STARTTLS is visible and can be
	 * dropped. */
	mx_smtp_cmd_reader_init(&r);
	assert_int_equal(mx_smtp_cmd_feed(&r, S("STARTTLS\r\nMAI"), &used,
					  &cmd),
			 MX_CMD_OK);
	assert_int_equal(used, 10);
	assert_int_equal(mx_smtp_cmd_feed(&r, S("MAI"), &used, &cmd),
			 MX_CMD_MORE);
	assert_int_equal(mx_smtp_cmd_reader_pending(&r), 3);
	mx_smtp_cmd_reader_reset(&r);
	assert_int_equal(mx_smtp_cmd_reader_pending(&r), 0);
	assert_int_equal(mx_smtp_cmd_feed(&r, S("QUIT\r\n"), &used, &cmd),
			 MX_CMD_OK);
	assert_int_equal(cmd.verb, MX_VERB_QUIT);
}

/* RFC 5321 §4.5.3.1.4: 512 octets with CRLF pass; longer lines are
 * reported once, when they end, and the next command is fine. */
static void test_cmd_reader_long_lines(void **state)
{
	uint8_t line[10000];
	struct mx_smtp_cmd_reader r;
	struct mx_smtp_cmd cmd;
	size_t used, off;
	int reports = 0;

	(void)state;
	memcpy(line, "NOOP ", 5);
	memset(line + 5, 'x', sizeof(line) - 5);
	memcpy(line + 510, "\r\n", 2);
	mx_smtp_cmd_reader_init(&r);
	assert_int_equal(mx_smtp_cmd_feed(&r, line, 512, &used, &cmd),
			 MX_CMD_OK);
	assert_int_equal(used, 512);
	assert_int_equal(cmd.arglen, 505);

	line[510] = 'x';
	memcpy(line + 511, "\r\n", 2);
	assert_int_equal(mx_smtp_cmd_feed(&r, line, 513, &used, &cmd),
			 MX_CMD_LINE_TOO_LONG);
	assert_int_equal(used, 513);

	/* Split across reads: 300 + 213. */
	assert_int_equal(mx_smtp_cmd_feed(&r, line, 300, &used, &cmd),
			 MX_CMD_MORE);
	assert_int_equal(mx_smtp_cmd_feed(&r, line + 300, 213, &used, &cmd),
			 MX_CMD_LINE_TOO_LONG);

	/* A 10000-octet line in chunks of 100: one report at its end. */
	line[510] = 'x';
	line[511] = 'x';
	line[512] = 'x';
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	for (off = 0; off < sizeof(line); off += 100) {
		enum mx_cmd_status st =
			mx_smtp_cmd_feed(&r, line + off, 100, &used, &cmd);

		assert_int_equal(used, 100);
		if (st == MX_CMD_LINE_TOO_LONG)
			reports++;
		else
			assert_int_equal(st, MX_CMD_MORE);
	}
	assert_int_equal(reports, 1);
	assert_int_equal(mx_smtp_cmd_feed(&r, S("QUIT\r\n"), &used, &cmd),
			 MX_CMD_OK);
	assert_int_equal(cmd.verb, MX_VERB_QUIT);
}

/* Every prefix of valid commands, in an exactly sized heap copy (so ASan
 * sees any over-read); a prefix that lacks the closing '>' never parses
 * as a MAIL/RCPT command. */
static void test_cmd_hostile_lengths(void **state)
{
	static const char *lines[] = {
		"MAIL FROM:<\"q\\\"x\"@[IPv6:2001:db8::1]> SIZE=123 "
		"BODY=8BITMIME SMTPUTF8\r\n",
		"RCPT TO:<@a.example,@b.example:j\xc3\xb6rg@"
		"\xe4\xbe\x8b.test>\r\n",
		"EHLO [192.0.2.1]\r\n",
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);
		size_t gt = (size_t)(strrchr(lines[i], '>') - lines[i]);

		for (n = 0; n <= len; n++) {
			uint8_t *p = malloc(n ? n : 1);
			struct mx_smtp_cmd cmd;
			enum mx_cmd_status st;

			memcpy(p, lines[i], n);
			st = mx_smtp_cmd_parse(p, n, &cmd);
			if (i < 2 && n <= gt)
				assert_int_not_equal(st, MX_CMD_OK);
			if (n == len)
				assert_int_equal(st, MX_CMD_OK);
			free(p);
		}
	}
}

static void test_mailbox_ok(void **state)
{
	static const struct {
		const char *s;
		int ok, utf8;
	} cases[] = {
		{"a@example.com", 1, 0},
		{"first.last+tag@sub.example.co.uk", 1, 0},
		{"\"quoted local\"@example.com", 1, 0},
		{"user@[192.0.2.7]", 1, 0},
		{"\xd0\xbf\xd1\x80@\xd0\xbf\xd1\x80.test", 1, 1},
		{"a@b", 1, 0},
		{"", 0, 0},
		{"a", 0, 0},
		{"@example.com", 0, 0},
		{"a@", 0, 0},
		{"a@example.com ", 0, 0},
		{"a@@example.com", 0, 0},
		{"a@exa mple.com", 0, 0},
		{"a\r\n@example.com", 0, 0},
		{"<a@example.com>", 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int u = -1;

		assert_int_equal(mx_smtp_mailbox_ok(cases[i].s,
						    strlen(cases[i].s), &u),
				 cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(u, cases[i].utf8);
	}
	assert_true(mx_smtp_domain_ok("lab.test", 8, NULL));
	assert_false(mx_smtp_domain_ok("lab_test", 8, NULL));
	assert_false(mx_smtp_domain_ok("", 0, NULL));
}

static void test_utf8_seq(void **state)
{
	static const struct {
		const char *in;
		size_t len, want;
	} cases[] = {
		{"\xc3\xa9", 2, 2},
		{"\xe2\x82\xac", 3, 3},
		{"\xf0\x9f\x93\xa7", 4, 4},
		{"\xc3", 1, 0},
		{"\xc0\xaf", 2, 0},
		{"\xe0\x80\xaf", 3, 0},
		{"\xed\xa0\x80", 3, 0},
		{"\xf4\x90\x80\x80", 4, 0},
		{"\xff", 1, 0},
		{"a", 1, 0},
		{"\xe2\x82", 2, 0},
		{"\xc3\xa9x", 3, 2},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(mx_utf8_seq((const uint8_t *)cases[i].in,
					     cases[i].len),
				 cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dot_stuff_table),
		cmocka_unit_test(test_dot_stuff_refusals),
		cmocka_unit_test(test_data_reader_table),
		cmocka_unit_test(test_data_reader_limits),
		cmocka_unit_test(test_data_round_trip),
		cmocka_unit_test(test_cmd_table),
		cmocka_unit_test(test_cmd_path_limits),
		cmocka_unit_test(test_cmd_reader_pipelining),
		cmocka_unit_test(test_cmd_reader_long_lines),
		cmocka_unit_test(test_cmd_hostile_lengths),
		cmocka_unit_test(test_mailbox_ok),
		cmocka_unit_test(test_utf8_seq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
