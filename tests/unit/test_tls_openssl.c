/*
 * test_tls_openssl.c - probe/tls_openssl.c: real handshakes in memory.
 *
 * The client is the mx_tls_openssl backend under test; the server is a
 * plain OpenSSL SSL object built from the test PKI of tests/data/certs
 * (see make.sh there), reading and writing two memory BIOs; both come
 * from tls_fixture.h.  tlsfx_pump() moves ciphertext between them until
 * neither side makes progress, so every case is a complete, real TLS
 * exchange with no sockets and no mocks.  Server configurations reproduce what the
 * analyzers must diagnose: missing intermediate, untrusted root,
 * self-signed and expired leaves, an out-of-order chain, a 1024-bit DHE
 * group ("dh key too small"), no shared cipher, version mismatch, and
 * non-TLS bytes where a ServerHello belongs.
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

static const struct mx_tls_backend *const B = &mx_tls_openssl;

/* ---- table of handshakes ------------------------------------------------ */

#define SKIP TLSFX_ANY

#define CLI(...)                                                               \
	{                                                                      \
		.security_level = -1, __VA_ARGS__                              \
	}
#define LVL(n) ((n) + 1)
#define LEAF "mx1.lab.test"
#define INT "mxprobe Test Intermediate CA"
#define ROOT "mxprobe Test Root CA"
#define TLS12 TLS1_2_VERSION
#define TLS13 TLS1_3_VERSION

static const struct tlsfx_case cases[] = {
	{
		.name = "good chain, verified against the test root",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_AES_",
		.tk_type = "X25519",
		.tk_group = "X25519",
		.tk_bits = 253,
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
			  .text = "unable to get local issuer certificate"},
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
			  .text = "self-signed certificate in certificate "
				  "chain"},
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
			  .cn = {"selfsigned.lab.test"},
			  .text = "self-signed certificate"},
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
			  .text = "certificate has expired"},
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
		.cli = {.max_version = TLS12,
			.cipher_list = "ECDHE-RSA-AES128-GCM-SHA256",
			.groups = "P-256"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		.suite_id = 0xc02f,
		.suite_openssl = "ECDHE-RSA-AES128-GCM-SHA256",
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
		.name = "TLS 1.2 ECDHE X25519",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.max_version = TLS12,
			.cipher_list = "ECDHE-RSA-AES256-GCM-SHA384",
			.groups = "X25519"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		.suite_id = 0xc030,
		.tk_type = "X25519",
		.tk_group = "X25519",
		.tk_bits = 253,
	},
	{
		/* The smarthost case of DESIGN.md: the server answers DHE
		 * with a 1024-bit group, an OpenSSL client at level 2
		 * aborts with "dh key too small". */
		.name = "TLS 1.2 DHE 1024 refused at security level 2",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES128-GCM-SHA256",
			.weak = 1,
			.dh = "dh1024"},
		.cli = {.max_version = TLS12, .cipher_list = "DHE"},
		.level = LVL(2),
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_SENT,
		.alert = 40,
		.detail = "dh key too small",
		.version = "TLSv1.2",
		.suite_prefix = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
		.suite_id = 0x009e,
		.suite_openssl = "DHE-RSA-AES128-GCM-SHA256",
		.chain = {.check = 1,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {LEAF, INT}},
	},
	{
		.name = "TLS 1.2 DHE 1024 accepted at security level 0",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES128-GCM-SHA256",
			.weak = 1,
			.dh = "dh1024"},
		.cli = {.max_version = TLS12, .cipher_list = "DHE"},
		.level = LVL(0),
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_id = 0x009e,
		.tk_type = "DH",
		.tk_group = "-", /* a private group has no name */
		.tk_bits = 1024,
	},
	{
		.name = "TLS 1.2 DHE 2048 at security level 2",
		.srv = {.cert = "leaf",
			.extra = {"int"},
			.cipher_list = "DHE-RSA-AES256-GCM-SHA384",
			.dh = "dh2048"},
		.cli = {.max_version = TLS12, .cipher_list = "DHE"},
		.level = LVL(2),
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_id = 0x009f,
		.tk_type = "DH",
		.tk_bits = 2048,
	},
	{
		.name = "TLS 1.3 only",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.min_version = TLS13},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_AES_",
	},
	{
		.name = "TLS 1.3 with CHACHA20 and P-256",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.min_version = TLS13,
			.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256",
			.groups = "P-256"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.3",
		.suite_prefix = "TLS_CHACHA20_POLY1305_SHA256",
		.suite_id = 0x1303,
		.suite_openssl = "TLS_CHACHA20_POLY1305_SHA256",
		.tk_type = "ECDH",
		.tk_group = "P-256",
		.tk_bits = 256,
	},
	{
		/* RFC 7919 named group: the DH group has a name. */
		.name = "TLS 1.3 with ffdhe2048",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.min_version = TLS13, .groups = "ffdhe2048"},
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
		.cli = {.max_version = TLS12,
			.cipher_list = "ECDHE-ECDSA-AES256-GCM-SHA384"},
		.ca = "root",
		.completed = 1,
		.version = "TLSv1.2",
		.suite_prefix = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		.suite_id = 0xc02c,
		.chain = {.check = 1,
			  .in_store = 1,
			  .verified_len = 3,
			  .n = 2,
			  .cn = {"ec256.lab.test", INT}},
	},
	{
		/* A 1024-bit RSA leaf: with SSL_VERIFY_NONE the handshake
		 * completes, and the verifier's security level says why
		 * the chain is refused. */
		.name = "RSA 1024 leaf at security level 2",
		.srv = {.cert = "rsa1024", .extra = {"int"}, .weak = 1},
		.level = LVL(2),
		.ca = "root",
		.completed = 1,
		.chain = {.check = 1,
			  .code = 66, /* EE certificate key too weak */
			  .depth = 0,
			  .in_store = 1,
			  .verified_len = 1, /* refused before building */
			  .n = 2,
			  .cn = {"rsa1024.lab.test", INT}},
	},
	{
		.name = "no shared cipher: the server sends handshake_failure",
		.srv = {.cert = "leaf", .extra = {"int"}},
		.cli = {.max_version = TLS12,
			.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256"},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_RECV,
		.alert = 40,
		.detail = "alert handshake failure",
		.chain = {.check = 1, .n = 0},
	},
	{
		.name = "no common version: the server sends protocol_version",
		.srv = {.cert = "leaf", .extra = {"int"}, .max_version = TLS12},
		.cli = {.min_version = TLS13},
		.ca = "root",
		.fail = MX_TLS_FAIL_ALERT_RECV,
		.alert = 70,
		.detail = "protocol version",
	},
};

static void check_case(const struct tlsfx_case *tc)
{
	struct mx_tls_params p = tc->cli;
	struct mx_tls t = {0};
	struct tlsfx fx;
	enum mx_tls_io r;

	p.security_level = tc->level ? tc->level - 1 : -1;
	r = tlsfx_handshake(&fx, B, &tc->srv, &p, tc->ca, &t);
	tlsfx_check_case(tc, &fx, r, &t, "openssl", TLSFX_VERR_EXACT);
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
		const char *detail;
	} g[] = {
		{"220 mx.lab.test ESMTP Postfix\r\n", 31, MX_TLS_FAIL_PROTOCOL,
		 0, "wrong version number"},
		{"554 5.7.0 Too many errors\r\n", 27, MX_TLS_FAIL_PROTOCOL, 0,
		 "wrong version number"},
		{"HTTP/1.1 400 Bad Request\r\n\r\n", 28, MX_TLS_FAIL_PROTOCOL,
		 0, "wrong version number"},
		{"\x16\x03\x03\xff\xff\x02\x00\x00\x00", 9,
		 MX_TLS_FAIL_PROTOCOL, 0, "packet length too long"},
		/* A real fatal alert record: handshake_failure (40). */
		{"\x15\x03\x03\x00\x02\x02\x28", 7, MX_TLS_FAIL_ALERT_RECV, 40,
		 "handshake failure"},
		/* A handshake record with an empty ServerHello: we abort. */
		{"\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9,
		 MX_TLS_FAIL_ALERT_SENT, SKIP, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct mx_tls_params p = CLI(.sni = "mx1.lab.test");
		struct mx_tls_session *c = tlsfx_client_new(B, &p, "root");
		struct mx_tls t = {0};
		uint8_t out[4096];

		assert_int_equal(B->handshake(c), MX_TLS_IO_WANT_READ);
		assert_true(B->pending_output(c) > 0); /* the ClientHello */
		while (B->pull_output(c, out, sizeof(out)) > 0)
			;
		/* Nothing to read yet: still waiting, not failed. */
		assert_int_equal(B->handshake(c), MX_TLS_IO_WANT_READ);
		assert_int_equal(B->push_input(c, (const uint8_t *)g[i].bytes,
					       g[i].len),
				 0);
		assert_int_equal(B->handshake(c), MX_TLS_IO_ERROR);
		/* Failed is final. */
		assert_int_equal(B->handshake(c), MX_TLS_IO_ERROR);
		B->facts(c, &t);
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
		if (g[i].detail != NULL &&
		    strstr(t.fail_detail, g[i].detail) == NULL)
			fail_msg("garbage %zu: detail \"%s\"", i,
				 t.fail_detail);
		assert_int_equal(t.chain.n, 0);
		assert_int_equal(t.verify_done, 0);
		assert_null(t.version);
		assert_int_equal(ERR_peek_error(), 0); /* queue left clean */
		mx_tls_clear(&t);
		B->session_free(c);
	}
}

/* ---- SNI ---------------------------------------------------------------- */

static void test_sni(void **state)
{
	static const struct {
		const char *given;
		const char *sent; /* NULL: no server_name extension */
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
		struct mx_tls_params p = CLI(.sni = s[i].given);
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
	struct mx_tls_params p = CLI(.sni = "mx1.lab.test");
	struct tlsfx fx;

	(void)state;
	tlsfx_start(&fx, B, &sc, &p, "root");
	assert_int_equal(tlsfx_pump(&fx), MX_TLS_IO_OK);
	assert_int_equal(fx.done, 1);

	tlsfx_check_exchange(&fx);
	tlsfx_check_close(&fx);
	tlsfx_free(&fx);
}

/* ---- parameters and limits ---------------------------------------------- */

/* RFC 8446 §4.4.2.4: a TLS 1.3 server that insists on a client
 * certificate says so with an alert after our Finished, when the client
 * already counts the handshake as complete.  The failure is still a
 * fact: completed stays 1, fail says who sent which alert. */
static void test_alert_after_handshake(void **state)
{
	const struct tlsfx_conf sc = {
		.cert = "leaf", .extra = {"int"}, .want_client_cert = 1};
	struct mx_tls_params p = CLI(.sni = "mx1.lab.test");
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
	/* Failed is final for every call. */
	assert_int_equal(B->write(fx.cli, (const uint8_t *)"QUIT\r\n", 6),
			 MX_TLS_IO_ERROR);
	assert_int_equal(B->handshake(fx.cli), MX_TLS_IO_ERROR);
	B->facts(fx.cli, &t);
	assert_int_equal(t.completed, 1);
	assert_string_equal(t.version, "TLSv1.3");
	assert_int_equal(t.fail, MX_TLS_FAIL_ALERT_RECV);
	assert_int_equal(t.alert, 116); /* certificate_required */
	assert_non_null(strstr(t.fail_detail, "certificate required"));
	assert_int_equal(t.verify_code, 0);
	mx_tls_clear(&t);
	tlsfx_free(&fx);
}

static void test_bad_params(void **state)
{
	static const struct {
		struct mx_tls_params p;
		const char *msg;
	} bad[] = {
		{CLI(.cipher_list = "NOPE:NADA"), "cipher_list"},
		{CLI(.ciphersuites = "TLS_NO_SUCH_SUITE"), "ciphersuites"},
		{CLI(.groups = "nosuchgroup"), "groups"},
		{CLI(.ca_file = "/nonexistent/ca.pem"), "trust store"},
		{CLI(.min_version = 0x7f7f), "min_version"},
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
		assert_int_equal(ERR_peek_error(), 0);
	}
	/* Tiny and absent error buffers are fine. */
	assert_null(B->session_new(&bad[0].p, err, 4));
	assert_int_equal(strlen(err), 3);
	assert_null(B->session_new(&bad[0].p, NULL, 0));
}

static void test_facts_before_handshake(void **state)
{
	struct mx_tls_session *c = B->session_new(NULL, NULL, 0);
	struct mx_tls t = {0};

	(void)state;
	assert_non_null(c);  /* NULL params: library defaults, system store */
	t.handshake_ms = 42; /* caller-owned fields survive facts() */
	B->facts(c, &t);
	assert_int_equal(t.attempted, 0);
	assert_int_equal(t.completed, 0);
	assert_int_equal(t.fail, MX_TLS_FAIL_NONE);
	assert_string_equal(t.backend, "openssl");
	assert_null(t.version);
	assert_int_equal(t.chain.n, 0);
	assert_int_equal(t.verify_done, 0);
	assert_int_equal(t.handshake_ms, 42);
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
		cmocka_unit_test(test_facts_before_handshake),
		cmocka_unit_test(test_input_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
