/*
 * bisect.h - handshake intolerance: which part of a ClientHello makes the
 * server hang up, and a client setting that avoids it.
 *
 * Purpose: an old server (or a middlebox) that closes the connection
 * (FIN), resets it, sends an alert or goes silent right after a modern
 * ClientHello, while an older, smaller hello works, is "intolerant" (RFC
 * 8446 §4.1.2 and RFC 5246 appendix E.1 require a server to ignore what it
 * does not know).  Only a capture shows it; this module names it.
 *
 * How (raw ClientHello engine, probe/rawhello.h, one connection per
 * hello):
 *   1. the full hello: every suite class and extension below, TLS 1.3
 *      offer, padded to 512 bytes.  A ServerHello: not intolerant, done.
 *   2. a minimal TLS 1.2 hello (a few CBC suites, then GCM, then
 *      CHACHA20 if those fail): if none works, the server refuses
 *      everything - not intolerance, done.
 *   3. the minimal hello plus one part at a time, in table order (suite
 *      classes AES-GCM, CHACHA20-POLY1305, AES-CCM, AES-CBC, CAMELLIA,
 *      ARIA, 3DES; the TLS 1.3 offer; extensions status_request,
 *      session_ticket, extended_master_secret, encrypt_then_mac, ALPN;
 *      padding to 512 bytes): the first part whose hello fails is the
 *      trigger ("AES-GCM suites", "extension status_request", "hello size
 *      of 512 bytes"); none: "the combination of the full hello".
 *   4. the advice: an OpenSSL cipher list without the trigger (with the
 *      TLS 1.3 suites to use when the trigger has TLS 1.3 members),
 *      confirmed by a real OpenSSL handshake (probe/handshakes.h).
 * Results go into ep->enumr: intolerant, trigger (structured: kind,
 * cipher class, extension code point or size), intolerance_trigger (the
 * same in words, for display), intolerance_reaction ("FIN after
 * ClientHello"), intolerance_advice_openssl and intolerance_advice_ok.
 * A suite class as trigger lets the clients step enumerate the blocked
 * versions again without it (probe/enum_retry.h).
 *
 * Every hello is one connection granted by the run's pool, recorded in
 * the endpoint with purpose "bisect", step K and the part it tested;
 * the steps follow one another through callbacks on the caller's loop.
 * Connections: 1 when tolerant; at most 1 + 3 + 13 + 1 when not.
 *
 * API (engine style):
 *   bs = mx_bisect_new(base, pool, ep, &params, done, arg);
 *   mx_bisect_start(bs);  ... done(arg, rc) once, from the loop: rc 1
 *   intolerant (facts set), 0 tolerant or not decidable, -1 no
 *   enumeration to write into;
 *   mx_bisect_cancel(bs) stops early (done follows); mx_bisect_free(bs).
 * Ownership: params strings, ep and pool are borrowed until freed.
 * Facts only.
 */
#ifndef MX_PROBE_BISECT_H
#define MX_PROBE_BISECT_H

#include <stdint.h>

#include "common/log.h"
#include "model/result.h"
#include "probe/pool.h"

struct event_base;
struct mx_bisect;

struct mx_bisect_params {
	const char *helo;
	int timeout_ms;	     /* per step and per hello */
	int64_t deadline_ms; /* absolute monotonic; 0: none */
	const struct mx_log *log;
	/* Only ask whether the server answers a small hello at all (one
	 * connection: the first minimal TLS 1.2 hello): done rc 2 when it
	 * answered (a ServerHello or an alert), 0 when not.  `check` asks
	 * this first when its own hello met silence, before paying a
	 * timeout per hello for the rest. */
	int precheck;
};

typedef void (*mx_bisect_done_fn)(void *arg, int rc);

struct mx_bisect *mx_bisect_new(struct event_base *base, struct mx_pool *pool,
				struct mx_endpoint *ep,
				const struct mx_bisect_params *p,
				mx_bisect_done_fn done, void *arg);
void mx_bisect_start(struct mx_bisect *bs);
/* why: for the advice check, if it runs ("the deadline was reached"). */
void mx_bisect_cancel(struct mx_bisect *bs, const char *why);
void mx_bisect_free(struct mx_bisect *bs);

/* The enum mx_cipher bits of a trigger's suite class (AES-CCM covers
 * AES-CCM-8), for mx_enum_retry's `exclude`. */
uint32_t mx_bisect_class_mask(int cipher);

#endif
