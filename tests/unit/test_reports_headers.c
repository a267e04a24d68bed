/*
 * test_reports_headers.c - the renderers of `mxprobe headers`
 * (reports/headers.h) over the model analyzers/headers.c makes of what
 * wire/mailhdr.c parsed: a two-hop chain
 * with TLS, delays and Authentication-Results, hostile text, and a
 * header section with nothing in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "analyzers/headers.h"
#include "reports/headers.h"
#include "wire/mailhdr.h"

static const char msg[] =
	"Received: from mx.b.test (mx.b.test [192.0.2.2]) by mx.c.test with "
	"ESMTPS id 2 (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384); Tue, 19 "
	"Nov 2024 10:00:30 +0000\r\n"
	"Received: from a.test by mx.b.test with ESMTP id 1; Tue, 19 Nov 2024 "
	"10:00:00 +0000\r\n"
	"Authentication-Results: mx.c.test; spf=pass smtp.mailfrom=a.test; "
	"dkim=fail reason=\"bad sig\" header.d=a.test\r\n"
	"ARC-Authentication-Results: i=1; mx.c.test; dmarc=pass\r\n"
	"Subject: x\r\n\r\nbody\r\n";

static char *render(int json, const struct mx_headers *h, const char *file)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);
	struct mx_rep_meta m = {"9.9", 1700000000, 1, 0};

	assert_non_null(fp);
	assert_int_equal(json ? mx_report_headers_json(fp, h, file, &m)
			      : mx_report_headers_text(fp, h, file, &m),
			 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static struct mx_headers *parse(const char *s)
{
	struct mx_mailhdr *h = mx_mailhdr_parse((const uint8_t *)s, strlen(s));
	struct mx_headers *hv;

	assert_non_null(h);
	hv = mx_headers_from_parse(h);
	mx_mailhdr_free(h);
	return hv;
}

static void test_text(void **state)
{
	struct mx_headers *h = parse(msg);
	char *out = render(0, h, "m.eml");

	(void)state;
	assert_non_null(strstr(out, "m.eml: 2 hop(s), header ok\n"));
	assert_non_null(strstr(out, "\n  1. a.test -> mx.b.test  with ESMTP\n"
				    "     TLS: NO (clear text)\n"
				    "     date Tue, 19 Nov 2024 10:00:00 "
				    "+0000\n"));
	assert_non_null(strstr(out, "\n  2. mx.b.test -> mx.c.test  with "
				    "ESMTPS\n"
				    "     from address 192.0.2.2\n"
				    "     TLS: yes TLSv1.3 "
				    "TLS_AES_256_GCM_SHA384\n"));
	assert_non_null(strstr(out, "(+30 s after the previous hop)"));
	assert_non_null(strstr(out, "\nTotal delay: 30 s\n"));
	assert_non_null(strstr(out, "\nAuthentication-Results by mx.c.test:\n"
				    "  spf      pass\n"
				    "  dkim     fail  reason=bad sig\n"));
	assert_non_null(strstr(out, "\nARC-Authentication-Results i=1 by "
				    "mx.c.test:\n  dmarc    pass\n"));
	free(out);
	mx_headers_free(h);
}

static void test_json(void **state)
{
	struct mx_headers *h = parse(msg);
	char *out = render(1, h, "m.eml");
	json_error_t err;
	json_t *root = json_loads(out, 0, &err), *hop, *ar, *m;

	(void)state;
	assert_non_null(root);
	assert_string_equal(
		json_string_value(json_object_get(root, "header_status")),
		"ok");
	assert_int_equal(
		json_integer_value(json_object_get(root, "total_delay_s")), 30);
	hop = json_array_get(json_object_get(root, "hops"), 1);
	assert_string_equal(json_string_value(json_object_get(hop, "tls")),
			    "yes");
	assert_string_equal(
		json_string_value(json_object_get(hop, "tls_version")),
		"TLSv1.3");
	assert_int_equal(json_integer_value(json_object_get(hop, "delay_s")),
			 30);
	hop = json_array_get(json_object_get(root, "hops"), 0);
	assert_true(json_is_null(json_object_get(hop, "delay_s")));
	ar = json_array_get(json_object_get(root, "authentication_results"), 0);
	m = json_array_get(json_object_get(ar, "methods"), 1);
	assert_string_equal(json_string_value(json_object_get(m, "method")),
			    "dkim");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(m, "properties"), "header.d")),
		"a.test");
	ar = json_array_get(json_object_get(root, "authentication_results"), 1);
	assert_true(json_is_true(json_object_get(ar, "arc")));
	assert_int_equal(json_integer_value(json_object_get(ar, "instance")),
			 1);
	json_decref(root);
	free(out);
	mx_headers_free(h);
}

/* Control bytes in a header and in the file name reach neither output
 * raw. */
static void test_hostile(void **state)
{
	static const char bad[] =
		"Received: from \033[2Jevil by mx \001; Tue, 19 Nov 2024 "
		"10:00:00 +0000\r\n\r\n";
	struct mx_headers *h = parse(bad);
	char *out;

	(void)state;
	out = render(0, h, "f\033ile");
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\001'));
	free(out);
	out = render(1, h, "f\033ile");
	assert_null(strchr(out, '\033'));
	free(out);
	mx_headers_free(h);
}

static void test_empty_and_damaged(void **state)
{
	struct mx_headers *h = parse("Subject: only\r\n");
	char *out;

	(void)state;
	out = render(0, h, "-");
	assert_string_equal(out, "-: 0 hop(s), header unterminated\n"
				 "\nStatus: WARNING (exit 1)\n");
	free(out);
	out = render(1, h, "-");
	assert_non_null(strstr(out, "\"hops\": []"));
	assert_non_null(strstr(out, "\"total_delay_s\": null"));
	free(out);
	mx_headers_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_empty_and_damaged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
