/*
 * auth.h - SMTP AUTH client mechanisms (RFC 4954), pure: no I/O.
 *
 * Mechanisms: PLAIN (RFC 4616, with the initial response), LOGIN (the
 * de-facto "Username:"/"Password:" exchange), CRAM-MD5 (RFC 2195) and
 * SCRAM-SHA-256 (RFC 5802, RFC 7677; no channel binding: gs2 "n,,").
 * mx_auth_choose() picks the strongest one the server offers:
 * SCRAM-SHA-256, CRAM-MD5, PLAIN, LOGIN (PLAIN and LOGIN only make sense
 * under TLS; the sender enforces that, not this module).
 *
 * Use:  a = mx_auth_new(mech, user, pass, random, ctx);
 *       mx_auth_start(a, line, sizeof line)      -> "AUTH PLAIN <b64>"
 *       on 334 <text>: mx_auth_step(a, text, line, sizeof line) -> the
 *                      next line (base64, possibly empty)
 *       on 235: mx_auth_success(a) checks what must be checked (SCRAM:
 *               the server signature was seen and verified)
 *       mx_auth_free(a)
 * Every line produced carries secrets or derived secrets: send it with
 * MX_SMTP_REDACT and wipe it (explicit_bzero) after sending.  The
 * exception is mx_auth_start()'s line for LOGIN and CRAM-MD5 ("AUTH
 * LOGIN"), which holds none; mx_auth_start_secret() says which.
 *
 * Server challenges are base64 text from the network: decoded with a
 * length cap and parsed through struct mx_cur (SCRAM attributes).
 *
 * Limits: user and password at most MX_AUTH_MAX_CRED octets; a challenge
 * at most MX_AUTH_MAX_CHALLENGE octets of base64; SCRAM iteration count
 * 1..MX_AUTH_SCRAM_MAX_ITER (a hostile server cannot make us spin);
 * at most 4 challenges per exchange.
 *
 * Ownership: user and password are copied into the handle and wiped by
 * mx_auth_free(); the caller wipes its own copies.
 */
#ifndef MX_RELAY_AUTH_H
#define MX_RELAY_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* mx_b64_encode / mx_b64_decode, used with the mechanisms */
#include "common/base64.h"

#ifndef MX_RANDOM_FN_DEFINED
#define MX_RANDOM_FN_DEFINED
typedef int (*mx_random_fn)(void *ctx, uint8_t *out, size_t n);
#endif

#define MX_AUTH_MAX_CRED 255
#define MX_AUTH_MAX_CHALLENGE 2048
#define MX_AUTH_SCRAM_MAX_ITER 1000000
#define MX_AUTH_LINE_MAX 1000 /* longest line this module produces */

enum mx_auth_mech {
	MX_AUTH_SCRAM_SHA256 = 0, /* in order of preference */
	MX_AUTH_CRAM_MD5,
	MX_AUTH_PLAIN,
	MX_AUTH_LOGIN,
	MX_AUTH__N
};

enum mx_auth_status {
	MX_AUTH_OK = 0,
	MX_AUTH_BAD_PARAM,     /* credentials too long, NUL, unknown mech */
	MX_AUTH_BAD_CHALLENGE, /* not base64, too long, malformed SCRAM */
	MX_AUTH_BAD_SERVER,    /* SCRAM: wrong nonce, bad server signature,
				 * e= error, or 235 without verification */
	MX_AUTH_TOO_MANY,      /* more challenges than the mechanism has */
	MX_AUTH_NO_SPACE,      /* output buffer too small */
	MX_AUTH_NO_MECH,       /* mx_auth_choose: nothing usable offered */
	MX_AUTH_INTERNAL,      /* random source or crypto failed */
};

struct mx_auth;

const char *mx_auth_mech_name(enum mx_auth_mech m);
/* Case-insensitive; 0 or -1. */
int mx_auth_mech_parse(const char *s, enum mx_auth_mech *out);
const char *mx_auth_status_name(enum mx_auth_status s);

/* Choose from the server's space-separated list (the AUTH EHLO keyword's
 * parameters).  With `wanted` non-NULL only that mechanism is accepted. */
enum mx_auth_status mx_auth_choose(const char *offered, const char *wanted,
				   enum mx_auth_mech *out);

/* NULL with *st set when the credentials are unusable. */
struct mx_auth *mx_auth_new(enum mx_auth_mech m, const char *user,
			    const char *password, mx_random_fn random,
			    void *random_ctx, enum mx_auth_status *st);
void mx_auth_free(struct mx_auth *a);

/* The AUTH command line (no CRLF). */
enum mx_auth_status mx_auth_start(struct mx_auth *a, char *line, size_t len);
/* Nonzero when mx_auth_start()'s line holds a secret. */
int mx_auth_start_secret(const struct mx_auth *a);
/* Answer a 334 challenge (the reply text after "334 ", base64). */
enum mx_auth_status mx_auth_step(struct mx_auth *a, const char *challenge,
				 char *line, size_t len);
/* After 235: MX_AUTH_OK, or MX_AUTH_BAD_SERVER when SCRAM's server
 * signature was not verified (a server that cannot prove it knows the
 * password must not be trusted with mail). */
enum mx_auth_status mx_auth_success(const struct mx_auth *a);

/* Tests only: use this SCRAM client nonce (printable, no ',', at most 63
 * octets) instead of one from the random source, to replay RFC 7677's
 * example.  Returns 0 or -1. */
int mx_auth_set_nonce(struct mx_auth *a, const char *nonce);

#endif
