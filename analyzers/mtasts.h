/*
 * mtasts.h - MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for `check`: the
 * facts probe/mtasts.c put in t->sts judged as a sending MTA would.
 *
 * Pure: parsing is wire/mtasts.c's; the certificate judgement is the
 * endpoint's own (its cert.* findings and columns, made before this
 * runs), not a second verification.
 *
 * mx_sts_judge(t), after every endpoint of t has been judged:
 *  - TLS-RPT: exactly one "v=TLSRPTv1" record, valid -> tlsrpt.ok (info,
 *    its URIs); several or invalid -> tlsrpt.invalid (warning); none ->
 *    tlsrpt.missing (info) only when MTA-STS is published.
 *  - MTA-STS not published (no v=STSv1 TXT, no policy answered 200):
 *    nothing.  Otherwise, in order: mtasts.txt_invalid (several v=STSv1
 *    records or a malformed one), mtasts.policy_redirect (a 3xx: senders
 *    do not follow it), mtasts.policy_unavailable (no address, TLS or
 *    HTTP failure, status other than 200, over 64 KiB),
 *    mtasts.policy_without_txt, mtasts.policy_content_type (not
 *    text/plain), mtasts.policy_syntax; then for a valid policy that
 *    senders fetch: mtasts.mode_none (info), mtasts.max_age_short
 *    (under a day), every MX host against the mx patterns
 *    (mtasts.mx_not_covered) and every endpoint of a covered host that
 *    connected: a TLS session whose chain verified against the trust
 *    store and whose certificate names the MX host
 *    (mtasts.cert_invalid otherwise); both critical under enforce, a
 *    warning under testing; mtasts.ok (info) when nothing failed.
 *  - t->sts's judgement fields (state, mode, patterns, errors, TLS-RPT
 *    URIs) are set for the renderers.
 *
 * Ownership: judgement strings are malloc'ed into t->sts (freed by
 * mx_sts_clear()).
 */
#ifndef MX_ANALYZERS_MTASTS_H
#define MX_ANALYZERS_MTASTS_H

#include "model/result.h"

void mx_sts_judge(struct mx_target *t);

/* Does the endpoint pass as an MTA-STS sender checks it (a TLS session,
 * chain verified, name matches)?  Returns 1, or 0 with a reason in why. */
int mx_sts_endpoint_ok(const struct mx_endpoint *ep, char *why, size_t len);

/* After mx_sts_judge(): the policy a sending MTA applies, for the
 * mta-sts delivery level (model/policy.h): 2 enforce, 1 testing, 0 none
 * (not published, unusable, mode none). */
int mx_sts_sender_mode(const struct mx_sts *s);

#endif
