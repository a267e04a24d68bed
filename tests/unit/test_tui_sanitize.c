/*
 * test_tui_sanitize.c - the dashboard's output fence (tui/sanitize.h):
 * a table of hostile inputs (ESC[2J and OSC in a banner, raw and UTF-8
 * encoded C1 controls, overlong, truncated and surrogate UTF-8, code
 * points above U+10FFFF, zero-width and wide characters, column and
 * buffer limits) and a sweep of every single byte and 20,000 random
 * strings whose output must be printable, well-formed UTF-8 only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <locale.h>
#include <wchar.h>

#include "tui/sanitize.h"

static void test_sanitize_table(void **state)
{
	static const struct {
		const char *in;
		int utf8;
		size_t maxcols, outlen;
		const char *want;
		size_t cols;
	} t[] = {
		{"hello", 1, 0, 64, "hello", 5},
		{"a\x1b[2Jb", 1, 0, 64, "a?[2Jb", 6},
		{"\x1b]0;PWNED\x07", 1, 0, 64, "?]0;PWNED?", 10},
		{"x\x9b"
		 "31m",
		 1, 0, 64, "x?31m", 5},		 /* raw C1 CSI */
		{"\xc2\x9b", 1, 0, 64, "??", 2}, /* C1 CSI as UTF-8 */
		{"\xc2\x85", 1, 0, 64, "??", 2}, /* NEL */
		{"\xc0\xaf", 1, 0, 64, "??", 2}, /* overlong '/' */
		{"\xe0\x80\xaf", 1, 0, 64, "???", 3},
		{"\xf0\x80\x80\xaf", 1, 0, 64, "????", 4},
		{"\xed\xa0\x80", 1, 0, 64, "???", 3},	   /* surrogate */
		{"\xf4\x90\x80\x80", 1, 0, 64, "????", 4}, /* > U+10FFFF */
		{"\xe2\x82", 1, 0, 64, "??", 2},	   /* truncated */
		{"\xe2\x82x", 1, 0, 64, "??x", 3},
		{"\x80\xbf", 1, 0, 64, "??", 2}, /* stray continuations */
		{"\xff\xfe", 1, 0, 64, "??", 2},
		{"caf\xc3\xa9", 1, 0, 64, "caf\xc3\xa9", 4},
		{"caf\xc3\xa9", 0, 0, 64, "caf??", 5}, /* not a UTF-8 locale */
		{"\xe2\x80\x8b", 1, 0, 64, "???", 3},  /* zero width space */
		{"\xe6\xbc\xa2", 1, 0, 64, "\xe6\xbc\xa2", 2}, /* wide */
		{"\xe6\xbc\xa2", 1, 1, 64, "", 0},	       /* no room */
		{"a\tb", 1, 0, 64, "a b", 3},
		{"\x7f\x01\x1f", 1, 0, 64, "???", 3},
		{"abcdef", 1, 3, 64, "abc", 3},
		{"abcdef", 1, 0, 4, "abc", 3},
		{"\xc3\xa9\xc3\xa9", 1, 0, 4, "\xc3\xa9", 1}, /* no split */
		{"\x1b\x1b\x1b", 1, 2, 64, "??", 2},
		{"", 1, 0, 64, "", 0},
	};
	char out[64];
	size_t i, cols;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cols = mx_tui_sanitize(t[i].in, out, t[i].outlen, t[i].maxcols,
				       t[i].utf8);
		if (strcmp(out, t[i].want) != 0 || cols != t[i].cols)
			fail_msg("case %zu: got \"%s\" (%zu cols), want \"%s\" "
				 "(%zu)",
				 i, out, cols, t[i].want, t[i].cols);
	}
	cols = mx_tui_sanitize(NULL, out, sizeof(out), 0, 1);
	assert_string_equal(out, "");
	assert_int_equal(cols, 0);
}

/* What the sanitiser writes: printable ASCII or well-formed UTF-8 of
 * printable code points, nothing else. */
static void assert_clean(const char *s)
{
	mbstate_t st;
	size_t n, len = strlen(s);
	wchar_t wc;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		assert_true(n != (size_t)-1 && n != (size_t)-2 && n != 0);
		assert_false(wc < 0x20 || (wc >= 0x7f && wc <= 0x9f));
		assert_true(wcwidth(wc) > 0);
		s += n;
		len -= n;
	}
}

static void test_sanitize_sweep(void **state)
{
	char in[64], out[128];
	unsigned seed = 12345, b, i, k;

	(void)state;
	for (b = 1; b < 256; b++) { /* every single byte */
		in[0] = (char)b;
		in[1] = 0;
		mx_tui_sanitize(in, out, sizeof(out), 0, 1);
		assert_clean(out);
		/* alone, a byte is printable ASCII (kept), a tab (a space)
		 * or nothing valid (one '?') */
		assert_int_equal(strlen(out), 1);
		assert_int_equal((unsigned char)out[0], b == '\t' ? ' '
							: b >= 0x20 && b < 0x7f
								? b
								: '?');
	}
	for (i = 0; i < 20000; i++) { /* random strings, random lengths */
		size_t len = (seed = seed * 1103515245u + 12345u) % 40;

		for (k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = (char)((seed >> 16) % 255 + 1);
		}
		in[len] = 0;
		mx_tui_sanitize(in, out, 1 + (seed >> 8) % sizeof(out),
				(seed >> 4) % 50, 1);
		assert_clean(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_table),
		cmocka_unit_test(test_sanitize_sweep),
	};

	/* wcwidth() needs a UTF-8 locale */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "C.utf8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
