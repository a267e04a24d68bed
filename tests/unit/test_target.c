/*
 * test_target.c - target parsing (probe/target.c): the accepted forms,
 * the TLS mode each implies, and a table of hostile and malformed specs,
 * each rejected with its own reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/result.h"
#include "probe/target.h"

static const char L63[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaa";

struct ok_case {
	const char *spec;
	enum mx_target_kind kind;
	const char *name;
	uint16_t port;
	enum mx_tls_mode mode;
};

static const struct ok_case ok_cases[] = {
	{"lab.test", MX_TARGET_DOMAIN, "lab.test", 25, MX_MODE_STARTTLS},
	{"Lab.TEST.", MX_TARGET_DOMAIN, "lab.test", 25, MX_MODE_STARTTLS},
	{"localhost", MX_TARGET_DOMAIN, "localhost", 25, MX_MODE_STARTTLS},
	{"_dmarc.example.org", MX_TARGET_DOMAIN, "_dmarc.example.org", 25,
	 MX_MODE_STARTTLS},
	{"xn--bcher-kva.example", MX_TARGET_DOMAIN, "xn--bcher-kva.example", 25,
	 MX_MODE_STARTTLS},
	{"1.example", MX_TARGET_DOMAIN, "1.example", 25, MX_MODE_STARTTLS},
	{"mx1.lab.test:2587", MX_TARGET_HOST, "mx1.lab.test", 2587,
	 MX_MODE_STARTTLS},
	{"MX1.lab.test.:25", MX_TARGET_HOST, "mx1.lab.test", 25,
	 MX_MODE_STARTTLS},
	{"smtp.lab.test:587", MX_TARGET_HOST, "smtp.lab.test", 587,
	 MX_MODE_STARTTLS},
	/* no server speaks STARTTLS on 465/2465: implicit TLS */
	{"smtp.lab.test:465", MX_TARGET_HOST, "smtp.lab.test", 465,
	 MX_MODE_IMPLICIT},
	{"smtp.lab.test:2465", MX_TARGET_HOST, "smtp.lab.test", 2465,
	 MX_MODE_IMPLICIT},
	{"127.0.0.37:2465", MX_TARGET_HOST, "127.0.0.37", 2465,
	 MX_MODE_IMPLICIT},
	{"smtp://mx1.lab.test", MX_TARGET_HOST, "mx1.lab.test", 25,
	 MX_MODE_STARTTLS},
	{"SMTP://mx1.lab.test:2525", MX_TARGET_HOST, "mx1.lab.test", 2525,
	 MX_MODE_STARTTLS},
	{"submission://smtp.lab.test", MX_TARGET_HOST, "smtp.lab.test", 587,
	 MX_MODE_STARTTLS},
	{"submission://smtp.lab.test:2587", MX_TARGET_HOST, "smtp.lab.test",
	 2587, MX_MODE_STARTTLS},
	{"smtps://smtp.lab.test", MX_TARGET_HOST, "smtp.lab.test", 465,
	 MX_MODE_IMPLICIT},
	{"smtps://smtp.lab.test:2465", MX_TARGET_HOST, "smtp.lab.test", 2465,
	 MX_MODE_IMPLICIT},
	/* an explicit scheme is obeyed, even on 465 */
	{"smtp://smtp.lab.test:465", MX_TARGET_HOST, "smtp.lab.test", 465,
	 MX_MODE_STARTTLS},
	{"smtps://[::1]:2465", MX_TARGET_HOST, "::1", 2465, MX_MODE_IMPLICIT},
	{"smtp://127.0.0.31", MX_TARGET_HOST, "127.0.0.31", 25,
	 MX_MODE_STARTTLS},
	{"127.0.0.31", MX_TARGET_HOST, "127.0.0.31", 25, MX_MODE_STARTTLS},
	{"127.0.0.31:25", MX_TARGET_HOST, "127.0.0.31", 25, MX_MODE_STARTTLS},
	{"[::1]:25", MX_TARGET_HOST, "::1", 25, MX_MODE_STARTTLS},
	{"[::1]", MX_TARGET_HOST, "::1", 25, MX_MODE_STARTTLS},
	{"::1", MX_TARGET_HOST, "::1", 25, MX_MODE_STARTTLS},
	{"2001:DB8::1", MX_TARGET_HOST, "2001:db8::1", 25, MX_MODE_STARTTLS},
	{"[2001:db8::25]:65535", MX_TARGET_HOST, "2001:db8::25", 65535,
	 MX_MODE_STARTTLS},
	{"::ffff:127.0.0.1", MX_TARGET_HOST, "::ffff:127.0.0.1", 25,
	 MX_MODE_STARTTLS},
	{"host:1", MX_TARGET_HOST, "host", 1, MX_MODE_STARTTLS},
	{"host:00025", MX_TARGET_HOST, "host", 25, MX_MODE_STARTTLS},
	/* IDN (RFC 5891): the A-label is looked up, spec keeps the U-label */
	{"b\xc3\xbc"
	 "cher.example",
	 MX_TARGET_DOMAIN, "xn--bcher-kva.example", 25, MX_MODE_STARTTLS},
	{"smtps://B\xc3\x9c"
	 "CHER.example:2465",
	 MX_TARGET_HOST, "xn--bcher-kva.example", 2465, MX_MODE_IMPLICIT},
	{"m\xc3\xbc"
	 "nchen.example:465",
	 MX_TARGET_HOST, "xn--mnchen-3ya.example", 465, MX_MODE_IMPLICIT},
};

struct bad_case {
	const char *spec;
	const char *reason; /* a substring of the one-line reason */
};

static const struct bad_case bad_cases[] = {
	{"", "empty target"},
	{"http://example.org", "unknown scheme"},
	{"HTTPS://example.org", "unknown scheme"},
	{"://example.org", "unknown scheme"},
	{"smtp://", "empty host"},
	{"smtp://:25", "empty host"},
	{":25", "empty host"},
	{"smtp://user@mx.example", "user-info"},
	{"smtp://user:pw@mx.example:25", "user-info"},
	{"smtp://mx.example/", "path"},
	{"smtp://mx.example/inbox", "path"},
	{"smtp://mx.example?x=1", "path, query"},
	{"postmaster@example.org", "mail address"},
	{"example.org/x", "a URL needs"},
	{"host:0", "bad port"},
	{"host:65536", "bad port"},
	{"host:99999", "bad port"},
	{"host:123456", "bad port"},
	{"host:", "bad port"},
	{"host:2x", "bad port"},
	{"host:-25", "bad port"},
	{"host:+25", "bad port"},
	{"[::1]:0", "bad port"},
	{"[::1]:", "bad port"},
	{"[::1]x", "after ']'"},
	{"[::1", "unbalanced '['"},
	{"[[::1]]:25", "unbalanced '['"},
	{"::1]:25", "unbalanced ']'"},
	{"host]", "unbalanced ']'"},
	{"[]:25", "empty host"},
	{"[127.0.0.1]:25", "brackets must hold an IPv6"},
	{"[mx.example]", "brackets must hold an IPv6"},
	{"smtp://::1", "bad IPv6"},
	{"::1:25:x", "bad IPv6"},
	{"fe80::1%eth0", "bad IPv6"},
	{"a:b:c", "bad IPv6"},
	{".", "empty host name"},
	{"..", "empty label"},
	{".example.org", "empty label"},
	{"example..org", "empty label"},
	{"example.org..", "empty label"},
	{"-bad.example", "'-'"},
	{"bad-.example", "'-'"},
	{"exa$mple.org", "bad character in host name"},
	{"exa*mple.org", "bad character in host name"},
	{"exa mple.org", "bad character in target"},
	{" example.org", "bad character in target"},
	{"example.org\t", "bad character in target"},
	{"ex\x1b[2Jample.org", "bad character in target"},
	/* IDN: bad UTF-8, non-ASCII outside the host name */
	{"b\xff"
	 "cher.example",
	 "not a valid internationalized domain name"},
	{"mx.example:2\xc3\xa9"
	 "5",
	 "bad character in target"},
	{"smtp\xc3\xa9://mx.example", "bad character in target"},
	{"[\xc3\xbc::1]:25", "bad character in target"},
	{"b\xc3\xbc"
	 "cher..example",
	 "empty label"},
	{"999.1.1.1", "not an IPv4 address"},
	{"127.1", "not an IPv4 address"},
	{"1.2.3.4.5", "not an IPv4 address"},
	{"12345", "not an IPv4 address"},
};

static void test_ok_forms(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct mx_run *run = mx_run_new();
		struct mx_target *t = mx_run_add_target(run);
		char err[256] = "untouched";
		int rc = mx_target_parse(c->spec, t, err, sizeof(err));

		if (rc != 0)
			print_message("spec '%s': %s\n", c->spec, err);
		assert_int_equal(rc, 0);
		assert_string_equal(err, "");
		assert_string_equal(t->spec, c->spec);
		assert_string_equal(t->name, c->name);
		assert_int_equal(t->kind, c->kind);
		assert_int_equal(t->port, c->port);
		assert_int_equal(t->mode, c->mode);
		mx_run_free(run);
	}
}

static void test_bad_forms(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct mx_target t;
		char err[256] = "";
		int rc;

		memset(&t, 0, sizeof(t));
		rc = mx_target_parse(c->spec, &t, err, sizeof(err));
		if (rc == 0 || strstr(err, c->reason) == NULL)
			print_message("spec '%s': rc %d, reason '%s', want "
				      "'%s'\n",
				      c->spec, rc, err, c->reason);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, c->reason));
		/* one line, printable: user text in it is escaped */
		assert_null(strchr(err, '\n'));
		assert_null(strchr(err, '\x1b'));
		/* the target is untouched on failure */
		assert_null(t.spec);
		assert_null(t.name);
	}
}

static void test_null_spec(void **state)
{
	struct mx_target t;
	char err[64];

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(mx_target_parse(NULL, &t, err, sizeof(err)), -1);
	assert_string_equal(err, "empty target");
	/* a NULL / zero-length error buffer is allowed */
	assert_int_equal(mx_target_parse("", &t, NULL, 0), -1);
	assert_int_equal(mx_target_parse("host:0", &t, err, 0), -1);
}

/* RFC 1035 §2.3.4 limits, right at the edge and one past it. */
static void test_length_limits(void **state)
{
	char name[600], err[256];
	struct mx_target t;
	struct mx_run *run;
	size_t n;

	(void)state;
	/* a 63-byte label is fine, 64 is not */
	snprintf(name, sizeof(name), "%s.example", L63);
	run = mx_run_new();
	assert_int_equal(mx_target_parse(name, mx_run_add_target(run), err,
					 sizeof(err)),
			 0);
	mx_run_free(run);
	snprintf(name, sizeof(name), "a%s.example", L63);
	memset(&t, 0, sizeof(t));
	assert_int_equal(mx_target_parse(name, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "label longer than 63"));

	/* 253 bytes of name (4 x 63 labels = 255 with dots; trim) */
	snprintf(name, sizeof(name), "%s.%s.%s.%s", L63, L63, L63, L63);
	n = strlen(name);
	assert_int_equal(n, 255);
	name[253] = 0; /* ends in "aa": still a name */
	run = mx_run_new();
	assert_int_equal(mx_target_parse(name, mx_run_add_target(run), err,
					 sizeof(err)),
			 0);
	assert_int_equal(strlen(run->targets[0].name), 253);
	mx_run_free(run);
	/* with the trailing dot, 254 bytes are still 253 of name */
	name[253] = '.';
	name[254] = 0;
	run = mx_run_new();
	assert_int_equal(mx_target_parse(name, mx_run_add_target(run), err,
					 sizeof(err)),
			 0);
	assert_int_equal(strlen(run->targets[0].name), 253);
	mx_run_free(run);
	/* 254 bytes of name are too many */
	name[253] = 'a';
	memset(&t, 0, sizeof(t));
	assert_int_equal(mx_target_parse(name, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 253"));
}

/*
 * A sweep of hostile lengths: names, ports and bracket contents from 0 to
 * far past every limit, with and without a scheme.  Whatever the length,
 * the parser answers (no crash, no read past the end under ASan) and every
 * accepted name obeys the limits.
 */
static void test_hostile_lengths(void **state)
{
	static const char *const fmts[][2] = {
		{"", ""},      {"smtp://", ""},	   {"", ":25"},
		{"[", "]:25"}, {"smtps://[", "]"}, {"x:", ""},
		{"", "."},     {"smtp://", ":"},
	};
	static const char fill[] = "a.0:[]-_9";
	char body[2100], spec[2200], err[128];
	size_t len, f, k;

	(void)state;
	for (k = 0; k < sizeof(fill) - 1; k++) {
		for (len = 0; len < sizeof(body) - 1; len += 1 + len / 8) {
			size_t i;

			for (i = 0; i < len; i++)
				body[i] = (i % 3 == 2) ? fill[k] : 'a';
			body[len] = 0;
			for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
				struct mx_run *run = mx_run_new();
				struct mx_target *t = mx_run_add_target(run);
				int rc;

				snprintf(spec, sizeof(spec), "%s%s%s",
					 fmts[f][0], body, fmts[f][1]);
				rc = mx_target_parse(spec, t, err, sizeof(err));
				if (rc == 0) {
					assert_true(strlen(t->name) <= 253);
					assert_true(t->port >= 1);
					assert_true(strlen(spec) <= 1024);
				} else {
					assert_true(strlen(err) > 0);
					assert_null(t->name);
				}
				mx_run_free(run);
			}
		}
	}
	/* more than 1024 bytes is refused outright */
	memset(body, 'a', 1025);
	body[1025] = 0;
	assert_int_equal(mx_target_parse(body, &(struct mx_target){0}, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "longer than 1024"));
}

static void test_ip_literal(void **state)
{
	static const struct {
		const char *s;
		int yes;
	} cases[] = {
		{"127.0.0.1", 1},      {"::1", 1},	{"2001:db8::1", 1},
		{"::ffff:1.2.3.4", 1}, {"[::1]", 0},	{"127.1", 0},
		{"256.0.0.1", 0},      {"lab.test", 0}, {"", 0},
		{"1.2.3.4 ", 0},
	};
	size_t i;

	(void)state;
	assert_false(mx_is_ip_literal(NULL));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(mx_is_ip_literal(cases[i].s) != 0,
				 cases[i].yes);
}

/* The error buffer is filled but never overrun, however small. */
static void test_small_err_buffer(void **state)
{
	char err[8];
	struct mx_target t;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(err, 'x', sizeof(err));
	assert_int_equal(mx_target_parse("http://x", &t, err, 5), -1);
	assert_int_equal(err[4], 0);
	assert_int_equal(err[5], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_forms),
		cmocka_unit_test(test_bad_forms),
		cmocka_unit_test(test_null_spec),
		cmocka_unit_test(test_length_limits),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_ip_literal),
		cmocka_unit_test(test_small_err_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
