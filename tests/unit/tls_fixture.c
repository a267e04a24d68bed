/*
 * tls_fixture.c - the OpenSSL test server of the TLS tests; see the
 * header.
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
#include <openssl/x509.h>

#include "tests/unit/tls_fixture.h"

/* ---- files of the test PKI ---------------------------------------------- */

void tlsfx_path(char *buf, size_t len, const char *name, const char *ext)
{
	const char *dir = getenv("TEST_DATA_DIR");

	assert_non_null(dir);
	snprintf(buf, len, "%s/certs/%s%s", dir, name, ext);
}

static BIO *pem_open(const char *name)
{
	char path[1024];
	BIO *b;

	tlsfx_path(path, sizeof(path), name, ".pem");
	b = BIO_new_file(path, "r");
	if (b == NULL)
		fail_msg("cannot open %s", path);
	return b;
}

X509 *tlsfx_load_cert(const char *name)
{
	BIO *b = pem_open(name);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	assert_non_null(x);
	return x;
}

EVP_PKEY *tlsfx_load_dh(const char *name)
{
	BIO *b = pem_open(name);
	EVP_PKEY *dh = PEM_read_bio_Parameters(b, NULL);

	BIO_free(b);
	assert_non_null(dh);
	return dh;
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

static int allow_all(const SSL *s, const SSL_CTX *ctx, int op, int bits,
		     int nid, void *other, void *ex)
{
	(void)s, (void)ctx, (void)op, (void)bits, (void)nid, (void)other,
		(void)ex;
	return 1;
}

/* ---- the server --------------------------------------------------------- */

SSL_CTX *tlsfx_ctx_new(const struct tlsfx_conf *c)
{
	char path[1024];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	size_t i;

	assert_non_null(ctx);
	/* Before the certificates: a legacy server may load weak keys. */
	if (c->weak)
		SSL_CTX_set_security_level(ctx, 0);
	/* Send exactly the configured chain, never one built from a store. */
	SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
	tlsfx_path(path, sizeof(path), c->cert, ".pem");
	assert_int_equal(
		SSL_CTX_use_certificate_file(ctx, path, SSL_FILETYPE_PEM), 1);
	tlsfx_path(path, sizeof(path), c->cert, ".key");
	assert_int_equal(
		SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM), 1);
	for (i = 0; i < 3 && c->extra[i] != NULL; i++)
		assert_int_equal(SSL_CTX_add0_chain_cert(
					 ctx, tlsfx_load_cert(c->extra[i])),
				 1);
	if (c->cipher_list != NULL)
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, c->cipher_list),
				 1);
	if (c->max_version != 0)
		SSL_CTX_set_max_proto_version(ctx, c->max_version);
	if (c->min_version != 0)
		SSL_CTX_set_min_proto_version(ctx, c->min_version);
	if (c->dh768) {
		/* OpenSSL 3 refuses DH below 1024 bits even at level 0: a
		 * permissive security callback plays the legacy server. */
		SSL_CTX_set_security_callback(ctx, allow_all);
		assert_int_equal(SSL_CTX_set0_tmp_dh_pkey(ctx, dh_768()), 1);
	}
	if (c->dh != NULL)
		assert_int_equal(
			SSL_CTX_set0_tmp_dh_pkey(ctx, tlsfx_load_dh(c->dh)), 1);
	if (c->want_client_cert)
		SSL_CTX_set_verify(
			ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			NULL);
	return ctx;
}

static int srv_sni_cb(SSL *ssl, int *al, void *arg)
{
	struct tlsfx *fx = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)al;
	if (name != NULL) {
		fx->sni_seen = 1;
		snprintf(fx->sni, sizeof(fx->sni), "%s", name);
	}
	return SSL_TLSEXT_ERR_OK;
}

static void srv_info_cb(const SSL *ssl, int where, int ret)
{
	struct tlsfx *fx = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) == SSL_CB_READ_ALERT &&
	    (ret >> 8) == SSL3_AL_FATAL && fx->alert_recv < 0)
		fx->alert_recv = ret & 0xff;
}

static void srv_step(struct tlsfx *fx)
{
	int r;

	if (fx->done || fx->failed)
		return;
	ERR_clear_error();
	r = SSL_do_handshake(fx->ssl);
	if (r == 1)
		fx->done = 1;
	else if (SSL_get_error(fx->ssl, r) != SSL_ERROR_WANT_READ)
		fx->failed = 1;
	ERR_clear_error();
}

/* ---- the client and the pump -------------------------------------------- */

struct mx_tls_session *tlsfx_client_new(const struct mx_tls_backend *b,
					struct mx_tls_params *p, const char *ca)
{
	char path[1024], err[256];
	struct mx_tls_session *c;

	if (ca != NULL) {
		tlsfx_path(path, sizeof(path), ca, ".pem");
		p->ca_file = path;
	}
	c = b->session_new(p, err, sizeof(err));
	if (c == NULL)
		fail_msg("session_new: %s", err);
	p->ca_file = NULL; /* path is gone after this call */
	return c;
}

void tlsfx_start(struct tlsfx *fx, const struct mx_tls_backend *b,
		 const struct tlsfx_conf *srv, struct mx_tls_params *p,
		 const char *ca)
{
	memset(fx, 0, sizeof(*fx));
	fx->b = b;
	fx->alert_recv = -1;
	fx->ctx = tlsfx_ctx_new(srv);
	SSL_CTX_set_tlsext_servername_callback(fx->ctx, srv_sni_cb);
	SSL_CTX_set_tlsext_servername_arg(fx->ctx, fx);

	fx->ssl = SSL_new(fx->ctx);
	fx->rbio = BIO_new(BIO_s_mem());
	fx->wbio = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(fx->rbio, -1);
	BIO_set_mem_eof_return(fx->wbio, -1);
	SSL_set_bio(fx->ssl, fx->rbio, fx->wbio);
	SSL_set_app_data(fx->ssl, fx);
	SSL_set_info_callback(fx->ssl, srv_info_cb);
	SSL_set_accept_state(fx->ssl);

	fx->cli = tlsfx_client_new(b, p, ca);
}

void tlsfx_free(struct tlsfx *fx)
{
	fx->b->session_free(fx->cli);
	SSL_free(fx->ssl);
	SSL_CTX_free(fx->ctx);
	ERR_clear_error();
}

size_t tlsfx_to_server(struct tlsfx *fx)
{
	uint8_t buf[4096];
	size_t n, total = 0;

	while ((n = fx->b->pull_output(fx->cli, buf, sizeof(buf))) > 0) {
		assert_int_equal(BIO_write(fx->rbio, buf, (int)n), (int)n);
		total += n;
	}
	assert_int_equal(fx->b->pending_output(fx->cli), 0);
	return total;
}

size_t tlsfx_to_client(struct tlsfx *fx)
{
	uint8_t buf[4096];
	size_t total = 0;
	int n;

	while ((n = BIO_read(fx->wbio, buf, sizeof(buf))) > 0) {
		assert_int_equal(fx->b->push_input(fx->cli, buf, (size_t)n), 0);
		total += (size_t)n;
	}
	return total;
}

enum mx_tls_io tlsfx_pump(struct tlsfx *fx)
{
	enum mx_tls_io r = MX_TLS_IO_WANT_READ;
	int i;

	for (i = 0; i < TLSFX_PUMP_MAX; i++) {
		size_t moved;

		r = fx->b->handshake(fx->cli);
		moved = tlsfx_to_server(fx);
		srv_step(fx);
		moved += tlsfx_to_client(fx);
		if (r == MX_TLS_IO_ERROR || r == MX_TLS_IO_CLOSED)
			break;
		if (moved == 0)
			break;
	}
	/* A client that gave up may have queued an alert: deliver it. */
	tlsfx_to_server(fx);
	srv_step(fx);
	return r;
}

enum mx_tls_io tlsfx_handshake(struct tlsfx *fx, const struct mx_tls_backend *b,
			       const struct tlsfx_conf *srv,
			       struct mx_tls_params *p, const char *ca,
			       struct mx_tls *t)
{
	enum mx_tls_io r;

	tlsfx_start(fx, b, srv, p, ca);
	r = tlsfx_pump(fx);
	b->facts(fx->cli, t);
	return r;
}

/* ---- application data and close ----------------------------------------- */

void tlsfx_check_exchange(struct tlsfx *fx)
{
	const struct mx_tls_backend *b = fx->b;
	uint8_t buf[256];
	size_t got = 0;

	/* Nothing from the server yet (TLS 1.3 tickets are not data). */
	assert_int_equal(b->read(fx->cli, buf, sizeof(buf), &got),
			 MX_TLS_IO_WANT_READ);
	assert_int_equal(got, 0);

	assert_int_equal(b->write(fx->cli, (const uint8_t *)"EHLO probe\r\n",
				  12),
			 MX_TLS_IO_OK);
	tlsfx_to_server(fx);
	assert_int_equal(SSL_read(fx->ssl, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "EHLO probe\r\n", 12);

	assert_int_equal(SSL_write(fx->ssl, "250 mx1 hello\r\n", 15), 15);
	tlsfx_to_client(fx);
	assert_int_equal(b->read(fx->cli, buf, sizeof(buf), &got),
			 MX_TLS_IO_OK);
	assert_int_equal(got, 15);
	assert_memory_equal(buf, "250 mx1 hello\r\n", 15);
}

void tlsfx_check_close(struct tlsfx *fx)
{
	const struct mx_tls_backend *b = fx->b;
	struct mx_tls t = {0};
	uint8_t buf[256];
	size_t got = 0;

	/* Our close_notify reaches the server ... */
	b->shutdown(fx->cli);
	assert_true(b->pending_output(fx->cli) > 0);
	tlsfx_to_server(fx);
	assert_int_equal(SSL_read(fx->ssl, buf, sizeof(buf)), 0);
	assert_int_equal(SSL_get_error(fx->ssl, 0), SSL_ERROR_ZERO_RETURN);
	/* ... and the server's is seen as CLOSED, not as an error. */
	assert_true(SSL_shutdown(fx->ssl) >= 0);
	tlsfx_to_client(fx);
	assert_int_equal(b->read(fx->cli, buf, sizeof(buf), &got),
			 MX_TLS_IO_CLOSED);
	assert_int_equal(got, 0);

	b->facts(fx->cli, &t);
	assert_int_equal(t.completed, 1);
	assert_int_equal(t.fail, MX_TLS_FAIL_NONE);
	assert_null(t.fail_detail);
	mx_tls_clear(&t);
}

/* ---- the checks of a handshake case ------------------------------------- */

static void check_outcome(const struct tlsfx_case *tc, const struct tlsfx *fx,
			  enum mx_tls_io r, const struct mx_tls *t)
{
	assert_int_equal(t->attempted, 1);
	assert_int_equal(t->completed, tc->completed);
	assert_int_equal(r, tc->completed ? MX_TLS_IO_OK : MX_TLS_IO_ERROR);
	if (tc->completed)
		assert_int_equal(fx->done, 1);
	if (t->fail != tc->fail)
		fail_msg("%s: fail %s, want %s (%s)", tc->name,
			 mx_tls_fail_name(t->fail), mx_tls_fail_name(tc->fail),
			 t->fail_detail ? t->fail_detail : "-");
	if (tc->alert == TLSFX_ANY)
		assert_true(t->alert > 0);
	else
		assert_int_equal(t->alert, tc->alert);
	if (tc->detail != NULL) {
		assert_non_null(t->fail_detail);
		if (strstr(t->fail_detail, tc->detail) == NULL)
			fail_msg("fail_detail \"%s\" lacks \"%s\"",
				 t->fail_detail, tc->detail);
	} else {
		assert_null(t->fail_detail);
	}
	/* Our alert really went out and the server read it. */
	if (tc->fail == MX_TLS_FAIL_ALERT_SENT)
		assert_int_equal(fx->alert_recv, t->alert);
}

static void check_negotiated(const struct tlsfx_case *tc,
			     const struct mx_tls *t)
{
	if (tc->version != NULL)
		assert_string_equal(t->version, tc->version);
	if (tc->suite_prefix != NULL) {
		assert_non_null(t->suite_iana);
		assert_memory_equal(t->suite_iana, tc->suite_prefix,
				    strlen(tc->suite_prefix));
	}
	if (tc->suite_id != 0)
		assert_int_equal(t->suite_id, tc->suite_id);
	if (tc->suite_openssl != NULL)
		assert_string_equal(t->suite_openssl, tc->suite_openssl);
	if (tc->tk_type != NULL)
		assert_string_equal(t->temp_key_type, tc->tk_type);
	if (tc->tk_group != NULL && strcmp(tc->tk_group, "-") == 0)
		assert_null(t->temp_key_group);
	else if (tc->tk_group != NULL)
		assert_string_equal(t->temp_key_group, tc->tk_group);
	if (tc->tk_bits != 0)
		assert_int_equal(t->temp_key_bits, tc->tk_bits);
}

static void check_verify_error(const struct tlsfx_chain *e,
			       const struct mx_tls *t, enum tlsfx_verr verr)
{
	if (verr == TLSFX_VERR_EXACT) {
		assert_string_equal(
			t->verify_error,
			e->text ? e->text
				: X509_verify_cert_error_string(e->code));
		return;
	}
	assert_non_null(t->verify_error);
	if (e->text != NULL && strstr(t->verify_error, e->text) == NULL)
		fail_msg("verify_error \"%s\" lacks \"%s\"", t->verify_error,
			 e->text);
}

static void check_chain(const struct tlsfx_chain *e, const struct mx_tls *t,
			enum tlsfx_verr verr)
{
	size_t i;

	assert_int_equal(t->chain.n, e->n);
	for (i = 0; i < e->n; i++) {
		assert_string_equal(t->chain.v[i].cn, e->cn[i]);
		assert_non_null(t->chain.v[i].der);
	}
	assert_int_equal(t->verify_done, e->n > 0);
	if (e->n > 0) {
		assert_int_equal(t->verify_code, e->code);
		check_verify_error(e, t, verr);
		assert_int_equal(t->verify_depth, e->code == 0 ? -1 : e->depth);
		assert_int_equal(t->verified_chain_len, e->verified_len);
	}
	assert_int_equal(t->top_issuer_in_store, e->in_store);
	assert_int_equal(t->top_is_self_signed, e->top_self_signed);
	assert_int_equal(t->chain_in_order, !e->out_of_order);
}

void tlsfx_check_case(const struct tlsfx_case *tc, struct tlsfx *fx,
		      enum mx_tls_io r, struct mx_tls *t, const char *backend,
		      enum tlsfx_verr verr)
{
	/* A TAP comment per case, so the log shows what each one saw. */
	print_message("# %s: completed=%d fail=%s alert=%d version=%s "
		      "suite=%s/%04x tmp=%s/%s/%d verify=%ld@%d len=%d "
		      "chain=%zu detail=%s verr=%s\n",
		      tc->name, t->completed, mx_tls_fail_name(t->fail),
		      t->alert, t->version ? t->version : "-",
		      t->suite_iana ? t->suite_iana : "-", t->suite_id,
		      t->temp_key_type ? t->temp_key_type : "-",
		      t->temp_key_group ? t->temp_key_group : "-",
		      t->temp_key_bits, t->verify_code, t->verify_depth,
		      t->verified_chain_len, t->chain.n,
		      t->fail_detail ? t->fail_detail : "-",
		      t->verify_error ? t->verify_error : "-");

	assert_string_equal(t->backend, backend);
	check_outcome(tc, fx, r, t);
	check_negotiated(tc, t);
	if (tc->chain.check)
		check_chain(&tc->chain, t, verr);

	/* facts() may be called again: same answer, nothing leaked. */
	fx->b->facts(fx->cli, t);
	assert_int_equal(t->completed, tc->completed);
	if (tc->chain.check)
		assert_int_equal(t->chain.n, tc->chain.n);
}
