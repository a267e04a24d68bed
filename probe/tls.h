/*
 * tls.h - the TLS backend interface (OpenSSL, GnuTLS) over memory I/O.
 *
 * A backend never touches a socket.  The connection layer pushes the
 * ciphertext it read with push_input(), drives handshake()/read()/write(),
 * and sends whatever pull_output() hands back.  That keeps one socket
 * layer for every stack (and the raw ClientHello engine), lets the event
 * loop own all I/O, and lets tests connect two backends in memory.
 *
 * Facts, not judgements: facts() fills struct mx_tls (model/result.h) with
 * the negotiated version and suite, the server temp key, the chain exactly
 * as sent (decoded with probe/x509.h), and the verification result against
 * the trust store given in the params.  Whether any of that is bad is the
 * analyzers' business.
 *
 * Ownership: a session is created by backend->session_new() and freed by
 * backend->session_free(); params strings are borrowed for the call only.
 */
#ifndef MX_PROBE_TLS_H
#define MX_PROBE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

struct mx_tls_params {
	const char *sni;     /* server name; NULL: send none */
	const char *ca_file; /* NULL: system default store */
	const char *ca_path;
	/* OpenSSL: cipher list (TLS <= 1.2) and TLS 1.3 suites; NULL for
	 * the library defaults.  GnuTLS: `priority` (NULL: "NORMAL"). */
	const char *cipher_list;
	const char *ciphersuites;
	const char *groups; /* "X25519:P-256" or NULL */
	const char *priority;
	int min_version; /* 0 or TLS1_VERSION.. (0x0301..) */
	int max_version;
	int security_level; /* -1: library default */
	int client_cert;    /* reserved; 0 */
	/* 1: load no trust store (ca_file/ca_path ignored).  For sessions
	 * that only ask "does this negotiate?" (client confirmations,
	 * advice tests): the chain is not judged there, and loading the
	 * system store costs ~30 ms per session.  verify_* facts then say
	 * the issuer is unknown; do not report them. */
	int no_trust_store;
	/* OpenSSL only: a trust store shared by every session of a run
	 * (mx_tls_openssl_store_new; borrowed, each session takes a
	 * reference).  Loading the system store costs ~20 ms per session;
	 * a run of hundreds of sessions loads it once.  NULL: ca_file /
	 * ca_path / the system store are loaded per session. */
	void *x509_store;
};

enum mx_tls_io {
	MX_TLS_IO_OK = 0,    /* done (handshake complete / data moved) */
	MX_TLS_IO_WANT_READ, /* push more input, flush output first */
	MX_TLS_IO_CLOSED,    /* peer sent close_notify */
	MX_TLS_IO_ERROR,     /* fatal; facts() says why */
};

struct mx_tls_session;

struct mx_tls_backend {
	const char *name; /* "openssl", "gnutls" */
	/* NULL on failure, with a message in err. */
	struct mx_tls_session *(*session_new)(const struct mx_tls_params *p,
					      char *err, size_t errlen);
	void (*session_free)(struct mx_tls_session *s);
	/* Ciphertext from the network. Returns 0, or -1 if it cannot take
	 * more (a cap on buffered input). */
	int (*push_input)(struct mx_tls_session *s, const uint8_t *p, size_t n);
	/* Ciphertext to send: copies up to max bytes, returns the count. */
	size_t (*pull_output)(struct mx_tls_session *s, uint8_t *p, size_t max);
	size_t (*pending_output)(struct mx_tls_session *s);
	enum mx_tls_io (*handshake)(struct mx_tls_session *s);
	/* Plaintext in; all n bytes are accepted when MX_TLS_IO_OK. */
	enum mx_tls_io (*write)(struct mx_tls_session *s, const uint8_t *p,
				size_t n);
	/* Plaintext out: *got bytes (0 with WANT_READ when none yet). */
	enum mx_tls_io (*read)(struct mx_tls_session *s, uint8_t *p, size_t max,
			       size_t *got);
	/* Queue close_notify (output must then be flushed). */
	void (*shutdown)(struct mx_tls_session *s);
	/* Fill the TLS facts; callable after success or failure.  Sets
	 * attempted, completed, backend, sni, version, suite, temp key,
	 * chain, verify_*, top_issuer_in_store, chain_in_order, and for a
	 * failure fail (ALERT_RECV / ALERT_SENT / PROTOCOL / OTHER), alert
	 * and fail_detail.  EOF, RESET and TIMEOUT are set by the caller,
	 * who sees the socket. */
	void (*facts)(struct mx_tls_session *s, struct mx_tls *out);
};

extern const struct mx_tls_backend mx_tls_openssl;
/* A trust store for mx_tls_params.x509_store: ca_file/ca_path, or the
 * system default when both are NULL.  NULL with a message in err (the
 * sessions then load it themselves and report the failure as theirs). */
void *mx_tls_openssl_store_new(const char *ca_file, const char *ca_path,
			       char *err, size_t errlen);
void mx_tls_openssl_store_free(void *store);
extern const struct mx_tls_backend mx_tls_gnutls; /* later issue */

#endif
