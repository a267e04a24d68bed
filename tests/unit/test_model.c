/*
 * test_model.c - finding catalogue and result model ownership.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/finding.h"
#include "model/result.h"

static void test_catalogue_ids_unique_and_dotted(void **state)
{
	size_t n, i, j;
	const struct mx_finding_def *c = mx_finding_catalogue(&n);

	(void)state;
	assert_true(n > 10);
	for (i = 0; i < n; i++) {
		assert_non_null(strchr(c[i].id, '.'));
		assert_true(strlen(c[i].title) > 0);
		assert_true(strlen(c[i].fix) > 0);
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(c[i].id, c[j].id);
		assert_ptr_equal(mx_finding_def(c[i].id), &c[i]);
	}
	assert_null(mx_finding_def("no.such_id"));
}

static void test_findings_add_and_worst(void **state)
{
	struct mx_findings fs = {0};
	struct mx_finding *f;

	(void)state;
	assert_int_equal(mx_findings_worst(&fs), MX_SEV_OK);
	mx_findings_add(&fs, "dns.null_mx", "lab.test", "MX 0 .");
	f = mx_findings_add(&fs, "cert.expired", "mx [1.2.3.4]:25",
			    "notAfter %s", "2020-01-01");
	mx_finding_set_fix(f, "renew %s", "now");
	assert_int_equal(fs.n, 2);
	assert_string_equal(f->evidence, "notAfter 2020-01-01");
	assert_string_equal(f->fix, "renew now");
	assert_true(mx_findings_has(&fs, "cert.expired"));
	assert_false(mx_findings_has(&fs, "cert.self_signed"));
	assert_int_equal(mx_findings_worst(&fs), MX_SEV_CRIT);
	mx_findings_clear(&fs);
	assert_int_equal(fs.n, 0);
}

static void test_transcript_escapes_and_caps(void **state)
{
	struct mx_transcript tx = {0};
	size_t i;

	(void)state;
	mx_tx_add(&tx, MX_TX_RECV, 5, "220 \x1b[2Jevil", 12);
	assert_string_equal(tx.v[0].text, "220 \\x1b[2Jevil");
	for (i = 0; i < MX_TX_MAX_LINES + 10; i++)
		mx_tx_add(&tx, MX_TX_SENT, 6, "EHLO x", 6);
	assert_int_equal(tx.n, MX_TX_MAX_LINES);
	assert_int_equal(tx.dropped, 11);
	mx_tx_clear(&tx);
}

static void test_run_lifecycle(void **state)
{
	struct mx_run *run = mx_run_new();
	struct mx_target *t = mx_run_add_target(run);
	struct mx_endpoint *ep;
	struct mx_cert *c;
	int i;

	(void)state;
	t->name = strdup("lab.test");
	mx_target_add_host(t)->name = strdup("mx1.lab.test");
	for (i = 0; i < 20; i++) {
		ep = mx_target_add_endpoint(t);
		ep->host = strdup("mx1.lab.test");
		c = mx_chain_add(&ep->tls.chain);
		c->subject = strdup("CN=x");
		mx_findings_add(&ep->findings, "cert.self_signed", "x", NULL);
	}
	assert_int_equal(t->nendpoints, 20);
	assert_int_equal(t->confidence, -1);
	mx_run_free(run);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mx_stop_name(MX_STOP_STARTTLS_REJECTED),
			    "starttls_rejected");
	assert_string_equal(mx_stop_name(MX_STOP_INTERNAL), "internal");
	assert_string_equal(mx_tls_fail_name(MX_TLS_FAIL_EOF), "eof");
	assert_string_equal(mx_column_name(MX_COL_NAME), "name");
	assert_string_equal(mx_dns_status_name(MX_DNS_ERROR), "error");
	assert_string_equal(mx_severity_name(MX_SEV_UNKNOWN), "unknown");
	assert_string_equal(mx_stop_name((enum mx_stop)999), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_ids_unique_and_dotted),
		cmocka_unit_test(test_findings_add_and_worst),
		cmocka_unit_test(test_transcript_escapes_and_caps),
		cmocka_unit_test(test_run_lifecycle),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
