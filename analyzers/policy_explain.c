/*
 * policy_explain.c - one endpoint's policy findings and status; see
 * policy_explain.h.
 */
#include "analyzers/policy_explain.h"

#include "analyzers/policy.h"

static int delivers_tls(const struct mx_policy_verdict *v)
{
	return v->decision == MX_POLICY_DELIVER_TLS;
}

int mx_policy_explain_endpoint(struct mx_findings *fs, const char *where,
			       const struct mx_policy_verdict v[MX_POLICY__N],
			       enum mx_tlsa_state tlsa)
{
	mx_policy_add_finding(fs, where, MX_POLICY_MAY, &v[MX_POLICY_MAY]);
	if (v[MX_POLICY_VERIFY].reason_id) {
		mx_policy_add_finding(fs, where, MX_POLICY_VERIFY,
				      &v[MX_POLICY_VERIFY]);
		fs->v[fs->n - 1].severity = MX_SEV_WARN;
	}
	if (delivers_tls(&v[MX_POLICY_VERIFY]) ||
	    delivers_tls(&v[MX_POLICY_SECURE]) ||
	    (tlsa == MX_TLSA_USABLE && delivers_tls(&v[MX_POLICY_DANE])))
		return 0;
	if (delivers_tls(&v[MX_POLICY_MAY]))
		return 1;
	return 2;
}
