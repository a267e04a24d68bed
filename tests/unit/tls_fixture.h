/*
 * tls_fixture.h - test support: the OpenSSL test server of the TLS tests.
 *
 * Purpose: the handshake tests of both TLS backends (test_tls_openssl.c,
 * test_tls_gnutls.c) drive a client session of the backend under test
 * against one server - a plain OpenSSL SSL object built from the test
 * PKI of tests/data/certs (see make.sh there) over two memory BIOs - and
 * check the facts the client reports against one table shape.  The
 * socket server of test_confirm.c builds its SSL_CTX here too.
 *
 * API:
 *   tlsfx_path()/tlsfx_load_cert()/tlsfx_load_dh(): files of
 *     $TEST_DATA_DIR/certs.
 *   tlsfx_ctx_new(conf): a server SSL_CTX that sends exactly the
 *     configured chain (no callbacks; the caller owns it).
 *   tlsfx_start(fx, ...): that server over memory BIOs plus a client
 *     session; tlsfx_pump() moves ciphertext both ways until neither side
 *     makes progress (at most TLSFX_PUMP_MAX rounds), tlsfx_handshake()
 *     is start + pump + facts; tlsfx_free() frees both sides.
 *   tlsfx_check_case(): the checks every handshake case gets;
 *     tlsfx_check_exchange()/tlsfx_check_close(): data both ways and
 *     close_notify both ways over a completed handshake.
 *
 * Ownership: struct tlsfx owns its client session and server objects;
 * the backend, the conf and the case are borrowed.  A failed setup step
 * fails the current cmocka test.
 */
#ifndef MX_TEST_TLS_FIXTURE_H
#define MX_TEST_TLS_FIXTURE_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "model/result.h"
#include "probe/tls.h"

/* Rounds of tlsfx_pump() at most: a handshake takes a handful. */
#define TLSFX_PUMP_MAX 64

/* An expected alert that may be any nonzero value. */
#define TLSFX_ANY (-99)

/* The server's configuration. */
struct tlsfx_conf {
	const char *cert;	 /* base name in certs/ (with .key) */
	const char *extra[3];	 /* sent after the leaf, in this order */
	const char *cipher_list; /* TLS <= 1.2; NULL: default */
	int min_version;	 /* 0: library default */
	int max_version;	 /* 0: library default */
	int weak;		 /* 1: SECLEVEL=0 (a legacy server) */
	int want_client_cert;	 /* 1: fail without a client certificate */
	const char *dh;		 /* DH parameters base name, or NULL */
	int dh768;		 /* 1: RFC 2409 group 1 (768-bit) DH */
};

/* A client session of the backend under test and the in-memory server. */
struct tlsfx {
	const struct mx_tls_backend *b;
	struct mx_tls_session *cli;
	/* the server */
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	char sni[256];
	int sni_seen;
	int done, failed;
	int alert_recv; /* fatal alert the server read, -1: none */
};

/* Expected chain and verification facts (all checked when `check`). */
struct tlsfx_chain {
	int check;
	long code;    /* verify_code; depth is -1 when 0 */
	int depth;    /* verify_depth when code != 0 */
	int in_store; /* top_issuer_in_store */
	int top_self_signed;
	int out_of_order; /* chain_in_order == 0 */
	int verified_len;
	size_t n;	   /* certificates sent */
	const char *cn[4]; /* their CNs, in the sent order */
	const char *text;  /* verify_error, see enum tlsfx_verr */
};

/* How tlsfx_chain.text is compared with verify_error. */
enum tlsfx_verr {
	TLSFX_VERR_EXACT,  /* equal; NULL: OpenSSL's string for code */
	TLSFX_VERR_SUBSTR, /* a substring; NULL: any, but set */
};

/* One handshake and what the client must report. */
struct tlsfx_case {
	const char *name;
	struct tlsfx_conf srv;
	struct mx_tls_params cli; /* ca_file filled from `ca` */
	int level;		  /* LVL(n): security level n; 0: default */
	const char *ca;		  /* trust store (certs/<ca>.pem) */
	/* outcome: always checked */
	int completed;
	enum mx_tls_fail fail;
	int alert;	    /* TLSFX_ANY: any nonzero */
	const char *detail; /* substring of fail_detail; NULL: none */
	/* negotiated: NULL / 0 are not checked */
	const char *version;
	const char *suite_prefix; /* prefix of suite_iana */
	int suite_id;
	const char *suite_openssl;
	const char *tk_type;
	const char *tk_group; /* "-": must be NULL */
	int tk_bits;
	struct tlsfx_chain chain;
};

/* buf = $TEST_DATA_DIR/certs/<name><ext> */
void tlsfx_path(char *buf, size_t len, const char *name, const char *ext);
X509 *tlsfx_load_cert(const char *name);
EVP_PKEY *tlsfx_load_dh(const char *name);
SSL_CTX *tlsfx_ctx_new(const struct tlsfx_conf *c);

/* A client of b with p, trusting certs/<ca>.pem (NULL: p->ca_file). */
struct mx_tls_session *tlsfx_client_new(const struct mx_tls_backend *b,
					struct mx_tls_params *p,
					const char *ca);

void tlsfx_start(struct tlsfx *fx, const struct mx_tls_backend *b,
		 const struct tlsfx_conf *srv, struct mx_tls_params *p,
		 const char *ca);
void tlsfx_free(struct tlsfx *fx);

/* Client output -> server input, server output -> client input; each
 * returns the bytes moved. */
size_t tlsfx_to_server(struct tlsfx *fx);
size_t tlsfx_to_client(struct tlsfx *fx);

/* Drive both sides until the client is done (or failed) and nothing
 * moves any more; returns the client's last handshake() result. */
enum mx_tls_io tlsfx_pump(struct tlsfx *fx);

/* After a completed handshake: nothing to read yet, "EHLO probe\r\n"
 * reaches the server and its "250 mx1 hello\r\n" the client. */
void tlsfx_check_exchange(struct tlsfx *fx);

/* Our close_notify reaches the server, the server's is seen as CLOSED
 * (not as an error), and the facts still say completed, no failure. */
void tlsfx_check_close(struct tlsfx *fx);

/* tlsfx_start() + tlsfx_pump() + the client's facts into t. */
enum mx_tls_io tlsfx_handshake(struct tlsfx *fx, const struct mx_tls_backend *b,
			       const struct tlsfx_conf *srv,
			       struct mx_tls_params *p, const char *ca,
			       struct mx_tls *t);

/* The checks of a handshake case: r and t from tlsfx_handshake(), t
 * reported by `backend`; t is filled once more from the client to see
 * facts() repeatable. */
void tlsfx_check_case(const struct tlsfx_case *tc, struct tlsfx *fx,
		      enum mx_tls_io r, struct mx_tls *t, const char *backend,
		      enum tlsfx_verr verr);

#endif
