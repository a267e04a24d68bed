/*
 * capjudge.h - findings from what a capture showed (pure; no I/O).
 *
 * Purpose: the judgement of `mxprobe pcap FILE` and of live --capture
 * correlation over the sessions of analyzers/capdec.h (model/capture.h).
 * The same thresholds and finding ids as the live analyzers: DH groups
 * as analyzers/suites.c and endpoint.c judge them (struct
 * mx_analyze_params defaults), SMTP refusals through the rule table of
 * analyzers/smtp_failures.h, TLS alerts as tls.handshake_failed.
 *
 * API:
 *   mx_capjudge_session(s, out, where)   one session:
 *       tcp.fin_after_client_hello  the server closed (FIN or RST) right
 *                                   after the ClientHello, no alert
 *       tcp.reset_by_peer           a RST from the server otherwise
 *       tcp.retransmissions         retransmitted segments (counts)
 *       tcp.zero_window             a side advertised window 0
 *       tls.handshake_failed        a fatal plaintext alert, or bytes
 *                                   that are not TLS where TLS was due
 *       kex.dh_1024 / kex.dh_common_prime / kex.temp_key_weak
 *       smtp.*                      each failure reply (4xx/5xx) with the
 *                                   phase of the command it answers;
 *                                   one finding per id and session
 *   j = mx_capjudge_new();               cross-session rules, fed every
 *   mx_capjudge_capture(j, s, out, where)  session in order of first
 *   mx_capjudge_free(j);                 packet (sessions need not live
 *                                        on: j keeps a small summary):
 *       tls.hello_intolerance  a ClientHello met FIN/RST and a later
 *                              session between the same client and
 *                              server port succeeded with a different
 *                              hello (reported with the later session)
 *   mx_capjudge_totals(c, out)            the capture itself:
 *       capture.dropped, capture.truncated, capture.no_mail,
 *       capture.midstream
 *
 * Ownership: findings go to `out` (the caller's); `where` is copied.
 * Limits: the cross-session judge remembers the last
 * MX_CAPJUDGE_FAILED refused hellos.
 */
#ifndef MX_ANALYZERS_CAPJUDGE_H
#define MX_ANALYZERS_CAPJUDGE_H

#include "model/capture.h"
#include "model/finding.h"

#define MX_CAPJUDGE_FAILED 64

struct mx_capjudge;

void mx_capjudge_session(const struct mx_capsess *s, struct mx_findings *out,
			 const char *where);

struct mx_capjudge *mx_capjudge_new(void);
void mx_capjudge_capture(struct mx_capjudge *j, const struct mx_capsess *s,
			 struct mx_findings *out, const char *where);
void mx_capjudge_free(struct mx_capjudge *j);

void mx_capjudge_totals(const struct mx_capture *c, struct mx_findings *out);

#endif
