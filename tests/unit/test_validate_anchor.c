/*
 * test_validate_anchor.c - the trust anchor check (src/validate_anchor.c):
 * files libunbound takes are accepted with their anchor count; others
 * are refused with a reason that names the line; every prefix of a good
 * file and a sweep of hostile lengths are handled within bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/validate_anchor.h"

#define DIGEST                                                                 \
	"c5a426204f68368f8704ed8e678b26af895ff832bc738a530d7a8d145a6bc7ed"
#define KEY                                                                    \
	"fsAeCZR4NmTOrzyEq7jG/PIgHYb95ANUnUg0K/NWZ1NwM8c0Tg5h/0dOc2D5bz+4iGu"  \
	"er+ez7iXRP3joO9DLBw=="

struct good_case {
	const char *text;
	int anchors;
};

static const struct good_case good[] = {
	{"lab.test.\tIN\tDS\t20446 13 2 " DIGEST "\n", 1},
	{"lab.test. IN DS 20446 13 2 " DIGEST, 1}, /* no final newline */
	{"lab.test. 3600 IN DNSKEY 257 3 13 " KEY " ;{id = 20446}\n", 1},
	{"lab.test. IN 3600 DS 20446 13 2 " DIGEST "\n", 1},
	{"; comment only first\n\nlab.test. DS 20446 ECDSAP256SHA256 2 "
	 "c5a426204f68368f8704ed8e678b26af 895ff832bc738a530d7a8d145a6bc7ed\n",
	 1},
	{"$ORIGIN lab.test.\n$TTL 3600\n@ IN DNSKEY 257 3 13 (\n\t" KEY
	 " ) ; ksk\n\tIN DS 20446 13 2 " DIGEST "\r\n",
	 2},
	{"example. IN DS 1 8 1 0123456789abcdef0123456789abcdef01234567\n"
	 "example. IN DS 1 8 4 " DIGEST "0123456789abcdef0123456789abcdef\n",
	 2},
	{"; Schl\xc3\xbcssel (UTF-8 in a comment)\nx. IN DS 1 8 2 " DIGEST "\n",
	 1},
};

struct bad_case {
	const char *text;
	size_t len; /* NULs may be inside */
	const char *reason;
};

#define LIT(s) s, sizeof(s) - 1

static const struct bad_case bad[] = {
	{LIT(""), "holds no DS or DNSKEY record"},
	{LIT("\n\n; nothing\n"), "holds no DS or DNSKEY record"},
	{LIT("$ORIGIN lab.test.\n"), "holds no DS or DNSKEY record"},
	{LIT("hello\n"), "line 1: not a DS or DNSKEY record"},
	{LIT("\nx. IN A 127.0.0.1\n"), "line 2: a A record"},
	{LIT("x. IN TXT \"\x1b[2J\"\n"), "line 1: not text (byte \\x1b)"},
	{LIT("x. IN DS 1 8 2 c5a4\n"), "line 1: the DS digest"},
	{LIT("x. IN DS 1 8 2 " DIGEST "0\n"), "the DS digest"},
	{LIT("x. IN DS 1 8 1 " DIGEST "\n"), "the DS digest"},
	{LIT("x. IN DS 1 8 2 zz" DIGEST "\n"), "the DS digest"},
	{LIT("x. IN DS 65536 8 2 " DIGEST "\n"), "a DS record wants"},
	{LIT("x. IN DS 1 8\n"), "a DS record wants"},
	{LIT("x. IN DS 1 8 256 " DIGEST "\n"), "a DS record wants"},
	{LIT("x. IN DNSKEY 257 4 13 " KEY "\n"), "protocol 3"},
	{LIT("x. IN DNSKEY 257 3 13\n"), "protocol 3"},
	{LIT("x. IN DNSKEY 257 3 13 !!!\n"), "protocol 3"},
	{LIT("x. IN DNSKEY 257 3 13 ( " KEY "\n"), "line 1: unbalanced '('"},
	{LIT("x. IN DNSKEY 257 3 13 " KEY " )\n"), "unbalanced ')'"},
	{LIT("x. IN DS 1 8 2 " DIGEST "\n$INCLUDE /etc/passwd\n"),
	 "line 2: directive not understood"},
	{LIT("x. IN DS 1 8 2 \x00" DIGEST "\n"), "not text (byte \\x00)"},
	{LIT("x. IN DS 1 8 2 " DIGEST "\nb\xc3\xbc. IN DS 1 8 2 " DIGEST "\n"),
	 "line 2: not text (byte \\xc3)"},
};

static void test_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char why[256] = "";
		int n = mx_anchor_check(good[i].text, strlen(good[i].text), why,
					sizeof(why));

		if (n != good[i].anchors)
			print_message("good %zu: %d (%s)\n", i, n, why);
		assert_int_equal(n, good[i].anchors);
	}
}

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[256] = "";
		int n = mx_anchor_check(bad[i].text, bad[i].len, why,
					sizeof(why));

		if (n != -1 || strstr(why, bad[i].reason) == NULL)
			print_message("bad %zu: %d '%s', want '%s'\n", i, n,
				      why, bad[i].reason);
		assert_int_equal(n, -1);
		assert_non_null(strstr(why, bad[i].reason));
		assert_null(strchr(why, '\n'));
		assert_null(strchr(why, '\x1b'));
	}
}

/* Every prefix of a good file, from an exact-size heap copy (no NUL
 * after it): -1 or a count, never a read past the end. */
static void test_prefixes(void **state)
{
	const char *text = good[5].text;
	size_t len = strlen(text), n;

	(void)state;
	for (n = 0; n <= len; n++) {
		char *copy = malloc(n ? n : 1);
		char why[128];
		int r;

		assert_non_null(copy);
		memcpy(copy, text, n);
		r = mx_anchor_check(copy, n, why, sizeof(why));
		assert_true(r == -1 || r > 0);
		free(copy);
	}
}

/* Hostile lengths: a huge token, too many tokens, a tiny why buffer. */
static void test_hostile_lengths(void **state)
{
	static const size_t sizes[] = {0,   1,	 63,   64,   255,
				       256, 257, 4096, 65536};
	char why[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char *t = malloc(n + 64);
		size_t j, len;

		assert_non_null(t);
		/* one long owner name */
		memset(t, 'a', n);
		len = n + (size_t)snprintf(t + n, 64, " IN DS 1 8 2 00\n");
		assert_int_equal(mx_anchor_check(t, len, why, sizeof(why)), -1);
		/* n one-byte tokens in one record */
		for (j = 0; j + 1 < n; j += 2) {
			t[j] = 'x';
			t[j + 1] = ' ';
		}
		assert_int_equal(mx_anchor_check(t, j, why, sizeof(why)), -1);
		free(t);
	}
	/* a NULL or empty why buffer is allowed */
	assert_int_equal(mx_anchor_check("x", 1, NULL, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_hostile_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
