/*
 * test_where_severity.c - the one "where" text (model/where.h) and the one
 * severity order (model/severity.h), and mx_findings_worst() built on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/finding.h"
#include "model/result.h"
#include "model/severity.h"
#include "model/where.h"

static void test_where_table(void **state)
{
	static const struct {
		const char *host, *addr;
		unsigned port;
		const char *want;
	} t[] = {
		{"mx1.lab.test", "127.0.0.31", 25,
		 "mx1.lab.test [127.0.0.31]:25"},
		{"mx1.lab.test", "2001:db8::1", 465,
		 "mx1.lab.test [2001:db8::1]:465"},
		{"127.0.0.31", "127.0.0.31", 25, "[127.0.0.31]:25"},
		{NULL, "127.0.0.31", 587, "[127.0.0.31]:587"},
		{"", "127.0.0.31", 587, "[127.0.0.31]:587"},
		{"mx1.lab.test", NULL, 25, "mx1.lab.test:25"},
		{"mx1.lab.test", "", 25, "mx1.lab.test:25"},
		{"2001:db8::1", NULL, 25, "[2001:db8::1]:25"},
		{NULL, NULL, 25, "?:25"},
		{"", "", 0, "?:0"},
	};
	char buf[MX_WHERE_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *r = mx_where(buf, sizeof(buf), t[i].host, t[i].addr,
					 t[i].port);

		assert_ptr_equal(r, buf);
		assert_string_equal(buf, t[i].want);
	}
}

/* Every buffer length from 0 up: always terminated, never overrun, a
 * prefix of the full text. */
static void test_where_short_buffers(void **state)
{
	const char *full = "mx1.lab.test [127.0.0.31]:25";
	char buf[64];
	size_t len;

	(void)state;
	for (len = 0; len < sizeof(buf) - 1; len++) {
		memset(buf, 'X', sizeof(buf));
		mx_where(buf, len, "mx1.lab.test", "127.0.0.31", 25);
		assert_int_equal(buf[len], 'X'); /* nothing past len */
		if (len == 0)
			continue;
		assert_true(strlen(buf) < len);
		assert_memory_equal(buf, full, strlen(buf));
	}
}

static void test_where_long_host(void **state)
{
	char host[256], buf[MX_WHERE_MAX];

	(void)state;
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	mx_where(buf, sizeof(buf), host,
		 "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	assert_true(strstr(buf, "]:65535") != NULL); /* MX_WHERE_MAX fits */
}

static void test_endpoint_where(void **state)
{
	struct mx_endpoint ep;
	char buf[MX_WHERE_MAX];

	(void)state;
	memset(&ep, 0, sizeof(ep));
	ep.host = "mx3.lab.test";
	ep.addr = "127.0.0.33";
	ep.port = 2525;
	assert_string_equal(mx_endpoint_where_buf(buf, sizeof(buf), &ep),
			    "mx3.lab.test [127.0.0.33]:2525");
}

static void test_severity_order(void **state)
{
	/* worst first */
	static const enum mx_severity order[] = {
		MX_SEV_CRIT, MX_SEV_WARN, MX_SEV_UNKNOWN,
		MX_SEV_INFO, MX_SEV_OK,
	};
	size_t i;

	(void)state;
	for (i = 0; i + 1 < sizeof(order) / sizeof(order[0]); i++) {
		assert_true(mx_severity_rank(order[i]) >
			    mx_severity_rank(order[i + 1]));
		assert_true(mx_severity_cmp(order[i], order[i + 1]) < 0);
		assert_true(mx_severity_cmp(order[i + 1], order[i]) > 0);
		assert_int_equal(mx_severity_worse(order[i], order[i + 1]),
				 order[i]);
		assert_int_equal(mx_severity_worse(order[i + 1], order[i]),
				 order[i]);
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		assert_int_equal(mx_severity_cmp(order[i], order[i]), 0);
	/* out of range ranks as unknown */
	assert_int_equal(mx_severity_rank((enum mx_severity)99),
			 mx_severity_rank(MX_SEV_UNKNOWN));
}

/* "Could not test" never hides a real critical finding. */
static void test_findings_worst_by_rank(void **state)
{
	struct mx_findings fs = {0};
	struct mx_finding *f;

	(void)state;
	f = mx_findings_add(&fs, "cert.expired", "mx [1.2.3.4]:25", "x");
	f->severity = MX_SEV_CRIT;
	f = mx_findings_add(&fs, "dns.null_mx", "lab.test", "y");
	f->severity = MX_SEV_UNKNOWN;
	assert_int_equal(mx_findings_worst(&fs), MX_SEV_CRIT);
	fs.v[0].severity = MX_SEV_INFO;
	assert_int_equal(mx_findings_worst(&fs), MX_SEV_UNKNOWN);
	mx_findings_clear(&fs);
	assert_int_equal(mx_findings_worst(&fs), MX_SEV_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_where_table),
		cmocka_unit_test(test_where_short_buffers),
		cmocka_unit_test(test_where_long_host),
		cmocka_unit_test(test_endpoint_where),
		cmocka_unit_test(test_severity_order),
		cmocka_unit_test(test_findings_worst_by_rank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
