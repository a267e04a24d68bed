/*
 * test_policy_explain.c - analyzers/policy_explain.c: the status of an
 * endpoint from its verdicts at every level, and the findings a default
 * and a verifying sender meet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyzers/policy_explain.h"

enum {
	T = MX_POLICY_DELIVER_TLS,
	C = MX_POLICY_DELIVER_CLEAR,
	D = MX_POLICY_DEFER
};

static void test_status(void **state)
{
	static const struct {
		int may, verify, secure, dane;
		enum mx_tlsa_state tlsa;
		int want;
	} t[] = {
		{T, T, T, T, MX_TLSA_USABLE, 0},
		{T, T, D, D, MX_TLSA_NONE, 0},	 /* verify alone */
		{T, D, T, D, MX_TLSA_NONE, 0},	 /* secure alone */
		{T, D, D, T, MX_TLSA_USABLE, 0}, /* dane with TLSA */
		{T, D, D, T, MX_TLSA_NONE, 1},	 /* dane fell back to may */
		{T, D, D, T, MX_TLSA_INSECURE, 1},
		{T, D, D, D, MX_TLSA_NONE, 1},
		{C, D, D, D, MX_TLSA_NONE, 2},
		{D, D, D, D, MX_TLSA_FAILED, 2},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mx_policy_verdict v[MX_POLICY__N];
		struct mx_findings fs = {0};

		memset(v, 0, sizeof(v));
		v[MX_POLICY_MAY].decision = t[i].may;
		v[MX_POLICY_VERIFY].decision = t[i].verify;
		v[MX_POLICY_SECURE].decision = t[i].secure;
		v[MX_POLICY_DANE].decision = t[i].dane;
		assert_int_equal(mx_policy_explain_endpoint(&fs, "w", v,
							    t[i].tlsa),
				 t[i].want);
		assert_int_equal(fs.n, 0); /* no reason_id: nothing to say */
		mx_findings_clear(&fs);
	}
}

static void test_findings(void **state)
{
	struct mx_policy_verdict v[MX_POLICY__N];
	struct mx_findings fs = {0};

	(void)state;
	memset(v, 0, sizeof(v));
	v[MX_POLICY_MAY].decision = MX_POLICY_DELIVER_CLEAR;
	v[MX_POLICY_MAY].reason_id = "policy.cleartext";
	snprintf(v[MX_POLICY_MAY].why, sizeof(v[MX_POLICY_MAY].why),
		 "no STARTTLS");
	v[MX_POLICY_VERIFY].decision = MX_POLICY_DEFER;
	v[MX_POLICY_VERIFY].reason_id = "policy.would_defer";
	snprintf(v[MX_POLICY_VERIFY].why, sizeof(v[MX_POLICY_VERIFY].why),
		 "no TLS to verify");
	v[MX_POLICY_SECURE].decision = MX_POLICY_DEFER;
	v[MX_POLICY_DANE].decision = MX_POLICY_DEFER;
	assert_int_equal(mx_policy_explain_endpoint(&fs, "mx [1.2.3.4]:25", v,
						    MX_TLSA_NONE),
			 2);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.v[0].def->id, "policy.cleartext");
	assert_string_equal(fs.v[0].where, "mx [1.2.3.4]:25");
	assert_string_equal(fs.v[0].evidence, "no STARTTLS (level may)");
	assert_string_equal(fs.v[1].def->id, "policy.would_defer");
	assert_int_equal(fs.v[1].severity, MX_SEV_WARN); /* verifying sender */
	assert_string_equal(fs.v[1].evidence,
			    "no TLS to verify (level verify)");
	mx_findings_clear(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_findings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
