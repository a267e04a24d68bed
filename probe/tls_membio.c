/*
 * tls_membio.c - the OpenSSL session core over memory BIOs and the
 * OpenSSL error formatter; see tls_membio.h for the contract.
 */
#include "probe/tls_membio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "common/escape.h"

/* ---- library errors ----------------------------------------------------- */

void mx_ossl_err_text(unsigned long e, char *out, size_t outlen)
{
	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (e != 0)
		ERR_error_string_n(e, out, outlen);
}

void mx_ossl_errf(char *err, size_t errlen, const char *what, const char *arg)
{
	char lib[160];
	char *earg;

	if (err == NULL || errlen == 0) {
		ERR_clear_error();
		return;
	}
	mx_ossl_err_text(ERR_peek_error(), lib, sizeof(lib));
	earg = arg != NULL ? mx_escape_str(arg, 200) : NULL;
	snprintf(err, errlen, "%s%s%s%s%s%s", what, earg ? " \"" : "",
		 earg ? earg : "", earg ? "\"" : "", lib[0] ? ": " : "", lib);
	free(earg);
	ERR_clear_error();
}

/* ---- session ------------------------------------------------------------ */

int mx_membio_init(struct mx_membio *m, SSL_CTX *ctx, size_t max_input)
{
	memset(m, 0, sizeof(*m));
	m->max_input = max_input;
	m->ssl = SSL_new(ctx);
	m->rbio = BIO_new(BIO_s_mem());
	m->wbio = BIO_new(BIO_s_mem());
	if (m->ssl == NULL || m->rbio == NULL || m->wbio == NULL) {
		BIO_free(m->rbio);
		BIO_free(m->wbio);
		SSL_free(m->ssl);
		m->ssl = NULL;
		m->rbio = m->wbio = NULL;
		return -1;
	}
	/* Empty memory BIOs mean "retry", not EOF: the caller owns EOF. */
	BIO_set_mem_eof_return(m->rbio, -1);
	BIO_set_mem_eof_return(m->wbio, -1);
	SSL_set_bio(m->ssl, m->rbio, m->wbio);
	return 0;
}

void mx_membio_clear(struct mx_membio *m)
{
	SSL_free(m->ssl); /* frees both BIOs */
	m->ssl = NULL;
	m->rbio = m->wbio = NULL;
}

/* ---- memory I/O --------------------------------------------------------- */

int mx_membio_push(struct mx_membio *m, const uint8_t *p, size_t n)
{
	size_t pending = BIO_ctrl_pending(m->rbio);

	if (n == 0)
		return 0;
	if (n > m->max_input || n > INT_MAX || pending > m->max_input - n)
		return -1;
	if (BIO_write(m->rbio, p, (int)n) != (int)n) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

size_t mx_membio_pull(struct mx_membio *m, uint8_t *p, size_t max)
{
	int r;

	if (max == 0)
		return 0;
	r = BIO_read(m->wbio, p, max > INT_MAX ? INT_MAX : (int)max);
	return r > 0 ? (size_t)r : 0;
}

size_t mx_membio_pending(struct mx_membio *m)
{
	return BIO_ctrl_pending(m->wbio);
}

/* ---- handshake and data ------------------------------------------------- */

static void record_failure(struct mx_membio *m, int sslerr)
{
	unsigned long e = ERR_peek_error(); /* the first, oldest error */

	if (m->failed)
		return;
	m->failed = 1;
	m->fail_code = e;
	if (e != 0)
		mx_ossl_err_text(e, m->fail_text, sizeof(m->fail_text));
	else if (sslerr == SSL_ERROR_ZERO_RETURN)
		snprintf(m->fail_text, sizeof(m->fail_text),
			 "close_notify during the handshake");
	else
		snprintf(m->fail_text, sizeof(m->fail_text),
			 "TLS failure (SSL_get_error %d)", sslerr);
	ERR_clear_error();
}

static enum mx_tls_io io_result(struct mx_membio *m, int r)
{
	int e = SSL_get_error(m->ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE: /* memory BIOs never block on write */
		ERR_clear_error();
		return MX_TLS_IO_WANT_READ;
	case SSL_ERROR_ZERO_RETURN:
		if (!m->completed)
			record_failure(m, e);
		ERR_clear_error();
		return MX_TLS_IO_CLOSED;
	default:
		record_failure(m, e);
		return MX_TLS_IO_ERROR;
	}
}

enum mx_tls_io mx_membio_handshake(struct mx_membio *m)
{
	int r;

	if (m->failed)
		return MX_TLS_IO_ERROR;
	if (m->completed)
		return MX_TLS_IO_OK;
	m->attempted = 1;
	ERR_clear_error();
	r = SSL_do_handshake(m->ssl);
	if (r == 1) {
		m->completed = 1;
		return MX_TLS_IO_OK;
	}
	return io_result(m, r);
}

enum mx_tls_io mx_membio_write(struct mx_membio *m, const uint8_t *p, size_t n)
{
	size_t written = 0;

	if (m->failed)
		return MX_TLS_IO_ERROR;
	if (n == 0)
		return MX_TLS_IO_OK;
	m->attempted = 1;
	ERR_clear_error();
	/* Without SSL_MODE_ENABLE_PARTIAL_WRITE, success means all n. */
	if (SSL_write_ex(m->ssl, p, n, &written) == 1) {
		m->completed = 1;
		return MX_TLS_IO_OK;
	}
	return io_result(m, 0);
}

enum mx_tls_io mx_membio_read(struct mx_membio *m, uint8_t *p, size_t max,
			      size_t *got)
{
	size_t n = 0;

	*got = 0;
	if (m->failed)
		return MX_TLS_IO_ERROR;
	if (max == 0)
		return MX_TLS_IO_OK;
	m->attempted = 1;
	ERR_clear_error();
	if (SSL_read_ex(m->ssl, p, max, &n) == 1) {
		m->completed = 1;
		*got = n;
		return MX_TLS_IO_OK;
	}
	return io_result(m, 0);
}

void mx_membio_shutdown(struct mx_membio *m)
{
	if (m->failed || !m->completed)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(m->ssl); /* queues close_notify in wbio */
	ERR_clear_error();
}
