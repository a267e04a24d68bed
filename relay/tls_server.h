/*
 * tls_server.h - server side TLS for the relay's listener (STARTTLS,
 * RFC 3207), OpenSSL over memory BIOs.
 *
 * The probe's backends (probe/tls.h) are client-only; the listener needs
 * the other end.  It runs on the same memory-BIO core as the OpenSSL
 * client backend (probe/tls_membio.h).  Like them, a session never
 * touches a socket: the
 * listener pushes the ciphertext it read with mx_tls_server_push(),
 * drives handshake/read/write, and sends what mx_tls_server_pull() hands
 * back, so the event loop owns all I/O.
 *
 * API:
 *   mx_tls_server_ctx_new(cert, key)  one SSL_CTX per listener: the
 *       certificate chain file (PEM, leaf first) and its private key;
 *       TLS 1.2 minimum, the library's default suites, no client
 *       certificates, no session tickets, no renegotiation.
 *   mx_tls_server_new(ctx)            one session per connection.
 *   push / pull / pending / handshake / read / write / shutdown, with
 *       the status values of probe/tls.h (enum mx_tls_io).
 *   version() / cipher()              "TLSv1.3", "TLS_AES_256_GCM_SHA384"
 *       after the handshake (static strings of the library, or "").
 *   error()                           why the session failed, escaped.
 *
 * Limits: at most MX_TLS_SERVER_MAX_INPUT bytes of ciphertext wait in the
 * session (push refuses more: the peer is flooding).
 *
 * Ownership: ctx_new/ctx_free, new/free; a session holds a reference to
 * its SSL_CTX (OpenSSL counts it), so the ctx may be freed first.  The
 * private key is read by OpenSSL and never copied by this code.
 */
#ifndef MX_RELAY_TLS_SERVER_H
#define MX_RELAY_TLS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "probe/tls.h"

#define MX_TLS_SERVER_MAX_INPUT (1024u * 1024u)

struct mx_tls_server_ctx;
struct mx_tls_server;

struct mx_tls_server_ctx *mx_tls_server_ctx_new(const char *cert_file,
						const char *key_file, char *err,
						size_t errlen);
void mx_tls_server_ctx_free(struct mx_tls_server_ctx *ctx);

struct mx_tls_server *mx_tls_server_new(struct mx_tls_server_ctx *ctx,
					char *err, size_t errlen);
void mx_tls_server_free(struct mx_tls_server *s);

int mx_tls_server_push(struct mx_tls_server *s, const uint8_t *p, size_t n);
size_t mx_tls_server_pull(struct mx_tls_server *s, uint8_t *p, size_t max);
size_t mx_tls_server_pending(struct mx_tls_server *s);
enum mx_tls_io mx_tls_server_handshake(struct mx_tls_server *s);
enum mx_tls_io mx_tls_server_read(struct mx_tls_server *s, uint8_t *p,
				  size_t max, size_t *got);
enum mx_tls_io mx_tls_server_write(struct mx_tls_server *s, const uint8_t *p,
				   size_t n);
void mx_tls_server_shutdown(struct mx_tls_server *s);

const char *mx_tls_server_version(const struct mx_tls_server *s);
const char *mx_tls_server_cipher(const struct mx_tls_server *s);
const char *mx_tls_server_error(const struct mx_tls_server *s);

#endif
