/*
 * test_tls_gnutls.c - probe/tls_gnutls.c: real handshakes in memory.
 *
 * The client is the mx_tls_gnutls backend under test; the server is a
 * plain OpenSSL SSL object built from the test PKI of tests/data/certs,
 * the one of test_tls_openssl.c (tls_fixture.h), reading and writing two
 * memory BIOs.  tlsfx_pump() moves ciphertext between them until neither
 * side makes progress, so every case is a complete, real TLS exchange
 * between two different stacks, with no sockets and no mocks.
 *
 * The cases mirror the OpenSSL backend's, so both stacks are seen to
 * report the same facts the same way (OpenSSL-numbered verify codes, the
 * same temp key names), plus what is GnuTLS's own: the priority string
 * decides the DH floor (NORMAL accepts the 1024-bit group and refuses the
 * 768-bit one; %PROFILE_MEDIUM refuses 1024 with "not long enough"), and
 * our own refusal is sent as an alert and recorded as ALERT_SENT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "model/result.h"
#include "probe/tls.h"
#include "tests/unit/tls_fixture.h"

static const struct mx_tls_backend *const B = &mx_tls_gnutls;

/* ---- table of handshakes ------------------------------------------------ */

#define SKIP TLSFX_ANY

#define LEAF "mx1.lab.test"
#define INT "mxprobe Test Intermediate CA"
#define ROOT "mxprobe Test Root CA"
#define TLS12 TLS1_2_VERSION
#define TLS13 TLS1_3_VERSION
#define ONLY12 "NORMAL:-VERS-ALL:+VERS-TLS1.2"

static const struct tlsfx_case cases[] = {
	{
		/* GnuTLS NORMAL lists SECP256R1 before X25519 and sends
		 * its key share: the server takes P-256. */
		.name = "good chain, verified against the test root",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_AES_",
		.tk_type = "ECDH",
		.tk_group = "P-256",
		.tk_bits = 256,
		.chain = {.check = 1,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {LEAF, INT}},
	},
	{
		.name = "missing intermediate",
		.srv = {.cert = "leaf"},
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .code = 20,
			  .depth = 0,
			  .verified_len = 1,
			  .n = 1,
			  .cn = {LEAF},
			  .text = "issuer is unknown"},
	},
	{
		.name = "untrusted root sent in the chain",
		.srv = {.cert = "leaf", .extra = {"int", "root"}},
		.ca = "other-root",
		.completed = 1,
		.chain = {.check = 1,
			  .code = 19,
			  .depth = 2,
			  .top_self_signed = 1,
			  .verified_len = 3,
			  .n = 3,
			  .cn = {LEAF, INT, ROOT},
			  .text = "NOT trusted"},
	},
	{
		.name = "trusted root sent in the chain",
		.srv = {.cert = "leaf", .extra = {"int", "root"}},
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .in_store = 1,
			  .top_self_signed = 1,
			  .verified_len = 3,
			  .n = 3,
			  .cn = {LEAF, INT, ROOT}},
	},
	{
		.name = "self-signed leaf",
		.srv = {.cert = "selfsigned"},
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .code = 18,
			  .depth = 0,
			  .top_self_signed = 1,
			  .verified_len = 1,
			  .n = 1,
			  .cn = {"selfsigned.lab.test"}},
	},
	{
		.name = "expired leaf",
		.srv = {.cert = "expired", .extra = {"int"}},
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .code = 10,
			  .depth = 0,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {"expired.lab.test", INT},
			  .text = "expired"},
	},
	{
		.name = "chain out of order (root before intermediate)",
		.srv = {.cert = "leaf", .extra = {"root", "int"}},
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .in_store = 1,
			  .out_of_order = 1,
			  .verified_len = 3,
			  .n = 3,
			  .cn = {LEAF, ROOT, INT}},
	},
	{
		.name = "TLS 1.2 ECDHE P-256",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.priority = ONLY12 ":-GROUP-ALL:+GROUP-SECP256R1"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_RSA_WITH_AES_",
		.tk_type = "ECDH",
		.tk_group = "P-256",
		.tk_bits = 256,
	},
	{
		.name = "TLS 1.2 ECDHE X25519, one suite",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "ECDHE-RSA-AES256-GCM-SHA384"},
		.cli = {.max_version = TLS12,
			.priority = "NORMAL:-GROUP-ALL:+GROUP-X25519"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		.suite_id = 0xc030,
		.suite_openssl = "ECDHE-RSA-AES256-GCM-SHA384",
		.tk_type = "X25519",
		.tk_group = "X25519",
		.tk_bits = 253,
	},
	{
		/* GnuTLS's NORMAL floor is 1008 bits (security parameter
		 * "weak"): the smarthost's 1024-bit group passes. */
		.name = "TLS 1.2 DHE 1024 accepted by NORMAL",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES128-GCM-SHA256",
			.weak = 1,
			.dh = "dh1024"},
		.cli = {.priority = ONLY12},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_id = 0x009e,
		.suite_openssl = "DHE-RSA-AES128-GCM-SHA256",
		.tk_type = "DH",
		.tk_group = "-",
		.tk_bits = 1024,
	},
	{
		/* %PROFILE_MEDIUM asks for 2048-bit DH: GnuTLS refuses the
		 * prime and we send the alert it maps that to. */
		.name = "TLS 1.2 DHE 1024 refused by %PROFILE_MEDIUM",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES128-GCM-SHA256",
			.weak = 1,
			.dh = "dh1024"},
		.cli = {.priority = ONLY12 ":%PROFILE_MEDIUM"},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_SENT,
		.alert = SKIP,
		.detail = "Diffie-Hellman prime",
		.version = "TLSv1.2",
		.suite_id = 0x009e,
		.tk_type = "DH",
		.tk_group = "-",
		.tk_bits = 1024,
		.chain = {.check = 1,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {LEAF, INT}},
	},
	{
		.name = "TLS 1.2 DHE 768 (RFC 2409 group 1) refused by NORMAL",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES128-GCM-SHA256",
			.weak = 1,
			.dh768 = 1},
		.cli = {.priority = ONLY12},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_SENT,
		.alert = SKIP,
		.detail = "not long enough",
		.version = "TLSv1.2",
		.suite_id = 0x009e,
		/* from the ServerKeyExchange seen passing by */
		.tk_type = "DH",
		.tk_bits = 768,
	},
	{
		.name = "TLS 1.2 DHE 2048",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES256-GCM-SHA384",
			.dh = "dh2048"},
		.cli = {.priority = ONLY12 ":%PROFILE_MEDIUM"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_id = 0x009f,
		.tk_type = "DH",
		.tk_bits = 2048,
	},
	{
		.name = "TLS 1.2 static RSA: no temp key",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "AES128-SHA"},
		.cli = {.priority = ONLY12 ":+RSA"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_id = 0x002f,
		.suite_openssl = "AES128-SHA",
		.tk_group = "-",
	},
	{
		.name = "TLS 1.3 only (min_version)",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.min_version = TLS13},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_",
	},
	{
		.name = "TLS 1.3 with CHACHA20 and P-256",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:"
				    "+CHACHA20-POLY1305:-GROUP-ALL:"
				    "+GROUP-SECP256R1"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_CHACHA20_POLY1305_SHA256",
		.suite_id = 0x1303,
		.tk_type = "ECDH",
		.tk_group = "P-256",
		.tk_bits = 256,
	},
	{
		/* RFC 7919 named group in TLS 1.3. */
		.name = "TLS 1.3 with ffdhe2048",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:"
				    "+GROUP-FFDHE2048"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.tk_type = "DH",
		.tk_group = "ffdhe2048",
		.tk_bits = 2048,
	},
	{
		.name = "EC P-256 leaf with an ECDSA suite",
		.srv = {.cert = "ec256", .extra = {"int"}},
		.cli = {.priority = ONLY12},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_ECDSA_WITH_",
		.chain = {.check = 1,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {"ec256.lab.test", INT}},
	},
	{
		.name = "no shared cipher: the server sends handshake_failure",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "AES128-SHA"},
		.cli = {.priority = ONLY12 ":-KX-ALL:+ECDHE-RSA"},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_RECV,
		.alert = 40,
		.detail = "alert received",
		.chain = {.check = 1, .n = 0},
	},
	{
		.name = "no common version: the server sends protocol_version",
		.srv = {.cert = "leaf", .extra = {"int"}, .max_version = TLS12},
		.cli = {.min_version = TLS13},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_RECV,
		.alert = 70,
		.detail = "alert received",
	},
};

static void check_case(const struct tlsfx_case *tc)
{
	struct mx_tls_params p = tc->cli;
	struct mx_tls t = {0};
	struct tlsfx fx;
	enum mx_tls_io r;

	r = tlsfx_handshake(&fx, B, &tc->srv, &p, tc->ca, &t);
	if (tc->completed || tc->version != NULL) {
		/* Whatever was negotiated has its IANA code point. */
		const SSL_CIPHER *sc = SSL_get_current_cipher(fx.ssl);

		if (sc == NULL)
			sc = SSL_get_pending_cipher(fx.ssl);
		assert_non_null(sc);
		assert_int_equal(t.suite_id, SSL_CIPHER_get_protocol_id(sc));
		assert_string_equal(t.suite_iana, SSL_CIPHER_standard_name(sc));
	}
	tlsfx_check_case(tc, &fx, r, &t, "gnutls", TLSFX_VERR_SUBSTR);
	mx_tls_clear(&t);
	tlsfx_free(&fx);
}

static void test_handshakes(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

/* ---- non-TLS answers ---------------------------------------------------- */

static void test_garbage_instead_of_server_hello(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum mx_tls_fail fail;
		int alert;
	} g[] = {
		{"220 mx.lab.test ESMTP Postfix\r\n", 31, MX_TLS_FAIL_PROTOCOL,
		 0},
		{"554 5.7.0 Too many errors\r\n", 27, MX_TLS_FAIL_PROTOCOL, 0},
		{"HTTP/1.1 400 Bad Request\r\n\r\n", 28, MX_TLS_FAIL_PROTOCOL,
		 0},
		/* A real fatal alert record: handshake_failure (40). */
		{"\x15\x03\x03\x00\x02\x02\x28", 7, MX_TLS_FAIL_ALERT_RECV, 40},
		/* A handshake record with an empty ServerHello: we abort. */
		{"\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9,
		 MX_TLS_FAIL_ALERT_SENT, SKIP},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct mx_tls_params p = {.sni = "mx1.lab.test"};
		struct mx_tls_session *c = tlsfx_client_new(B, &p, "root");
		struct mx_tls t = {0};
		uint8_t out[4096];

		assert_int_equal(B->handshake(c), MX_TLS_IO_WANT_READ);
		assert_true(B->pending_output(c) > 0); /* the ClientHello */
		while (B->pull_output(c, out, sizeof(out)) > 0)
			;
		assert_int_equal(B->handshake(c), MX_TLS_IO_WANT_READ);
		assert_int_equal(B->push_input(c, (const uint8_t *)g[i].bytes,
					       g[i].len),
				 0);
		assert_int_equal(B->handshake(c), MX_TLS_IO_ERROR);
		assert_int_equal(B->handshake(c), MX_TLS_IO_ERROR);
		B->facts(c, &t);
		print_message("# garbage %zu: fail=%s alert=%d detail=%s\n", i,
			      mx_tls_fail_name(t.fail), t.alert,
			      t.fail_detail ? t.fail_detail : "-");
		assert_int_equal(t.attempted, 1);
		assert_int_equal(t.completed, 0);
		if (t.fail != g[i].fail)
			fail_msg("garbage %zu: fail %s (%s)", i,
				 mx_tls_fail_name(t.fail), t.fail_detail);
		if (g[i].alert != SKIP)
			assert_int_equal(t.alert, g[i].alert);
		else
			assert_true(t.alert > 0);
		assert_non_null(t.fail_detail);
		assert_int_equal(t.chain.n, 0);
		assert_int_equal(t.verify_done, 0);
		assert_null(t.version);
		mx_tls_clear(&t);
		B->session_free(c);
	}
}

/* ---- SNI ---------------------------------------------------------------- */

static void test_sni(void **state)
{
	static const struct {
		const char *given;
		const char *sent;
	} s[] = {
		{"mx1.lab.test", "mx1.lab.test"},
		{"mx1.lab.test.", "mx1.lab.test"},
		{"127.0.0.31", NULL},
		{"::1", NULL},
		{"", NULL},
		{NULL, NULL},
	};
	const struct tlsfx_conf sc = {.cert = "leaf", .extra = {"int"}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct mx_tls_params p = {.sni = s[i].given};
		struct mx_tls t = {0};
		struct tlsfx fx;

		assert_int_equal(tlsfx_handshake(&fx, B, &sc, &p, "root", &t),
				 MX_TLS_IO_OK);
		if (s[i].sent == NULL) {
			assert_int_equal(fx.sni_seen, 0);
			assert_null(t.sni);
		} else {
			assert_int_equal(fx.sni_seen, 1);
			assert_string_equal(fx.sni, s[i].sent);
			assert_string_equal(t.sni, s[i].sent);
		}
		mx_tls_clear(&t);
		tlsfx_free(&fx);
	}
}

/* ---- application data and close ----------------------------------------- */

static void test_data_and_close(void **state)
{
	const struct tlsfx_conf sc = {.cert = "leaf", .extra = {"int"}};
	struct mx_tls_params p = {.sni = "mx1.lab.test"};
	struct tlsfx fx;
	uint8_t buf[256];
	int n;

	(void)state;
	tlsfx_start(&fx, B, &sc, &p, "root");
	assert_int_equal(tlsfx_pump(&fx), MX_TLS_IO_OK);
	assert_int_equal(fx.done, 1);

	tlsfx_check_exchange(&fx);

	/* A larger write spans several records; all of it arrives. */
	{
		static uint8_t big[40000];
		size_t total = 0;

		memset(big, 'x', sizeof(big));
		assert_int_equal(B->write(fx.cli, big, sizeof(big)),
				 MX_TLS_IO_OK);
		tlsfx_to_server(&fx);
		while ((n = SSL_read(fx.ssl, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		ERR_clear_error();
		assert_int_equal(total, sizeof(big));
	}

	tlsfx_check_close(&fx);
	tlsfx_free(&fx);
}

/* RFC 8446 §4.4.2.4: a TLS 1.3 server that insists on a client
 * certificate says so with an alert after our Finished. */
static void test_alert_after_handshake(void **state)
{
	const struct tlsfx_conf sc = {
		.cert = "leaf", .extra = {"int"}, .want_client_cert = 1};
	struct mx_tls_params p = {.sni = "mx1.lab.test"};
	struct mx_tls t = {0};
	struct tlsfx fx;
	uint8_t buf[64];
	size_t got = 1;

	(void)state;
	tlsfx_start(&fx, B, &sc, &p, "root");
	assert_int_equal(tlsfx_pump(&fx), MX_TLS_IO_OK);
	assert_int_equal(fx.failed, 1);
	assert_int_equal(B->read(fx.cli, buf, sizeof(buf), &got),
			 MX_TLS_IO_ERROR);
	assert_int_equal(got, 0);
	assert_int_equal(B->write(fx.cli, (const uint8_t *)"QUIT\r\n", 6),
			 MX_TLS_IO_ERROR);
	assert_int_equal(B->handshake(fx.cli), MX_TLS_IO_ERROR);
	B->facts(fx.cli, &t);
	assert_int_equal(t.completed, 1);
	assert_string_equal(t.version, "TLSv1.3");
	assert_int_equal(t.fail, MX_TLS_FAIL_ALERT_RECV);
	assert_int_equal(t.alert, 116); /* certificate_required */
	assert_non_null(strstr(t.fail_detail, "alert received"));
	assert_int_equal(t.verify_code, 0);
	mx_tls_clear(&t);
	tlsfx_free(&fx);
}

/* ---- parameters and limits ---------------------------------------------- */

static void test_bad_params(void **state)
{
	static const struct {
		struct mx_tls_params p;
		const char *msg;
	} bad[] = {
		{{.priority = "NOPE:NADA"}, "bad priority"},
		{{.priority = "NORMAL:+NO-SUCH-THING"}, "NO-SUCH-THING"},
		{{.ca_file = "/nonexistent/ca.pem"}, "trust store"},
		{{.ca_path = "/nonexistent/dir"}, "trust store"},
		{{.min_version = 0x7f7f}, "min_version"},
		{{.max_version = 0x0305}, "max_version"},
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 'x';
		err[1] = '\0';
		assert_null(B->session_new(&bad[i].p, err, sizeof(err)));
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err,
				 bad[i].msg);
	}
	assert_null(B->session_new(&bad[0].p, err, 4));
	assert_int_equal(strlen(err), 3);
	assert_null(B->session_new(&bad[0].p, NULL, 0));
}

/* min/max_version narrow whatever priority is given. */
static void test_version_window(void **state)
{
	static const struct {
		int min, max;
		const char *version;
	} w[] = {
		{0, 0, "TLSv1.3"},
		{0, TLS12, "TLSv1.2"},
		{TLS12, TLS12, "TLSv1.2"},
		{TLS13, 0, "TLSv1.3"},
	};
	const struct tlsfx_conf sc = {.cert = "leaf", .extra = {"int"}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct mx_tls_params p = {.priority = "NORMAL",
					  .min_version = w[i].min,
					  .max_version = w[i].max};
		struct mx_tls t = {0};
		struct tlsfx fx;

		assert_int_equal(tlsfx_handshake(&fx, B, &sc, &p, "root", &t),
				 MX_TLS_IO_OK);
		assert_string_equal(t.version, w[i].version);
		mx_tls_clear(&t);
		tlsfx_free(&fx);
	}
}

static void test_facts_before_handshake(void **state)
{
	struct mx_tls_session *c = B->session_new(NULL, NULL, 0);
	struct mx_tls t = {0};

	(void)state;
	assert_non_null(c);
	t.handshake_ms = 42;
	B->facts(c, &t);
	assert_int_equal(t.attempted, 0);
	assert_int_equal(t.completed, 0);
	assert_int_equal(t.fail, MX_TLS_FAIL_NONE);
	assert_string_equal(t.backend, "gnutls");
	assert_null(t.version);
	assert_int_equal(t.chain.n, 0);
	assert_int_equal(t.verify_done, 0);
	assert_int_equal(t.handshake_ms, 42);
	/* Data before the handshake is an error, not a silent drop. */
	assert_int_equal(B->write(c, (const uint8_t *)"x", 1), MX_TLS_IO_ERROR);
	mx_tls_clear(&t);
	B->session_free(c);
	B->session_free(NULL);
}

static void test_input_cap(void **state)
{
	struct mx_tls_session *c = B->session_new(NULL, NULL, 0);
	uint8_t *big = calloc(1, 1024 * 1024 + 1);
	uint8_t one = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(big);
	assert_int_equal(B->push_input(c, big, 1024 * 1024 + 1), -1);
	assert_int_equal(B->push_input(c, big, 1024 * 1024), 0);
	assert_int_equal(B->push_input(c, &one, 1), -1);
	assert_int_equal(B->push_input(c, &one, 0), 0);
	assert_int_equal(B->pull_output(c, big, 0), 0);
	free(big);
	B->session_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshakes),
		cmocka_unit_test(test_garbage_instead_of_server_hello),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_data_and_close),
		cmocka_unit_test(test_alert_after_handshake),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_version_window),
		cmocka_unit_test(test_facts_before_handshake),
		cmocka_unit_test(test_input_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
