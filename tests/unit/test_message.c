/*
 * test_message.c - the RFC 5322 test message: golden bytes, folding,
 * RFC 2047 subjects, header injection, body checks, padding, and a round
 * trip through the real header parser and the DATA (un)stuffing.
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
#include "relay/message.h"
#include "wire/mailhdr.h"
#include "wire/smtp_data.h"

/* Deterministic random source: 0, 1, 2, ... from *ctx on. */
static int counting_random(void *ctx, uint8_t *out, size_t n)
{
	uint8_t *next = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (*next)++;
	return 1;
}

static int failing_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	(void)out;
	(void)n;
	return 0;
}

static const char *const one_rcpt[] = {"b@lab.test"};

static void base_params(struct mx_msg_params *p, uint8_t *seed)
{
	memset(p, 0, sizeof(*p));
	p->from = "a@lab.test";
	p->to = one_rcpt;
	p->nto = 1;
	p->date = 1732010400; /* Tue, 19 Nov 2024 10:00:00 UTC */
	p->random = counting_random;
	p->random_ctx = seed;
	p->hostname = "client.lab.test";
}

/* Every line ends in CRLF and holds at most `max` octets before it. */
static void assert_lines(const uint8_t *p, size_t n, size_t max)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			assert_true(i > 0 && p[i - 1] == '\r');
			if (i - 1 - start > max)
				fail_msg("line of %zu octets", i - 1 - start);
			start = i + 1;
		} else if (p[i] == '\r') {
			assert_true(i + 1 < n && p[i + 1] == '\n');
		}
	}
	assert_int_equal(start, n); /* ends with CRLF */
}

static struct mx_msg *build(const struct mx_msg_params *p)
{
	struct mx_msg *m = NULL;
	struct mx_msg_diag d;
	enum mx_msg_status st = mx_msg_new(p, &m, &d);

	if (st != MX_MSG_OK)
		fail_msg("mx_msg_new: %s: %s", mx_msg_status_name(st), d.text);
	assert_non_null(m);
	assert_lines(m->data, m->len, MX_MSG_MAX_LINE);
	return m;
}

static void test_golden(void **state)
{
	static const char want[] =
		"Date: Tue, 19 Nov 2024 10:00:00 +0000\r\n"
		"From: a@lab.test\r\n"
		"To: b@lab.test\r\n"
		"Subject: hello\r\n"
		"Message-ID: <20241119100000.1011121314151617@client.lab.test>"
		"\r\n"
		"X-Mxprobe-Token: 000102030405060708090a0b0c0d0e0f\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"X-Test: yes\r\n"
		"\r\n"
		"line1\r\n"
		".line2\r\n";
	static const char *const hdrs[] = {"X-Test:   yes  "};
	struct mx_msg_params p;
	struct mx_msg *m;
	uint8_t seed = 0;

	(void)state;
	base_params(&p, &seed);
	p.subject = "hello";
	p.body = (const uint8_t *)"line1\n.line2";
	p.body_len = 12;
	p.headers = hdrs;
	p.nheaders = 1;
	m = build(&p);
	assert_int_equal(m->len, sizeof(want) - 1);
	assert_memory_equal(m->data, want, m->len);
	assert_string_equal(m->token, "000102030405060708090a0b0c0d0e0f");
	assert_string_equal(
		m->message_id,
		"<20241119100000.1011121314151617@client.lab.test>");
	assert_int_equal(m->need, 0);
	mx_msg_free(m);

	/* The same params give the same bytes; another seed another token. */
	seed = 0;
	m = build(&p);
	assert_memory_equal(m->data, want, sizeof(want) - 1);
	mx_msg_free(m);
	seed = 100;
	m = build(&p);
	assert_string_not_equal(m->token, "000102030405060708090a0b0c0d0e0f");
	mx_msg_free(m);
}

/* The real header parser reads back what the builder wrote. */
static void test_parse_back(void **state)
{
	static const char *const many[] = {
		"alice@lab.test",     "bob.smith+tag@lab.test",
		"carol@sub.lab.test", "dave@lab.test",
		"erin@lab.test",      "frank.long.name@lab.test",
		"grace@lab.test",     "heidi@lab.test",
		"ivan@lab.test",      "judy@lab.test",
		"mallory@lab.test",   "niaj@lab.test",
		"olivia@lab.test",    "peggy@lab.test",
		"rupert@lab.test",    "sybil@lab.test",
		"trent@lab.test",     "victor@lab.test",
		"walter@lab.test",    "\"quoted name\"@lab.test",
	};
	char subject[400], want_to[1000];
	struct mx_msg_params p;
	struct mx_msg *m;
	struct mx_mailhdr *h;
	uint8_t seed = 7;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i + 5 < sizeof(subject); i += 5)
		memcpy(subject + i, "word ", 5);
	subject[i - 1] = 0; /* no trailing space */
	for (i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		n += (size_t)snprintf(want_to + n, sizeof(want_to) - n, "%s%s",
				      i ? ", " : "", many[i]);
	base_params(&p, &seed);
	p.to = many;
	p.nto = sizeof(many) / sizeof(many[0]);
	p.subject = subject;
	m = build(&p);
	/* Folded to 78 columns (RFC 5322 §2.1.1 SHOULD). */
	assert_lines(m->data, m->len, 78);
	h = mx_mailhdr_parse(m->data, m->len);
	assert_int_equal(h->status, MX_HDR_OK);
	assert_string_equal(mx_mailhdr_get(h, "To", 0), want_to);
	assert_string_equal(mx_mailhdr_get(h, "Subject", 0), subject);
	assert_string_equal(mx_mailhdr_get(h, "X-Mxprobe-Token", 0), m->token);
	assert_string_equal(mx_mailhdr_get(h, "Message-ID", 0), m->message_id);
	assert_string_equal(mx_mailhdr_get(h, "From", 0), "a@lab.test");
	/* The Date header parses back to the injected time. */
	{
		const char *date = mx_mailhdr_get(h, "Date", 0);
		time_t t;
		int tz;

		assert_true(mx_mailhdr_parse_date((const uint8_t *)date,
						  strlen(date), &t, &tz));
		assert_int_equal(t, 1732010400);
		assert_int_equal(tz, 0);
	}
	/* The default body repeats the token. */
	assert_non_null(
		strstr((const char *)m->data + h->body_offset, m->token));
	mx_mailhdr_free(h);
	mx_msg_free(m);
}

static int b64val(int c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789+/";
	const char *q = c ? strchr(t, c) : NULL;

	return q ? (int)(q - t) : -1;
}

/* Decode "=?utf-8?B?...?= =?utf-8?B?...?=" (what the builder writes). */
static size_t decode_words(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		const char *e;
		uint32_t acc = 0;
		int bits = 0;

		assert_memory_equal(s, "=?utf-8?B?", 10);
		s += 10;
		e = strstr(s, "?=");
		assert_non_null(e);
		assert_true(e - s + 12 <= 75); /* RFC 2047 §2 */
		for (; s < e; s++) {
			if (*s == '=')
				continue;
			assert_true(b64val(*s) >= 0);
			acc = acc << 6 | (uint32_t)b64val(*s);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				out[n++] = (char)(acc >> bits);
			}
		}
		s = e + 2;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	out[n] = 0;
	return n;
}

static void test_subject_utf8(void **state)
{
	static const char *subjects[] = {
		"Gr\xc3\xbc\xc3\x9f"
		"e aus M\xc3\xbc"
		"nchen",
		/* long: many words; 3- and 4-octet characters across the
		 * 45-octet chunk boundaries */
		"\xe6\xb5\x8b\xe8\xaf\x95\xe9\x82\xae\xe4\xbb\xb6 "
		"\xf0\x9f\x93\xa7\xf0\x9f\x93\xa7\xf0\x9f\x93\xa7 "
		"\xe6\xb5\x8b\xe8\xaf\x95\xe9\x82\xae\xe4\xbb\xb6\xe6\xb5\x8b"
		"\xe8\xaf\x95\xe9\x82\xae\xe4\xbb\xb6\xe6\xb5\x8b\xe8\xaf\x95"
		"\xe9\x82\xae\xe4\xbb\xb6\xe6\xb5\x8b\xe8\xaf\x95\xe9\x82\xae"
		"\xe4\xbb\xb6 end",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mx_msg_params p;
		struct mx_msg *m;
		struct mx_mailhdr *h;
		uint8_t seed = 0;
		char dec[600];
		const char *v;

		base_params(&p, &seed);
		p.subject = subjects[i];
		m = build(&p);
		/* Header stays 7-bit: no 8BITMIME/SMTPUTF8 for a subject. */
		assert_int_equal(m->need, 0);
		h = mx_mailhdr_parse(m->data, m->len);
		v = mx_mailhdr_get(h, "Subject", 0);
		assert_non_null(v);
		decode_words(v, dec);
		assert_string_equal(dec, subjects[i]);
		mx_mailhdr_free(h);
		mx_msg_free(m);
	}
}

static void test_refusals(void **state)
{
	static const char *const bad_to[] = {"b@lab.test", "not an address"};
	static const char *const crlf_to[] = {"b@lab.test\r\nBcc: x@y.z"};
	static const struct {
		const char *header;
	} bad_headers[] = {
		{"X-A: b\r\nBcc: evil@example.com"},
		{"X-A: b\nBcc: evil@example.com"},
		{"X-A: b\rc"},
		{"X-A: b\x01"},
		{"X-A: \xff"},
		{"NoColon"},
		{": empty name"},
		{"Bad Name: v"},
		{"Subject: duplicate"},
		{"x-mxprobe-token: 123"},
		{"content-transfer-encoding: base64"},
		{"X-Name-Way-Too-Long-"
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		 ": v"},
	};
	char huge[1200];
	struct mx_msg_params p;
	struct mx_msg *m;
	struct mx_msg_diag d;
	uint8_t seed = 0;
	size_t i;

	(void)state;
	base_params(&p, &seed);
	p.from = "not-an-address";
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_ADDRESS);
	assert_null(m);
	assert_int_equal(d.status, MX_MSG_BAD_ADDRESS);
	assert_non_null(strstr(d.text, "not-an-address"));
	p.from = "a@lab.test\r\nX: y";
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_ADDRESS);
	p.from = "a@lab.test";
	p.to = bad_to;
	p.nto = 2;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_ADDRESS);
	assert_non_null(strstr(d.text, "recipient 2"));
	p.to = crlf_to;
	p.nto = 1;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_ADDRESS);
	assert_non_null(strstr(d.text, "\\r\\n")); /* escaped in the diag */
	p.to = one_rcpt;
	p.nto = 0;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_PARAM);
	p.nto = 1;

	for (i = 0; i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
		const char *h[] = {"X-Good: 1", bad_headers[i].header};

		p.headers = h;
		p.nheaders = 2;
		if (mx_msg_new(&p, &m, &d) != MX_MSG_BAD_HEADER)
			fail_msg("header %zu accepted", i);
		assert_null(m);
		assert_non_null(strstr(d.text, "header 2"));
	}
	p.headers = NULL;
	p.nheaders = 0;

	p.subject = "two\r\nlines";
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_SUBJECT);
	p.subject = "bad \xc3";
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_SUBJECT);
	memset(huge, 'x', sizeof(huge));
	huge[sizeof(huge) - 1] = 0;
	p.subject = huge;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_SUBJECT);
	/* 990 octets without white space: "Subject: " makes 999. */
	huge[990] = 0;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_LINE_TOO_LONG);
	huge[989] = 0;
	m = NULL;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_OK);
	assert_lines(m->data, m->len, MX_MSG_MAX_LINE);
	mx_msg_free(m);
	p.subject = NULL;

	p.hostname = "bad host";
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_PARAM);
	p.hostname = "client.lab.test";
	p.random = failing_random;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_RANDOM_FAILED);
	p.random = NULL;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_PARAM);
	p.random = counting_random;
	p.pad_to_size = MX_MSG_MAX_SIZE + 1u;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_TOO_BIG);
}

static void test_utf8_needs(void **state)
{
	static const char *const utf8_to[] = {"j\xc3\xb6rg@lab.test"};
	static const char *const utf8_hdr[] = {"X-Note: caf\xc3\xa9"};
	struct mx_msg_params p;
	struct mx_msg *m;
	uint8_t seed = 0;

	(void)state;
	base_params(&p, &seed);
	p.to = utf8_to;
	m = build(&p);
	assert_int_equal(m->need, MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME);
	assert_non_null(
		strstr((char *)m->data, "Content-Transfer-Encoding: 7bit"));
	mx_msg_free(m);

	base_params(&p, &seed);
	p.headers = utf8_hdr;
	p.nheaders = 1;
	m = build(&p);
	assert_int_equal(m->need, MX_MSG_NEED_SMTPUTF8 | MX_MSG_NEED_8BITMIME);
	mx_msg_free(m);

	base_params(&p, &seed);
	p.body = (const uint8_t *)"gr\xc3\xbc\xc3\x9f";
	p.body_len = 6;
	m = build(&p);
	assert_int_equal(m->need, MX_MSG_NEED_8BITMIME);
	assert_non_null(
		strstr((char *)m->data, "Content-Transfer-Encoding: 8bit"));
	mx_msg_free(m);
}

static void test_body(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out; /* body as written */
	} ok[] = {
		{"a\rb\nc\r\nd", 8, "a\r\nb\r\nc\r\nd\r\n"},
		{"\n\n", 2, "\r\n\r\n"},
		{"", 0, ""},
		{".\r\n", 3, ".\r\n"}, /* stuffing is the DATA layer's job */
		{"tab\there\x0c", 9, "tab\there\x0c\r\n"},
	};
	struct mx_msg_params p;
	struct mx_msg *m;
	struct mx_msg_diag d;
	uint8_t seed = 0, line[2600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t ol = strlen(ok[i].out);

		base_params(&p, &seed);
		p.body = (const uint8_t *)ok[i].in;
		p.body_len = ok[i].len;
		m = build(&p);
		assert_true(m->len >= ol);
		assert_memory_equal(m->data + m->len - ol, ok[i].out, ol);
		assert_memory_equal(m->data + m->len - ol - 2, "\r\n", 2);
		mx_msg_free(m);
	}
	base_params(&p, &seed);
	p.body = (const uint8_t *)"ok\nN\0L";
	p.body_len = 6;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_BODY);
	assert_non_null(strstr(d.text, "line 2"));
	p.body = (const uint8_t *)"latin1 caf\xe9";
	p.body_len = 11;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_BAD_BODY);

	/* 998 octets a line pass; 999 are refused, or wrapped. */
	memset(line, 'a', sizeof(line));
	line[0] = '\n';
	p.body = line;
	p.body_len = 999;
	m = build(&p);
	mx_msg_free(m);
	p.body_len = 1000;
	assert_int_equal(mx_msg_new(&p, &m, &d), MX_MSG_LINE_TOO_LONG);
	assert_non_null(strstr(d.text, "line 2"));
	p.long_lines = MX_MSG_LONG_WRAP;
	p.body_len = sizeof(line);
	m = build(&p);
	assert_int_equal(m->wrapped, 2); /* 2599 octets: 998 + 998 + 603 */
	mx_msg_free(m);
	/* Never inside a UTF-8 sequence: 997 + a 2-octet character. */
	memset(line, 'a', 997);
	memcpy(line + 997, "\xc3\xa9", 2);
	p.body = line;
	p.body_len = 999;
	m = build(&p);
	assert_int_equal(m->wrapped, 1);
	assert_memory_equal(m->data + m->len - 7, "a\r\n\xc3\xa9\r\n", 7);
	mx_msg_free(m);
}

/* Exactly pad_to_size octets, one more when exactly one is missing. */
static void test_padding(void **state)
{
	struct mx_msg_params p;
	struct mx_msg *m;
	uint8_t seed = 0;
	size_t base, want;

	(void)state;
	base_params(&p, &seed);
	m = build(&p);
	base = m->len;
	mx_msg_free(m);
	for (want = base - 10; want < base + 300; want++) {
		seed = 0;
		p.pad_to_size = want;
		m = build(&p);
		if (want <= base)
			assert_int_equal(m->len, base);
		else if (want == base + 1)
			assert_int_equal(m->len, base + 2);
		else
			assert_int_equal(m->len, want);
		assert_int_equal(m->padding, m->len - base);
		assert_lines(m->data, m->len, 78);
		mx_msg_free(m);
	}
	seed = 0;
	p.pad_to_size = 1000000;
	m = build(&p);
	assert_int_equal(m->len, 1000000);
	mx_msg_free(m);
}

/* Message -> DATA payload -> DATA reader gives the message back. */
static void test_data_round_trip(void **state)
{
	struct mx_msg_params p;
	struct mx_msg *m;
	struct mx_buf wire, back;
	struct mx_smtp_data_reader r;
	struct mx_data_stats st;
	uint8_t seed = 0;
	size_t used;

	(void)state;
	base_params(&p, &seed);
	p.body = (const uint8_t *)".\n..\n.x\r\nend";
	p.body_len = 12;
	p.pad_to_size = 5000;
	m = build(&p);
	mx_buf_init(&wire, 0);
	assert_int_equal(mx_smtp_dot_stuff(m->data, m->len, 0, &wire, &st),
			 MX_DATA_OK);
	assert_int_equal(st.octets, m->len); /* the RFC 1870 SIZE */
	assert_int_equal(st.stuffed, 3);
	mx_buf_init(&back, 0);
	mx_smtp_data_reader_init(&r, 0, 0);
	assert_int_equal(mx_smtp_data_feed(&r, wire.p, wire.len, &used, &back),
			 MX_DATA_OK);
	assert_int_equal(used, wire.len);
	assert_int_equal(back.len, m->len);
	assert_memory_equal(back.p, m->data, m->len);
	mx_buf_free(&wire);
	mx_buf_free(&back);
	mx_msg_free(m);
}

static void test_random_os(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(mx_relay_random_os(NULL, a, sizeof(a)), 1);
	assert_int_equal(mx_relay_random_os(NULL, b, sizeof(b)), 1);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void test_default_host(void **state)
{
	struct mx_msg_params p;
	struct mx_msg *m;
	uint8_t seed = 0;

	(void)state;
	base_params(&p, &seed);
	p.hostname = NULL;
	m = build(&p);
	assert_non_null(strstr(m->message_id, "@mxprobe.invalid>"));
	assert_non_null(strstr((char *)m->data, "Subject: mxprobe test "));
	mx_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_parse_back),
		cmocka_unit_test(test_subject_utf8),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_utf8_needs),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_data_round_trip),
		cmocka_unit_test(test_random_os),
		cmocka_unit_test(test_default_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
