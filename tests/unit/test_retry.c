/*
 * test_retry.c - relay/retry: the retry schedule and durations.
 *
 * Table-driven schedules (suffixes, bounds, empty and doubled entries),
 * 32 entries and then 33, the delay after each attempt (the last
 * interval repeats), durations, and hostile input: every octet value as
 * a schedule, long digit runs, and the token in the error escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay/retry.h"

static void test_retry(void **state)
{
	static const struct {
		const char *s;
		int ok;
		size_t n;
		unsigned first, last;
	} cases[] = {
		{"60,300,900,3600", 1, 4, 60, 3600},
		{"1m,5m,15m,1h", 1, 4, 60, 3600},
		{"1", 1, 1, 1, 1},
		{"90s,2d", 1, 2, 90, 172800},
		{"7d", 1, 1, 604800, 604800},
		{"8d", 0, 0, 0, 0},
		{"604801", 0, 0, 0, 0},
		{"0", 0, 0, 0, 0},
		{"", 0, 0, 0, 0},
		{"1,", 0, 0, 0, 0},
		{",1", 0, 0, 0, 0},
		{"1,,2", 0, 0, 0, 0},
		{"1x", 0, 0, 0, 0},
		{"-1", 0, 0, 0, 0},
		{"m", 0, 0, 0, 0},
		{"1 m", 0, 0, 0, 0},
		{"9999999", 0, 0, 0, 0},
	};
	unsigned v[MX_RETRY_MAX];
	char err[200];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = mx_retry_parse(cases[i].s, v, MX_RETRY_MAX, &n, err,
				       sizeof(err));

		if ((r == 0) != cases[i].ok)
			fail_msg("\"%s\": %d (%s)", cases[i].s, r, err);
		if (r == 0) {
			assert_int_equal(n, cases[i].n);
			assert_int_equal(v[0], cases[i].first);
			assert_int_equal(v[n - 1], cases[i].last);
		}
	}
	/* 32 entries, then 33 */
	{
		char s[200] = "1";

		for (i = 1; i < MX_RETRY_MAX; i++)
			strncat(s, ",1", sizeof(s) - strlen(s) - 1);
		assert_int_equal(mx_retry_parse(s, v, MX_RETRY_MAX, &n, err,
						sizeof(err)),
				 0);
		assert_int_equal(n, MX_RETRY_MAX);
		strncat(s, ",1", sizeof(s) - strlen(s) - 1);
		assert_int_equal(mx_retry_parse(s, v, MX_RETRY_MAX, &n, err,
						sizeof(err)),
				 -1);
	}
	/* the schedule: the last interval repeats */
	assert_int_equal(mx_retry_parse("60,300,900", v, MX_RETRY_MAX, &n, err,
					sizeof(err)),
			 0);
	assert_int_equal(mx_retry_delay(v, n, 1), 60);
	assert_int_equal(mx_retry_delay(v, n, 2), 300);
	assert_int_equal(mx_retry_delay(v, n, 3), 900);
	assert_int_equal(mx_retry_delay(v, n, 4), 900);
	assert_int_equal(mx_retry_delay(v, n, 1000), 900);
	/* durations */
	{
		unsigned d;

		assert_int_equal(mx_duration_parse("5d", &d), 0);
		assert_int_equal(d, 5 * 86400);
		assert_int_equal(mx_duration_parse("3600", &d), 0);
		assert_int_equal(d, 3600);
		assert_int_equal(mx_duration_parse("366d", &d), -1);
		assert_int_equal(mx_duration_parse("0s", &d), -1);
		assert_int_equal(mx_duration_parse("h", &d), -1);
	}
}

/* Every octet as a one-character schedule and as a suffix: only digits
 * and the units s, m, h, d are taken; the error shows the token escaped. */
static void test_retry_octets(void **state)
{
	unsigned v[MX_RETRY_MAX], d;
	char s[4], err[200];
	size_t n;
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		int r;

		s[0] = (char)c;
		s[1] = 0;
		r = mx_retry_parse(s, v, MX_RETRY_MAX, &n, err, sizeof(err));
		assert_int_equal(r, c >= '1' && c <= '9' ? 0 : -1);
		if (r < 0)
			assert_null(strchr(err, 0x1b));
		s[0] = '5';
		s[1] = (char)c;
		s[2] = 0;
		r = mx_duration_parse(s, &d);
		if ((c >= '0' && c <= '9') || c == 's' || c == 'm' ||
		    c == 'h' || c == 'd')
			assert_int_equal(r, 0);
		else
			assert_int_equal(r, -1);
	}
	/* an escape sequence is shown escaped in the error */
	assert_int_equal(mx_retry_parse("60,\x1b[2J", v, MX_RETRY_MAX, &n, err,
					sizeof(err)),
			 -1);
	assert_null(strchr(err, 0x1b));
	assert_non_null(strstr(err, "\\x1b[2J"));
}

/* Digit runs of every length: more than 6 digits is never a number. */
static void test_retry_lengths(void **state)
{
	unsigned v[MX_RETRY_MAX], d;
	char s[40], err[200];
	size_t n, k;

	(void)state;
	for (k = 1; k < 30; k++) {
		memset(s, '1', k);
		s[k] = 0;
		assert_int_equal(mx_duration_parse(s, &d), k <= 6 ? 0 : -1);
		assert_int_equal(mx_retry_parse(s, v, MX_RETRY_MAX, &n, err,
						sizeof(err)),
				 k <= 6 ? 0 : -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_retry_octets),
		cmocka_unit_test(test_retry_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
