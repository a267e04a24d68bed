/*
 * test_reports_clients.c - reports/clients.c: the client table, advice
 * and intolerance in text and JSON, from hand-built model facts (what
 * analyzers/clients.c and probe/confirm.c write).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/enum.h"
#include "reports/clients.h"

static struct mx_enum *sample(void)
{
	struct mx_enum *e = mx_enum_new();
	struct mx_enum_suite *s;
	struct mx_client_sim *c;

	e->v[MX_EV_TLS12].state = 1;
	s = mx_enum_add_suite(&e->v[MX_EV_TLS12]);
	s->id = 0x009e;
	s->iana = strdup("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	s->openssl = strdup("DHE-RSA-AES128-GCM-SHA256");
	s = mx_enum_add_suite(&e->v[MX_EV_TLS12]);
	s->id = 0xc030;
	s->iana = strdup("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

	c = mx_enum_add_client(e);
	c->profile = strdup("openssl3-sl2");
	c->name = strdup("OpenSSL 3 default (security level 2)");
	c->ok = 0;
	c->version = strdup("TLSv1.2");
	c->suite = 0x009e;
	c->kx = strdup("DH 1024 (RFC 2409 group 2)");
	c->why = strdup("DHE chosen with a 1024-bit group: aborts with `dh "
			"key too small`");
	c->confirmed = 1;
	c->confirm_detail = strdup("openssl: alert_sent 40, dh key too small");
	c->advice_openssl = strdup("DEFAULT:!kDHE");
	c->advice_openssl_ok = 1;
	c->advice_gnutls = strdup("NORMAL:-DHE-RSA:-DHE-DSS");
	c->advice_gnutls_ok = 0;

	c = mx_enum_add_client(e);
	c->profile = strdup("java17");
	c->name = strdup("Java 17 \x1b[2J(SunJSSE defaults)");
	c->ok = 1;
	c->version = strdup("TLSv1.2");
	c->suite = 0xc030;
	c->kx = strdup("ECDH x25519");
	c->confirmed = -1;

	c = mx_enum_add_client(e);
	c->profile = strdup("gnutls-normal");
	c->name = strdup("GnuTLS 3.7 NORMAL");
	c->ok = 0;
	c->suite = 0x1234; /* not in the enumeration: shown as hex */
	c->why = strdup("no common protocol version");
	c->confirmed = 0;
	c->advice_openssl_ok = c->advice_gnutls_ok = -1;
	return e;
}

static char *render(const struct mx_enum *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(mx_report_clients(fp, e), 0);
	fclose(fp);
	return buf;
}

static void test_text(void **state)
{
	struct mx_enum *e = sample();
	char *t = render(e);
	static const char *const want[] = {
		"Clients (simulated from the enumeration; PASS/FAIL from real "
		"handshakes)\n",
		"  OpenSSL 3 default (security level 2)         FAIL   "
		"TLSv1.2  DHE-RSA-AES128-GCM-SHA256 DH 1024 (RFC 2409 group "
		"2)\n",
		"      why: DHE chosen with a 1024-bit group: aborts with `dh "
		"key too small`\n",
		"      confirmed by a real handshake: openssl: alert_sent 40, dh "
		"key too small\n",
		"      advice: OpenSSL cipher list \"DEFAULT:!kDHE\" PASS\n",
		"              GnuTLS priority \"NORMAL:-DHE-RSA:-DHE-DSS\" "
		"FAIL\n",
		/* IANA name when OpenSSL has none; control bytes never
		 * reach the terminal */
		"  Java 17 ?[2J(SunJSSE defaults)               ok     "
		"TLSv1.2  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 ECDH x25519\n",
		"      not confirmed (no local stack plays this client)\n",
		"0x1234",
		"      a real handshake DISAGREED\n",
		"      advice: no client cipher string helps; fix the server\n",
	};
	size_t i;

	(void)state;
	print_message("%s", t);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(t, want[i]) == NULL)
			fail_msg("text lacks: %s", want[i]);
	assert_null(strchr(t, 0x1b));
	assert_null(strstr(t, "Handshake intolerance"));
	free(t);

	e->intolerant = 1;
	e->intolerance_trigger = strdup("AES-GCM suites");
	e->intolerance_reaction = strdup("FIN after ClientHello");
	e->intolerance_advice_openssl = strdup("DEFAULT:!AESGCM");
	e->intolerance_advice_ok = 1;
	t = render(e);
	assert_non_null(strstr(t, "\nHandshake intolerance\n  FIN after "
				  "ClientHello when the ClientHello offers "
				  "AES-GCM suites\n  avoid with: OpenSSL "
				  "cipher list \"DEFAULT:!AESGCM\" PASS\n"));
	free(t);
	mx_enum_free(e);

	/* Nothing to say: nothing written. */
	e = mx_enum_new();
	t = render(e);
	assert_string_equal(t, "");
	free(t);
	mx_enum_free(e);
	t = render(NULL);
	assert_string_equal(t, "");
	free(t);
}

static void test_json(void **state)
{
	struct mx_enum *e = sample();
	json_t *en = json_object(), *a, *c, *i;

	(void)state;
	assert_int_equal(mx_json_add_clients(en, e), 0);
	a = json_object_get(en, "clients");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 3);
	c = json_array_get(a, 0);
	assert_string_equal(json_string_value(json_object_get(c, "profile")),
			    "openssl3-sl2");
	assert_true(json_is_false(json_object_get(c, "ok")));
	assert_int_equal(json_integer_value(json_object_get(c, "suite_id")),
			 0x009e);
	assert_string_equal(json_string_value(json_object_get(c, "suite")),
			    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_true(json_is_true(json_object_get(c, "confirmed")));
	assert_true(json_is_true(json_object_get(c, "advice_openssl_ok")));
	assert_true(json_is_false(json_object_get(c, "advice_gnutls_ok")));
	c = json_array_get(a, 1);
	assert_true(json_is_true(json_object_get(c, "ok")));
	assert_true(json_is_null(json_object_get(c, "why")));
	assert_true(json_is_null(json_object_get(c, "confirmed")));
	/* no advice string: its result is null, not false */
	assert_true(json_is_null(json_object_get(c, "advice_openssl")));
	assert_true(json_is_null(json_object_get(c, "advice_openssl_ok")));
	c = json_array_get(a, 2);
	assert_true(json_is_false(json_object_get(c, "confirmed")));
	assert_true(json_is_null(json_object_get(c, "suite")));
	i = json_object_get(en, "intolerance");
	assert_true(json_is_false(json_object_get(i, "intolerant")));
	assert_true(json_is_null(json_object_get(i, "trigger")));
	assert_true(json_is_null(json_object_get(i, "advice_ok")));
	json_decref(en);

	e->intolerant = 1;
	e->intolerance_trigger = strdup("AES-GCM suites");
	e->intolerance_advice_openssl = strdup("DEFAULT:!AESGCM");
	e->intolerance_advice_ok = 0;
	i = mx_json_intolerance(e);
	assert_true(json_is_true(json_object_get(i, "intolerant")));
	assert_string_equal(json_string_value(json_object_get(i, "trigger")),
			    "AES-GCM suites");
	assert_true(json_is_false(json_object_get(i, "advice_ok")));
	json_decref(i);
	mx_enum_free(e);

	/* No enumeration: an empty list. */
	a = mx_json_clients(NULL);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_string_equal(mx_report_pass_name(1), "PASS");
	assert_string_equal(mx_report_pass_name(0), "FAIL");
	assert_string_equal(mx_report_pass_name(-1), "untested");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
