/*
 * test_cfgtok.c - relay/cfgtok: bounded decimal numbers and tokens shown
 * in configuration errors.
 *
 * Numbers: a table of bounds, every length 0..10 and every octet value
 * at every position; the output is untouched on failure.  Tokens:
 * control characters and escape sequences come out escaped, long tokens
 * capped, small buffers NUL-terminated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "relay/cfgtok.h"

static void test_uint_table(void **state)
{
	static const struct {
		const char *s;
		unsigned lo, hi;
		int ok;
		unsigned v;
	} cases[] = {
		{"0", 0, 10, 1, 0},
		{"10", 0, 10, 1, 10},
		{"11", 0, 10, 0, 0},
		{"0", 1, 10, 0, 0},
		{"007", 1, 10, 1, 7},
		{"999999", 0, 999999, 1, 999999},
		{"1000000", 0, 4000000, 0, 0}, /* 7 digits */
		{"", 0, 10, 0, 0},
		{"-1", 0, 10, 0, 0},
		{"+1", 0, 10, 0, 0},
		{" 1", 0, 10, 0, 0},
		{"1 ", 0, 10, 0, 0},
		{"0x1", 0, 10, 0, 0},
		{"65535", 1, 65535, 1, 65535},
		{"65536", 1, 65535, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned v = 12345678;
		int r = mx_cfg_uint(cases[i].s, strlen(cases[i].s), cases[i].lo,
				    cases[i].hi, &v);

		if ((r == 0) != cases[i].ok)
			fail_msg("\"%s\": %d", cases[i].s, r);
		assert_int_equal(v, cases[i].ok ? cases[i].v : 12345678);
	}
	/* n bounds what is read: "12" of "123" */
	{
		unsigned v = 0;

		assert_int_equal(mx_cfg_uint("123", 2, 0, 100, &v), 0);
		assert_int_equal(v, 12);
	}
}

static void test_uint_sweep(void **state)
{
	char s[16];
	size_t n, pos;
	int c;

	(void)state;
	for (n = 0; n <= 10; n++) {
		unsigned v = 0;

		memset(s, '9', n);
		s[n] = 0;
		assert_int_equal(mx_cfg_uint(s, n, 0, 999999, &v),
				 n >= 1 && n <= 6 ? 0 : -1);
	}
	for (pos = 0; pos < 3; pos++) {
		for (c = 0; c < 256; c++) {
			unsigned v = 0;

			memcpy(s, "123", 4);
			s[pos] = (char)c;
			assert_int_equal(mx_cfg_uint(s, 3, 0, 999, &v),
					 c >= '0' && c <= '9' ? 0 : -1);
		}
	}
}

static void test_show(void **state)
{
	char out[100], small[4], big[300];

	(void)state;
	mx_cfg_show(out, sizeof(out), "via=\x1b[2J", 8);
	assert_string_equal(out, "via=\\x1b[2J");
	mx_cfg_show(out, sizeof(out), "a\0b", 3); /* a NUL inside */
	assert_string_equal(out, "a\\x00b");
	mx_cfg_show(out, sizeof(out), "", 0);
	assert_string_equal(out, "");
	mx_cfg_show(small, sizeof(small), "abcdef", 6);
	assert_string_equal(small, "abc");
	/* long tokens are capped (and say so) */
	memset(big, 'x', sizeof(big));
	mx_cfg_show(out, sizeof(out), big, sizeof(big));
	assert_true(strlen(out) <= MX_CFG_SHOW_MAX + 3);
	assert_non_null(strstr(out, "..."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_table),
		cmocka_unit_test(test_uint_sweep),
		cmocka_unit_test(test_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
