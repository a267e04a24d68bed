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
 *      confirmed by a real OpenSSL handshake (probe/confirm.h).
 *   5. a suite class as trigger: the versions whose enumeration it
 *      blocked (only FIN/RST/silence) are enumerated again without that
 *      class and merged into ep->enumr (probe/enum_retry.h), so the
 *      simulation that follows sees them; the class is recorded as
 *      untested there.
 * Results go into ep->enumr: intolerant, intolerance_trigger,
 * intolerance_reaction ("FIN after ClientHello"),
 * intolerance_advice_openssl and intolerance_advice_ok; after step 5 the
 * re-enumerated versions and untested_class / untested_versions /
 * untested.
 *
 * Connections: 1 when tolerant; at most 1 + 3 + 14 + 1 when not, plus
 * step 5's enumeration (accepted + 1 or so per version).
 * Ownership: params borrowed for the call.  Facts only.
 */
#ifndef MX_PROBE_BISECT_H
#define MX_PROBE_BISECT_H

#include "model/result.h"
#include "probe/confirm.h"

struct event_base;

/* Returns 1 intolerant (facts set), 0 tolerant or not decidable (the
 * facts say nothing), -1 no enumeration to write into. */
int mx_bisect_run(struct event_base *base, struct mx_endpoint *ep,
		  const struct mx_clients_params *p);

#endif
