/*
 * tls_server.c - server side TLS over memory BIOs for the listener; see
 * tls_server.h for the contract.
 *
 * The memory-BIO session is the one the client backend uses
 * (probe/tls_membio.h): the SSL reads ciphertext from one BIO_s_mem
 * (filled by push) and writes to another (drained by pull); both say
 * "retry" when empty, so OpenSSL answers WANT_READ and the event loop
 * decides what to do.  The first failure is kept (escaped library text)
 * and every later call returns MX_TLS_IO_ERROR.  This file adds what only
 * a server needs: the SSL_CTX with the certificate and key, the accept
 * state, and data only after a completed handshake.
 */
#include "relay/tls_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/escape.h"
#include "common/xalloc.h"
#include "probe/tls_membio.h"

struct mx_tls_server_ctx {
	SSL_CTX *ctx;
};

struct mx_tls_server {
	struct mx_membio m; /* the SSL, its BIOs, the first failure */
	char error[256];    /* m.fail_text, escaped */
};

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
		mx_ossl_errf(err, errlen, "SSL_CTX_new failed", NULL);
		goto fail;
	}
	/* RFC 8996: nothing below TLS 1.2. */
	if (!SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION)) {
		mx_ossl_errf(err, errlen, "cannot set TLS 1.2 as minimum",
			     NULL);
		goto fail;
	}
	SSL_CTX_set_options(c->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
					    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(c->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1) {
		mx_ossl_errf(err, errlen, "cannot load the certificate chain",
			     cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) !=
	    1) {
		mx_ossl_errf(err, errlen, "cannot load the private key",
			     key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(c->ctx) != 1) {
		mx_ossl_errf(err, errlen,
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
	if (mx_membio_init(&s->m, ctx->ctx, MX_TLS_SERVER_MAX_INPUT) < 0) {
		mx_ossl_errf(err, errlen, "SSL_new failed", NULL);
		mx_tls_server_free(s);
		return NULL;
	}
	SSL_set_accept_state(s->m.ssl);
	return s;
}

void mx_tls_server_free(struct mx_tls_server *s)
{
	if (s == NULL)
		return;
	mx_membio_clear(&s->m);
	free(s);
}

int mx_tls_server_push(struct mx_tls_server *s, const uint8_t *p, size_t n)
{
	return mx_membio_push(&s->m, p, n);
}

size_t mx_tls_server_pull(struct mx_tls_server *s, uint8_t *p, size_t max)
{
	return mx_membio_pull(&s->m, p, max);
}

size_t mx_tls_server_pending(struct mx_tls_server *s)
{
	return mx_membio_pending(&s->m);
}

/* After a call: keep the first failure's text, escaped, for error(). */
static enum mx_tls_io noted(struct mx_tls_server *s, enum mx_tls_io r)
{
	if (s->m.failed && s->error[0] == '\0') {
		char *esc = mx_escape_str(s->m.fail_text, sizeof(s->error) - 4);

		snprintf(s->error, sizeof(s->error), "%s", esc);
		free(esc);
	}
	return r;
}

enum mx_tls_io mx_tls_server_handshake(struct mx_tls_server *s)
{
	return noted(s, mx_membio_handshake(&s->m));
}

enum mx_tls_io mx_tls_server_write(struct mx_tls_server *s, const uint8_t *p,
				   size_t n)
{
	if (s->m.failed || !s->m.completed)
		return MX_TLS_IO_ERROR;
	return noted(s, mx_membio_write(&s->m, p, n));
}

enum mx_tls_io mx_tls_server_read(struct mx_tls_server *s, uint8_t *p,
				  size_t max, size_t *got)
{
	return noted(s, mx_membio_read(&s->m, p, max, got));
}

void mx_tls_server_shutdown(struct mx_tls_server *s)
{
	mx_membio_shutdown(&s->m);
}

const char *mx_tls_server_version(const struct mx_tls_server *s)
{
	return s->m.completed ? SSL_get_version(s->m.ssl) : "";
}

const char *mx_tls_server_cipher(const struct mx_tls_server *s)
{
	const char *n = s->m.completed ? SSL_get_cipher_name(s->m.ssl) : NULL;

	return n ? n : "";
}

const char *mx_tls_server_error(const struct mx_tls_server *s)
{
	return s->m.failed ? s->error : "";
}
