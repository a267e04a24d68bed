/*
 * policy.h - delivery TLS policy judgement (pure; no I/O).
 *
 * mx_policy_judge() decides, for one level and the facts of one session
 * (or one probe), whether mail would be delivered encrypted, delivered in
 * clear text, or deferred, and why; the levels' meaning is Postfix's
 * (model/policy.h).  It has the type mx_policy_judge_fn, so src/ hands it
 * to the sender (relay/sender.h), which calls it after the handshake and
 * EHLO, before MAIL; `mxprobe policy` calls it for every level with the
 * facts of one probe (mx_policy_judge_all).
 *
 * Reasons carry a finding id: "policy.would_defer" for a deferral,
 * "policy.cleartext" for delivery in clear, "policy.dane_fallback" when
 * dane fell back to may; NULL when delivery is encrypted and nothing is
 * worth saying.
 *
 * Helpers, exposed for tests and reports:
 *  - mx_policy_fp_normalize: "AB:cd:.." -> "abcd.." (hex, 64 digits for
 *    SHA-256); -1 if not hex.
 *  - mx_policy_secure_match: Postfix secure matching of one name: a name
 *    starting with '.' matches any proper subdomain of what follows
 *    (a certificate name "*.d" counts as a subdomain of d); other names
 *    as RFC 6125 (analyzers/hostname.h).
 *  - mx_tlsa_usable: RFC 7672 section 3.1 - usage 2 or 3, selector 0 or
 *    1, matching type 0, 1 or 2; PKIX-TA/PKIX-EE (0, 1) are unusable for
 *    SMTP.
 *  - mx_dane_match: match a TLSA RRset against a chain as sent (see
 *    model/policy.h); returns 1 matched, 0 not, with the reason in why.
 *
 * Limits: names at most 253 octets; fingerprints at most 128 hex digits.
 */
#ifndef MX_ANALYZERS_POLICY_H
#define MX_ANALYZERS_POLICY_H

#include <stddef.h>

#include "model/policy.h"
#include "model/result.h"

void mx_policy_judge(enum mx_tls_policy level, const struct mx_policy_facts *f,
		     struct mx_policy_verdict *v);

/* Every level, v[MX_POLICY__N]; levels that need input the facts lack
 * (fingerprint without fingerprints) defer with that reason. */
void mx_policy_judge_all(const struct mx_policy_facts *f,
			 struct mx_policy_verdict *v);

int mx_policy_fp_normalize(const char *in, char *out, size_t outlen);
int mx_policy_secure_match(const struct mx_cert *leaf, const char *name);
int mx_tlsa_usable(const struct mx_tlsa_rr *rr);
int mx_dane_match(const struct mx_tls *tls, const struct mx_tlsa_rr *rr,
		  size_t n, const char *mx_host, const char *nexthop,
		  time_t now, char *why, size_t whylen);

/* Add the finding of a verdict (if it has a reason) to fs. */
void mx_policy_add_finding(struct mx_findings *fs, const char *where,
			   enum mx_tls_policy level,
			   const struct mx_policy_verdict *v);

#endif
