/*
 * test_auth.c - relay/auth: PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195
 * section 2 example), SCRAM-SHA-256 (RFC 7677 section 3 example),
 * mechanism choice, hostile challenges and a sweep of lengths.  Base64
 * itself is tested in test_base64.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay/auth.h"

static int fixed_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, 0x5a, n);
	return 1;
}

static int failing_random(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	(void)out;
	(void)n;
	return 0;
}

static void b64(const char *in, char *out, size_t outlen)
{
	assert_true(mx_b64_encode((const uint8_t *)in, strlen(in), out,
				  outlen) >= 0);
}

/* ---- choosing ---------------------------------------------------------- */

static void test_choose(void **state)
{
	static const struct {
		const char *offered, *wanted;
		int st;
		enum mx_auth_mech m;
	} v[] = {
		{"PLAIN LOGIN", NULL, MX_AUTH_OK, MX_AUTH_PLAIN},
		{"LOGIN PLAIN", NULL, MX_AUTH_OK, MX_AUTH_PLAIN},
		{"LOGIN", NULL, MX_AUTH_OK, MX_AUTH_LOGIN},
		{"LOGIN CRAM-MD5 PLAIN", NULL, MX_AUTH_OK, MX_AUTH_CRAM_MD5},
		{"plain scram-sha-256", NULL, MX_AUTH_OK, MX_AUTH_SCRAM_SHA256},
		{"  PLAIN   LOGIN  ", "login", MX_AUTH_OK, MX_AUTH_LOGIN},
		{"GSSAPI NTLM XOAUTH2", NULL, MX_AUTH_NO_MECH, 0},
		{"", NULL, MX_AUTH_NO_MECH, 0},
		{"PLAIN", "CRAM-MD5", MX_AUTH_NO_MECH, 0},
		{"SCRAM-SHA-1 SCRAM-SHA-256-PLUS", NULL, MX_AUTH_NO_MECH, 0},
		{"PLAINX PLAI", NULL, MX_AUTH_NO_MECH, 0},
	};
	enum mx_auth_mech m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		m = MX_AUTH__N;
		assert_int_equal(mx_auth_choose(v[i].offered, v[i].wanted, &m),
				 v[i].st);
		if (v[i].st == MX_AUTH_OK)
			assert_int_equal(m, v[i].m);
	}
	assert_int_equal(mx_auth_choose(NULL, NULL, &m), MX_AUTH_NO_MECH);
}

/* ---- PLAIN, LOGIN, CRAM-MD5 ------------------------------------------- */

static void test_plain(void **state)
{
	enum mx_auth_status st;
	struct mx_auth *a =
		mx_auth_new(MX_AUTH_PLAIN, "foo", "bar", NULL, NULL, &st);
	char line[MX_AUTH_LINE_MAX];

	(void)state;
	assert_non_null(a);
	assert_int_equal(mx_auth_start(a, line, sizeof(line)), MX_AUTH_OK);
	/* base64("\0foo\0bar") */
	assert_string_equal(line, "AUTH PLAIN AGZvbwBiYXI=");
	assert_true(mx_auth_start_secret(a));
	/* a server that ignores the initial response gets it again */
	assert_int_equal(mx_auth_step(a, "", line, sizeof(line)), MX_AUTH_OK);
	assert_string_equal(line, "AGZvbwBiYXI=");
	assert_int_equal(mx_auth_step(a, "", line, sizeof(line)),
			 MX_AUTH_TOO_MANY);
	assert_int_equal(mx_auth_success(a), MX_AUTH_OK);
	/* a buffer too small */
	assert_int_equal(mx_auth_start(a, line, 12), MX_AUTH_NO_SPACE);
	mx_auth_free(a);
}

static void test_login(void **state)
{
	enum mx_auth_status st;
	struct mx_auth *a =
		mx_auth_new(MX_AUTH_LOGIN, "foo", "bar", NULL, NULL, &st);
	char line[MX_AUTH_LINE_MAX];

	(void)state;
	assert_int_equal(mx_auth_start(a, line, sizeof(line)), MX_AUTH_OK);
	assert_string_equal(line, "AUTH LOGIN");
	assert_false(mx_auth_start_secret(a));
	assert_int_equal(mx_auth_step(a, "VXNlcm5hbWU6", line, sizeof(line)),
			 MX_AUTH_OK);
	assert_string_equal(line, "Zm9v");
	assert_int_equal(mx_auth_step(a, "UGFzc3dvcmQ6", line, sizeof(line)),
			 MX_AUTH_OK);
	assert_string_equal(line, "YmFy");
	assert_int_equal(mx_auth_step(a, "UGFzc3dvcmQ6", line, sizeof(line)),
			 MX_AUTH_TOO_MANY);
	mx_auth_free(a);
}

static void test_cram_md5_rfc2195(void **state)
{
	enum mx_auth_status st;
	struct mx_auth *a = mx_auth_new(MX_AUTH_CRAM_MD5, "tim",
					"tanstaaftanstaaf", NULL, NULL, &st);
	char line[MX_AUTH_LINE_MAX];

	(void)state;
	assert_int_equal(mx_auth_start(a, line, sizeof(line)), MX_AUTH_OK);
	assert_string_equal(line, "AUTH CRAM-MD5");
	/* RFC 2195 section 2: challenge
	 * <1896.697170952@postoffice.reston.mci.net>, response
	 * "tim b913a602c7eda7a495b4e6e7334d3890" */
	assert_int_equal(
		mx_auth_step(a,
			     "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1j"
			     "aS5uZXQ+",
			     line, sizeof(line)),
		MX_AUTH_OK);
	assert_string_equal(line,
			    "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	mx_auth_free(a);

	/* malformed challenges */
	a = mx_auth_new(MX_AUTH_CRAM_MD5, "tim", "x", NULL, NULL, &st);
	assert_int_equal(mx_auth_step(a, "not base64!", line, sizeof(line)),
			 MX_AUTH_BAD_CHALLENGE);
	mx_auth_free(a);
	a = mx_auth_new(MX_AUTH_CRAM_MD5, "tim", "x", NULL, NULL, &st);
	assert_int_equal(mx_auth_step(a, "", line, sizeof(line)),
			 MX_AUTH_BAD_CHALLENGE);
	mx_auth_free(a);
}

static void test_bad_params(void **state)
{
	char longs[MX_AUTH_MAX_CRED + 2];
	enum mx_auth_status st = MX_AUTH_OK;

	(void)state;
	memset(longs, 'a', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	assert_null(mx_auth_new(MX_AUTH_PLAIN, longs, "x", NULL, NULL, &st));
	assert_int_equal(st, MX_AUTH_BAD_PARAM);
	assert_null(mx_auth_new(MX_AUTH_PLAIN, "u", longs, NULL, NULL, &st));
	assert_null(mx_auth_new(MX_AUTH_PLAIN, "", "x", NULL, NULL, &st));
	assert_null(mx_auth_new(MX_AUTH_PLAIN, NULL, "x", NULL, NULL, &st));
	assert_null(mx_auth_new(MX_AUTH__N, "u", "x", NULL, NULL, &st));
	/* SCRAM needs a random source */
	assert_null(
		mx_auth_new(MX_AUTH_SCRAM_SHA256, "u", "x", NULL, NULL, &st));
	longs[MX_AUTH_MAX_CRED] = '\0';
	{
		struct mx_auth *a = mx_auth_new(MX_AUTH_PLAIN, longs, longs,
						NULL, NULL, &st);
		char line[MX_AUTH_LINE_MAX];

		assert_non_null(a);
		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_OK);
		mx_auth_free(a);
	}
}

/* ---- SCRAM-SHA-256 (RFC 7677 section 3) ---------------------------------- */

#define SCRAM_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define SCRAM_SFIRST                                                           \
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"                \
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define SCRAM_CFINAL                                                           \
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"         \
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SCRAM_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static struct mx_auth *scram_new(void)
{
	enum mx_auth_status st;
	struct mx_auth *a = mx_auth_new(MX_AUTH_SCRAM_SHA256, "user", "pencil",
					fixed_random, NULL, &st);

	assert_non_null(a);
	assert_int_equal(mx_auth_set_nonce(a, SCRAM_CNONCE), 0);
	return a;
}

static void test_scram_rfc7677(void **state)
{
	struct mx_auth *a = scram_new();
	char line[MX_AUTH_LINE_MAX], want[MX_AUTH_LINE_MAX], ch[512];

	(void)state;
	assert_int_equal(mx_auth_start(a, line, sizeof(line)), MX_AUTH_OK);
	b64("n,,n=user,r=" SCRAM_CNONCE, ch, sizeof(ch));
	snprintf(want, sizeof(want), "AUTH SCRAM-SHA-256 %s", ch);
	assert_string_equal(line, want);
	/* not verified yet */
	assert_int_equal(mx_auth_success(a), MX_AUTH_BAD_SERVER);
	b64(SCRAM_SFIRST, ch, sizeof(ch));
	assert_int_equal(mx_auth_step(a, ch, line, sizeof(line)), MX_AUTH_OK);
	b64(SCRAM_CFINAL, want, sizeof(want));
	assert_string_equal(line, want);
	assert_int_equal(mx_auth_success(a), MX_AUTH_BAD_SERVER);
	b64(SCRAM_SFINAL, ch, sizeof(ch));
	assert_int_equal(mx_auth_step(a, ch, line, sizeof(line)), MX_AUTH_OK);
	assert_string_equal(line, "");
	assert_int_equal(mx_auth_success(a), MX_AUTH_OK);
	mx_auth_free(a);
}

/* A server that does not know the password: its signature is wrong. */
static void test_scram_bad_server(void **state)
{
	static const char *const finals[] = {
		"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",
		"v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"e=invalid-proof",
		"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9",
	};
	char line[MX_AUTH_LINE_MAX], ch[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
		struct mx_auth *a = scram_new();

		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_OK);
		b64(SCRAM_SFIRST, ch, sizeof(ch));
		assert_int_equal(mx_auth_step(a, ch, line, sizeof(line)),
				 MX_AUTH_OK);
		b64(finals[i], ch, sizeof(ch));
		assert_int_not_equal(mx_auth_step(a, ch, line, sizeof(line)),
				     MX_AUTH_OK);
		assert_int_equal(mx_auth_success(a), MX_AUTH_BAD_SERVER);
		mx_auth_free(a);
	}
}

static void test_scram_malformed_first(void **state)
{
	static const struct {
		const char *first;
		int st;
	} v[] = {
		/* the server's nonce must extend ours */
		{"r=XXXXNGfwEbeRWgbNEkqO%hvY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		 MX_AUTH_BAD_SERVER},
		{"r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
		 MX_AUTH_BAD_SERVER},
		/* mandatory extension: must fail */
		{"m=ext,r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		 "i=4096",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
		 "i=99999999999",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=40x6",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=not-base64,i=4096",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==",
		 MX_AUTH_BAD_CHALLENGE},
		{"s=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOxx,i=4096",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==",
		 MX_AUTH_BAD_CHALLENGE},
		{"r=,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", MX_AUTH_BAD_CHALLENGE},
		{"r", MX_AUTH_BAD_CHALLENGE},
		{"r=ab\x01"
		 "c,s=W22Z,i=1",
		 MX_AUTH_BAD_CHALLENGE},
		{",,,,", MX_AUTH_BAD_CHALLENGE},
		/* extensions after i= are fine */
		{"r=rOprNGfwEbeRWgbNEkqOxx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1,x=y",
		 MX_AUTH_OK},
	};
	char line[MX_AUTH_LINE_MAX], ch[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct mx_auth *a = scram_new();

		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_OK);
		b64(v[i].first, ch, sizeof(ch));
		if (mx_auth_step(a, ch, line, sizeof(line)) !=
		    (enum mx_auth_status)v[i].st)
			fail_msg("case %zu (%s): want %s", i, v[i].first,
				 mx_auth_status_name(v[i].st));
		mx_auth_free(a);
	}
	/* not base64 at all; and too long */
	{
		struct mx_auth *a = scram_new();
		char big[MX_AUTH_MAX_CHALLENGE + 8];

		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_OK);
		assert_int_equal(mx_auth_step(a, "%%%%", line, sizeof(line)),
				 MX_AUTH_BAD_CHALLENGE);
		memset(big, 'A', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(mx_auth_step(a, big, line, sizeof(line)),
				 MX_AUTH_BAD_CHALLENGE);
		mx_auth_free(a);
	}
	/* a failing random source */
	{
		enum mx_auth_status st;
		struct mx_auth *a = mx_auth_new(MX_AUTH_SCRAM_SHA256, "u", "p",
						failing_random, NULL, &st);

		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_INTERNAL);
		mx_auth_free(a);
	}
}

/* Hostile lengths: every prefix of a valid server-first message is
 * refused or accepted without reading past its end (ASan watches). */
static void test_scram_length_sweep(void **state)
{
	static const char first[] = SCRAM_SFIRST ",x=abcdef";
	char line[MX_AUTH_LINE_MAX], ch[512];
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(first) - 1; n++) {
		struct mx_auth *a = scram_new();
		char *cut = malloc(n + 1);
		enum mx_auth_status st;

		memcpy(cut, first, n);
		cut[n] = '\0';
		assert_int_equal(mx_auth_start(a, line, sizeof(line)),
				 MX_AUTH_OK);
		assert_true(mx_b64_encode((const uint8_t *)cut, n, ch,
					  sizeof(ch)) >= 0);
		st = mx_auth_step(a, ch, line, sizeof(line));
		/* only a prefix that still holds r, s and the full i=4096
		 * first digit of i= is valid (i=4 is a valid count) */
		if (n < (size_t)(strstr(first, ",i=") - first) + 4)
			assert_int_not_equal(st, MX_AUTH_OK);
		else if (n == strlen(SCRAM_SFIRST) || n == strlen(first))
			assert_int_equal(st, MX_AUTH_OK);
		free(cut);
		mx_auth_free(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_cram_md5_rfc2195),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_scram_rfc7677),
		cmocka_unit_test(test_scram_bad_server),
		cmocka_unit_test(test_scram_malformed_first),
		cmocka_unit_test(test_scram_length_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
