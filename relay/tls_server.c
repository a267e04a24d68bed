/*
 * tls_server.c - server side TLS over memory BIOs for the listener; see
 * tls_server.h for the contract.
 *
 * Mirrors probe/tls_openssl.c: the SSL reads ciphertext from one
 * BIO_s_mem (filled by push) and writes to another (drained by pull);
 * both say "retry" when empty, so OpenSSL answers WANT_READ and the
 * event loop decides what to do.  The first failure is kept (escaped
 * library text) and every later call returns MX_TLS_IO_ERROR.
 */
#include "relay/tls_server.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/escape.h"
#include "common/xalloc.h"

struct mx_tls_server_ctx {
	SSL_CTX *ctx;
};

struct mx_tls_server {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	int completed;
	int failed;
	char error[256];
};

static void errf(char *err, size_t errlen, const char *what, const char *arg)
{
	char lib[160] = "";
	unsigned long e = ERR_peek_error();
	char *earg = arg ? mx_escape_str(arg, 200) : NULL;

	if (e != 0)
		ERR_error_string_n(e, lib, sizeof(lib));
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s%s%s%s%s", what, earg ? " " : "",
			 earg ? earg : "", lib[0] ? ": " : "", lib, "");
	free(earg);
	ERR_clear_error();
}

struct mx_tls_server_ctx *mx_tls_server_ctx_new(const char *cert_file,
						const char *key_file, char *err,
						size_t errlen)
{
	struct mx_tls_server_ctx *c = xcalloc(1, sizeof(*c));

	ERR_clear_error();
	if (cert_file == NULL || key_file == NULL) {
		snprintf(err, errlen,
			 "a certificate needs its key (and the "
			 "key its certificate)");
		goto fail;
	}
	c->ctx = SSL_CTX_new(TLS_server_method());
	if (c->ctx == NULL) {
		errf(err, errlen, "SSL_CTX_new failed", NULL);
		goto fail;
	}
	/* RFC 8996: nothing below TLS 1.2. */
	if (!SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION)) {
		errf(err, errlen, "cannot set TLS 1.2 as minimum", NULL);
		goto fail;
	}
	SSL_CTX_set_options(c->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
					    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1) {
		errf(err, errlen, "cannot load the certificate chain",
		     cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) !=
	    1) {
		errf(err, errlen, "cannot load the private key", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(c->ctx) != 1) {
		errf(err, errlen,
		     "the private key does not match the "
		     "certificate",
		     key_file);
		goto fail;
	}
	return c;
fail:
	mx_tls_server_ctx_free(c);
	return NULL;
}

void mx_tls_server_ctx_free(struct mx_tls_server_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

struct mx_tls_server *mx_tls_server_new(struct mx_tls_server_ctx *ctx,
					char *err, size_t errlen)
{
	struct mx_tls_server *s = xcalloc(1, sizeof(*s));

	ERR_clear_error();
	s->ssl = SSL_new(ctx->ctx);
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	if (s->ssl == NULL || s->rbio == NULL || s->wbio == NULL) {
		BIO_free(s->rbio);
		BIO_free(s->wbio);
		s->rbio = s->wbio = NULL;
		errf(err, errlen, "SSL_new failed", NULL);
		mx_tls_server_free(s);
		return NULL;
	}
	/* Empty memory BIOs mean "retry", not EOF: the caller owns EOF. */
	BIO_set_mem_eof_return(s->rbio, -1);
	BIO_set_mem_eof_return(s->wbio, -1);
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	SSL_set_accept_state(s->ssl);
	return s;
}

void mx_tls_server_free(struct mx_tls_server *s)
{
	if (s == NULL)
		return;
	SSL_free(s->ssl); /* frees both BIOs */
	free(s);
}

int mx_tls_server_push(struct mx_tls_server *s, const uint8_t *p, size_t n)
{
	size_t pending = BIO_ctrl_pending(s->rbio);

	if (n == 0)
		return 0;
	if (n > MX_TLS_SERVER_MAX_INPUT ||
	    pending > MX_TLS_SERVER_MAX_INPUT - n)
		return -1;
	if (BIO_write(s->rbio, p, (int)n) != (int)n) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

size_t mx_tls_server_pull(struct mx_tls_server *s, uint8_t *p, size_t max)
{
	int r;

	if (max == 0)
		return 0;
	r = BIO_read(s->wbio, p, max > INT_MAX ? INT_MAX : (int)max);
	return r > 0 ? (size_t)r : 0;
}

size_t mx_tls_server_pending(struct mx_tls_server *s)
{
	return BIO_ctrl_pending(s->wbio);
}

static void record_failure(struct mx_tls_server *s, int sslerr)
{
	unsigned long e = ERR_peek_error();
	char lib[200];

	if (s->failed)
		return;
	s->failed = 1;
	if (e != 0) {
		char *esc;

		ERR_error_string_n(e, lib, sizeof(lib));
		esc = mx_escape_str(lib, sizeof(s->error) - 4);
		snprintf(s->error, sizeof(s->error), "%s", esc);
		free(esc);
	} else if (sslerr == SSL_ERROR_ZERO_RETURN) {
		snprintf(s->error, sizeof(s->error),
			 "close_notify during the handshake");
	} else {
		snprintf(s->error, sizeof(s->error),
			 "TLS failure (SSL_get_error %d)", sslerr);
	}
	ERR_clear_error();
}

static enum mx_tls_io io_result(struct mx_tls_server *s, int r)
{
	int e = SSL_get_error(s->ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE: /* memory BIOs never block on write */
		ERR_clear_error();
		return MX_TLS_IO_WANT_READ;
	case SSL_ERROR_ZERO_RETURN:
		if (!s->completed)
			record_failure(s, e);
		ERR_clear_error();
		return MX_TLS_IO_CLOSED;
	default:
		record_failure(s, e);
		return MX_TLS_IO_ERROR;
	}
}

enum mx_tls_io mx_tls_server_handshake(struct mx_tls_server *s)
{
	int r;

	if (s->failed)
		return MX_TLS_IO_ERROR;
	if (s->completed)
		return MX_TLS_IO_OK;
	ERR_clear_error();
	r = SSL_do_handshake(s->ssl);
	if (r == 1) {
		s->completed = 1;
		return MX_TLS_IO_OK;
	}
	return io_result(s, r);
}

enum mx_tls_io mx_tls_server_write(struct mx_tls_server *s, const uint8_t *p,
				   size_t n)
{
	size_t written = 0;

	if (s->failed || !s->completed)
		return MX_TLS_IO_ERROR;
	if (n == 0)
		return MX_TLS_IO_OK;
	ERR_clear_error();
	/* Without SSL_MODE_ENABLE_PARTIAL_WRITE, success means all n. */
	if (SSL_write_ex(s->ssl, p, n, &written) == 1)
		return MX_TLS_IO_OK;
	return io_result(s, 0);
}

enum mx_tls_io mx_tls_server_read(struct mx_tls_server *s, uint8_t *p,
				  size_t max, size_t *got)
{
	size_t n = 0;

	*got = 0;
	if (s->failed)
		return MX_TLS_IO_ERROR;
	if (max == 0)
		return MX_TLS_IO_OK;
	ERR_clear_error();
	if (SSL_read_ex(s->ssl, p, max, &n) == 1) {
		*got = n;
		return MX_TLS_IO_OK;
	}
	return io_result(s, 0);
}

void mx_tls_server_shutdown(struct mx_tls_server *s)
{
	if (s->failed || !s->completed)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(s->ssl); /* queues close_notify in wbio */
	ERR_clear_error();
}

const char *mx_tls_server_version(const struct mx_tls_server *s)
{
	return s->completed ? SSL_get_version(s->ssl) : "";
}

const char *mx_tls_server_cipher(const struct mx_tls_server *s)
{
	const char *n = s->completed ? SSL_get_cipher_name(s->ssl) : NULL;

	return n ? n : "";
}

const char *mx_tls_server_error(const struct mx_tls_server *s)
{
	return s->failed ? s->error : "";
}
