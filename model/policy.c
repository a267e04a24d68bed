/*
 * policy.c - names of the delivery TLS policy levels and verdicts (see
 * model/policy.h).  Stable strings: they appear in JSON and options.
 */
#include "model/policy.h"

#include <strings.h>

static const char *const policy_names[MX_POLICY__N] = {
	[MX_POLICY_NONE] = "none",
	[MX_POLICY_MAY] = "may",
	[MX_POLICY_ENCRYPT] = "encrypt",
	[MX_POLICY_VERIFY] = "verify",
	[MX_POLICY_SECURE] = "secure",
	[MX_POLICY_DANE] = "dane",
	[MX_POLICY_DANE_ONLY] = "dane-only",
	[MX_POLICY_FINGERPRINT] = "fingerprint",
	[MX_POLICY_MTA_STS] = "mta-sts",
};

const char *mx_tls_policy_name(enum mx_tls_policy p)
{
	if ((unsigned)p >= MX_POLICY__N)
		return "?";
	return policy_names[p];
}

int mx_tls_policy_parse(const char *s, enum mx_tls_policy *out)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < MX_POLICY__N; i++) {
		if (strcasecmp(s, policy_names[i]) == 0) {
			*out = (enum mx_tls_policy)i;
			return 0;
		}
	}
	return -1;
}

const char *mx_tlsa_state_name(enum mx_tlsa_state s)
{
	static const char *const names[] = {
		[MX_TLSA_NOT_LOOKED_UP] = "not_looked_up",
		[MX_TLSA_NONE] = "none",
		[MX_TLSA_INSECURE] = "insecure",
		[MX_TLSA_UNUSABLE] = "unusable",
		[MX_TLSA_USABLE] = "usable",
		[MX_TLSA_FAILED] = "failed",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

const char *mx_policy_decision_name(enum mx_policy_decision d)
{
	switch (d) {
	case MX_POLICY_DELIVER_TLS:
		return "deliver_tls";
	case MX_POLICY_DELIVER_CLEAR:
		return "deliver_clear";
	case MX_POLICY_DEFER:
		return "defer";
	}
	return "?";
}

const char *mx_send_refusal_name(enum mx_send_refusal r)
{
	static const char *const names[MX_REFUSE__N] = {
		[MX_REFUSE_NONE] = "none",
		[MX_REFUSE_AUTH_NOT_OFFERED] = "auth_not_offered",
		[MX_REFUSE_AUTH_NO_MECH] = "auth_no_mechanism",
		[MX_REFUSE_AUTH_NEEDS_TLS] = "auth_needs_tls",
		[MX_REFUSE_NEED_8BITMIME] = "need_8bitmime",
		[MX_REFUSE_NEED_SMTPUTF8] = "need_smtputf8",
		[MX_REFUSE_SIZE] = "size",
		[MX_REFUSE_AUTH_PROTOCOL] = "auth_protocol",
	};

	if ((unsigned)r >= MX_REFUSE__N)
		return "?";
	return names[r];
}
