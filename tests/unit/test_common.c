/*
 * test_common.c - cursor, buffer, escaping, trace parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/cursor.h"
#include "common/escape.h"
#include "common/log.h"

static void test_cursor_reads(void **state)
{
	static const uint8_t d[] = {1,	  0x02, 0x03, 0x04, 0x05,
				    0x06, 0x07, 0x08, 0x09, 0x0a};
	struct mx_cur c;

	(void)state;
	mx_cur_init(&c, d, sizeof(d));
	assert_int_equal(mx_cur_u8(&c), 1);
	assert_int_equal(mx_cur_u16(&c), 0x0203);
	assert_int_equal(mx_cur_u24(&c), 0x040506);
	assert_int_equal(mx_cur_u32(&c), 0x0708090a);
	assert_true(mx_cur_ok(&c));
	assert_true(mx_cur_done(&c));
	/* One more read is truncation, sticky, and yields zero. */
	assert_int_equal(mx_cur_u8(&c), 0);
	assert_int_equal(c.err, MX_CUR_TRUNCATED);
	assert_int_equal(mx_cur_left(&c), 0);
}

/* A length prefix that claims more than remains, at every length. */
static void test_cursor_hostile_lengths(void **state)
{
	uint8_t d[300];
	size_t len;

	(void)state;
	memset(d, 0xab, sizeof(d));
	for (len = 0; len < sizeof(d); len++) {
		struct mx_cur c, sub;

		d[0] = 0x01;
		d[1] = 0x00; /* claims 256 bytes */
		mx_cur_init(&c, d, len);
		mx_cur_sub16(&c, &sub);
		if (len >= 2 + 256) {
			assert_true(mx_cur_ok(&c));
			assert_int_equal(mx_cur_left(&sub), 256);
		} else {
			assert_false(mx_cur_ok(&c));
			assert_int_equal(mx_cur_left(&sub), 0);
			assert_null(mx_cur_bytes(&sub, 1));
		}
	}
}

static void test_cursor_trailing(void **state)
{
	static const uint8_t d[] = {2, 'a', 'b', 'c'};
	struct mx_cur c, sub;

	(void)state;
	mx_cur_init(&c, d, sizeof(d));
	mx_cur_sub8(&c, &sub);
	assert_int_equal(mx_cur_u8(&sub), 'a');
	assert_false(mx_cur_done(&sub)); /* one byte left in the block */
	assert_int_equal(sub.err, MX_CUR_TRAILING);
	mx_cur_join(&c, &sub);
	assert_false(mx_cur_ok(&c));
	assert_string_equal(mx_cur_strerror(c.err), "trailing bytes");
}

static void test_buf_blocks(void **state)
{
	struct mx_buf b;
	size_t m1, m2;
	static const uint8_t want[] = {0x00, 0x05, 0x01, 0x00,
				       0x02, 0xaa, 0xbb};

	(void)state;
	mx_buf_init(&b, 0);
	m1 = mx_buf_block_open(&b, 2);
	mx_buf_push_u8(&b, 1);
	m2 = mx_buf_block_open(&b, 2);
	mx_buf_push_u16(&b, 0xaabb);
	mx_buf_block_close(&b, m2, 2);
	mx_buf_block_close(&b, m1, 2);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.p, want, sizeof(want));
	mx_buf_free(&b);
}

static void test_buf_cap(void **state)
{
	struct mx_buf b;
	size_t m;
	int i;

	(void)state;
	mx_buf_init(&b, 10);
	assert_true(mx_buf_push(&b, "0123456789", 10));
	assert_false(mx_buf_push_u8(&b, 'x'));
	assert_int_equal(b.err, 1);
	assert_int_equal(b.len, 10);
	mx_buf_free(&b);

	/* A 1-byte length cannot hold 256 bytes of body. */
	mx_buf_init(&b, 0);
	m = mx_buf_block_open(&b, 1);
	for (i = 0; i < 256; i++)
		mx_buf_push_u8(&b, 0);
	mx_buf_block_close(&b, m, 1);
	assert_int_equal(b.err, 1);
	mx_buf_free(&b);
}

static void test_buf_printf_consume(void **state)
{
	struct mx_buf b;

	(void)state;
	mx_buf_init(&b, 0);
	mx_buf_printf(&b, "%s %d", "EHLO", 42);
	assert_string_equal((char *)b.p, "EHLO 42");
	mx_buf_consume(&b, 5);
	assert_string_equal((char *)b.p, "42");
	mx_buf_consume(&b, 99);
	assert_int_equal(b.len, 0);
	mx_buf_free(&b);
}

static void test_escape(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{"220 mx ESMTP", 12, "220 mx ESMTP"},
		{"\x1b[2Jhi", 6, "\\x1b[2Jhi"},
		{"a\\b", 3, "a\\\\b"},
		{"x\r\n", 3, "x\\r\\n"},
		{"\0\xff", 2, "\\x00\\xff"},
		{"\t", 1, "\\t"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = mx_escape(cases[i].in, cases[i].len, 0);
		assert_string_equal(s, cases[i].out);
		assert_true(mx_is_clean(s) || strchr(s, '\\') != NULL);
		free(s);
	}
}

static void test_escape_cap(void **state)
{
	char *s;

	(void)state;
	s = mx_escape("abcdefghij", 10, 4);
	assert_string_equal(s, "abcd...");
	free(s);
	s = mx_escape_str(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_trace_parse(void **state)
{
	unsigned bits;

	(void)state;
	assert_int_equal(mx_log_parse_trace("smtp,tls", &bits), 0);
	assert_int_equal(bits, MX_TRACE_SMTP | MX_TRACE_TLS);
	assert_int_equal(mx_log_parse_trace("all", &bits), 0);
	assert_int_equal(bits, MX_TRACE_ALL);
	assert_int_equal(mx_log_parse_trace("smtp,bogus", &bits), -1);
}

static void test_deadlines(void **state)
{
	(void)state;
	assert_int_equal(mx_deadline_left(0, 100), -1);
	assert_int_equal(mx_deadline_left(150, 100), 50);
	assert_int_equal(mx_deadline_left(50, 100), 0);
	assert_int_equal(mx_deadline_min(0, 7), 7);
	assert_int_equal(mx_deadline_min(9, 7), 7);
	assert_true(mx_now_ms() > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_reads),
		cmocka_unit_test(test_cursor_hostile_lengths),
		cmocka_unit_test(test_cursor_trailing),
		cmocka_unit_test(test_buf_blocks),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_printf_consume),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cap),
		cmocka_unit_test(test_trace_parse),
		cmocka_unit_test(test_deadlines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
