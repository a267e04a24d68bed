/*
 * tls_membio.h - the OpenSSL session core over memory BIOs, shared by
 * the client backend (probe/tls_openssl.c) and the relay's server side
 * (relay/tls_server.c), and the one formatter of OpenSSL's error queue.
 *
 * Purpose: one copy of what both ends do the same way.  The SSL reads
 * ciphertext from one BIO_s_mem (filled by push) and writes to another
 * (drained by pull); both say "retry" when empty, so OpenSSL answers
 * WANT_READ and the caller's event loop decides what to do.  The first
 * failure is kept (library code and text) and every later call returns
 * MX_TLS_IO_ERROR.  Which end, which SSL_CTX, callbacks and facts stay
 * with the caller.
 *
 * API:
 *   mx_membio_init(m, ctx, max_input)  SSL_new(ctx) and the two BIOs;
 *       the caller then sets the connect or accept state.  -1 on failure
 *       with the library's error queue left for mx_ossl_errf().
 *   mx_membio_clear(m)                 frees the SSL (and both BIOs).
 *   push / pull / pending              ciphertext in and out.
 *   handshake / read / write / shutdown  with the status values of
 *       probe/tls.h (enum mx_tls_io).
 *   mx_ossl_errf(err, errlen, what, arg)  "what \"arg\": <library error>"
 *       from the oldest error in the queue (arg escaped, may be NULL),
 *       then clears the queue.
 *   mx_ossl_err_text(e, out, outlen)   the library's text of one code.
 *
 * Limits: at most max_input bytes of ciphertext wait in the read BIO
 * (push refuses more: the peer is flooding).  fail_text is the library's
 * text, not escaped: whoever shows it escapes it.  The library error
 * queue is cleared before each SSL call that can fail and after a
 * failure has been recorded.
 *
 * Ownership: a struct mx_membio lives inside its caller's session;
 * init/clear pair up.  The SSL holds a reference to its SSL_CTX (OpenSSL
 * counts it).  Nothing is global.
 */
#ifndef MX_PROBE_TLS_MEMBIO_H
#define MX_PROBE_TLS_MEMBIO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "probe/tls.h"

struct mx_membio {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	size_t max_input;
	int attempted, completed;
	/* First failure of any SSL call; later calls return ERROR. */
	int failed;
	unsigned long fail_code; /* first library error, 0 if none */
	char fail_text[256];
};

int mx_membio_init(struct mx_membio *m, SSL_CTX *ctx, size_t max_input);
void mx_membio_clear(struct mx_membio *m);

/* Ciphertext from the network: 0, or -1 over max_input. */
int mx_membio_push(struct mx_membio *m, const uint8_t *p, size_t n);
/* Ciphertext to send: copies up to max bytes, returns the count. */
size_t mx_membio_pull(struct mx_membio *m, uint8_t *p, size_t max);
size_t mx_membio_pending(struct mx_membio *m);

enum mx_tls_io mx_membio_handshake(struct mx_membio *m);
/* All n bytes are taken when MX_TLS_IO_OK. */
enum mx_tls_io mx_membio_write(struct mx_membio *m, const uint8_t *p, size_t n);
enum mx_tls_io mx_membio_read(struct mx_membio *m, uint8_t *p, size_t max,
			      size_t *got);
/* Queue close_notify (after a completed handshake only). */
void mx_membio_shutdown(struct mx_membio *m);

void mx_ossl_errf(char *err, size_t errlen, const char *what, const char *arg);
void mx_ossl_err_text(unsigned long e, char *out, size_t outlen);

#endif
