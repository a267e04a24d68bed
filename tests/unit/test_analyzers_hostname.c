/*
 * test_analyzers_hostname.c - RFC 6125 host name matching (hostname.c):
 * pattern table, SAN-versus-CN precedence, IP references, and a sweep
 * of hostile lengths and bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/hostname.h"

static void test_pattern_table(void **state)
{
	static const struct {
		const char *pattern, *ref;
		int want;
	} cases[] = {
		/* exact, case-insensitive (RFC 6125 section 6.4.1) */
		{"mx1.lab.test", "mx1.lab.test", 1},
		{"MX1.Lab.TEST", "mx1.lab.test", 1},
		{"mx1.lab.test", "MX1.LAB.TEST", 1},
		{"mx1.lab.test", "mx2.lab.test", 0},
		{"mx1.lab.test", "mx1.lab.tes", 0},
		{"mx1.lab.test", "x1.lab.test", 0},
		{"mx1.lab.test", "mx1.lab.test.evil", 0},
		/* trailing dots on either side */
		{"mx1.lab.test.", "mx1.lab.test", 1},
		{"mx1.lab.test", "mx1.lab.test.", 1},
		{"mx1.lab.test.", "mx1.lab.test.", 1},
		{"mx1.lab.test..", "mx1.lab.test", 0},
		{"mx1.lab.test", "mx1.lab.test..", 0},
		/* wildcard: complete left-most label only (section 6.4.3) */
		{"*.lab.test", "mx1.lab.test", 1},
		{"*.LAB.test", "Mx1.lab.TEST", 1},
		{"*.lab.test", "lab.test", 0},
		{"*.lab.test", "a.b.lab.test", 0},
		{"*.lab.test", ".lab.test", 0},
		{"*.lab.test", "mx1.lab.test.", 1},
		{"*.lab.test.", "mx1.lab.test", 1},
		{"f*.lab.test", "foo.lab.test", 0},
		{"*o.lab.test", "foo.lab.test", 0},
		{"f*o.lab.test", "foo.lab.test", 0},
		{"*.*.test", "a.lab.test", 0},
		{"a.*.test", "a.lab.test", 0},
		{"*.test", "lab.test", 0},
		{"*", "test", 0},
		{"*.", "test", 0},
		{"**.lab.test", "mx1.lab.test", 0},
		{"*.lab.*", "mx1.lab.test", 0},
		/* IDNA A-labels: never a partial wildcard */
		{"xn--*.lab.test", "xn--bcher-kva.lab.test", 0},
		{"*.lab.test", "xn--bcher-kva.lab.test", 1},
		{"*.xn--bcher-kva.test", "mx.xn--bcher-kva.test", 1},
		{"xn--bcher-kva.lab.test", "XN--BCHER-KVA.lab.test", 1},
		/* a reference is never a pattern */
		{"*.lab.test", "*.lab.test", 0},
		{"mx1.lab.test", "*.lab.test", 0},
		/* empty labels and empty names */
		{"", "mx1.lab.test", 0},
		{"mx1.lab.test", "", 0},
		{".", ".", 0},
		{"mx1..test", "mx1..test", 0},
		{".mx1.test", ".mx1.test", 0},
		/* an escaped NUL in a CN is text, not an end of string */
		{"mx1.lab.test\\x00.evil", "mx1.lab.test", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = mx_name_match_pattern(cases[i].pattern, cases[i].ref);

		if (got != cases[i].want)
			fail_msg("case %zu: '%s' vs '%s': got %d want %d", i,
				 cases[i].pattern, cases[i].ref, got,
				 cases[i].want);
	}
	assert_false(mx_name_match_pattern(NULL, "a.b"));
	assert_false(mx_name_match_pattern("a.b", NULL));
}

static void test_is_ip(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{"127.0.0.31", 1},
		{"::1", 1},
		{"[::1]", 1},
		{"2001:db8::25", 1},
		{"[2001:db8::25]", 1},
		{"1.2.3", 0},
		{"1.2.3.4.5", 0},
		{"256.1.1.1", 0},
		{"mx1.lab.test", 0},
		{"", 0},
		{"[]", 0},
		{"[127.0.0.1", 0},
		{"fe80::1%eth0", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (mx_name_is_ip(cases[i].s) != cases[i].want)
			fail_msg("is_ip '%s' want %d", cases[i].s,
				 cases[i].want);
	assert_false(mx_name_is_ip(NULL));
}

/* A certificate from NULL-terminated string lists (borrowed). */
static void fake(struct mx_cert *c, const char *cn, char **dns, char **ip)
{
	memset(c, 0, sizeof(*c));
	c->cn = (char *)cn;
	c->san_dns = dns;
	while (dns && dns[c->nsan_dns])
		c->nsan_dns++;
	c->san_ip = ip;
	while (ip && ip[c->nsan_ip])
		c->nsan_ip++;
}

static void test_cert_san_over_cn(void **state)
{
	char *dns[] = {"mx.example.test", "*.lab.test", NULL};
	char *ip[] = {"127.0.0.31", "::1", NULL};
	struct mx_cert c;

	(void)state;
	/* With dNSName SANs the CN is never consulted. */
	fake(&c, "cn-only.lab2.test", dns, NULL);
	assert_true(mx_cert_matches_name(&c, "mx.example.test"));
	assert_true(mx_cert_matches_name(&c, "mx1.lab.test"));
	assert_false(mx_cert_matches_name(&c, "cn-only.lab2.test"));
	assert_false(mx_cert_matches_name(&c, "lab.test"));

	/* Without any dNSName SAN the CN counts (even with IP SANs). */
	fake(&c, "mx1.lab.test", NULL, ip);
	assert_true(mx_cert_matches_name(&c, "mx1.lab.test"));
	assert_true(mx_cert_matches_name(&c, "MX1.lab.test."));
	assert_false(mx_cert_matches_name(&c, "mx2.lab.test"));

	/* A wildcard CN follows the same rules. */
	fake(&c, "*.lab.test", NULL, NULL);
	assert_true(mx_cert_matches_name(&c, "mx9.lab.test"));
	assert_false(mx_cert_matches_name(&c, "lab.test"));

	/* Neither SAN nor CN: nothing matches. */
	fake(&c, "", NULL, NULL);
	assert_false(mx_cert_matches_name(&c, "mx1.lab.test"));
	fake(&c, NULL, NULL, NULL);
	assert_false(mx_cert_matches_name(&c, "mx1.lab.test"));
	assert_false(mx_cert_matches_name(NULL, "mx1.lab.test"));
	assert_false(mx_cert_matches_name(&c, NULL));
}

static void test_cert_ip_reference(void **state)
{
	char *dns[] = {"127.0.0.32", "mx1.lab.test", NULL};
	char *ip[] = {"127.0.0.31", "2001:db8:0:0::25", NULL};
	struct mx_cert c;

	(void)state;
	fake(&c, "127.0.0.33", dns, ip);
	assert_true(mx_cert_matches_name(&c, "127.0.0.31"));
	/* binary comparison: another spelling of the same IPv6 address */
	assert_true(mx_cert_matches_name(&c, "2001:db8::25"));
	assert_true(mx_cert_matches_name(&c, "[2001:db8::25]"));
	/* an address never matches a dNSName or the CN */
	assert_false(mx_cert_matches_name(&c, "127.0.0.32"));
	assert_false(mx_cert_matches_name(&c, "127.0.0.33"));
	/* families do not mix: ::ffff:127.0.0.31 is not 127.0.0.31 */
	assert_false(mx_cert_matches_name(&c, "::ffff:127.0.0.31"));
	/* a DNS reference never matches an iPAddress SAN */
	fake(&c, NULL, NULL, ip);
	assert_false(mx_cert_matches_name(&c, "mx1.lab.test"));
	/* a garbled iPAddress SAN text matches nothing */
	{
		char *bad[] = {"not-an-address", NULL};

		fake(&c, NULL, NULL, bad);
		assert_false(mx_cert_matches_name(&c, "127.0.0.1"));
	}
}

/* Hostile lengths: names around and beyond the 253-octet limit (RFC
 * 1035 section 2.3.4), with and without the trailing dot, and every byte
 * value in the first label, must neither crash nor match wrongly. */
static void test_hostile_lengths(void **state)
{
	char a[600], b[600];
	size_t len;
	int ch;

	(void)state;
	for (len = 0; len < 520; len++) {
		int want = len >= 1 && len <= 253;

		memset(a, 'a', len);
		a[len] = '\0';
		assert_int_equal(mx_name_match_pattern(a, a), want);
		/* the same with a trailing dot (one octet more, same name) */
		memcpy(b, a, len);
		b[len] = '.';
		b[len + 1] = '\0';
		assert_int_equal(mx_name_match_pattern(b, a), want);
		assert_int_equal(mx_name_match_pattern(a, b), want);
		/* "*." + a: a wildcard over a single-label tail never
		 * matches; over "a.x" it is fine while within the limit. */
		b[0] = '*';
		b[1] = '.';
		memcpy(b + 2, a, len + 1);
		assert_false(mx_name_match_pattern(b, "x.aaaa"));
		if (len >= 1 && len + 2 <= 253) {
			a[len / 2] = '.';
			if (len >= 3 && len / 2 != 0 && len / 2 != len - 1) {
				memcpy(b + 2, a, len + 1);
				char r[600];

				r[0] = 'q';
				r[1] = '.';
				memcpy(r + 2, a, len + 1);
				assert_true(mx_name_match_pattern(b, r));
			}
		}
	}
	for (ch = 1; ch < 256; ch++) {
		char r[32];

		snprintf(r, sizeof(r), "%c.lab.test", ch);
		assert_int_equal(mx_name_match_pattern(r, r),
				 ch != '.' && ch != '*');
		if (ch == '.' || ch == '*')
			assert_false(mx_name_match_pattern("*.lab.test", r));
		else
			assert_true(mx_name_match_pattern("*.lab.test", r));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_table),
		cmocka_unit_test(test_is_ip),
		cmocka_unit_test(test_cert_san_over_cn),
		cmocka_unit_test(test_cert_ip_reference),
		cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
