/*
 * test_tls_gnutls.c - probe/tls_gnutls.c: real handshakes in memory.
 *
 * The client is the mx_tls_gnutls backend under test; the server is a
 * plain OpenSSL SSL object built from the test PKI of tests/data/certs,
 * exactly as in test_tls_openssl.c, reading and writing two memory BIOs.
 * pump() moves ciphertext between them until neither side makes
 * progress, so every case is a complete, real TLS exchange between two
 * different stacks, with no sockets and no mocks.
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

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "model/result.h"
#include "probe/tls.h"

static const struct mx_tls_backend *const B = &mx_tls_gnutls;

/* ---- test server (as in test_tls_openssl.c) ------------------------------ */

static int allow_all(const SSL *s, const SSL_CTX *ctx, int op, int bits,
		     int nid, void *other, void *ex)
{
	(void)s, (void)ctx, (void)op, (void)bits, (void)nid, (void)other,
		(void)ex;
	return 1;
}

/* RFC 2409 §6.1 Oakley group 1 (768-bit MODP, g = 2), from OpenSSL. */
static EVP_PKEY *dh_768(void)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = BN_get_rfc2409_prime_768(NULL);
	BIGNUM *g = BN_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM *prm;
	EVP_PKEY *pk = NULL;

	assert_non_null(bld);
	assert_non_null(p);
	assert_non_null(g);
	assert_non_null(pc);
	assert_int_equal(BN_set_word(g, 2), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p),
			 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g),
			 1);
	prm = OSSL_PARAM_BLD_to_param(bld);
	assert_non_null(prm);
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(
		EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_KEY_PARAMETERS, prm), 1);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(pc);
	BN_free(p);
	BN_free(g);
	return pk;
}

struct srv_conf {
	const char *cert;	 /* base name in certs/ (with .key) */
	const char *extra[3];	 /* sent after the leaf, in this order */
	const char *cipher_list; /* TLS <= 1.2; NULL: default */
	int max_version;	 /* 0: library default */
	int weak;		 /* 1: SECLEVEL=0 (a legacy server) */
	int want_client_cert;	 /* 1: fail without a client certificate */
	const char *dh;		 /* DH parameters base name, or NULL */
	int dh768;		 /* 1: RFC 2409 group 1 (768-bit) DH */
	int min_version;	 /* 0: library default */
};

struct srv {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	char sni[256];
	int sni_seen;
	int done, failed;
	int alert_recv; /* fatal alert the server read, -1: none */
};

static void data_path(char *buf, size_t len, const char *name, const char *ext)
{
	const char *dir = getenv("TEST_DATA_DIR");

	assert_non_null(dir);
	snprintf(buf, len, "%s/certs/%s%s", dir, name, ext);
}

static X509 *load_cert(const char *name)
{
	char path[1024];
	FILE *fp;
	X509 *x;

	data_path(path, sizeof(path), name, ".pem");
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

static int srv_sni_cb(SSL *ssl, int *al, void *arg)
{
	struct srv *sv = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)al;
	if (name != NULL) {
		sv->sni_seen = 1;
		snprintf(sv->sni, sizeof(sv->sni), "%s", name);
	}
	return SSL_TLSEXT_ERR_OK;
}

static void srv_info_cb(const SSL *ssl, int where, int ret)
{
	struct srv *sv = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT &&
	    (ret >> 8) == SSL3_AL_FATAL && sv->alert_recv < 0)
		sv->alert_recv = ret & 0xff;
}

static void srv_init(struct srv *sv, const struct srv_conf *c)
{
	char path[1024];
	size_t i;

	memset(sv, 0, sizeof(*sv));
	sv->alert_recv = -1;
	sv->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(sv->ctx);
	if (c->weak)
		SSL_CTX_set_security_level(sv->ctx, 0);
	/* Send exactly the configured chain, never one built from a store. */
	SSL_CTX_set_mode(sv->ctx, SSL_MODE_NO_AUTO_CHAIN);
	data_path(path, sizeof(path), c->cert, ".pem");
	assert_int_equal(SSL_CTX_use_certificate_file(sv->ctx, path,
						      SSL_FILETYPE_PEM),
			 1);
	data_path(path, sizeof(path), c->cert, ".key");
	assert_int_equal(SSL_CTX_use_PrivateKey_file(sv->ctx, path,
						     SSL_FILETYPE_PEM),
			 1);
	for (i = 0; i < 3 && c->extra[i] != NULL; i++) {
		X509 *x = load_cert(c->extra[i]);

		assert_int_equal(SSL_CTX_add0_chain_cert(sv->ctx, x), 1);
	}
	if (c->cipher_list != NULL)
		assert_int_equal(
			SSL_CTX_set_cipher_list(sv->ctx, c->cipher_list), 1);
	if (c->max_version != 0)
		SSL_CTX_set_max_proto_version(sv->ctx, c->max_version);
	if (c->min_version != 0)
		SSL_CTX_set_min_proto_version(sv->ctx, c->min_version);
	if (c->dh768) {
		/* OpenSSL 3 refuses DH below 1024 bits even at level 0: a
		 * permissive security callback plays the legacy server. */
		SSL_CTX_set_security_callback(sv->ctx, allow_all);
		assert_int_equal(SSL_CTX_set0_tmp_dh_pkey(sv->ctx, dh_768()),
				 1);
	}
	if (c->dh != NULL) {
		BIO *b;
		EVP_PKEY *dh;

		data_path(path, sizeof(path), c->dh, ".pem");
		b = BIO_new_file(path, "r");
		assert_non_null(b);
		dh = PEM_read_bio_Parameters(b, NULL);
		BIO_free(b);
		assert_non_null(dh);
		assert_int_equal(SSL_CTX_set0_tmp_dh_pkey(sv->ctx, dh), 1);
	}
	if (c->want_client_cert)
		SSL_CTX_set_verify(sv->ctx,
				   SSL_VERIFY_PEER |
					   SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   NULL);
	SSL_CTX_set_tlsext_servername_callback(sv->ctx, srv_sni_cb);
	SSL_CTX_set_tlsext_servername_arg(sv->ctx, sv);

	sv->ssl = SSL_new(sv->ctx);
	sv->rbio = BIO_new(BIO_s_mem());
	sv->wbio = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(sv->rbio, -1);
	BIO_set_mem_eof_return(sv->wbio, -1);
	SSL_set_bio(sv->ssl, sv->rbio, sv->wbio);
	SSL_set_app_data(sv->ssl, sv);
	SSL_set_info_callback(sv->ssl, srv_info_cb);
	SSL_set_accept_state(sv->ssl);
}

static void srv_free(struct srv *sv)
{
	SSL_free(sv->ssl);
	SSL_CTX_free(sv->ctx);
	ERR_clear_error();
}

static void srv_step(struct srv *sv)
{
	int r;

	if (sv->done || sv->failed)
		return;
	ERR_clear_error();
	r = SSL_do_handshake(sv->ssl);
	if (r == 1)
		sv->done = 1;
	else if (SSL_get_error(sv->ssl, r) != SSL_ERROR_WANT_READ)
		sv->failed = 1;
	ERR_clear_error();
}

/* Client output -> server input; returns the bytes moved. */
static size_t to_server(struct mx_tls_session *c, struct srv *sv)
{
	uint8_t buf[4096];
	size_t n, total = 0;

	while ((n = B->pull_output(c, buf, sizeof(buf))) > 0) {
		assert_int_equal(BIO_write(sv->rbio, buf, (int)n), (int)n);
		total += n;
	}
	assert_int_equal(B->pending_output(c), 0);
	return total;
}

/* Server output -> client input. */
static size_t to_client(struct srv *sv, struct mx_tls_session *c)
{
	uint8_t buf[4096];
	size_t total = 0;
	int n;

	while ((n = BIO_read(sv->wbio, buf, sizeof(buf))) > 0) {
		assert_int_equal(B->push_input(c, buf, (size_t)n), 0);
		total += (size_t)n;
	}
	return total;
}

/* Drive both sides until the client is done (or failed) and nothing
 * moves any more. */
static enum mx_tls_io pump(struct mx_tls_session *c, struct srv *sv)
{
	enum mx_tls_io r = MX_TLS_IO_WANT_READ;
	int i;

	for (i = 0; i < 64; i++) {
		size_t moved;

		r = B->handshake(c);
		moved = to_server(c, sv);
		srv_step(sv);
		moved += to_client(sv, c);
		if (r == MX_TLS_IO_ERROR || r == MX_TLS_IO_CLOSED)
			break;
		if (moved == 0)
			break;
	}
	/* A client that gave up may have queued an alert: deliver it. */
	to_server(c, sv);
	srv_step(sv);
	return r;
}

static struct mx_tls_session *client_new(struct mx_tls_params *p,
					 const char *ca)
{
	char path[1024], err[256];
	struct mx_tls_session *c;

	if (ca != NULL) {
		data_path(path, sizeof(path), ca, ".pem");
		p->ca_file = path;
	}
	c = B->session_new(p, err, sizeof(err));
	if (c == NULL)
		fail_msg("session_new: %s", err);
	p->ca_file = NULL; /* path is gone after this call */
	return c;
}

/* ---- table of handshakes ------------------------------------------------ */

#define SKIP (-99)

struct expect_chain {
	int check;
	long code;
	int depth;
	int in_store;
	int top_self_signed;
	int out_of_order;
	int verified_len;
	size_t n;
	const char *cn[4];
	const char *text; /* substring of verify_error; NULL: not checked */
};

struct hs_case {
	const char *name;
	struct srv_conf srv;
	struct mx_tls_params cli;
	const char *ca;
	int completed;
	enum mx_tls_fail fail;
	int alert;	    /* SKIP: any nonzero */
	const char *detail; /* substring of fail_detail; NULL: none */
	const char *version;
	const char *suite_prefix;
	int suite_id;
	const char *suite_openssl;
	const char *tk_type;
	const char *tk_group; /* "-": must be NULL */
	int tk_bits;
	struct expect_chain chain;
};

#define LEAF "mx1.lab.test"
#define INT "mxprobe Test Intermediate CA"
#define ROOT "mxprobe Test Root CA"
#define TLS12 TLS1_2_VERSION
#define TLS13 TLS1_3_VERSION
#define ONLY12 "NORMAL:-VERS-ALL:+VERS-TLS1.2"

static const struct hs_case cases[] = {
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

static void check_case(const struct hs_case *tc)
{
	struct mx_tls_params p = tc->cli;
	struct mx_tls t = {0};
	struct mx_tls_session *c;
	struct srv sv;
	enum mx_tls_io r;
	size_t i;

	srv_init(&sv, &tc->srv);
	c = client_new(&p, tc->ca);
	r = pump(c, &sv);
	B->facts(c, &t);
	print_message("# %s: completed=%d fail=%s alert=%d version=%s "
		      "suite=%s/%04x tmp=%s/%s/%d verify=%ld@%d len=%d "
		      "chain=%zu detail=%s verr=%s\n",
		      tc->name, t.completed, mx_tls_fail_name(t.fail), t.alert,
		      t.version ? t.version : "-",
		      t.suite_iana ? t.suite_iana : "-", t.suite_id,
		      t.temp_key_type ? t.temp_key_type : "-",
		      t.temp_key_group ? t.temp_key_group : "-",
		      t.temp_key_bits, t.verify_code, t.verify_depth,
		      t.verified_chain_len, t.chain.n,
		      t.fail_detail ? t.fail_detail : "-",
		      t.verify_error ? t.verify_error : "-");

	assert_int_equal(t.attempted, 1);
	assert_string_equal(t.backend, "gnutls");
	assert_int_equal(t.completed, tc->completed);
	assert_int_equal(r, tc->completed ? MX_TLS_IO_OK : MX_TLS_IO_ERROR);
	if (tc->completed)
		assert_int_equal(sv.done, 1);
	if (t.fail != tc->fail)
		fail_msg("%s: fail %s, want %s (%s)", tc->name,
			 mx_tls_fail_name(t.fail), mx_tls_fail_name(tc->fail),
			 t.fail_detail ? t.fail_detail : "-");
	if (tc->alert == SKIP)
		assert_true(t.alert > 0);
	else
		assert_int_equal(t.alert, tc->alert);
	if (tc->detail != NULL) {
		assert_non_null(t.fail_detail);
		if (strstr(t.fail_detail, tc->detail) == NULL)
			fail_msg("fail_detail \"%s\" lacks \"%s\"",
				 t.fail_detail, tc->detail);
	} else {
		assert_null(t.fail_detail);
	}
	/* Our alert really went out and the server read it. */
	if (tc->fail == MX_TLS_FAIL_ALERT_SENT)
		assert_int_equal(sv.alert_recv, t.alert);

	if (tc->version != NULL)
		assert_string_equal(t.version, tc->version);
	if (tc->suite_prefix != NULL) {
		assert_non_null(t.suite_iana);
		assert_memory_equal(t.suite_iana, tc->suite_prefix,
				    strlen(tc->suite_prefix));
	}
	if (tc->completed || tc->version != NULL) {
		/* Whatever was negotiated has its IANA code point. */
		const SSL_CIPHER *sc = SSL_get_current_cipher(sv.ssl);

		if (sc == NULL)
			sc = SSL_get_pending_cipher(sv.ssl);
		assert_non_null(sc);
		assert_int_equal(t.suite_id, SSL_CIPHER_get_protocol_id(sc));
		assert_string_equal(t.suite_iana, SSL_CIPHER_standard_name(sc));
	}
	if (tc->suite_id != 0)
		assert_int_equal(t.suite_id, tc->suite_id);
	if (tc->suite_openssl != NULL)
		assert_string_equal(t.suite_openssl, tc->suite_openssl);
	if (tc->tk_type != NULL)
		assert_string_equal(t.temp_key_type, tc->tk_type);
	if (tc->tk_group != NULL && strcmp(tc->tk_group, "-") == 0)
		assert_null(t.temp_key_group);
	else if (tc->tk_group != NULL)
		assert_string_equal(t.temp_key_group, tc->tk_group);
	if (tc->tk_bits != 0)
		assert_int_equal(t.temp_key_bits, tc->tk_bits);

	if (tc->chain.check) {
		const struct expect_chain *e = &tc->chain;

		assert_int_equal(t.chain.n, e->n);
		for (i = 0; i < e->n; i++) {
			assert_string_equal(t.chain.v[i].cn, e->cn[i]);
			assert_non_null(t.chain.v[i].der);
		}
		assert_int_equal(t.verify_done, e->n > 0);
		if (e->n > 0) {
			assert_int_equal(t.verify_code, e->code);
			assert_int_equal(t.verify_depth,
					 e->code == 0 ? -1 : e->depth);
			assert_int_equal(t.verified_chain_len, e->verified_len);
			assert_non_null(t.verify_error);
			if (e->text != NULL &&
			    strstr(t.verify_error, e->text) == NULL)
				fail_msg("verify_error \"%s\" lacks \"%s\"",
					 t.verify_error, e->text);
		}
		assert_int_equal(t.top_issuer_in_store, e->in_store);
		assert_int_equal(t.top_is_self_signed, e->top_self_signed);
		assert_int_equal(t.chain_in_order, !e->out_of_order);
	}

	/* facts() may be called again: same answer, nothing leaked. */
	B->facts(c, &t);
	assert_int_equal(t.completed, tc->completed);
	if (tc->chain.check)
		assert_int_equal(t.chain.n, tc->chain.n);

	mx_tls_clear(&t);
	B->session_free(c);
	srv_free(&sv);
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
		struct mx_tls_session *c = client_new(&p, "root");
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
	const struct srv_conf sc = {.cert = "leaf", .extra = {"int"}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct mx_tls_params p = {.sni = s[i].given};
		struct mx_tls_session *c;
		struct mx_tls t = {0};
		struct srv sv;

		srv_init(&sv, &sc);
		c = client_new(&p, "root");
		assert_int_equal(pump(c, &sv), MX_TLS_IO_OK);
		B->facts(c, &t);
		if (s[i].sent == NULL) {
			assert_int_equal(sv.sni_seen, 0);
			assert_null(t.sni);
		} else {
			assert_int_equal(sv.sni_seen, 1);
			assert_string_equal(sv.sni, s[i].sent);
			assert_string_equal(t.sni, s[i].sent);
		}
		mx_tls_clear(&t);
		B->session_free(c);
		srv_free(&sv);
	}
}

/* ---- application data and close ----------------------------------------- */

static void test_data_and_close(void **state)
{
	const struct srv_conf sc = {.cert = "leaf", .extra = {"int"}};
	struct mx_tls_params p = {.sni = "mx1.lab.test"};
	struct mx_tls_session *c;
	struct srv sv;
	uint8_t buf[256];
	size_t got = 0;
	int n;

	(void)state;
	srv_init(&sv, &sc);
	c = client_new(&p, "root");
	assert_int_equal(pump(c, &sv), MX_TLS_IO_OK);
	assert_int_equal(sv.done, 1);

	/* Nothing from the server yet (TLS 1.3 tickets are not data). */
	assert_int_equal(B->read(c, buf, sizeof(buf), &got),
			 MX_TLS_IO_WANT_READ);
	assert_int_equal(got, 0);

	assert_int_equal(B->write(c, (const uint8_t *)"EHLO probe\r\n", 12),
			 MX_TLS_IO_OK);
	to_server(c, &sv);
	n = SSL_read(sv.ssl, buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_memory_equal(buf, "EHLO probe\r\n", 12);

	assert_int_equal(SSL_write(sv.ssl, "250 mx1 hello\r\n", 15), 15);
	to_client(&sv, c);
	assert_int_equal(B->read(c, buf, sizeof(buf), &got), MX_TLS_IO_OK);
	assert_int_equal(got, 15);
	assert_memory_equal(buf, "250 mx1 hello\r\n", 15);

	/* A larger write spans several records; all of it arrives. */
	{
		static uint8_t big[40000];
		size_t total = 0;

		memset(big, 'x', sizeof(big));
		assert_int_equal(B->write(c, big, sizeof(big)), MX_TLS_IO_OK);
		to_server(c, &sv);
		while ((n = SSL_read(sv.ssl, buf, sizeof(buf))) > 0)
			total += (size_t)n;
		ERR_clear_error();
		assert_int_equal(total, sizeof(big));
	}

	/* Our close_notify reaches the server ... */
	B->shutdown(c);
	assert_true(B->pending_output(c) > 0);
	to_server(c, &sv);
	assert_int_equal(SSL_read(sv.ssl, buf, sizeof(buf)), 0);
	assert_int_equal(SSL_get_error(sv.ssl, 0), SSL_ERROR_ZERO_RETURN);
	/* ... and the server's is seen as CLOSED, not as an error. */
	assert_true(SSL_shutdown(sv.ssl) >= 0);
	to_client(&sv, c);
	assert_int_equal(B->read(c, buf, sizeof(buf), &got), MX_TLS_IO_CLOSED);
	assert_int_equal(got, 0);
	{
		struct mx_tls t = {0};

		B->facts(c, &t);
		assert_int_equal(t.completed, 1);
		assert_int_equal(t.fail, MX_TLS_FAIL_NONE);
		assert_null(t.fail_detail);
		mx_tls_clear(&t);
	}
	B->session_free(c);
	srv_free(&sv);
}

/* RFC 8446 §4.4.2.4: a TLS 1.3 server that insists on a client
 * certificate says so with an alert after our Finished. */
static void test_alert_after_handshake(void **state)
{
	const struct srv_conf sc = {
		.cert = "leaf", .extra = {"int"}, .want_client_cert = 1};
	struct mx_tls_params p = {.sni = "mx1.lab.test"};
	struct mx_tls_session *c;
	struct mx_tls t = {0};
	struct srv sv;
	uint8_t buf[64];
	size_t got = 1;

	(void)state;
	srv_init(&sv, &sc);
	c = client_new(&p, "root");
	assert_int_equal(pump(c, &sv), MX_TLS_IO_OK);
	assert_int_equal(sv.failed, 1);
	assert_int_equal(B->read(c, buf, sizeof(buf), &got), MX_TLS_IO_ERROR);
	assert_int_equal(got, 0);
	assert_int_equal(B->write(c, (const uint8_t *)"QUIT\r\n", 6),
			 MX_TLS_IO_ERROR);
	assert_int_equal(B->handshake(c), MX_TLS_IO_ERROR);
	B->facts(c, &t);
	assert_int_equal(t.completed, 1);
	assert_string_equal(t.version, "TLSv1.3");
	assert_int_equal(t.fail, MX_TLS_FAIL_ALERT_RECV);
	assert_int_equal(t.alert, 116); /* certificate_required */
	assert_non_null(strstr(t.fail_detail, "alert received"));
	assert_int_equal(t.verify_code, 0);
	mx_tls_clear(&t);
	B->session_free(c);
	srv_free(&sv);
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
	const struct srv_conf sc = {.cert = "leaf", .extra = {"int"}};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct mx_tls_params p = {.priority = "NORMAL",
					  .min_version = w[i].min,
					  .max_version = w[i].max};
		struct mx_tls_session *c;
		struct mx_tls t = {0};
		struct srv sv;

		srv_init(&sv, &sc);
		c = client_new(&p, "root");
		assert_int_equal(pump(c, &sv), MX_TLS_IO_OK);
		B->facts(c, &t);
		assert_string_equal(t.version, w[i].version);
		mx_tls_clear(&t);
		B->session_free(c);
		srv_free(&sv);
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
