/*
 * dane.h - DANE for `check` (RFC 6698, RFC 7671, RFC 7672): the TLSA
 * records of an endpoint (ep->dane, facts from probe/tlsa.c) judged
 * against the chain exactly as the server sent it (ep->tls.chain), as a
 * DANE-enabled sender (Postfix smtp_tls_security_level = dane) would.
 *
 * Pure: OpenSSL parses and verifies certificates in memory; no I/O, no
 * clock (`now` is a parameter).
 *
 * Per record (mx_dane_rr_judge):
 *   usage 0 PKIX-TA, 1 PKIX-EE, >3, selector >1, matching type >2
 *                      -> UNUSABLE (RFC 7672 section 3.1.3)
 *   SHA-256 data not 32 octets, SHA-512 not 64, Full empty
 *                      -> MALFORMED (unusable too)
 *   3 DANE-EE          the leaf's certificate (selector 0) or
 *                      SubjectPublicKeyInfo (1), in full (0) or hashed
 *                      (1 SHA-256, 2 SHA-512); names and dates ignored
 *                      (RFC 7671 section 5.1) -> MATCH / NO_MATCH
 *   2 DANE-TA          a certificate the server sent (above the leaf)
 *                      matches, and the chain as sent verifies the leaf
 *                      up to it with the dates checked, and the leaf
 *                      names the MX host (RFC 7672 section 3.2.2)
 *                      -> MATCH; a "2 0 0" record holding the whole CA
 *                      certificate may anchor without it being sent; a
 *                      record that matches nothing sent while the chain
 *                      stops below its root -> TA_NOT_SENT (RFC 7671
 *                      section 5.2.2: the server must send its TA);
 *                      else NO_MATCH
 *   no completed TLS session -> NOT_JUDGED
 * Per endpoint (mx_dane_judge, enum mx_dane_state): FAILED (lookup
 * failed), NONE (no records), INSECURE (records not validated, or the MX
 * lookup was not: RFC 7672 section 2.2.1), NO_TLS, UNUSABLE, OK (some
 * record matches), TA_NOT_SENT, MISMATCH.
 *
 * mx_ep_rule_dane() is the rule of analyzers/endpoint.c: it judges and
 * emits dane.* findings against the DANE summary column.
 *
 * Ownership: the judgement fields of ep->dane (rr[].result, rr[].why,
 * state) are cleared and set here; why strings are malloc'ed into the
 * model (freed by mx_dane_clear()).
 */
#ifndef MX_ANALYZERS_DANE_H
#define MX_ANALYZERS_DANE_H

#include <stddef.h>
#include <time.h>

#include "model/result.h"

struct ep_ctx;

/* One record against the chain; why (may be NULL) gets one line. */
enum mx_dane_rr_result mx_dane_rr_judge(const struct mx_dane_rr *rr,
					const struct mx_tls *tls,
					const char *host, time_t now, char *why,
					size_t whylen);

/* Every record of ep->dane and the endpoint's state. */
void mx_dane_judge(struct mx_endpoint *ep, time_t now);

/* Usable records (DANE-TA/DANE-EE, well-formed), counted once each. */
size_t mx_dane_usable_count(const struct mx_dane *d);

/* The rule of analyzers/endpoint.c (endpoint_int.h's context). */
void mx_ep_rule_dane(struct ep_ctx *c);

#endif
