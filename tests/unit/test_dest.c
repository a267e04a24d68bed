/*
 * test_dest.c - relay/dest: the destination table and routing.
 *
 * The parser gets valid and malformed files (every error names its
 * line), a sweep of hostile lengths (line, domain, rows, fingerprints)
 * and every octet value; the loader a missing file and a directory;
 * routing is table-driven (the most specific row wins, credentials only
 * where they are meant to go).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "relay/dest.h"

static int parse(const char *text, struct mx_dest_table *t, char *err,
		 size_t errlen)
{
	return mx_dest_parse((const uint8_t *)text, strlen(text), t, err,
			     errlen);
}

static void test_dest_valid(void **state)
{
	static const char text[] =
		"# relay destinations\r\n"
		"\n"
		"lab.test   via=smtps://smtp.lab.test tls=verify max-conc=2 "
		"auth=yes # the lab\n"
		".Lab.Test  tls=encrypt\n"
		"\t example.org via=mx tls=fingerprint fp=" /* 64 hex */
		"AB:CD:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:"
		"ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89 fp="
		"0000000000000000000000000000000000000000000000000000000000000000"
		"\n"
		"DEFAULT via=submission://smtp.lab.test:2587 auth=no";
	struct mx_dest_table t;
	char err[256] = "";

	(void)state;
	if (parse(text, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.v[0].kind, MX_DEST_DOMAIN);
	assert_string_equal(t.v[0].domain, "lab.test");
	assert_string_equal(t.v[0].via, "smtps://smtp.lab.test");
	assert_int_equal(t.v[0].policy, MX_POLICY_VERIFY);
	assert_int_equal(t.v[0].max_conc, 2);
	assert_int_equal(t.v[0].auth, 1);
	assert_int_equal(t.v[0].line, 3);
	assert_int_equal(t.v[1].kind, MX_DEST_SUBDOMAINS);
	assert_string_equal(t.v[1].domain, "lab.test");
	assert_null(t.v[1].via);
	assert_int_equal(t.v[1].auth, -1);
	assert_int_equal(t.v[2].nfp, 2);
	assert_string_equal(t.v[2].via, "mx");
	assert_int_equal(t.v[2].policy, MX_POLICY_FINGERPRINT);
	assert_int_equal(t.v[3].kind, MX_DEST_DEFAULT);
	assert_int_equal(t.v[3].auth, 0);
	assert_int_equal(t.v[3].line, 6);
	mx_dest_table_free(&t);

	/* Empty and comment-only files are empty tables. */
	assert_int_equal(parse("", &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(parse("# nothing\n\n   \t\n", &t, err, sizeof(err)),
			 0);
	assert_int_equal(t.n, 0);
}

static void test_dest_malformed(void **state)
{
	static const struct {
		const char *text;
		const char *err; /* substring */
	} cases[] = {
		{"lab.test via\n", "line 1: \"via\" is not key=value"},
		{"lab.test via=\n", "has no value"},
		{"lab.test colour=red\n", "unknown key"},
		{"lab.test tls=paranoid\n", "unknown TLS level"},
		{"lab.test tls=verifyverifyverify\n", "unknown TLS level"},
		{"lab.test tls=may tls=none\n", "\"tls\" given twice"},
		{"lab.test max-conc=0\n", "max-conc wants 1 to 100"},
		{"lab.test max-conc=101\n", "max-conc"},
		{"lab.test max-conc=1x\n", "max-conc"},
		{"lab.test max-conc=-1\n", "max-conc"},
		{"lab.test auth=maybe\n", "auth wants yes or no"},
		{"lab.test fp=abcd\n", "64 hex digits"},
		{"lab.test tls=fingerprint\n", "needs fp="},
		{"lab.test via=smtp://user:pw@host\n", "no user information"},
		{"lab.test via=smtp://host:99999\n", "line 1: via="},
		{"lab.test via=ftp://host\n", "line 1: via="},
		{"-lab.test\n", "not a domain"},
		{"lab..test\n", "not a domain"},
		{"lab.test.\n\n", "not a domain"},
		{".\n", "not a domain"},
		{"j\xc3\xb6rg.test\n", "A-labels"},
		{"a.test\nb.test\na.test\n",
		 "line 3: destination given before on line 1"},
		{"default\nDefault tls=may\n",
		 "line 2: destination given before"},
		{".a.test\n.A.TEST\n", "line 2"},
		{"lab.test\x01 tls=may\n", "line 1: control character 0x01"},
		{"ok.test\nlab.test tls=may\x7f\n",
		 "line 2: control character"},
		{"lab.test tls=may\0\n", "control character 0x00"},
		{"a.test\rb.test\n", "control character 0x0d"},
	};
	struct mx_dest_table t;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);

		/* the NUL case carries its NUL */
		if (strstr(cases[i].err, "0x00"))
			len += 2;
		err[0] = 0;
		memset(&t, 0xa5, sizeof(t));
		if (mx_dest_parse((const uint8_t *)cases[i].text, len, &t, err,
				  sizeof(err)) == 0)
			fail_msg("accepted: %s", cases[i].text);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("%s: error \"%s\", want \"%s\"", cases[i].text,
				 err, cases[i].err);
		/* a failed parse leaves an empty table */
		assert_int_equal(t.n, 0);
		assert_null(t.v);
	}
}

/* Hostile lengths: line, domain label and name, rows, fingerprints. */
static void test_dest_lengths(void **state)
{
	struct mx_dest_table t;
	char err[256];
	struct mx_buf b;
	size_t n, i;

	(void)state;
	/* a line of exactly MX_DEST_MAX_LINE octets parses, one more not */
	for (n = MX_DEST_MAX_LINE - 2; n <= MX_DEST_MAX_LINE + 2; n++) {
		char line[MX_DEST_MAX_LINE + 8];

		memset(line, ' ', n);
		memcpy(line, "a.test", 6);
		line[n - 1] = '#';
		line[n] = '\n';
		assert_int_equal(mx_dest_parse((uint8_t *)line, n + 1, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_LINE);
		if (n > MX_DEST_MAX_LINE)
			assert_non_null(strstr(err, "longer than"));
		mx_dest_table_free(&t);
	}
	/* labels of 63 and 64 octets, names of 253 and 254 */
	for (n = 60; n <= 66; n++) {
		char name[80];

		memset(name, 'x', n);
		memcpy(name + n, ".test", 6);
		assert_int_equal(parse(name, &t, err, sizeof(err)) == 0,
				 n <= 63);
		mx_dest_table_free(&t);
	}
	for (n = 250; n <= 256; n++) {
		char name[300];

		for (i = 0; i < n; i++)
			name[i] = (i % 4 == 3) ? '.' : 'a';
		if (name[n - 1] == '.')
			name[n - 1] = 'b';
		name[n] = 0;
		assert_int_equal(parse(name, &t, err, sizeof(err)) == 0,
				 n <= 253);
		mx_dest_table_free(&t);
	}
	/* MX_DEST_MAX_ROWS rows parse, one more not */
	for (n = MX_DEST_MAX_ROWS; n <= MX_DEST_MAX_ROWS + 1; n++) {
		mx_buf_init(&b, 0);
		for (i = 0; i < n; i++)
			mx_buf_printf(&b, "d%zu.test tls=may\n", i);
		assert_int_equal(mx_dest_parse(b.p, b.len, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_ROWS);
		if (n <= MX_DEST_MAX_ROWS)
			assert_int_equal(t.n, n);
		mx_dest_table_free(&t);
		mx_buf_free(&b);
	}
	/* 8 fingerprints, then 9 */
	for (n = MX_DEST_MAX_FP; n <= MX_DEST_MAX_FP + 1; n++) {
		mx_buf_init(&b, 0);
		mx_buf_printf(&b, "a.test tls=fingerprint");
		for (i = 0; i < n; i++)
			mx_buf_printf(&b, " fp=%064zx", i);
		assert_int_equal(mx_dest_parse(b.p, b.len, &t, err,
					       sizeof(err)) == 0,
				 n <= MX_DEST_MAX_FP);
		mx_dest_table_free(&t);
		mx_buf_free(&b);
	}
	/* a file over the limit */
	{
		uint8_t *big = calloc(1, MX_DEST_MAX_FILE + 1);

		memset(big, '#', MX_DEST_MAX_FILE + 1);
		assert_int_equal(mx_dest_parse(big, MX_DEST_MAX_FILE + 1, &t,
					       err, sizeof(err)),
				 -1);
		free(big);
	}
	/* every octet value in a domain position: no crash, only printable
	 * text in the error */
	for (i = 0; i < 256; i++) {
		char line[32];

		snprintf(line, sizeof(line), "a%cb.test\n", (int)(i ? i : 1));
		err[0] = 0;
		if (mx_dest_parse((uint8_t *)line, strlen(line), &t, err,
				  sizeof(err)) == 0) {
			mx_dest_table_free(&t);
			continue;
		}
		for (n = 0; err[n]; n++)
			assert_true(err[n] >= 0x20 && err[n] < 0x7f);
	}
}

static void test_dest_load(void **state)
{
	char path[] = "/tmp/test_dest.XXXXXX";
	struct mx_dest_table t;
	char err[512];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "lab.test tls=none\n", 18), 18);
	close(fd);
	assert_int_equal(mx_dest_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t.n, 1);
	mx_dest_table_free(&t);
	unlink(path);
	assert_int_equal(mx_dest_load(path, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(mx_dest_load("/tmp", &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_routes(void **state)
{
	static const char text[] = "lab.test via=smtp://127.0.0.31 tls=verify "
				   "max-conc=3\n"
				   ".lab.test tls=encrypt\n"
				   ".deep.lab.test via=mx auth=yes\n"
				   "mx.test via=mx\n"
				   "default via=smtps://relay.test tls=may\n";
	static const struct {
		const char *domain;
		const char *nexthop;
		enum mx_tls_policy policy;
		int auth;
		unsigned conc;
		unsigned line; /* 0: command line */
	} cases[] = {
		{"lab.test", "smtp://127.0.0.31", MX_POLICY_VERIFY, 0, 3, 1},
		{"LAB.test", "smtp://127.0.0.31", MX_POLICY_VERIFY, 0, 3, 1},
		{"a.lab.test", "smtps://relay.test", MX_POLICY_ENCRYPT, 1, 10,
		 2},
		/* the longest suffix wins; via=mx names the domain itself;
		 * what a row does not say comes from "default" */
		{"x.deep.lab.test", "x.deep.lab.test", MX_POLICY_MAY, 1, 10, 3},
		{"deep.lab.test", "smtps://relay.test", MX_POLICY_ENCRYPT, 1,
		 10, 2},
		{"xlab.test", "smtps://relay.test", MX_POLICY_MAY, 1, 10, 5},
		/* via=mx: no credentials to an MX unless asked */
		{"mx.test", "mx.test", MX_POLICY_MAY, 0, 10, 4},
		{"other.test", "smtps://relay.test", MX_POLICY_MAY, 1, 10, 5},
	};
	struct mx_dest_table t;
	struct mx_route r;
	char err[256];
	size_t i;

	(void)state;
	assert_int_equal(parse(text, &t, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* The default row's next hop is not the smarthost; auth for
		 * it comes from "default" inheriting the smarthost rule:
		 * here the smarthost is that same URL. */
		mx_route_for(&t, "smtps://relay.test", MX_POLICY_ENCRYPT, 1,
			     cases[i].domain, &r);
		if (strcmp(r.nexthop, cases[i].nexthop) != 0 ||
		    r.policy != cases[i].policy || r.auth != cases[i].auth ||
		    r.max_conc != cases[i].conc ||
		    (r.row ? r.row->line : 0) != cases[i].line)
			fail_msg("%s: got %s %s auth=%d conc=%u line=%u",
				 cases[i].domain, r.nexthop,
				 mx_tls_policy_name(r.policy), r.auth,
				 r.max_conc, r.row ? r.row->line : 0);
	}
	/* no credentials at all: never auth */
	mx_route_for(&t, "smtps://relay.test", MX_POLICY_ENCRYPT, 0,
		     "other.test", &r);
	assert_int_equal(r.auth, 0);
	mx_dest_table_free(&t);
	/* no table: the smarthost with auth, or the MX without */
	mx_route_for(NULL, "smtps://relay.test", MX_POLICY_VERIFY, 1, "a.test",
		     &r);
	assert_string_equal(r.nexthop, "smtps://relay.test");
	assert_int_equal(r.auth, 1);
	assert_int_equal(r.policy, MX_POLICY_VERIFY);
	assert_null(r.row);
	mx_route_for(NULL, NULL, MX_POLICY_MAY, 1, "a.test", &r);
	assert_string_equal(r.nexthop, "a.test");
	assert_int_equal(r.auth, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dest_valid),
		cmocka_unit_test(test_dest_malformed),
		cmocka_unit_test(test_dest_lengths),
		cmocka_unit_test(test_dest_load),
		cmocka_unit_test(test_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
