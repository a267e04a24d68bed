/*
 * policy_explain.h - what `mxprobe policy` concludes for one endpoint
 * from its verdicts at every delivery TLS policy level (pure).
 *
 * Purpose: the findings two typical senders meet - a default one (may,
 * the finding at its catalogue severity) and a verifying one (verify, as
 * a warning) - and the endpoint's status (doc/exit-status.md):
 *   0  an authenticated level delivers encrypted: verify or secure, or
 *      dane with a usable TLSA RRset
 *   1  only unauthenticated TLS (may / encrypt) delivers encrypted
 *   2  clear text or defer even at may
 * The run's status is the highest over its endpoints (3, nothing could
 * be tested, is the caller's).
 * API: mx_policy_explain_endpoint().
 * Ownership: findings are added to the caller's fs; v is read only.
 */
#ifndef MX_ANALYZERS_POLICY_EXPLAIN_H
#define MX_ANALYZERS_POLICY_EXPLAIN_H

#include "model/finding.h"
#include "model/policy.h"

/* v: the verdicts of mx_policy_judge_all(); tlsa: the endpoint's DANE
 * state.  Returns the status 0..2. */
int mx_policy_explain_endpoint(struct mx_findings *fs, const char *where,
			       const struct mx_policy_verdict v[MX_POLICY__N],
			       enum mx_tlsa_state tlsa);

#endif
