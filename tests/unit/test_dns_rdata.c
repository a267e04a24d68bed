/*
 * test_dns_rdata.c - rdata decoding of probe/dns.c (mx_dns_rdata_decode),
 * no network: MX, A, AAAA, TLSA, TXT as libunbound hands them over, the
 * malformed forms (truncated, trailing bytes, compression pointers,
 * extended labels, over-long names, NUL in TXT), and a sweep of hostile
 * lengths.  The resolver side of probe/dns.c is tested against the lab in
 * test_dns.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/escape.h"
#include "probe/dns.h"

struct rcase {
	const char *what;
	int rrtype;
	const char *rdata; /* bytes */
	size_t len;
	int ok;
	const char *text; /* MX "pref name", A/AAAA address, TXT */
};

#define R(s) s, sizeof(s) - 1

static const struct rcase cases[] = {
	/* MX, RFC 1035 §3.3.9 */
	{"mx", 15, R("\x00\x0a\x03mx1\x03lab\x04test\x00"), 1,
	 "10 mx1.lab.test"},
	{"mx upper case", 15, R("\x01\x00\x03MX1\x03Lab\x04TEST\x00"), 1,
	 "256 mx1.lab.test"},
	{"null mx", 15, R("\x00\x00\x00"), 1, "0 "},
	{"mx underscore", 15, R("\xff\xff\x04_a-b\x00"), 1, "65535 _a-b"},
	{"mx odd bytes", 15,
	 R("\x00\x01\x04"
	   "a b.\x02\x1b\\\x00"),
	 1, "1 a\\x20b\\x2e.\\x1b\\x5c"},
	{"mx empty", 15, R(""), 0, NULL},
	{"mx half pref", 15, R("\x00"), 0, NULL},
	{"mx no name", 15, R("\x00\x0a"), 0, NULL},
	{"mx label past end", 15, R("\x00\x0a\x05mx1\x00"), 0, NULL},
	{"mx no root label", 15, R("\x00\x0a\x03mx1"), 0, NULL},
	{"mx trailing", 15, R("\x00\x0a\x03mx1\x00\x00"), 0, NULL},
	{"mx compression", 15, R("\x00\x0a\xc0\x0c"), 0, NULL},
	{"mx compression late", 15, R("\x00\x0a\x03mx1\xc0\x0c"), 0, NULL},
	{"mx ext label 01", 15,
	 R("\x00\x0a\x41"
	   "abc\x00"),
	 0, NULL},
	{"mx ext label 10", 15, R("\x00\x0a\x80\x00"), 0, NULL},
	/* A, RFC 1035 §3.4.1; AAAA, RFC 3596 §2.2 */
	{"a", 1, R("\x7f\x00\x00\x1f"), 1, "127.0.0.31"},
	{"a short", 1, R("\x7f\x00\x00"), 0, NULL},
	{"a long", 1, R("\x7f\x00\x00\x1f\x00"), 0, NULL},
	{"a empty", 1, R(""), 0, NULL},
	{"aaaa", 28, R("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"), 1, "::1"},
	{"aaaa v4 mapped", 28, R("\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01"), 1,
	 "::ffff:127.0.0.1"},
	{"aaaa short", 28, R("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01"), 0, NULL},
	{"aaaa long", 28, R("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01\0"), 0, NULL},
	/* TXT, RFC 1035 §3.3.14: strings concatenated (RFC 7208 §3.3) */
	{"txt", 16, R("\x0cv=STSv1; id="), 1, "v=STSv1; id="},
	{"txt split", 16, R("\x03v=S\x04TSv1\x00"), 1, "v=STSv1"},
	{"txt one empty string", 16, R("\x00"), 1, ""},
	{"txt empty rdata", 16, R(""), 0, NULL},
	{"txt string past end", 16,
	 R("\x05"
	   "abc"),
	 0, NULL},
	{"txt second past end", 16,
	 R("\x01"
	   "a\x02"
	   "b"),
	 0, NULL},
	{"txt nul", 16,
	 R("\x03"
	   "a\0b"),
	 0, NULL},
	/* TLSA, RFC 6698 §2.1 (text: "u s m len") */
	{"tlsa", 52, R("\x03\x01\x01\xaa\xbb"), 1, "3 1 1 2"},
	{"tlsa no data", 52, R("\x03\x01\x01"), 0, NULL},
	{"tlsa short", 52, R("\x03\x01"), 0, NULL},
	{"tlsa empty", 52, R(""), 0, NULL},
	/* types we do not decode */
	{"cname", 5, R("\x03mx1\x00"), 0, NULL},
	{"type 0", 0, R("\x00"), 0, NULL},
};

static void text_of(const struct mx_dns_answer *a, int rrtype, char *buf,
		    size_t len)
{
	switch (rrtype) {
	case 15:
		snprintf(buf, len, "%u %s", a->mx[0].pref, a->mx[0].name);
		break;
	case 1:
	case 28:
		snprintf(buf, len, "%s", a->addrs[0]);
		break;
	case 16:
		snprintf(buf, len, "%s", a->txt[0]);
		break;
	case 52:
		snprintf(buf, len, "%u %u %u %zu", a->tlsa[0].usage,
			 a->tlsa[0].selector, a->tlsa[0].mtype, a->tlsa[0].len);
		break;
	default:
		buf[0] = 0;
	}
}

static size_t count(const struct mx_dns_answer *a)
{
	return a->nmx + a->naddrs + a->ntlsa + a->ntxt;
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		struct mx_dns_answer a;
		char text[600];
		int ok = c->ok, rc;
		const char *want = c->text;

		memset(&a, 0, sizeof(a));
		rc = mx_dns_rdata_decode(&a, c->rrtype,
					 (const uint8_t *)c->rdata, c->len);
		if ((rc == 0) != ok)
			print_message("case '%s': rc %d\n", c->what, rc);
		assert_int_equal(rc == 0, ok);
		if (ok) {
			assert_int_equal(count(&a), 1);
			text_of(&a, c->rrtype, text, sizeof(text));
			if (strcmp(text, want) != 0)
				print_message("case '%s': '%s' want '%s'\n",
					      c->what, text, want);
			assert_string_equal(text, want);
		} else {
			assert_int_equal(count(&a), 0); /* ans unchanged */
		}
		mx_dns_answer_clear(&a);
		assert_int_equal(count(&a), 0);
	}
}

/* Several records accumulate; a bad one in between changes nothing. */
static void test_accumulate(void **state)
{
	static const uint8_t mx1[] = {0, 10, 3, 'm', 'x', '1', 0};
	static const uint8_t mx2[] = {0, 20, 3, 'm', 'x', '2', 0};
	static const uint8_t bad[] = {0, 30, 0xc0, 0x0c};
	static const uint8_t tlsa[] = {3, 1, 1, 1, 2, 3};
	struct mx_dns_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(mx_dns_rdata_decode(&a, 15, mx1, sizeof(mx1)), 0);
	assert_int_equal(mx_dns_rdata_decode(&a, 15, bad, sizeof(bad)), -1);
	assert_int_equal(mx_dns_rdata_decode(&a, 15, mx2, sizeof(mx2)), 0);
	assert_int_equal(a.nmx, 2);
	assert_string_equal(a.mx[0].name, "mx1");
	assert_string_equal(a.mx[1].name, "mx2");
	assert_int_equal(a.mx[1].pref, 20);
	assert_int_equal(mx_dns_rdata_decode(&a, 52, tlsa, sizeof(tlsa)), 0);
	assert_int_equal(a.ntlsa, 1);
	assert_memory_equal(a.tlsa[0].data, "\x01\x02\x03", 3);
	assert_int_equal(mx_dns_rdata_decode(&a, 1, NULL, 4), -1);
	assert_int_equal(mx_dns_rdata_decode(&a, 16, NULL, 0), -1);
	mx_dns_answer_clear(&a);
}

/* RFC 1035 §3.1: a name is at most 255 octets on the wire. */
static void test_name_limit(void **state)
{
	uint8_t rd[2 + 400];
	size_t len, labels[] = {63, 63, 63, 61}, i;
	struct mx_dns_answer a;

	(void)state;
	/* 3 x (1 + 63) + (1 + 61) + 1 = 255: accepted */
	len = 0;
	rd[len++] = 0;
	rd[len++] = 5;
	for (i = 0; i < 4; i++) {
		rd[len++] = (uint8_t)labels[i];
		memset(rd + len, 'a', labels[i]);
		len += labels[i];
	}
	rd[len++] = 0;
	memset(&a, 0, sizeof(a));
	assert_int_equal(mx_dns_rdata_decode(&a, 15, rd, len), 0);
	assert_int_equal(strlen(a.mx[0].name), 253);
	mx_dns_answer_clear(&a);
	/* one more octet in the last label: 256, refused */
	len = 2 + 3 * 64;
	rd[len++] = 62;
	memset(rd + len, 'a', 62);
	len += 62;
	rd[len++] = 0;
	assert_int_equal(mx_dns_rdata_decode(&a, 15, rd, len), -1);
	assert_int_equal(a.nmx, 0);
}

/*
 * Hostile lengths: every prefix of a valid record, and long runs of
 * pattern bytes, for every type.  Whatever the input, decoding answers
 * without reading past the end (ASan), and a decoded name is clean text
 * or carries its odd bytes escaped.
 */
static void test_hostile_lengths(void **state)
{
	static const int types[] = {15, 1, 28, 16, 52, 99};
	static const uint8_t mx[] = {0,	  10,  3, 'm', 'x', '1', 3,   'l',
				     'a', 'b', 4, 't', 'e', 's', 't', 0};
	uint8_t buf[1200];
	size_t t, len, k;

	(void)state;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		/* prefixes of a good MX: only the full one decodes as MX */
		for (len = 0; len <= sizeof(mx); len++) {
			struct mx_dns_answer a;
			uint8_t *copy = malloc(len ? len : 1);
			int rc;

			memcpy(copy, mx, len);
			memset(&a, 0, sizeof(a));
			rc = mx_dns_rdata_decode(&a, types[t], copy, len);
			if (types[t] == 15)
				assert_int_equal(rc == 0, len == sizeof(mx));
			mx_dns_answer_clear(&a);
			free(copy);
		}
		/* pattern fills: lengths claiming more than there is */
		for (k = 0; k < 4; k++) {
			for (len = 0; len < sizeof(buf); len += 1 + len / 4) {
				static const uint8_t fill[] = {0x3f, 0xff, 0x01,
							       0xc0};
				struct mx_dns_answer a;
				uint8_t *copy = malloc(len ? len : 1);
				size_t i;

				for (i = 0; i < len; i++)
					copy[i] = (i % 5 == 4) ? 'x' : fill[k];
				memset(&a, 0, sizeof(a));
				(void)mx_dns_rdata_decode(&a, types[t], copy,
							  len);
				for (i = 0; i < a.nmx; i++)
					assert_true(mx_is_clean(a.mx[i].name) ||
						    strchr(a.mx[i].name, '\\'));
				mx_dns_answer_clear(&a);
				free(copy);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_accumulate),
		cmocka_unit_test(test_name_limit),
		cmocka_unit_test(test_hostile_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
